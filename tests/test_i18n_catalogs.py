"""Every message catalog is complete: no empty and no fuzzy translation in fi, sv or en."""

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(text: str) -> str:
    # A .po string is a C-style quoted string; Python's literal syntax reads it the same way.
    return ast.literal_eval(text.strip())


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: entries with msgid, plural, msgstr[n], flags and obsolete marks."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#,"):
            finish()
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstrs:
                finish()
            continue
        if line.startswith("msgctxt"):
            finish()
            continue
        if line.startswith("msgid_plural"):
            assert entry is not None, f"line {number}: msgid_plural without msgid"
            entry.msgid_plural = _unquote(line[len("msgid_plural") :])
            target = ("plural", 0)
        elif line.startswith("msgid"):
            if entry is not None and entry.msgstrs:
                finish()
            entry = entry or Entry(line=number, flags=flags, obsolete=obsolete)
            flags = set()
            entry.msgid = _unquote(line[len("msgid") :])
            target = ("msgid", 0)
        elif line.startswith("msgstr"):
            assert entry is not None, f"line {number}: msgstr without msgid"
            head, _, rest = line.partition(" ")
            index = int(head[head.index("[") + 1 : -1]) if "[" in head else 0
            entry.msgstrs[index] = _unquote(rest)
            target = ("msgstr", index)
        elif line.startswith('"'):
            assert entry is not None and target is not None, f"line {number}: stray string"
            kind, index = target
            if kind == "msgid":
                entry.msgid += _unquote(line)
            elif kind == "plural":
                entry.msgid_plural = (entry.msgid_plural or "") + _unquote(line)
            else:
                entry.msgstrs[index] += _unquote(line)
        else:
            raise AssertionError(f"line {number}: cannot read {raw!r}")
    finish()
    return entries


def problems_in(text: str) -> list[str]:
    problems = []
    for entry in parse_po(text):
        if entry.obsolete or entry.msgid == "":  # the header entry
            continue
        label = f"line {entry.line}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{label} is marked fuzzy")
        if not entry.msgstrs or any(not value for value in entry.msgstrs.values()):
            problems.append(f"{label} has an empty translation")
    return problems


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_catalog_is_complete(language):
    po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"{po.relative_to(settings.BASE_DIR)} is missing: run makemessages"
    problems = problems_in(po.read_text(encoding="utf-8"))
    assert not problems, f"{po.relative_to(settings.BASE_DIR)}:\n" + "\n".join(problems)


# --- The reader itself ------------------------------------------------------------------------

SAMPLE = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#: templates/base.html:7
msgid "Log in"
msgstr "Kirjaudu sisään"

#: templates/home.html:3
msgid ""
"Handle your payments "
"easily"
msgstr ""
"Hoida maksuasiasi "
"helposti"

#, fuzzy
#| msgid "Old"
msgid "Profile"
msgstr "Profiili"

msgid "Empty"
msgstr ""

#, python-format
msgid "One invoice"
msgid_plural "%(count)s invoices"
msgstr[0] "Yksi lasku"
msgstr[1] ""

msgctxt "button"
msgid "Save"
msgstr "Tallenna"

msgid "Quote \"inside\""
msgstr "Lainaus \"sisällä\""

#~ msgid "Gone"
#~ msgstr ""
"""


def test_the_reader_joins_continued_lines_and_unescapes():
    entries = {entry.msgid: entry for entry in parse_po(SAMPLE)}
    assert entries["Handle your payments easily"].msgstrs == {0: "Hoida maksuasiasi helposti"}
    assert entries['Quote "inside"'].msgstrs == {0: 'Lainaus "sisällä"'}
    assert entries["Save"].msgstrs == {0: "Tallenna"}
    assert entries["Gone"].obsolete


def test_the_reader_reports_fuzzy_empty_and_half_translated_plurals_only():
    problems = problems_in(SAMPLE)
    assert len(problems) == 3, problems
    assert any("'Profile' is marked fuzzy" in problem for problem in problems)
    assert any("'Empty' has an empty translation" in problem for problem in problems)
    assert any("'One invoice' has an empty translation" in problem for problem in problems)


def test_the_reader_accepts_a_complete_catalog():
    complete = 'msgid ""\nmsgstr "Language: fi\\n"\n\nmsgid "Yes"\nmsgstr "Kyllä"\n'
    assert problems_in(complete) == []
