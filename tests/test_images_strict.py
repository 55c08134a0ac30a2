"""Uploaded images are refused when cut off, also in a process that has imported WeasyPrint
(whose import makes Pillow decode truncated images for the whole process: myropo.images)."""

import io

import pytest
import weasyprint  # noqa: F401  (its import is what switched Pillow to lenient loading)
from PIL import Image, ImageFile

from creditor.letterhead import LetterheadError, clean_letterhead_logo
from messaging.attachments import AttachmentError, clean_upload


def noisy_image(format: str) -> bytes:
    # Noise does not compress: half the file is half the picture.
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, format=format)
    return out.getvalue()


def test_the_process_refuses_truncated_images_after_weasyprint_was_imported():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize("format", ["PNG", "JPEG"])
def test_a_cut_off_image_is_refused_as_an_attachment_and_as_a_logo(format):
    whole = noisy_image(format)
    cut = whole[: len(whole) // 2]
    name = f"photo.{format.lower()}"
    with pytest.raises(AttachmentError):
        clean_upload(name=name, data=cut)
    with pytest.raises(LetterheadError):
        clean_letterhead_logo(cut)
    assert clean_upload(name=name, data=whole).data
    assert clean_letterhead_logo(whole)
