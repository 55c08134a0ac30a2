"""The customer inbox and the staff queue need the same few queries however many rows they
show (no query per contact)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.context import Acting
from messaging.models import Classification
from messaging.services import Owner, contact_create, staff_reply


def _contacts(user, staff, n):
    for i in range(n):
        contact = contact_create(
            owner=Owner(Acting(user), user=user),
            classification=Classification.OTHER if i % 2 else Classification.DUE_DATE,
            body=f"Kysymys {i}",
            channel="phone",  # not rate-limited like portal messages
        )
        if i % 3 == 0:
            staff_reply(contact=contact, staff=staff, body="Vastaus")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def admin_client(client, staff, monkeypatch):
    monkeypatch.setattr(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )
    client.force_login(staff)
    return client


def test_the_inbox_query_count_stays_constant(
    alice, staff, alice_client, django_assert_max_num_queries
):
    _contacts(alice, staff, 2)
    few = _count(alice_client, "/messages/")
    _contacts(alice, staff, 20)
    with django_assert_max_num_queries(few):
        alice_client.get("/messages/")
    assert few <= 15


def test_the_staff_queue_query_count_stays_constant(
    alice, bob, staff, admin_client, django_assert_max_num_queries
):
    _contacts(alice, staff, 2)
    url = "/admin/messaging/contact/?state__exact=new"
    few = _count(admin_client, url)
    _contacts(alice, staff, 15)
    _contacts(bob, staff, 15)
    with django_assert_max_num_queries(few):
        admin_client.get(url)
    with django_assert_max_num_queries(few):
        admin_client.get("/admin/messaging/contact/")
    assert few <= 6
