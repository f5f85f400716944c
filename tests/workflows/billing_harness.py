"""Billing on the time-skipping server: the real desk, workflows and worker on a SQLite
database with the demo data, an agreement and the rate grid, a real SMTP server, and the
relay's round run by the test when it wants the mail delivered.

The desk reads the engine's clock (synced by `sync`, `skip` and `move_to`), or a later time the
test sets (`not_before`: a year-end adjustment is asked for once its period has ended)."""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from activities.mail_relay import MailRelayActivities
from adapters.database import EscalationRow, InvoiceRow, OutboxRow, UnitOfWork
from adapters.invoice_pdf import invoice_pdf
from adapters.sql_billing import SqlBilling
from adapters.sql_directory import SqlDirectory
from adapters.sql_invoices import SqlInvoices
from adapters.sql_outbox import SqlOutbox
from adapters.sql_receivables import SqlReceivables
from adapters.sql_ticket_records import SqlTicketRecords
from models.billing import (
    CURRENT_RATE,
    Agreement,
    InvoiceKind,
    InvoiceState,
    IssueInvoice,
    Period,
    Rate,
)
from models.mail import RelayReport
from models.service_calendar import MONTREAL
from starter.desks.billing import BillingDesk
from starter.desks.engine import TemporalEngine
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from worker import activities_on, build_worker
from workflows.billing import SCHEDULED_AT, BillingRunWorkflow, HeadcountWorkflow, InvoiceWorkflow

MO = "MTQ"
OTHER_MO = "MSSS"
NO_AGREEMENT_MO = "MELCCFP"  # a demo MO that never gets an agreement
CONTACT = "finances@mtq.example"
MONTH_OF_1000 = Decimal("16250.00")  # 1,000 x 195.00 $ / 12
CLERK = "facturation-roy"
RATE_SINCE = date(2020, 4, 1)
FISCAL_2026 = Period(date(2026, 4, 1), date(2027, 3, 31))

Value = TypeVar("Value")


