"""The creditor portal ("Ropo One"): typed function views, each for the current creditor.

Every view is wrapped in `creditor_view` (login, membership, second factor, role) and loads
its objects through `creditor.selectors` for `request.creditor_access.creditor`, so another
creditor's object answers 404.
"""

import csv
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collection.detail import charge_rows, collection_outlook
from collection.models import Letter
from collection.selectors import letters_for
from collection.views import letter_pdf_response
from creditor import selectors, services
from creditor.access import creditor_switch, creditor_view
from creditor.forms import (
    ArrangementSettingsForm,
    CollectionActForm,
    CreditForm,
    DisputeDecisionForm,
    InviteUserForm,
    InvoiceSearchForm,
    LetterheadForm,
    NoteForm,
    PeriodForm,
    ReminderSettingsForm,
    RoleForm,
    UploadForm,
)
from creditor.letterhead import MAX_BYTES as MAX_LOGO_BYTES
from creditor.preview import reminder_preview_pdf
from invoices.selectors import invoice_timeline, vat_summary
from myropo.templatetags.money import format_euros

PAGE_SIZE = 50
LETTERHEAD_READ_LIMIT = MAX_LOGO_BYTES + 1


def _creditor(request: HttpRequest):
    return request.creditor_access.creditor


def _invoice_or_404(request: HttpRequest, pk: int):
    invoice = selectors.creditor_invoice(_creditor(request), pk)
    if invoice is None:
        raise Http404
    return invoice


@require_GET
@creditor_view()
def home_view(request: HttpRequest) -> HttpResponse:
    creditor = _creditor(request)
    return render(
        request,
        "creditor/home.html",
        {
            "stage_counts": selectors.stage_counts(creditor),
            "open_contacts": selectors.creditor_contacts(creditor)
            .exclude(state="resolved")
            .count(),
        },
    )


@require_POST
@creditor_view()
def switch_view(request: HttpRequest) -> HttpResponse:
    try:
        creditor_id = int(request.POST.get("creditor", ""))
    except ValueError:
        creditor_id = 0
    chosen = creditor_switch(request, creditor_id)
    if chosen is None:
        messages.error(request, _("You do not work for that creditor."))
    else:
        messages.success(request, _("You now work for %(name)s.") % {"name": chosen.creditor.name})
    return redirect("creditor:home")


@require_GET
@never_cache
@creditor_view()
def invoice_list_view(request: HttpRequest) -> HttpResponse:
    form = InvoiceSearchForm(request.GET)
    filters = form.valid_filters()
    invoices = selectors.search_invoices(_creditor(request), selectors.InvoiceSearch(**filters))
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            name: ("yes" if value else "no")
            if isinstance(value, bool)
            else (value.isoformat() if hasattr(value, "isoformat") else value)
            for name, value in filters.items()
        }
    )
    return render(
        request,
        "creditor/invoice_list.html",
        {
            "form": form,
            "page": page,
            "invoices": page.object_list,
            "ignored_filters": form.ignored_labels(),
            "page_url": f"{reverse('creditor:invoices')}?{query}{'&' if query else ''}page=",
        },
    )


@require_GET
@never_cache
@creditor_view()
def invoice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(request, pk)
    today = timezone.localdate()
    lines = list(invoice.lines.all())
    return render(
        request,
        "creditor/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "vat_rows": vat_summary(lines),
            "timeline": invoice_timeline(invoice),
            "charges": charge_rows(list(invoice.charges.all())),
            "letters": letters_for(invoice),
            "outlook": collection_outlook(invoice, today),
            "credits": list(invoice.credits.select_related("actor")),
            "notes": selectors.invoice_notes(invoice),
            "dispute_contact": services.open_dispute_contact(invoice) if invoice.disputed else None,
            "credit_form": CreditForm(),
            "dispute_form": DisputeDecisionForm(),
            "note_form": NoteForm(),
            "pause_form": CollectionActForm(auto_id="pause_%s"),
            "recall_form": CollectionActForm(auto_id="recall_%s"),
            **services.collection_state(invoice),
            "contacts": selectors.creditor_contacts(_creditor(request)).filter(invoices=invoice),
        },
    )


@require_GET
@never_cache
@creditor_view()
def letter_pdf_view(request: HttpRequest, pk: int) -> FileResponse:
    letter = get_object_or_404(
        Letter.objects.select_related("invoice"),
        pk=pk,
        invoice__creditor=_creditor(request),
    )
    return letter_pdf_response(letter)


# --- Settings → Reminder and collection ------------------------------------------------------


