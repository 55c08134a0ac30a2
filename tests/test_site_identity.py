"""Mails and pages name the real service: SITE_NAME and the host of SITE_URL, never example.com.

A login-code mail that says "Hello from example.com" reads as phishing (issue 12, item 1).
"""

from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.sites.models import Site
from django.test import Client, RequestFactory
from django.utils import translation

from tests.factories import UserFactory

LANGUAGES = ["fi", "sv", "en"]
ALLAUTH_MAILS = sorted(
    f"{path.parent.parent.name}/email/{path.name.removesuffix('_message.txt')}"
    for path in Path(allauth.__file__).parent.glob("templates/*/email/*_message.txt")
    if not path.name.startswith("base_")
)


def _assert_names_the_service(message) -> None:
    text = f"{message.subject}\n{message.body}"
    assert "example.com" not in text
    assert settings.SITE_NAME in text


def test_the_sites_row_comes_from_the_settings(db):
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == settings.SITE_NAME == "MyRopo"
    assert site.domain == settings.SITE_DOMAIN == "127.0.0.1:8000"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_verification_mail_names_the_service_in_every_language(db, mailoutbox, language):
    password = "Lumi-Sade-Talvi-2026"
    Client(headers={"accept-language": language}).post(
        "/accounts/signup/",
        {"email": f"uusi-{language}@example.test", "password1": password, "password2": password},
    )
    [message] = mailoutbox
    _assert_names_the_service(message)
    assert settings.SITE_DOMAIN in message.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_code_mail_names_the_service(db, mailoutbox, language):
    user = UserFactory(email=f"koodi-{language}@example.test", preferred_language=language)
    response = Client().post("/accounts/login/code/", {"email": user.email})
    assert response.status_code == 302
    [message] = mailoutbox
    _assert_names_the_service(message)
    with translation.override(language):
        hello = translation.gettext("Hello from %(site_name)s!").replace("%(site_name)s", "")
    assert hello.strip(" !") in message.body, "the mail is in the user's language"


def test_the_password_reset_mail_names_the_service(db, mailoutbox):
    user = UserFactory(email="unohdin@example.test")
    Client().post("/accounts/password/reset/", {"email": user.email})
    [message] = mailoutbox
    _assert_names_the_service(message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_allauth_mail_names_the_service(db, mailoutbox, language):
    """Each of allauth's mail templates, as our adapter sends it (also the ones no flow above
    reaches: password changed, email changed, MFA activated, …)."""
    from allauth.core import context

    user = UserFactory(email="kaikki@example.test", preferred_language=language)
    request = RequestFactory().get("/")
    request.user = user
    adapter = get_adapter(request)
    with context.request_context(request):
        for template_prefix in ALLAUTH_MAILS:
            adapter.send_mail(template_prefix, user.email, {"user": user, "code": "ABC123"})
    assert len(mailoutbox) == len(ALLAUTH_MAILS) > 10
    for message in mailoutbox:
        _assert_names_the_service(message)
