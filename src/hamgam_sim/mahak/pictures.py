"""Demo product pictures drawn with Pillow: a coloured card with a shape and the product's short name.

A picture is a pure function of what it shows (the product's id, category and name, and the picture's file name),
so the same Mahak data always serves the same bytes, and a picture whose file changes serves new ones. Drawn on
first request and kept (``lru_cache``): some tens of milliseconds each, ``PICTURE_FILE_SIZE`` bytes.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

#: Card colours (RGB): a product's colour is picked from these by its id and its picture's file name.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (220, 53, 69),
    (13, 110, 253),
    (25, 135, 84),
    (214, 160, 0),
    (111, 66, 193),
    (22, 160, 133),
    (253, 126, 20),
    (84, 94, 104),
)
#: Side of the square pictures, in pixels (the store resizes them to its own widths).
PICTURE_SIDE_PX = 480
#: Every picture's size in bytes, as ``Picture.FileSize`` announces it: drawn on request, each is padded to it
#: with a PNG comment (the drawings themselves take a few kilobytes).
PICTURE_FILE_SIZE = 16_000
#: Shapes drawn on the card, picked by the product's category.
SHAPES = ("circle", "square", "triangle", "diamond", "hexagon", "bottle", "box", "drop")
_FONT = "static/fonts/Vazirmatn-Bold.woff2"


def _font_path() -> Path | None:
    try:
        path = resources.files("hamgam.entrypoints.web").joinpath(_FONT)
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path()
    if path is None:
        return ImageFont.load_default(size)
    # Persian needs shaping (joined letters, right to left): Raqm does it when Pillow has it.
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=layout)


def _lighter(rgb: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    r, g, b = (round(c + (255 - c) * share) for c in rgb)
    return r, g, b


def _darker(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = (c * 3 // 5 for c in rgb)
    return r, g, b


def _shape(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    cx, cy, w, h = (x0 + x1) // 2, (y0 + y1) // 2, x1 - x0, y1 - y0
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "square":
        draw.rounded_rectangle(box, radius=w // 8, fill=fill)
    elif shape == "triangle":
        draw.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=fill)
    elif shape == "diamond":
        draw.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=fill)
    elif shape == "hexagon":
        draw.regular_polygon((cx, cy, w // 2), 6, fill=fill)
    elif shape == "bottle":
        draw.rounded_rectangle((cx - w // 10, y0, cx + w // 10, y0 + h // 4), radius=w // 30, fill=fill)
        draw.rounded_rectangle((x0 + w // 5, y0 + h // 5, x1 - w // 5, y1), radius=w // 6, fill=fill)
    elif shape == "box":
        draw.rectangle((x0, y0 + h // 4, x1, y1), fill=fill)
        draw.polygon([(x0, y0 + h // 4), (x0 + w // 4, y0), (x1 + 0, y0), (x1, y0 + h // 4)], fill=_lighter(fill, 0.3))
    else:  # drop
        draw.ellipse((x0, y0 + h // 3, x1, y1), fill=fill)
        draw.polygon([(cx, y0), (x1 - w // 14, y0 + h * 3 // 5), (x0 + w // 14, y0 + h * 3 // 5)], fill=fill)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font at ``size``, or smaller (by steps of 4, down to 16) so that ``text`` fits in ``width``."""
    x0, _, x1, _ = draw.textbbox((0, 0), text, font=_font(size))
    if x1 - x0 <= width:
        return _font(size)
    return _font(max(16, size * width // (x1 - x0) // 4 * 4))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _padded(png: bytes, size: int) -> bytes:
    """``png`` grown to ``size`` bytes by a comment chunk before its end (unchanged when already larger)."""
    keyword = b"Comment\0"
    gap = size - len(png) - 12 - len(keyword)
    if gap < 0:
        return png
    return png[:-12] + _chunk(b"tEXt", keyword + b" " * gap) + png[-12:]


@lru_cache(maxsize=512)
def product_picture(product_id: int, category_id: int, label: str, file_name: str) -> bytes:
    """The PNG of a product's picture: a light card in the product's colour, its category's shape, and ``label``
    (a short Persian name) under it."""
    colour = PALETTE[(product_id + zlib.crc32(file_name.encode())) % len(PALETTE)]
    side = PICTURE_SIDE_PX
    image = Image.new("RGB", (side, side), _lighter(colour, 0.85))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((16, 16, side - 16, side - 16), radius=36, outline=_lighter(colour, 0.5), width=6)
    _shape(draw, SHAPES[category_id % len(SHAPES)], (side // 4, side // 7, side * 3 // 4, side * 4 // 7), colour)
    text = label.strip()[:24] or str(product_id)
    font = _fit(draw, text, side - 80, 56)
    draw.text((side // 2, side * 3 // 4), text, font=font, fill=_darker(colour), anchor="mm")
    out = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(out, "PNG")
    return _padded(out.getvalue(), PICTURE_FILE_SIZE)
