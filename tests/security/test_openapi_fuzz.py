"""Schemathesis over the OpenAPI document, once per role (customer, staff, admin) and then statefully: whatever
it sends, every answer is documented and never a 500, and the server's log holds no traceback.

Operations chain through the links schemathesis infers from the schema (an address's id into checkout, an
order's id into paying, cancelling and the admin's order pages). The app builds its own container in its
lifespan (schemathesis runs it on its own event loop); the catalogue has a product in stock, and the customer
a saved address and a line in their cart, so a checkout through the links can succeed.

The admin has the first, most guessable id on purpose: the fuzzer tries to demote or disable it, and the
safeguard (an admin cannot demote or disable themselves) must keep it in charge until the end.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis import GenerationMode
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance
from sqlalchemy import create_engine, pool, text

from hamgam.adapters.db.engine import sync_url
from hamgam.bootstrap import build
from hamgam.domain.accounts import Role
from hamgam.entrypoints.api.app import create_app
from tests.api.conftest import api_settings
from tests.security.conftest import issue_tokens
from tests.store.conftest import ADDRESS, add_customer, seed_product

#: The customer first: the admin's run may disable the others (it is allowed to), and it runs last.
ROLES = (Role.CUSTOMER, Role.STAFF, Role.ADMIN)
EXAMPLES_PER_OPERATION = 10
STATEFUL_SCENARIOS = 20
#: More for the admin: its links start from lists whose random filters often answer an empty page.
ADMIN_STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 6
# ignored_auth: the cart takes an optional token, so answering without one is right.
# positive_data_acceptance: schema-valid is not always valid (a mobile's checksum-free format, a national
# code's checksum, stock, a role the caller lacks); those are clear 400/403/409 answers, which the other checks
# still hold to the documented shape.
# negative_data_rejection: its "invalid" requests here are unknown query parameters (ignored, as HTTP APIs
# do) or a missing Authorization header that this test always adds back.
EXCLUDED_CHECKS = [ignored_auth, positive_data_acceptance, negative_data_rejection]
#: OpenAPI links (source operation, status, target operation, parameters / request body) written into the
#: document for the chains schemathesis cannot infer by itself: ids inside lists and pages, an address into
#: checkout, a payment's authority into the gateway's callback.
ORDER_ID = {"order_id": "$response.body#/id"}
LINKS: list[tuple[str, str, str, dict]] = [
    ("GET /api/v1/me/addresses", "200", "POST /api/v1/checkout",
     {"requestBody": {"shipping_method": "post", "address_id": "$response.body#/0/id"}}),
    ("GET /api/v1/me/addresses", "200", "DELETE /api/v1/me/addresses/{address_id}",
     {"parameters": {"address_id": "$response.body#/0/id"}}),
    ("POST /api/v1/checkout", "201", "GET /api/v1/orders/{order_id}", {"parameters": ORDER_ID}),
    ("POST /api/v1/checkout", "201", "POST /api/v1/orders/{order_id}/pay", {"parameters": ORDER_ID}),
    ("POST /api/v1/checkout", "201", "POST /api/v1/orders/{order_id}/cancel", {"parameters": ORDER_ID}),
    ("GET /api/v1/orders", "200", "POST /api/v1/orders/{order_id}/pay",
     {"parameters": {"order_id": "$response.body#/items/0/id"}}),
    ("POST /api/v1/orders/{order_id}/pay", "200", "GET /api/v1/payments/callback",
     {"parameters": {"Authority": "$response.body#/authority", "Status": "OK"}}),
    ("GET /api/v1/admin/orders", "200", "GET /api/v1/admin/orders/{order_id}",
     {"parameters": {"order_id": "$response.body#/items/0/id"}}),
    ("GET /api/v1/admin/orders", "200", "POST /api/v1/admin/orders/{order_id}/status",
     {"parameters": {"order_id": "$response.body#/items/0/id"}}),
    ("GET /api/v1/admin/customers", "200", "PUT /api/v1/admin/customers/{customer_id}/role",
     {"parameters": {"customer_id": "$response.body#/items/0/id"}}),
    ("GET /api/v1/admin/customers", "200", "PUT /api/v1/admin/customers/{customer_id}/disabled",
     {"parameters": {"customer_id": "$response.body#/items/0/id"}}),
    ("GET /api/v1/admin/products", "200", "PATCH /api/v1/admin/products/{product_id}/listing",
     {"parameters": {"product_id": "$response.body#/items/0/product_id"}}),
]  # fmt: skip
#: What the server writes when a request ends in an unexpected error.
SERVER_ERROR_MARKS = ("Traceback", "unexpected_error", "exc_info")


@dataclass
class Target:
    database_url: str
    tokens: dict[Role, str]
    admin_id: int


@pytest.fixture
async def target(database_url: str) -> AsyncIterator[Target]:
    container = await build(api_settings(database_url))
    try:
        engine = container.engine
        admin_id = await add_customer(engine, "09120000000", Role.ADMIN.value)
        staff_id = await add_customer(engine, "09120000001", Role.STAFF.value)
        customer_id = await add_customer(engine, "09120000002", Role.CUSTOMER.value)
        detail_id = await seed_product(engine, 1, "چای", stock=5)
        cart_id = await container.store.carts.resolve(customer_id=customer_id, guest_cart_id=None)
        await container.store.carts.set_line(cart_id, detail_id, 1)
        await container.store.accounts.add_address(customer_id, ADDRESS)
        ids = {Role.CUSTOMER: customer_id, Role.STAFF: staff_id, Role.ADMIN: admin_id}
        tokens = {role: (await issue_tokens(container, ids[role])).access_token for role in ROLES}
    finally:
        await container.aclose()
    yield Target(database_url, tokens, admin_id)
    # close the app's container before the database is dropped (schemathesis would do it only at exit)
    schemathesis_asgi.shutdown_lifespans()


class ServerLog(logging.Handler):
    """What the app logs through the standard library while the run lasts (when logging is configured for
    production, structlog goes this way; otherwise it prints, which ``capfd`` sees)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines = io.StringIO()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.write(f"{record.name} {record.levelname} {record.getMessage()}\n")
        if record.exc_info:
            self.lines.write("Traceback (exc_info)\n")


