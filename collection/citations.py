"""A rule row's citations in words of the active language, for public pages and letters.

`collection.rules` holds each place as data (`Cite`); here it becomes "Laki saatavien
perinnästä (513/1999) 10 a § 1 mom. 2 k. b (31/2013)" in Finnish, "Lag om indrivning av
fordringar (513/1999) 10 a § 1 mom. 2 p. b (31/2013)" in Swedish and "Debt Collection Act
(513/1999), section 10 a(1)(2)(b) (as amended by 31/2013)" in English. The rows' `source`
notes (English, with the reasoning) stay for staff and the code; the public page shows only
these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language, gettext, pgettext

from collection.rules import Act, Cite

__all__ = ["cite_text", "cites_text"]


def _act_name(act: Act) -> str:
    names = {
        Act.DEBT_COLLECTION: gettext("Debt Collection Act (513/1999)"),
        Act.INTEREST: gettext("Interest Act (633/1982)"),
        Act.LIMITATION: gettext("Act on the Limitation of Debts (728/2003)"),
        Act.E_SERVICES: gettext("Act on Electronic Services in Public Administration (13/2003)"),
        Act.ADMINISTRATIVE: gettext("Administrative Procedure Act (434/2003)"),
        Act.OMBUDSMAN: gettext(
            "Consumer Ombudsman's decision of 21 October 2024 on Ropo Suomi Oy "
            "(KKV/378/14.08.01.05/2022)"
        ),
        Act.ETHICS: gettext("Code of good collection practice (Finnish Collection Agencies)"),
        Act.POLICY: gettext("MyRopo's own policy, stricter than the law"),
    }
    return names[act]


def _place(cite: Cite, language: str) -> str:
    if not cite.section:
        return ""
    if language == "en":
        text = f"section {cite.section}"
        for part in (cite.subsection, cite.paragraph, cite.subparagraph or None):
            if part is not None:
                text += f"({part})"
        return text
    # Finnish and Swedish write "10 a § 1 mom. 2 k. b" / "10 a § 1 mom. 2 p. b".
    subsection = pgettext("subsection of a section, abbreviated", "mom.")
    paragraph = pgettext("paragraph of a subsection, abbreviated", "k.")
    parts = [f"{cite.section} §"]
    if cite.subsection is not None:
        parts.append(f"{cite.subsection} {subsection}")
    if cite.paragraph is not None:
        parts.append(f"{cite.paragraph} {paragraph}")
    if cite.subparagraph:
        parts.append(cite.subparagraph)
    return " ".join(parts)


def cite_text(cite: Cite) -> str:
    """One citation in the active language."""
    language = (get_language() or "fi")[:2]
    name = _act_name(cite.act)
    place = _place(cite, language)
    if not place:
        return name
    text = f"{name}, {place}" if language == "en" else f"{name} {place}"
    if cite.amended_by:
        text += " (" + gettext("as amended by %(act)s") % {"act": cite.amended_by} + ")"
    return text


def cites_text(cites: Iterable[Cite]) -> str:
    """Several citations, one after the other, each once."""
    seen: list[str] = []
    for cite in cites:
        text = cite_text(cite)
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)
