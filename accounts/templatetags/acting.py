"""`{% acting_state as acting %}`: the header's context switcher (one query per request)."""

from django import template

from accounts.context import ActingState
from accounts.context import acting_state as _acting_state

register = template.Library()


@register.simple_tag(takes_context=True)
def acting_state(context) -> ActingState | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return _acting_state(request)
