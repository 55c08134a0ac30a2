"""FILE_STORAGE=s3: attachments live in an S3 bucket and come back only through the view that
checks access (issue 16 item 7). The bucket is moto's S3 server on loopback, spoken to over
real HTTP by django-storages and boto3, as a MinIO or AWS endpoint would be.
"""

import pytest
from django.core.files.storage import storages
from django.test import Client

from accounts.context import Acting
from messaging.attachments import clean_upload
from messaging.models import Attachment, Classification
from messaging.services import Owner, contact_create
from tests.messaging.conftest import pdf_bytes

BUCKET = "myropo-private"


@pytest.fixture
def s3_attachments(s3_storage, attachment_store):
    return s3_storage("attachments", BUCKET, Attachment._meta.get_field("file"))


def test_an_uploaded_attachment_is_stored_in_the_bucket_and_downloaded_through_the_view(
    s3_attachments, attachment_store, alice, alice_invoice, alice_client, bob
):
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.OTHER,
        body="Kuitti liitteenä.",
        invoices=[alice_invoice],
        files=[clean_upload(name="kuitti.pdf", data=pdf_bytes())],
    )
    attachment = contact.messages.get().attachments.get()

    keys = [o["Key"] for o in s3_attachments.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"attachments/{attachment.file.name}"]
    assert not attachment_store.exists() or not any(attachment_store.rglob("*.pdf"))
    stored = s3_attachments.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert stored == pdf_bytes()

    url = f"/messages/files/{attachment.pk}/{attachment.token}/"
    response = alice_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    outsider = Client()
    outsider.force_login(bob)
    assert outsider.get(url).status_code == 404


def test_a_private_bucket_hands_out_no_links(s3_attachments):
    with pytest.raises(ValueError, match="no URL"):
        storages["attachments"].url("attachments/anything.pdf")
