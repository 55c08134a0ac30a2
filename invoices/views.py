"""The consumer's invoice pages: list, find ("Hae lasku"), one invoice, its PDF."""

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.context import SESSION_KEY as ACTING_SESSION_KEY
from accounts.context import acting_context, acting_context_set
from accounts.models import OrganisationInvoice
from accounts.selectors import MYSELF, ActingContext
from invoices.forms import InvoiceClaimForm, InvoiceFilterForm
from invoices.hooks import invoice_detail_context, invoice_viewer_context
from invoices.hooks import payoff as invoice_payoff
from invoices.models import Invoice, InvoiceAccess
from invoices.payment_codes import invoice_payment_codes
from invoices.permissions import invoice_rights, may_manage_claims
from invoices.selectors import (
    contexts_with_invoices,
    creditors_of,
    filter_invoices,
    invoice_list_rows,
    invoice_list_summary,
    invoice_timeline,
    invoices_in_context,
    invoices_visible_to,
    list_amounts_due,
    open_dispute_event,
    sees_visible_invoices_as_debtor,
    vat_summary,
    with_balance,
)
from invoices.services import (
    InvoiceError,
    invoice_claim,
    invoice_claim_remove,
    invoice_mark_viewed,
)

PAGE_SIZE = 25


class CountedPaginator(Paginator):
    """A paginator told its count, which the list page gets along with its total."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # fills the cached_property, so no COUNT query


def _today() -> date:
    return timezone.localdate()


def _wants_fragment(request: HttpRequest) -> bool:
    # A history-restore request (back button after a cache miss) needs the whole page.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _landing_context(request: HttpRequest) -> ActingContext | None:
    """The first list after login (no context chosen in this session yet): a user with no
    invoices of their own whose invoices are all in one company or principal lands there
    (issue 12, item 11). Decided once a session; a choice made later always wins."""
    if not hasattr(request, "session") or ACTING_SESSION_KEY in request.session:
        return None
    if invoices_in_context(request.user, MYSELF).exists():
        acting_context_set(request, MYSELF.key)
        return None
    elsewhere = contexts_with_invoices(request.user, exclude=MYSELF)
    if len(elsewhere) != 1:
        acting_context_set(request, MYSELF.key)
        return None
    return acting_context_set(request, elsewhere[0].context.key)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def invoice_list_view(request: HttpRequest) -> HttpResponse:
    # The list shows the party the user acts for (myself, a company, an authorizer); single
    # invoices stay reachable through invoices_visible_to whatever the context.
    acting = _landing_context(request) or acting_context(request)
    visible = invoices_in_context(request.user, acting)
    creditors = list(creditors_of(visible))
    form = InvoiceFilterForm(request.GET, creditors=creditors)
    filters = form.valid_filters()
    invoices = filter_invoices(
        visible,
        today=_today(),
        state=filters.get("state", ""),
        creditor_id=filters.get("creditor"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        search=filters.get("q", ""),
    )
    summary = invoice_list_summary(invoices, today=_today())
    page = CountedPaginator(invoice_list_rows(invoices), PAGE_SIZE, count=summary.count).get_page(
        request.GET.get("page")
    )
    query = urlencode(
        {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in filters.items()
        }
    )
    context = {
        "form": InvoiceFilterForm(initial=filters, creditors=creditors),
        "page": page,
        "invoices": page.object_list,
        "filtered": any(name != "state" or value != "all" for name, value in filters.items()),
        "has_any_invoice": bool(creditors),
        "ignored_filters": form.ignored_labels(),
        "page_url": f"{reverse('invoices:list')}?{query}{'&' if query else ''}page=",
        "page_range": page.paginator.get_elided_page_range(page.number),
        "open_total": list_amounts_due(page.object_list, summary, today=_today()),
        "today": _today(),
        "acting": acting,
        # Only when this list is empty: the contexts where the user's invoices are instead.
        "elsewhere": [] if creditors else contexts_with_invoices(request.user, exclude=acting),
    }
    template = "invoices/invoice_list.html"
    if _wants_fragment(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_claim_view(request: HttpRequest) -> HttpResponse:
    form = InvoiceClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                invoice = invoice_claim(
                    user=request.user,
                    myropo_id=form.cleaned_data["myropo_id"],
                    number=form.cleaned_data["number"],
                    reference=form.cleaned_data["reference"],
                )
            except InvoiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Invoice %(number)s from %(creditor)s is now in your MyRopo.")
                    % {"number": invoice.number, "creditor": invoice.creditor.name},
                )
                return redirect("invoices:detail", pk=invoice.pk)
        return render(request, "invoices/invoice_claim.html", {"form": form}, status=400)
    return render(request, "invoices/invoice_claim.html", {"form": form})


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    primary: bool = False
    # Pays or arranges the invoice itself: not offered while a payment plan holds it.
    arranging: bool = False


# Filled in by later apps: an action appears as soon as its URL name exists, and only for a
# user whose scopes on the invoice allow it (no button that ends in "403 Forbidden").
# (url name, label, the scope it needs, only while the invoice is open, primary)
INVOICE_ACTIONS = [
    ("payments:pay", gettext_lazy("Pay"), "pay", True, True),
    ("arrangements:plan", gettext_lazy("Payment plan"), "arrange", True, False),
    ("arrangements:due_date", gettext_lazy("Move the due date"), "arrange", True, False),
    ("messaging:new", gettext_lazy("Send a message"), "message", False, False),
]


def invoice_actions(invoice: Invoice, allowed: frozenset[str]) -> list[Action]:
    actions = []
    for url_name, label, scope, only_open, primary in INVOICE_ACTIONS:
        if scope not in allowed:
            continue
        if only_open and (invoice.is_closed or invoice.open_balance <= 0):
            continue
        try:
            url = reverse(url_name, kwargs={"pk": invoice.pk})
        except NoReverseMatch:
            continue
        actions.append(Action(str(label), url, primary, arranging=scope in ("pay", "arrange")))
    return actions


@login_required
@require_GET
@never_cache
def invoice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(
        with_balance(invoices_visible_to(request.user)).select_related(
            "creditor", "creditor__settings"
        ),
        pk=pk,
    )
    if sees_visible_invoices_as_debtor(request.user):
        invoice_mark_viewed(invoice=invoice, user=request.user)
    today = _today()
    rights = invoice_rights(request.user, invoice)
    lines = list(invoice.lines.all())
    # The one figure (collection.payoff): what closes the invoice when paid today, interest
    # through today included. The codes are the PDF's (one rule, invoice_payment_codes): dated
    # with the latest letter's pay-by date, or today once the due date has passed, so that
    # the bank pays the figure on the day it is valid for.
    payoff = invoice_payoff(invoice, today)
    payable = not invoice.is_closed and payoff.total > 0
    codes, codes_payoff = invoice_payment_codes(invoice, today, payoff_today=payoff)
    context = {
        "invoice": invoice,
        "lines": lines,
        "vat_rows": vat_summary(lines),
        "events": invoice_timeline(invoice),
        "payoff": payoff,
        "payable": payable,
        "codes": codes,
        "codes_payoff": codes_payoff,
        "actions": invoice_actions(invoice, rights.actions),
        "open_overpayments": [],
        "overdue": not invoice.is_closed and invoice.due_date < today,
        "today": today,
        # The charges explained, the letters and the collection outlook (collection app).
        **invoice_detail_context(invoice, today),
        "dispute": open_dispute_event(invoice),
        **invoice_viewer_context(invoice, request.user),
        "claims": claims_for_debtor(request.user, invoice) if rights.manages_claims else None,
    }
    if context.get("active_plan"):
        # The plan's installments pay the invoice (arrangements): no Pay, Plan or Due date.
        context["actions"] = [a for a in context["actions"] if not a.arranging]
        context["overdue"] = False  # the plan's own dates are what is due
    return render(request, "invoices/invoice_detail.html", context)


@dataclass(frozen=True)
class Claims:
    """Who else reached the invoice by claiming it, as its debtor sees them."""

    people: list[InvoiceAccess]
    organisations: list[OrganisationInvoice]


def claims_for_debtor(user, invoice: Invoice) -> Claims:
    """The caller checked `may_manage_claims` (the invoice page: its `invoice_rights`)."""
    return Claims(
        people=list(
            InvoiceAccess.objects.filter(invoice=invoice)
            .exclude(user=user)
            .select_related("user")
            .order_by("created_at", "pk")
        ),
        organisations=list(
            OrganisationInvoice.objects.filter(invoice=invoice)
            .exclude(organisation__memberships__user=user)
            .select_related("organisation")
            .order_by("created_at", "pk")
        ),
    )


def _claim_remove(request: HttpRequest, pk: int, claim_model, claim_pk: int) -> HttpResponse:
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    if not may_manage_claims(request.user, invoice):
        raise PermissionDenied
    claim = get_object_or_404(claim_model, pk=claim_pk, invoice=invoice)
    invoice_claim_remove(invoice=invoice, actor=request.user, claim=claim)
    messages.success(request, _("The access was removed."))
    return redirect("invoices:detail", pk=invoice.pk)


@login_required
@require_POST
def invoice_claim_remove_view(request: HttpRequest, pk: int, claim_pk: int) -> HttpResponse:
    """The debtor removes a person's claim on its invoice (issue 10, item 14)."""
    return _claim_remove(request, pk, InvoiceAccess, claim_pk)


@login_required
@require_POST
def invoice_organisation_claim_remove_view(
    request: HttpRequest, pk: int, claim_pk: int
) -> HttpResponse:
    """The debtor removes an organisation's claim on its invoice (issue 10, item 14)."""
    return _claim_remove(request, pk, OrganisationInvoice, claim_pk)


@login_required
@require_GET
@never_cache
def invoice_pdf_view(request: HttpRequest, pk: int) -> FileResponse:
    # Imported here: WeasyPrint takes a second to load, and only this view needs it.
    from invoices.pdf import invoice_pdf_bytes, invoice_pdf_filename

    invoice = get_object_or_404(
        with_balance(invoices_visible_to(request.user)).select_related("creditor"), pk=pk
    )
    return FileResponse(
        BytesIO(invoice_pdf_bytes(invoice)),
        as_attachment=True,
        filename=invoice_pdf_filename(invoice),
        content_type="application/pdf",
    )
