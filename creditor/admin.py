"""Customer service reads the creditors' notes and the creditor portal's audit trail."""

from django.contrib import admin

from creditor.models import CreditorAuditEvent, CreditorNote, InvoiceUpload


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
    exclude = ("data",)
