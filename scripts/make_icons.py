"""Draws the PWA icons (static/icons/*.png) with Pillow; run once after changing the design."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BLUE = (11, 83, 148)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def draw(size: int, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), BLUE)
    pen = ImageDraw.Draw(image)
    # Maskable icons keep their content inside the central 80 % "safe zone".
    inset = size * (0.2 if maskable else 0.12)
    pen.rounded_rectangle(
        [inset, inset, size - inset, size - inset],
        radius=size * 0.12,
        outline=WHITE,
        width=max(2, size // 32),
    )
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", int(size * (0.34 if maskable else 0.42)))
    except OSError:
        font = ImageFont.load_default()
    pen.text((size / 2, size / 2), "R", fill=WHITE, font=font, anchor="mm")
    return image


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, False).save(OUT / "icon-192.png")
    draw(512, False).save(OUT / "icon-512.png")
    draw(512, True).save(OUT / "icon-maskable-512.png")
