from typing import NoReturn

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.oidc import PENDING_SESSION_KEY, is_strong_identification
from accounts.services import AccountsError, identity_link, identity_owner, normalize_hetu


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """The failed-login limit counts per (account, client IP), not per account alone.

        Per account, anyone who knows an email address could lock its owner out with five
        wrong passwords from anywhere; per (account, IP) the owner elsewhere still gets in,
        while each address also has its own wider limit over every account
        (ACCOUNT_RATE_LIMITS["login_failed"]). The client IP is allauth's: REMOTE_ADDR, or
        the proxy's X-Forwarded-For entry when ALLAUTH_TRUSTED_PROXY_COUNT says whom to trust.
        """
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}@{self.get_client_ip(request) or 'unknown'}"

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """A new user keeps the language they signed up in."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.preferred_language = language[:2] if language[:2] in {"fi", "sv", "en"} else "fi"
        return super().save_user(request, user, form, commit=commit)

    def login(self, request: HttpRequest, user) -> None:
        """The messages of the login request ("Signed in as …") are in the profile's language,
        the language of every page that follows; not in the login page's."""
        super().login(request, user)
        if user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Mails go out in the recipient's language when we know it."""
        user = context.get("user")
        if user is None:
            # The login-code and password-reset mails carry no user in their context; the
            # address still tells whose mail it is.
            from accounts.models import User

            user = User.objects.filter(email__iexact=email).first()
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Links strong identification to the user: on login, on connect, and after sign-up."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if not is_strong_identification(sociallogin):
            return
        pending = _pending_identity(request, sociallogin)
        if pending is None or not getattr(sociallogin, "strongly_identified", False):
            _refuse(request, _("Strong identification failed. Please try again."))
        hetu = normalize_hetu(pending["hetu"])
        if hetu is None:
            _refuse(request, _("The identification service did not return a valid identity code."))
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            user = request.user
        elif sociallogin.is_existing:
            user = sociallogin.user
        else:
            # A new bank-ID login of a person who linked identification to an email account
            # earlier (with another broker subject): that account is theirs.
            user = identity_owner(hetu)
            if user is None:
                return  # a new user: linked in save_user after the sign-up form
            sociallogin.connect(request, user)
        if not user.is_authenticated:
            return  # allauth refuses a connect without a logged-in user
        _link(request, user, pending)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        user = super().save_user(request, sociallogin, form)
        if is_strong_identification(sociallogin):
            pending = _pending_identity(request, sociallogin)
            if pending is not None:
                _link(request, user, pending)
        return user


def _pending_identity(request: HttpRequest, sociallogin: SocialLogin) -> dict | None:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or pending.get("uid") != sociallogin.account.uid:
        return None
    return pending


def _link(request: HttpRequest, user, pending: dict) -> None:
    try:
        identity_link(
            user=user,
            hetu=pending["hetu"],
            full_name=pending.get("name", ""),
            provider=settings.OIDC_PROVIDER_ID,
        )
    except AccountsError as error:
        request.session.pop(PENDING_SESSION_KEY, None)
        _refuse(request, error.message)
    request.session.pop(PENDING_SESSION_KEY, None)
    messages.success(request, _("Strong identification done: you now see invoices in your name."))


def _refuse(request: HttpRequest, message: str) -> NoReturn:
    request.session.pop(PENDING_SESSION_KEY, None)
    messages.error(request, message)
    target = "accounts:identification" if request.user.is_authenticated else "account_login"
    raise ImmediateHttpResponse(redirect(target))
