"""The acting context of a request: "myself", an organisation, or on behalf of an authorizer.

The choice lives in the session as a key ("self", "org:12", "auth:34") and is checked against
the database on every request (one query, shared with the header's switcher), so a removed
membership or a revoked or expired authorization ends at the next request.
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


def acting_state(request: HttpRequest) -> ActingState:
    """The current context and the ones to switch to, computed once per request."""
    cached = getattr(request, "_acting_state", None)
    if cached is not None:
        return cached
    user = request.user
    options = acting_contexts_of(user) if user.is_authenticated else []
    key = request.session.get(SESSION_KEY, "self") if hasattr(request, "session") else "self"
    current = next((option for option in options if option.key == key), MYSELF)
    if key != current.key and hasattr(request, "session"):
        # Revoked, expired or removed since the last request: back to "myself".
        request.session[SESSION_KEY] = "self"
    state = ActingState(current=current, options=options)
    request._acting_state = state
    return state


def acting_context(request: HttpRequest) -> ActingContext:
    return acting_state(request).current


def acting_context_set(request: HttpRequest, key: str) -> ActingContext | None:
    """Switches to the context with this key; None when the user has no such context."""
    if key == "self":
        request.session[SESSION_KEY] = "self"
        request._acting_state = None
        return MYSELF
    options = acting_contexts_of(request.user)
    chosen = next((option for option in options if option.key == key), None)
    if chosen is not None:
        request.session[SESSION_KEY] = chosen.key
        request._acting_state = None
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


def _acting_through(user: User, context: ActingContext) -> Acting:
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


def acting_for(request: HttpRequest, invoice) -> Acting:
    """Who acts on `invoice` and on whose behalf, for the timeline ("by X on behalf of Y").

    The current context wins when the invoice belongs to it; otherwise the user's own invoice
    is theirs, and an invoice reached through an organisation or an authorization names it.
    """
    from invoices.selectors import invoices_in_context

    user = request.user
    state = acting_state(request)
    contexts = [state.current, MYSELF, *state.options]
    seen: set[str] = set()
    for context in contexts:
        if context.key in seen:
            continue
        seen.add(context.key)
        if invoices_in_context(user, context).filter(pk=invoice.pk).exists():
            return _acting_through(user, context)
    return Acting(user)
