"""Customer service reads the creditors' notes and the creditor portal's audit trail."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from creditor.models import CreditorAuditEvent, CreditorNote, InvoiceUpload
from invoices.models import Invoice


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditorNote)
class CreditorNoteAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "invoice", "author", "body")
    list_select_related = ("invoice__creditor", "author")
    search_fields = ("invoice__number", "invoice__myropo_id", "body")
    list_filter = ("invoice__creditor",)


@admin.register(CreditorAuditEvent)
class CreditorAuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "creditor", "actor", "action", "invoice")
    list_select_related = ("creditor", "actor", "invoice")
    list_filter = ("action", "creditor")
    search_fields = ("invoice__number", "actor__email")


@admin.register(InvoiceUpload)
class InvoiceUploadAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "creditor", "filename", "state", "created_count")
    list_filter = ("state", "creditor")
    exclude = ("file",)


class CreditorNoteInline(admin.TabularInline):
    """The creditor's notes on the staff's invoice page, where customer service reads them."""

    model = CreditorNote
    fields = ("created_at", "author", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("the creditor's notes")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# The invoice admin is the invoices app's, which never imports the creditor app: the inline is
# added from here (admin modules are imported in INSTALLED_APPS order, invoices first).
_invoice_admin = admin.site._registry[Invoice]
_invoice_admin.inlines = [*_invoice_admin.inlines, CreditorNoteInline]
