"""Customer-service admin for the collection engine: reference rates, runs, letters.

The invoice admin page is the invoices app's; this app adds to it what belongs to collection
(the letters, the dry-run schedule, the statistics page) by registering a subclass in its
place, so that invoices never imports the engine.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from collection.models import (
    CollectionHold,
    CollectionRecall,
    CollectionRun,
    Letter,
    ReferenceRate,
    StopRequest,
)
from collection.rate_gaps import half_year_label, missed_interest_book, missed_interest_report
from invoices.admin import (
    ChargeInline,
    CreditInline,
    InvoiceEventInline,
    InvoiceLineInline,
    ReadOnlyInlineMixin,
)
from invoices.admin import InvoiceAdmin as BaseInvoiceAdmin
from invoices.models import Invoice


class LetterInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Letter
    fields = ["step", "letter_date", "due_date", "language", "rendered_at", "sent_at", "download"]
    readonly_fields = fields
    ordering = ["letter_date", "id"]

    @admin.display(description=_("PDF"))
    def download(self, letter: Letter) -> str:
        if letter.rendered_at is None:
            return gettext("not rendered yet")
        return format_html(
            '<a href="{}">{}</a>', reverse("letters:pdf", args=[letter.pk]), gettext("Open")
        )


class StopRequestInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = StopRequest
    fields = ["requested_at", "channel", "recorded_by", "created_at", "source", "note"]
    readonly_fields = fields


class CollectionHoldInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = CollectionHold
    fields = ["reason", "until", "note", "source", "created_by", "created_at", "released_at"]
    readonly_fields = fields


class CollectionRecallInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The creditor recalled the invoice from collection (Ropo One): customer service sees why."""

    model = CollectionRecall
    fields = ["recalled_at", "recalled_by", "reason"]
    readonly_fields = fields


admin.site.unregister(Invoice)


