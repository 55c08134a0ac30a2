"""Fixtures of the message-centre tests: a private attachment store per test, real files."""

import io

import pytest
from django.core.files.storage import storages
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter

from accounts.context import Acting
from messaging.models import Attachment
from messaging.services import Owner


@pytest.fixture(autouse=True)
def attachment_store(settings, tmp_path, monkeypatch):
    """Attachments of each test go to its own folder (the real storage class, another place).

    The field resolved its storage when the model was defined, so it is pointed at the new
    one too.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "myropo.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments"), "base_url": None},
        },
    }
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", storages["attachments"])
    return tmp_path / "attachments"


def pdf_bytes(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(*, size=(4, 3), text_chunk: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 10, 10))
    out = io.BytesIO()
    if text_chunk:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Author", "Alice Aaltonen, 131052-308T")
        image.save(out, format="PNG", pnginfo=info)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes_with_exif() -> bytes:
    image = Image.new("RGB", (8, 8), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x8825] = {2: (60.0, 10.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _english():
    """Services called outside a request speak the default language (Finnish); tests read
    English unless they say otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture
def alice_owner(alice) -> Owner:
    return Owner(Acting(alice), user=alice)