def _settings_forms(request: HttpRequest, data=None):
    settings, rules = services.settings_objects(_creditor(request))
    return (
        ReminderSettingsForm(data, instance=settings),
        ArrangementSettingsForm(data, instance=rules),
    )


@require_http_methods(["GET", "POST"])
@never_cache
@creditor_view()
def settings_view(request: HttpRequest) -> HttpResponse:
    access = request.creditor_access
    if request.method == "POST" and not access.is_admin:
        raise PermissionDenied
    reminder_form, plan_form = _settings_forms(
        request, request.POST if request.method == "POST" else None
    )
    status = 200
    if request.method == "POST":
        if reminder_form.is_valid() and plan_form.is_valid():
            try:
                changes = services.creditor_settings_update(
                    creditor=access.creditor,
                    actor=request.user,
                    forms=[reminder_form, plan_form],
                )
            except services.CreditorPortalError as error:
                messages.error(request, error.message)
            else:
                if changes:
                    messages.success(
                        request,
                        _("Settings saved. They apply from the next collection cycle on."),
                    )
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("creditor:settings")
        else:
            status = 400
    return render(
        request,
        "creditor/settings.html",
        {
            "reminder_form": reminder_form,
            "plan_form": plan_form,
            "history": selectors.settings_history(access.creditor),
            "field_labels": _field_labels(reminder_form, plan_form),
            "letterhead_form": LetterheadForm(),
        },
        status=status,
    )


def _field_labels(*forms) -> dict:
    labels = {name: field.label for form in forms for name, field in form.fields.items()}
    labels["letterhead_logo"] = _("Letterhead logo")
    return labels


@require_POST
@never_cache
@creditor_view(admin=True)
def settings_letterhead_view(request: HttpRequest) -> HttpResponse:
    """Uploads (or with `remove`, removes) the logo of the "own template" layout."""
    remove = "remove" in request.POST
    form = LetterheadForm(request.POST, request.FILES)
    if not remove and not form.is_valid():
        messages.error(request, _("Choose the logo file to upload."))
        return redirect("creditor:settings")
    file = None if remove else form.cleaned_data["logo"]
    try:
        services.creditor_letterhead_set(
            creditor=_creditor(request),
            actor=request.user,
            filename=file.name if file else "",
            # One byte over the limit is enough to refuse; the rest is never read.
            data=None if file is None else file.read(LETTERHEAD_READ_LIMIT),
        )
    except services.CreditorPortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Logo removed.") if remove else _("Logo saved."))
    return redirect("creditor:settings")


@require_GET
@never_cache
@creditor_view()
def settings_letterhead_logo_view(request: HttpRequest) -> HttpResponse:
    settings, _rules = services.settings_objects(_creditor(request))
    if not settings.letterhead_logo:
        raise Http404
    return FileResponse(settings.letterhead_logo.open("rb"), content_type="image/png")


@require_POST
@never_cache
@creditor_view()
def settings_preview_view(request: HttpRequest) -> HttpResponse:
    reminder_form, _plan_form = _settings_forms(request, request.POST)
    if not reminder_form.is_valid():
        return render(
            request,
            "creditor/settings.html",
            {
                "reminder_form": reminder_form,
                "plan_form": _plan_form,
                "history": selectors.settings_history(_creditor(request)),
                "field_labels": _field_labels(reminder_form, _plan_form),
                "letterhead_form": LetterheadForm(),
            },
            status=400,
        )
    pdf = reminder_preview_pdf(creditor=_creditor(request), values=reminder_form.cleaned_data)
    return FileResponse(
        BytesIO(pdf),
        as_attachment=False,
        filename="reminder-preview.pdf",
        content_type="application/pdf",
    )


# --- Acts on one invoice ---------------------------------------------------------------------


