"""The storefront's Vazirmatn font for PDFs: its WOFF2 files unpacked to TrueType once per process (rebuilding
WOFF2 glyphs on every document costs seconds), then subset and embedded by fpdf2."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

#: The storefront's font files (static/fonts).
FONTS = Path(__file__).resolve().parents[2] / "entrypoints" / "web" / "static" / "fonts"
FAMILY = "Vazirmatn"
#: fpdf2 style → font file.
STYLES = {"": "Vazirmatn-Regular.woff2", "B": "Vazirmatn-Bold.woff2"}


def unpacked(woff2: Path, cache_dir: Path) -> Path:
    """The TrueType form of a WOFF2 font, written once under ``cache_dir`` (named by the source's content, so a
    new font file is unpacked anew)."""
    data = woff2.read_bytes()
    target = cache_dir / f"{woff2.stem}-{hashlib.sha256(data).hexdigest()[:16]}.ttf"
    if not target.exists():
        font = TTFont(woff2)
        font.flavor = None
        partial = target.with_suffix(f".{threading.get_ident()}.part")
        font.save(partial)
        partial.replace(target)
    return target


class PersianFonts:
    """Vazirmatn unpacked on first use; ``persian`` readies a document for shaped right-to-left Persian."""

    def __init__(self, fonts: Path = FONTS, cache_dir: Path | None = None) -> None:
        self._fonts = fonts
        self._cache_dir = cache_dir or Path(tempfile.gettempdir()) / "hamgam-fonts"
        self._lock = threading.Lock()
        self._files: dict[str, Path] | None = None

    def files(self) -> dict[str, Path]:
        with self._lock:
            if self._files is None:
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                self._files = {style: unpacked(self._fonts / name, self._cache_dir) for style, name in STYLES.items()}
            return self._files

    def persian(self, pdf: FPDF, title: str) -> FPDF:
        """Add the fonts and turn HarfBuzz shaping on (right to left, Arabic script, Persian language)."""
        for style, path in self.files().items():
            pdf.add_font(FAMILY, style, str(path))
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="fas")
        pdf.set_title(title)
        pdf.set_lang("fa")
        return pdf
