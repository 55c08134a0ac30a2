from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_update_profile(*, user: User, data: dict) -> User:
    fields = list(data)
    for field, value in data.items():
        setattr(user, field, value)
    user.save(update_fields=fields)
    return user


def user_set_language(*, user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
