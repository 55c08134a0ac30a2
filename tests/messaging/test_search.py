"""Staff full-text search reads one vector per contact (ContactSearch), which database
triggers keep equal to the contact's messages however they are written, edited or deleted."""

from django.db import connection

from accounts.context import Acting
from messaging.admin import message_search_query
from messaging.models import Classification, Contact, ContactSearch, Message
from messaging.retention import apply_retention
from messaging.services import Owner, contact_create, contact_resolve, staff_reply


def _contact(user, body):
    return contact_create(
        owner=Owner(Acting(user), user=user),
        classification=Classification.OTHER,
        body=body,
        channel="phone",  # not rate-limited like portal messages
    )


def found(text: str) -> set[int]:
    return set(
        ContactSearch.objects.filter(vector=message_search_query(text)).values_list(
            "contact_id", flat=True
        )
    )


def test_every_message_of_the_contact_is_searchable_in_its_language(alice, staff):
    contact = _contact(alice, "Maksoin laskun eilen")
    staff_reply(contact=contact, staff=staff, body="Thank you, we found the payment")
    staff_reply(contact=contact, staff=staff, body="Soita velkojalle", internal=True)
    other = _contact(alice, "Jag har betalat fakturorna")
    assert found("laskuja") == {contact.pk}  # Finnish stem
    assert found("payments") == {contact.pk}  # English stem
    assert found("velkojalle") == {contact.pk}  # staff search internal notes too
    assert found("fakturan") == {other.pk}  # Swedish stem
    # Words of two messages match together: the contact is about both.
    assert found("laskun payment") == {contact.pk}


def test_a_quoted_phrase_matches_only_words_in_that_order(alice):
    contact = _contact(alice, "Lasku virheellinen, palvelu tilaamaton")
    assert found('"lasku virheellinen"') == {contact.pk}
    assert found('"virheellinen lasku"') == set()
    assert found("virheellinen lasku") == {contact.pk}


def test_an_edited_message_is_searched_by_its_new_words(alice):
    contact = _contact(alice, "Vanha sanamuoto")
    Message.objects.filter(contact=contact).update(body="Uusi muotoilu")
    assert found("sanamuoto") == set()
    assert found("muotoilu") == {contact.pk}


def test_a_deleted_message_takes_its_words_with_it(alice, staff):
    contact = _contact(alice, "Ensimmäinen viesti")
    reply = staff_reply(contact=contact, staff=staff, body="Poistettava vastaus")
    assert found("poistettava") == {contact.pk}
    Message.objects.filter(pk=reply.pk).delete()
    assert found("poistettava") == set()
    assert found("ensimmäinen") == {contact.pk}


def test_deleting_a_contact_deletes_its_search_row(alice):
    contact = _contact(alice, "Poistuva yhteydenotto")
    Contact.objects.filter(pk=contact.pk).delete()
    assert not ContactSearch.objects.filter(contact_id=contact.pk).exists()


def test_retention_removes_the_words_of_the_deleted_messages(alice, staff, settings):
    settings.MESSAGING_RETENTION_DAYS = 0
    contact = _contact(alice, "Henkilötunnukseni on tässä")
    contact_resolve(contact=contact, staff=staff, outcome="answered")
    assert found("henkilötunnukseni") == {contact.pk}
    apply_retention()
    assert found("henkilötunnukseni") == set()


def test_a_thread_too_long_for_positions_keeps_its_newest_words(alice):
    contact = _contact(alice, "Alkuperäinen kysymys")
    filler = "sana " * 999  # 4,995 characters, under the message limit
    Message.objects.bulk_create(
        Message(contact=contact, author_kind="customer", body=f"{filler} viesti{n}", actor=alice)
        for n in range(30)
    )
    # 150,000 characters: no positions, only the newest 100,000 characters (20 messages).
    assert found("viesti29") == {contact.pk}
    assert found("viesti20") == {contact.pk}
    assert found("viesti5") == set()
    assert found("alkuperäinen") == set()
    assert found('"sana viesti29"') == set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(vector) FROM messaging_contactsearch WHERE contact_id = %s",
            [contact.pk],
        )
        (size,) = cursor.fetchone()
    assert size < 1_000_000


def test_messages_copied_in_one_statement_refresh_each_contact_once(alice):
    first, second = _contact(alice, "Eka"), _contact(alice, "Toka")
    Message.objects.bulk_create(
        Message(contact=contact, author_kind="staff", body=f"Erävastaus {n}", actor=alice)
        for n in range(50)
        for contact in (first, second)
    )
    assert found("erävastaus") == {first.pk, second.pk}
    assert ContactSearch.objects.filter(contact_id__in=[first.pk, second.pk]).count() == 2
