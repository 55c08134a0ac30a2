"""Staff work in the admin: the queue and its filters, replies and internal notes, canned
responses, assignment, resolution, dispute decisions and full-text search."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from accounts.context import Acting
from messaging.models import CannedResponse, Classification, Contact, ContactState, Message
from messaging.services import Owner, contact_create, staff_reply


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(autouse=True)
def _admin_without_second_factor(monkeypatch):
    """The admin's own MFA gate is tested in tests/accounts/test_mfa.py."""
    monkeypatch.setattr(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )


def make_contact(user, body="Laskussa on virhe", classification=Classification.OTHER, **kw):
    return contact_create(
        owner=Owner(Acting(user), user=user), classification=classification, body=body, **kw
    )


def test_staff_answer_from_the_contact_page(admin_client, alice, staff):
    contact = make_contact(alice)
    response = admin_client.post(
        f"/admin/messaging/contact/{contact.pk}/reply/", {"body": "Korjaamme laskun."}
    )
    assert response.status_code == 302
    answer = contact.messages.get(author_kind="staff")
    assert (answer.body, answer.internal, answer.actor) == ("Korjaamme laskun.", False, staff)


def test_an_internal_note_stays_internal(admin_client, alice):
    contact = make_contact(alice)
    admin_client.post(
        f"/admin/messaging/contact/{contact.pk}/reply/",
        {"body": "Soita velkojalle", "internal": "on"},
    )
    note = contact.messages.get(author_kind="staff")
    assert note.internal
    contact.refresh_from_db()
    assert contact.first_response_at is None


def test_a_canned_response_in_the_contacts_language_goes_before_the_text(admin_client, alice):
    contact = make_contact(alice)
    canned = CannedResponse.objects.create(
        title="Kiitos", language=contact.language, body="Kiitos viestistäsi."
    )
    admin_client.post(
        f"/admin/messaging/contact/{contact.pk}/reply/",
        {"canned": canned.pk, "body": "Lasku on maksettu."},
    )
    assert (
        contact.messages.get(author_kind="staff").body
        == "Kiitos viestistäsi.\n\nLasku on maksettu."
    )


def test_get_on_an_admin_action_is_refused(admin_client, alice):
    contact = make_contact(alice)
    assert admin_client.get(f"/admin/messaging/contact/{contact.pk}/reply/").status_code == 405


def test_assign_and_resolve_with_an_outcome(admin_client, alice, staff):
    contact = make_contact(alice)
    admin_client.post(f"/admin/messaging/contact/{contact.pk}/assign/", {"to": "me"})
    admin_client.post(
        f"/admin/messaging/contact/{contact.pk}/resolve/", {"outcome": "answered", "note": "ok"}
    )
    contact.refresh_from_db()
    assert (contact.assigned_to, contact.state, contact.outcome) == (
        staff,
        ContactState.RESOLVED,
        "answered",
    )


def test_the_contact_page_shows_the_thread_and_the_forms(admin_client, alice):
    contact = make_contact(alice, body="Näkyykö tämä")
    page = admin_client.get(f"/admin/messaging/contact/{contact.pk}/change/").content.decode()
    assert "Näkyykö tämä" in page and "Reply or write an internal note" in page


def test_the_queue_filters_by_state_sla_and_assignment(admin_client, alice, staff):
    late = make_contact(alice, body="Vanha")
    Contact.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
    answered = make_contact(alice, body="Vastattu")
    staff_reply(contact=answered, staff=staff, body="Vastaus")

    def listed(query):
        page = admin_client.get(f"/admin/messaging/contact/?{query}").content.decode()
        return {
            c.pk for c in (late, answered) if f"/admin/messaging/contact/{c.pk}/change/" in page
        }

    assert listed("sla=breached") == {late.pk}
    assert listed("assigned=mine") == {answered.pk}
    assert listed("assigned=none") == {late.pk}
    assert listed("state__exact=waiting") == {answered.pk}


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Maksoin laskun eilen verkkopankissa", "laskuja"),  # Finnish stem: lasku
        ("Jag har betalat fakturorna", "fakturan"),  # Swedish stem: faktur
        ("I paid the invoices yesterday", "invoice"),  # English stem
    ],
)
def test_full_text_search_finds_words_in_each_language(admin_client, alice, text, query):
    hit = make_contact(alice, body=text)
    miss = make_contact(alice, body="Täysin muu asia")
    page = admin_client.get(f"/admin/messaging/contact/?q={query}").content.decode()
    assert f"/admin/messaging/contact/{hit.pk}/change/" in page
    assert f"/admin/messaging/contact/{miss.pk}/change/" not in page


