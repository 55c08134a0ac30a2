"""Records produced by the invoice-import parsers, and the problems they report.

Nothing in ``invoices.importing`` imports Django: the parsers run the same in the
upload view, in a Celery task and in plain unit tests.

Translating problems
--------------------
A problem's ``message`` is an English ``%``-format template with named
parameters (``"Invalid date %(value)s."``) and ``params`` holds the values. The
templates are wrapped in :func:`gettext_noop` where they are written, a name
that ``makemessages`` extracts, so they land in the catalogue; they are
translated only when shown, by passing the active gettext to
:meth:`ImportProblem.render`::

    from django.utils.translation import gettext

    except ImportFailed as exc:
        for problem in exc.problems:
            form.add_error(None, f"{problem.position}: {problem.render(gettext)}")

Templates always go through ``%`` formatting, so a literal percent sign in a
template is written ``%%``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

MAX_IMPORT_BYTES = 10 * 1024 * 1024

# A broken 10 MB file could produce hundreds of thousands of problems; nobody
# reads past the first screenful, and the page listing them must stay small.
MAX_PROBLEMS = 1000

Language = Literal["fi", "sv", "en"]
DebtorKind = Literal["consumer", "company"]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction by ``makemessages``; translate later."""
    return message


def _untranslated(message: str) -> str:
    return message


@dataclass(frozen=True)
class ImportedLine:
    description: str
    quantity: Decimal
    unit_price: Decimal  # VAT excluded
    vat_rate: Decimal  # percent, e.g. Decimal("25.5")
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal


@dataclass(frozen=True)
class ImportedInvoice:
    number: str
    issue_date: date
    due_date: date
    reference: str  # compact: digits, or "RF" + digits/letters, no spaces
    currency: str
    total: Decimal  # VAT included
    language: Language
    debtor_kind: DebtorKind
    debtor_name: str
    debtor_hetu: str | None
    debtor_ytunnus: str | None
    debtor_address: str
    debtor_postcode: str
    debtor_city: str
    debtor_email: str
    seller_ytunnus: str | None
    seller_name: str | None
    seller_iban: str | None
    seller_bic: str | None
    lines: tuple[ImportedLine, ...]
    source_position: str  # "Finvoice message 2", "line 5" or "lines 5–9"
    # The day the invoice was sent to the debtor; None: not given (the import takes the
    # issue date). A consumer reminder fee needs it ≥ 14 days before the due date (513/1999
    # 10 b § 1 mom).
    sent_on: date | None = None


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file, and where.

    ``position`` is "line 7" for CSV, or "Finvoice message 2,
    /Finvoice/InvoiceDetails/InvoiceNumber" for XML, or "file" for the file as
    a whole. ``message`` is an untranslated template; see :meth:`render`.
    """

    position: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str] = _untranslated) -> str:
        """Translate the template with ``gettext``, then fill in the params."""
        return gettext(self.message) % dict(self.params)

    def __str__(self) -> str:
        return f"{self.position}: {self.render()}"


class ImportFailed(Exception):
    """The file cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:3])
        more = len(self.problems) - 3
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))


class ProblemList:
    """Collects problems while a file is read, then raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []
        self.dropped = 0

    def add(self, position: str, message: str, **params: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(position, message, params))
        else:
            self.dropped += 1

    def __len__(self) -> int:
        return len(self.problems) + self.dropped

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        problems = list(self.problems)
        if self.dropped:
            problems.append(
                ImportProblem(
                    "file",
                    gettext_noop("%(count)s more problems were not listed."),
                    {"count": self.dropped},
                )
            )
        raise ImportFailed(problems)


def fail(position: str, message: str, **params: object) -> ImportFailed:
    """An ``ImportFailed`` with a single problem, for problems that end reading."""
    return ImportFailed([ImportProblem(position, message, params)])


def check_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise fail(
            "file",
            gettext_noop("The file is %(size)s bytes; the largest accepted is %(limit)s bytes."),
            size=len(data),
            limit=MAX_IMPORT_BYTES,
        )
