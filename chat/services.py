"""Writes of the live chat. Each service saves first and tells the sockets on commit.

The channel layer only carries news of rows that are already in PostgreSQL: a client that
missed an event (a dropped socket, a restarted ASGI process, Redis away for a moment) reads
the rows after its last seen id when it reconnects (`selectors.messages_after`).

Groups: `chat-<id>` (the customer's sockets and the agent's console for that chat),
`chat-agents` (every console: the queue), `chat-agent-<user id>` (one agent's consoles).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.context import Acting
from accounts.models import Language, User
from chat import selectors
from chat.models import (
    AgentPresence,
    Chat,
    ChatMessage,
    ChatState,
    EndedBy,
    LinkKind,
    MessageKind,
)
from invoices.models import Invoice
from invoices.selectors import invoices_visible_to
from messaging.models import AuthorKind, Channel, Classification, Feedback
from messaging.services import (
    MessagingError,
    Owner,
    TranscriptLine,
    contact_record_transcript,
    feedback_give,
)

log = logging.getLogger(__name__)

AGENTS_GROUP = "chat-agents"


class ChatError(Exception):
    """A refused chat action, with a message fit to show the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def chat_group(chat_id: int) -> str:
    return f"chat-{chat_id}"


def agent_group(user_id: int) -> str:
    return f"chat-agent-{user_id}"


# --- Telling the sockets -------------------------------------------------------------------


_keeping = threading.local()


@contextmanager
def news_kept(
    kept: list[tuple[str, dict]] | None = None,
) -> Iterator[list[tuple[str, dict]]]:
    """Within it, in this thread, what would be told on commit is kept, in order, in the list
    it gives (or in `kept`), for the caller to send itself: a socket's consumer sends it from
    its event loop after the service returns, instead of its database thread waiting on that
    loop. The caller owns the list, so what was committed is still sent if the service then
    fails."""
    kept = [] if kept is None else kept
    previous = getattr(_keeping, "news", None)
    _keeping.news = kept
    try:
        yield kept
    finally:
        _keeping.news = previous


def send_now(group: str, event: dict) -> None:
    kept = getattr(_keeping, "news", None)
    if kept is not None:
        kept.append((group, event))
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": "chat.event", "event": event})
    except Exception:  # Redis away: the rows are saved; clients catch up when they reconnect
        log.warning("chat: could not tell group %s (%s)", group, event.get("type"))


def _tell(group: str, event: dict) -> None:
    # robust: a news item that fails to build or send (logged) does not keep the ones after it
    # from being told; the rows are committed either way.
    transaction.on_commit(lambda: send_now(group, event), robust=True)


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _agent_name(user: User | None) -> str:
    # Customers see the agent's first name only, as on the phone.
    if user is None:
        return ""
    return user.first_name or _("Customer service")


def message_event(message: ChatMessage) -> dict:
    author = (
        _agent_name(message.author) if message.kind == MessageKind.AGENT else _name(message.author)
    )
    return {
        "type": "message",
        "chat": message.chat_id,
        "id": message.pk,
        "kind": message.kind,
        "body": message.body,
        "author": author if message.kind != MessageKind.SYSTEM else "MyRopo",
        "at": message.created_at.isoformat(),
        "link": {"url": message.link_url, "kind": message.link_kind} if message.link_url else None,
        "agents_only": message.kind == MessageKind.NOTE,
    }


def live_message_event(message: ChatMessage) -> dict:
    """The news of a message just saved (under its chat's row lock, so the ids before it are
    final): with the chat's previous message the customer sees (`prev`) and the previous of
    any kind (`prev_any`, for agents, who also see notes). A client whose last shown message
    is not that one missed some news (a failed send, a full layer queue, a process that
    stopped between commit and send) and asks for it ("resume")."""
    before = ChatMessage.objects.filter(chat_id=message.chat_id, id__lt=message.pk).aggregate(
        prev=Max("id", filter=~Q(kind=MessageKind.NOTE)), prev_any=Max("id")
    )
    return {
        **message_event(message),
        "prev": before["prev"] or 0,
        "prev_any": before["prev_any"] or 0,
    }


