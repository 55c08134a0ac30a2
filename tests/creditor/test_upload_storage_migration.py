"""creditor 0004: uploads waiting for their import keep their files, both ways (issue 16).

Forwards the bytes of the old column are written to the `imports` storage; backwards they are
read back into the column. The test database is migrated back and forth for real.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import CreditorFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("creditor", "0003_audit_invitation_cancelled")
AFTER = ("creditor", "0004_upload_file_in_storage")
CSV = b"number;reference\n1;1232\n"


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture
def old_uploads():
    """Two uploads as the old schema held them: one queued (bytes in the row), one imported."""
    creditor = CreditorFactory()
    apps = migrate(BEFORE)
    OldUpload = apps.get_model("creditor", "InvoiceUpload")
    fields = {"creditor_id": creditor.pk, "size": len(CSV)}
    queued = OldUpload.objects.create(filename="laskut.csv", data=CSV, **fields)
    done = OldUpload.objects.create(filename="vanhat.xml", data=b"", state="done", **fields)
    yield creditor, queued.pk, done.pk
    call_command("migrate", "creditor", verbosity=0)


def test_forwards_the_bytes_move_to_the_imports_storage(old_uploads, import_folder):
    creditor, queued, done = old_uploads
    # The model as 0004 left it (later migrations add columns the current model reads).
    uploads = migrate(AFTER).get_model("creditor", "InvoiceUpload").objects
    upload = uploads.get(pk=queued)
    assert upload.file.name.startswith(f"{upload.created_at:%Y/%m}/{creditor.pk}-")
    assert upload.file.name.endswith(".csv")
    assert (import_folder / upload.file.name).read_bytes() == CSV
    with upload.file.open("rb") as file:
        assert file.read() == CSV
    assert not uploads.get(pk=done).file


def test_backwards_the_bytes_come_back_into_the_column(old_uploads):
    _, queued, done = old_uploads
    migrate(AFTER)
    apps = migrate(BEFORE)
    OldUpload = apps.get_model("creditor", "InvoiceUpload")
    assert bytes(OldUpload.objects.get(pk=queued).data) == CSV
    assert bytes(OldUpload.objects.get(pk=done).data) == b""
