"""Customer service in the admin: the queue, the thread with replies and internal notes,
assignment, resolution, dispute and payment-report decisions, canned responses."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import User
from messaging import kpis
from messaging.forms import (
    ClassifyForm,
    DisputeDecisionForm,
    PhoneContactForm,
    ResolveForm,
    StaffReplyForm,
)
from messaging.models import (
    Attachment,
    CannedResponse,
    Contact,
    ContactSearch,
    Dispute,
    DisputeState,
    Feedback,
    Message,
    PaymentReport,
    PaymentReportState,
    RetentionRun,
)
from messaging.services import (
    EFFECTIVE,
    MessagingError,
    contact_assign,
    contact_classify,
    contact_link_owner,
    contact_log_phone,
    contact_reopen,
    contact_resolve,
    customer_invoices,
    dispute_accept,
    dispute_reject,
    payment_report_decide,
    staff_reply,
)
from messaging.staff_queue import (
    ASSIGNED_LOOKUPS,
    SLA_LOOKUPS,
    UncountedPaginator,
    assigned_filter,
    queue_page,
    sla_filter,
)
from messaging.staff_queue import parse as parse_queue

SEARCH_CONFIGS = ("finnish", "swedish", "english")

# A search matching at most this many contacts lists them through the GIN index (a name, a
# number); one matching more walks the queue newest first, page by page, without a count.
FEW_MATCHES = 500
UNCOUNTED = "_messaging_contacts_uncounted"


class KpiPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

    def period(self):
        """The chosen period, or the last 90 days up to today (also when the input is wrong)."""
        today = timezone.localdate()
        default = (today - timedelta(days=89), today)
        if not self.is_bound or not self.is_valid():
            return default
        return (
            self.cleaned_data.get("start") or default[0],
            self.cleaned_data.get("end") or default[1],
        )


def message_search_query(text: str) -> SearchQuery:
    """The words in Finnish, Swedish and English at once: one GIN index lookup."""
    query = SearchQuery(text, config=SEARCH_CONFIGS[0], search_type="websearch")
    for config in SEARCH_CONFIGS[1:]:
        query |= SearchQuery(text, config=config, search_type="websearch")
    return query


class SlaBreachedFilter(admin.SimpleListFilter):
    title = _("answer time")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return SLA_LOOKUPS

    def queryset(self, request, queryset):
        return sla_filter(queryset, self.value())


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return ASSIGNED_LOOKUPS

    def queryset(self, request, queryset):
        return assigned_filter(queryset, self.value(), request.user)


def _page_number(request: HttpRequest) -> int:
    try:  # as ChangeList reads it
        return max(int(request.GET.get("p", 1)), 1)
    except ValueError:
        return 1


class ContactChangeList(ChangeList):
    """The queue with each row's link built from one `reverse` for the page.

    Django reverses the change URL for every row and then, for the filters kept in the link,
    resolves that URL again (`add_preserved_filters`): a fifth of the page's time under a
    profile. The links are the same: the change URL, then `?_changelist_filters=…`.
    """

    _PK = "0123456789"  # a stand-in for the pk that the URL cannot otherwise contain

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        change = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(self._PK,),
            current_app=self.model_admin.admin_site.name,
        )
        self._change_url = change.replace(self._PK, "{}", 1)
        if self.preserved_filters:
            self._change_url += "?" + self.preserved_filters.replace("{", "{{").replace("}", "}}")
        # Already in the link: items_for_result has nothing left to add (or to resolve).
        self.preserved_filters = ""

    def url_for_result(self, result) -> str:
        return self._change_url.format(quote(getattr(result, self.pk_attname)))

    def get_results(self, request):
        if self.model_admin.uncounted(request, self.queryset):
            # "Show all" would load every row of a list whose size is not even known.
            self.list_max_show_all = 0
        super().get_results(request)
        if isinstance(self.paginator, UncountedPaginator) and not self.multi_page:
            self.result_list = self.paginator.rows  # fetched already: no second query


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["created_at", "author_kind", "actor", "internal", "body", "files"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("actor")
            .prefetch_related("attachments")
            .order_by("created_at", "id")
        )

    @admin.display(description=_("files"))
    def files(self, message: Message) -> str:
        return ", ".join(a.original_name for a in message.attachments.all())


class StaffReplyAdminForm(StaffReplyForm):
    canned = forms.ModelChoiceField(
        label=_("Canned response"),
        queryset=CannedResponse.objects.none(),
        required=False,
        help_text=_("Put before your text; edit the text as needed."),
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canned"].queryset = CannedResponse.objects.filter(
            active=True, language=language
        )
        self.fields["body"].required = False
        self.order_fields(["canned", "body", "internal", "attachments"])

    def clean(self):
        data = super().clean()
        parts = [data["canned"].body if data.get("canned") else "", data.get("body", "")]
        data["text"] = "\n\n".join(p.strip() for p in parts if p and p.strip())
        if not data["text"]:
            self.add_error("body", _("Write a message or choose a canned response."))
        return data


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "classification",
        "state",
        "channel",
        "creditor",
        "customer",
        "assigned_to",
        "created_at",
        "sla_due_at",
        "first_response_at",
    ]
    list_filter = [
        "state",
        "classification",
        "channel",
        "creditor",
        SlaBreachedFilter,
        AssignedFilter,
    ]
    list_select_related = ["creditor", "owner_user", "owner_organisation", "assigned_to"]
    search_fields = ["pk"]
    search_help_text = _("Words of the messages (Finnish, Swedish, English), or a contact number.")
    ordering = ["-last_message_at", "-id"]
    inlines = [MessageInline]
    readonly_fields = [
        "channel",
        "classification",
        "state",
        "owner_user",
        "owner_organisation",
        "email",
        "actor",
        "on_behalf_of",
        "on_behalf_of_organisation",
        "language",
        "creditor",
        "invoice_list",
        "created_at",
        "sla_due_at",
        "first_response_at",
        "resolved_at",
        "reopened_at",
        "reopen_count",
        "outcome",
        "resolution_note",
        "source",
        "purged_at",
    ]
    fields = readonly_fields
    change_form_template = "admin/messaging/contact/change_form.html"
    change_list_template = "admin/messaging/contact/change_list.html"
    show_full_result_count = False
    # Fifty rows: the page's time is mostly rendering rows (a profile of the bench).
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("customer"))
    def customer(self, contact: Contact) -> str:
        return str(contact.owner_organisation or contact.owner_user or contact.email)

    @admin.display(description=_("invoices"))
    def invoice_list(self, contact: Contact) -> str:
        invoices = contact.invoices.select_related("creditor")
        return ", ".join(f"{i.creditor.name} {i.number}" for i in invoices)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.lstrip("#").isdigit():
            return queryset.filter(pk=int(term.lstrip("#"))), False
        # One vector per contact (ContactSearch), not a lookup among all messages. The GIN
        # index is asked first for a few matches: PostgreSQL's estimate for a word cannot tell
        # a rare name from a common word, and walking the queue for a rare one reads it all.
        query = message_search_query(term)
        few = list(
            ContactSearch.objects.filter(vector=query).values_list("contact_id", flat=True)[
                : FEW_MATCHES + 1
            ]
        )
        if len(few) <= FEW_MATCHES:
            return queryset.filter(pk__in=few), False
        setattr(request, UNCOUNTED, True)
        return queryset.filter(search_document__vector=query), False

    def uncounted(self, request: HttpRequest, queryset: QuerySet) -> bool:
        """No COUNT(*) for the whole queue unfiltered nor for a search of a common word."""
        return getattr(request, UNCOUNTED, False) or not queryset.query.where

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if self.uncounted(request, queryset):
            return UncountedPaginator(queryset, per_page, number=_page_number(request))
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_changelist(self, request, **kwargs):
        return ContactChangeList

    def changelist_view(self, request, extra_context=None):
        """The queue's own small page for its filters, search and pages (messaging.staff_queue);
        Django's changelist for the rest (sorting by a column, "show all", popups)."""
        query = parse_queue(request.GET) if request.method == "GET" else None
        if query is not None and not extra_context:
            if not self.has_view_or_change_permission(request):
                raise PermissionDenied
            page = queue_page(request, self, query)
            if page is not None:
                return page
        return super().changelist_view(request, extra_context)

    # --- The actions of the change page ----------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        def view(name, func):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(require_POST(func)),
                name=f"messaging_contact_{name}",
            )

        return [
            view("reply", self.reply_view),
            view("assign", self.assign_view),
            view("resolve", self.resolve_view),
            view("dispute", self.dispute_view),
            view("payment", self.payment_view),
            view("link", self.link_view),
            view("classify", self.classify_view),
            view("reopen", self.reopen_view),
            path(
                "log-phone/",
                self.admin_site.admin_view(self.phone_view),
                name="messaging_contact_phone",
            ),
            path(
                "kpis/",
                self.admin_site.admin_view(self.kpis_view),
                name="messaging_contact_kpis",
            ),
            *super().get_urls(),
        ]

    def _contact(self, request: HttpRequest, pk: int) -> Contact:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Contact, pk=pk)

    def _back(self, contact: Contact) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:messaging_contact_change", args=[contact.pk]))

    def _report(self, request: HttpRequest, form: forms.Form) -> None:
        for errors in form.errors.values():
            for error in errors:
                self.message_user(request, error, messages.ERROR)

    def reply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self._contact(request, pk)
        form = StaffReplyAdminForm(request.POST, request.FILES, language=contact.language)
        if not form.is_valid():
            self._report(request, form)
            return self._back(contact)
        try:
            staff_reply(
                contact=contact,
                staff=request.user,
                body=form.cleaned_data["text"],
                internal=form.cleaned_data["internal"],
                files=form.cleaned_data["attachments"],
            )
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("The note was saved.") if form.cleaned_data["internal"] else _("Answer sent."),
            )
        return self._back(contact)

    def kpis_view(self, request: HttpRequest) -> HttpResponse:
        """The service KPIs against the seed's targets, charts with their tables, CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = KpiPeriodForm(request.GET or None)
        start, end = form.period()
        result = kpis.compute(start, end)
        if request.GET.get("format") == "csv":
            response = HttpResponse(kpis.as_csv(result), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="myropo-kpis-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
            )
            return response
        months = [f"{month:%Y-%m}" for month in result.months]
        chart_data = {
            "months": months,
            "byChannel": [{"label": label, "data": data} for _v, label, data in result.by_channel],
            "responseTimes": {
                "labels": [row.label for row in result.response_times],
                "median": [float(row.median_hours or 0) for row in result.response_times],
                "p90": [float(row.p90_hours or 0) for row in result.response_times],
                "target": float(kpis.TARGETS["email_response_hours"]),
                "tMedian": str(_("Median (h)")),
                "tP90": str(_("90th percentile (h)")),
                "tTarget": str(_("Target for email (h)")),
            },
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Customer-service KPIs"),
            "opts": self.model._meta,
            "form": form,
            "k": result,
            "targets": kpis.TARGETS,
            "months": months,
            "chart_data": chart_data,
            "csv_query": {**request.GET.dict(), "format": "csv"},
        }
        return TemplateResponse(request, "admin/messaging/kpis.html", context)

    def link_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """An email from an unknown address: staff link it to the customer's account."""
        contact = self._contact(request, pk)
        email = request.POST.get("email", "").strip()
        user = User.objects.filter(email__iexact=email).first() if email else None
        if user is None:
            self.message_user(request, _("No customer account has that email."), messages.ERROR)
            return self._back(contact)
        try:
            contact_link_owner(contact=contact, user=user, staff=request.user)
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("The contact is linked to the customer's account."))
        return self._back(contact)

    def classify_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self._contact(request, pk)
        form = ClassifyForm(request.POST, invoices=customer_invoices(contact))
        if not form.is_valid():
            self._report(request, form)
            return self._back(contact)
        data = form.cleaned_data
        try:
            contact_classify(
                contact=contact,
                staff=request.user,
                classification=data["classification"],
                invoices=list(data["invoices"]),
                paid_on=data["paid_on"],
                amount=data["amount"],
            )
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("The contact is classified."))
        return self._back(contact)

    def phone_view(self, request: HttpRequest) -> HttpResponse:
        """A phone call logged by staff: a contact of the customer, channel phone, assigned to
        whoever took the call; it is then classified like an email."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = PhoneContactForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = User.objects.filter(
                email__iexact=form.cleaned_data["email"], is_active=True, is_staff=False
            ).first()
            if user is None:
                form.add_error("email", _("No customer account has that email."))
            else:
                try:
                    contact = contact_log_phone(
                        customer=user, staff=request.user, body=form.cleaned_data["body"]
                    )
                except MessagingError as error:
                    form.add_error(None, error.message)
                else:
                    self.message_user(request, _("The call is logged. Classify it below."))
                    return self._back(contact)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Log a phone call"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/messaging/contact/phone.html", context)

    def assign_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """To me, to nobody, or to the colleague chosen beside the button."""
        contact = self._contact(request, pk)
        to = request.POST.get("to", "")
        colleague = request.POST.get("colleague", "")
        if to == "me":
            assignee = request.user
        elif to == "colleague":
            assignee = (
                User.objects.filter(pk=int(colleague), is_active=True, is_staff=True).first()
                if colleague.isdigit()
                else None
            )
            if assignee is None:
                self.message_user(request, _("Choose a colleague."), messages.ERROR)
                return self._back(contact)
        else:
            assignee = None
        try:
            contact_assign(contact=contact, assignee=assignee)
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        return self._back(contact)

    def reopen_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self._contact(request, pk)
        try:
            contact_reopen(contact=contact)
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("The contact is open again."))
        return self._back(contact)

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self._contact(request, pk)
        form = ResolveForm(request.POST)
        if form.is_valid():
            try:
                contact_resolve(
                    contact=contact,
                    staff=request.user,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                )
            except MessagingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("The contact is resolved."))
        else:
            self._report(request, form)
        return self._back(contact)

    def dispute_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self._contact(request, pk)
        form = DisputeDecisionForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(contact)
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                invoices = list(contact.invoices.all())
                amount: Decimal | None = data.get("amount")
                if amount is not None and len(invoices) != 1:
                    raise MessagingError(_("A partial credit is given on one invoice at a time."))
                dispute_accept(
                    contact=contact,
                    staff=request.user,
                    reason=data["reason"],
                    amounts={invoice.pk: amount for invoice in invoices},
                )
            else:
                dispute_reject(contact=contact, staff=request.user, reason=data["reason"])
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("The dispute was decided and the customer told."))
        return self._back(contact)

    def payment_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self._contact(request, pk)
        try:
            payment_report_decide(
                contact=contact,
                staff=request.user,
                found=request.POST.get("found") == "1",
                note=request.POST.get("note", "").strip(),
            )
        except MessagingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("The customer was told."))
        return self._back(contact)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        contact = get_object_or_404(Contact, pk=object_id)
        dispute = Dispute.objects.filter(contact=contact, state=DisputeState.OPEN).first()
        report = PaymentReport.objects.filter(
            contact=contact, state=PaymentReportState.WAITING
        ).first()
        # One query for the files of the whole thread (not one per message).
        files = (
            Attachment.objects.filter(message__contact=contact)
            .select_related("message")
            .order_by("message__created_at", "message_id", "id")
        )
        extra = {
            "files": files,
            "reply_form": StaffReplyAdminForm(language=contact.language),
            "resolve_form": ResolveForm(),
            "colleagues": User.objects.filter(is_active=True, is_staff=True)
            .exclude(pk=request.user.pk)
            .order_by("first_name", "last_name", "email"),
            "classify_form": ClassifyForm(
                invoices=customer_invoices(contact),
                initial={
                    "classification": contact.classification,
                    "invoices": list(contact.invoices.values_list("pk", flat=True)),
                },
            )
            if not contact.is_resolved and contact.classification not in EFFECTIVE
            else None,
            "dispute": dispute,
            "dispute_form": DisputeDecisionForm() if dispute else None,
            "payment_report": report,
            "contact": contact,
            "sla_breached": contact.sla_due_at is not None
            and ((contact.first_response_at or timezone.now()) > contact.sla_due_at),
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "classification", "active"]
    list_filter = ["language", "classification", "active"]
    search_fields = ["title", "body"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["contact", "csat", "nps", "created_at"]
    list_filter = ["csat", "nps"]
    readonly_fields = ["contact", "csat", "nps", "comment", "given_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ["ran_at", "contacts", "messages", "attachments"]
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False