def test_the_queue_costs_a_fixed_number_of_queries(
    admin_client, alice, settings, django_assert_max_num_queries
):
    settings.MESSAGING_CONTACTS_PER_HOUR = 1000
    for n in range(40):
        make_contact(alice, body=f"Viesti {n}")
    # The session, the user, the second factor, the count, the rows, the creditor filter.
    with django_assert_max_num_queries(6):
        response = admin_client.get("/admin/messaging/contact/?state__exact=new")
    assert response.status_code == 200
    assert Message.objects.count() == 40


def _thread_with_files(contact, staff, messages: int) -> None:
    from messaging.attachments import clean_upload
    from tests.messaging.conftest import pdf_bytes

    for n in range(messages):
        staff_reply(
            contact=contact,
            staff=staff,
            body=f"Liite {n}",
            internal=n % 2 == 1,
            files=[clean_upload(name=f"liite{n}.pdf", data=pdf_bytes())],
        )


def test_the_contact_page_lists_its_attachments_in_a_fixed_number_of_queries(
    admin_client, alice, staff, django_assert_max_num_queries
):
    small, large = make_contact(alice), make_contact(alice)
    _thread_with_files(small, staff, 1)
    _thread_with_files(large, staff, 8)
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(f"/admin/messaging/contact/{small.pk}/change/").status_code == 200
    with django_assert_max_num_queries(len(queries)):
        page = admin_client.get(f"/admin/messaging/contact/{large.pk}/change/").content.decode()
    assert all(f"liite{n}.pdf" in page for n in range(8))
    # Only the internal notes' files are marked internal.
    assert page.count("· internal") == 4


def test_the_queue_rows_link_to_the_contact_keeping_the_filters(admin_client, alice):
    contact = make_contact(alice)
    page = admin_client.get("/admin/messaging/contact/?state__exact=new&o=2").content.decode()
    kept = urlencode({"_changelist_filters": "state__exact=new&o=2"})
    assert f'href="/admin/messaging/contact/{contact.pk}/change/?{escape(kept)}"' in page
    plain = admin_client.get("/admin/messaging/contact/").content.decode()
    assert f'href="/admin/messaging/contact/{contact.pk}/change/"' in plain


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("classification__exact=due_date", "due"),
        ("channel__exact=phone", "phone"),
        ("creditor__id__exact={creditor}", "creditor"),
    ],
)
def test_the_queue_filters_by_classification_channel_and_creditor(
    admin_client, alice, creditor, settings, query, expected
):
    settings.MESSAGING_CONTACTS_PER_HOUR = 1000
    contacts = {
        "due": make_contact(alice, classification=Classification.DUE_DATE),
        "phone": make_contact(alice, channel="phone"),
        "creditor": make_contact(alice),
    }
    Contact.objects.filter(pk=contacts["creditor"].pk).update(creditor=creditor)
    url = f"/admin/messaging/contact/?{query.format(creditor=creditor.pk)}"
    page = admin_client.get(url).content.decode()
    listed = {
        name for name, c in contacts.items() if f"/admin/messaging/contact/{c.pk}/change/" in page
    }
    assert listed == {expected}
    assert "1 contact" in page


@pytest.fixture
def two_a_page(monkeypatch, settings):
    from messaging.admin import ContactAdmin

    settings.MESSAGING_CONTACTS_PER_HOUR = 1000
    monkeypatch.setattr(ContactAdmin, "list_per_page", 2)


def _shown(page: str, contacts) -> list[int]:
    return [c.pk for c in contacts if f"/admin/messaging/contact/{c.pk}/change/" in page]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    return response.content.decode(), counts


def test_the_whole_queue_pages_without_counting_its_contacts(admin_client, alice, two_a_page):
    first, second, third = (make_contact(alice, body=f"Viesti {n}") for n in range(3))
    page, counts = _get(admin_client, "/admin/messaging/contact/")
    assert counts == []
    assert _shown(page, [first, second, third]) == [second.pk, third.pk]  # newest first
    assert "More than 2 contacts" in page and "?p=2" in page
    assert 'class="showall"' not in page
    page, counts = _get(admin_client, "/admin/messaging/contact/?p=2")
    assert _shown(page, [first, second, third]) == [first.pk]
    assert "3 contacts" in page
    # A filtered queue still says how many: the backlog is worth a count.
    page, counts = _get(admin_client, "/admin/messaging/contact/?state__exact=new")
    assert len(counts) == 1 and "3 contacts" in page
    # "Show all" asked for by hand loads no more than a page of an uncounted list.
    page, _counts = _get(admin_client, "/admin/messaging/contact/?all=")
    assert len(_shown(page, [first, second, third])) == 2


