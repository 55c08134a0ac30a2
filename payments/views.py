"""Pages of the payments app: pay, provider returns and callbacks, the sandbox bank, refunds.

Each view: selector (404 for what the user cannot see) → permission (403) → form → service →
render or redirect. Returns and callbacks carry no session we can trust: their signature is
verified before anything else, and a bad one answers 400 with nothing changed.
"""

import logging
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collection.payoff import payoffs_for
from invoices.permissions import can
from payments.forms import BankAccountNoticeForm, PayForm
from payments.models import OrderState
from payments.providers import (
    ProviderError,
    ProviderNotAvailable,
    SandboxProvider,
    SignatureMismatch,
    get_provider,
)
from payments.selectors import (
    allocation_order_text,
    may_give_refund_account,
    notice_shown_to,
    open_overpayments_for,
    orders_visible_to,
    overpayments_visible_to,
    payable_invoices,
    recent_orders,
)
from payments.services import PaymentError, bank_account_notice_submit, payment_confirm

logger = logging.getLogger(__name__)

MAX_INVOICES_PER_ORDER = 50


def _invoice_ids(request: HttpRequest, pk: int | None) -> list[int]:
    raw = request.GET.getlist("invoice") + ([str(pk)] if pk is not None else [])
    ids: list[int] = []
    for value in raw:
        if not value.isdigit():
            raise Http404
        if int(value) not in ids:
            ids.append(int(value))
    if not ids or len(ids) > MAX_INVOICES_PER_ORDER:
        raise Http404
    return ids


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def pay_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    ids = _invoice_ids(request, pk)
    invoices = list(payable_invoices(request.user, ids))
    if len(invoices) != len(ids):
        raise Http404
    if not all(can(request.user, "pay", invoice) for invoice in invoices):
        raise PermissionDenied
    # What closes each invoice when paid today, interest through today included: the order
    # asks for it and the allocation books it on the payment day (collection.payoff).
    today = timezone.localdate()
    payoffs = payoffs_for(invoices, today)
    amounts = {invoice.pk: payoffs[invoice.pk].total for invoice in invoices}
    closed = [invoice for invoice in invoices if invoice.is_closed or amounts[invoice.pk] <= 0]
    partial = all(
        getattr(getattr(invoice.creditor, "settings", None), "allow_partial_payment", False)
        for invoice in invoices
    )
    form = PayForm(
        request.POST if request.method == "POST" else None,
        invoices=invoices,
        partial=partial,
        amounts=amounts,
    )
    context = {
        "invoices": invoices,
        "rows": [
            (invoice, payoffs[invoice.pk], form.bound_field_for(invoice)) for invoice in invoices
        ],
        "form": form,
        "closed": closed,
        "today": today,
        "total": sum(amounts.values(), Decimal("0.00")),
        "allocation_texts": sorted(
            {
                str(allocation_order_text(invoice.creditor, invoice.debtor_type))
                for invoice in invoices
            }
        ),
        "query": urlencode([("invoice", invoice.pk) for invoice in invoices]),
    }
    if request.method == "POST":
        if closed:
            return render(request, "payments/pay.html", context, status=400)
        if form.is_valid():
            try:
                _order, redirect_url = payment_order_create_for(request, form)
            except PaymentError as error:
                form.add_error(None, error.message)
            else:
                return redirect(redirect_url)
        return render(request, "payments/pay.html", context, status=400)
    return render(request, "payments/pay.html", context)


def payment_order_create_for(request: HttpRequest, form: PayForm):
    from payments.services import payment_order_create

    try:
        provider = get_provider()
    except ProviderNotAvailable:
        logger.error("No payment provider is configured (PAYMENTS_PROVIDER).")
        raise PaymentError(_("Online payment is not available right now.")) from None
    return payment_order_create(
        user=request.user,
        lines=form.lines(),
        provider=provider,
        absolute_url=request.build_absolute_uri,
        language=(translation.get_language() or "fi")[:2],
    )


def _verified_confirm(request: HttpRequest, provider_name: str, *, cancelled: bool):
    """(order or None, None) after a verified message, or (None, 400 response)."""
    try:
        provider = get_provider(provider_name)
    except ProviderNotAvailable:
        raise Http404 from None
    try:
        result = provider.verify_return(request.GET)
    except SignatureMismatch:
        # Only the fact is logged: the parameters are untrusted and may carry personal data.
        logger.warning("A %s return or callback failed the signature check.", provider_name)
        return None, HttpResponseBadRequest("Invalid signature.")
    except ProviderError:
        logger.warning("A signed %s return or callback made no sense.", provider_name)
        return None, HttpResponseBadRequest("Invalid parameters.")
    return payment_confirm(provider_name=provider_name, result=result, cancelled=cancelled), None


