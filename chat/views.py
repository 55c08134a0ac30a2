"""The customer's chat over HTTP: what the widget may offer now, starting, ending, feedback,
the transcript by email and the offline path into the message centre. Messages themselves
go over the socket (chat.consumers).

Each view: selector (a chat of the user's own, else 404) → service → JSON or redirect.
"""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from chat import selectors
from chat.models import Chat, EndedBy
from chat.services import (
    ChatError,
    chat_email_transcript,
    chat_end,
    chat_feedback,
    chat_start,
)
from invoices.selectors import invoices_visible_to
from messaging.drafts import draft_save


def _language() -> str:
    return (translation.get_language() or "fi")[:2]


UNAVAILABLE = gettext_lazy("Chat is unavailable right now. You can send us a message instead.")


def _layer_address() -> str:
    """The Redis of the channel layer (which may be another than the cache's)."""
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    return host["address"] if isinstance(host, dict) else host


def layer_reachable() -> bool:
    """Does the channel layer's Redis answer? Half a second, then the widget says no."""
    try:
        client = redis.Redis.from_url(
            _layer_address(), socket_connect_timeout=0.5, socket_timeout=0.5
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


def _own_chat(request: HttpRequest, pk: int) -> Chat:
    chat = selectors.customer_chat(request.user, pk)
    if chat is None:
        raise Http404
    return chat


def _chat_json(chat: Chat) -> dict:
    return {
        "id": chat.pk,
        "state": chat.state,
        "socket": f"/ws/chat/{chat.pk}/",
        "feedback": reverse("chat:feedback", args=[chat.pk]),
        "transcript": reverse("chat:transcript", args=[chat.pk]),
        "end": reverse("chat:end", args=[chat.pk]),
    }


@login_required
@require_GET
@never_cache
def status_view(request: HttpRequest) -> JsonResponse:
    """What the widget can offer right now, in the page's language."""
    if not settings.CHAT_ENABLED:
        raise Http404
    invoice = None
    if request.GET.get("invoice", "").isdigit():
        invoice = invoices_visible_to(request.user).filter(pk=int(request.GET["invoice"])).first()
    data: dict = {
        "invoice": {"id": invoice.pk, "number": invoice.number} if invoice else None,
        "chat": None,
    }
    if not layer_reachable():
        data.update(
            available=False,
            open=False,
            text=str(UNAVAILABLE),
        )
        return JsonResponse(data)
    running = selectors.running_chat_of(request.user)
    if running is not None:
        data.update(available=True, open=True, chat=_chat_json(running), text="")
        return JsonResponse(data)
    is_open = selectors.chat_is_open()
    agents = is_open and selectors.agents_online(_language()).exists()
    if not is_open:
        text = selectors.opening_text(selectors.next_opening())
    elif not agents:
        text = _("Nobody can take a chat right now. Send us a message instead.")
    else:
        text = ""
    data.update(available=True, open=bool(agents), text=text)
    return JsonResponse(data)


@login_required
@require_POST
def start_view(request: HttpRequest) -> JsonResponse:
    if not settings.CHAT_ENABLED:
        raise Http404
    invoice = None
    if request.POST.get("invoice", "").isdigit():
        invoice = invoices_visible_to(request.user).filter(pk=int(request.POST["invoice"])).first()
        if invoice is None:
            raise Http404
    if not layer_reachable():
        # Nobody could answer over the sockets: the message centre is the way now.
        return JsonResponse({"error": str(UNAVAILABLE)}, status=409)
    try:
        chat = chat_start(customer=request.user, language=_language(), invoice=invoice)
    except ChatError as error:
        return JsonResponse({"error": error.message}, status=409)
    return JsonResponse({"chat": _chat_json(chat)})


@login_required
@require_POST
def end_view(request: HttpRequest, pk: int) -> JsonResponse:
    chat = _own_chat(request, pk)
    try:
        chat = chat_end(chat=chat, by=EndedBy.CUSTOMER, user=request.user)
    except ChatError as error:
        return JsonResponse({"error": error.message}, status=409)
    return JsonResponse({"chat": _chat_json(chat)})


@login_required
@require_POST
def feedback_view(request: HttpRequest, pk: int) -> JsonResponse:
    chat = _own_chat(request, pk)
    try:
        csat = int(request.POST.get("csat", ""))
        nps = int(request.POST.get("nps", ""))
    except ValueError:
        return JsonResponse({"error": _("Choose a value on each scale.")}, status=400)
    try:
        chat_feedback(
            chat=chat,
            customer=request.user,
            csat=csat,
            nps=nps,
            comment=request.POST.get("comment", ""),
        )
    except ChatError as error:
        return JsonResponse({"error": error.message}, status=409)
    return JsonResponse({"message": _("Thank you for your feedback.")})


@login_required
@require_POST
def transcript_view(request: HttpRequest, pk: int) -> JsonResponse:
    chat = _own_chat(request, pk)
    try:
        chat_email_transcript(chat=chat, customer=request.user)
    except ChatError as error:
        return JsonResponse({"error": error.message}, status=409)
    return JsonResponse(
        {
            "message": _("A link to the conversation is on its way to %(email)s.")
            % {"email": request.user.email}
        }
    )


@login_required
@require_POST
def offline_message_view(request: HttpRequest) -> HttpResponse:
    """The text typed in the widget goes to the message centre's form, ready to send."""
    draft_save(user=request.user, body=request.POST.get("body", ""))
    invoice = request.POST.get("invoice", "")
    if invoice.isdigit() and invoices_visible_to(request.user).filter(pk=int(invoice)).exists():
        return redirect("messaging:new", pk=int(invoice))
    return redirect("messaging:new")
