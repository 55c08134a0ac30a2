"""Live chat: sessions, their messages, the agents' presence and the service-hour exceptions.

A chat lives here while it runs; when it ends its transcript becomes a message-centre
`Contact` with channel "chat" (`Chat.contact`). Who may see or join a chat is decided in
`chat.selectors` only.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from messaging.models import Classification


class ChatState(models.TextChoices):
    QUEUED = "queued", _("In the queue")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class EndedBy(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Customer service")
    TIMEOUT = "timeout", _("Silence timeout")
    ABANDONED = "abandoned", _("Customer left the queue")


class Chat(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chats",
        verbose_name=_("customer"),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # "About one invoice" when opened from an invoice page; else about the customer's invoices.
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invoice"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ChatState.choices, default=ChatState.QUEUED
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent_chats",
        limit_choices_to={"is_staff": True},
        verbose_name=_("agent"),
    )
    classification = models.CharField(
        _("classification"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.OTHER,
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.CharField(_("ended by"), max_length=10, choices=EndedBy.choices, blank=True)
    last_activity_at = models.DateTimeField(_("last message"), default=timezone.now)
    customer_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    # Read receipts: the newest message id each side has seen.
    customer_read_id = models.BigIntegerField(default=0, editable=False)
    agent_read_id = models.BigIntegerField(default=0, editable=False)
    contact = models.OneToOneField(
        "messaging.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat",
        verbose_name=_("transcript"),
    )

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="active") | Q(agent__isnull=False, accepted_at__isnull=False),
                name="chat_active_has_agent",
            ),
            models.CheckConstraint(
                condition=~Q(state="ended") | Q(ended_at__isnull=False),
                name="chat_ended_has_time",
            ),
            # One running chat per customer: a second tab joins the same chat.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(state__in=["queued", "active"]),
                name="chat_one_running_per_customer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["language", "created_at", "id"],
                condition=Q(state="queued"),
                name="chat_queue",
            ),
            models.Index(fields=["agent", "state"], name="chat_agent_state"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_state_display()}"

    @property
    def is_running(self) -> bool:
        return self.state in (ChatState.QUEUED, ChatState.ACTIVE)


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Customer service")
    SYSTEM = "system", _("MyRopo")
    NOTE = "note", _("Internal note")  # a transfer note: agents only


class LinkKind(models.TextChoices):
    PAY = "pay", _("Pay the invoice")
    PLAN = "plan", _("Propose a payment plan")
    DUE_DATE = "due_date", _("Move the due date")


class ChatMessage(models.Model):
    """One line of a chat. Its id orders the chat and is what a client resumes after."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("from"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    # A portal page the agent sent (pay / plan / due date of one invoice): a path of ours only.
    link_kind = models.CharField(max_length=10, choices=LinkKind.choices, blank=True)
    link_url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["chat", "id"], name="chatmessage_chat_id")]

    def __str__(self) -> str:
        return f"{self.chat_id}/{self.pk} {self.kind}"


class AgentPresence(models.Model):
    """An agent's own availability: the languages served and how many chats at once."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_presence",
        verbose_name=_("agent"),
    )
    available = models.BooleanField(_("available"), default=False)
    languages = ArrayField(
        models.CharField(max_length=2, choices=Language.choices),
        default=list,
        verbose_name=_("languages"),
    )
    max_chats = models.PositiveSmallIntegerField(
        _("chats at once"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    auto_assign = models.BooleanField(_("assign chats to me automatically"), default=True)
    # Refreshed by the console's heartbeat: an agent whose console went away is not online.
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presence")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_chats__range=(1, 10)), name="presence_max_chats_1_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} ({', '.join(self.languages)})"


class ServiceHoursException(models.Model):
    """A day that differs from the usual hours: closed, or open at other times."""

    day = models.DateField(_("day"), unique=True)
    closed = models.BooleanField(_("closed all day"), default=False)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service-hours exception")
        verbose_name_plural = _("service-hours exceptions")
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed=True, opens__isnull=True, closes__isnull=True)
                | Q(
                    closed=False,
                    opens__isnull=False,
                    closes__isnull=False,
                    opens__lt=models.F("closes"),
                ),
                name="hours_exception_closed_or_window",
                violation_error_message=_(
                    "Mark the day closed, or give both the opening and the closing time "
                    "(opening first)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y}"
