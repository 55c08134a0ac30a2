"""Reminder and collection letters: the PDF, the charge explanations and the notification mail.

A letter is rendered once, after the transaction that took its step (collection.tasks), in the
invoice's language, with the creditor's default message, the new date to pay by, the itemised
balance and the giro form with the bank barcode and QR code for that date. The mail is a
notification with a link to the letter in MyRopo, never the PDF alone: the letter stays in
the invoice's archive whatever happens to the mail.
"""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from accounts.models import User
from collection.models import CollectionStepKind, Letter, StopRequest
from collection.payoff import payoff_for
from collection.rules import Bracket, LegalRule, Step, Topic, rule
from invoices.models import (
    Charge,
    ChargeKind,
    CreditorSettings,
    Invoice,
    InvoiceAccess,
    ReminderLayout,
)
from invoices.payment_codes import payment_codes_for
from invoices.pdf import (
    DATE_FORMAT,
    GIRO_DATE_FORMAT,
    _svg_data_uri,
    render_giro_pdf,
)
from invoices.selectors import with_balance
from myropo.templatetags.money import format_euros

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")


# --- Explaining a charge ---------------------------------------------------------------------


def _bracket_text(bracket: Bracket) -> str:
    lower = format_euros(bracket.lower) if bracket.lower is not None else None
    upper = format_euros(bracket.upper) if bracket.upper is not None else None
    if lower and upper:
        return gettext("principal over %(lower)s up to %(upper)s") % {
            "lower": lower,
            "upper": upper,
        }
    if upper:
        return gettext("principal up to %(upper)s") % {"upper": upper}
    if lower:
        return gettext("principal over %(lower)s") % {"lower": lower}
    return ""


def _kind_text(row: LegalRule) -> str:
    if row.kind is None:
        return ""
    return gettext("consumer") if row.kind.value == "consumer" else gettext("company")


def rule_condition(code: str) -> str:
    """The rule a charge was checked against, in words of the active language."""
    try:
        row = rule(code)
    except KeyError:
        return ""
    kind = _kind_text(row)
    if row.code == "consumer.reminder_1":
        detail = gettext("first reminder on the 15th day after the due date at the earliest")
    elif row.code == "consumer.reminder_2":
        detail = gettext("second reminder on the 15th day after the first at the earliest")
    elif row.topic is Topic.STANDARD_COMPENSATION:
        detail = gettext("standard compensation, once per invoice")
    elif row.topic is Topic.DEMAND_FEE:
        first = row.step is Step.DEMAND_1
        detail = (gettext("1st payment demand") if first else gettext("2nd payment demand")) + (
            f", {_bracket_text(row.bracket)}" if _bracket_text(row.bracket) else ""
        )
    elif row.topic is Topic.INTEREST_MARGIN:
        detail = gettext("reference rate + %(margin)s percentage points") % {
            "margin": f"{row.cap:g}"
        }
    elif row.topic is Topic.TOTAL_COSTS:
        detail = gettext("total collection costs, %(bracket)s") % {
            "bracket": _bracket_text(row.bracket)
        }
    else:
        detail = ""
    return ", ".join(part for part in (kind, detail) if part)


def explain_charge(charge: Charge) -> str:
    """E.g. "Reminder fee 5,00 € — creditor's fee 5,00 €, legal maximum 5,00 € (consumer, …)".

    Rendered from the charge's rule code and parameters in the active language, amounts and
    dates in its format. The text stored with the charge is an audit note in the language of
    the moment it was booked (demo rows wrote Finnish): a reader never sees it (issue 12
    item 4). A rule code the table does not know still gets its kind, amount and caps.
    """
    head = f"{charge.get_kind_display()} {format_euros(charge.amount)}"
    condition = rule_condition(charge.rule)
    if charge.kind == ChargeKind.INTEREST and charge.period_start and charge.period_end:
        period = gettext("%(start)s–%(end)s") % {
            "start": date_format(charge.period_start, "SHORT_DATE_FORMAT"),
            "end": date_format(charge.period_end, "SHORT_DATE_FORMAT"),
        }
        return f"{head} — {period}" + (f" ({condition})" if condition else "")
    parts = []
    if charge.creditor_setting is not None:
        parts.append(
            gettext("creditor's fee %(fee)s") % {"fee": format_euros(charge.creditor_setting)}
        )
    if charge.legal_cap is not None:
        parts.append(gettext("legal maximum %(cap)s") % {"cap": format_euros(charge.legal_cap)})
    text = f"{head} — {', '.join(parts)}" if parts else head
    return f"{text} ({condition})" if condition else text


