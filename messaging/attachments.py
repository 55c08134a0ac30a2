"""Checking and cleaning uploaded files before anything is stored.

The type is decided from the bytes (`filetype` reads the magic numbers), never from the file
name or the browser's Content-Type. What is kept is rebuilt by a real parser: images are
decoded and encoded again by Pillow (so metadata and anything appended to or hidden in the
file — a "polyglot" — is gone), and PDFs must open in pypdf, unencrypted.
"""

import io
import warnings
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 40_000_000  # a 10 MB PNG can still unpack to gigabytes: refuse before decoding
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class AttachmentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanFile:
    name: str
    content_type: str
    data: bytes


def _display_name(name: str, extension: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '"<>:|?*')[:100].strip()
    return f"{stem or 'attachment'}.{extension}"


def _clean_image(data: bytes, content_type: str, name: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise AttachmentError(_("%(name)s is too large an image.") % {"name": name})
                image.load()
                image = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if content_type == "image/jpeg":
                    image.convert("RGB").save(out, format="JPEG", quality=90)
                else:
                    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                        image = image.convert("RGBA")
                    image.save(out, format="PNG", optimize=True)
                return out.getvalue()
    except AttachmentError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise AttachmentError(
            _("%(name)s could not be opened as an image.") % {"name": name}
        ) from None


def _check_pdf(data: bytes, name: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AttachmentError(
                _("%(name)s is password-protected. Send it without a password.") % {"name": name}
            )
        if len(reader.pages) < 1:
            raise AttachmentError(_("%(name)s has no pages.") % {"name": name})
    except AttachmentError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        raise AttachmentError(
            _("%(name)s could not be opened as a PDF.") % {"name": name}
        ) from None


def clean_upload(*, name: str, data: bytes) -> CleanFile:
    """The file as it will be stored, or AttachmentError with a message for the user."""
    shown = _display_name(name, "")[:-1] or "attachment"
    if len(data) == 0:
        raise AttachmentError(_("%(name)s is empty.") % {"name": shown})
    if len(data) > MAX_BYTES:
        raise AttachmentError(_("%(name)s is larger than 10 MB.") % {"name": shown})
    kind = filetype.guess(data)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED:
        raise AttachmentError(_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": shown})
    if content_type == "application/pdf":
        _check_pdf(data, shown)
        cleaned = data
    else:
        cleaned = _clean_image(data, content_type, shown)
    return CleanFile(_display_name(name, ALLOWED[content_type]), content_type, cleaned)


def clean_uploads(files: list) -> list[CleanFile]:
    """Every file of one message checked; the first problem refuses them all."""
    if len(files) > MAX_FILES:
        raise AttachmentError(_("Attach at most %(count)s files.") % {"count": MAX_FILES})
    cleaned = []
    for upload in files:
        if upload.size > MAX_BYTES:
            raise AttachmentError(_("%(name)s is larger than 10 MB.") % {"name": upload.name})
        cleaned.append(clean_upload(name=upload.name, data=upload.read()))
    return cleaned