@admin.register(Invoice)
class InvoiceAdmin(BaseInvoiceAdmin):
    change_list_template = "admin/collection/invoice_change_list.html"
    readonly_fields = [*BaseInvoiceAdmin.readonly_fields, "collection_schedule"]
    inlines = [
        InvoiceLineInline,
        ChargeInline,
        CreditInline,
        LetterInline,
        StopRequestInline,
        CollectionHoldInline,
        CollectionRecallInline,
        InvoiceEventInline,
    ]

    @admin.display(description=_("if unpaid: the collection schedule"))
    def collection_schedule(self, invoice: Invoice) -> str:
        """The dry run for this invoice: every future step under today's rules and settings."""
        from collection.selectors import simulate_for

        if invoice.pk is None:
            return ""
        schedule = simulate_for(invoice, timezone.localdate())
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", "<li>{}</li>", ((decision.explanation,) for decision in schedule)),
        )

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "statistics/",
                self.admin_site.admin_view(self.statistics_view),
                name="{}_{}_statistics".format(*info),
            ),
            *super().get_urls(),
        ]

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        from collection.statistics import collection_statistics, collection_statistics_by_creditor

        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Collection statistics"),
            "opts": self.opts,
            "overall": collection_statistics(today),
            "creditors": collection_statistics_by_creditor(today),
            "today": today,
        }
        return TemplateResponse(request, "admin/invoices/invoice/statistics.html", context)


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "rate", "source", "updated", "missed_interest_link"]
    fields = ["start", "end", "rate", "source"]
    ordering = ["-start"]

    # The field has no verbose name of its own (adding one is a migration).
    @admin.display(description=_("updated at"), ordering="updated_at")
    def updated(self, obj: ReferenceRate):
        return obj.updated_at

    def save_model(self, request: HttpRequest, obj: ReferenceRate, form, change: bool) -> None:
        """A newly entered half-year books the interest its days held back (rate_gaps)."""
        super().save_model(request, obj, form, change)
        if change:
            return
        found = missed_interest_book(rate=obj, today=timezone.localdate())
        if found:
            messages.info(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    ngettext(
                        "Interest held back for want of this rate: %(count)d invoice affected.",
                        "Interest held back for want of this rate: %(count)d invoices affected.",
                        len({missed.invoice_id for missed in found}),
                    )
                    % {"count": len({missed.invoice_id for missed in found})},
                    reverse("admin:collection_referencerate_missed", args=[obj.pk]),
                    gettext("See the list"),
                ),
            )

    @admin.display(description=_("interest held back"))
    def missed_interest_link(self, rate: ReferenceRate) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:collection_referencerate_missed", args=[rate.pk]),
            gettext("affected invoices"),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/missed-interest/",
                self.admin_site.admin_view(self.missed_view),
                name="collection_referencerate_missed",
            ),
            *super().get_urls(),
        ]

    def missed_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The staff list: interest booked once the rate was entered, and the paid or
        credited invoices that are not reopened."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rate = get_object_or_404(ReferenceRate, pk=pk)
        rows = missed_interest_report(rate)
        numbers = dict(
            Invoice.objects.filter(pk__in={row.invoice_id for row in rows}).values_list(
                "id", "number"
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Interest held back for want of the rate of %(half_year)s")
            % {"half_year": half_year_label(rate.start)},
            "opts": self.opts,
            "rate": rate,
            "rows": [(row, numbers.get(row.invoice_id, "")) for row in rows],
        }
        return TemplateResponse(request, "admin/collection/referencerate/missed.html", context)


@admin.register(CollectionRun)
class CollectionRunAdmin(admin.ModelAdmin):
    list_display = [
        "run_date",
        "dry_run",
        "started_at",
        "finished_at",
        "evaluated",
        "steps",
        "charges",
        "letters",
        "skipped_locked",
    ]
    list_filter = ["dry_run"]
    date_hierarchy = "run_date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class StopRequestForm(forms.ModelForm):
    """Staff record a request that came by letter or email; the service checks it."""

    class Meta:
        model = StopRequest
        fields = ["invoice", "requested_at", "channel", "note"]

    def __init__(self, *args, **kwargs) -> None:
        self.request_user = kwargs.pop("request_user", None)
        super().__init__(*args, **kwargs)
        self.recorded: StopRequest | None = None

    def clean(self):
        from collection.services import CollectionError, collection_stop_request

        data = super().clean()
        if self.errors:
            return data
        try:
            # Recorded here, inside the admin's transaction: a refusal is a form error.
            self.recorded = collection_stop_request(
                invoice=data["invoice"],
                requested_at=data["requested_at"],
                channel=data["channel"],
                actor=self.request_user,
                source="admin",
                note=data.get("note", ""),
            )
        except CollectionError as error:
            raise forms.ValidationError(error.message) from None
        return data

    def validate_unique(self) -> None:
        """One request per invoice is the service's to keep: a second one returns the first
        (moved earlier if the new one is earlier), never an error."""


@admin.register(StopRequest)
class StopRequestAdmin(admin.ModelAdmin):
    """Perintälaki 4 c §: recorded once, never edited or deleted (the engine relies on it)."""

    form = StopRequestForm
    list_display = ["invoice", "requested_at", "channel", "recorded_by", "created_at"]
    list_filter = ["channel"]
    search_fields = ["invoice__number", "invoice__reference", "invoice__debtor_name"]
    raw_id_fields = ["invoice"]
    readonly_fields = ["recorded_by", "created_at", "source"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args, **inner) -> None:
                super().__init__(*args, request_user=request.user, **inner)

        return WithUser

    def save_model(self, request: HttpRequest, obj: StopRequest, form, change: bool) -> None:
        """The service saved it in `clean`; warn about costs booked after the request."""
        from collection.services import costs_charged_after

        recorded = form.recorded
        assert recorded is not None
        obj.pk = recorded.pk
        obj.refresh_from_db()
        late = costs_charged_after(recorded)
        if late:
            messages.warning(
                request,
                gettext(
                    "Costs were booked after the request (%(total)s €): credit them, the law "
                    "forbids them (Debt Collection Act 4 c § 2 mom)."
                )
                % {"total": sum(charge.amount for charge in late)},
            )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CollectionHold)
class CollectionHoldAdmin(admin.ModelAdmin):
    list_display = ["invoice", "reason", "until", "source", "created_at", "released_at"]
    list_filter = ["reason"]
    search_fields = ["invoice__number", "source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
