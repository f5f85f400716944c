"""The composition root: builds the settings, the database, the adapters and the activities,
and runs the worker. Only this module wires the real adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.audit import AuditActivities
from activities.employee_accesses import EmployeeAccessActivities
from activities.parameterisation import ParameterisationActivities
from activities.passwords import PasswordActivities
from activities.service_calendar import CalendarActivities
from activities.tickets import TicketActivities
from activities.training import TrainingActivities
from adapters.database import UnitOfWork, make_engine
from adapters.outbox_mailer import OutboxMailer
from adapters.schema import migrate
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_directory import SqlDirectory
from adapters.sql_request_facts import SqlRequestFacts
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from starter.client import connect, register_search_attributes
from starter.settings import Settings
from workflows.arrival import ArrivalWorkflow
from workflows.departure import DepartureWorkflow
from workflows.parameterisation import ParameterisationWorkflow
from workflows.password_reset import PasswordResetWorkflow
from workflows.ticket import TicketWorkflow
from workflows.training import TrainingRegistrationWorkflow

log = logging.getLogger("sagir_desk.worker")

WORKFLOWS: list[type] = [
    TicketWorkflow,
    ArrivalWorkflow,
    DepartureWorkflow,
    ParameterisationWorkflow,
    PasswordResetWorkflow,
    TrainingRegistrationWorkflow,
]


def activities_for(*instances: object) -> list[Callable[..., Any]]:
    """Every activity method (`@activity.defn`) of the given class-based activities."""
    return [
        getattr(instance, name)
        for instance in instances
        for name in sorted(vars(type(instance)))
        if hasattr(getattr(type(instance), name), "__temporal_activity_definition")
    ]


def employee_activities_on(uow: UnitOfWork) -> EmployeeAccessActivities:
    return EmployeeAccessActivities(
        SqlSagirErp(uow), OutboxMailer(uow), SqlSga(uow), SqlTicketRecords(uow), SqlDirectory(uow)
    )


def request_activities_on(
    uow: UnitOfWork,
) -> tuple[ParameterisationActivities, PasswordActivities, TrainingActivities]:
    erp, mailer = SqlSagirErp(uow), OutboxMailer(uow)
    return (
        ParameterisationActivities(erp, mailer),
        PasswordActivities(erp, mailer),
        TrainingActivities(SqlSga(uow), erp, mailer),
    )


def real_activities(settings: Settings, uow: UnitOfWork) -> list[Callable[..., Any]]:
    return activities_for(
        TicketActivities(SqlTicketRecords(uow), SqlDirectory(uow)),
        CalendarActivities(settings.calendar),
        employee_activities_on(uow),
        *request_activities_on(uow),
        AuditActivities(SqlAuditTrail(uow), SqlDirectory(uow), SqlRequestFacts(uow)),
    )


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, the same for the worker and the replayer."""
    # pydantic's email validation loads these lazily; pass them through the sandbox.
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "email_validator", "idna", "dns"
        )
    )


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    workflows: Sequence[type] = WORKFLOWS,
) -> Worker:
    """The worker, the same in production and in tests; only the activities' ports differ."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
        workflow_runner=workflow_runner(),
        # Activities are blocking database work: they run on threads.
        activity_executor=ThreadPoolExecutor(max_workers=16),
    )


async def run_worker(settings: Settings, client: Client | None = None) -> None:
    uow = UnitOfWork(make_engine(settings.database_url))
    migrate(uow.engine)
    client = client or await connect(settings)
    await register_search_attributes(client)  # idempotent: the first worker to start adds them
    worker = build_worker(client, settings.task_queue, real_activities(settings, uow))
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
    await worker.run()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker(Settings()))


if __name__ == "__main__":
    main()