def _act(request: HttpRequest, pk: int, form_class, act) -> HttpResponse:
    invoice = _invoice_or_404(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("creditor:invoice", pk=invoice.pk)
    try:
        act(invoice, form.cleaned_data)
    except services.CreditorPortalError as error:
        messages.error(request, error.message)
    return redirect("creditor:invoice", pk=invoice.pk)


@require_POST
@creditor_view(admin=True)
def invoice_credit_view(request: HttpRequest, pk: int) -> HttpResponse:
    def act(invoice, data):
        credit = services.creditor_invoice_credit(
            creditor=_creditor(request),
            actor=request.user,
            invoice=invoice,
            amount=data["amount"],
            reason=data["reason"],
        )
        messages.success(
            request,
            _("Credit note of %(amount)s booked.") % {"amount": format_euros(credit.amount)},
        )

    return _act(request, pk, CreditForm, act)


@require_POST
@creditor_view(admin=True)
def invoice_dispute_view(request: HttpRequest, pk: int) -> HttpResponse:
    def act(invoice, data):
        accept = data["decision"] == "accept"
        services.creditor_dispute_decide(
            creditor=_creditor(request),
            actor=request.user,
            invoice=invoice,
            accept=accept,
            reason=data["reason"],
        )
        messages.success(
            request,
            _("The dispute was accepted and the invoice credited.")
            if accept
            else _("The dispute was rejected: collection continues."),
        )

    return _act(request, pk, DisputeDecisionForm, act)


def _collection_view(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    def act(invoice, data):
        service(
            creditor=_creditor(request),
            actor=request.user,
            invoice=invoice,
            reason=data["reason"],
        )
        messages.success(request, done)

    return _act(request, pk, CollectionActForm, act)


@require_POST
@creditor_view(admin=True)
def invoice_pause_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _collection_view(
        request,
        pk,
        services.creditor_collection_pause,
        _("Collection of the invoice is paused until you resume it."),
    )


@require_POST
@creditor_view(admin=True)
def invoice_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _collection_view(
        request,
        pk,
        services.creditor_collection_resume,
        _("Collection of the invoice continues from the next cycle."),
    )


@require_POST
@creditor_view(admin=True)
def invoice_recall_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _collection_view(
        request,
        pk,
        services.creditor_recall,
        _(
            "The invoice was recalled from collection: no more letters or fees; late-payment "
            "interest still runs."
        ),
    )


@require_POST
@creditor_view(admin=True)
def invoice_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    def act(invoice, data):
        services.creditor_note_add(
            creditor=_creditor(request), actor=request.user, invoice=invoice, body=data["body"]
        )
        messages.success(request, _("Note saved. Customer service sees it."))

    return _act(request, pk, NoteForm, act)


# --- Contacts ("Merkinnät ja asiakaspalveluviestit") --------------------------------------


@require_GET
@never_cache
@creditor_view()
def contact_list_view(request: HttpRequest) -> HttpResponse:
    contacts = selectors.creditor_contacts(_creditor(request))
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "creditor/contact_list.html",
        {"page": page, "contacts": page.object_list},
    )


@require_GET
@never_cache
@creditor_view()
def contact_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(selectors.creditor_contacts(_creditor(request)), pk=pk)
    return render(
        request,
        "creditor/contact_detail.html",
        {
            "contact": contact,
            "thread": selectors.contact_thread(contact),
            "invoices": contact.invoices.filter(creditor=_creditor(request)),
        },
    )


# --- Invoice uploads --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@creditor_view(admin=True)
def upload_view(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = services.invoice_upload_start(
                creditor=_creditor(request),
                actor=request.user,
                filename=file.name,
                data=file.read(),
            )
        except services.CreditorPortalError as error:
            form.add_error("file", error.message)
        else:
            return redirect("creditor:upload_detail", pk=upload.pk)
    return render(
        request,
        "creditor/upload.html",
        {"form": form, "uploads": selectors.creditor_uploads(_creditor(request))[:20]},
        status=400 if form.errors else 200,
    )


@require_GET
@never_cache
@creditor_view()
def upload_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(selectors.creditor_uploads(_creditor(request)), pk=pk)
    problems = [
        {"position": row["position"], "text": _(row["message"]) % row.get("params", {})}
        for row in upload.problems
    ]
    template = "creditor/upload_detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#report"
    progress = selectors.upload_progress(upload)
    return render(request, template, {"upload": upload, "problems": problems, "progress": progress})


# --- Statistics ------------------------------------------------------------------------------


def _csv_rows(stats) -> list[list]:
    rows = [[_("Figure"), _("Count"), _("Share (%)")]]
    rows.append([_("Invoices due in the period"), stats.invoices, "100.0"])
    rows.append(
        [_("Paid before a reminder"), stats.paid_before_reminder, stats.paid_before_reminder_pct]
    )
    rows.append([_("Reminded"), stats.reminded, stats.reminded_pct])
    rows.append([_("In collection"), stats.in_collection, stats.in_collection_pct])
    rows.append([_("In legal collection"), stats.in_legal, stats.in_legal_pct])
    rows.append([_("Average payment delay (days)"), stats.average_delay_days or "", ""])
    rows.append([_("Average payment time (days)"), stats.average_payment_days or "", ""])
    for _value, label, count in stats.by_stage:
        rows.append([_("Stage: %(stage)s") % {"stage": label}, count, stats.pct(count)])
    for row in stats.by_channel:
        rows.append(
            [
                _("Paid without a reminder: %(channel)s") % {"channel": row.label},
                row.paid_without_reminder,
                row.pct,
            ]
        )
    for month, total in stats.collected_by_month:
        rows.append([_("Collected %(month)s") % {"month": month.strftime("%Y-%m")}, total, ""])
    return rows


def _chart_data(stats) -> dict:
    """What the charts draw (static/js/creditor-statistics.js): the tables' own figures."""
    return {
        "lifecycle": {
            "title": _("Share (%)"),
            "labels": [
                _("Paid before a reminder"),
                _("Reminded"),
                _("In collection"),
                _("In legal collection"),
            ],
            "pct": [
                float(stats.paid_before_reminder_pct),
                float(stats.reminded_pct),
                float(stats.in_collection_pct),
                float(stats.in_legal_pct),
            ],
        },
        "stages": {
            "title": _("Invoices"),
            "labels": [label for _value, label, _count in stats.by_stage],
            "counts": [count for _value, _label, count in stats.by_stage],
        },
        "channels": {
            "title": _("Paid without a reminder"),
            "labels": [row.label for row in stats.by_channel],
            "pct": [float(row.pct) for row in stats.by_channel],
        },
        "monthly": {
            "title": _("Collected"),
            "labels": [month.strftime("%Y-%m") for month, _total in stats.collected_by_month],
            "totals": [float(total) for _month, total in stats.collected_by_month],
        },
    }


@require_GET
@never_cache
@creditor_view()
def statistics_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    default = {"start": today.replace(day=1) - timedelta(days=365), "end": today}
    asked = "start" in request.GET or "end" in request.GET
    form = PeriodForm(request.GET if asked else None, initial=default)
    valid = not asked or form.is_valid()
    period = form.cleaned_data if form.is_bound and valid else default
    stats = selectors.creditor_statistics(
        _creditor(request), start=period["start"], end=period["end"], today=today
    )
    # A refused period is shown with its error and the default figures, never exported as if
    # it had been the period asked for.
    if request.GET.get("format") == "csv" and valid:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="statistics-{period["start"]}-{period["end"]}.csv"'
        )
        writer = csv.writer(response, delimiter=";")
        writer.writerows(_csv_rows(stats))
        return response
    query = urlencode({"start": period["start"].isoformat(), "end": period["end"].isoformat()})
    return render(
        request,
        "creditor/statistics.html",
        {
            "form": form if form.is_bound else PeriodForm(initial=default),
            "stats": stats,
            "chart_data": _chart_data(stats),
            "query": query,
        },
    )


# --- Users -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@creditor_view()
def users_view(request: HttpRequest) -> HttpResponse:
    """Who works for the creditor; an admin invites (accounts' invitations), sets roles and
    removes users here. A viewer reads the page; their POST is refused (403)."""
    access = request.creditor_access
    if request.method == "POST" and not access.is_admin:
        raise PermissionDenied
    form = InviteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.creditor_user_invite(
                creditor=access.creditor,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except services.CreditorPortalError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. The link is valid for 7 days.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("creditor:users")
    return render(
        request,
        "creditor/users.html",
        {
            "form": form,
            "members": selectors.creditor_members(access.creditor),
            "invitations": selectors.creditor_invitations(access.creditor)
            if access.is_admin
            else [],
            "history": selectors.users_history(access.creditor),
            "role_labels": dict(RoleForm.base_fields["role"].choices),
        },
        status=400 if form.errors else 200,
    )


def _member_or_404(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.creditor_members(_creditor(request)), pk=pk)


@require_POST
@creditor_view(admin=True)
def user_role_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_or_404(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("creditor:users")
    try:
        services.creditor_user_set_role(
            creditor=_creditor(request),
            actor=request.user,
            membership=membership,
            role=form.cleaned_data["role"],
        )
    except services.CreditorPortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The role of %(email)s was saved.") % {"email": membership.user.email}
        )
    return redirect("creditor:users")


@require_POST
@creditor_view(admin=True)
def user_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member_or_404(request, pk)
    try:
        services.creditor_user_remove(
            creditor=_creditor(request), actor=request.user, membership=membership
        )
    except services.CreditorPortalError as error:
        messages.error(request, error.message)
        return redirect("creditor:users")
    messages.success(
        request,
        _("%(email)s no longer works for this creditor.") % {"email": membership.user.email},
    )
    if membership.user_id == request.user.pk:
        return redirect("invoices:list")
    return redirect("creditor:users")


@require_POST
@creditor_view(admin=True)
def invitation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.creditor_invitations(_creditor(request)), pk=pk)
    try:
        services.creditor_invitation_cancel(
            creditor=_creditor(request), actor=request.user, invitation=invitation
        )
    except services.CreditorPortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation was cancelled."))
    return redirect("creditor:users")
