"""RULES.md "Personal information" for incoming mail: the sender's address, the subject, the
text and the files of a message appear nowhere in clear, neither in the engine's stored history,
nor in the logs of the intake, the desk and the worker, nor in the desk's database or the
attachments folder. (The ticket's subject and description do go into the workflow, sealed by
the payload codec like every payload.)"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork, metadata
from adapters.outbox_mailer import OutboxMailer
from models.tickets import AskClient, TakeTicket
from tests.workflows.harness import TEST_MAIL_KEYS
from tests.workflows.intake_harness import mail, running_intake
from tests.workflows.test_personal_data import opened_text

SENDER = "ginette.pelchat@mtq.gouv.qc.ca"
SUBJECT = "Dossier Pelchat bloqué"
TEXT = "Mon numéro d'assurance sociale 046 454 286 apparaît dans LSH"
ANSWER = "Ma date de naissance est le 12 mai"
FILE = b"PDF-CONTENT-OF-PELCHAT-0451"
NEEDLES = [SENDER, "Pelchat", "Pelchat bloqu", "046 454 286", "12 mai", FILE.decode()]


def database_text(uow: UnitOfWork) -> str:
    with uow.engine.connect() as connection:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
        )


async def test_a_mailed_ticket_keeps_no_personal_data_in_clear_in_history_logs_or_database(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "attachments"
    async with running_intake(time_skipping_env, demo_uow, task_queue, folder) as intake:
        first = mail(sender=f"Ginette Pelchat <{SENDER}>", subject=SUBJECT, body=TEXT)
        first.add_attachment(FILE, maintype="application", subtype="pdf", filename="Pelchat.pdf")
        assert (await intake.send(first))[0] == 250
        (ticket_id,) = intake.tickets()
        await intake.harness.act("take", ticket_id, TakeTicket(agent="agent-tremblay"))
        await intake.harness.act(
            "ask_client", ticket_id, AskClient(agent="agent-tremblay", question="Votre date ?")
        )
        reply = mail(
            sender=SENDER,
            subject=f"RE: [{ticket_id}] {SUBJECT}",
            body=ANSWER,
            message_id="<reply@mtq.gouv.qc.ca>",
        )
        assert (await intake.send(reply))[0] == 250
        await intake.harness.projected(ticket_id)
        history = await time_skipping_env.client.get_workflow_handle(ticket_id).fetch_history()
        stored = history.to_json()
        for needle in NEEDLES:
            assert needle not in stored, f"{needle} in clear in the history of {ticket_id}"
        # The engine holds the text it needs, sealed; never the address nor the file.
        opened = await opened_text(history)
        assert ANSWER in opened
        assert SENDER not in opened and FILE.decode() not in opened
        # The notices owed so far (acknowledgement, question) are in the outbox, sealed.
        outbox = OutboxMailer(demo_uow, TEST_MAIL_KEYS)
        notices = await intake.harness.eventually(
            ticket_id, lambda _: len(outbox.sent(f"{ticket_id}/notice/")) >= 2
        )
        assert notices is not None
        assert {mail.to for mail in outbox.sent(f"{ticket_id}/notice/")} == {SENDER}
        in_database = database_text(demo_uow)
        for needle in NEEDLES:
            assert needle not in in_database, f"{needle} in clear in the database"
        for path in folder.rglob("*"):
            if path.is_file():
                assert FILE not in path.read_bytes()
        # Sealed, they open for those who may read them.
        (listed,) = await intake.desk.attachments(ticket_id)
        assert listed.file_name == "Pelchat.pdf"
        assert (await intake.desk.attachment(ticket_id, listed.digest))[1] == FILE
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "received by email: ticket" in logged  # the intake did log, without the person
    for needle in NEEDLES:
        assert needle not in logged, f"{needle} in the logs"