def codes_due_date(invoice: Invoice, today: date) -> date | None:
    """The pay-by date of the invoice's latest letter while it lies ahead, else None (codes
    without a date); an invoice without letters: its due date, or today once that passed."""
    latest = (
        Letter.objects.filter(invoice=invoice)
        .order_by("-letter_date", "-id")
        .values_list("due_date", flat=True)
        .first()
    )
    if latest is None:
        return max(invoice.due_date, today)
    return latest if latest >= today else None


# --- The letter PDF --------------------------------------------------------------------------


def letter_title(step: str) -> str:
    titles = {
        Step.REMINDER_1: gettext("Payment reminder"),
        Step.REMINDER_2: gettext("Second payment reminder"),
        Step.DEMAND_1: gettext("Payment demand"),
        Step.DEMAND_2: gettext("Second payment demand"),
        Step.LEGAL_NOTICE: gettext("Notice of legal collection"),
        Step.LEGAL: gettext("Legal collection"),
    }
    return titles[Step(step)]


def _letter_body(step: str) -> str:
    if step in (Step.REMINDER_1, Step.REMINDER_2):
        return gettext(
            "According to our records the invoice below is unpaid. If you have already paid "
            "it, please ignore this reminder."
        )
    if step in (Step.DEMAND_1, Step.DEMAND_2):
        return gettext(
            "The invoice below is still unpaid despite a payment reminder, and its collection "
            "has started. Please pay the amount due by the date below. If you dispute the "
            "claim, tell us the reasons before that date: collection pauses until we have "
            "answered."
        )
    return gettext(
        "The invoice below is still unpaid. Unless it is paid by the date below, the claim "
        "will be handed over to legal collection, which may lead to a court judgment and "
        "enforcement."
    )


def _stop_notices(letter: Letter, invoice: Invoice) -> list[str]:
    """What a consumer's letter says about the right to stop voluntary collection (4 c §).

    After a request: that no costs are charged for collection acts after it (4 c § 2 mom).
    Before one, on a payment demand: the right itself, how to ask and what follows
    (5 a § 2 mom).
    """
    if invoice.debtor_type != "consumer":
        return []
    stop = StopRequest.objects.filter(invoice_id=invoice.pk).first()
    if stop is not None and timezone.localtime(stop.requested_at).date() <= letter.letter_date:
        day = timezone.localtime(stop.requested_at).date().strftime("%d.%m.%Y")
        return [
            gettext(
                "You asked on %(day)s that voluntary collection be stopped (Debt Collection Act "
                "4 c §). No costs are charged to you for collection acts after your request: "
                "this letter costs you nothing. The creditor may take the claim to court."
            )
            % {"day": day}
        ]
    if letter.step in (Step.DEMAND_1, Step.DEMAND_2):
        return [
            gettext(
                "You have the right to ask that voluntary collection be stopped and the claim "
                "moved to legal collection (Debt Collection Act 4 c §). Ask in writing: send a "
                'message in MyRopo (choose "Stop voluntary collection") or write to the '
                "address above. After your request no costs are charged to you for further "
                "collection acts, but the creditor may take the claim to court at once, which "
                "may lead to a judgment, legal costs and enforcement."
            )
        ]
    return []


@dataclass(frozen=True)
class BalanceRow:
    label: str
    amount: Decimal


