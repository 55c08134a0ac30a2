"""The "own template" reminder layout (issue 15, item 2): the creditor's logo, checked by its
bytes and stored through the storage API, and its letterhead text at the head of its payment
reminders and of the Preview; every letter keeps the legally required content."""

import base64
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from collection.letters import letter_pdf_bytes, letterhead_for
from collection.models import Letter
from creditor.letterhead import MAX_SIZE, LetterheadError, clean_letterhead_logo
from creditor.models import CreditorAuditEvent
from creditor.services import settings_objects
from invoices.models import CreditorSettings, DebtorType, ReminderLayout
from tests.creditor.test_settings import form_data
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("creditor:settings")
LETTERHEAD = reverse("creditor:settings_letterhead")
LOGO = reverse("creditor:settings_letterhead_logo")
PREVIEW = reverse("creditor:settings_preview")
SLOGAN = "Lämpöä Helsingille vuodesta 1909"


def image_bytes(size=(300, 90), format="PNG", color=(200, 30, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=format)
    return out.getvalue()


def upload(client, data: bytes, name="logo.png"):
    return client.post(LETTERHEAD, {"logo": SimpleUploadedFile(name, data)})


def pdf_of(response) -> PdfReader:
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def page_text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def images(reader: PdfReader) -> list[tuple[int, int]]:
    return [image.image.size for page in reader.pages for image in page.images]


# --- The image check -------------------------------------------------------------------------


def test_a_png_logo_is_rebuilt_without_what_was_appended_to_it():
    data = image_bytes() + b"<script>alert(1)</script>"
    cleaned = clean_letterhead_logo(data)
    assert b"<script>" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).size == (300, 90)


def test_a_jpeg_logo_is_stored_as_png_and_a_large_one_made_small():
    cleaned = clean_letterhead_logo(image_bytes((3000, 900), "JPEG"))
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "PNG"
    assert image.width <= MAX_SIZE[0] and image.height <= MAX_SIZE[1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Upload the logo as a PNG or JPEG image."),
        (image_bytes(format="GIF"), "Upload the logo as a PNG or JPEG image."),
        (image_bytes()[:60], "The file could not be opened as an image."),
        (image_bytes((8, 8)), "The logo is too small: at least 16 pixels a side."),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 2**20), "The logo is too large: at most 2 MB."),
    ],
)
def test_a_file_that_is_not_a_usable_logo_is_refused(data, message):
    with pytest.raises(LetterheadError) as refused, translation.override("en"):
        clean_letterhead_logo(data)
    assert refused.value.message == message


# --- Upload, audit, removal --------------------------------------------------------------------


def test_an_admin_uploads_a_logo_kept_in_the_letter_storage_and_audited(
    admin_client, creditor, letter_folder
):
    response = upload(admin_client, image_bytes(), "Energia logo.png")
    assert response.status_code == 302
    settings = CreditorSettings.objects.get(creditor=creditor)
    assert settings.letterhead_logo.name.startswith(f"letterheads/{creditor.pk}-")
    assert (letter_folder / settings.letterhead_logo.name).is_file()
    assert settings.letterhead_logo_name == "Energia logo.png"
    event = CreditorAuditEvent.objects.get()
    assert event.data["changes"] == {"letterhead_logo": ["", "Energia logo.png"]}
    html = admin_client.get(SETTINGS).content.decode()
    assert "Energia logo.png" in html and "Letterhead logo" in html
    shown = admin_client.get(LOGO)
    assert shown["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(shown.streaming_content))).size == (300, 90)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(admin_client, creditor):
    response = upload(admin_client, b"%PDF-1.4 not a logo", "logo.png")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Upload the logo as a PNG or JPEG image." in messages
    assert not CreditorSettings.objects.get(creditor=creditor).letterhead_logo
    assert not CreditorAuditEvent.objects.exists()


def test_replacing_and_removing_the_logo_deletes_the_old_file(
    admin_client, creditor, letter_folder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, image_bytes(), "first.png")
    first = CreditorSettings.objects.get(creditor=creditor).letterhead_logo.name
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, image_bytes(color=(0, 0, 0)), "second.png")
    second = CreditorSettings.objects.get(creditor=creditor).letterhead_logo.name
    assert not (letter_folder / first).exists() and (letter_folder / second).is_file()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(LETTERHEAD, {"remove": "1"})
    settings = CreditorSettings.objects.get(creditor=creditor)
    assert not settings.letterhead_logo and settings.letterhead_logo_name == ""
    assert not (letter_folder / second).exists()
    changes = [e.data["changes"]["letterhead_logo"] for e in CreditorAuditEvent.objects.all()]
    assert changes == [["second.png", ""], ["first.png", "second.png"], ["", "first.png"]]


def test_a_viewer_may_not_upload_and_another_creditor_never_sees_the_logo(
    admin_client, viewer_client, other_client, creditor
):
    assert upload(viewer_client, image_bytes()).status_code == 403
    assert not CreditorSettings.objects.get(creditor=creditor).letterhead_logo
    upload(admin_client, image_bytes())
    assert viewer_client.get(LOGO).status_code == 200
    # The logo view answers for the signed-in user's own creditor only.
    assert other_client.get(LOGO).status_code == 404


def test_the_upload_is_post_only(admin_client):
    assert admin_client.get(LETTERHEAD).status_code == 405


def test_the_own_layout_needs_a_logo_or_a_text(admin_client, creditor):
    before = list(CreditorSettings.objects.values())
    response = admin_client.post(SETTINGS, form_data(creditor, reminder_layout="own"))
    assert response.status_code == 400
    assert "Your own layout needs your logo or a letterhead text" in response.content.decode()
    assert list(CreditorSettings.objects.values()) == before
    response = admin_client.post(
        SETTINGS, form_data(creditor, reminder_layout="own", letterhead_text=SLOGAN)
    )
    assert response.status_code == 302
    changes = CreditorAuditEvent.objects.get().data["changes"]
    assert changes["letterhead_text"] == ["", SLOGAN]
    assert changes["reminder_layout"] == ["standard", "own"]


