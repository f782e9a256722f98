"""The Zarinpal adapter against the simulator over real HTTP: the buyer's journey and verify outcomes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam.domain.payments import PaymentRequestResult, SessionStatus, VerifyStatus
from hamgam_sim.zarinpal.server import RunningZarinpal

CALLBACK = "https://shop.example.ir/pay/zarinpal/callback?order=1024"
AMOUNT_RIAL = 1_250_000


async def open_session(gateway: ZarinpalGateway, amount_rial: int = AMOUNT_RIAL) -> PaymentRequestResult:
    return await gateway.request_payment(
        amount_rial=amount_rial,
        callback_url=CALLBACK,
        description="سفارش ۱۰۲۴",
        mobile="+98 912 123 4567",
        email="buyer@example.ir",
        order_id="1024",
    )


async def buyer_chooses(redirect_url: str, button: str) -> dict[str, list[str]]:
    """Play the browser: load the StartPay page, submit the chosen form, return the callback's query."""
    async with httpx2.AsyncClient() as browser:
        page = await browser.get(redirect_url)
        assert page.status_code == 200
        assert f'action="{urlsplit(redirect_url).path}/{button}"' in page.text
        response = await browser.post(f"{redirect_url}/{button}")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "&")
    return parse_qs(urlsplit(location).query)


