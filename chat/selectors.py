"""Reads of the live chat: who may join which chat, the queue, the wait, the opening hours.

- a customer joins only a chat of their own (`customer_chat`); anything else is "not found";
- an agent is staff who signed in with a second factor (`accounts.staff`), checked by the
  consumer and the admin; agents act on the chats assigned to them (`agent_chat`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from math import ceil

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from chat import hours
from chat.models import (
    AgentPresence,
    Chat,
    ChatMessage,
    ChatState,
    MessageKind,
    ServiceHoursException,
)
from invoices.models import Invoice
from invoices.selectors import invoices_visible_to, open_invoices, with_balance
from myropo.service_hours import HELSINKI

# Handling times of the chats that ended in this many days make the estimate; with fewer
# than MIN_SAMPLES of them the widget says the wait is unknown instead of guessing.
WAIT_SAMPLE_DAYS = 14
MIN_SAMPLES = 3


# --- Service hours -------------------------------------------------------------------------


def hours_exceptions(start: date, days: int = 60) -> dict[date, hours.Window]:
    rows = ServiceHoursException.objects.filter(day__gte=start, day__lt=start + timedelta(days))
    return {row.day: None if row.closed else (row.opens, row.closes) for row in rows}


def chat_is_open(now: datetime | None = None) -> bool:
    now = now or timezone.now()
    today = now.astimezone(HELSINKI).date()
    return hours.is_open(now, hours_exceptions(today, 1))


def next_opening(now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    today = now.astimezone(HELSINKI).date()
    return hours.next_opening(now, hours_exceptions(today))


def opening_text(opens: datetime | None, now: datetime | None = None) -> str:
    """ "Chat opens Monday at 8.00" in the active language (Finnish times are written 8.00)."""
    if opens is None:
        return _("Chat is closed for now. Send us a message instead.")
    now = now or timezone.now()
    local = opens.astimezone(HELSINKI)
    at = f"{local.hour}.{local.minute:02d}"
    days = (local.date() - now.astimezone(HELSINKI).date()).days
    if days == 0:
        return _("Chat opens today at %(time)s") % {"time": at}
    if days == 1:
        return _("Chat opens tomorrow at %(time)s") % {"time": at}
    if days < 7:
        weekday = [
            _("Chat opens Monday at %(time)s"),
            _("Chat opens Tuesday at %(time)s"),
            _("Chat opens Wednesday at %(time)s"),
            _("Chat opens Thursday at %(time)s"),
            _("Chat opens Friday at %(time)s"),
            _("Chat opens Saturday at %(time)s"),
            _("Chat opens Sunday at %(time)s"),
        ][local.weekday()]
        return weekday % {"time": at}
    return _("Chat opens on %(day)s at %(time)s") % {
        "day": date_format(local.date(), "SHORT_DATE_FORMAT"),
        "time": at,
    }


# --- Agents and the queue ------------------------------------------------------------------


def presence_fresh_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.CHAT_PRESENCE_SECONDS)


def agents_online(language: str | None = None) -> QuerySet[AgentPresence]:
    """Agents available now (their console answered a heartbeat lately), for one language."""
    online = AgentPresence.objects.filter(
        available=True, seen_at__gte=presence_fresh_since(), agent__is_active=True
    )
    if language:
        online = online.filter(languages__contains=[language])
    return online


def open_chat_count(agent: User) -> int:
    return Chat.objects.filter(agent=agent, state=ChatState.ACTIVE).count()


def queue(language: str | None = None) -> QuerySet[Chat]:
    chats = Chat.objects.filter(state=ChatState.QUEUED).order_by("created_at", "id")
    return chats.filter(language=language) if language else chats


def queue_for(agent: User) -> QuerySet[Chat]:
    """The waiting chats in the languages the agent serves, oldest first."""
    languages = (
        AgentPresence.objects.filter(agent=agent).values_list("languages", flat=True).first()
    )
    return queue().filter(language__in=languages or [])


def next_to_assign(language: str, *, exclude: Iterable[int] = ()) -> int | None:
    """The id of the language's oldest waiting chat, other than `exclude` (tried already),
    while an agent has a seat for it."""
    if not agents_with_room(language).exists():
        return None
    return queue(language).exclude(pk__in=list(exclude)).values_list("pk", flat=True).first()


def next_for(agent: User, *, exclude: Iterable[int] = ()) -> int | None:
    """The id of the oldest waiting chat in the agent's languages, other than `exclude`."""
    return queue_for(agent).exclude(pk__in=list(exclude)).values_list("pk", flat=True).first()


def queue_position(chat: Chat) -> int:
    """1 for the first in its language's queue; 0 once the chat left the queue."""
    if chat.state != ChatState.QUEUED:
        return 0
    ahead = queue(chat.language).filter(
        Q(created_at__lt=chat.created_at) | Q(created_at=chat.created_at, id__lt=chat.id)
    )
    return ahead.count() + 1


