"""Incoming mail opens and threads tickets (issue 12): a real SMTP intake in the test's event
loop, a real engine (time-skipping), worker and database. RULES.md: every channel but the phone
is due at the first open instant at or after T0 + 24 hours, T0 the first open instant at or
after the desk's receipt."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from adapters.database import UnitOfWork
from models.inbound import Delivery, Outcome
from models.sla import Channel, take_in_charge_deadline
from models.tickets import (
    AskClient,
    CheckQuality,
    ProposeSolution,
    ReturnToClient,
    StepKind,
    TakeTicket,
    TicketStatus,
)
from starter.intake import IntakeRounds, bound_port
from tests.workflows.harness import CALENDAR
from tests.workflows.intake_harness import (
    FAX_GATEWAY,
    MAX_BYTES,
    Intake,
    as_sent,
    intake_server,
    mail,
    running_intake,
)
from workflows.mail_intake import MailIntakeWorkflow

MONDAY = 0


@pytest.fixture
async def intake(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str, tmp_path: Path
) -> AsyncIterator[Intake]:
    async with running_intake(
        time_skipping_env, demo_uow, task_queue, tmp_path / "attachments"
    ) as running:
        yield running


async def on_a_monday_at_10(intake: Intake) -> None:
    """The engine's clock moved to a Monday 10:00 whose deadline is the next day 10:00."""
    monday = await intake.harness.next_local(
        MONDAY,
        time(10, 0),
        lambda at: take_in_charge_deadline(Channel.email, at, CALENDAR) == at + timedelta(days=1),
    )
    await intake.harness.move_to(monday)


async def test_a_message_from_an_mo_domain_opens_an_email_ticket_due_24_hours_after_receipt(
    intake: Intake,
) -> None:
    await on_a_monday_at_10(intake)
    code, reply = await intake.send(mail())
    received = intake.harness.now
    (ticket_id,) = intake.tickets()
    assert (code, reply) == (250, f"2.0.0 Recu : billet {ticket_id}")
    state = await intake.harness.desk.show(ticket_id)
    assert (state.mo, state.channel, state.status) == ("MTQ", Channel.email, TicketStatus.received)
    assert state.received_at == received
    assert state.due == received + timedelta(days=1)
    assert state.subject == "Accès LSA refusé"
    assert state.description.startswith("Bonjour,\nJe ne peux plus me connecter")
    assert state.requester == "courriel"  # never the address: it stays sealed with the desk
    contact = intake.harness.desk.contacts.of(ticket_id)
    assert contact is not None and contact.address == "jean.doe@mtq.gouv.qc.ca"
    (message,) = intake.messages()
    assert (message.outcome, message.delivery) == (Outcome.ticket, Delivery.delivered)


async def test_a_tagged_reply_answers_the_question_of_a_ticket_waiting_on_the_client(
    intake: Intake,
) -> None:
    await intake.send(mail())
    (ticket_id,) = intake.tickets()
    await intake.harness.act("take", ticket_id, TakeTicket(agent="agent-tremblay"))
    await intake.harness.act(
        "ask_client", ticket_id, AskClient(agent="agent-tremblay", question="Quel navigateur ?")
    )
    reply = mail(
        subject=f"RE: [{ticket_id}] Accès LSA refusé",
        body="Firefox 128.\n\nLe lun. 23 nov. 2026, agent a écrit :\n> Quel navigateur ?\n",
        message_id="<intake-2@mtq.gouv.qc.ca>",
    )
    code, text = await intake.send(reply)
    assert (code, text) == (250, f"2.0.0 Recu : ajoute au billet {ticket_id}")
    state = await intake.harness.desk.show(ticket_id)
    assert state.status is TicketStatus.in_charge
    assert (state.steps[-1].kind, state.steps[-1].note) == (StepKind.answer, "Firefox 128.")