def _context(letter: Letter, invoice: Invoice, language: str) -> dict:
    charges = list(invoice.charges.all())
    # The figure that pays the invoice off on the letter's pay-by date, the day the letter
    # asks for: interest through that date included (collection.payoff). Paid earlier, the
    # interest of the days not elapsed is refunded as an overpayment, never kept (Korkolaki
    # 4 §: interest runs until the day of payment); paid later, that later interest is owed.
    payoff = payoff_for(invoice, letter.due_date)
    payable = not invoice.is_closed and payoff.total > 0
    amount = payoff.total if payable else ZERO
    # The letter asks to be paid by its own date: the codes carry that date, not the invoice's.
    dated = copy.copy(invoice)
    dated.due_date = letter.due_date
    codes = payment_codes_for(dated, amount=amount)
    creditor_settings = CreditorSettings.objects.filter(creditor_id=invoice.creditor_id).first()
    return {
        "letter": letter,
        "invoice": dated,
        "creditor": invoice.creditor,
        "language": language,
        "title": letter_title(letter.step),
        "body": _letter_body(letter.step),
        "stop_notices": _stop_notices(letter, invoice),
        "creditor_message": creditor_message_for(letter, creditor_settings),
        "letterhead": letterhead_for(letter, creditor_settings),
        "show_due_date": creditor_settings.reminder_shows_due_date if creditor_settings else True,
        "original_due_date": invoice.due_date,
        "date_format": DATE_FORMAT.get(language, DATE_FORMAT["en"]),
        "giro_date_format": GIRO_DATE_FORMAT,
        "charges": [(charge, explain_charge(charge)) for charge in charges],
        "amount": amount,
        "payoff": payoff if payable else None,
        "giro_amount": format_euros(amount, "fi").removesuffix("\u00a0€"),
        "codes": codes,
        "barcode_src": _svg_data_uri(codes.barcode_svg) if codes.barcode_svg else None,
        "site": urlsplit(settings.SITE_URL).netloc or settings.SITE_URL,
    }


def letter_html(letter: Letter, *, giro_last: bool = False) -> str:
    return _letter_template(letter)(giro_last)


def _letter_template(letter: Letter) -> Callable[[bool], str]:
    """The letter's HTML for either placing of the giro form, from one reading of its data."""
    invoice = (
        with_balance(Invoice.objects.filter(pk=letter.invoice_id)).select_related("creditor").get()
    )
    language = letter.language or invoice.language
    with translation.override(language):
        context = _context(letter, invoice, language)

    def html(giro_last: bool) -> str:
        with translation.override(language):
            return render_to_string(
                "collection/letters/letter.html", {**context, "giro_last": giro_last}
            )

    return html


def creditor_message_for(letter: Letter, creditor_settings: CreditorSettings | None) -> str:
    """The creditor's default message ("oletusviesti", Ropo One's reminder settings): on its
    payment reminders written in the message's language; never on another language's letter
    (a Finnish text in a Swedish letter) nor on the agency's collection letters."""
    if creditor_settings is None or not creditor_settings.reminder_message.strip():
        return ""
    if letter.step not in (Step.REMINDER_1, Step.REMINDER_2):
        return ""
    if letter.language != creditor_settings.reminder_message_language:
        return ""
    return creditor_settings.reminder_message


@dataclass(frozen=True)
class Letterhead:
    logo_src: str | None
    text: str


# A stored logo's name carries a token of its upload and the file is never rewritten, so a
# name read once stands for the same bytes: a cycle's thousands of letters read it once. Only
# reads that worked are kept: a storage hiccup must not take the logo off every later letter.
_logo_uris: dict[str, str] = {}
_LOGO_URIS_KEPT = 64


def _logo_data_uri(name: str) -> str | None:
    if (kept := _logo_uris.get(name)) is not None:  # one lookup: another thread may clear
        return kept
    field = CreditorSettings._meta.get_field("letterhead_logo")
    try:
        with field.storage.open(name, "rb") as file:
            data = file.read()
    except (FileNotFoundError, OSError) as error:
        log.warning("letters: the letterhead logo could not be read (%s)", type(error).__name__)
        return None
    if len(_logo_uris) >= _LOGO_URIS_KEPT:
        _logo_uris.clear()
    uri = _logo_uris[name] = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return uri


def _current_logo_uri(creditor_settings: CreditorSettings) -> str | None:
    """The logo the settings name; if that file is gone (replaced since they were read, its
    old file deleted on commit), the logo the settings name now."""
    name = creditor_settings.letterhead_logo.name
    uri = _logo_data_uri(name) if name else None
    if uri is None and name and creditor_settings.pk:
        current = (
            CreditorSettings.objects.filter(pk=creditor_settings.pk)
            .values_list("letterhead_logo", flat=True)
            .first()
        )
        if current and current != name:
            uri = _logo_data_uri(current)
    return uri


