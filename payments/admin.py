"""Customer service's side of payments: read-only money, the unmatched queue, refunds.

Payments, allocations and orders are read-only here (money is corrected with new rows, never
by editing). Staff book a queued payment by hand, approve bank account notices and export
approved refunds as pain.001. IBANs are shown masked; only the exported file holds them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice, normalize_myropo_id
from invoices.references import InvalidReference, validate_reference
from payments.bankfiles import BankFileInvalid
from payments.bankfiles.pain001 import InvalidTransfers
from payments.models import (
    Allocation,
    BankAccountNotice,
    BankFileImport,
    NoticeStatus,
    Overpayment,
    Payment,
    PaymentOrder,
    PaymentOrderLine,
    Refund,
    RefundBatch,
    UnmatchedPayment,
)
from payments.services import (
    PaymentError,
    bank_account_notice_approve,
    bank_account_notice_reject,
    bank_file_import,
    refund_batch_export,
    unmatched_allocate,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AllocationInline(ReadOnlyMixin, admin.TabularInline):
    model = Allocation
    fields = ["invoice", "component", "amount", "created_at"]
    readonly_fields = fields
    extra = 0


class OverpaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Overpayment
    fields = ["invoice", "amount", "state", "created_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["paid_on", "source", "amount", "reference", "payer_name", "external_id"]
    list_filter = ["source", "paid_on"]
    search_fields = ["external_id", "reference", "payer_name"]
    inlines = [AllocationInline, OverpaymentInline]
    list_select_related = True
    date_hierarchy = "paid_on"


class PaymentOrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentOrderLine
    fields = ["invoice", "amount"]
    readonly_fields = fields
    extra = 0


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "provider", "amount", "state", "transaction_id"]
    list_filter = ["state", "provider"]
    search_fields = ["stamp", "transaction_id", "user__email"]
    inlines = [PaymentOrderLineInline]


class InvoiceLookupField(forms.CharField):
    """An invoice by its MyRopo ID, its reference number (if unique) or its database id."""

    def clean(self, value):
        value = super().clean(value).strip()
        candidates = Invoice.objects.filter(myropo_id=normalize_myropo_id(value))
        if not candidates.exists():
            try:
                candidates = Invoice.objects.filter(reference=validate_reference(value))
            except InvalidReference:
                candidates = Invoice.objects.filter(pk=value) if value.isdigit() else None
        matches = list(candidates[:2]) if candidates is not None else []
        if len(matches) != 1:
            raise forms.ValidationError(
                _("No single invoice matches. Use the MyRopo ID or the invoice's id.")
            )
        return matches[0]


class AllocateForm(forms.Form):
    invoice = InvoiceLookupField(
        label=_("Invoice"), help_text=_("MyRopo ID, reference number or invoice id.")
    )


@admin.register(UnmatchedPayment)
class UnmatchedPaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "reason",
        "payment_amount",
        "payment_reference",
        "payer",
        "resolved_at",
        "allocate_link",
    ]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "reason"]
    search_fields = ["payment__reference", "payment__payer_name", "payment__external_id"]
    list_select_related = ["payment"]
    actions = ["allocate_action"]

    @admin.display(description=_("amount"))
    def payment_amount(self, unmatched: UnmatchedPayment):
        return unmatched.payment.amount

    @admin.display(description=_("reference number"))
    def payment_reference(self, unmatched: UnmatchedPayment) -> str:
        return unmatched.payment.reference

    @admin.display(description=_("payer"))
    def payer(self, unmatched: UnmatchedPayment) -> str:
        return unmatched.payment.payer_name

    @admin.display(description=_("allocate"))
    def allocate_link(self, unmatched: UnmatchedPayment) -> str:
        if unmatched.resolved_at:
            return ""
        url = reverse("admin:payments_unmatchedpayment_allocate", args=[unmatched.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Allocate by hand"))

    @admin.action(description=_("Allocate the selected payment to an invoice"))
    def allocate_action(self, request: HttpRequest, queryset: QuerySet[UnmatchedPayment]):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one payment."), messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:payments_unmatchedpayment_allocate", args=[queryset.get().pk])
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/allocate/",
                self.admin_site.admin_view(self.allocate_view),
                name="payments_unmatchedpayment_allocate",
            ),
            *super().get_urls(),
        ]

    def allocate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("payments.add_allocation") and not request.user.is_superuser:
            raise PermissionDenied
        unmatched = get_object_or_404(UnmatchedPayment.objects.select_related("payment"), pk=pk)
        form = AllocateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            invoice = form.cleaned_data["invoice"]
            try:
                unmatched_allocate(unmatched=unmatched, invoice=invoice, staff=request.user)
            except PaymentError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    _("The payment was allocated to invoice %(number)s.")
                    % {"number": invoice.number},
                )
                return HttpResponseRedirect(reverse("admin:payments_unmatchedpayment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Allocate a payment by hand"),
            "opts": self.opts,
            "form": form,
            "unmatched": unmatched,
        }
        return TemplateResponse(request, "admin/payments/unmatched_allocate.html", context)


class BankAccountNoticeInline(ReadOnlyMixin, admin.TabularInline):
    model = BankAccountNotice
    fields = ["masked_iban", "bic", "holder", "status", "created_at", "decided_by"]
    readonly_fields = fields
    extra = 0


@admin.register(Overpayment)
class OverpaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "invoice", "amount", "state", "notified_at"]
    list_filter = ["state"]
    search_fields = ["invoice__number", "invoice__reference", "payment__payer_name"]
    list_select_related = ["invoice__creditor"]
    inlines = [BankAccountNoticeInline]


@admin.register(BankAccountNotice)
class BankAccountNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    # Never the full IBAN: `iban` is left out of every list, form and search.
    list_display = [
        "created_at",
        "overpayment_amount",
        "masked_iban",
        "bic",
        "holder",
        "status",
        "decided_by",
    ]
    fields = [
        "overpayment",
        "masked_iban",
        "bic",
        "holder",
        "status",
        "submitted_by",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields
    list_filter = ["status"]
    search_fields = ["holder"]
    list_select_related = ["overpayment", "decided_by"]
    actions = ["approve", "reject"]

    @admin.display(description=_("IBAN"))
    def masked_iban(self, notice: BankAccountNotice) -> str:
        return notice.masked_iban

    @admin.display(description=_("amount"))
    def overpayment_amount(self, notice: BankAccountNotice):
        return notice.overpayment.amount

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the actions; the form itself is read-only.
        return request.user.has_perm("payments.change_bankaccountnotice")

    @admin.action(description=_("Approve the refund"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[BankAccountNotice]) -> None:
        done = 0
        for notice in queryset.filter(status=NoticeStatus.RECEIVED):
            try:
                bank_account_notice_approve(notice=notice, staff=request.user)
            except PaymentError as error:
                self.message_user(request, f"{notice}: {error.message}", messages.ERROR)
                continue
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d refund approved.", "%(count)d refunds approved.", done)
            % {"count": done},
        )

    @admin.action(description=_("Reject (ask the payer again)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[BankAccountNotice]) -> None:
        done = 0
        for notice in queryset.filter(status=NoticeStatus.RECEIVED):
            bank_account_notice_reject(notice=notice, staff=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d notice rejected.", "%(count)d notices rejected.", done)
            % {"count": done},
        )


def _xml_download(batch: RefundBatch) -> HttpResponse:
    response = HttpResponse(bytes(batch.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    return response


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["end_to_end_id", "created_at", "amount", "holder", "account", "batch"]
    list_filter = [("batch", admin.EmptyFieldListFilter)]
    list_select_related = ["notice", "batch"]
    actions = ["export"]

    @admin.display(description=_("account holder"))
    def holder(self, refund: Refund) -> str:
        return refund.notice.holder

    @admin.display(description=_("IBAN"))
    def account(self, refund: Refund) -> str:
        return refund.notice.masked_iban

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("payments.change_refund")

    @admin.action(description=_("Export as a pain.001 file for the bank"), permissions=["change"])
    def export(self, request: HttpRequest, queryset: QuerySet[Refund]):
        try:
            batch = refund_batch_export(refunds=queryset, staff=request.user)
        except PaymentError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        except InvalidTransfers as error:
            self.message_user(request, "; ".join(error.problems[:5]), messages.ERROR)
            return None
        return _xml_download(batch)


@admin.register(RefundBatch)
class RefundBatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["message_id", "created_at", "execution_date", "count", "total", "download"]
    exclude = ["xml"]

    @admin.display(description=_("file"))
    def download(self, batch: RefundBatch) -> str:
        url = reverse("admin:payments_refundbatch_download", args=[batch.pk])
        return format_html('<a href="{}">{}.xml</a>', url, batch.message_id)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="payments_refundbatch_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _xml_download(get_object_or_404(RefundBatch, pk=pk))


class BankFileUploadForm(forms.Form):
    file = forms.FileField(label=_("camt.054 file"))


@admin.register(BankFileImport)
class BankFileImportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "imported_at",
        "message_id",
        "filename",
        "source",
        "entry_count",
        "matched_count",
        "unmatched_count",
        "duplicate_count",
        "total",
        "imported_by",
    ]
    list_filter = ["source"]
    search_fields = ["message_id", "filename"]
    change_list_template = "admin/payments/bankfileimport/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="payments_bankfileimport_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("payments.add_payment") and not request.user.is_superuser:
            raise PermissionDenied
        problems: list[tuple[str, str]] = []
        form = BankFileUploadForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = bank_file_import(
                    data=upload.read(),
                    filename=upload.name,
                    source=BankFileImport.Source.UPLOAD,
                    user=request.user,
                )
            except BankFileInvalid as error:
                problems = [(p.position, p.render(gettext)) for p in error.problems]
            else:
                if report.skipped_file:
                    self.message_user(
                        request,
                        _("This file was already imported on %(date)s; nothing was done.")
                        % {"date": f"{report.already_imported.imported_at:%Y-%m-%d %H:%M}"},
                        messages.WARNING,
                    )
                else:
                    self.message_user(
                        request,
                        _(
                            "%(entries)d payments: %(matched)d matched, %(unmatched)d to the "
                            "unmatched queue, %(duplicates)d already imported."
                        )
                        % {
                            "entries": report.entries,
                            "matched": report.matched,
                            "unmatched": report.unmatched,
                            "duplicates": report.duplicates,
                        },
                    )
                return HttpResponseRedirect(reverse("admin:payments_bankfileimport_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a bank file"),
            "opts": self.opts,
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/payments/bankfileimport/upload.html", context)
