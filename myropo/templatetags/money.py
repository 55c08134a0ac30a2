"""Money formatting for the active language: one filter, used by every template."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import translation

register = template.Library()

CENT = Decimal("0.01")
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def format_euros(amount: Decimal | int | str | None, language: str | None = None) -> str:
    """1234.5 → '1 234,50 €' in Finnish and Swedish, '€1,234.50' in English."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    language = (language or translation.get_language() or "fi")[:2]
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    if language == "en":
        return f"{sign}€{','.join(groups)}.{cents}"
    return f"{sign}{NARROW_NBSP.join(groups)},{cents}{NBSP}€"


@register.filter(name="euros")
def euros(amount) -> str:
    return format_euros(amount)
