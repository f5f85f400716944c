"""The composition root of the worker: builds the settings, the database, the adapters and the
activities, and runs the worker. Only this module wires the real adapters into activities."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.arrivals import ArrivalActivities
from activities.audit import AuditActivities
from activities.billing import BillingActivities
from activities.communiques import CommuniqueActivities
from activities.departures import DepartureActivities
from activities.dossiers import DossierActivities
from activities.employee_changes import EmployeeChangeActivities
from activities.mail_relay import DEFAULT_MAX_ATTEMPTS, MailRelayActivities
from activities.notices import NoticeActivities
from activities.parameterisation import ParameterisationActivities
from activities.passwords import PasswordActivities, temporary_secret
from activities.registre import RegistreActivities
from activities.service_calendar import CalendarActivities
from activities.tickets import TicketActivities
from activities.training import TrainingActivities
from adapters.attachment_files import FileAttachments
from adapters.database import UnitOfWork, make_engine
from adapters.file_checkpoints import FileCheckpoints
from adapters.invoice_pdf import invoice_pdf
from adapters.jinja_notices import NoticeTemplates
from adapters.outbox_mailer import DEFAULT_MAIL_DOMAIN, OutboxMailer
from adapters.ports import MailServer, SagirErp, Wordings
from adapters.schema import migrate
from adapters.sealed_mail import MailKeys
from adapters.smtp_mail_server import SmtpMailServer
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_communiques import SqlCommuniques
from adapters.sql_contacts import SqlContacts
from adapters.sql_directory import SqlDirectory
from adapters.sql_invoices import SqlInvoices
from adapters.sql_outbox import SqlOutbox
from adapters.sql_receivables import SqlReceivables
from adapters.sql_request_facts import SqlRequestFacts
from adapters.sql_request_records import SqlRequestRecords
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sagir_users import SqlSagirUsers
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from models.audit import SealKeys
from models.service_calendar import ServiceCalendar
from models.sla import DEFAULT_WARNING, WarningPolicy
from starter.client import (
    connect,
    ensure_schedules,
    metrics_runtime,
    register_search_attributes,
)
from starter.settings import Settings
from workflows.registry import WORKFLOWS, workflow_runner

log = logging.getLogger("sagir_desk.worker")

GRACEFUL_SHUTDOWN = timedelta(seconds=10)


def activities_for(*instances: object) -> list[Callable[..., Any]]:
    """Every activity method (`@activity.defn`) of the given class-based activities."""
    return [
        getattr(instance, name)
        for instance in instances
        for name in sorted(vars(type(instance)))
        if hasattr(getattr(type(instance), name), "__temporal_activity_definition")
    ]


def activities_on(
    uow: UnitOfWork,
    calendar: ServiceCalendar,
    audit_keys: SealKeys,
    mail_keys: MailKeys,
    erp: SagirErp | None = None,
    make_secret: Callable[[], str] = temporary_secret,
    checkpoint_file: Path | None = None,
    mail_server: MailServer | None = None,
    mail: MailSettings | None = None,
    wordings: Wordings | None = None,
    attachments_dir: Path | None = None,
    warnings: WarningPolicy = DEFAULT_WARNING,
) -> list[Callable[..., Any]]:
    """Every activity of the desk on one database; tests may put another ERP in SAGIR's place
    (one that fails on cue) or a known temporary secret. Without a mail server, the relay's
    activity refuses to run (no SAGIR_SMTP_URL) and mail stays queued."""
    erp = erp or SqlSagirErp(uow)
    mail = mail or MailSettings()
    wordings = wordings or NoticeTemplates()
    contacts = SqlContacts(uow, mail_keys)
    directory, mailer, sga, records = (
        SqlDirectory(uow),
        OutboxMailer(uow, mail_keys, mail.domain),
        SqlSga(uow),
        SqlTicketRecords(uow, mail_keys),
    )
    trail = SqlAuditTrail(uow, audit_keys)
    # Where the communiqués' attachments are kept (the desk writes them, the relay reads them).
    communiques = SqlCommuniques(
        uow,
        mail_keys,
        FileAttachments(attachments_dir or Path("attachments"), mail_keys),
        mail.domain,
    )
    invoices = SqlInvoices(uow, mail_keys, invoice_pdf, mail.domain, wordings)
    return activities_for(
        TicketActivities(records, directory, contacts, mailer, wordings, trail),
        CalendarActivities(calendar, warnings),
        DossierActivities(erp),
        ArrivalActivities(erp, sga),
        DepartureActivities(erp),
        NoticeActivities(erp, mailer, records, directory, wordings),
        ParameterisationActivities(erp, mailer, wordings),
        PasswordActivities(erp, mailer, wordings, make_secret),
        TrainingActivities(sga, erp, mailer, wordings),
        EmployeeChangeActivities(erp, mailer, wordings),
        CommuniqueActivities(communiques, SqlSagirUsers(uow)),
        BillingActivities(invoices, SqlReceivables(uow), records, directory),
        RegistreActivities(directory, erp, mailer, wordings),
        MailRelayActivities(
            SqlOutbox(uow, mail_keys, mail.domain, communiques.content_reader(), invoices.content),
            mail_server,
            records,
            directory,
            mail.max_attempts,
        ),
        AuditActivities(
            trail,
            directory,
            SqlRequestFacts(uow),
            SqlRequestRecords(uow),
            FileCheckpoints(checkpoint_file) if checkpoint_file else None,
        ),
    )


@dataclass(frozen=True)
class MailSettings:
    """What the mail port and its relay take from the settings, as plain data."""

    domain: str = DEFAULT_MAIL_DOMAIN  # of the Message-IDs
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


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
        # On SIGTERM, the activities in hand finish (short database and mail work) rather than
        # being interrupted: the SDK interrupts a thread by raising into whatever it runs.
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )


async def run_worker(settings: Settings) -> None:
    """Poll until SIGTERM or SIGINT, then finish the tasks in hand and stop; the engine keeps
    every workflow's state for the next worker."""
    uow = UnitOfWork(make_engine(settings.database_url))
    migrate(uow.engine)
    client = await connect(settings, runtime=metrics_runtime(settings))
    await register_search_attributes(client)  # idempotent: the first worker to start adds them
    await ensure_schedules(client, settings)  # idempotent too
    smtp = settings.smtp_server
    if smtp is None:
        log.info("mail relay: off (SAGIR_SMTP_URL is not set); mail stays queued in the outbox")
    else:
        log.info("mail relay: to %s every %d s", smtp.shown, settings.mail_relay_seconds)
    # The payload keys seal the mails that hold a secret, as they seal the engine's payloads.
    templates = NoticeTemplates(settings.notice_templates)
    for problem in templates.check():
        log.error("notice template: %s (the shipped wording is used)", problem)
    activities = activities_on(
        uow,
        settings.calendar,
        settings.audit_keys,
        settings.mail_keys,
        mail_server=None if smtp is None else SmtpMailServer(smtp, settings.mail_from),
        mail=MailSettings(settings.mail_domain, settings.smtp_max_attempts),
        wordings=templates,
        attachments_dir=settings.attachments_dir,
        warnings=settings.warning_policy,
    )
    worker = build_worker(client, settings.task_queue, activities)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with worker:
        log.info(
            "worker running: polling task queue %s on %s",
            settings.task_queue,
            settings.temporal_address,
        )
        await stop.wait()
        log.info("worker stopping")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for chatty in ("temporalio", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    asyncio.run(run_worker(Settings()))


if __name__ == "__main__":
    main()
