"""What a buyer writes into their profile reaches the admin, the payment gateway (the email in the payment
request's metadata) and Mahak (the exported person): an email is an address or nothing, and a name carries no
control characters, whitespace runs or invisible marks."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, api  # noqa: F401  (fixture)

MOBILE = "09121112244"


@pytest.mark.parametrize(
    "email",
    ["not an email", "ali@", "@example.ir", "ali@example", "ali@exa mple.ir", "ali\x0b@example.ir", "a@b@c.ir"],
)
async def test_a_profile_refuses_what_is_not_an_email(api: Api, email: str) -> None:  # noqa: F811
    auth = await api.login(MOBILE)
    before = (await api.http.get("/api/v1/me", headers=auth)).json()["email"]
    # when a buyer saves an email that is not an address
    answer = await api.http.patch("/api/v1/me", json={"email": email}, headers=auth)
    # then it is refused, naming the field, and nothing is stored
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == "email"
    assert (await api.http.get("/api/v1/me", headers=auth)).json()["email"] == before


async def test_a_profile_keeps_a_clean_name_and_email(api: Api) -> None:  # noqa: F811
    auth = await api.login(MOBILE)
    # when a buyer saves a name holding control characters and runs of spaces, and a real email
    answer = await api.http.patch(
        "/api/v1/me",
        json={"full_name": " علی\x0b\x00  رضایی\u200f ", "email": " Ali.Rezaei@Example.ir "},
        headers=auth,
    )
    # then the name is stored as it reads and the email as typed, trimmed
    assert answer.status_code == 200, answer.text
    assert (answer.json()["full_name"], answer.json()["email"]) == ("علی رضایی", "Ali.Rezaei@Example.ir")
    cleared = await api.http.patch("/api/v1/me", json={"email": ""}, headers=auth)
    assert cleared.status_code == 200 and cleared.json()["email"] is None
