"""FILE_STORAGE=s3: attachments live in an S3 bucket and come back only through the view that
checks access (issue 16 item 7). The bucket is moto's S3 server on loopback, spoken to over
real HTTP by django-storages and boto3, as a MinIO or AWS endpoint would be.
"""

import boto3
import pytest
from django.core.files.storage import storages
from django.test import Client

from accounts.context import Acting
from messaging.attachments import clean_upload
from messaging.models import Attachment, Classification
from messaging.services import Owner, contact_create
from myropo import settings as project_settings
from tests.messaging.conftest import pdf_bytes

moto_server = pytest.importorskip("moto.server")

BUCKET = "myropo-private"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_attachments(s3_endpoint, settings, monkeypatch, attachment_store):
    for name, value in {
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )
    # The same options FILE_STORAGE=s3 gives the attachments storage in settings.
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": project_settings._s3(
            BUCKET, "attachments", "myropo.storage.PrivateS3Storage"
        ),
    }
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", storages["attachments"])
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


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
