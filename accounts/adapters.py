from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """A new user keeps the language they signed up in."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.preferred_language = language[:2] if language[:2] in {"fi", "sv", "en"} else "fi"
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Mails go out in the recipient's language when we know it."""
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