class BillingHarness:
    def __init__(
        self,
        env: WorkflowEnvironment,
        uow: UnitOfWork,
        task_queue: str,
        smtp: TestSmtp,
        not_before: datetime | None = None,
    ) -> None:
        self.env = env
        self.uow = uow
        self.task_queue = task_queue
        self.smtp = smtp
        self.now = datetime.now(UTC)  # the engine's time, as last synced
        self.agreements = SqlBilling(uow, TEST_MAIL_KEYS)
        self.invoices = SqlInvoices(uow, TEST_MAIL_KEYS, invoice_pdf)
        self.sagir = SqlReceivables(uow)
        self.desk = BillingDesk(
            TemporalEngine(env.client, task_queue),
            self.agreements,
            self.invoices,
            SqlDirectory(uow),
            clock=lambda: self.now if not_before is None else max(self.now, not_before),
        )
        self.relay = MailRelayActivities(
            SqlOutbox(uow, TEST_MAIL_KEYS, invoices=self.invoices.content),
            smtp.mail_server(),
            SqlTicketRecords(uow),
            SqlDirectory(uow),
        )

    # --- the records ------------------------------------------------------------------------

    def agree(
        self,
        estimated: int = 1000,
        first_day: date = date(2026, 4, 1),
        mo: str = MO,
        contact: str = CONTACT,
    ) -> Agreement:
        """The MO's agreement, with the rate in force (195.00 $) in the grid since 2020."""
        self.add_rate(CURRENT_RATE, RATE_SINCE)
        return self.agreements.keep_agreement(
            Agreement(
                mo=mo, first_day=first_day, estimated_headcount=estimated, billing_contact=contact
            ),
            CLERK,
            _at(),
        )

    def add_rate(self, per_employee_per_year: Decimal, valid_from: date) -> None:
        self.agreements.add_rate(
            Rate(per_employee_per_year=per_employee_per_year, valid_from=valid_from), CLERK, _at()
        )

    def month_end_snapshots(self, count: int, period: Period = FISCAL_2026, mo: str = MO) -> None:
        """The MO's count on the last day of each month of `period` (the dossier personne's)."""
        for month in period.months():
            last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            self.agreements.take_snapshot(mo, last, count, _at())

    def invoiced_months(self, period: Period = FISCAL_2026, mo: str = MO) -> None:
        """The period's monthly invoices as the runs issued them, each on its month's first
        day (the records only: the year-end adjustment is counted against them)."""
        for month in period.months():
            self.invoices.issue(IssueInvoice.monthly(mo, month, "schedule"), month, _at())

    def numbers(self, key: str | None = None) -> list[str]:
        """The numbers of the invoice rows (under `key`, or all), in order."""
        query = select(InvoiceRow.number)
        if key is not None:
            query = query.where(InvoiceRow.key == key)
        with self.uow.begin() as session:
            return sorted(session.scalars(query))

    def outbox_keys(self, prefix: str) -> list[str]:
        """The mails queued whose key starts with `prefix`, in key order."""
        with self.uow.begin() as session:
            return sorted(
                session.scalars(
                    select(OutboxRow.idempotency_key).where(
                        OutboxRow.idempotency_key.startswith(prefix, autoescape=True)
                    )
                )
            )

    def escalations(self, workflow_id: str) -> list[tuple[str, str]]:
        """(key, kind) of the escalations about `workflow_id`, in key order."""
        with self.uow.begin() as session:
            return [
                (row.idempotency_key, row.kind)
                for row in session.scalars(
                    select(EscalationRow)
                    .where(EscalationRow.workflow_id == workflow_id)
                    .order_by(EscalationRow.idempotency_key)
                )
            ]

    # --- the engine -------------------------------------------------------------------------

    async def sync(self) -> datetime:
        self.now = await self.env.get_current_time()
        return self.now

    async def today(self) -> date:
        return (await self.sync()).astimezone(MONTREAL).date()

    async def skip(self, delta: timedelta) -> None:
        await self.env.sleep(delta)
        await self.sync()

    async def move_to(self, instant: datetime) -> None:
        """The engine's clock to `instant` (never back), the timers before it fired."""
        current = await self.env.get_current_time()
        if instant > current:
            await self.env.sleep(instant - current)
        await self.sync()

    async def eventually(
        self, read: Callable[[], Awaitable[Value]], check: Callable[[Value], bool]
    ) -> Value:
        """`read()`'s value once `check` holds (activities run in real time)."""
        value = await read()
        for _ in range(200):
            if check(value):
                return value
            await asyncio.sleep(0.05)
            value = await read()
        raise AssertionError(f"condition never held; last value {value!r}")

    async def state(self, key: str) -> InvoiceState:
        state: InvoiceState = await self.desk.engine.state(InvoiceWorkflow, key)
        return state

    async def settled(self, key: str, check: Callable[[InvoiceState], bool]) -> InvoiceState:
        """The invoice's state once `check` holds, it is mailed and the desk's records show
        the same."""
        noted = await self.eventually(
            lambda: self._noted_state(key), lambda state: state is not None and check(state)
        )
        assert noted is not None
        return noted

    async def _noted_state(self, key: str) -> InvoiceState | None:
        """The workflow's state when the desk's records show the same (None otherwise)."""
        state = await self.state(key)
        view = self.invoices.view(key)
        if view is None or view.status is not state.status or view.reminders != state.reminders:
            return None
        if view.paid != state.paid or not state.mailed:
            return None
        return state

    async def run(self, kind: InvoiceKind, scheduled: datetime, run_id: str) -> list[str]:
        """A billing run as its Schedule fires it at `scheduled`: the keys it started."""
        handle = await self.env.client.start_workflow(
            BillingRunWorkflow.run,
            kind,
            id=run_id,
            task_queue=self.task_queue,
            search_attributes=_scheduled(scheduled),
        )
        return await self.ended(handle)

    async def headcount_run(self, scheduled: datetime, run_id: str) -> int:
        handle = await self.env.client.start_workflow(
            HeadcountWorkflow.run,
            id=run_id,
            task_queue=self.task_queue,
            search_attributes=_scheduled(scheduled),
        )
        return await self.ended(handle)

    async def ended(self, handle: WorkflowHandle[Any, Value]) -> Value:
        """The workflow's result once it has ended. Waiting on `result()` at once would let the
        time-skipping server skip ahead meanwhile, firing the invoices' reminders."""
        await self.eventually(
            handle.describe,
            lambda described: described.status is not WorkflowExecutionStatus.RUNNING,
        )
        return await handle.result()

    async def deliver(self) -> RelayReport:
        """One round of the mail relay (as its Schedule runs it), off the event loop."""
        return await asyncio.to_thread(self.relay.deliver_due)


async def register_scheduled_start_time(env: WorkflowEnvironment) -> None:
    """The real server sets TemporalScheduledStartTime on what a Schedule starts (a system
    attribute); the time-skipping server has no Schedules, so it is added to it as a custom one,
    and a test starts a run the way its Schedule would."""
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={SCHEDULED_AT.name: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME},
        )
    )


def _scheduled(at: datetime) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(SCHEDULED_AT, at)])


def _at() -> datetime:
    return datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def montreal(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MONTREAL)


@asynccontextmanager
async def billing_desk(
    env: WorkflowEnvironment,
    uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    folder: Path,
    not_before: datetime | None = None,
) -> AsyncIterator[BillingHarness]:
    harness = BillingHarness(env, uow, task_queue, smtp, not_before)
    await harness.sync()
    await register_scheduled_start_time(env)
    activities = activities_on(
        uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS, attachments_dir=folder / "attachments"
    )
    async with build_worker(env.client, task_queue, activities):
        yield harness


__all__ = [
    "CLERK",
    "CONTACT",
    "FISCAL_2026",
    "MO",
    "MONTH_OF_1000",
    "NO_AGREEMENT_MO",
    "OTHER_MO",
    "BillingHarness",
    "billing_desk",
    "montreal",
]
