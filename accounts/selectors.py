"""Who a user is as a debtor. The identity and organisation work fills these in."""

from accounts.models import User


def verified_hetus_of(user: User) -> list[str]:
    """Personal identity codes verified by strong identification (none until that exists)."""
    return []


def verified_business_ids_of(user: User) -> list[str]:
    """Business IDs of verified organisations the user is a member of (none until that exists)."""
    return []
