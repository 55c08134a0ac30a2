"""The message centre: contacts (customer-service threads), their messages, files and feedback.

A `Contact` belongs to one party — a person (`owner_user`) or an organisation
(`owner_organisation`) — and is written by a user acting for it ("by X on behalf of Y", the
`ActedBy` fields). Who may see which contact is decided in `messaging.selectors` only.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from invoices.models import ActedBy, Creditor, Invoice

# A customer may answer a resolved contact for this long; after that a new message is needed.
REOPEN_DAYS = 14


class Channel(models.TextChoices):
    PORTAL = "portal", _("MyRopo message")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")


class Classification(models.TextChoices):
    PAYMENT_REPORT = "payment_report", _("Payment report")
    DUE_DATE = "due_date", _("Due date")
    PAYMENT_PLAN = "payment_plan", _("Payment plan")
    DISPUTE = "dispute", _("Dispute or complaint")
    STOP_COLLECTION = "stop_collection", _("Stop voluntary collection")
    REFUND = "refund", _("Refund or bank account")
    OTHER = "other", _("Other")


class ContactState(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")


# The moves a contact may make; anything else is refused by `Contact.move_to`.
TRANSITIONS: dict[str, frozenset[str]] = {
    ContactState.NEW: frozenset({ContactState.OPEN, ContactState.WAITING, ContactState.RESOLVED}),
    ContactState.OPEN: frozenset({ContactState.WAITING, ContactState.RESOLVED}),
    ContactState.WAITING: frozenset({ContactState.OPEN, ContactState.RESOLVED}),
    ContactState.RESOLVED: frozenset({ContactState.OPEN}),  # a reopen
}


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    DISPUTE_ACCEPTED = "dispute_accepted", _("Dispute accepted")
    DISPUTE_REJECTED = "dispute_rejected", _("Dispute rejected")
    PAYMENT_FOUND = "payment_found", _("Payment found")
    PAYMENT_NOT_FOUND = "payment_not_found", _("Payment not found")
    REQUEST_APPROVED = "request_approved", _("Request approved")
    REQUEST_REJECTED = "request_rejected", _("Request rejected")
    NO_ACTION = "no_action", _("No action needed")


class IllegalTransition(Exception):
    """A state change the contact's state machine does not allow."""