async def test_request_then_pay_then_verify_twice_same_ref_id(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    # given a session the buyer pays on the StartPay page
    session = await open_session(gateway)
    assert session.authority.startswith("A") and len(session.authority) == 36
    assert session.redirect_url == f"{zarinpal.base_url}/pg/StartPay/{session.authority}"
    assert session.fee_rial == AMOUNT_RIAL // 100
    query = await buyer_chooses(session.redirect_url, "pay")
    assert query == {"order": ["1024"], "Authority": [session.authority], "Status": ["OK"]}
    stored = zarinpal.control.payment(session.authority)
    assert stored["metadata"] == {"mobile": "09121234567", "email": "buyer@example.ir", "order_id": "1024"}

    # when we verify, then verify again (a double click on the callback page)
    first = await gateway.verify(session.authority, AMOUNT_RIAL)
    second = await gateway.verify(session.authority, AMOUNT_RIAL)

    # then the first pays, the second is an idempotent success with the same bank reference
    assert (first.status, first.code) == (VerifyStatus.PAID, 100)
    assert (second.status, second.code) == (VerifyStatus.ALREADY_VERIFIED, 101)
    assert first.is_success and second.is_success
    assert first.ref_id is not None and second.ref_id == first.ref_id
    assert first.card_pan == "502229******5995"
    assert first.card_hash is not None and len(first.card_hash) == 64
    assert zarinpal.control.payment(session.authority)["state"] == "VERIFIED"


async def test_verify_after_cancel_is_not_paid(gateway: ZarinpalGateway) -> None:
    session = await open_session(gateway)
    query = await buyer_chooses(session.redirect_url, "cancel")
    assert query["Status"] == ["NOK"]

    result = await gateway.verify(session.authority, AMOUNT_RIAL)

    assert (result.status, result.code) == (VerifyStatus.NOT_PAID, -51)
    assert not result.is_success and result.ref_id is None


async def test_verify_before_the_buyer_finishes_is_not_paid(gateway: ZarinpalGateway) -> None:
    session = await open_session(gateway)
    result = await gateway.verify(session.authority, AMOUNT_RIAL)
    assert result.status is VerifyStatus.NOT_PAID


async def test_verify_with_wrong_amount_is_mismatch_and_leaves_payment_verifiable(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    session = await open_session(gateway)
    zarinpal.control.pay(session.authority)

    wrong = await gateway.verify(session.authority, AMOUNT_RIAL - 10)
    right = await gateway.verify(session.authority, AMOUNT_RIAL)

    assert (wrong.status, wrong.code) == (VerifyStatus.AMOUNT_MISMATCH, -50)
    assert right.status is VerifyStatus.PAID


async def test_verify_unknown_authority_is_invalid(gateway: ZarinpalGateway) -> None:
    result = await gateway.verify("A" + "0" * 35, AMOUNT_RIAL)
    assert (result.status, result.code) == (VerifyStatus.INVALID, -54)


async def test_verify_authority_of_another_merchant_is_invalid(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    other_merchant = "11111111-2222-4333-8444-555555555555"
    zarinpal.control.set_merchant(other_merchant)
    async with ZarinpalGateway(base_url=zarinpal.base_url, merchant_id=other_merchant) as other:
        session = await open_session(other)
    zarinpal.control.pay(session.authority)

    result = await gateway.verify(session.authority, AMOUNT_RIAL)

    assert (result.status, result.code) == (VerifyStatus.INVALID, -53)


async def test_startpay_query_flag_scripts_the_buyer(gateway: ZarinpalGateway) -> None:
    session = await open_session(gateway)
    async with httpx2.AsyncClient() as browser:
        response = await browser.get(session.redirect_url, params={"sim": "nok"})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["Status"] == ["NOK"]


async def test_startpay_unknown_authority_is_404(zarinpal: RunningZarinpal) -> None:
    async with httpx2.AsyncClient() as browser:
        response = await browser.get(f"{zarinpal.base_url}/pg/StartPay/A{'x' * 35}")
    assert response.status_code == 404


async def test_unverified_lists_paid_sessions_until_verified(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    # given one session paid by a buyer who never came back, and one still open
    paid = await open_session(gateway)
    await open_session(gateway, amount_rial=20_000)
    zarinpal.control.pay(paid.authority)

    listed = await gateway.unverified()
    assert [(p.authority, p.amount_rial, p.callback_url) for p in listed] == [(paid.authority, AMOUNT_RIAL, CALLBACK)]
    assert len(listed[0].date) == len("2024-03-20 10:30:00")

    await gateway.verify(paid.authority, AMOUNT_RIAL)
    assert await gateway.unverified() == []


async def test_drop_callback_pays_without_returning_then_reconciliation_finds_it(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    zarinpal.control.add_fault("drop_callback", "startpay", count=1)
    session = await open_session(gateway)
    async with httpx2.AsyncClient() as browser:
        response = await browser.post(f"{session.redirect_url}/pay")

    assert response.status_code == 200 and "location" not in response.headers
    assert [p.authority for p in await gateway.unverified()] == [session.authority]
    assert (await gateway.verify(session.authority, AMOUNT_RIAL)).status is VerifyStatus.PAID


async def test_inquiry_and_reverse_follow_the_session(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    session = await open_session(gateway)
    assert (await gateway.inquiry(session.authority)).status is SessionStatus.IN_BANK
    zarinpal.control.pay(session.authority)
    assert (await gateway.inquiry(session.authority)).status is SessionStatus.PAID
    early = await gateway.reverse(session.authority)
    assert (early.reversed, early.code) == (False, -61)

    await gateway.verify(session.authority, AMOUNT_RIAL)
    assert (await gateway.inquiry(session.authority)).status is SessionStatus.VERIFIED
    reversed_ = await gateway.reverse(session.authority)

    assert (reversed_.reversed, reversed_.code) == (True, 100)
    assert (await gateway.inquiry(session.authority)).status is SessionStatus.REVERSED


async def test_reverse_after_window_is_refused(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    zarinpal.control.configure(reverse_window_s=0)
    session = await open_session(gateway)
    zarinpal.control.pay(session.authority)
    await gateway.verify(session.authority, AMOUNT_RIAL)

    result = await gateway.reverse(session.authority)

    assert (result.reversed, result.code) == (False, -63)


async def test_sandbox_accepts_any_merchant_and_issues_s_authorities(zarinpal: RunningZarinpal) -> None:
    zarinpal.control.configure(sandbox=True)
    async with ZarinpalGateway(
        base_url=zarinpal.base_url, merchant_id="9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"
    ) as sandbox:
        session = await open_session(sandbox)
    assert session.authority.startswith("S") and len(session.authority) == 36


@pytest.mark.parametrize("button", ["pay", "cancel"])
async def test_finished_session_keeps_its_outcome_on_reload(gateway: ZarinpalGateway, button: str) -> None:
    session = await open_session(gateway)
    first = await buyer_chooses(session.redirect_url, button)
    other = "cancel" if button == "pay" else "pay"
    again = await buyer_chooses(session.redirect_url, other)
    assert again["Status"] == first["Status"]