def _return(request: HttpRequest, provider: str, *, cancelled: bool) -> HttpResponse:
    order, error = _verified_confirm(request, provider, cancelled=cancelled)
    if error is not None:
        return error
    if order is None:
        messages.error(
            request, _("We could not find this payment. Customer service will check it.")
        )
        return redirect("payments:list")
    return redirect("payments:order", stamp=order.stamp)


@require_GET
@never_cache
def return_success_view(request: HttpRequest, provider: str) -> HttpResponse:
    return _return(request, provider, cancelled=False)


@require_GET
@never_cache
def return_cancel_view(request: HttpRequest, provider: str) -> HttpResponse:
    return _return(request, provider, cancelled=True)


def _callback(request: HttpRequest, provider: str, *, cancelled: bool) -> HttpResponse:
    _order, error = _verified_confirm(request, provider, cancelled=cancelled)
    return error or HttpResponse("OK", content_type="text/plain")


@require_GET
def callback_success_view(request: HttpRequest, provider: str) -> HttpResponse:
    return _callback(request, provider, cancelled=False)


@require_GET
def callback_cancel_view(request: HttpRequest, provider: str) -> HttpResponse:
    return _callback(request, provider, cancelled=True)


@login_required
@require_GET
@never_cache
def order_view(request: HttpRequest, stamp) -> HttpResponse:
    order = get_object_or_404(orders_visible_to(request.user), stamp=stamp)
    payment = getattr(order, "payment", None)
    context = {
        "order": order,
        "lines": list(order.lines.select_related("invoice__creditor")),
        "payment": payment,
        "overpayments": list(payment.overpayments.all()) if payment else [],
        "waiting": order.state in (OrderState.CREATED, OrderState.PENDING),
        "retry_query": urlencode([("invoice", line.invoice_id) for line in order.lines.all()]),
    }
    template = "payments/order_detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, context)


@login_required
@require_GET
@never_cache
def payments_view(request: HttpRequest) -> HttpResponse:
    overpayments = list(open_overpayments_for(request.user))
    context = {
        "overpayments": [
            (overpayment, *notice_shown_to(request.user, overpayment))
            for overpayment in overpayments
        ],
        "orders": list(recent_orders(request.user)),
    }
    return render(request, "payments/payments.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def bank_account_notice_view(request: HttpRequest, pk: int) -> HttpResponse:
    overpayment = get_object_or_404(
        overpayments_visible_to(request.user).select_related("invoice__creditor", "payment__order"),
        pk=pk,
    )
    if not may_give_refund_account(request.user, overpayment):
        raise PermissionDenied
    notice, given_by_other = notice_shown_to(request.user, overpayment)
    form = BankAccountNoticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            bank_account_notice_submit(
                overpayment=overpayment,
                user=request.user,
                iban=form.cleaned_data["iban"],
                bic=form.cleaned_data["bic"],
                holder=form.cleaned_data["holder"],
            )
        except PaymentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Thank you. We will refund the money to the account you gave.")
            )
            return redirect("payments:list")
    context = {
        "overpayment": overpayment,
        "notice": notice,
        "given_by_other": given_by_other,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "payments/bank_account_notice.html", context, status=status)


# --- The sandbox bank (PAYMENTS_SANDBOX only) ------------------------------------------------


def _sandbox() -> SandboxProvider:
    if not settings.PAYMENTS_SANDBOX:
        raise Http404
    provider = get_provider("sandbox")
    assert isinstance(provider, SandboxProvider)
    return provider


@require_GET
@never_cache
def sandbox_view(request: HttpRequest, transaction_id: str) -> HttpResponse:
    provider = _sandbox()
    try:
        order = provider.read_order(transaction_id, request.GET)
    except SignatureMismatch:
        return HttpResponseBadRequest("Invalid signature.")
    return render(
        request,
        "payments/sandbox.html",
        {
            "order": order,
            "action": reverse("payments:sandbox_decide", args=[transaction_id])
            + "?"
            + request.GET.urlencode(),
        },
    )


@require_POST
def sandbox_decide_view(request: HttpRequest, transaction_id: str) -> HttpResponse:
    """The fake bank's buttons: sign the outcome, call back, and send the browser back."""
    provider = _sandbox()
    try:
        order = provider.read_order(transaction_id, request.GET)
    except SignatureMismatch:
        return HttpResponseBadRequest("Invalid signature.")
    paid = request.POST.get("decision") == "pay"
    params = provider.signed_return_params(
        transaction_id, order.stamp, order.reference, order.amount, "ok" if paid else "fail"
    )
    # The server-to-server callback, through the same verification as a real one.
    payment_confirm(
        provider_name=provider.name, result=provider.verify_return(params), cancelled=not paid
    )
    target = order.success_url if paid else order.cancel_url
    return redirect(f"{target}?{urlencode(params)}")
