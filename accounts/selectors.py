"""Who a user is as a debtor, and for whom else they may act.

Everything that the invoice selector combines is returned as a lazy QuerySet, so that it lands
in the invoice query as a subquery instead of costing a query of its own.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone

from accounts.models import (
    INVITATION_DAYS,
    AuditEvent,
    Authorization,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    VerifiedIdentity,
)


def verified_hetus_of(user: User | QuerySet) -> QuerySet:
    """Personal identity codes proved by strong identification (of a user or of a set of users)."""
    if isinstance(user, QuerySet):
        return VerifiedIdentity.objects.filter(user__in=user).values("hetu")
    return VerifiedIdentity.objects.filter(user=user).values("hetu")


def organisations_of(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user)


def verified_business_ids_of(user: User) -> QuerySet:
    """Business IDs of the verified organisations the user is a member of."""
    return Organisation.objects.filter(memberships__user=user, verified=True).values("business_id")


def active_authorizations_to(user: User, *, today: date | None = None) -> QuerySet[Authorization]:
    return Authorization.objects.active(today=today).filter(grantee=user)


def persons_authorizing(user: User) -> QuerySet:
    """Ids of the persons whose own invoices `user` may handle through an authorization."""
    return (
        active_authorizations_to(user).filter(grantor_user__isnull=False).values("grantor_user_id")
    )


def organisations_authorizing(user: User) -> QuerySet:
    """Ids of the organisations whose invoices `user` may handle through an authorization."""
    return (
        active_authorizations_to(user)
        .filter(grantor_organisation__isnull=False)
        .values("grantor_organisation_id")
    )


# --- The acting context: "myself", an organisation, or on behalf of an authorizer ----------


@dataclass(frozen=True)
class ActingContext:
    """For whom a user is working right now; stored in the session as `key`."""

    kind: str  # "self", "organisation" or "authorization"
    id: int | None = None
    label: str = ""
    detail: str = ""  # the role in an organisation, or the granted scopes (comma-separated)

    @property
    def key(self) -> str:
        if self.kind == "self":
            return "self"
        return f"{'org' if self.kind == 'organisation' else 'auth'}:{self.id}"

    @property
    def is_self(self) -> bool:
        return self.kind == "self"

    @property
    def is_organisation(self) -> bool:
        return self.kind == "organisation"

    @property
    def is_authorization(self) -> bool:
        return self.kind == "authorization"

    @property
    def scopes(self) -> frozenset[str]:
        if not self.is_authorization:
            return frozenset()
        return frozenset(filter(None, self.detail.split(",")))


MYSELF = ActingContext("self")


def acting_contexts_of(user: User) -> list[ActingContext]:
    """The organisations the user belongs to and the live authorizations given to them.

    One query (a UNION), so that the context switcher in every page's header stays cheap; an
    authorization revoked or expired a moment ago is simply no longer among them.
    """
    if not user.is_authenticated:
        return []
    text = CharField()
    memberships = (
        Membership.objects.filter(user=user)
        .annotate(
            ctx_kind=Value("organisation", output_field=text),
            ctx_id=F("organisation_id"),
            ctx_label=F("organisation__name"),
            ctx_detail=F("role"),
        )
        .values_list("ctx_kind", "ctx_id", "ctx_label", "ctx_detail")
    )
    person_name = NullIf(
        Trim(Concat("grantor_user__first_name", Value(" "), "grantor_user__last_name")),
        Value(""),
    )
    authorizations = (
        active_authorizations_to(user)
        .annotate(
            ctx_kind=Value("authorization", output_field=text),
            ctx_id=F("pk"),
            ctx_label=Coalesce(
                "grantor_organisation__name", person_name, "grantor_user__email", output_field=text
            ),
            ctx_detail=ArrayToString("scopes"),
        )
        .values_list("ctx_kind", "ctx_id", "ctx_label", "ctx_detail")
    )
    rows = memberships.order_by().union(authorizations.order_by(), all=True)
    contexts = [ActingContext(*row) for row in rows]
    return sorted(contexts, key=lambda c: (c.kind != "organisation", c.label.lower(), c.id))


class ArrayToString(Concat):
    """`array_to_string(scopes, ',')`: an authorization's scopes as one text column."""

    function = "array_to_string"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def __init__(self, expression: str):
        super(Concat, self).__init__(expression, output_field=CharField())


# --- Pages ---------------------------------------------------------------------------------


def identity_of(user: User) -> VerifiedIdentity | None:
    return VerifiedIdentity.objects.filter(user=user).first()


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def membership_in(user: User, organisation_id: int) -> Membership | None:
    """The user's membership, or None: callers answer 404 for an organisation not theirs."""
    return (
        Membership.objects.filter(user=user, organisation_id=organisation_id)
        .select_related("organisation")
        .first()
    )


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__email")


def open_invitations_of(organisation: Organisation) -> QuerySet[Invitation]:
    return organisation.invitations.filter(
        used_at__isnull=True,
        cancelled_at__isnull=True,
        created_at__gt=timezone.now() - timedelta(days=INVITATION_DAYS),
    )


def authorizations_given_by(user: User) -> QuerySet[Authorization]:
    """Given by the user personally, and by the organisations the user administers."""
    administered = Membership.objects.filter(user=user, role=Role.ADMIN).values("organisation_id")
    return (
        Authorization.objects.filter(
            Q(grantor_user=user) | Q(grantor_organisation__in=administered)
        )
        .select_related("grantor_user", "grantor_organisation", "grantee", "granted_by")
        .order_by("-created_at", "-id")
    )


def authorizations_received_by(user: User) -> QuerySet[Authorization]:
    return (
        Authorization.objects.filter(grantee=user)
        .select_related("grantor_user", "grantor_organisation", "granted_by")
        .order_by("-created_at", "-id")
    )


def authorization_given(user: User, pk: int) -> Authorization | None:
    return authorizations_given_by(user).filter(pk=pk).first()


def authorization_history(user: User) -> QuerySet[AuditEvent]:
    """Audit rows about authorizations the user gave, received, or administers."""
    administered = Membership.objects.filter(user=user, role=Role.ADMIN).values("organisation_id")
    return (
        AuditEvent.objects.filter(authorization__isnull=False)
        .filter(
            Q(authorization__grantor_user=user)
            | Q(authorization__grantee=user)
            | Q(authorization__grantor_organisation__in=administered)
        )
        .select_related("actor", "authorization")
        .order_by("-created_at", "-id")
    )
