"""Arrivals and departures on the time-skipping server: the real EmployeeDesk and worker on a
SQLite database with the demo data; the ERP may be wrapped to inject failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.audit import AuditActivities
from activities.employee_accesses import EmployeeAccessActivities
from activities.parameterisation import ParameterisationActivities
from activities.passwords import PasswordActivities, temporary_secret
from activities.service_calendar import CalendarActivities
from activities.tickets import TicketActivities
from activities.training import TrainingActivities
from adapters.database import UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_request_facts import SqlRequestFacts
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from models.arrivals import ArrivalRequest
from models.departures import BirthDayMonth, DepartureRequest
from models.directory import Person
from models.sagir import ErpRefused
from models.service_calendar import MONTREAL, ServiceCalendar
from starter.employee_desk import EmployeeDesk
from starter.parameterisation_desk import ParameterisationDesk
from starter.password_desk import PasswordDesk
from starter.training_desk import TrainingDesk
from worker import activities_for, build_worker

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


class EmployeeHarness:
    def __init__(self, env: WorkflowEnvironment, uow: UnitOfWork, erp: SqlSagirErp) -> None:
        self.env = env
        self.uow = uow
        self.erp = erp
        self.mail = OutboxMailer(uow)
        self.records = SqlTicketRecords(uow)
        self.now = datetime.now(UTC)
        self.started: list[str] = []
        self.task_queue = ""

    def param_desk(self) -> ParameterisationDesk:
        return ParameterisationDesk(
            self.env.client,
            self.task_queue,
            CALENDAR,
            SqlDirectory(self.uow),
            self.erp,
            SqlCounters(self.uow).next_number,
            ANSWER_WAIT_OPEN_DAYS,
            lambda: self.now,
        )

    def password_desk(self) -> PasswordDesk:
        return PasswordDesk(
            self.env.client,
            self.task_queue,
            SqlDirectory(self.uow),
            self.erp,
            SqlCounters(self.uow).next_number,
            lambda: self.now,
        )

    def training_desk(self) -> TrainingDesk:
        return TrainingDesk(
            self.env.client,
            self.task_queue,
            SqlDirectory(self.uow),
            self.erp,
            SqlSga(self.uow),
            lambda: self.now,
        )

    def desk(self, task_queue: str) -> EmployeeDesk:
        return EmployeeDesk(
            self.env.client,
            task_queue,
            CALENDAR,
            SqlDirectory(self.uow),
            self.erp,
            DOSSIER_WAIT_OPEN_DAYS,
            lambda: self.now,
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
async def running_employee_desk(
    env: WorkflowEnvironment,
    uow: UnitOfWork,
    task_queue: str,
    erp: SqlSagirErp | None = None,
    make_secret: Callable[[], str] = temporary_secret,
) -> AsyncIterator[tuple[EmployeeHarness, EmployeeDesk]]:
    erp = erp or SqlSagirErp(uow)
    harness = EmployeeHarness(env, uow, erp)
    await harness.sync()
    activities = activities_for(
        TicketActivities(harness.records, SqlDirectory(uow)),
        CalendarActivities(CALENDAR),
        EmployeeAccessActivities(
            erp, harness.mail, SqlSga(uow), harness.records, SqlDirectory(uow)
        ),
        ParameterisationActivities(erp, harness.mail),
        PasswordActivities(erp, harness.mail, make_secret),
        TrainingActivities(SqlSga(uow), erp, harness.mail),
        AuditActivities(SqlAuditTrail(uow), SqlDirectory(uow), SqlRequestFacts(uow)),
    )
    async with build_worker(env.client, task_queue, activities):
        harness.task_queue = task_queue
        try:
            yield harness, harness.desk(task_queue)
        finally:
            await harness.terminate_all()
