"""Invoice upload through the importer as a Celery task, with a report that stays on the page
(issue 15, item 4). The suite runs Celery tasks eagerly, on commit."""

import re
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from creditor.models import CreditorAuditAction, CreditorAuditEvent, InvoiceUpload, UploadState
from invoices.models import Invoice

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parents[1] / "invoices" / "fixtures"
URL = reverse("creditor:upload")


def upload(client, name, data=None):
    content = (FIXTURES / name).read_bytes() if data is None else data
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def report(client, upload_row) -> str:
    return client.get(reverse("creditor:upload_detail", args=[upload_row.pk])).content.decode()


def test_a_finvoice_file_is_imported_and_the_report_stays(admin_client, creditor):
    response = upload(admin_client, "finvoice_valid_single.xml")
    assert response.status_code == 302
    row = InvoiceUpload.objects.get()
    assert row.state == UploadState.DONE and row.progress == 100
    assert row.created_count == 1 and not row.file
    assert Invoice.objects.filter(creditor=creditor, number="10231").exists()
    assert "1 invoice created." in report(admin_client, row)
    assert CreditorAuditEvent.objects.filter(action=CreditorAuditAction.INVOICES_UPLOADED).exists()

    upload(admin_client, "finvoice_valid_single.xml")
    again = InvoiceUpload.objects.order_by("-pk").first()
    assert again.created_count == 0 and again.skipped == ["10231"]
    assert "10231" in report(admin_client, again)


def test_a_broken_file_imports_nothing_and_lists_each_problem_with_its_position(admin_client):
    upload(admin_client, "invoices_broken.csv")
    row = InvoiceUpload.objects.get()
    assert row.state == UploadState.FAILED
    assert not Invoice.objects.exists()
    html = report(admin_client, row)
    assert "Nothing was imported." in html
    assert row.problems and all(problem["position"] for problem in row.problems)
    assert row.problems[0]["position"] in html


def test_a_file_that_is_not_finvoice_or_csv_is_refused(admin_client):
    response = upload(admin_client, "invoice.pdf", b"%PDF-1.4")
    assert response.status_code == 400
    assert "Upload a Finvoice XML file (.xml) or a CSV file" in response.content.decode()
    assert not InvoiceUpload.objects.exists()


def test_a_viewer_may_not_upload(viewer_client):
    assert upload(viewer_client, "finvoice_valid_single.xml").status_code == 403
    assert not InvoiceUpload.objects.exists()


def test_another_creditors_upload_report_is_404(admin_client, other_client):
    upload(admin_client, "finvoice_valid_single.xml")
    row = InvoiceUpload.objects.get()
    url = reverse("creditor:upload_detail", args=[row.pk])
    assert other_client.get(url).status_code == 404


def test_an_import_that_breaks_on_our_side_fails_with_a_message_instead_of_hanging(
    admin_client, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("the parser fell over")

    monkeypatch.setattr("invoices.importing.service.invoices_import", broken)
    upload(admin_client, "finvoice_valid_single.xml")
    row = InvoiceUpload.objects.get()
    assert row.state == UploadState.FAILED and row.finished_at is not None
    assert not Invoice.objects.exists()
    html = report(admin_client, row)
    assert "error on our side" in html and "the parser fell over" not in html


def csv_file(count: int) -> bytes:
    from invoices.references import national_reference_from_base

    header = (
        "invoice_number;issue_date;due_date;reference;amount;debtor_type;debtor_name;"
        "debtor_hetu;debtor_ytunnus;debtor_street;debtor_postcode;debtor_city;debtor_email;"
        "language;description;vat_rate"
    )
    rows = [
        f"P-{n};2026-03-10;2026-03-24;{national_reference_from_base(str(5000 + n))};150,60;"
        f"company;Kahvila {n} Oy;;0737546-2;Hämeenkatu 15 A;33100;Tampere;;fi;Huolto;25,5"
        for n in range(count)
    ]
    return "\n".join([header, *rows]).encode()


PROGRESS = re.compile(r'<progress max="100" value="(\d+)">')


def test_a_large_upload_reports_its_progress_batch_by_batch_while_it_runs(
    admin_client, creditor, monkeypatch
):
    """The task runs for real (eagerly, after the upload's commit) in the request's thread,
    while this thread polls the report's htmx fragment as the page does."""
    from django.db import connection

    from creditor import tasks
    from invoices.importing import service

    monkeypatch.setattr(service, "BATCH_SIZE", 50)
    # Each batch waits a moment after it is told, so a poll on a loaded machine still sees it.
    told = tasks.progress_report

    def slowly(upload_id, *, done, total):
        told(upload_id, done=done, total=total)
        time.sleep(0.05)

    monkeypatch.setattr(tasks, "progress_report", slowly)
    finished = threading.Event()

    def post() -> None:
        try:
            upload(admin_client, "big.csv", csv_file(500))
        finally:
            connection.close()
            finished.set()

    poller = Client()
    poller.cookies = admin_client.cookies
    thread = threading.Thread(target=post)
    thread.start()
    seen: list[int] = []
    deadline = time.monotonic() + 60
    while not finished.is_set() and time.monotonic() < deadline:
        row = InvoiceUpload.objects.first()
        if row is not None:
            html = poller.get(
                reverse("creditor:upload_detail", args=[row.pk]), HTTP_HX_REQUEST="true"
            ).content.decode()
            seen += [int(value) for value in PROGRESS.findall(html)]
        time.sleep(0.01)
    thread.join(5)
    row = InvoiceUpload.objects.get()
    assert row.state == UploadState.DONE and row.created_count == 500
    assert row.progress == 100
    running = [value for value in seen if 10 < value < 100]
    assert len(set(running)) >= 3, seen
    assert seen == sorted(seen), seen
    assert Invoice.objects.filter(creditor=creditor).count() == 500


def test_the_file_waits_in_the_imports_storage_and_is_removed_once_imported(
    admin_client, creditor, import_folder, monkeypatch
):
    from creditor import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.import_upload, "delay", queued.append)
    content = (FIXTURES / "finvoice_valid_single.xml").read_bytes()
    upload(admin_client, "finvoice_valid_single.xml")
    row = InvoiceUpload.objects.get()

    # Named by us in the private folder, never by the uploader's file name; no URL.
    assert row.file.name.startswith(f"{row.created_at:%Y/%m}/{creditor.pk}-")
    assert row.file.name.endswith(".xml") and "finvoice" not in row.file.name
    assert (import_folder / row.file.name).read_bytes() == content
    assert row.filename == "finvoice_valid_single.xml" and row.size == len(content)

    assert tasks.import_upload(queued[0]) == UploadState.DONE
    row.refresh_from_db()
    assert not row.file and row.created_count == 1
    assert not any(path.is_file() for path in import_folder.rglob("*"))


