"""TOTP enrolment and login, recovery codes, login by emailed code, and the staff admin's MFA."""

import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP, generate_totp_secret
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.conftest import log_in_with_password, totp_code, wrong_totp_code


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def totp_secret() -> str:
    return generate_totp_secret()


@pytest.fixture
def alice_with_totp(alice, totp_secret):
    TOTP.activate(alice, totp_secret)
    return alice


@pytest.fixture
def staff_with_totp(staff, totp_secret):
    TOTP.activate(staff, totp_secret)
    return staff


def _log_in_with_totp(client: Client, email: str, password: str, secret: str) -> None:
    response = log_in_with_password(client, email, password)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # The clock stands still between reading the code and sending it (a TOTP step could pass).
    with time_machine.travel(timezone.now(), tick=False):
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_totp_enrolment_creates_the_authenticator_and_recovery_codes(alice, password):
    client = Client()
    log_in_with_password(client, alice.email, password)

    # Adding a second factor asks for the password again, however recent the login.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(
        "/accounts/reauthenticate/", {"password": password, "next": "/accounts/2fa/totp/activate/"}
    )
    assert response.status_code == 302
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html, "the QR code is an image, not a script"
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in html

    response = client.post("/accounts/2fa/totp/activate/", {"code": wrong_totp_code(secret)})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=alice).exists()

    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=alice).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    recovery = Authenticator.objects.get(user=alice, type=Authenticator.Type.RECOVERY_CODES)
    unused = recovery.wrap().get_unused_codes()
    assert len(unused) == 10
    assert unused[0] in codes.content.decode()

    # A fresh login now asks for the code from the authenticator app.
    fresh = Client()
    response = log_in_with_password(fresh, alice.email, password)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not _is_logged_in(fresh)
    response = fresh.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert _is_logged_in(fresh)


def test_totp_enrolment_asks_a_forced_session_to_reauthenticate(alice_client):
    response = alice_client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_login_with_totp_refuses_a_wrong_code(alice_with_totp, password, totp_secret):
    client = Client()
    log_in_with_password(client, alice_with_totp.email, password)
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong_totp_code(totp_secret)})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not _is_logged_in(client)
    assert client.get("/profile/").status_code == 302


def test_login_with_totp_accepts_the_current_code(alice_with_totp, password, totp_secret):
    client = Client()
    _log_in_with_totp(client, alice_with_totp.email, password, totp_secret)
    assert _is_logged_in(client)
    assert client.get("/profile/").status_code == 200


def test_a_totp_code_cannot_be_used_twice(alice_with_totp, password, totp_secret):
    first = Client()
    _log_in_with_totp(first, alice_with_totp.email, password, totp_secret)
    second = Client()
    log_in_with_password(second, alice_with_totp.email, password)
    response = second.post("/accounts/2fa/authenticate/", {"code": totp_code(totp_secret)})
    assert response.status_code == 200
    assert not _is_logged_in(second)


def test_a_recovery_code_logs_in_once(alice_with_totp, password):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    code = RecoveryCodes.activate(alice_with_totp).get_unused_codes()[0]
    client = Client()
    log_in_with_password(client, alice_with_totp.email, password)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert _is_logged_in(client)

    again = Client()
    log_in_with_password(again, alice_with_totp.email, password)
    assert again.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200
    assert not _is_logged_in(again)


# --- Login by a one-time code sent by email -----------------------------------------------


LOGIN_CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", flags=re.MULTILINE)


def _code_from(body: str) -> str:
    """The code alone on its line, e.g. `K7Q-2MX` (allauth's default format)."""
    [code] = LOGIN_CODE.findall(body)
    return code


def test_login_by_emailed_code(alice, mailoutbox):
    client = Client()
    response = client.post("/accounts/login/code/", {"email": alice.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert not _is_logged_in(client)
    [message] = mailoutbox
    assert message.to == [alice.email]
    code = _code_from(message.body)

    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert _is_logged_in(client)


def test_login_by_emailed_code_refuses_a_wrong_code(alice, mailoutbox):
    client = Client()
    client.post("/accounts/login/code/", {"email": alice.email})
    code = _code_from(mailoutbox[0].body)
    wrong = code.replace(code[0], "2" if code[0] != "2" else "3")
    response = client.post("/accounts/login/code/confirm/", {"code": wrong})
    assert response.status_code == 200
    assert not _is_logged_in(client)


def test_login_by_code_for_an_unknown_email_sends_no_code_and_reveals_nothing(db, mailoutbox):
    client = Client()
    response = client.post("/accounts/login/code/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert not [m for m in mailoutbox if LOGIN_CODE.search(m.body)]


def test_login_by_emailed_code_still_asks_for_totp(alice_with_totp, totp_secret, mailoutbox):
    client = Client()
    client.post("/accounts/login/code/", {"email": alice_with_totp.email})
    response = client.post(
        "/accounts/login/code/confirm/", {"code": _code_from(mailoutbox[0].body)}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not _is_logged_in(client)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(totp_secret)})
    assert _is_logged_in(client)


# --- The staff admin --------------------------------------------------------------------------


def test_anonymous_visitors_of_the_admin_are_sent_to_the_portal_login(db, client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_without_mfa_are_told_to_set_it_up_and_not_let_in(staff, password):
    client = Client()
    log_in_with_password(client, staff.email, password)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.templates[0].name == "myropo/admin_refused.html"
    assert response.context["reason"] == "mfa_not_set_up"
    assert 'href="/accounts/2fa/"' in response.content.decode()
    assert client.get("/admin/accounts/user/").status_code == 302


def test_staff_with_totp_who_used_the_code_get_the_admin_index(
    staff_with_totp, password, totp_secret
):
    client = Client()
    _log_in_with_totp(client, staff_with_totp.email, password, totp_secret)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.templates[0].name == "admin/index.html"
    assert client.get("/admin/accounts/user/").status_code == 200
    # The admin's own login page sends a permitted user on to where they were going.
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == "/admin/accounts/user/"


def test_an_admin_page_checks_the_second_factor_once(staff_with_totp, password, totp_secret):
    client = Client()
    _log_in_with_totp(client, staff_with_totp.email, password, totp_secret)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/messaging/contact/").status_code == 200
    checks = [q for q in queries if "mfa_authenticator" in q["sql"]]
    assert len(checks) == 1


def test_staff_with_totp_whose_session_skipped_it_must_log_in_again(staff_with_totp):
    client = Client()
    client.force_login(staff_with_totp)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.context["reason"] == "mfa_not_used"
    assert 'action="/accounts/logout/"' in response.content.decode()


def test_a_customer_is_refused_the_admin_with_an_explanation(alice_client):
    response = alice_client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.context["reason"] == "not_staff"
    assert 'href="/dashboard/"' in response.content.decode()


def test_the_admin_login_never_offers_its_own_password_form(db, client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 302
