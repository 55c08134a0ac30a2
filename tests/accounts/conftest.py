"""Helpers for the login, MFA and profile tests: log in the way a person does, read mails."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.html import escape

LINK = re.compile(r"https?://\S+")


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows now for `secret` (offset in 30-second steps)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def wrong_totp_code(secret: str) -> str:
    """A well-formed code that is certainly not the current one."""
    return format_hotp_value((hotp_value(secret, int(time.time()) // 30) + 1) % 1_000_000)


def links_in(message: mail.EmailMessage) -> list[str]:
    return LINK.findall(message.body)


def translated(message: str, language: str) -> str:
    """`message` as it appears in HTML rendered in `language`."""
    with translation.override(language):
        return escape(translation.gettext(message))


def log_in_with_password(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.fixture
def english_client() -> Client:
    """An anonymous visitor whose browser asks for English."""
    return Client(headers={"accept-language": "en"})
