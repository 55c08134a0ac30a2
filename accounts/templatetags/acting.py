"""`{% current_context as current %}`: the header's "acting for" label, without a query."""

from django import template

from accounts.context import acting_context
from accounts.selectors import ActingContext

register = template.Library()


@register.simple_tag(takes_context=True)
def current_context(context) -> ActingContext | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return acting_context(request)
