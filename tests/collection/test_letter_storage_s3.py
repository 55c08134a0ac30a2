"""FILE_STORAGE=s3: rendered letters live in the private bucket under letters/ and come back
only through the view that checks access (issue 16 item 7); moto's S3 server on loopback."""

import pytest
from django.test import Client
from django.urls import reverse

from collection.letters import letter_store
from collection.models import Letter

pytestmark = pytest.mark.django_db

BUCKET = "myropo-letters-test"
PDF = b"%PDF-1.4 a letter in the bucket"


@pytest.fixture
def s3_letters(s3_storage, letter_folder):
    return s3_storage("letters", BUCKET, Letter._meta.get_field("pdf"))


def test_a_stored_letter_is_in_the_bucket_and_served_only_to_those_who_see_the_invoice(
    s3_letters, letter_folder, alice_invoice, alice_client, bob
):
    letter = Letter.objects.create(
        invoice=alice_invoice,
        step="reminder_1",
        language="fi",
        letter_date=alice_invoice.due_date,
        due_date=alice_invoice.due_date,
    )
    assert letter_store(letter, PDF)
    letter.refresh_from_db()

    keys = [o["Key"] for o in s3_letters.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"letters/{letter.pdf.name}"]
    assert s3_letters.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == PDF
    assert not letter_folder.exists()
    with pytest.raises(ValueError, match="no URL"):
        letter.pdf.url  # noqa: B018

    url = reverse("letters:pdf", args=[letter.pk])
    response = alice_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    outsider = Client()
    outsider.force_login(bob)
    assert outsider.get(url).status_code == 404


def test_two_renders_of_one_letter_at_once_leave_the_winners_file(
    s3_letters, alice_invoice, monkeypatch
):
    """Both workers found the row without a PDF and rendered; the bucket's free-name check is
    no lock (both may take one name), so each render writes a key of its own, and the loser
    removes only its own."""
    letter = Letter.objects.create(
        invoice=alice_invoice,
        step="reminder_1",
        language="fi",
        letter_date=alice_invoice.due_date,
        due_date=alice_invoice.due_date,
    )
    storage = Letter._meta.get_field("pdf").storage
    monkeypatch.setattr(storage, "get_available_name", lambda name, max_length=None: name)
    late = Letter.objects.get(pk=letter.pk)  # read before the winner stored its file
    assert letter_store(letter, PDF)
    assert not letter_store(late, b"%PDF-1.4 the loser's render")

    letter.refresh_from_db()
    keys = [o["Key"] for o in s3_letters.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"letters/{letter.pdf.name}"]
    assert s3_letters.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == PDF
