"""The service KPIs on a fixture whose answers are worked out by hand (see each figure)."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from messaging import kpis
from messaging.models import AuthorKind, Contact, Feedback, Message

H = ZoneInfo("Europe/Helsinki")


@pytest.fixture(autouse=True)
def _the_fixtures_day():
    """FCR counts contacts resolved at least 7 days before now: the hand-worked answers are
    those of 13.5.2026, whatever day the suite runs (MYROPO_TEST_NOW moves the suite's clock)."""
    with time_machine.travel(datetime(2026, 5, 13, 12, tzinfo=H), tick=False):
        yield


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=H)


def contact(
    created, channel, classification, *, answer_h=None, staff=(), resolved=None, reopened=None
):
    c = Contact.objects.create(
        channel=channel,
        classification=classification,
        created_at=created,
        last_message_at=created,
        first_response_at=created + timedelta(hours=answer_h) if answer_h is not None else None,
        state="resolved" if resolved else "open",
        resolved_at=resolved,
        first_resolved_at=resolved,
        outcome="answered" if resolved else "",
        first_reopened_at=reopened,
        reopen_count=1 if reopened else 0,
    )
    Message.objects.create(contact=c, author_kind=AuthorKind.CUSTOMER, body="?", created_at=created)
    for when in staff:
        Message.objects.create(contact=c, author_kind=AuthorKind.STAFF, body="!", created_at=when)
    return c


def feedback(c, nps, when):
    f = Feedback.objects.create(contact=c, csat=4, nps=nps)
    Feedback.objects.filter(pk=f.pk).update(created_at=when)


@pytest.fixture
def fixture(db):
    # C1 portal: answered in 2 h, one answer (an internal note does not count), resolved: FCR.
    c1 = contact(
        at(4, 1), "portal", "other", answer_h=2, staff=[at(4, 1, 12)], resolved=at(4, 1, 13)
    )
    Message.objects.create(
        contact=c1,
        author_kind=AuthorKind.STAFF,
        internal=True,
        body="note",
        created_at=at(4, 1, 11),
    )
    # C2 email: 10 h, two answers before resolving: not FCR.
    c2 = contact(
        at(4, 2),
        "email",
        "dispute",
        answer_h=10,
        staff=[at(4, 2, 20), at(4, 3, 9)],
        resolved=at(4, 3, 10),
    )
    # C3 email: 30 h, one answer, but reopened 3 days after resolving: not FCR.
    c3 = contact(
        at(4, 3),
        "email",
        "other",
        answer_h=30,
        staff=[at(4, 4, 16)],
        resolved=at(4, 5),
        reopened=at(4, 8),
    )
    # C4 email: 50 h, one answer, reopened 12 days later (outside the 7 days): FCR. The
    # answer after the reopen does not count against it.
    c4 = contact(
        at(4, 10),
        "email",
        "payment_report",
        answer_h=50,
        staff=[at(4, 12, 12), at(4, 26)],
        resolved=at(4, 13),
        reopened=at(4, 25),
    )
    # C5 phone: 1 h, resolved two days ago: too young to judge for FCR.
    c5 = contact(
        at(5, 11), "phone", "due_date", answer_h=1, staff=[at(5, 11, 11)], resolved=at(5, 11, 12)
    )
    # C6 portal: not answered yet.
    contact(at(5, 12), "portal", "other")
    # C7 email before the period: counts nowhere.
    c7 = contact(
        at(3, 15), "email", "other", answer_h=1, staff=[at(3, 15, 11)], resolved=at(3, 15, 12)
    )
    # NPS answers in the period: 10, 10, 9 (promoters), 7 (passive), 2 (detractor).
    for c, score in ((c1, 10), (c2, 10), (c3, 9), (c4, 7), (c5, 2)):
        feedback(c, score, at(5, 12))
    feedback(c7, 0, at(3, 16))  # outside the period


