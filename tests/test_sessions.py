"""The 30-minute idle timeout restarts on every request, written at most once a minute."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _session_writes(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
    ]


@pytest.fixture
def signed_in(alice_client):
    """Alice after her first page, which stores her acting context in the session."""
    assert alice_client.get("/invoices/").status_code == 200
    return alice_client


def test_the_sessions_use_the_store_that_writes_the_idle_timer_once_a_minute():
    assert settings.SESSION_ENGINE == "myropo.sessions"


def test_a_request_within_the_minute_does_not_write_the_session(signed_in):
    before = _expiry(signed_in)
    assert _session_writes(signed_in, "/invoices/") == []
    assert _expiry(signed_in) == before


def test_a_request_after_a_minute_restarts_the_idle_timer(signed_in):
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        assert len(_session_writes(signed_in, "/invoices/")) == 1
        assert _expiry(signed_in) == timezone.now() + timedelta(seconds=30 * 60)


def test_a_session_in_use_never_lasts_longer_than_thirty_idle_minutes(signed_in):
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        signed_in.get("/invoices/")  # not written: it expires 30 min after the first page
    with time_machine.travel(start + timedelta(minutes=30, seconds=1), tick=False):
        response = signed_in.get("/invoices/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_changed_session_is_saved_at_once(signed_in):
    from myropo.sessions import SessionStore

    store = SessionStore(signed_in.session.session_key)
    store["note"] = "changed"
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert any(q["sql"].startswith("UPDATE") for q in queries)
    assert Session.objects.get(session_key=store.session_key).get_decoded()["note"] == "changed"
