"""Customer-service admin for the collection engine: reference rates, runs, letters.

The invoice admin page is the invoices app's; this app adds to it what belongs to collection
(the letters, the dry-run schedule, the statistics page) by registering a subclass in its
place, so that invoices never imports the engine.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collection.models import CollectionRun, Letter, ReferenceRate
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
    list_display = ["start", "end", "rate", "source", "updated_at"]
    fields = ["start", "end", "rate", "source"]
    ordering = ["-start"]


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
