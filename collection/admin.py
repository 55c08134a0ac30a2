"""Customer-service admin for the collection engine: reference rates, runs, letters.

The invoice admin page is the invoices app's; this app adds to it what belongs to collection
(the letters, the dry-run schedule, the statistics page) by registering a subclass in its
place, so that invoices never imports the engine.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from collection.models import CollectionRun, Letter, ReferenceRate
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Letter]:
        return super().get_queryset(request).defer("pdf")

    @admin.display(description=_("PDF"))
    def download(self, letter: Letter) -> str:
        if letter.rendered_at is None:
            return gettext("not rendered yet")
        return format_html(
            '<a href="{}">{}</a>', reverse("letters:pdf", args=[letter.pk]), gettext("Open")
        )


admin.site.unregister(Invoice)


@admin.register(Invoice)
class InvoiceAdmin(BaseInvoiceAdmin):
    change_list_template = "admin/collection/invoice_change_list.html"
    readonly_fields = [*BaseInvoiceAdmin.readonly_fields, "collection_schedule"]
    inlines = [InvoiceLineInline, ChargeInline, CreditInline, LetterInline, InvoiceEventInline]

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
