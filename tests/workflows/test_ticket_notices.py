"""Issue 12, "the notices the service owes": who receives what and when, on the time-skipping
server, each notice once per step. The outbox is what the relay delivers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import time, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import OutboxRow, UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from models.mail import Mail
from models.sla import Channel
from models.tickets import (
    AskClient,
    CheckQuality,
    ClientMessage,
    CloseTicket,
    Language,
    ProposeSolution,
    ReturnToClient,
    TakeTicket,
    TicketStatus,
)
from tests.workflows.harness import CALENDAR, TEST_MAIL_KEYS, Harness, running_desk

REQUESTER = "josee.lavoie@mtq.gouv.qc.ca"
SUPERVISOR = "louise.cote@assistance-sagir.example"  # the demo supervisor's address
WEDNESDAY = 2


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Harness]:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness


@pytest.fixture
def outbox(demo_uow: UnitOfWork) -> OutboxMailer:
    return OutboxMailer(demo_uow, TEST_MAIL_KEYS)


async def mails(outbox: OutboxMailer, prefix: str, count: int) -> list[Mail]:
    """The mails queued under `prefix` once there are `count` (the worker runs in real time)."""
    for _ in range(200):
        sent = outbox.sent(prefix)
        if len(sent) >= count:
            return sent
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} mails under {prefix}, got {len(outbox.sent(prefix))}")


def queued_at(uow: UnitOfWork, key: str):  # type: ignore[no-untyped-def]
    with uow.begin() as session:
        row = session.get(OutboxRow, key)
        assert row is not None
        return row.created_at


def at_once(actual, expected) -> bool:  # type: ignore[no-untyped-def]
    """Queued at the instant (a timer fires within milliseconds of its time)."""
    return timedelta(0) <= actual - expected < timedelta(seconds=1)


def open_day(instant) -> bool:  # type: ignore[no-untyped-def]
    return CALENDAR.is_open_day(instant.date())


async def returned(desk: Harness, ticket_id: str) -> None:
    await desk.act("take", ticket_id, TakeTicket(agent="agent-tremblay"))
    await desk.act(
        "propose", ticket_id, ProposeSolution(agent="agent-tremblay", solution="Profil corrigé")
    )
    await desk.act("check_quality", ticket_id, CheckQuality(agent="agent-gagnon", approved=True))
    await desk.act("return_to_client", ticket_id, ReturnToClient(agent="agent-tremblay"))


async def test_the_requester_is_acknowledged_with_the_ticket_number_and_its_deadline(
    desk: Harness, outbox: OutboxMailer
) -> None:
    received = await desk.next_local(WEDNESDAY, time(10, 0), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.email, received=received, contact_email=REQUESTER)

    [ack] = await mails(outbox, f"{ticket.id}/notice/", 1)
    assert ack.to == REQUESTER
    assert ack.subject.startswith(f"[{ticket.id}] Votre demande est reçue")
    due = ticket.due.astimezone(received.tzinfo)
    assert f"au plus tard le {_day_fr(due)} à {due.hour} h {due.minute:02d}" in ack.body


async def test_the_cas_question_reaches_the_requester_and_their_answer_resumes_the_ticket(
    desk: Harness, outbox: OutboxMailer
) -> None:
    ticket = await desk.open(contact_email=REQUESTER)
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.act(
        "ask_client", ticket.id, AskClient(agent="agent-tremblay", question="Quel écran ?")
    )

    ack, question = await mails(outbox, f"{ticket.id}/notice/", 2)
    assert question.subject.startswith(f"[{ticket.id}] Question du Centre d'assistance")
    assert "Quel écran ?" in question.body and question.to == REQUESTER

    state = await desk.act(
        "client_message", ticket.id, ClientMessage(by=REQUESTER, text="L'écran des factures")
    )
    assert state.status is TicketStatus.in_charge and state.question is None


async def test_the_solution_returned_tells_until_when_the_ticket_may_be_reopened(
    desk: Harness, outbox: OutboxMailer
) -> None:
    ticket = await desk.open(contact_email=REQUESTER)
    await returned(desk, ticket.id)

    ack, solution = await mails(outbox, f"{ticket.id}/notice/", 2)
    state = await desk.desk.show(ticket.id)
    assert state.reopen_until is not None
    assert "Profil corrigé" in solution.body and "ROUVRIR" in solution.body
    assert _day_fr(state.reopen_until) in solution.body


async def test_a_day_before_the_window_ends_the_requester_is_reminded_then_told_of_closure(
    desk: Harness, outbox: OutboxMailer, demo_uow: UnitOfWork
) -> None:
    ticket = await desk.open(contact_email=REQUESTER)
    await returned(desk, ticket.id)
    await mails(outbox, f"{ticket.id}/notice/", 2)
    state = await desk.desk.show(ticket.id)
    assert state.reopen_until is not None

    await desk.move_to(state.reopen_until - timedelta(days=1, minutes=1))
    assert len(outbox.sent(f"{ticket.id}/notice/")) == 2  # not yet

    await desk.move_to(state.reopen_until - timedelta(hours=23))
    *_, reminder = await mails(outbox, f"{ticket.id}/notice/", 3)
    assert reminder.subject.startswith(f"[{ticket.id}] Dernier jour pour rouvrir")
    assert at_once(
        queued_at(demo_uow, reminder.idempotency_key), state.reopen_until - timedelta(days=1)
    )

    await desk.move_to(state.reopen_until + timedelta(minutes=1))
    await desk.eventually(ticket.id, lambda s: s.status is TicketStatus.closed)
    *_, closure = await mails(outbox, f"{ticket.id}/notice/", 4)
    assert closure.subject.startswith(f"[{ticket.id}] Billet fermé")
    assert "rouvrir" not in closure.body.lower()  # the window is over
    await desk.skip(timedelta(days=3))
    assert len(outbox.sent(f"{ticket.id}/notice/")) == 4  # each notice once


async def test_an_agent_closing_the_ticket_tells_the_requester_it_may_still_be_reopened(
    desk: Harness, outbox: OutboxMailer
) -> None:
    ticket = await desk.open(contact_email=REQUESTER)
    await returned(desk, ticket.id)
    await desk.act("close", ticket.id, CloseTicket(agent="agent-tremblay"))

    *_, closure = await mails(outbox, f"{ticket.id}/notice/", 3)
    assert closure.subject.startswith(f"[{ticket.id}] Billet fermé")
    assert "rouvrir jusqu'au" in closure.body


async def test_a_requester_whose_profile_asks_for_english_receives_english_notices(
    desk: Harness, outbox: OutboxMailer
) -> None:
    ticket = await desk.open(contact_email=REQUESTER, language=Language.en)

    [ack] = await mails(outbox, f"{ticket.id}/notice/", 1)
    assert ack.subject.startswith(f"[{ticket.id}] Your request was received")


async def test_a_ticket_opened_without_an_address_sends_no_notice(
    desk: Harness, outbox: OutboxMailer
) -> None:
    ticket = await desk.open()
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.projected(ticket.id)
    assert outbox.sent(f"{ticket.id}/") == []


async def test_the_supervisors_are_mailed_at_the_breach_instant_once(
    desk: Harness, outbox: OutboxMailer, demo_uow: UnitOfWork
) -> None:
    received = await desk.next_local(WEDNESDAY, time(9, 0), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone, received=received)

    await desk.move_to(ticket.due + timedelta(minutes=1))
    await desk.eventually(ticket.id, lambda s: s.breached)
    [escalation] = await mails(outbox, f"{ticket.id}/breach/mail/", 1)
    assert escalation.to == SUPERVISOR
    assert escalation.subject == f"[Escalade] {ticket.id} (MTQ) non pris en charge à temps"
    assert "elle attend depuis 15 min" in escalation.body
    assert at_once(queued_at(demo_uow, escalation.idempotency_key), ticket.due)

    await desk.skip(timedelta(hours=2))
    assert len(outbox.sent(f"{ticket.id}/breach/mail/")) == 1


def _day_fr(moment) -> str:  # type: ignore[no-untyped-def]
    from adapters.jinja_notices import _day_words
    from models.service_calendar import MONTREAL

    return _day_words(Language.fr, moment.astimezone(MONTREAL).date())
