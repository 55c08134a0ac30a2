"""Customer-service admin for creditors and invoices, and the invoice-file upload.

Charges, credit notes and timeline events are immutable, so their inlines only show them. An
issued invoice is read-only here too: a correction is a credit note (the "Credit" action, the
service `invoice_credit`), never an edit. The admin site itself (``myropo.admin_site``) lets
in only staff who signed in with a second factor.
"""

import contextlib
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from invoices.importing import MAX_IMPORT_BYTES, ImportFailed
from invoices.importing.service import ImportResult, invoices_import
from invoices.importing.values import mask_hetu
from invoices.models import (
    Charge,
    Credit,
    Creditor,
    CreditorSettings,
    CreditorUser,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    InvoiceLine,
    normalize_myropo_id,
)
from invoices.references import InvalidReference, validate_reference
from invoices.selectors import with_balance
from invoices.services import InvoiceError, invoice_credit
from myropo.templatetags.money import format_euros

IMPORT_SUFFIXES = (".xml", ".csv")
# Enough to recognise a re-sent file in a message; the rest are summarised by their count.
SHOWN_NUMBERS = 50


class ReadOnlyInlineMixin:
    """For rows that are never edited once written: shown, never added, changed or deleted."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- Creditors ---------------------------------------------------------------------


class CreditorSettingsInline(admin.StackedInline):
    model = CreditorSettings
    can_delete = False
    max_num = 1


class CreditorUserInline(admin.TabularInline):
    model = CreditorUser
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "iban", "email", "phone"]
    search_fields = ["name", "business_id"]
    readonly_fields = ["created_at"]
    inlines = [CreditorSettingsInline, CreditorUserInline]


@admin.register(CreditorSettings)
class CreditorSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "creditor_name",
        "reminder_count",
        "consumer_transfer_limit",
        "company_transfer_limit",
        "allocation_order",
    ]
    list_select_related = ["creditor"]
    search_fields = ["creditor__name", "creditor__business_id"]
    autocomplete_fields = ["creditor"]

    # The Creditor model has no translated verbose name (adding one is a migration).
    @admin.display(description=_("Creditor"), ordering="creditor__name")
    def creditor_name(self, obj: CreditorSettings) -> str:
        return obj.creditor.name


# --- Invoices ----------------------------------------------------------------------


class InvoiceLineInline(admin.TabularInline):
    """Lines are typed in only while adding an invoice; an issued invoice's lines stay."""

    model = InvoiceLine
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_delete_permission(request, obj)

    fields = [
        "position",
        "description",
        "quantity",
        "unit_price",
        "vat_rate",
        "net_total",
        "vat_total",
        "gross_total",
    ]


class ChargeInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Charge
    fields = [
        "kind",
        "amount",
        "booked_on",
        "rule",
        "creditor_setting",
        "legal_cap",
        "explanation",
    ]
    readonly_fields = fields


class CreditInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Credit
    fields = ["created_at", "amount", "reason", "actor"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class InvoiceEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InvoiceEvent
    fields = ["created_at", "kind", "actor", "on_behalf_of", "on_behalf_of_organisation", "detail"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceEvent]:
        return super().get_queryset(request).select_related("actor", "on_behalf_of")


class InvoiceImportForm(forms.Form):
    creditor = forms.ModelChoiceField(
        label=_("Creditor"), queryset=Creditor.objects.order_by("name")
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A Finvoice 3.0 XML file (one or several invoices) or a CSV file in the MyRopo "
            "format, at most 10 MB. Nothing is saved if the file has any problem; invoice "
            "numbers the creditor already has are skipped."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_SUFFIXES)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(IMPORT_SUFFIXES):
            raise forms.ValidationError(
                _("Upload a Finvoice XML file (.xml) or a CSV file (.csv)."), code="file_type"
            )
        # The size Django recorded while receiving the upload: checked before reading it.
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the largest accepted is %(limit)s bytes."),
                code="file_size",
                params={"size": upload.size, "limit": MAX_IMPORT_BYTES},
            )
        return upload


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to credit the whole open balance."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stays with the credit note and the invoice's timeline."),
    )

    def __init__(self, *args, several: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if several:
            # One amount cannot fit several invoices: each gets its whole open balance.
            del self.fields["amount"]


def _ids_of(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "creditor_name",
        "debtor_name",
        "debtor_identity",
        "due_date",
        "stage",
        "principal",
        "disputed",
    ]
    list_filter = ["stage", "creditor", "debtor_type", "disputed"]
    list_select_related = ["creditor"]
    search_fields = ["number", "reference", "debtor_name", "myropo_id"]
    search_help_text = _("Invoice number, reference number, debtor name or MyRopo ID.")
    date_hierarchy = "due_date"
    autocomplete_fields = ["creditor"]
    readonly_fields = ["myropo_id", "created_at", "creditor_instructions"]
    inlines = [InvoiceLineInline, ChargeInline, CreditInline, InvoiceEventInline]
    actions = ["credit_action"]

    @admin.display(description=_("the creditor's instructions"))
    def creditor_instructions(self, invoice: Invoice | None) -> str:
        """What the creditor set in Ropo One for customer service and collection: the
        receivable's type and basis and its collection instructions."""
        settings = (
            CreditorSettings.objects.filter(creditor_id=invoice.creditor_id).first()
            if invoice is not None and invoice.pk
            else None
        )
        if settings is None:
            return "-"
        rows = [
            (gettext("receivable type"), settings.receivable_type),
            (gettext("receivable basis"), settings.receivable_basis),
            (gettext("collection instructions"), settings.collection_instructions),
        ]
        return (
            format_html_join("", "<p><strong>{}:</strong> {}</p>", [(k, v) for k, v in rows if v])
            or "-"
        )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # An issued invoice is never edited in place: corrections are credit notes.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Invoice, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # An invoice entered by hand starts its timeline with who entered it.
            InvoiceEvent.objects.create(invoice=obj, kind=EventKind.CREATED, actor=request.user)

    def has_credit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("invoices.add_credit")

    @admin.action(description=_("Credit the selected invoices…"), permissions=["credit"])
    def credit_action(self, request: HttpRequest, queryset: QuerySet[Invoice]):
        ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_credit",
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(f"{url}?{urlencode({'ids': ids})}")

    def credit_view(self, request: HttpRequest) -> HttpResponse:
        """A credit note on one invoice (full or partial) or on several (each in full)."""
        if not self.has_credit_permission(request):
            raise PermissionDenied
        ids = _ids_of(request.POST.get("ids") or request.GET.get("ids", ""))
        invoices = list(with_balance(Invoice.objects.filter(pk__in=ids)).select_related("creditor"))
        changelist = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
            current_app=self.admin_site.name,
        )
        if not invoices:
            messages.error(request, gettext("Choose the invoices to credit."))
            return HttpResponseRedirect(changelist)
        form = CreditForm(request.POST or None, several=len(invoices) > 1)
        if request.method == "POST" and form.is_valid():
            amount = form.cleaned_data.get("amount")
            for invoice in invoices:
                try:
                    credit = invoice_credit(
                        invoice=invoice,
                        amount=amount,
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                    )
                except InvoiceError as error:
                    messages.error(request, f"{invoice}: {error.message}")
                else:
                    messages.success(
                        request,
                        gettext("Credited %(amount)s on invoice %(invoice)s.")
                        % {"amount": format_euros(credit.amount), "invoice": invoice},
                    )
            if len(invoices) == 1:
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[invoices[0].pk],
                        current_app=self.admin_site.name,
                    )
                )
            return HttpResponseRedirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Credit note"),
            "opts": self.opts,
            "form": form,
            "invoices": invoices,
            "ids": ",".join(str(invoice.pk) for invoice in invoices),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/invoices/invoice/credit.html", context)

    @admin.display(description=_("Creditor"), ordering="creditor__name")
    def creditor_name(self, obj: Invoice) -> str:
        return obj.creditor.name

    @admin.display(description=pgettext_lazy("debtor", "identity"))
    def debtor_identity(self, invoice: Invoice) -> str:
        # A list page is seen over shoulders and in screenshots: never the whole HETU.
        if invoice.debtor_hetu:
            return mask_hetu(invoice.debtor_hetu)
        return invoice.debtor_business_id

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Invoice], search_term: str
    ) -> tuple[QuerySet[Invoice], bool]:
        """Also finds references and MyRopo IDs typed as printed: in groups, with dashes."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return results, may_have_duplicates
        exact = Q(myropo_id=normalize_myropo_id(term))
        with contextlib.suppress(InvalidReference):
            exact |= Q(reference=validate_reference(term))
        return results | queryset.filter(exact), may_have_duplicates

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "credit/",
                self.admin_site.admin_view(self.credit_view),
                name="{}_{}_credit".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems: list[tuple[str, str]] = []
        if request.method == "POST":
            form = InvoiceImportForm(request.POST, request.FILES)
            if form.is_valid():
                creditor = form.cleaned_data["creditor"]
                upload = form.cleaned_data["file"]
                try:
                    result = invoices_import(
                        creditor=creditor,
                        data=upload.read(),
                        filename=upload.name,
                        actor=request.user,
                    )
                except ImportFailed as failed:
                    problems = [
                        (problem.position, problem.render(gettext)) for problem in failed.problems
                    ]
                else:
                    self._report(request, result)
                    changelist = reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                        current_app=self.admin_site.name,
                    )
                    query = urlencode({"creditor__id__exact": creditor.pk})
                    return HttpResponseRedirect(f"{changelist}?{query}")
        else:
            form = InvoiceImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import invoices"),
            "opts": self.opts,
            "form": form,
            "problems": problems,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/invoices/invoice/import.html", context)

    def _report(self, request: HttpRequest, result: ImportResult) -> None:
        created = len(result.created)
        messages.success(
            request,
            ngettext(
                "Created %(count)s invoice from %(file)s.",
                "Created %(count)s invoices from %(file)s.",
                created,
            )
            % {"file": result.filename, "count": created},
        )
        if result.skipped:
            shown = ", ".join(result.skipped[:SHOWN_NUMBERS])
            more = len(result.skipped) - SHOWN_NUMBERS
            if more > 0:
                shown += " " + gettext("and %(count)s more") % {"count": more}
            messages.warning(
                request,
                ngettext(
                    "Skipped %(count)s invoice the creditor already has: %(numbers)s.",
                    "Skipped %(count)s invoices the creditor already has: %(numbers)s.",
                    len(result.skipped),
                )
                % {"count": len(result.skipped), "numbers": shown},
            )
        for notice in result.notices:
            messages.info(request, f"{notice.position}: {notice.render(gettext)}")


@admin.register(InvoiceAccess)
class InvoiceAccessAdmin(admin.ModelAdmin):
    list_display = ["invoice", "user", "method", "created_at"]
    list_filter = ["method"]
    list_select_related = ["invoice__creditor", "user"]
    search_fields = ["invoice__number", "invoice__myropo_id", "user__email"]
    fields = ["invoice", "user", "method", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    """Every credit note, for finding and reporting; they are booked from the invoice list."""

    list_display = ["created_at", "invoice", "amount", "reason", "actor"]
    list_select_related = ["invoice__creditor", "actor"]
    search_fields = ["invoice__number", "invoice__myropo_id", "reason"]
    date_hierarchy = "created_at"
    fields = ["invoice", "amount", "reason", "actor", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