async def test_a_reply_from_a_stranger_goes_to_triage_not_to_the_ticket(intake: Intake) -> None:
    await intake.send(mail())
    (ticket_id,) = intake.tickets()
    stranger = mail(
        sender="quelqu.un@gmail.com",
        subject=f"RE: [{ticket_id}] Accès",
        message_id="<x@gmail.com>",
    )
    assert (await intake.send(stranger))[0] == 250
    state = await intake.harness.desk.show(ticket_id)
    assert [step.kind for step in state.steps] == [StepKind.received]
    assert (await intake.desk.triage()).total == 1


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}],
    ids=["auto-reply", "bulk"],
)
async def test_an_auto_reply_or_a_bulk_message_opens_nothing(
    intake: Intake, headers: dict[str, str]
) -> None:
    code, _ = await intake.send(mail(**headers))
    assert code == 250  # taken, so the sender's server does not bounce it back to us
    assert intake.tickets() == []
    (message,) = intake.messages()
    assert (message.outcome, message.delivery) == (Outcome.ignored, Delivery.none)


async def test_an_oversized_message_is_refused_with_552_and_leaves_no_row_and_no_file(
    intake: Intake,
) -> None:
    big = mail()
    big.add_attachment(
        b"%PDF-1.4" + b"0" * MAX_BYTES, maintype="application", subtype="pdf", filename="a.pdf"
    )
    code, reply = await intake.send(big)
    assert code == 552
    assert "Message trop volumineux" in reply
    assert intake.messages() == []
    assert intake.files.kept() == []


async def test_a_file_over_the_per_file_limit_or_of_a_refused_type_leaves_nothing(
    intake: Intake,
) -> None:
    executable = mail()
    executable.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="x-msdownload", filename="a.exe"
    )
    code, reply = await intake.send(executable)
    assert code == 554
    assert "application/x-msdownload" in reply
    assert intake.messages() == [] and intake.files.kept() == []


@pytest.mark.parametrize(
    "data",
    [
        as_sent(mail(sender="")),  # no From
        b"From: not an address\r\nSubject: x\r\n\r\nbody\r\n",
    ],
    ids=["no-from", "no-address"],
)
async def test_a_malformed_message_is_refused_and_leaves_nothing(
    intake: Intake, data: bytes
) -> None:
    code, reply = await intake.send(data)
    assert code == 550
    assert "From" in reply
    assert intake.messages() == [] and intake.files.kept() == []


async def test_a_fax_gateway_message_opens_a_fax_ticket_with_its_attachment_downloadable(
    intake: Intake,
) -> None:
    fax = mail(sender=FAX_GATEWAY, subject="Télécopie de 418 555-0100", body="")
    page = b"II*\x00 a scanned page " + bytes(range(256))
    fax.add_attachment(page, maintype="image", subtype="tiff", filename="telecopie.tif")
    assert (await intake.send(fax))[0] == 250
    (ticket_id,) = intake.tickets()
    state = await intake.harness.desk.show(ticket_id)
    assert state.channel is Channel.fax
    assert intake.harness.desk.contacts.of(ticket_id) is None  # a gateway is nobody's address
    (listed,) = await intake.desk.attachments(ticket_id)
    assert (listed.file_name, listed.content_type, listed.size) == (
        "telecopie.tif",
        "image/tiff",
        len(page),
    )
    found, data = await intake.desk.attachment(ticket_id, listed.digest)
    assert data == page
    # Kept sealed: the file on disk is not the page.
    stored = (intake.folder / listed.digest[:2] / listed.digest).read_bytes()
    assert page not in stored


async def test_an_unknown_sender_waits_in_triage_and_sorting_it_opens_a_ticket_due_from_receipt(
    intake: Intake,
) -> None:
    await on_a_monday_at_10(intake)
    await intake.send(mail(sender="Pierre <pierre@exemple.org>"))
    received = intake.harness.now
    triage = await intake.desk.triage()
    (item,) = triage.items
    assert (item.received_at, item.due) == (received, received + timedelta(days=1))
    assert item.sender == "pierre@exemple.org"
    assert intake.tickets() == []
    await intake.harness.skip(timedelta(hours=3))  # sorted later the same day
    receipt = await intake.desk.sort(item.id[:10], "MSSS", "agent-roy")
    assert receipt.delivered and receipt.ticket_id is not None
    intake.harness.opened.append(receipt.ticket_id)
    state = await intake.harness.desk.show(receipt.ticket_id)
    assert (state.mo, state.received_at, state.due) == (
        "MSSS",
        received,
        received + timedelta(days=1),
    )
    (message,) = intake.messages()
    assert (message.sorted_by, message.outcome) == ("agent-roy", Outcome.ticket)
    assert (await intake.desk.triage()).total == 0


