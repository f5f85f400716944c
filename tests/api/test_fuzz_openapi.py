"""A property-based fuzz run against the OpenAPI spec (issue 5): every operation, any caller,
path and query values of any text, bodies that are random JSON or a valid body with one field
broken. No answer is a 5xx, and a refused request starts no workflow and writes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    WorkflowHandle,
)
from temporalio.testing import WorkflowEnvironment

from adapters.database import (
    ApiTokenRow,
    BillingAgreementRow,
    BillingRateRow,
    CounterRow,
    RegistreChangeRow,
    RegistrePersonRow,
    UnitOfWork,
)
from tests.api.api_harness import Api, running_api
from tests.api.test_roles_matrix import (
    EVERY_ROLE,
    arrival_body,
    communique_body,
    departure_body,
    request_body,
    ticket_body,
)

# What a request writes itself, before any workflow runs (activities write the rest later).
SYNCHRONOUS = (
    CounterRow,
    RegistrePersonRow,
    RegistreChangeRow,
    ApiTokenRow,
    BillingAgreementRow,
    BillingRateRow,
)


class CountStarts(Interceptor):
    def __init__(self) -> None:
        self.started = 0

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        counter = self

        class Counting(OutboundInterceptor):
            async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
                handle = await super().start_workflow(input)
                counter.started += 1
                return handle

        return Counting(next)


STARTS = CountStarts()


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    config = local_env.client.config()
    config["interceptors"] = [STARTS]
    counted = Client(**config)
    env = WorkflowEnvironment.from_client(counted)
    async with running_api(env, demo_uow, task_queue) as running:
        for caller in EVERY_ROLE.values():
            running.token_for(caller)  # issued before the run: token rows are not its writes
        yield running


def operations(api: Api) -> list[tuple[str, str]]:
    spec = api.http._transport.app.openapi()  # type: ignore[attr-defined]
    return sorted(
        (method.upper(), path)
        for path, methods in spec["paths"].items()
        for method in methods
        if not path.startswith("/codec/{token}")
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Path values: any text, or ids that exist or could (so the routes' own code runs too).
path_values = st.text(min_size=1, max_size=30) | st.sampled_from(
    [
        "MTQ",
        "MSSS",
        "1",
        "T-2026-000001",
        "arrivee-MTQ-45871",
        "depart-MSSS-10233",
        "param-MTQ-2026-000001",
        "acces-MTQ-2026-000001",
        "motdepasse-MTQ-2026-000001",
        "formation-EI201-2027-02-MTQ-45871",
        "RF101-2027-01",
        "communique-2026-000001",
        "0" * 32,
        "paie-2027",
        "F-2026-000001",
        "facture-MTQ-2026-11",
    ]
)
VALID = {
    "/tickets": ticket_body,
    "/arrivals": arrival_body,
    "/departures": departure_body,
    "/requests": request_body,
    "/communiques": communique_body,
    "/billing/invoices": lambda caller, mo: {"mo": mo, "month": "2026-11"},
    "/billing/adjustments": lambda caller, mo: {"mo": mo, "year": "2026"},
    "/billing/rates": lambda caller, mo: {
        "per_employee_per_year": "195.00",
        "valid_from": "2027-04-01",
    },
    "/billing/schedules/backfill": lambda caller, mo: {"month": "2026-10", "mo": mo},
}


@st.composite
def request_for(draw: st.DrawFn, ops: list[tuple[str, str]]) -> tuple[Any, str, str, Any]:
    method, template = draw(st.sampled_from(ops))
    caller = draw(
        st.none()
        | st.sampled_from(list(EVERY_ROLE.values()))
        | st.sampled_from(list(EVERY_ROLE.values()))
    )
    path = re.sub(r"\{[^}]+\}", lambda _: quote(draw(path_values), safe="") or "x", template)
    if draw(st.booleans()):
        name = draw(
            st.sampled_from(["mo", "status", "kind", "month", "breached", "format", "year", "open"])
        )
        path += f"?{name}={quote(draw(st.text(max_size=20)), safe='')}"
    body: Any = None
    if method in ("POST", "PATCH"):
        valid = VALID.get(template)
        if valid is not None and caller is not None and draw(st.booleans()):
            body = valid(caller, draw(st.sampled_from(["MTQ", "MSSS"])))
            field = draw(st.sampled_from(sorted(body)))
            if draw(st.booleans()):
                body[field] = draw(json_values)
            else:
                del body[field]
        else:
            body = draw(json_values)
    return caller, method, path, body


def synchronous_rows(uow: UnitOfWork) -> list[int]:
    with uow.begin() as session:
        return [session.scalar(select(func.count()).select_from(t)) or 0 for t in SYNCHRONOUS]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_fuzzing_every_operation_finds_no_5xx_and_a_refusal_changes_nothing(
    api: Api, data: st.DataObject
) -> None:
    ops = operations(api)
    assert len(ops) > 40
    caller, method, path, body = data.draw(request_for(ops))
    rows, starts = synchronous_rows(api.harness.uow), STARTS.started
    response = await api.call(caller, method, path, body)
    assert response.status_code < 500, f"{method} {path} {body!r}: {response.text}"
    if response.status_code >= 400:
        assert STARTS.started == starts, f"{method} {path} started a workflow and failed"
        assert synchronous_rows(api.harness.uow) == rows, f"{method} {path} wrote and failed"
        assert set(response.json()) == {"detail"}