def test_the_logo_of_an_own_layout_without_text_cannot_be_removed(admin_client, creditor):
    upload(admin_client, image_bytes())
    assert (
        admin_client.post(SETTINGS, form_data(creditor, reminder_layout="own")).status_code == 302
    )
    before = list(CreditorSettings.objects.values())
    events = CreditorAuditEvent.objects.count()
    response = admin_client.post(LETTERHEAD, {"remove": "1"}, follow=True)
    assert "choose the standard layout before removing the logo" in response.content.decode()
    assert list(CreditorSettings.objects.values()) == before
    assert CreditorAuditEvent.objects.count() == events
    # The settings stay valid: an unrelated save goes through.
    response = admin_client.post(
        SETTINGS, form_data(creditor, reminder_layout="own", reminder_message="Hei")
    )
    assert response.status_code == 302


# --- The letter and its preview ----------------------------------------------------------------

# The sample reminder is in Finnish: the business ID, reference, pay-by date and amount.
LEGAL = ("Y-tunnus", "Viitenumero", "Maksettava viimeistään", "Maksettava summa", "120,00")


def test_the_preview_in_the_own_layout_carries_the_logo_and_text_and_all_legal_content(
    admin_client, creditor
):
    upload(admin_client, image_bytes((300, 90)))
    response = admin_client.post(
        PREVIEW, form_data(creditor, reminder_layout="own", letterhead_text=SLOGAN)
    )
    assert response.status_code == 200
    reader = pdf_of(response)
    assert (300, 90) in images(reader)
    text = page_text(reader)
    assert SLOGAN in text
    assert creditor.name in text and creditor.business_id in text
    for words in LEGAL:
        assert words in text
    # The preview saved nothing: the layout is still the standard one.
    assert CreditorSettings.objects.get(creditor=creditor).reminder_layout == "standard"


def test_the_preview_in_the_standard_layout_has_no_logo_nor_text(admin_client, creditor):
    upload(admin_client, image_bytes((300, 90)))
    response = admin_client.post(
        PREVIEW, form_data(creditor, reminder_layout="standard", letterhead_text=SLOGAN)
    )
    reader = pdf_of(response)
    assert (300, 90) not in images(reader)
    text = page_text(reader)
    assert SLOGAN not in text
    for words in LEGAL:
        assert words in text


def _letter(creditor, step: str) -> Letter:
    today = timezone.localdate()
    invoice = InvoiceFactory(
        creditor=creditor,
        debtor_type=DebtorType.CONSUMER,
        language="fi",
        principal=Decimal("80.00"),
        issue_date=today - timedelta(days=70),
        due_date=today - timedelta(days=40),
    )
    return Letter.objects.create(
        invoice=invoice,
        step=step,
        language="fi",
        letter_date=today,
        due_date=today + timedelta(days=14),
    )


def test_the_own_layout_is_on_reminders_not_on_the_agencys_collection_letters(
    admin_client, creditor
):
    upload(admin_client, image_bytes((300, 90)))
    settings, _rules = settings_objects(creditor)
    CreditorSettings.objects.filter(pk=settings.pk).update(
        reminder_layout=ReminderLayout.OWN, letterhead_text=SLOGAN
    )
    reminder = PdfReader(io.BytesIO(letter_pdf_bytes(_letter(creditor, "reminder_1"))))
    assert (300, 90) in images(reminder) and SLOGAN in page_text(reminder)
    assert "Y-tunnus" in page_text(reminder) and creditor.name in page_text(reminder)
    demand = PdfReader(io.BytesIO(letter_pdf_bytes(_letter(creditor, "demand_1"))))
    assert (300, 90) not in images(demand) and SLOGAN not in page_text(demand)


def test_a_failed_logo_read_is_not_remembered(admin_client, creditor, monkeypatch):
    upload(admin_client, image_bytes((300, 90)))
    CreditorSettings.objects.filter(creditor=creditor).update(reminder_layout=ReminderLayout.OWN)
    storage = CreditorSettings._meta.get_field("letterhead_logo").storage
    real_open, calls = storage.open, []

    def flaky_open(name, mode="rb"):
        calls.append(name)
        if len(calls) == 1:
            raise OSError("S3 timeout")
        return real_open(name, mode)

    monkeypatch.setattr(storage, "open", flaky_open)
    first = PdfReader(io.BytesIO(letter_pdf_bytes(_letter(creditor, "reminder_1"))))
    assert (300, 90) not in images(first)
    second = PdfReader(io.BytesIO(letter_pdf_bytes(_letter(creditor, "reminder_1"))))
    assert (300, 90) in images(second)


def test_a_letter_whose_settings_named_a_replaced_logo_carries_the_new_one(
    admin_client, creditor, django_capture_on_commit_callbacks
):
    upload(admin_client, image_bytes((300, 90)))
    CreditorSettings.objects.filter(creditor=creditor).update(reminder_layout=ReminderLayout.OWN)
    read_before = CreditorSettings.objects.get(creditor=creditor)  # a render read its settings
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, image_bytes((320, 80)))  # the old file is deleted on commit
    head = letterhead_for(_letter(creditor, "reminder_1"), read_before)
    assert head is not None and head.logo_src.startswith("data:image/png;base64,")
    new_logo = base64.b64decode(head.logo_src.split(",", 1)[1])
    assert Image.open(io.BytesIO(new_logo)).size == (320, 80)
