"""Communiqués on the time-skipping server: the real desk, workflow and worker on a SQLite
database with the demo data and SAGIR users added, a real SMTP server, and the relay's round
run by the test when it wants the mail delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.mail_relay import MailRelayActivities
from adapters.attachment_files import FileAttachments
from adapters.database import UnitOfWork
from adapters.jinja_notices import NoticeTemplates
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_communiques import SqlCommuniques
from adapters.sql_contacts import SqlContacts
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_outbox import SqlOutbox
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sagir_users import SqlSagirUsers
from adapters.sql_ticket_records import SqlTicketRecords
from models.communiques import Group, NewFile, Side, Submission
from models.directory import Person
from models.mail import RelayReport
from starter.desks.communiques import CommuniqueDesk
from starter.desks.engine import TemporalEngine
from starter.desks.tickets import TicketDesk
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from worker import activities_on, build_worker

AUTHOR_MO = "MTQ"
MO_AUTHOR = "30001"  # a person of MTQ's dossier who writes the MO's communiqués
DGGIR_AUTHOR = "dggir-redaction"
BODY = (
    "Bonjour,\r\nLa paie du 15 décembre sera versée le 12.\r\n"
    "Ligne avec espaces en fin   \r\nÉté, façade, œuvre — « guillemets ».\r\n"
    "From the start of a line, and a dot:\r\n.\r\nFin"
)
ATTACHMENT = NewFile(
    name="calendrier-paie-2027.pdf",
    content_type="application/pdf",
    data=b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\r\n\x00\xff\n%%EOF",
)


def user(mo: str, number: str, email_works: bool = True) -> Person:
    return Person(
        mo=mo,
        employee_number=number,
        first_name="Claude",
        last_name="Fortin",
        work_email=f"claude.fortin.{number}@{mo.lower()}.example",
        email_works=email_works,
        birth_day=3,
        birth_month=4,
    )


def add_users(
    erp: SqlSagirErp,
    mo: str,
    numbers: Sequence[str],
    responsibilities: Sequence[str] = ("LS-EMPLOYE",),
    email_works: bool = True,
) -> None:
    """SAGIR users: a dossier personne with an active account holding `responsibilities`."""
    at = datetime(2026, 1, 5, 13, 30, tzinfo=UTC)
    for number in numbers:
        if erp.person(mo, number) is None:
            erp.add_person(user(mo, number, email_works))
        erp.create_account(f"test/{mo}/{number}/account", mo, number, at)
        for code in responsibilities:
            erp.grant(f"test/{mo}/{number}/{code}", mo, number, code, at)
        erp.activate_account(f"test/{mo}/{number}/activate", mo, number, at)


def dggir_submission(**changes: object) -> Submission:
    values: dict[str, object] = {
        "side": Side.dggir,
        "author": DGGIR_AUTHOR,
        "title": "Calendrier de la paie 2027",
        "body": BODY,
        "groups": [Group.parse("all")],
        "files": [ATTACHMENT],
    }
    values.update(changes)
    return Submission.model_validate(values)


def mo_submission(**changes: object) -> Submission:
    values: dict[str, object] = {
        "side": Side.mo,
        "mo": AUTHOR_MO,
        "author": MO_AUTHOR,
        "title": "Fermeture du bureau de Rimouski",
        "body": "Le bureau de Rimouski sera fermé le 24 décembre.",
        "groups": [Group.parse("all")],
    }
    values.update(changes)
    return Submission.model_validate(values)


class CommuniqueHarness:
    def __init__(
        self,
        env: WorkflowEnvironment,
        uow: UnitOfWork,
        task_queue: str,
        smtp: TestSmtp,
        folder: Path,
    ) -> None:
        self.env = env
        self.uow = uow
        self.task_queue = task_queue
        self.smtp = smtp
        self.erp = SqlSagirErp(uow)
        self.files = FileAttachments(folder / "attachments", TEST_MAIL_KEYS)
        self.records = SqlCommuniques(uow, TEST_MAIL_KEYS, self.files)
        self.users = SqlSagirUsers(uow)
        engine = TemporalEngine(env.client, task_queue)
        tickets = TicketDesk(
            engine,
            CALENDAR,
            SqlDirectory(uow),
            SqlTicketRecords(uow),
            SqlCounters(uow),
            SqlContacts(uow, TEST_MAIL_KEYS),
        )
        self.desk = CommuniqueDesk(
            engine,
            self.records,
            SqlSagirUsers(uow),
            SqlDirectory(uow),
            self.erp,
            SqlCounters(uow),
            self.files,
            tickets,
            OutboxMailer(uow, TEST_MAIL_KEYS),
            NoticeTemplates(),
            question_days=30,
        )
        self.relay = MailRelayActivities(
            SqlOutbox(uow, TEST_MAIL_KEYS, contents=self.records.content_reader()),
            smtp.mail_server(),
            SqlTicketRecords(uow),
            SqlDirectory(uow),
        )

    async def deliver(self) -> RelayReport:
        """One round of the mail relay (as its Schedule runs it), off the event loop."""
        return await asyncio.to_thread(self.relay.deliver_due)


@asynccontextmanager
async def communique_desk(
    env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str, smtp: TestSmtp, folder: Path
) -> AsyncIterator[CommuniqueHarness]:
    harness = CommuniqueHarness(env, uow, task_queue, smtp, folder)
    activities = activities_on(
        uow,
        CALENDAR,
        TEST_AUDIT_KEYS,
        TEST_MAIL_KEYS,
        attachments_dir=folder / "attachments",
    )
    async with build_worker(env.client, task_queue, activities):
        yield harness
