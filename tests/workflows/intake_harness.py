"""The mail intake on a real engine: the SMTP server on a free port in the test's own event loop,
over the ticket desk of `harness.py` and a communiqués' desk beside it, on the same clock
(time-skipping server, worker, SQLite), the messages sent with smtplib from a thread as another
server would send them."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from adapters.attachment_files import FileAttachments
from adapters.database import UnitOfWork
from adapters.jinja_notices import NoticeTemplates
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_communiques import SqlCommuniques
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_inbound import SqlInbound
from adapters.sql_mail_domains import SqlMailDomains
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sagir_users import SqlSagirUsers
from models.inbound import (
    DEFAULT_FILE_KINDS,
    AttachmentPolicy,
    InboundMessage,
    IntakeAddresses,
    attachment_types,
)
from starter.desks.communiques import CommuniqueDesk
from starter.desks.engine import TemporalEngine
from starter.desks.errors import Unavailable
from starter.desks.intake import IntakeDesk, IntakePolicy
from starter.intake import bound_port, intake_server
from tests.workflows.harness import TEST_MAIL_KEYS, Harness, running_desk

DESK = "assistance@sagir-desk.local"
FAX_GATEWAY = "telecopieur@mtq.gouv.qc.ca"
VOICEMAIL = "boite-vocale@sagir-desk.local"
MAX_BYTES = 200_000
MAX_FILE_BYTES = 100_000
POLICY = IntakePolicy(
    IntakeAddresses(desk=DESK, fax=frozenset({FAX_GATEWAY}), voicemail=frozenset({VOICEMAIL})),
    AttachmentPolicy(types=attachment_types(DEFAULT_FILE_KINDS), max_bytes=MAX_FILE_BYTES),
)


def mail(
    sender: str = "Jean Doe <jean.doe@mtq.gouv.qc.ca>",
    subject: str = "Accès LSA refusé",
    body: str = "Bonjour,\nJe ne peux plus me connecter à LSA depuis ce matin.\n",
    message_id: str | None = "<intake-1@mtq.gouv.qc.ca>",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = DESK
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def as_sent(message: EmailMessage) -> bytes:
    """The bytes a server sends: lines ended by CRLF."""
    return message.as_bytes(policy=policy.SMTP)


def send_now(port: int, data: bytes, sender: str = "x@mtq.gouv.qc.ca") -> tuple[int, str]:
    """One message over SMTP, as a sending server would (no SIZE declared up front): the
    server's answer to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("sender.example")
        smtp.mail(sender)
        smtp.rcpt(DESK)
        return _data(smtp, data)


def _data(smtp: smtplib.SMTP, data: bytes) -> tuple[int, str]:
    reply: bytes | str
    try:
        code, reply = smtp.data(data)
    except smtplib.SMTPDataError as refused:
        code, reply = refused.smtp_code, refused.smtp_error
    except smtplib.SMTPServerDisconnected:
        return 0, "disconnected"
    return code, reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class DownEngine:
    """An engine that cannot be reached (the Temporal server down)."""

    async def start(self, *args: Any, **kwargs: Any) -> None:
        raise Unavailable("the Temporal engine or its workers are not answering")

    async def state(self, *args: Any, **kwargs: Any) -> Any:
        raise Unavailable("the Temporal engine or its workers are not answering")

    async def step(self, *args: Any, **kwargs: Any) -> Any:
        raise Unavailable("the Temporal engine or its workers are not answering")

    async def signal(self, *args: Any, **kwargs: Any) -> None:
        raise Unavailable("the Temporal engine or its workers are not answering")

    async def result(self, *args: Any, **kwargs: Any) -> Any:
        raise Unavailable("the Temporal engine or its workers are not answering")

    async def list(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise Unavailable("the Temporal engine or its workers are not answering")


@dataclass
class Intake:
    harness: Harness
    desk: IntakeDesk
    inbound: SqlInbound
    files: FileAttachments
    folder: Path
    port: int
    uow: UnitOfWork

    async def send(self, message: EmailMessage | bytes, port: int | None = None) -> tuple[int, str]:
        """Send at the engine's now (the desk's clock reads it); the server's answer."""
        self.harness.now = await self.harness.env.get_current_time()
        data = message if isinstance(message, bytes) else as_sent(message)
        answer = await asyncio.to_thread(send_now, port or self.port, data)
        for ticket in self.tickets() + self.question_tickets():
            if ticket not in self.harness.opened:
                self.harness.opened.append(ticket)
        return answer

    @property
    def communiques(self) -> CommuniqueDesk:
        return self.desk.communiques

    def messages(self) -> list[InboundMessage]:
        with self.uow.engine.connect() as connection:
            keys = [row[0] for row in connection.exec_driver_sql("SELECT id FROM inbound_mail")]
        found = [self.inbound.get(key) for key in keys]
        return [message for message in found if message is not None]

    def tickets(self) -> list[str]:
        return sorted(
            {m.ticket_id for m in self.messages() if m.ticket_id and m.outcome.value == "ticket"}
        )

    def question_tickets(self) -> list[str]:
        """The tickets the questions on DGGIR communiqués opened (their numbers reserved)."""
        return sorted(
            {m.ticket_id for m in self.messages() if m.ticket_id and m.outcome.value == "question"}
        )

    def down(self) -> IntakeDesk:
        """The same intake, its engine unreachable."""
        tickets = replace(self.desk.tickets, engine=DownEngine())
        communiques = replace(self.desk.communiques, engine=DownEngine(), tickets=tickets)
        return replace(self.desk, tickets=tickets, communiques=communiques)


@asynccontextmanager
async def running_intake(
    env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str, folder: Path
) -> AsyncIterator[Intake]:
    async with running_desk(env, uow, task_queue) as harness:
        inbound = SqlInbound(uow, TEST_MAIL_KEYS)
        files = FileAttachments(folder, TEST_MAIL_KEYS)
        communiques = CommuniqueDesk(
            TemporalEngine(env.client, task_queue),
            SqlCommuniques(uow, TEST_MAIL_KEYS, files),
            SqlSagirUsers(uow),
            SqlDirectory(uow),
            SqlSagirErp(uow),
            SqlCounters(uow),
            files,
            harness.desk,
            OutboxMailer(uow, TEST_MAIL_KEYS),
            NoticeTemplates(),
            clock=lambda: harness.now,
        )
        desk = IntakeDesk(
            harness.desk,
            inbound,
            SqlMailDomains(uow),
            files,
            POLICY,
            communiques,
            lambda: harness.now,
        )
        async with intake_server(desk, "127.0.0.1", 0, DESK, MAX_BYTES) as server:
            yield Intake(harness, desk, inbound, files, folder, bound_port(server), uow)