def test_an_upload_whose_file_is_gone_fails_with_the_report_instead_of_hanging(
    admin_client, import_folder, monkeypatch
):
    from creditor import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.import_upload, "delay", queued.append)
    upload(admin_client, "finvoice_valid_single.xml")
    row = InvoiceUpload.objects.get()
    (import_folder / row.file.name).unlink()

    assert tasks.import_upload(queued[0]) == UploadState.FAILED
    assert not Invoice.objects.exists()


def test_with_s3_the_file_is_in_the_private_bucket_until_the_task_has_read_it(
    admin_client, creditor, s3_storage, monkeypatch
):
    from creditor import tasks

    bucket = "myropo-imports-test"
    client = s3_storage("imports", bucket, InvoiceUpload._meta.get_field("file"))
    queued: list[int] = []
    monkeypatch.setattr(tasks.import_upload, "delay", queued.append)
    content = (FIXTURES / "finvoice_valid_single.xml").read_bytes()
    upload(admin_client, "finvoice_valid_single.xml")
    row = InvoiceUpload.objects.get()

    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"imports/{row.file.name}"]
    assert client.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == content
    with pytest.raises(ValueError, match="no URL"):
        row.file.url  # noqa: B018

    assert tasks.import_upload(queued[0]) == UploadState.DONE
    assert Invoice.objects.filter(creditor=creditor, number="10231").exists()
    assert client.list_objects_v2(Bucket=bucket).get("Contents", []) == []


def test_an_upload_whose_import_died_is_ended_with_a_report_and_its_file_dropped(
    admin_client, client, creditor, import_folder, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from creditor import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.import_upload, "delay", queued.append)
    upload(admin_client, "finvoice_valid_single.xml")
    row = InvoiceUpload.objects.get()
    # The worker took it and died: the row says running, the import wrote nothing.
    InvoiceUpload.objects.filter(pk=row.pk).update(
        state=UploadState.RUNNING, progress=10, started_at=timezone.now()
    )
    assert tasks.import_upload(queued[0]) == "skipped"  # a redelivery: the run may be alive
    assert tasks.end_stale_uploads() == 0  # within the task's time limit: still running

    started = timezone.now() - timedelta(seconds=tasks.settings.CELERY_TASK_TIME_LIMIT + 301)
    InvoiceUpload.objects.filter(pk=row.pk).update(started_at=started)
    assert tasks.end_stale_uploads() == 1
    row.refresh_from_db()
    assert row.state == UploadState.FAILED and row.is_finished and row.progress == 100
    assert row.problems[0]["message"] == tasks.UNEXPECTED_FAILURE
    assert not row.file and not any(path.is_file() for path in import_folder.rglob("*"))
    assert "error on our side" in report(admin_client, row)
    assert tasks.end_stale_uploads() == 0 and not Invoice.objects.exists()


def test_the_bar_does_not_fall_back_when_the_progress_cache_entry_is_gone(creditor, creditor_admin):
    from django.core.cache import cache

    from creditor.selectors import upload_progress
    from creditor.tasks import progress_report

    row = InvoiceUpload.objects.create(
        creditor=creditor,
        uploaded_by=creditor_admin,
        filename="big.csv",
        size=1,
        state=UploadState.RUNNING,
        progress=10,
    )
    progress_report(row.pk, done=600, total=1000)
    seen = [upload_progress(row).percent]
    cache.delete(InvoiceUpload.progress_cache_key(row.pk))  # expired, or Redis away
    row.refresh_from_db()
    seen.append(upload_progress(row).percent)
    assert seen == [61, 61]
