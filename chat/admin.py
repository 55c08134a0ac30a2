"""The chat in the admin: the agent console (Chat → Console), past chats, presence and the
service-hour exceptions staff edit."""

from django.contrib import admin
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from chat.models import AgentPresence, Chat, ChatMessage, ServiceHoursException


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    fields = ["created_at", "kind", "author", "body", "link_url"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Chat)
class ChatAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "state",
        "language",
        "customer",
        "agent",
        "classification",
        "created_at",
        "accepted_at",
        "ended_at",
        "ended_by",
        "transcript",
    ]
    list_filter = ["state", "language", "ended_by", "classification"]
    list_select_related = ["customer", "agent", "contact"]
    readonly_fields = [
        "customer",
        "language",
        "invoice",
        "state",
        "agent",
        "classification",
        "created_at",
        "accepted_at",
        "ended_at",
        "ended_by",
        "transcript",
    ]
    fields = readonly_fields
    inlines = [ChatMessageInline]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("transcript"))
    def transcript(self, chat: Chat) -> str:
        if chat.contact_id is None:
            return "–"
        url = reverse("admin:messaging_contact_change", args=[chat.contact_id])
        return format_html('<a href="{}">#{}</a>', url, chat.contact_id)

    def get_urls(self) -> list[URLPattern]:
        from chat import console

        return [
            path(
                "console/",
                self.admin_site.admin_view(console.console_view),
                name="chat_console",
            ),
            path(
                "console/<int:pk>/customer/",
                self.admin_site.admin_view(console.customer_panel_view),
                name="chat_console_customer",
            ),
            *super().get_urls(),
        ]


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    list_display = ["agent", "available", "languages", "max_chats", "auto_assign", "seen_at"]
    list_filter = ["available"]
    list_select_related = ["agent"]


@admin.register(ServiceHoursException)
class ServiceHoursExceptionAdmin(admin.ModelAdmin):
    list_display = ["day", "closed", "opens", "closes", "note"]
    date_hierarchy = "day"
