"""The agent console in the admin: the queue and the agent's chats side by side (the page),
and beside each chat the customer's invoices (a fragment the console fetches).

The admin lets in only staff who used a second factor (myropo.admin_site); the socket checks
the same (chat.consumers)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Language, User
from chat import selectors
from chat.models import AgentPresence, Chat, ChatState, LinkKind
from messaging.models import CannedResponse, Classification


@require_GET
def console_view(request: HttpRequest) -> HttpResponse:
    from django.contrib import admin

    presence = AgentPresence.objects.filter(agent=request.user).first()
    colleagues = User.objects.filter(is_staff=True, is_active=True).exclude(pk=request.user.pk)
    return render(
        request,
        "admin/chat/console.html",
        {
            **admin.site.each_context(request),
            "title": "",
            "presence": presence,
            "languages": Language.choices,
            "classifications": Classification.choices,
            "canned": CannedResponse.objects.filter(active=True).order_by("language", "title"),
            "colleagues": colleagues.order_by("first_name", "email"),
            "link_kinds": LinkKind.choices,
        },
    )


@require_GET
def customer_panel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's invoices as the customer sees them, with stage, balance and next step."""
    chat = (
        Chat.objects.filter(pk=pk, agent=request.user, state=ChatState.ACTIVE)
        .select_related("customer", "invoice")
        .first()
    )
    if chat is None:
        raise Http404
    return render(
        request,
        "admin/chat/customer_panel.html",
        {
            "chat": chat,
            "rows": selectors.customer_invoice_rows(chat, timezone.localdate()),
            "link_kinds": LinkKind.choices,
            "contacts": chat.customer.contacts.order_by("-last_message_at")[:5],
        },
    )