def chat_event(chat: Chat) -> dict:
    """The chat's state as both sides show it (the customer's queue place comes separately)."""
    return {
        "type": "state",
        "chat": chat.pk,
        "state": chat.state,
        "agent": _agent_name(chat.agent) if chat.agent_id else "",
        "agent_id": chat.agent_id,
        "customer_read": chat.customer_read_id,
        "agent_read": chat.agent_read_id,
        "has_transcript": chat.contact_id is not None,
        "feedback": bool(chat.contact_id)
        and chat.contact.state == "resolved"
        and not Feedback.objects.filter(contact_id=chat.contact_id).exists(),
    }


def queue_event(chat: Chat) -> dict:
    position = selectors.queue_position(chat)
    wait = selectors.estimated_wait_seconds(chat.language, position)
    with translation.override(chat.language):
        text = selectors.wait_text(wait)
    return {"type": "queue", "chat": chat.pk, "position": position, "wait": wait, "wait_text": text}


def _queue_rows() -> list[dict]:
    return [
        {
            "chat": chat.pk,
            "language": chat.language,
            "customer": _name(chat.customer),
            "since": chat.created_at.isoformat(),
            "invoice": chat.invoice.number if chat.invoice_id else "",
        }
        for chat in selectors.queue().select_related("customer", "invoice")[:100]
    ]


def _tell_queue(languages: Iterable[str]) -> None:
    """On commit: every waiting customer of these languages gets its place, every console the
    queue."""

    def send() -> None:
        for language in set(languages):
            for chat in selectors.queue(language):
                send_now(chat_group(chat.pk), queue_event(chat))
        send_now(AGENTS_GROUP, {"type": "queue", "chats": _queue_rows()})

    transaction.on_commit(send, robust=True)


# --- Text ----------------------------------------------------------------------------------


def _clean(body: str) -> str:
    """Strips control characters (a terminal escape is no message) and checks the length."""
    body = "".join(
        ch for ch in (body or "") if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    ).strip()
    if not body:
        raise ChatError(_("Write a message."))
    if len(body) > settings.CHAT_MAX_MESSAGE_LENGTH:
        raise ChatError(
            _("A chat message can be at most %(count)s characters long.")
            % {"count": settings.CHAT_MAX_MESSAGE_LENGTH}
        )
    return body


def _lock(chat: Chat) -> Chat:
    return (
        Chat.objects.select_for_update(of=("self",))
        .select_related("agent", "customer")
        .get(pk=chat.pk)
    )


def _add(chat: Chat, kind: str, body: str, author: User | None = None, **link) -> ChatMessage:
    now = timezone.now()
    message = ChatMessage.objects.create(
        chat=chat, kind=kind, body=body, author=author, created_at=now, **link
    )
    chat.last_activity_at = now
    chat.save(update_fields=["last_activity_at"])
    _tell(chat_group(chat.pk), live_message_event(message))
    return message


def _system(chat: Chat, text: str) -> ChatMessage:
    """A line in the customer's language (written now, shown to both sides)."""
    with translation.override(chat.language):
        return _add(chat, MessageKind.SYSTEM, str(text))


# --- The customer's side -------------------------------------------------------------------


def chat_start(*, customer: User, language: str, invoice: Invoice | None = None) -> Chat:
    """Queues a chat, or returns the one the customer already has running (another tab)."""
    if language not in Language.values:
        language = Language.FINNISH
    if invoice is not None and not invoices_visible_to(customer).filter(pk=invoice.pk).exists():
        raise ChatError(_("Invoice not found."))
    running = selectors.running_chat_of(customer)
    if running is not None:
        return running
    if not selectors.chat_is_open():
        raise ChatError(_("Chat is closed now."))
    if not selectors.agents_online(language).exists():
        raise ChatError(_("Nobody can take a chat right now. Send us a message instead."))
    try:
        with transaction.atomic():
            chat = Chat.objects.create(customer=customer, language=language, invoice=invoice)
            _tell_queue([language])
            _auto_assign(language)
    except IntegrityError:  # two tabs started at once: the other one won
        running = selectors.running_chat_of(customer)
        if running is None:
            raise
        return running
    chat.refresh_from_db()
    return chat