class Contact(ActedBy):
    """One customer-service thread. `actor` opened it; the owner is the party it is for."""

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    classification = models.CharField(
        _("classification"), max_length=20, choices=Classification.choices
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ContactState.choices, default=ContactState.NEW
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("customer"),
    )
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("organisation"),
    )
    # Email and phone contacts may come from someone without a login.
    email = models.EmailField(_("customer's email"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default="fi")
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("creditor"),
    )
    invoices = models.ManyToManyField(
        Invoice, blank=True, related_name="contacts", verbose_name=_("invoices")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_contacts",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # The first resolution and the first reopen: first-contact resolution (FCR) is judged on
    # them (messaging.kpis), whatever happened later.
    first_resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_reopened_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the retention task deleted the messages and attachments (messaging.retention).
    purged_at = models.DateTimeField(_("messages deleted"), null=True, blank=True, editable=False)
    # When the first response is due, counted in service hours (messaging.sla).
    sla_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    # The newest answer the customer can see: the unread badge compares it with ContactRead.
    last_staff_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    staff_answer_count = models.PositiveIntegerField(_("staff answers"), default=0)
    # A staff request of another app that arrived here (messaging.inbox), e.g. "arrangements.
    # ArrangementRequest:12": at most one contact per request.
    source = models.CharField(_("source"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(owner_user__isnull=False, owner_organisation__isnull=False),
                name="contact_at_most_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(state="resolved", resolved_at__isnull=False)
                | (~Q(state="resolved") & Q(outcome="")),
                name="contact_resolved_has_time",
            ),
            models.UniqueConstraint(
                fields=["source"], condition=~Q(source=""), name="contact_source_once"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_user", "-last_message_at"], name="contact_owner_user"),
            models.Index(
                fields=["owner_organisation", "-last_message_at"], name="contact_owner_org"
            ),
            models.Index(fields=["state", "-last_message_at"], name="contact_state_recent"),
            # The queue's own order: the unfiltered list and a search walk it newest first.
            models.Index(fields=["-last_message_at", "-id"], name="contact_recent"),
            models.Index(fields=["creditor", "state"], name="contact_creditor_state"),
            models.Index(
                fields=["sla_due_at"],
                condition=Q(first_response_at__isnull=True),
                name="contact_sla_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_classification_display()}"

    @property
    def is_resolved(self) -> bool:
        return self.state == ContactState.RESOLVED

    def may_reopen(self, *, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.is_resolved
            and self.resolved_at is not None
            and now - self.resolved_at <= timedelta(days=REOPEN_DAYS)
        )

    def move_to(self, state: str, *, now: datetime | None = None) -> None:
        """Changes the state of this (locked) row, or raises IllegalTransition.

        Callers lock the row (select_for_update) first: two staff resolving and a customer
        replying at once must see each other's result.
        """
        now = now or timezone.now()
        if state == self.state:
            return
        if state not in TRANSITIONS[self.state]:
            raise IllegalTransition(f"{self.state} → {state}")
        if self.state == ContactState.RESOLVED:
            if not self.may_reopen(now=now):
                raise IllegalTransition("the reopen window has passed")
            self.reopened_at = now
            self.first_reopened_at = self.first_reopened_at or now
            self.reopen_count += 1
            self.outcome = ""
        if state == ContactState.RESOLVED:
            self.resolved_at = now
            self.first_resolved_at = self.first_resolved_at or now
        self.state = state


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Customer service")
    SYSTEM = "system", _("MyRopo")


class Message(ActedBy):
    """One message of a contact. `internal` notes are for staff only, never for customers."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(_("from"), max_length=10, choices=AuthorKind.choices)
    internal = models.BooleanField(_("internal note"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # Searched by staff in Finnish, Swedish and English at once (PostgreSQL's own configs).
    search = models.GeneratedField(
        expression=SearchVector("body", config="finnish")
        + SearchVector("body", config="swedish")
        + SearchVector("body", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    email_message_id = models.CharField(max_length=250, blank=True, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["contact", "created_at"], name="message_contact_time"),
            GinIndex(fields=["search"], name="message_search"),
            models.Index(
                fields=["email_message_id"],
                condition=~Q(email_message_id=""),
                name="message_email_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class ContactSearch(models.Model):
    """The words of all a contact's messages for staff's full-text search in the admin.

    Written by the database only: triggers on messaging_message (migration 0004) keep it
    current on every insert, edit and delete, whatever wrote the message (a service, a chat
    transcript, retention, COPY), so that a search is one GIN lookup among contacts instead
    of one among all messages. The vector concatenates the messages' own `search` vectors
    (finnish + swedish + english), internal notes included, since only staff search. A
    thread of more than 50,000 characters keeps the words of its newest 100,000 characters
    without their positions (a tsvector may not pass 1 MB): words still match, quoted
    phrases no longer do.
    """

    contact = models.OneToOneField(
        Contact,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
        editable=False,
    )
    vector = SearchVectorField(editable=False)

    class Meta:
        indexes = [GinIndex(fields=["vector"], name="contact_search")]

    def __str__(self) -> str:
        return str(self.contact_id)


def attachment_storage():
    """Outside MEDIA_URL: files are only served by `messaging.views.attachment_view`."""
    return storages["attachments"]


def _attachment_path(attachment: "Attachment", filename: str) -> str:
    # The stored name never comes from the customer: a random token and our own extension.
    return f"contacts/{timezone.now():%Y/%m}/{attachment.token}.{attachment.extension}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(_("file"), storage=attachment_storage, upload_to=_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
            self.content_type
        ]


class ContactRead(models.Model):
    """When a user last read a contact: the unread badge is per user (company contacts are
    shared by several members)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "user"], name="contact_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.user_id} {self.read_at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    """One answer per contact: CSAT 1–5 and NPS 0–10 with an optional comment."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="feedback")
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"),
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(condition=Q(csat__range=(1, 5)), name="feedback_csat_1_5"),
            models.CheckConstraint(condition=Q(nps__range=(0, 10)), name="feedback_nps_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.csat}/{self.nps}"


class CannedResponse(models.Model):
    """A ready answer staff pick in the admin and edit before sending."""

    title = models.CharField(_("title"), max_length=100)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    classification = models.CharField(
        _("classification"), max_length=20, choices=Classification.choices, blank=True
    )
    body = models.TextField(_("text"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["language", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class DisputeState(models.TextChoices):
    OPEN = "open", _("Open: collection is paused")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected: collection continues")


class Dispute(models.Model):
    """A dispute of a contact's invoices (perintälaki 4 b §): while open, they are not collected."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="dispute")
    reason = models.TextField(_("the customer's reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=DisputeState.choices, default=DisputeState.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.get_state_display()}"


class PaymentReportState(models.TextChoices):
    WAITING = "waiting", _("Staff look for the payment")
    FOUND = "found", _("Payment found")
    NOT_FOUND = "not_found", _("Payment not found")


class PaymentReport(models.Model):
    """ "I have paid": collection waits `hold_until` while staff look for the payment."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="payment_report")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    hold_until = models.DateField(_("collection waits until"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=PaymentReportState.choices,
        default=PaymentReportState.WAITING,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment report")
        verbose_name_plural = _("payment reports")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_report_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_on}"


class RetentionRun(models.Model):
    """What one run of the retention task deleted (personal data is not kept for ever)."""

    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    contacts = models.PositiveIntegerField(_("contacts emptied"), default=0)
    messages = models.PositiveIntegerField(_("messages deleted"), default=0)
    attachments = models.PositiveIntegerField(_("attachments deleted"), default=0)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M}"
