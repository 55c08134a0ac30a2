"""Checking uploaded images with Pillow, whatever the process has loaded.

Importing WeasyPrint sets `PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True` for the whole process
(weasyprint/images.py), and Pillow then decodes a cut-off PNG or JPEG without an error,
filling the missing part. A web process that has rendered one PDF would accept truncated
uploads. The checks load uploads with the strict setting; the PDFs only ever embed images we
built ourselves, so the moment of strictness cannot hurt a render in another thread.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from PIL import ImageFile


@contextmanager
def strict_image_loading() -> Iterator[None]:
    """Within it, Pillow refuses a truncated image (OSError) instead of decoding the rest."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