def chat_customer_says(*, chat: Chat, customer: User, body: str) -> ChatMessage:
    """Saves the customer's message: one UPDATE checks that the chat is theirs and running and
    locks its row (so the chat's message ids follow its commits), one INSERT the message."""
    body = _clean(body)
    now = timezone.now()
    with transaction.atomic():
        running = Chat.objects.filter(
            pk=chat.pk, customer_id=customer.pk, state__in=(ChatState.QUEUED, ChatState.ACTIVE)
        ).update(customer_seen_at=now, last_activity_at=now)
        if not running:
            if not Chat.objects.filter(pk=chat.pk, customer_id=customer.pk).exists():
                raise ChatError(_("Chat not found."))
            raise ChatError(_("This chat has ended."))
        message = ChatMessage.objects.create(
            chat_id=chat.pk, kind=MessageKind.CUSTOMER, body=body, author=customer, created_at=now
        )
        _tell(chat_group(chat.pk), live_message_event(message))
        return message


def chat_customer_seen(*, chat: Chat) -> None:
    """The widget's heartbeat: a customer who closed every tab leaves the queue later."""
    Chat.objects.filter(pk=chat.pk).update(customer_seen_at=timezone.now())


def chat_mark_read(*, chat: Chat, user: User, up_to: int, as_agent: bool) -> None:
    """A read receipt: the newest message id this side has seen (never moves back)."""
    field = "agent_read_id" if as_agent else "customer_read_id"
    with transaction.atomic():
        chat = _lock(chat)
        newest = chat.messages.order_by("-id").values_list("id", flat=True).first() or 0
        up_to = min(int(up_to), newest)
        if up_to <= getattr(chat, field):
            return
        setattr(chat, field, up_to)
        chat.save(update_fields=[field])
        _tell(chat_group(chat.pk), chat_event(chat))


# --- Agents --------------------------------------------------------------------------------


def presence_set(
    *,
    agent: User,
    available: bool,
    languages: list[str],
    max_chats: int,
    auto_assign: bool = True,
    assign: bool = True,
) -> AgentPresence:
    """`assign=False`: the caller gives the waiting chats out itself (`chat_auto_assign`, one
    chat at a time under that chat's order in the socket process)."""
    languages = sorted({code for code in languages if code in Language.values})
    if available and not languages:
        raise ChatError(_("Choose the languages you serve."))
    if not 1 <= int(max_chats) <= 10:
        raise ChatError(_("Chats at once must be between 1 and 10."))
    with transaction.atomic():
        presence, _created = AgentPresence.objects.select_for_update().get_or_create(agent=agent)
        presence.available = available
        presence.languages = languages
        presence.max_chats = int(max_chats)
        presence.auto_assign = auto_assign
        presence.seen_at = timezone.now()
        presence.save()
        for language in languages if assign else ():
            _auto_assign(language)
        _tell_queue(languages)
    return presence


def presence_heartbeat(*, agent: User) -> None:
    AgentPresence.objects.filter(agent=agent).update(seen_at=timezone.now())


def _assign(chat: Chat, agent: User) -> None:
    chat.state = ChatState.ACTIVE
    chat.agent = agent
    chat.accepted_at = timezone.now()
    chat.save(update_fields=["state", "agent", "accepted_at"])
    _system(
        chat, _("%(name)s from customer service joined the chat.") % {"name": _agent_name(agent)}
    )
    _tell(chat_group(chat.pk), chat_event(chat))
    _tell(agent_group(agent.pk), {"type": "assigned", "chat": chat.pk})


