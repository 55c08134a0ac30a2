"""The payment plan's confirmation as a PDF: the schedule and every installment's codes.

Rendered with the invoices' WeasyPrint setup (`LocalOnlyURLFetcher`: nothing is fetched from
the network), in the plan's language.
"""

import base64

from django.template.loader import render_to_string
from django.utils import timezone, translation

from arrangements.models import PaymentPlan
from arrangements.selectors import plan_progress
from invoices.pdf import DATE_FORMAT, _ascii_slug, render_pdf
from invoices.references import PaymentCodeError, format_reference

FILE_WORD = {"fi": "maksusuunnitelma", "sv": "betalningsplan", "en": "payment-plan"}


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _spaced(reference: str) -> str:
    """In groups of five, as on every giro (a paid installment has no codes to say it)."""
    try:
        return format_reference(reference)
    except PaymentCodeError:
        return reference


def plan_pdf_html(plan: PaymentPlan) -> str:
    progress = plan_progress(plan, today=timezone.localdate(), with_codes=True)
    rows = [
        {
            "status": row,
            "reference": _spaced(row.installment.reference),
            "barcode_src": _svg_data_uri(row.codes.barcode_svg)
            if row.codes and row.codes.barcode_svg
            else None,
        }
        for row in progress.rows
    ]
    entries = list(plan.plan_invoices.select_related("invoice"))
    with translation.override(plan.language):
        return render_to_string(
            "arrangements/pdf/plan.html",
            {
                "plan": plan,
                "progress": progress,
                "rows": rows,
                "entries": entries,
                # A plan is one debtor's (plan_create refuses a mix): its invoices name it.
                "debtor_name": entries[0].invoice.debtor_name if entries else "",
                "language": plan.language,
                "date_format": DATE_FORMAT.get(plan.language, DATE_FORMAT["en"]),
            },
        )


def plan_pdf_bytes(plan: PaymentPlan) -> bytes:
    # The plan carries its own <style>; only the shared setup (fonts, fetcher) is reused.
    return render_pdf(plan_pdf_html(plan), stylesheet=False)


def plan_pdf_filename(plan: PaymentPlan) -> str:
    word = FILE_WORD.get(plan.language, FILE_WORD["en"])
    return f"{word}-{_ascii_slug(plan.creditor.name) or 'creditor'}-{plan.pk}.pdf"
