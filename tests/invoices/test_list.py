"""The invoice list: ordering, filters, search, pagination, htmx fragment, empty states."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.models import Charge, ChargeKind, InvoiceAccess, Stage
from payments.models import Allocation, Payment
from tests.factories import CreditorFactory, InvoiceFactory

URL = reverse("invoices:list")
# The rows and the total show the payoff (interest through today), computed once for the
# page's rows and the list's overdue invoices: the overdue ones, then charges, allocations,
# credits and reference rates, whatever the number of rows.
PAYOFF_QUERIES = 5
TODAY = date.today()


def claimed(user, **fields):
    invoice = InvoiceFactory(**fields)
    InvoiceAccess.objects.create(invoice=invoice, user=user, method="myropo_id")
    return invoice


def numbers_in(response) -> list[str]:
    """Invoice numbers of the rows, in the order shown."""
    return [invoice.number for invoice in response.context["invoices"]]


@pytest.fixture
def other_creditor(db):
    return CreditorFactory(name="Vesilaitos Oy", business_id="0737546-2")


@pytest.fixture
def assortment(alice, creditor, other_creditor):
    """Alice's invoices in every state the filters know about."""
    return {
        "due_later": claimed(
            alice, creditor=creditor, number="A-1", due_date=TODAY + timedelta(days=20)
        ),
        "due_soon": claimed(
            alice, creditor=creditor, number="A-2", due_date=TODAY + timedelta(days=3)
        ),
        "overdue": claimed(
            alice,
            creditor=other_creditor,
            number="W-1",
            issue_date=TODAY - timedelta(days=40),
            due_date=TODAY - timedelta(days=10),
        ),
        "collection": claimed(
            alice,
            creditor=other_creditor,
            number="W-2",
            issue_date=TODAY - timedelta(days=90),
            due_date=TODAY - timedelta(days=60),
            stage=Stage.COLLECTION,
        ),
        "paid_old": claimed(
            alice,
            creditor=creditor,
            number="A-0",
            issue_date=TODAY - timedelta(days=200),
            due_date=TODAY - timedelta(days=180),
            stage=Stage.PAID,
        ),
        "paid_recent": claimed(
            alice,
            creditor=creditor,
            number="A-00",
            issue_date=TODAY - timedelta(days=30),
            due_date=TODAY - timedelta(days=16),
            stage=Stage.PAID,
        ),
    }


def test_list_is_the_home_page_after_login(alice_client):
    assert alice_client.get("/dashboard/")["Location"] == URL
    from django.conf import settings

    assert reverse(settings.LOGIN_REDIRECT_URL) == URL


def test_list_shows_open_invoices_by_due_date_then_closed_ones_newest_first(
    alice_client, assortment
):
    response = alice_client.get(URL)
    assert response.status_code == 200
    assert numbers_in(response) == ["W-2", "W-1", "A-2", "A-1", "A-00", "A-0"]
    html = response.content.decode()
    assert "<html" in html
    assert "Helsingin Energia Oy" in html
    assert reverse("invoices:detail", args=[assortment["due_soon"].pk]) in html


def test_list_row_shows_the_open_balance_with_charges_and_payments(alice_client, alice_invoice):
    Charge.objects.create(
        invoice=alice_invoice,
        kind=ChargeKind.REMINDER_FEE,
        amount=Decimal("5.00"),
        booked_on=TODAY,
        rule="consumer_reminder",
        idempotency_key="reminder-1",
    )
    payment = Payment.objects.create(
        source="bank", external_id="e1", amount=Decimal("30.00"), paid_on=TODAY
    )
    Allocation.objects.create(
        payment=payment, invoice=alice_invoice, component="principal", amount=Decimal("30.00")
    )
    response = alice_client.get(URL)
    [row] = response.context["invoices"]
    assert row.open_balance == Decimal("75.00")
    assert response.context["open_total"] == Decimal("75.00")
    assert "€75.00" in response.content.decode()


def test_total_counts_only_open_invoices(alice_client, assortment):
    response = alice_client.get(URL)
    # four open invoices of 100.00 each; the two paid ones do not count. The total is what
    # the rows ask, the overdue ones' interest through today included.
    open_rows = [row for row in response.context["invoices"] if not row.is_closed]
    assert sum(row.open_balance for row in open_rows) == Decimal("400.00")
    assert response.context["open_total"] == sum(row.amount_due for row in open_rows)


def test_overdue_invoice_is_highlighted(alice_client, assortment):
    html = alice_client.get(URL + "?state=overdue").content.decode()
    assert "is-overdue" in html
    assert "stage-overdue" in html


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", ["W-2", "W-1", "A-2", "A-1"]),
        ("overdue", ["W-2", "W-1"]),
        ("collection", ["W-2"]),
        ("paid", ["A-00", "A-0"]),
        ("all", ["W-2", "W-1", "A-2", "A-1", "A-00", "A-0"]),
    ],
)
def test_state_filter(alice_client, assortment, state, expected):
    response = alice_client.get(URL, {"state": state})
    assert numbers_in(response) == expected
    assert not response.context["ignored_filters"]