def _auto_assign(language: str) -> None:
    """Gives the language's oldest waiting chats to online agents with a free seat.

    The queue rows are locked with SKIP LOCKED, so two consoles assigning at once never give one
    chat to two agents, and neither waits for the other.
    """
    while True:
        agent = _agent_with_seat(language)
        if agent is None:
            return
        chat = (
            selectors.queue(language)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .first()
        )
        if chat is None:
            return
        _assign(chat, agent)


# Candidates tried for a seat before a chat is left waiting for the next event.
SEAT_CANDIDATES = 5


def _agent_with_seat(language: str) -> User | None:
    """The least busy online agent with a free seat, their presence row locked to the end of
    the transaction and their chats counted again under that lock: two processes assigning
    at once each read the counts before the other's commit, and would both give an agent
    their last seat. A presence another transaction holds is skipped (it is giving that agent
    a chat right now), so assignments never wait on each other in a circle."""
    for candidate in selectors.agents_with_room(language).values_list("pk", flat=True)[
        :SEAT_CANDIDATES
    ]:
        presence = (
            AgentPresence.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("agent")
            .filter(pk=candidate)
            .first()
        )
        if presence is not None and selectors.open_chat_count(presence.agent) < presence.max_chats:
            return presence.agent
    return None


def _check_room(agent: User, language: str) -> None:
    # Locked like `_agent_with_seat`'s candidates (waited for here: one named agent).
    presence = AgentPresence.objects.select_for_update().filter(agent=agent).first()
    if presence is None or not presence.available:
        raise ChatError(_("Set yourself available first."))
    if language not in presence.languages:
        raise ChatError(_("This chat is in a language you have not chosen to serve."))
    if selectors.open_chat_count(agent) >= presence.max_chats:
        raise ChatError(_("You have as many chats open as you chose to take at once."))


class AutoAssign(StrEnum):
    ASSIGNED = "assigned"
    # Being saved by another transaction (its row locked: skipped, not waited for) or no
    # longer waiting: the next waiting chat may still be given out.
    SKIPPED = "skipped"
    NO_ROOM = "no_room"  # no online agent has a free seat for its language


def chat_auto_assign(*, chat_id: int) -> AutoAssign:
    """Gives this waiting chat to the least busy online agent with a free seat."""
    with transaction.atomic():
        chat = (
            Chat.objects.filter(pk=chat_id, state=ChatState.QUEUED)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .first()
        )
        if chat is None:
            return AutoAssign.SKIPPED
        agent = _agent_with_seat(chat.language)
        if agent is None:
            return AutoAssign.NO_ROOM
        _assign(chat, agent)
        _tell_queue([chat.language])
    return AutoAssign.ASSIGNED


def chat_take_next(*, agent: User, chat_id: int | None = None) -> Chat | None:
    """The oldest waiting chat in the agent's languages (or that chat, `chat_id`, if it is
    still waiting), or None when there is none."""
    with transaction.atomic():
        chat = (
            selectors.queue_for(agent)
            .filter(**({"pk": chat_id} if chat_id else {}))
            .select_for_update(skip_locked=True)
            .first()
        )
        if chat is None:
            return None
        _check_room(agent, chat.language)
        _assign(chat, agent)
        _tell_queue([chat.language])
    return chat


def chat_accept(*, chat: Chat, agent: User) -> Chat:
    with transaction.atomic():
        chat = _lock(chat)
        if chat.state != ChatState.QUEUED:
            raise ChatError(_("Someone else took this chat already."))
        _check_room(agent, chat.language)
        _assign(chat, agent)
        _tell_queue([chat.language])
    return chat


def _agent_chat(chat: Chat, agent: User) -> Chat:
    chat = _lock(chat)
    if chat.state != ChatState.ACTIVE or chat.agent_id != agent.pk:
        raise ChatError(_("This chat is not yours."))
    return chat


def chat_agent_says(*, chat: Chat, agent: User, body: str) -> ChatMessage:
    body = _clean(body)
    with transaction.atomic():
        chat = _agent_chat(chat, agent)
        return _add(chat, MessageKind.AGENT, body, agent)