def letterhead_for(letter: Letter, creditor_settings: CreditorSettings | None) -> Letterhead | None:
    """The creditor's own letterhead ("own template" layout) on its payment reminders; None for
    the standard layout, a layout without logo or text, and the agency's collection letters
    (sent in the agency's name). Only the branding changes: the sender's name, address and
    business ID, the facts and the giro form stay on every letter."""
    if creditor_settings is None or creditor_settings.reminder_layout != ReminderLayout.OWN:
        return None
    if letter.step not in (Step.REMINDER_1, Step.REMINDER_2):
        return None
    head = Letterhead(
        logo_src=_current_logo_uri(creditor_settings),
        text=creditor_settings.letterhead_text.strip(),
    )
    return head if head.logo_src or head.text else None


def letter_pdf_bytes(letter: Letter) -> bytes:
    """The letter as a PDF, its giro form laid out once where it fits (invoices.pdf)."""
    return render_giro_pdf(_letter_template(letter))


def letter_render(*, letter_id: int) -> bool:
    """Render the letter's PDF unless it exists (a letter is never re-rendered); True if now."""
    letter = Letter.objects.get(pk=letter_id)
    if letter.pdf:
        return False
    return letter_store(letter, letter_pdf_bytes(letter))


def letter_store(letter: Letter, pdf: bytes) -> bool:
    """Save a rendered PDF to the `letters` storage and name it on the row, unless another
    worker got there first: then its file stays and this one is removed. True if stored."""
    field = Letter._meta.get_field("pdf")
    name = field.storage.save(field.generate_filename(letter, "letter.pdf"), ContentFile(pdf))
    updated = Letter.objects.filter(pk=letter.pk, pdf="").update(
        pdf=name, rendered_at=timezone.now()
    )
    if not updated:
        field.storage.delete(name)
    return bool(updated)


def letter_pdf_read(letter: Letter) -> bytes:
    with letter.pdf.open("rb") as file:
        return file.read()


def letter_filename(letter: Letter) -> str:
    return f"{letter.step.replace('_', '-')}-{letter.invoice.number}.pdf".replace("/", "-")


# --- The notification --------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str


def letter_recipients(invoice: Invoice) -> list[Recipient]:
    """The debtor's email on the invoice, and MyRopo users who hold the invoice and want mail."""
    recipients: dict[str, Recipient] = {}
    if invoice.debtor_email:
        recipients[invoice.debtor_email.lower()] = Recipient(invoice.debtor_email, invoice.language)
    users = User.objects.filter(
        pk__in=InvoiceAccess.objects.filter(invoice=invoice).values("user_id"),
        is_active=True,
        notify_reminder=True,
    ).only("email", "preferred_language")
    for user in users:
        recipients.setdefault(user.email.lower(), Recipient(user.email, user.preferred_language))
    return list(recipients.values())


def letter_messages(letter: Letter) -> list[EmailMessage]:
    invoice = letter.invoice
    link = settings.SITE_URL + reverse("letters:pdf", args=[letter.pk])
    messages = []
    for recipient in letter_recipients(invoice):
        with translation.override(recipient.language):
            context = {
                "letter": letter,
                "invoice": invoice,
                "creditor": invoice.creditor,
                "title": letter_title(letter.step),
                "step_label": CollectionStepKind(letter.step).label,
                "link": link,
                "invoice_link": settings.SITE_URL + reverse("invoices:detail", args=[invoice.pk]),
                "due_date": letter.due_date.strftime("%d.%m.%Y"),
            }
            subject = pgettext("email subject", "%(title)s: %(creditor)s, invoice %(number)s") % {
                "title": context["title"],
                "creditor": invoice.creditor.name,
                "number": invoice.number,
            }
            body = render_to_string("collection/letters/email.txt", context)
        messages.append(
            EmailMessage(
                subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
                body=body,
                to=[recipient.email],
            )
        )
    return messages
