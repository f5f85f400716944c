"""The request desks on the time-skipping server (arrivals, departures, parameterisation and
access, passwords, training): the real desks and worker on a SQLite database with the demo data;
the ERP may be wrapped to inject failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.passwords import temporary_secret
from adapters.database import UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_request_records import SqlRequestRecords
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from models.arrivals import ArrivalRequest
from models.departures import BirthDayMonth, DepartureRequest
from models.directory import Person
from models.sagir import ErpRefused
from models.service_calendar import MONTREAL, ServiceCalendar
from starter.desks.arrivals import ArrivalDesk
from starter.desks.departures import DepartureDesk
from starter.desks.engine import TemporalEngine
from starter.desks.parameterisation import ParameterisationDesk
from starter.desks.passwords import PasswordDesk
from starter.desks.training import TrainingDesk
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.harness import TEST_MAIL_KEYS
from worker import activities_on, build_worker

CALENDAR = ServiceCalendar()
DOSSIER_WAIT_OPEN_DAYS = 3
ANSWER_WAIT_OPEN_DAYS = 3


def new_person(employee_number: str, mo: str = "MTQ", email_works: bool = True) -> Person:
    return Person(
        mo=mo,
        employee_number=employee_number,
        first_name="Gisèle",
        last_name="Pelletier",
        work_email=f"gisele.pelletier.{employee_number}@mtq.example",
        email_works=email_works,
        birth_day=21,
        birth_month=7,
    )


class PartitionRefusingErp(SqlSagirErp):
    """SAGIR refusing the partition step for good, after the earlier grants succeeded."""

    def set_partition(self, *args: Any, **kwargs: Any) -> bool:
        raise ErpRefused("SAGIR refused the partition group")


class FlakyGrantErp(SqlSagirErp):
    """A grant whose first attempt writes and then loses its answer (a timeout, a crash)."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.answers: list[bool] = []

    def grant(self, key: str, *args: Any) -> bool:
        wrote = super().grant(key, *args)
        self.answers.append(wrote)
        if len(self.answers) == 1:
            raise ConnectionError("answer lost after the write")
        return wrote


class DesksHarness:
    def __init__(self, env: WorkflowEnvironment, uow: UnitOfWork, erp: SqlSagirErp) -> None:
        self.env = env
        self.uow = uow
        self.erp = erp
        self.mail = OutboxMailer(uow, TEST_MAIL_KEYS)
        self.records = SqlTicketRecords(uow)
        self.requests = SqlRequestRecords(uow)
        self.now = datetime.now(UTC)
        self.started: list[str] = []
        self.task_queue = ""

    def clock(self) -> datetime:
        return self.now

    @property
    def engine(self) -> TemporalEngine:
        return TemporalEngine(self.env.client, self.task_queue)

    def arrivals(self) -> ArrivalDesk:
        directory = SqlDirectory(self.uow)
        return ArrivalDesk(
            self.engine, CALENDAR, directory, self.requests, DOSSIER_WAIT_OPEN_DAYS, self.clock
        )

    def departures(self) -> DepartureDesk:
        directory = SqlDirectory(self.uow)
        return DepartureDesk(self.engine, CALENDAR, directory, self.erp, self.requests, self.clock)

    def parameterisation(self) -> ParameterisationDesk:
        return ParameterisationDesk(
            self.engine,
            CALENDAR,
            SqlDirectory(self.uow),
            self.erp,
            SqlCounters(self.uow),
            self.requests,
            ANSWER_WAIT_OPEN_DAYS,
            self.clock,
        )

    def passwords(self) -> PasswordDesk:
        return PasswordDesk(
            self.engine,
            SqlDirectory(self.uow),
            self.erp,
            SqlCounters(self.uow),
            SqlRequestRecords(self.uow),
            self.clock,
        )

    def training(self) -> TrainingDesk:
        return TrainingDesk(
            self.engine, SqlDirectory(self.uow), self.erp, SqlSga(self.uow), self.clock
        )

    async def today(self) -> date:
        return (await self.env.get_current_time()).astimezone(MONTREAL).date()

    async def sync(self) -> datetime:
        self.now = await self.env.get_current_time()
        return self.now

    async def skip(self, delta: timedelta) -> None:
        await self.env.sleep(delta)
        await self.sync()

    async def move_to(self, instant: datetime) -> None:
        current = await self.env.get_current_time()
        if instant > current:
            await self.env.sleep(instant - current)
        await self.sync()

    async def eventually(self, read: Callable[[], Any], check: Callable[[Any], bool]) -> Any:
        """`read()`'s value once `check` holds (activities run in real time)."""
        value = await read()
        for _ in range(200):
            if check(value):
                return value
            await asyncio.sleep(0.05)
            value = await read()
        raise AssertionError(f"condition never held; last value {value!r}")

    async def terminate_all(self) -> None:
        for workflow_id in self.started:
            handle = self.env.client.get_workflow_handle(workflow_id)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                try:
                    await handle.terminate("test finished")
                except RPCError as error:
                    # It completed between the two calls: nothing left to stop.
                    if error.status is not RPCStatusCode.NOT_FOUND:
                        raise


def arrival_request(employee_number: str = "45871", **changes: Any) -> ArrivalRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": employee_number,
        "start_date": date(2099, 1, 1),
        "responsibilities": ["RF-CONSULTATION"],
        "authorised_by": "30001",
        "requested_by": "rh-mtq",
        "manager_email": "chef.section@mtq.example",
        "hr_email": "rh@mtq.example",
    }
    fields.update(changes)
    return ArrivalRequest(**fields)


def departure_request(
    departure_date: date, employee_number: str = "45871", **changes: Any
) -> DepartureRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": employee_number,
        "departure_date": departure_date,
        "birth": BirthDayMonth(birth_day=14, birth_month=3),  # the demo dossier's
        "notified_by": "rh-mtq",
    }
    fields.update(changes)
    return DepartureRequest(**fields)


@asynccontextmanager
async def running_desks(
    env: WorkflowEnvironment,
    uow: UnitOfWork,
    task_queue: str,
    erp: SqlSagirErp | None = None,
    make_secret: Callable[[], str] = temporary_secret,
) -> AsyncIterator[DesksHarness]:
    erp = erp or SqlSagirErp(uow)
    harness = DesksHarness(env, uow, erp)
    await harness.sync()
    activities = activities_on(uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS, erp, make_secret)
    async with build_worker(env.client, task_queue, activities):
        harness.task_queue = task_queue
        try:
            yield harness
        finally:
            await harness.terminate_all()