LINK_URLS = {
    LinkKind.PAY: "payments:pay",
    LinkKind.PLAN: "arrangements:plan",
    LinkKind.DUE_DATE: "arrangements:due_date",
}


def chat_send_link(*, chat: Chat, agent: User, invoice_id: int, kind: str) -> ChatMessage:
    """A link into the portal (pay, plan proposal, due-date transfer) of one of the customer's
    own invoices; the customer acts there, with the portal's checks. No money moves here."""
    if kind not in LINK_URLS:
        raise ChatError(_("Unknown link."))
    with transaction.atomic():
        chat = _agent_chat(chat, agent)
        invoice = invoices_visible_to(chat.customer).filter(pk=invoice_id).first()
        if invoice is None:
            raise ChatError(_("Invoice not found."))
        url = reverse(LINK_URLS[kind], args=[invoice.pk])
        with translation.override(chat.language):
            text = f"{LinkKind(kind).label}: {invoice.number}"
        return _add(chat, MessageKind.AGENT, text, agent, link_kind=kind, link_url=url)


def chat_classify(*, chat: Chat, agent: User, classification: str) -> None:
    if classification not in Classification.values:
        raise ChatError(_("Choose the classification."))
    with transaction.atomic():
        chat = _agent_chat(chat, agent)
        chat.classification = classification
        chat.save(update_fields=["classification"])


def chat_transfer(*, chat: Chat, agent: User, to: User, note: str) -> Chat:
    """Hands the chat to another online agent; the note is for agents only."""
    note = _clean(note)
    with transaction.atomic():
        chat = _agent_chat(chat, agent)
        if to.pk == agent.pk or not (to.is_active and to.is_staff):
            raise ChatError(_("Choose another agent."))
        if not selectors.agents_online(chat.language).filter(agent=to).exists():
            raise ChatError(_("That agent is not available for chats in this language."))
        _check_room(to, chat.language)
        chat.agent = to
        chat.agent_read_id = 0
        chat.save(update_fields=["agent", "agent_read_id"])
        _add(
            chat,
            MessageKind.NOTE,
            _("Transferred by %(from)s: %(note)s") % {"from": _name(agent), "note": note},
            agent,
        )
        _system(
            chat,
            _("%(name)s from customer service continues the chat.") % {"name": _agent_name(to)},
        )
        _tell(chat_group(chat.pk), chat_event(chat))
        _tell(agent_group(agent.pk), {"type": "released", "chat": chat.pk})
        _tell(agent_group(to.pk), {"type": "assigned", "chat": chat.pk})
    return chat


# --- Ending --------------------------------------------------------------------------------

ENDED_TEXTS = {
    EndedBy.CUSTOMER: gettext_noop("The customer ended the chat."),
    EndedBy.AGENT: gettext_noop("Customer service ended the chat."),
    EndedBy.TIMEOUT: gettext_noop("The chat ended after a long silence."),
    EndedBy.ABANDONED: gettext_noop("The chat ended: the customer left the queue."),
}


def chat_end(
    *,
    chat: Chat,
    by: str,
    user: User | None = None,
    classification: str = "",
    assign: bool = True,
) -> Chat:
    """Ends the chat and saves its transcript as a message-centre contact (channel "chat").
    The agent's freed seat goes to a waiting chat here, or (`assign=False`) by the caller."""
    with transaction.atomic():
        chat = _lock(chat)
        if chat.state == ChatState.ENDED:
            return chat
        if by == EndedBy.CUSTOMER and (user is None or chat.customer_id != user.pk):
            raise ChatError(_("Chat not found."))
        if by == EndedBy.AGENT and (user is None or chat.agent_id != user.pk):
            raise ChatError(_("This chat is not yours."))
        if classification:
            if classification not in Classification.values:
                raise ChatError(_("Choose the classification."))
            chat.classification = classification
        was_queued = chat.state == ChatState.QUEUED
        with translation.override(chat.language):
            _system(chat, _(ENDED_TEXTS[by]))
        now = timezone.now()
        chat.state = ChatState.ENDED
        chat.ended_at = now
        chat.ended_by = by
        chat.contact = _save_transcript(chat)
        chat.save()
        _tell(chat_group(chat.pk), chat_event(chat))
        if chat.agent_id:
            _tell(agent_group(chat.agent_id), {"type": "released", "chat": chat.pk})
            if assign:
                _auto_assign(chat.language)
        if was_queued or chat.agent_id:
            _tell_queue([chat.language])
    return chat