def test_total_follows_the_filters(alice_client, assortment):
    response = alice_client.get(URL, {"state": "overdue"})
    rows = response.context["invoices"]
    assert len(rows) == 2
    assert sum(row.open_balance for row in rows) == Decimal("200.00")  # booked, as before
    assert response.context["open_total"] == sum(row.amount_due for row in rows)


def test_creditor_filter(alice_client, assortment, other_creditor):
    response = alice_client.get(URL, {"creditor": other_creditor.pk})
    assert numbers_in(response) == ["W-2", "W-1"]


def test_due_date_range_filter(alice_client, assortment):
    response = alice_client.get(
        URL,
        {
            "date_from": (TODAY - timedelta(days=20)).isoformat(),
            "date_to": (TODAY + timedelta(days=5)).isoformat(),
        },
    )
    assert numbers_in(response) == ["W-1", "A-2", "A-00"]


def test_search_by_invoice_number(alice_client, assortment):
    assert numbers_in(alice_client.get(URL, {"q": "w-1"})) == ["W-1"]


def test_search_by_reference_ignores_spaces(alice_client, alice, creditor):
    wanted = claimed(alice, creditor=creditor, number="R-1", reference="1234561")
    claimed(alice, creditor=creditor, number="R-2", reference="1111113")
    response = alice_client.get(URL, {"q": "12 34561"})
    assert numbers_in(response) == [wanted.number]


def test_search_by_creditor_name(alice_client, assortment):
    response = alice_client.get(URL, {"q": "vesilaitos"})
    assert numbers_in(response) == ["W-2", "W-1"]


def test_search_by_myropo_id(alice_client, assortment):
    invoice = assortment["due_later"]
    response = alice_client.get(URL, {"q": invoice.myropo_id_display.lower()})
    assert numbers_in(response) == [invoice.number]


def test_filters_combine(alice_client, assortment, creditor):
    response = alice_client.get(URL, {"state": "paid", "creditor": creditor.pk, "q": "A-00"})
    assert numbers_in(response) == ["A-00"]


def test_twenty_six_invoices_make_two_pages_and_page_links_keep_filters(
    alice_client, alice, creditor
):
    for n in range(26):
        claimed(alice, creditor=creditor, number=f"P-{n:02}", due_date=TODAY + timedelta(days=n))
    first = alice_client.get(URL, {"state": "open", "creditor": creditor.pk})
    assert len(first.context["invoices"]) == 25
    assert first.context["page"].paginator.num_pages == 2
    html = first.content.decode()
    link = f'href="{URL}?state=open&amp;creditor={creditor.pk}&amp;page=2"'
    assert link in html

    second = alice_client.get(URL, {"state": "open", "creditor": creditor.pk, "page": 2})
    assert numbers_in(second) == ["P-25"]


def test_page_out_of_range_shows_the_last_page(alice_client, alice_invoice):
    response = alice_client.get(URL, {"page": "99"})
    assert response.status_code == 200
    assert numbers_in(response) == [alice_invoice.number]


