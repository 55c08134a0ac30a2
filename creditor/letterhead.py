"""The creditor's own letterhead logo ("own template" reminder layout): checked by its bytes,
rebuilt, and made small enough for the head of a letter.

The type is decided from the magic numbers (`filetype`), never from the name or the browser's
Content-Type, and the image is decoded and encoded again by Pillow: what is stored is a plain
PNG of the pixels, without metadata or anything appended to the file. SVG is refused: it is a
document that can carry scripts and links, and WeasyPrint would follow them.
"""

import io
import warnings

import filetype
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 2 * 1024 * 1024
# A small file can still unpack to gigabytes of pixels: refused before decoding.
MAX_PIXELS = 25_000_000
# About 300 dpi for the 60 x 18 mm box the logo is printed in: more only makes letters large.
MAX_SIZE = (720, 216)
MIN_SIDE = 16
ALLOWED = ("image/png", "image/jpeg")


class LetterheadError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_letterhead_logo(data: bytes) -> bytes:
    """The logo as it will be stored (PNG, at most MAX_SIZE), or LetterheadError."""
    if not data:
        raise LetterheadError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise LetterheadError(
            _("The logo is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // 2**20}
        )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED:
        raise LetterheadError(_("Upload the logo as a PNG or JPEG image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() reads every PNG chunk and its checksum; a cut JPEG, whose verify()
            # checks nothing, fails its load() below (myropo.images).
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise LetterheadError(_("The logo has too many pixels."))
                if min(image.width, image.height) < MIN_SIDE:
                    raise LetterheadError(
                        _("The logo is too small: at least %(px)s pixels a side.")
                        % {"px": MIN_SIDE}
                    )
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA")
                image.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(out, format="PNG", optimize=True)
                return out.getvalue()
    except LetterheadError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise LetterheadError(_("The file could not be opened as an image.")) from None
