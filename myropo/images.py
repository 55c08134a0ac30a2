"""Pillow refuses truncated images in every process of ours.

Importing WeasyPrint sets `PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True` for the whole process
(weasyprint/images.py), and Pillow then decodes a cut-off PNG or JPEG without an error,
filling the missing part: a web process that had rendered one PDF accepted truncated
uploads. The setting is process-wide, so it is put back once, at start-up, after WeasyPrint's
import (a toggle around each check raced between request threads). Our PDFs only embed
images we built ourselves, so WeasyPrint loses nothing by it.
"""

from PIL import ImageFile


def refuse_truncated_images() -> None:
    import weasyprint.images  # noqa: F401  (runs its module-level switch now, not later)

    ImageFile.LOAD_TRUNCATED_IMAGES = False
