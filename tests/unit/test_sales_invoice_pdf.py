"""The sales invoice PDF: Persian words shaped and read back in reading order, amounts in Persian digits drawn
left to right, the Jalali date, and no invoice for an order that is not a sale."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from pypdf import PdfReader

from hamgam.adapters.pdf.invoice import PdfInvoiceRenderer
from hamgam.domain.checkout import PricedLine
from hamgam.domain.errors import Conflict, NotFound
from hamgam.domain.invoice import Rates
from hamgam.domain.sales_invoice import sales_invoice
from hamgam.services.store.invoices import InvoiceService, seller_party
from tests.fakes.store import StoreData, store_uow

ORDER = {
    "id": 1024,
    "status": "paid",
    "created_at": dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC),
    # 2026-12-07 Tehran = 16 Azar 1405
    "paid_at": dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC),
    "address": {
        "recipient_name": "مریم احمدی",
        "province": "اصفهان",
        "city": "کاشان",
        "line": "خیابان امیرکبیر",
        "postal_code": "8715674321",
        "mobile": "09121234567",
    },
    "lines": [
        {"name": "چای سبز ممتاز", "quantity": 2, "unit_price_rial": 1_250_000, "total_rial": 2_500_000},
        {"name": "عسل طبیعی کوهستان", "quantity": 1, "unit_price_rial": 3_000_000, "total_rial": 3_000_000},
    ],
    "items_rial": 5_500_000,
    "vat_rial": 495_000,
    "shipping_rial": 500_000,
    "total_rial": 6_495_000,
}
SELLER = seller_party("فروشگاه همگام", address="تهران، خیابان انقلاب", phone="02112345678")


def extracted(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def lefttoright(number: str) -> str:
    """pypdf counts Persian digits as right-to-left letters, so it reverses a number that the PDF draws left to
    right: this is the form such a number is read back in."""
    return number[::-1]


def test_the_invoice_reads_back_in_persian_in_reading_order() -> None:
    text = extracted(PdfInvoiceRenderer().render(sales_invoice(ORDER, SELLER)))
    words = ["فاکتور فروش", "شماره سفارش", "فروشنده: فروشگاه همگام", "تهران، خیابان انقلاب",
             "خریدار: مریم احمدی", "اصفهان، کاشان، خیابان امیرکبیر", "شرح کالا", "تعداد", "قیمت واحد",
             "چای سبز ممتاز", "عسل طبیعی کوهستان", "جمع کالاها", "مالیات بر ارزش افزوده", "هزینه ارسال",
             "مبلغ کل"]  # fmt: skip
    positions = [text.find(w) for w in words]
    assert -1 not in positions, [w for w, p in zip(words, positions, strict=True) if p < 0]
    assert positions == sorted(positions), text
    # shaped words come back as letters, not presentation forms or per-letter fragments
    assert "\ufe8e" not in text and "ف ا ک ت و ر" not in text
    # amounts in Toman with Persian digits, each number drawn left to right inside the right-to-left line
    assert lefttoright("۶۴۹٬۵۰۰") + " تومان" in text  # the total, 6,495,000 Rial
    assert lefttoright("۴۹٬۵۰۰") in text  # VAT
    assert lefttoright("۱۲۵٬۰۰۰") in text  # a unit price
    # the Jalali date of payment and the order number
    assert lefttoright("۱۴۰۵/۰۹/۱۶") in text
    assert lefttoright("۱۰۲۴") in text


def test_a_long_order_runs_onto_more_pages() -> None:
    many = ORDER | {"lines": [ORDER["lines"][0] | {"name": f"کالای شماره {n}"} for n in range(1, 61)]}
    reader = PdfReader(io.BytesIO(PdfInvoiceRenderer().render(sales_invoice(many, SELLER))))
    assert len(reader.pages) >= 2
    assert "مبلغ کل" in reader.pages[-1].extract_text()


async def test_only_a_paid_order_has_an_invoice_and_only_its_owner_gets_it() -> None:
    data = StoreData()
    data.customers[7] = "09121234567"
    pending = {k: v for k, v in ORDER.items() if k not in {"id", "lines"}} | {
        "customer_id": 7, "status": "pending_payment", "paid_at": None}  # fmt: skip
    data.orders[5] = pending | {"id": 5}
    data.orders[6] = pending | {"id": 6, "status": "invoiced"}
    line = PricedLine(1, 10, "چای سبز ممتاز", 2, 1_250_000, Rates())
    data.order_lines[5] = data.order_lines[6] = [line]
    service = InvoiceService(store_uow(data), PdfInvoiceRenderer(), lambda: SELLER)
    with pytest.raises(Conflict):
        await service.sales_invoice(5, customer_id=7)
    document = await service.sales_invoice(6, customer_id=7)
    assert document.media_type == "application/pdf" and document.filename == "invoice-6.pdf"
    assert "چای سبز ممتاز" in extracted(document.content)
    with pytest.raises(NotFound):
        await service.sales_invoice(6, customer_id=8)


def test_building_the_container_loads_no_pdf_library() -> None:
    # given: a fresh interpreter that imports the composition root (every role does, few render invoices)
    probe = (
        "import sys, hamgam.bootstrap, hamgam.adapters.pdf; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'fpdf', 'fontTools', 'numpy', 'barcode'}))"
    )
    # when
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    # then: fpdf2, fontTools, numpy and the barcode library wait for the first document
    assert loaded.strip() == "[]"


def test_the_buyers_address_has_persian_digits() -> None:
    # addresses are stored with Latin digits (normalize_text)
    order = ORDER | {"address": ORDER["address"] | {"line": "کوچهٔ 4، پلاک 12"}}
    text = extracted(PdfInvoiceRenderer().render(sales_invoice(order, SELLER)))
    assert "اصفهان، کاشان، کوچهٔ ۴، پلاک " + lefttoright("۱۲") in text
    assert "4" not in text and "12" not in text