def average_handling_seconds(language: str, now: datetime | None = None) -> float | None:
    """The mean time from answer to end of this language's recent chats, or None if too few."""
    now = now or timezone.now()
    ended = Chat.objects.filter(
        language=language,
        state=ChatState.ENDED,
        accepted_at__isnull=False,
        ended_at__gte=now - timedelta(days=WAIT_SAMPLE_DAYS),
    ).values_list("accepted_at", "ended_at")[:200]
    durations = [(end - start).total_seconds() for start, end in ended]
    if len(durations) < MIN_SAMPLES:
        return None
    return sum(durations) / len(durations)


def estimated_wait_seconds(language: str, position: int) -> int | None:
    """Position × mean handling time ÷ the online agents' seats for the language.

    None (the widget says "unknown") when there are too few recent chats to average, or no
    agent online for the language.
    """
    if position <= 0:
        return 0
    average = average_handling_seconds(language)
    seats = sum(agents_online(language).values_list("max_chats", flat=True))
    if average is None or seats == 0:
        return None
    return int(ceil(position / seats) * average)


def wait_text(seconds: int | None) -> str:
    if seconds is None:
        return _("We cannot estimate the wait yet.")
    minutes = max(1, ceil(seconds / 60))
    return _("Estimated wait about %(minutes)s min") % {"minutes": minutes}


def agents_with_room(language: str, *, auto_only: bool = True) -> QuerySet[AgentPresence]:
    """Online agents for the language with a free seat, least busy first."""
    agents = agents_online(language)
    if auto_only:
        agents = agents.filter(auto_assign=True)
    return (
        agents.annotate(
            running=Count(
                "agent__agent_chats", filter=Q(agent__agent_chats__state=ChatState.ACTIVE)
            )
        )
        .filter(running__lt=F("max_chats"))
        .order_by("running", "seen_at")
    )


# --- Who may see what ----------------------------------------------------------------------


def customer_chat(user: User, pk: int) -> Chat | None:
    """A chat of this customer's own, or None (the consumer and the views answer not found)."""
    if not user.is_authenticated or not user.is_active:
        return None
    return Chat.objects.filter(pk=pk, customer=user).first()


def running_chat_of(user: User) -> Chat | None:
    if not user.is_authenticated:
        return None
    return Chat.objects.filter(
        customer=user, state__in=[ChatState.QUEUED, ChatState.ACTIVE]
    ).first()


def agent_chat(agent: User, pk: int) -> Chat | None:
    """A running chat assigned to this agent."""
    return Chat.objects.filter(pk=pk, agent=agent, state=ChatState.ACTIVE).first()


def agent_open_chats(agent: User) -> QuerySet[Chat]:
    return (
        Chat.objects.filter(agent=agent, state=ChatState.ACTIVE)
        .select_related("customer", "invoice")
        .order_by("accepted_at", "id")
    )


def messages_after(chat: Chat, after_id: int, *, for_agent: bool) -> QuerySet[ChatMessage]:
    """What a client missed: every message newer than the id it saw last, in order, and again
    those of the CHAT_RESUME_OVERLAP_SECONDS before that message (the clients drop ids they
    showed already).

    Why the overlap: a message's news can reach a socket after a newer one's. Ids follow the
    chat's commits, but each process (an ASGI process, a Celery worker, a page request)
    publishes after its own commit, and a process can stop between the two; a client that
    resumed strictly after the newest id it saw would never get the older one."""
    newer = Q(id__gt=after_id)
    if after_id:
        seen_at = ChatMessage.objects.filter(pk=after_id).values_list("created_at", flat=True)
        if seen_at := seen_at.first():
            newer |= Q(
                created_at__gte=seen_at - timedelta(seconds=settings.CHAT_RESUME_OVERLAP_SECONDS)
            )
    messages = chat.messages.filter(newer).select_related("author").order_by("id")
    if not for_agent:
        messages = messages.exclude(kind=MessageKind.NOTE)
    return messages


# --- Beside the chat in the console: the customer's invoices -------------------------------


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    balance: Decimal
    next_step: str


def customer_invoice_rows(chat: Chat, today: date | None = None) -> list[InvoiceRow]:
    """The invoices the customer sees (their own rule, not the agent's), open ones first."""
    from collection.next_step import next_step_text
    from collection.selectors import next_step_for

    today = today or timezone.localdate()
    invoices = with_balance(open_invoices(invoices_visible_to(chat.customer))).select_related(
        "creditor"
    )
    rows = []
    for invoice in invoices.order_by("due_date", "id")[:20]:
        rows.append(
            InvoiceRow(invoice, invoice.open_balance, next_step_text(next_step_for(invoice, today)))
        )
    return rows
