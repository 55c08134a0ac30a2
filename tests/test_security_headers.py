"""Security headers, cookies, the CSP in practice, and the refusal to start without a secret."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client

from tests.accounts.conftest import totp_code

BASE_DIR = Path(__file__).resolve().parents[1]
GOOD_KEY = "k" * 50


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/", "/help/", "/accounts/login/", "/accounts/signup/"])
def test_pages_send_a_strict_content_security_policy_with_a_nonce(db, path):
    response = Client().get(path)
    csp = _csp(response)
    nonce = next(value for value in csp["script-src"] if value.startswith("'nonce-"))
    assert "'self'" in csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert f'nonce="{nonce[7:-1]}"' in response.content.decode()


def test_the_nonce_changes_with_every_response(db):
    client = Client()
    first = _csp(client.get("/help/"))["script-src"]
    second = _csp(client.get("/help/"))["script-src"]
    assert first != second


def test_pages_forbid_framing_and_sniffing(db):
    response = Client().get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_https_requests_get_hsts(db):
    response = Client().get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_session_cookie_is_http_only_secure_and_lax(alice, password):
    response = Client().post("/accounts/login/", {"login": alice.email, "password": password})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_sessions_end_after_thirty_minutes_idle():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_the_csrf_cookie_is_secure(db):
    response = Client().get("/accounts/login/")
    assert response.cookies[settings.CSRF_COOKIE_NAME]["secure"] is True


# --- Every executable script carries the nonce or comes from our origin; no inline styles -----


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "style" in values:
            self.problems.append(f"inline style on <{tag}>")
        for name in values:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
        if tag == "script":
            kind = (values.get("type") or "text/javascript").lower()
            executable = kind in {"text/javascript", "module", "application/javascript"}
            src = values.get("src") or ""
            if executable and not values.get("nonce") and not src.startswith("/"):
                self.problems.append(f"script without nonce: {values}")
        if tag == "a" and (values.get("href") or "").startswith("javascript:"):
            self.problems.append("javascript: link")


def _csp_problems(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems


ANONYMOUS_PAGES = [
    "/",
    "/help/",
    "/price-list/",
    "/offline/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
]
SIGNED_IN_PAGES = [
    "/profile/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/webauthn/",
    "/accounts/reauthenticate/",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_public_and_login_pages_work_under_the_csp(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert _csp_problems(response.content.decode()) == []


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_account_pages_work_under_the_csp(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 200, response.get("Location")
    assert _csp_problems(response.content.decode()) == []


def _reauthenticated_client(user, password: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": password})
    client.post("/accounts/reauthenticate/", {"password": password})
    return client


@pytest.mark.parametrize("path", ["/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/"])
def test_mfa_set_up_pages_work_under_the_csp(alice, password, path):
    response = _reauthenticated_client(alice, password).get(path)
    assert response.status_code == 200
    assert _csp_problems(response.content.decode()) == []


def test_the_totp_login_step_and_recovery_codes_work_under_the_csp(alice, password):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    secret = generate_totp_secret()
    TOTP.activate(alice, secret)
    RecoveryCodes.activate(alice)
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": password})
    response = client.get("/accounts/2fa/authenticate/")
    assert response.status_code == 200
    assert _csp_problems(response.content.decode()) == []

    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    client.post("/accounts/reauthenticate/", {"password": password})
    response = client.get("/accounts/2fa/recovery-codes/")
    assert response.status_code == 200
    assert _csp_problems(response.content.decode()) == []


def test_the_inspector_catches_what_the_csp_would_block():
    assert _csp_problems('<div style="display:none"></div>')
    assert _csp_problems("<script>alert(1)</script>")
    assert _csp_problems('<button onclick="x()">')
    assert not _csp_problems('<script nonce="abc">ok()</script>')
    assert not _csp_problems('<script type="application/json">{}</script>')
    assert not _csp_problems('<script src="/static/js/app.js"></script>')


# --- Start-up refuses an unsafe secret key ---------------------------------------------------


def _start_django(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="myropo.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "key",
    [
        "",
        "django-insecure-dev-key-only-for-local-debug-never-in-production",
        "too-short",
    ],
)
def test_with_debug_off_an_empty_dev_or_short_secret_key_stops_the_start(key):
    result = _start_django(DEBUG="0", SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_with_debug_off_a_long_random_secret_key_starts():
    result = _start_django(DEBUG="0", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_a_bad_boolean_in_the_environment_stops_the_start():
    result = _start_django(DEBUG="maybe", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert re.search(r"DEBUG", result.stderr)