def test_a_common_word_is_searched_page_by_page_without_a_count(
    admin_client, alice, two_a_page, monkeypatch
):
    monkeypatch.setattr("messaging.admin.FEW_MATCHES", 2)
    hits = [make_contact(alice, body=f"Sain muistutuksen {n}") for n in range(3)]
    miss = make_contact(alice, body="Jotain muuta")
    page, counts = _get(admin_client, "/admin/messaging/contact/?q=muistutuksen")
    assert counts == []
    assert _shown(page, [*hits, miss]) == [hits[1].pk, hits[2].pk]
    assert "More than 2 contacts" in page
    page, counts = _get(admin_client, "/admin/messaging/contact/?q=muistutuksen&p=2")
    assert _shown(page, [*hits, miss]) == [hits[0].pk]


def test_a_rare_word_is_found_through_the_index_and_counted(admin_client, alice, two_a_page):
    hit = make_contact(alice, body="Terveisin Koskisalo")
    others = [make_contact(alice, body=f"Sain muistutuksen {n}") for n in range(3)]
    page, counts = _get(admin_client, "/admin/messaging/contact/?q=Koskisalo")
    assert _shown(page, [hit, *others]) == [hit.pk]
    assert len(counts) == 1 and "1 contact" in page
    page, _counts = _get(admin_client, "/admin/messaging/contact/?q=Koskisalo&state__exact=open")
    assert _shown(page, [hit]) == []


def test_the_queue_rows_are_those_django_renders(
    admin_client, alice, staff, creditor, monkeypatch, settings
):
    """The queue's own page (messaging.staff_queue) writes each row as Django's changelist
    does: the same cells, classes, texts, times and links."""
    import re

    from django.contrib.admin.templatetags.admin_list import results

    from accounts.models import Organisation, User

    settings.MESSAGING_CONTACTS_PER_HOUR = 1000
    plain = make_contact(alice, body="<b>Ei</b> vastattu")
    answered = make_contact(alice, classification=Classification.DUE_DATE, channel="phone")
    staff_reply(contact=answered, staff=staff, body="Vastaus")
    company = make_contact(alice, channel="email")
    nameless = User.objects.create(email="nimeton@example.test")
    Contact.objects.filter(pk=answered.pk).update(
        creditor=creditor, sla_due_at=timezone.now() + timedelta(hours=3)
    )
    Contact.objects.filter(pk=plain.pk).update(owner_user=None, email="x&y@example.test")
    Contact.objects.filter(pk=company.pk).update(
        owner_user=None,
        owner_organisation=Organisation.objects.create(name="Pieni & Oy", business_id="1234567-1"),
        assigned_to=nameless,
    )

    def tbody(url: str) -> str:
        page = admin_client.get(url).content.decode()
        rows = page[page.index("<tbody>") : page.index("</tbody>")]
        return re.sub(r">\s+<", "><", rows).strip()

    urls = ["/admin/messaging/contact/?state__exact=new", "/admin/messaging/contact/"]
    ours = [tbody(url) for url in urls]
    monkeypatch.setattr("messaging.admin.parse_queue", lambda params: None)
    monkeypatch.setattr("messaging.templatetags.contact_queue.rows", lambda cl: list(results(cl)))
    assert ours == [tbody(url) for url in urls]
    assert f"/admin/messaging/contact/{answered.pk}/change/" in ours[1]
    assert "x&amp;y@example.test" in ours[1] and "nowrap" in ours[1]
    assert "Pieni &amp; Oy (1234567-1)" in ours[1] and "nimeton@example.test" in ours[1]


def _template(response) -> str:
    return response.templates[0].name


def test_the_queue_is_its_own_small_page_and_sorting_goes_to_the_changelist(admin_client, alice):
    make_contact(alice)
    queue = "admin/messaging/contact/queue.html"
    for query in [
        "",
        "?state__exact=new&assigned=none&sla=due",
        "?q=virhe",
        "?channel__exact=phone",
    ]:
        assert _template(admin_client.get(f"/admin/messaging/contact/{query}")) == queue
    # A column to sort by, a value the filters do not offer, a page past the end: Django's.
    for query in ["?o=2", "?state__exact=bogus", "?creditor__id__exact=x", "?p=9", "?all="]:
        response = admin_client.get(f"/admin/messaging/contact/{query}")
        assert response.status_code in (200, 302)
        assert response.status_code == 302 or _template(response) != queue