async def test_the_same_message_delivered_twice_opens_one_ticket(intake: Intake) -> None:
    first = await intake.send(mail())
    again = await intake.send(mail())
    assert first[0] == again[0] == 250
    assert again[1] == "2.0.0 Message deja recu"
    assert len(intake.tickets()) == 1
    assert len(intake.messages()) == 1


async def test_a_message_received_while_the_engine_is_down_is_delivered_by_the_sweep(
    intake: Intake,
) -> None:
    down = intake.down()
    async with intake_server(down, "127.0.0.1", 0, "assistance@sagir-desk.local", MAX_BYTES) as s:
        code, reply = await intake.send(mail(), port=bound_port(s))
        assert code == 250  # recorded: the sender's server is done with it
        assert await down.sweep() == 0  # still down: still owed
    (owed,) = intake.messages()
    assert (owed.delivery, owed.attempts) == (Delivery.pending, 2)
    assert owed.ticket_id is not None and reply.endswith(owed.ticket_id)
    # The engine is back: the sweep opens the ticket with the number reserved at receipt.
    assert await intake.desk.sweep() == 1
    assert await intake.desk.sweep() == 0
    state = await intake.harness.desk.show(owed.ticket_id)
    assert (state.received_at, state.channel) == (owed.received_at, Channel.email)
    assert intake.tickets() == [owed.ticket_id]
    # A sweep running twice at once (two intakes) opens nothing more: the number is taken.
    await intake.desk.deliver(owed.id)
    assert intake.tickets() == [owed.ticket_id]


async def test_a_round_of_the_intake_schedule_delivers_what_the_engine_could_not_take(
    intake: Intake,
) -> None:
    down = intake.down()
    async with intake_server(down, "127.0.0.1", 0, "assistance@sagir-desk.local", MAX_BYTES) as s:
        assert (await intake.send(mail(), port=bound_port(s)))[0] == 250
    (owed,) = intake.messages()
    assert owed.delivery is Delivery.pending and owed.ticket_id is not None

    # The Schedule starts the round on the desk's queue; its activity runs in the intake, here.
    queue = f"{intake.harness.task_queue}-intake"
    rounds = IntakeRounds(intake.desk)
    client = intake.harness.env.client
    async with Worker(client, task_queue=queue, activities=[rounds.deliver_owed_mail]):
        delivered = await client.execute_workflow(
            MailIntakeWorkflow.run,
            queue,
            id=f"mail-intake-{uuid.uuid4()}",
            task_queue=intake.harness.task_queue,
        )
    assert delivered == 1
    state = await intake.harness.desk.show(owed.ticket_id)
    assert (state.received_at, state.channel) == (owed.received_at, Channel.email)
    assert intake.tickets() == [owed.ticket_id]


async def test_a_reply_beginning_with_rouvrir_reopens_a_returned_ticket_and_another_does_not(
    intake: Intake,
) -> None:
    await intake.send(mail())
    (ticket_id,) = intake.tickets()
    for name, step in (
        ("take", TakeTicket(agent="agent-tremblay")),
        ("propose", ProposeSolution(agent="agent-tremblay", solution="Compte réactivé")),
        ("check_quality", CheckQuality(agent="agent-gagnon", approved=True)),
        ("return_to_client", ReturnToClient(agent="agent-tremblay")),
    ):
        await intake.harness.act(name, ticket_id, step)
    thanks = mail(subject=f"RE: [{ticket_id}] Accès", body="Merci!", message_id="<m1@mtq>")
    await intake.send(thanks)
    state = await intake.harness.desk.show(ticket_id)
    assert (state.status, state.steps[-1].kind) == (TicketStatus.returned, StepKind.message)
    again = mail(
        subject=f"RE: [{ticket_id}] Accès",
        body="ROUVRIR : le problème revient ce matin.",
        message_id="<m2@mtq>",
    )
    await intake.send(again)
    state = await intake.harness.desk.show(ticket_id)
    assert (state.status, state.steps[-1].kind) == (TicketStatus.in_charge, StepKind.reopen)
