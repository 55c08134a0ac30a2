"""Attachments: the type from the content, images rebuilt without metadata, PDFs opened."""

import io

import pytest
from PIL import Image

from messaging.attachments import MAX_BYTES, AttachmentError, clean_upload
from tests.messaging.conftest import jpeg_bytes_with_exif, pdf_bytes, png_bytes


def test_a_pdf_is_kept_as_it_is():
    data = pdf_bytes()
    clean = clean_upload(name="kuitti.pdf", data=data)
    assert (clean.name, clean.content_type, clean.data) == ("kuitti.pdf", "application/pdf", data)


def test_the_type_comes_from_the_content_not_the_name():
    clean = clean_upload(name="receipt.pdf", data=png_bytes())
    assert (clean.content_type, clean.name) == ("image/png", "receipt.png")


def test_a_png_loses_its_text_chunks():
    data = png_bytes(text_chunk=True)
    assert b"131052-308T" in data
    clean = clean_upload(name="shot.png", data=data)
    assert b"131052-308T" not in clean.data
    assert Image.open(io.BytesIO(clean.data)).size == (4, 3)


def test_a_jpeg_loses_its_exif_and_location():
    data = jpeg_bytes_with_exif()
    assert b"secret description" in data
    clean = clean_upload(name="photo.JPG", data=data)
    assert b"secret description" not in clean.data
    assert not Image.open(io.BytesIO(clean.data)).getexif()
    assert clean.name == "photo.jpg"


def test_a_polyglot_loses_what_was_appended_to_the_image():
    data = png_bytes() + b"<script>alert(1)</script>%PDF-1.4"
    clean = clean_upload(name="x.png", data=data)
    assert b"<script>" not in clean.data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "is not a PDF, JPEG or PNG file"),
        ("run.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "is not a PDF, JPEG or PNG file"),
        ("notes.pdf", b"just some text", "is not a PDF, JPEG or PNG file"),
        ("locked.pdf", pdf_bytes(password="salainen"), "is password-protected"),
        ("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50, "could not be opened as a PDF"),
        ("broken.png", png_bytes()[:40], "could not be opened as an image"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name, data, message):
    with pytest.raises(AttachmentError, match=message):
        clean_upload(name=name, data=data)


def test_a_file_over_10_mb_is_refused():
    with pytest.raises(AttachmentError, match="larger than 10 MB"):
        clean_upload(name="big.pdf", data=b"%PDF-1.4" + b"0" * MAX_BYTES)


def test_a_name_with_a_path_and_odd_characters_is_made_safe():
    clean = clean_upload(name='..\\..\\etc/pass"wd<1>.pdf', data=pdf_bytes())
    assert clean.name == "passwd1.pdf"
