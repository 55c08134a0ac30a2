"""Celery tasks of the live chat: the silence timeout (beat, every minute) and transcripts."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


@shared_task
def end_silent_chats() -> int:
    from chat.services import end_silent_chats as end

    return end()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_chat_transcript(chat_id: int) -> bool:
    """A link to the chat's transcript in the message centre, in the chat's language. The mail
    carries no line of the conversation (the message centre's rule: a link, never the text)."""
    from chat.models import Chat

    chat = Chat.objects.select_related("customer").get(pk=chat_id)
    if not chat.customer.email or not chat.contact_id:
        return False
    with translation.override(chat.language):
        body = render_to_string(
            "chat/email/transcript.txt", {"chat": chat, "site": settings.SITE_URL}
        )
        send_mail(_("Your chat with MyRopo customer service"), body, None, [chat.customer.email])
    return True