def test_htmx_request_returns_only_the_results_fragment(alice_client, assortment):
    response = alice_client.get(URL, {"state": "paid"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    assert html.strip().startswith('<section id="invoice-results"')
    assert "A-00" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(alice_client, assortment):
    response = alice_client.get(
        URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_filter_form_works_without_javascript(alice_client, assortment):
    html = alice_client.get(URL).content.decode()
    form = re.search(r"<form[^>]*invoice-filters[^>]*>", html, re.S).group(0)
    assert 'method="get"' in form
    assert f'action="{URL}"' in form
    assert 'hx-get="' in form
    assert 'hx-target="#invoice-results"' in form
    assert 'hx-push-url="true"' in form


def test_empty_state_invites_to_find_an_invoice(alice_client):
    response = alice_client.get(URL)
    html = response.content.decode()
    assert "You have no invoices in MyRopo yet." in html
    assert reverse("invoices:claim") in html
    assert "No invoices match your filters." not in html


def test_no_match_has_its_own_empty_state(alice_client, assortment):
    html = alice_client.get(URL, {"q": "nothing-like-this"}).content.decode()
    assert "No invoices match your filters." in html
    assert "You have no invoices in MyRopo yet." not in html


@pytest.mark.parametrize(
    ("params", "ignored"),
    [
        ({"date_from": "2026-13-45"}, "Due from"),
        ({"date_to": "yesterday"}, "Due until"),
        ({"state": "drafts"}, "Show"),
        ({"creditor": "abc"}, "Creditor"),
        ({"creditor": "999999"}, "Creditor"),
        # An end before the start is ignored; the start alone still drops the 180-day-old one.
        (
            {
                "date_from": (TODAY - timedelta(days=100)).isoformat(),
                "date_to": (TODAY - timedelta(days=120)).isoformat(),
            },
            "Due until",
        ),
    ],
)
def test_bad_filter_values_are_ignored_with_a_notice(alice_client, assortment, params, ignored):
    response = alice_client.get(URL, params)
    assert response.status_code == 200
    assert ignored in response.context["ignored_filters"]
    assert "Some filters were not valid and were ignored" in response.content.decode()
    assert len(response.context["invoices"]) == 6 - ("date_from" in params and "date_to" in params)


def test_bad_value_does_not_drop_the_good_ones(alice_client, assortment):
    response = alice_client.get(URL, {"state": "paid", "date_from": "not-a-date"})
    assert numbers_in(response) == ["A-00", "A-0"]


def test_creditor_choices_come_from_visible_invoices_only(
    alice_client, bob, assortment, creditor, other_creditor
):
    hidden = CreditorFactory(name="Salainen Oy", business_id="1572860-0")
    claimed(bob, creditor=hidden)
    response = alice_client.get(URL)
    choices = [label for value, label in response.context["form"].fields["creditor"].choices]
    assert "Salainen Oy" not in response.content.decode()
    assert set(choices) == {"All creditors", creditor.name, other_creditor.name}


def test_filtering_by_an_invisible_creditor_is_ignored(alice_client, bob, assortment):
    hidden = CreditorFactory(name="Salainen Oy", business_id="1572860-0")
    claimed(bob, creditor=hidden)
    response = alice_client.get(URL, {"creditor": hidden.pk})
    assert "Creditor" in response.context["ignored_filters"]
    assert len(response.context["invoices"]) == 6


@pytest.mark.parametrize("count", [1, 30])
def test_list_needs_the_same_queries_whatever_the_page_size(
    alice_client, alice, creditor, other_creditor, django_assert_max_num_queries, count
):
    for n in range(count):
        invoice = claimed(
            alice,
            creditor=creditor if n % 2 else other_creditor,
            due_date=TODAY + timedelta(days=n - 5),
            stage=Stage.PAID if n % 7 == 0 else Stage.OPEN,
        )
        Charge.objects.create(
            invoice=invoice,
            kind=ChargeKind.REMINDER_FEE,
            amount=Decimal("5.00"),
            booked_on=TODAY,
            rule="consumer_reminder",
            idempotency_key="r1",
        )
    # The first list of a session also decides where the user lands (issue 12, item 11): one
    # query for the user's own invoices and the session's write, once.
    with django_assert_max_num_queries(10 + PAYOFF_QUERIES):
        alice_client.get(URL)
    for params in ({}, {"state": "open", "q": "Oy", "creditor": creditor.pk}):
        with django_assert_max_num_queries(8 + PAYOFF_QUERIES):
            response = alice_client.get(URL, params)
        assert response.status_code == 200
    with django_assert_max_num_queries(8 + PAYOFF_QUERIES):
        alice_client.get(URL, {"state": "open"}, headers={"HX-Request": "true"})


def test_every_page_shows_the_same_total_overdue_invoices_on_other_pages_included(
    alice_client, alice, creditor
):
    from collection.models import ReferenceRate

    for n in range(30):
        claimed(
            alice,
            creditor=creditor,
            issue_date=TODAY - timedelta(days=90),
            due_date=TODAY + timedelta(days=n - 40),
        )
    ReferenceRate.objects.all().delete()
    ReferenceRate.objects.create(
        start=date(TODAY.year - 2, 1, 1), end=date(TODAY.year + 1, 12, 31), rate=Decimal("2.5")
    )
    first = alice_client.get(URL)
    second = alice_client.get(URL, {"page": 2})
    assert first.context["open_total"] == second.context["open_total"]
    assert first.context["open_total"] > Decimal("3000.00")  # interest on the overdue ones
    # the second page's rows show their payoffs, not their booked balances
    rows = second.context["invoices"]
    assert rows and all(row.amount_due > row.open_balance for row in rows)


def test_post_is_not_allowed(alice_client):
    assert alice_client.post(URL).status_code == 405


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_each_row_shows_what_the_invoice_page_asks_interest_through_today_included(
    alice_client, assortment
):
    from collection.models import ReferenceRate

    ReferenceRate.objects.all().delete()
    for year in range(TODAY.year - 2, TODAY.year + 2):
        ReferenceRate.objects.create(
            start=date(year, 1, 1), end=date(year, 12, 31), rate=Decimal("2.5")
        )
    response = alice_client.get(URL)
    rows = {invoice.number: invoice for invoice in response.context["invoices"]}
    shown = {}
    for key in ("overdue", "collection", "due_soon", "paid_recent"):
        invoice = assortment[key]
        page = alice_client.get(reverse("invoices:detail", args=[invoice.pk]))
        payoff = page.context["payoff"]
        expected = payoff.total if page.context["payable"] else page.context["invoice"].open_balance
        assert rows[invoice.number].amount_due == expected
        shown[key] = payoff
    assert shown["overdue"].interest_accrued > 0  # the figure differs from the booked balance
    assert rows["W-1"].amount_due > rows["W-1"].open_balance
    open_ones = [i for i in assortment.values() if i.stage not in (Stage.PAID,)]
    assert response.context["open_total"] == sum(rows[i.number].amount_due for i in open_ones)