KIND_TO_AUTHOR = {
    MessageKind.CUSTOMER: AuthorKind.CUSTOMER,
    MessageKind.AGENT: AuthorKind.STAFF,
    MessageKind.NOTE: AuthorKind.STAFF,
    MessageKind.SYSTEM: AuthorKind.SYSTEM,
}


def _save_transcript(chat: Chat):
    messages = list(chat.messages.order_by("id"))
    if not any(m.kind == MessageKind.CUSTOMER for m in messages):
        return None  # nothing the customer said: nothing to keep
    lines = [
        TranscriptLine(
            author_kind=KIND_TO_AUTHOR[m.kind],
            body=m.body + (f"\n{settings.SITE_URL}{m.link_url}" if m.link_url else ""),
            created_at=m.created_at,
            actor=m.author,
            internal=m.kind == MessageKind.NOTE,
        )
        for m in messages
    ]
    invoices = [chat.invoice] if chat.invoice_id else []
    try:
        return contact_record_transcript(
            owner=Owner(Acting(chat.customer), user=chat.customer),
            channel=Channel.CHAT,
            classification=chat.classification,
            language=chat.language,
            lines=lines,
            invoices=invoices,
            agent=chat.agent,
            started_at=chat.created_at,
            ended_at=chat.ended_at,
            source=f"chat.Chat:{chat.pk}",
        )
    except MessagingError as error:
        raise ChatError(error.message) from None


def end_silent_chats() -> int:
    """Ends running chats silent for CHAT_SILENCE_MINUTES and queued chats whose customer left
    (no widget heartbeat for CHAT_ABANDON_MINUTES). The beat runs it every minute."""
    now = timezone.now()
    silent = Chat.objects.filter(
        state=ChatState.ACTIVE,
        last_activity_at__lt=now - timezone.timedelta(minutes=settings.CHAT_SILENCE_MINUTES),
    )
    left = Chat.objects.filter(
        state=ChatState.QUEUED,
        customer_seen_at__lt=now - timezone.timedelta(minutes=settings.CHAT_ABANDON_MINUTES),
    )
    ended = 0
    for chat, by in [
        *((c, EndedBy.TIMEOUT) for c in silent),
        *((c, EndedBy.ABANDONED) for c in left),
    ]:
        chat_end(chat=chat, by=by)
        ended += 1
    return ended


def chat_feedback(
    *, chat: Chat, customer: User, csat: int, nps: int, comment: str = ""
) -> Feedback:
    """CSAT / NPS of the chat: the message centre's feedback on the transcript contact."""
    if chat.customer_id != customer.pk or chat.contact_id is None:
        raise ChatError(_("Feedback can be given once the chat has ended."))
    try:
        return feedback_give(
            contact=chat.contact, user=customer, csat=csat, nps=nps, comment=comment
        )
    except MessagingError as error:
        raise ChatError(error.message) from None


def chat_email_transcript(*, chat: Chat, customer: User) -> None:
    """Mails the customer a link to the transcript in the message centre; as every mail of the
    message centre, it carries the link, never the conversation (a mailbox is not the portal)."""
    from chat.tasks import send_chat_transcript

    if chat.customer_id != customer.pk or chat.state != ChatState.ENDED or not chat.contact_id:
        raise ChatError(_("The transcript can be sent once the chat has ended."))
    if not customer.email:
        raise ChatError(_("Your profile has no email address."))
    chat_id = chat.pk
    transaction.on_commit(lambda: send_chat_transcript.delay(chat_id))
