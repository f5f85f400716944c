"""Lists never drop a record: they are read from the desk's records, filtered and sorted by the
database (the queue: urgent first, then the earliest deadline), a page at a time after a cursor,
with the whole list's count (`X-Total-Count`) and the next page's address (`Link`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_ticket_records import SqlTicketRecords
from models.roles import Role
from models.sla import Channel
from models.tickets import TicketRecord, TicketStatus
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.test_roles_matrix import arrival_body

AGENT = CALLERS[Role.ca_agent]
NOW = datetime.now(UTC)


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


def waiting(number: int) -> TicketRecord:
    """Ticket `number`, waiting, as its workflow's projection records it: every fifth urgent,
    deadlines spread so that urgency and deadline both decide the order."""
    return TicketRecord(
        id=f"T-2026-{number:06d}",
        mo="MTQ",
        channel=Channel.phone if number % 5 == 0 else Channel.email,
        urgent=number % 5 == 0,
        status=TicketStatus.received,
        received_at=NOW - timedelta(hours=1),
        due=NOW + timedelta(minutes=(number * 37) % 500),
        taken_at=None,
        assignee=None,
        breached=False,
        version=1,
        steps=[],
    )


async def test_a_queue_longer_than_a_page_lists_every_ticket_urgent_first_with_its_total(
    api: Api, demo_uow: UnitOfWork
) -> None:
    for number in range(1, 233):
        SqlTicketRecords(demo_uow).record(waiting(number))
    seen: list[dict[str, object]] = []
    path: str | None = "/queue"
    while path is not None:
        answer = await api.call(AGENT, "GET", path)
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Total-Count"] == "232"
        seen += answer.json()
        link = answer.headers.get("Link")
        path = link.split(">")[0].removeprefix("<").removeprefix("http://desk") if link else None
    assert len(seen) == len({item["id"] for item in seen}) == 232
    keys = [(not item["urgent"], item["due"], item["id"]) for item in seen]
    assert keys == sorted(keys)  # urgent first, then the earliest deadline, across pages


async def test_a_started_arrival_is_listed_from_the_desks_records_as_it_stands(api: Api) -> None:
    hr = CALLERS[Role.mo_hr]
    started = await api.call(hr, "POST", "/arrivals", arrival_body(hr, "MTQ"))
    assert started.status_code == 201, started.text
    arrival = started.json()["id"]
    # The workflow's feed writes the record a moment after each change: it catches up.
    for _ in range(100):
        listed = (await api.call(hr, "GET", "/arrivals")).json()
        shown = (await api.call(hr, "GET", f"/arrivals/{arrival}")).json()
        if listed and listed[0]["status"] == shown["status"]:
            break
        await asyncio.sleep(0.05)
    [item] = listed
    assert (item["id"], item["status"]) == (arrival, shown["status"])
    assert datetime.fromisoformat(item["due"]) == datetime.fromisoformat(shown["due"])
    other_mo = (await api.call(CALLERS[Role.mo_hr], "GET", "/arrivals?mo=MSSS")).json()
    assert other_mo == []


@pytest.mark.parametrize(
    ("query", "starts"),
    [
        ("cursor=not-one-of-ours", "cursor: is not a cursor this list gave"),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("limit=501", "limit: Input should be less than or equal to 500"),
        ("mo=M'TQ", "mo: String should match pattern"),  # the schema's own rule
    ],
)
async def test_a_bad_page_request_is_one_sentence(api: Api, query: str, starts: str) -> None:
    answer = await api.call(AGENT, "GET", f"/queue?{query}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(starts)
