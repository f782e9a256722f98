"""Tiny valid PNG files for product pictures, built with zlib and struct (no imaging library)."""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

#: Picture colours (RGB); a picture's colour is ``PALETTE[picture_id % len(PALETTE)]``.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (220, 53, 69),
    (13, 110, 253),
    (25, 135, 84),
    (255, 193, 7),
    (111, 66, 193),
    (32, 201, 151),
    (253, 126, 20),
    (108, 117, 125),
)
PICTURE_SIDE_PX = 16


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=len(PALETTE))
def solid_png(rgb: tuple[int, int, int], side_px: int = PICTURE_SIDE_PX) -> bytes:
    """A square PNG of one colour: 8-bit RGB, no interlace."""
    header = struct.pack(">IIBBBBB", side_px, side_px, 8, 2, 0, 0, 0)
    scanline = b"\x00" + bytes(rgb) * side_px
    pixels = zlib.compress(scanline * side_px, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def picture_png(picture_id: int) -> bytes:
    return solid_png(PALETTE[picture_id % len(PALETTE)])