def test_the_queue_filters_keep_the_search_and_the_search_keeps_the_filters(admin_client, alice):
    make_contact(alice, body="Laskussa on virhe")
    page = admin_client.get(
        "/admin/messaging/contact/?q=virhe&state__exact=new&assigned=none"
    ).content.decode()
    assert '<input type="hidden" name="q" value="virhe">' in page
    assert '<input type="hidden" name="state__exact" value="new">' in page
    assert '<input type="hidden" name="assigned" value="none">' in page
    assert '<option value="new" selected>' in page
    assert 'href="?state__exact=new&amp;assigned=none&amp;q=virhe&amp;o=2"' in page


def test_the_queue_needs_staff_with_the_second_factor(client, staff, alice, monkeypatch):
    from myropo.admin_site import MyRopoAdminSite, staff_verified

    monkeypatch.setattr(
        MyRopoAdminSite, "has_permission", lambda self, request: staff_verified(request)
    )
    make_contact(alice)
    client.force_login(staff)  # a password only: no second factor in this session
    response = client.get("/admin/messaging/contact/?state__exact=new")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_assign_a_contact_to_a_colleague_and_back(admin_client, alice, staff):
    from tests.factories import UserFactory

    colleague = UserFactory(is_staff=True, first_name="Kaisa", last_name="Kollega")
    customer = UserFactory()
    contact = make_contact(alice)
    url = f"/admin/messaging/contact/{contact.pk}/"
    page = admin_client.get(f"{url}change/").content.decode()
    assert "Kaisa Kollega" in page and customer.email not in page
    admin_client.post(f"{url}assign/", {"to": "colleague", "colleague": colleague.pk})
    contact.refresh_from_db()
    assert contact.assigned_to == colleague
    # A customer is no colleague: refused, the assignment stays.
    admin_client.post(f"{url}assign/", {"to": "colleague", "colleague": customer.pk})
    contact.refresh_from_db()
    assert contact.assigned_to == colleague
    admin_client.post(f"{url}assign/", {"to": "me", "colleague": colleague.pk})
    contact.refresh_from_db()
    assert contact.assigned_to == staff


def test_staff_reopen_within_the_window_and_not_after(admin_client, alice, staff):
    import time_machine

    from messaging.services import contact_resolve

    contact = make_contact(alice)
    contact_resolve(contact=contact, staff=staff, outcome="answered")
    url = f"/admin/messaging/contact/{contact.pk}/"
    assert "Reopen" in admin_client.get(f"{url}change/").content.decode()
    admin_client.post(f"{url}reopen/")
    contact.refresh_from_db()
    assert contact.state == ContactState.OPEN and contact.reopen_count == 1

    contact_resolve(contact=contact, staff=staff, outcome="answered")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        admin_client.post(f"{url}reopen/")
    contact.refresh_from_db()
    assert contact.state == ContactState.RESOLVED


def test_a_forbidden_move_is_refused_and_changes_nothing(alice, staff):
    from messaging.models import IllegalTransition
    from messaging.services import contact_resolve

    contact = make_contact(alice)
    contact_resolve(contact=contact, staff=staff, outcome="answered")
    contact.refresh_from_db()
    with pytest.raises(IllegalTransition):
        contact.move_to(ContactState.WAITING)
    assert contact.state == ContactState.RESOLVED


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_queues_dates_read_as_djangos_dateformat_writes_them(language):
    from datetime import datetime

    from django.utils import dateformat, translation
    from django.utils.formats import get_format

    from messaging.staff_queue import moment_formatter

    zone = timezone.get_current_timezone()
    with translation.override(language):
        pattern = get_format("DATETIME_FORMAT")
        formatted = moment_formatter(pattern)
        for month in range(1, 13):
            for day, hour, minute in ((1, 0, 0), (9, 7, 5), (28, 23, 59)):
                moment = datetime(2026, month, day, hour, minute, tzinfo=zone)
                assert formatted(moment) == dateformat.format(moment, pattern)
    # A letter it does not know goes to dateformat itself.
    moment = datetime(2026, 3, 9, 7, 5, tzinfo=zone)
    assert moment_formatter("D j.n.Y")(moment) == dateformat.format(moment, "D j.n.Y")