def test_the_kpis_are_the_hand_computed_ones(fixture, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        k = kpis.compute(date(2026, 4, 1), date(2026, 5, 13))
    # NPS: (3 promoters − 1 detractor) / 5 = 40.
    assert (k.nps, k.nps_answers) == (40, 5)
    # FCR: C1 and C4 of the judged C1–C4 (C5 is younger than 7 days).
    assert (k.fcr_first_contact, k.fcr_resolved, k.fcr) == (2, 4, Decimal("50.0"))
    # Answer rate: 5 of the 6 contacts of the period; portal share: C1 and C6, 2 of 6.
    assert (k.answered, k.contacts, k.answer_rate) == (5, 6, Decimal("83.3"))
    assert (k.portal, k.portal_share) == (2, Decimal("33.3"))
    # Email 10, 30, 50 h: median 30, p90 = 30 + 0.8 × 20 = 46 (linear interpolation).
    times = {
        row.channel: (row.answered, row.median_hours, row.p90_hours) for row in k.response_times
    }
    assert times == {
        "portal": (1, Decimal("2.0"), Decimal("2.0")),
        "email": (3, Decimal("30.0"), Decimal("46.0")),
        "phone": (1, Decimal("1.0"), Decimal("1.0")),
    }
    assert k.email_median_hours == Decimal("30.0")
    assert k.months == [date(2026, 4, 1), date(2026, 5, 1)]
    assert {value: counts for value, _label, counts in k.by_channel} == {
        "portal": [1, 1],
        "email": [3, 0],
        "phone": [0, 1],
    }
    assert {value: counts for value, _label, counts in k.by_classification} == {
        "other": [2, 1],
        "due_date": [0, 1],
        "payment_report": [1, 0],
        "dispute": [1, 0],
    }


def test_an_empty_period_has_no_figures_rather_than_zeros(db):
    k = kpis.compute(date(2026, 1, 1), date(2026, 1, 31))
    assert (k.nps, k.fcr, k.answer_rate, k.portal_share) == (None, None, None, None)


@pytest.fixture
def admin_client(client, staff, monkeypatch):
    monkeypatch.setattr(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )
    client.force_login(staff)
    return client


def test_the_admin_page_shows_figures_targets_charts_and_tables(fixture, admin_client):
    response = admin_client.get(
        "/admin/messaging/contact/kpis/?start=2026-04-01&end=2026-05-13",
        headers={"accept-language": "en"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>40</td><td>49</td>" in page  # NPS against the seed's 49
    assert "<td>50.0 %</td><td>80 %</td>" in page
    assert "<td>30.0 h</td><td>69 h</td>" in page
    assert "<td>83.3 %</td><td>78 %</td>" in page
    assert "<td>33.3 %</td><td>15 %</td>" in page
    # The vendored charting library, under the CSP nonce, and the data it draws.
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert "chart.umd.min" in page and f'nonce="{nonce}"' in page
    assert 'id="kpi-data"' in page and 'data-chart="byChannel"' in page
    assert 'id="table-by-channel"' in page and 'id="table-response-times"' in page
    assert (
        "/admin/messaging/contact/kpis/"
        in admin_client.get("/admin/messaging/contact/").content.decode()
    )


def test_the_csv_export_carries_the_same_figures(fixture, admin_client):
    response = admin_client.get(
        "/admin/messaging/contact/kpis/?start=2026-04-01&end=2026-05-13&format=csv"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["summary", "nps", "value", "40"] in rows
    assert ["summary", "fcr_percent", "target", "80"] in rows
    assert ["response_time", "email", "p90_hours", "46.0"] in rows
    assert ["contacts_by_channel", "2026-04", "email", "3"] in rows


def test_a_reversed_period_is_refused_with_a_message(db, admin_client):
    page = admin_client.get(
        "/admin/messaging/contact/kpis/?start=2026-05-01&end=2026-04-01",
        headers={"accept-language": "en"},
    ).content.decode()
    assert "The start of the period is after its end." in page


def test_the_first_resolution_and_reopen_are_kept_by_the_state_machine(db):
    c = Contact.objects.create(classification="other")
    c.move_to("resolved", now=at(5, 1))
    c.move_to("open", now=at(5, 3))
    c.move_to("resolved", now=at(5, 5))
    assert (c.first_resolved_at, c.first_reopened_at, c.resolved_at) == (
        at(5, 1),
        at(5, 3),
        at(5, 5),
    )
