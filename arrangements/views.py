"""Pages of the arrangements app: move a due date, make a payment plan, follow a plan.

Each view: selector (404 for what the user cannot see) → `can(user, "arrange", …)` (403) →
form → one service → render, or redirect after POST.
"""

from datetime import timedelta
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from arrangements.forms import PlanForm, TransferForm
from arrangements.models import PlanState, RequestKind
from arrangements.selectors import (
    arrangeable_invoices,
    debtor_parties,
    plan_progress,
    plans_visible_to,
)
from arrangements.services import (
    ArrangementError,
    arrangement_refusal,
    arrangement_request_create,
    due_date_transfer,
    installment_order_lines,
    plan_cancel,
    plan_create,
    plan_preview,
    transfer_check,
    transfer_fee_for,
    transfer_options,
)
from invoices.models import CLOSED_STAGES
from invoices.permissions import can
from invoices.selectors import acting_for

MAX_PLAN_INVOICES = 50
START_WINDOW_DAYS = 30


def _today():
    return timezone.localdate()


def _language() -> str:
    return (translation.get_language() or "fi")[:2]


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def due_date_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(arrangeable_invoices(request.user), pk=pk)
    if not can(request.user, "arrange", invoice):
        raise PermissionDenied
    today = _today()
    options = transfer_options(invoice, today=today)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = TransferForm(data, window=options.window)
    context = {"invoice": invoice, "options": options, "form": form, "fee": None}
    status = 200
    if form.is_bound and form.is_valid():
        to_date = form.cleaned_data["to_date"]
        action = request.POST.get("action", "preview")
        try:
            transfer_check(options, to_date)
        except ArrangementError as error:
            if request.method == "POST" and action == "request" and error.requestable:
                arrangement_request_create(
                    kind=RequestKind.TRANSFER,
                    invoices=[invoice],
                    terms={"to_date": to_date.isoformat()},
                    why_outside=error.message,
                    message=form.cleaned_data["message"],
                    acting=acting_for(request, invoice),
                )
                messages.success(
                    request,
                    _("Your request was sent to customer service. We will tell you the decision."),
                )
                return redirect("invoices:detail", pk=invoice.pk)
            form.add_error("to_date", error.message)
            context["requestable"] = error.requestable
            status = 400
        else:
            context["fee"] = transfer_fee_for(invoice, to_date, today=today)
            if request.method == "POST" and action == "confirm":
                try:
                    transfer = due_date_transfer(
                        invoice=invoice,
                        to_date=to_date,
                        acting=acting_for(request, invoice),
                        today=today,
                    )
                except ArrangementError as error:
                    form.add_error("to_date", error.message)
                    status = 400
                else:
                    messages.success(
                        request,
                        _("The due date is now %(date)s.")
                        % {"date": date_format(transfer.to_date, "SHORT_DATE_FORMAT")},
                    )
                    return redirect("invoices:detail", pk=invoice.pk)
    elif form.is_bound:
        status = 400
    return render(request, "arrangements/due_date.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def plan_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    visible = arrangeable_invoices(request.user)
    first = None
    if pk is not None:
        first = get_object_or_404(visible, pk=pk)
        if not can(request.user, "arrange", first):
            raise PermissionDenied
    candidates, groups = _plan_candidates(visible, first)
    today = _today()
    min_start, max_start = today, today + timedelta(days=START_WINDOW_DAYS)
    data = request.POST if request.method == "POST" else None
    if data is None and "start" in request.GET:
        data = request.GET
    form = PlanForm(
        data,
        invoices=candidates,
        groups=groups,
        refusals={
            invoice.pk: refusal
            for invoice in candidates
            if (refusal := arrangement_refusal(invoice))
        },
        min_start=min_start,
        max_start=max_start,
        initial={"invoice": [pk] if pk else [], "start": today + timedelta(days=14)},
    )
    context = {"form": form, "first": first, "preview": None, "candidates": candidates}
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            ids = form.cleaned_data["invoice"]
            chosen = list(visible.filter(pk__in=ids).order_by("due_date", "pk"))
            if len(chosen) != len(set(ids)):
                raise Http404
            if not all(can(request.user, "arrange", invoice) for invoice in chosen):
                raise PermissionDenied
            action = request.POST.get("action", "preview")
            kwargs = {
                "start": form.cleaned_data["start"],
                "installments": form.cleaned_data.get("installments"),
                "monthly_amount": form.cleaned_data.get("monthly_amount"),
            }
            try:
                preview = plan_preview(invoices=chosen, **kwargs)
            except ArrangementError as error:
                if request.method == "POST" and action == "request" and error.requestable:
                    arrangement_request_create(
                        kind=RequestKind.PLAN,
                        invoices=chosen,
                        terms=form.terms(),
                        why_outside=error.message,
                        message=form.cleaned_data["message"],
                        acting=acting_for(request, chosen[0]),
                    )
                    messages.success(
                        request,
                        _(
                            "Your request was sent to customer service. We will tell you the "
                            "decision."
                        ),
                    )
                    return redirect("invoices:detail", pk=chosen[0].pk)
                form.add_error(None, error.message)
                context["requestable"] = error.requestable
            else:
                context["preview"] = preview
                status = 200
                if request.method == "POST" and action == "accept":
                    try:
                        plan = plan_create(
                            invoices=chosen,
                            acting=acting_for(request, chosen[0]),
                            today=today,
                            language=_language(),
                            **kwargs,
                        )
                    except ArrangementError as error:
                        form.add_error(None, error.message)
                        status = 400
                    else:
                        messages.success(
                            request,
                            _("Your payment plan is in force. The confirmation is on its way."),
                        )
                        return redirect("arrangements:plan_detail", pk=plan.pk)
    return render(request, "arrangements/plan.html", context, status=status)


def _plan_candidates(visible, first) -> tuple[list, list[tuple[str, list]]]:
    """The open invoices a plan may combine, and them grouped by (creditor, debtor).

    A plan is one creditor's invoices of one debtor: from an invoice's page only those go
    with it; otherwise every group is offered under its own heading.
    """
    candidates = list(
        visible.exclude(stage__in=CLOSED_STAGES)
        .filter(open_balance__gt=0)
        .order_by("due_date")[:MAX_PLAN_INVOICES]
    )
    parties = debtor_parties([*candidates, *([first] if first else [])])
    if first is not None:
        key = (first.creditor_id, parties[first.pk])
        candidates = [i for i in candidates if (i.creditor_id, parties[i.pk]) == key]
        return candidates, []
    groups: dict[tuple, tuple[str, list]] = {}
    for invoice in candidates:
        key = (invoice.creditor_id, parties[invoice.pk])
        label = f"{invoice.creditor.name} · {invoice.debtor_name}"
        groups.setdefault(key, (label, []))[1].append(invoice)
    return candidates, list(groups.values()) if len(groups) > 1 else []


def _plan_for(request: HttpRequest, pk: int):
    plan = get_object_or_404(plans_visible_to(request.user).select_related("creditor"), pk=pk)
    invoices = list(
        arrangeable_invoices(request.user, plan.plan_invoices.values_list("invoice_id", flat=True))
    )
    return plan, invoices


@login_required
@require_http_methods(["GET"])
@never_cache
def plan_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan, invoices = _plan_for(request, pk)
    may_arrange = all(can(request.user, "arrange", invoice) for invoice in invoices)
    context = {
        "plan": plan,
        "progress": plan_progress(plan, today=_today(), with_codes=True),
        "entries": list(plan.plan_invoices.select_related("invoice")),
        "may_arrange": may_arrange,
        "may_pay": all(can(request.user, "pay", invoice) for invoice in invoices),
        "active": plan.state == PlanState.ACTIVE,
    }
    return render(request, "arrangements/plan_detail.html", context)


@login_required
@require_http_methods(["GET"])
@never_cache
def plan_pdf_view(request: HttpRequest, pk: int) -> FileResponse:
    from arrangements.pdf import plan_pdf_bytes, plan_pdf_filename

    plan, _invoices = _plan_for(request, pk)
    return FileResponse(
        BytesIO(plan_pdf_bytes(plan)),
        as_attachment=True,
        filename=plan_pdf_filename(plan),
        content_type="application/pdf",
    )


@login_required
@require_POST
def plan_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan, invoices = _plan_for(request, pk)
    if not all(can(request.user, "arrange", invoice) for invoice in invoices):
        raise PermissionDenied
    try:
        plan_cancel(plan=plan, acting=acting_for(request, invoices[0]))
    except ArrangementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The payment plan was cancelled."))
    return redirect("arrangements:plan_detail", pk=plan.pk)


@login_required
@require_POST
def installment_pay_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    from payments.providers import ProviderNotAvailable, get_provider
    from payments.services import PaymentError, payment_order_create

    plan, invoices = _plan_for(request, pk)
    if not all(can(request.user, "pay", invoice) for invoice in invoices):
        raise PermissionDenied
    progress = plan_progress(plan, today=_today(), with_codes=True)
    row = next((r for r in progress.rows if r.installment.number == number), None)
    if row is None or row.paid or row.codes is None or plan.state != PlanState.ACTIVE:
        raise Http404
    lines = installment_order_lines(plan, row.codes.amount)
    try:
        _order, url = payment_order_create(
            user=request.user,
            lines=lines,
            provider=get_provider(),
            absolute_url=request.build_absolute_uri,
            language=_language(),
        )
    except ProviderNotAvailable:
        messages.error(request, _("Online payment is not available right now."))
        return redirect("arrangements:plan_detail", pk=plan.pk)
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("arrangements:plan_detail", pk=plan.pk)
    return redirect(url)