@contextlib.contextmanager
def server_log() -> Iterator[ServerLog]:
    handler = ServerLog()
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    # an earlier test may have configured logging (the CLI does) with a quieter level and a handler writing to
    # that test's captured stream, closed since: hear everything, through this handler alone
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fuzz_each_operation(schema, role: Role, token: str) -> tuple[int, list[str]]:
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(
            st.one_of(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            )
        )
        def run(case) -> None:
            case.call_and_validate(headers=bearer(token), excluded_checks=EXCLUDED_CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation, then fail once
            failures.append(f"[{role}] {operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    return operations, failures


def fuzz_statefully(schema, role: Role, token: str, scenarios: int = STATEFUL_SCENARIOS) -> tuple[list[str], list[str]]:
    """Scenarios chaining operations through the schema's links; returns the failures and the links followed."""
    linked: list[str] = []
    problems: list[str] = []

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def step(self, input):
            if input.transition is not None and input.is_applied:
                linked.append(input.transition.id)
            return super().step(input)

        def get_call_kwargs(self, case):
            return {"headers": bearer(token)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # collected rather than raised: hypothesis replays a failing scenario, and against a real database
            # the replay meets another state and hides the failure behind "inconsistent data generation"
            try:
                case.validate_response(response, excluded_checks=EXCLUDED_CHECKS, transport_kwargs=kwargs or None)
            except (Exception, BaseExceptionGroup) as exc:
                problems.append(f"[{role}, stateful] {case.operation.label}: {str(exc)[:1500]}")

    try:
        Scenario.run(
            settings=settings(
                max_examples=scenarios,
                # the scenarios act on a real database: a replay meets another state, so a failure is reported
                # as found rather than shrunk (shrinking would only report "inconsistent data generation")
                phases=[Phase.explicit, Phase.generate],
                stateful_step_count=STATEFUL_STEPS,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    except FlakyStrategyDefinition:
        # hypothesis replayed a scenario's prefix and the database, changed since, offered other steps: not a
        # finding (every response was checked as it came, into ``problems``, and the server log is read after)
        pass
    except (Exception, BaseExceptionGroup) as exc:
        return [*problems, f"[{role}, stateful] {str(exc)[:1500]}"], linked
    return problems, linked


def with_links(document: dict) -> dict:
    """The app's OpenAPI document with ``LINKS`` added to the source operations' responses."""
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    for source, status, target, link in LINKS:
        response = operations[source]["responses"][status]
        response.setdefault("links", {})[target.replace(" ", "_")] = {
            "operationId": operations[target]["operationId"],
            **link,
        }
    return document


def load_schema(app):
    """The schema as the app serves it, plus the links, run against the app in-process (ASGI)."""
    schema = schemathesis.openapi.from_dict(with_links(app.openapi()))
    schema.app = app
    schema.location = app.openapi_url
    return schema


def test_openapi_answers_every_role_without_server_errors(target: Target, capfd: pytest.CaptureFixture) -> None:
    app = create_app(settings=api_settings(target.database_url))
    schema = load_schema(app)
    failures: list[str] = []
    followed: dict[Role, list[str]] = {}
    with server_log() as log:
        # the customer's scenarios first, while the seeded address and cart line are there; they stay on the
        # operations a customer may call (the others answer 403, which the per-operation runs cover)
        customer_scope = schema.exclude(path_regex="^/api/v1/admin")
        found, followed[Role.CUSTOMER] = fuzz_statefully(customer_scope, Role.CUSTOMER, target.tokens[Role.CUSTOMER])
        failures += found
        for role in ROLES:
            operations, found = fuzz_each_operation(schema, role, target.tokens[role])
            assert operations > 40
            failures += found
        # the admin's scenarios stay on the admin operations, so that its lists lead into their actions
        admin_scope = schema.include(path_regex="^/api/v1/admin")
        found, followed[Role.ADMIN] = fuzz_statefully(
            admin_scope, Role.ADMIN, target.tokens[Role.ADMIN], scenarios=ADMIN_STATEFUL_SCENARIOS
        )
        failures += found
    captured = capfd.readouterr()
    for role, links in followed.items():
        print(f"{role}: links followed {sorted(set(links))}")
    server_output = captured.out + captured.err + log.lines.getvalue()
    assert "api.request" in server_output, "the server's log was not captured"
    # links are followed only when their source answered something to follow (the admin's lists, filtered at
    # random, are often empty), so it is the runs together that must have chained operations
    assert any(followed.values()), "no stateful scenario followed a link"
    assert not failures, "\n\n".join(failures)
    lines = server_output.splitlines()
    marks = [i for i, line in enumerate(lines) if any(mark in line for mark in SERVER_ERROR_MARKS)]
    assert not marks, "server errors in the log:\n" + "\n---\n".join("\n".join(lines[i : i + 25]) for i in marks[:3])
    still_admin(target)


def still_admin(target: Target) -> None:
    """The admin the fuzzer acted as kept its role and account (the self-demotion safeguard held)."""
    engine = create_engine(sync_url(target.database_url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT role, disabled_at FROM customer WHERE id = :id"), {"id": target.admin_id}).one()
    engine.dispose()
    assert (row.role, row.disabled_at) == ("admin", None), f"the fuzzer locked its own admin out: {row}"
