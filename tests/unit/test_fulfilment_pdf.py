"""Packing lists and shipping labels as PDF: Persian read back in reading order, no prices on the packing list,
and the label's Code 128 barcode decoded by an independent reader from the bars the PDF draws."""

from __future__ import annotations

import datetime as dt
import io

import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ContentStream

from hamgam.adapters.pdf.fulfilment import A6_MM, PdfFulfilmentRenderer
from hamgam.domain.fulfilment import packing_list, shipping_label
from hamgam.services.store.invoices import seller_party

ORDER = {
    "id": 1024,
    # 2026-12-07 Tehran = 16 Azar 1405
    "created_at": dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC),
    "address": {
        "recipient_name": "مریم احمدی",
        "province": "اصفهان",
        "city": "کاشان",
        "line": "خیابان امیرکبیر",
        "postal_code": "8715674321",
        "mobile": "09121234567",
    },
    "lines": [
        {"name": "چای سبز ممتاز", "variant": "وزن: ۵۰۰ گرم", "quantity": 2, "unit_price_rial": 1_250_000},
        {"name": "عسل طبیعی کوهستان", "variant": "", "quantity": 3, "unit_price_rial": 3_000_000},
    ],
    "note": "لطفاً زنگ نزنید",
}
SELLER = seller_party("فروشگاه همگام", address="تهران، خیابان انقلاب", phone="02112345678")
PT_PER_MM = 72 / 25.4


def pages_text(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def in_order(text: str, words: list[str]) -> None:
    positions = [text.find(w) for w in words]
    assert -1 not in positions, [w for w, p in zip(words, positions, strict=True) if p < 0]
    assert positions == sorted(positions), text


def lefttoright(number: str) -> str:
    """pypdf reads a number drawn left to right inside a right-to-left line back reversed (see the invoice test)."""
    return number[::-1]


def barcodes_on(pdf: bytes, page_number: int, *, px_per_mm: float = 12.0) -> list[str]:
    """Rasterise the filled rectangles the page draws (the bars) and decode them with zxing-cpp."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[page_number]
    width_pt, height_pt = float(page.mediabox.width), float(page.mediabox.height)
    scale = px_per_mm / PT_PER_MM
    image = Image.new("L", (round(width_pt * scale), round(height_pt * scale)), 255)
    draw = ImageDraw.Draw(image)
    pending: list[tuple[float, float, float, float]] = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"re":
            pending.append(tuple(float(v) for v in operands))  # type: ignore[arg-type]  # four numbers
        elif operator in (b"f", b"f*", b"B", b"b"):
            for x, y, w, h in pending:
                top, bottom = height_pt - max(y, y + h), height_pt - min(y, y + h)
                draw.rectangle([x * scale, top * scale, (x + w) * scale - 1, bottom * scale - 1], fill=0)
            pending = []
        elif operator in (b"S", b"n"):
            pending = []
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_the_packing_list_reads_back_in_order_without_prices() -> None:
    (text,) = pages_text(PdfFulfilmentRenderer().packing_lists([packing_list(ORDER)]))
    in_order(
        text,
        ["فهرست بسته‌بندی", "شماره سفارش", "گیرنده: مریم احمدی", "شرح کالا", "ویژگی", "تعداد", "بسته شد",
         "چای سبز ممتاز", "وزن", "عسل طبیعی کوهستان", "جمع اقلام", "یادداشت خریدار: لطفاً زنگ نزنید"],
    )  # fmt: skip
    assert lefttoright("۱۴۰۵/۰۹/۱۶") in text and lefttoright("۱۰۲۴") in text
    assert "تومان" not in text and "قیمت" not in text and "۱۲۵٬۰۰۰" not in text


def test_the_label_names_sender_receiver_carrier_and_carries_the_order_number_as_code128() -> None:
    label = shipping_label(ORDER, SELLER, carrier="پست", tracking_code="12345678901234567890")
    pdf = PdfFulfilmentRenderer().labels([label])
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / PT_PER_MM), round(float(box.height) / PT_PER_MM)) == A6_MM
    (text,) = pages_text(pdf)
    in_order(
        text,
        ["شماره سفارش", "شرکت حمل: پست", "کد رهگیری", "فرستنده: فروشگاه همگام", "تهران، خیابان انقلاب",
         "گیرنده: مریم احمدی", "اصفهان، کاشان، خیابان امیرکبیر", "کد پستی", "تلفن همراه"],
    )  # fmt: skip
    assert lefttoright("۸۷۱۵۶۷۴۳۲۱") in text
    assert barcodes_on(pdf, 0) == ["1024"]


def test_many_labels_and_lists_make_one_document_with_a_page_per_order() -> None:
    names = {7: "سارا", 88: "رضا", 12345: "نگار"}
    orders = [ORDER | {"id": n, "address": ORDER["address"] | {"recipient_name": name}} for n, name in names.items()]
    renderer = PdfFulfilmentRenderer()
    labels = renderer.labels([shipping_label(o, SELLER, carrier="تیپاکس") for o in orders])
    assert [barcodes_on(labels, i) for i in range(3)] == [["7"], ["88"], ["12345"]]
    texts = pages_text(renderer.packing_lists([packing_list(o) for o in orders]))
    assert len(texts) == 3
    assert all(f"گیرنده: {name}" in t for name, t in zip(names.values(), texts, strict=True))


def test_the_label_writes_the_address_with_persian_digits() -> None:
    # addresses are stored with Latin digits (normalize_text)
    order = ORDER | {"address": ORDER["address"] | {"line": "کوچهٔ 4، پلاک 12"}}
    (text,) = pages_text(PdfFulfilmentRenderer().labels([shipping_label(order, SELLER, carrier="پست")]))
    in_order(text, ["گیرنده: مریم احمدی", "اصفهان، کاشان، کوچهٔ ۴، پلاک " + lefttoright("۱۲")])
    assert " 4" not in text and "12" not in text
