"""Shared fixtures: personas as in STYLE.md (alice, bob, staff) and clean shared services."""

import pytest
import redis
from django.conf import settings

from invoices.models import InvoiceAccess
from tests.factories import PASSWORD, CreditorFactory, InvoiceFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the shared Redis: each test starts without any.

    Only this suite's key prefix is removed, never the whole database.
    """
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 at production strength costs ~0.5 s a login on this machine; tests log in a lot.

    tests/test_password_hashing.py checks that the real settings still hash with Argon2.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def letter_folder(settings, tmp_path, monkeypatch):
    """Rendered letters of each test go to its own folder (the real storage class, another
    place). The field resolved its storage when the model was defined, so it is pointed at the
    new one too."""
    from django.core.files.storage import storages

    from collection.models import Letter
    from invoices.models import CreditorSettings

    settings.STORAGES = {
        **settings.STORAGES,
        "letters": {
            "BACKEND": "myropo.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "letters"), "base_url": None},
        },
    }
    monkeypatch.setattr(Letter._meta.get_field("pdf"), "storage", storages["letters"])
    monkeypatch.setattr(
        CreditorSettings._meta.get_field("letterhead_logo"), "storage", storages["letters"]
    )
    return tmp_path / "letters"


@pytest.fixture(autouse=True)
def import_folder(settings, tmp_path, monkeypatch):
    """Creditors' uploaded files of each test go to its own folder (the real storage class,
    another place); the field resolved its storage when the model was defined."""
    from django.core.files.storage import storages

    from creditor.models import InvoiceUpload

    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "myropo.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "imports"), "base_url": None},
        },
    }
    monkeypatch.setattr(InvoiceUpload._meta.get_field("file"), "storage", storages["imports"])
    return tmp_path / "imports"


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on loopback, spoken to over real HTTP by django-storages and boto3, as
    a MinIO or AWS endpoint would be; one for the session."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings, monkeypatch):
    """`s3_storage(alias, bucket, field)`: the storage `alias` as FILE_STORAGE=s3 configures it
    (settings._s3, the private backend), in a new bucket of the fake server, and the model
    field that stores there pointed at it; returns a boto3 client. Buckets are emptied and
    removed afterwards."""
    import boto3
    from django.core.files.storage import storages

    from myropo import settings as project_settings

    credentials = {"region_name": "eu-north-1", "aws_access_key_id": "testing"}
    credentials["aws_secret_access_key"] = "testing"
    for name, value in {
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": credentials["region_name"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    buckets: list[str] = []

    def make(alias: str, bucket: str, field) -> object:
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
        )
        buckets.append(bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            alias: project_settings._s3(bucket, alias, "myropo.storage.PrivateS3Storage"),
        }
        monkeypatch.setattr(field, "storage", storages[alias])
        return client

    yield make
    for bucket in buckets:
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.test", first_name="Alice", last_name="Aaltonen")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.test", first_name="Bob", last_name="Bäckström")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture
def creditor(db):
    return CreditorFactory(name="Helsingin Energia Oy", business_id="2331972-7")


@pytest.fixture
def alice_invoice(alice, creditor):
    """An open invoice that alice has claimed (so she sees it and bob does not)."""
    invoice = InvoiceFactory(creditor=creditor, debtor_name="Alice Aaltonen")
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


@pytest.fixture
def alice_own_invoice(alice, creditor):
    """An open invoice addressed to alice's verified HETU: she is its debtor, with every right
    (a claim like `alice_invoice` gives view and pay only, issue 10 item 14)."""
    from tests.accounts.helpers import ALICE_HETU, verify_identity

    verify_identity(alice, ALICE_HETU)
    return InvoiceFactory(
        creditor=creditor,
        debtor_name="Alice Aaltonen",
        debtor_type="consumer",
        debtor_hetu=ALICE_HETU,
    )


def pytest_collection_modifyitems(config, items):
    """The scale-out test starts real processes (~30 s): only `-m scale` runs it."""
    if "scale" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="starts real processes; run with -m scale")
    for item in items:
        if item.get_closest_marker("scale"):
            item.add_marker(skip)
