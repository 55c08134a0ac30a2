"""The acting context of a request: "myself", an organisation, or on behalf of an authorizer.

The choice lives in the session (key, label and scopes), so reading it costs no query: the
invoice list's own query checks the membership or the authorization again
(`invoices_in_context`), so a removed membership or a revoked or expired authorization shows
nothing from the next request on. The switcher (`acting_state`, one query) also drops a
context that is gone, back to "myself".
"""

from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import Authorization, Membership, User
from accounts.selectors import MYSELF, ActingContext, acting_contexts_of

SESSION_KEY = "acting_context"


@dataclass(frozen=True)
class ActingState:
    current: ActingContext
    options: list[ActingContext]


def _remember(request: HttpRequest, context: ActingContext) -> None:
    request.session[SESSION_KEY] = (
        "self" if context.is_self else [context.key, context.label, context.detail]
    )
    request._acting_state = None


def acting_context(request: HttpRequest) -> ActingContext:
    """The context chosen in this session, without a query (see the module's docstring)."""
    stored = request.session.get(SESSION_KEY, "self") if hasattr(request, "session") else "self"
    if not request.user.is_authenticated or not isinstance(stored, list) or len(stored) != 3:
        return MYSELF
    key, label, detail = stored
    kind, _, pk = str(key).partition(":")
    if kind not in ("org", "auth") or not pk.isdigit():
        return MYSELF
    return ActingContext(
        "organisation" if kind == "org" else "authorization", int(pk), str(label), str(detail)
    )


def acting_state(request: HttpRequest) -> ActingState:
    """The current context, checked against the database, and the ones to switch to."""
    cached = getattr(request, "_acting_state", None)
    if cached is not None:
        return cached
    user = request.user
    options = acting_contexts_of(user) if user.is_authenticated else []
    wanted = acting_context(request)
    current = next((option for option in options if option.key == wanted.key), MYSELF)
    if current != wanted and hasattr(request, "session"):
        # Revoked, expired, removed or renamed since it was chosen.
        _remember(request, current)
    state = ActingState(current=current, options=options)
    request._acting_state = state
    return state


def acting_context_set(request: HttpRequest, key: str) -> ActingContext | None:
    """Switches to the context with this key; None when the user has no such context."""
    if key == "self":
        _remember(request, MYSELF)
        return MYSELF
    chosen = next(
        (option for option in acting_contexts_of(request.user) if option.key == key), None
    )
    if chosen is not None:
        _remember(request, chosen)
    return chosen


# --- "By X on behalf of Y" -------------------------------------------------------------------


@dataclass(frozen=True)
class Acting:
    """Who acts and for whom, as the invoice timeline records it."""

    actor: User
    on_behalf_of: User | None = None
    on_behalf_of_organisation: str = ""

    def event_kwargs(self) -> dict:
        """Keyword arguments for `invoice_record_event` (actor, on_behalf_of, organisation)."""
        return {
            "actor": self.actor,
            "on_behalf_of": self.on_behalf_of,
            "on_behalf_of_organisation": self.on_behalf_of_organisation,
        }


def acting_through(user: User, context: ActingContext) -> Acting:
    """Who acts in `context`: the user, on behalf of the authorizer or organisation it names
    (`invoices.selectors.acting_for` picks the context an invoice is reached through)."""
    if context.is_organisation:
        membership = (
            Membership.objects.filter(user=user, organisation_id=context.id)
            .select_related("organisation")
            .first()
        )
        return Acting(user, None, membership.organisation.name if membership else "")
    if context.is_authorization:
        authorization = (
            Authorization.objects.filter(pk=context.id, grantee=user)
            .select_related("grantor_user", "grantor_organisation")
            .first()
        )
        if authorization is None:
            return Acting(user)
        if authorization.grantor_organisation_id:
            return Acting(user, None, authorization.grantor_organisation.name)
        return Acting(user, authorization.grantor_user)
    return Acting(user)
