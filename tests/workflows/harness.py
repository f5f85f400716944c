"""A desk on the time-skipping server: the real TicketDesk and worker, real SQLite adapters,
and a clock that is the test server's own."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from adapters.database import CounterRow, UnitOfWork
from adapters.sealed_mail import MailKeys
from adapters.sql_contacts import SqlContacts
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_ticket_records import SqlTicketRecords
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel
from models.tickets import Language, TicketRecord, TicketRequest, TicketState
from starter.desks.engine import TemporalEngine
from starter.desks.tickets import TicketDesk
from tests.payload_keys import TEST_AUDIT_KEYS, TEST_KEYS
from worker import activities_on, build_worker

CALENDAR = ServiceCalendar()
# The suite's payload key, as the outbox seals the mails that hold a secret with it.
TEST_MAIL_KEYS = MailKeys.of([(key.key_id, key.secret) for key in TEST_KEYS])
# Tickets of every test share one test server: give each test its own block of numbers.
_number_blocks = itertools.count(start=100_000, step=1_000)


class Harness:
    def __init__(self, env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str) -> None:
        self.env = env
        self.task_queue = task_queue
        self.records = SqlTicketRecords(uow, TEST_MAIL_KEYS)
        self.now = datetime.now(UTC)
        self.desk = TicketDesk(
            TemporalEngine(env.client, task_queue),
            CALENDAR,
            SqlDirectory(uow),
            self.records,
            SqlCounters(uow),
            SqlContacts(uow, TEST_MAIL_KEYS),
            lambda: self.now,
        )
        self.opened: list[str] = []
        self.first_number = next(_number_blocks) + 1
        block = self.first_number - 1
        with uow.begin() as session:
            for year in range(2026, 2032):
                session.merge(CounterRow(series=f"T-{year}", last_number=block))

    async def move_to(self, local: datetime) -> None:
        """Skip the test server's clock forward to `local` (Montreal time)."""
        current = await self.env.get_current_time()
        await self.env.sleep(local.astimezone(UTC) - current)
        self.now = await self.env.get_current_time()

    async def skip(self, delta: timedelta) -> None:
        await self.env.sleep(delta)
        self.now = await self.env.get_current_time()

    async def next_local(
        self, weekday: int, at: time, condition: Callable[[datetime], bool]
    ) -> datetime:
        """The next Montreal-local instant after now on `weekday` at `at` meeting `condition`."""
        day = (await self.env.get_current_time()).astimezone(MONTREAL).date() + timedelta(days=1)
        while True:
            candidate = datetime.combine(day, at, MONTREAL)
            if day.weekday() == weekday and condition(candidate):
                return candidate
            day += timedelta(days=1)

    async def open(
        self,
        channel: Channel = Channel.email,
        urgent: bool = False,
        mo: str = "MTQ",
        received: datetime | None = None,
        contact_email: str | None = None,
        language: Language = Language.fr,
    ) -> TicketState:
        """Open a ticket received at `received` (default: the test server's now)."""
        self.now = await self.env.get_current_time()
        state = await self.desk.open(
            TicketRequest(
                mo=mo,
                channel=channel,
                urgent=urgent,
                requester="jdoe",
                subject="Accès LSA",
                description="Cannot log in to LSA",
                module="LSA",
                received_at=received or self.now,
                contact_email=contact_email,
                language=language,
            )
        )
        self.opened.append(state.id)
        return state

    async def terminate_all(self) -> None:
        """Stop this test's workflows: a timer firing later on a queue nobody polls would hold
        the shared test server's clock for the next test."""
        for ticket_id in self.opened:
            handle = self.env.client.get_workflow_handle(ticket_id)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await self.projected(ticket_id)  # no activity left half-run by the worker
                await handle.terminate("test finished")

    async def projected(self, ticket_id: str) -> TicketRecord:
        """The desk's record of the ticket once it has caught up with the workflow."""
        state = await self.desk.show(ticket_id)
        for _ in range(200):
            record = self.records.get(ticket_id)
            if record is not None and record.version == state.version:
                return record
            await asyncio.sleep(0.05)
        raise AssertionError(f"the projection of {ticket_id} never caught up")

    async def act(self, step_name: str, ticket_id: str, step: Any) -> TicketState:
        self.now = await self.env.get_current_time()
        return await self.desk.act(step_name, ticket_id, step)

    async def eventually(self, ticket_id: str, check: Callable[[TicketState], bool]) -> TicketState:
        """The ticket's state once `check` holds (fired timers are processed in real time)."""
        state = await self.desk.show(ticket_id)
        for _ in range(100):
            if check(state):
                return state
            await asyncio.sleep(0.05)
            state = await self.desk.show(ticket_id)
        raise AssertionError(f"condition never held; last state {state.status} {state.breached}")


@asynccontextmanager
async def running_desk(
    env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Harness]:
    harness = Harness(env, uow, task_queue)
    async with build_worker(
        env.client, task_queue, activities_on(uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS)
    ):
        try:
            yield harness
        finally:
            await harness.terminate_all()
