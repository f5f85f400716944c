"""Follow-ups that never stall (issue 16): a ticket waiting on the client is reminded at each
open day's opening and closed after the configured open days without an answer; a ticket
forwarded to a DGGIR pilot is followed up every few open days (a step the pilot sees, a mail to
the agent who holds it). Durable timers in open time, on the time-skipping server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from adapters.database import OutboxRow, UnitOfWork
from adapters.sql_escalations import SqlEscalations
from models.escalations import EscalationKind
from models.service_calendar import MONTREAL
from models.sla import Channel
from models.tickets import (
    AskClient,
    BringBack,
    ClientMessage,
    ForwardTarget,
    ForwardTicket,
    StepKind,
    TakeTicket,
    TicketStatus,
)
from tests.workflows.harness import CALENDAR, Harness, running_desk

WEDNESDAY = 2
CONTACT = "josee.lavoie@mtq.example"


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Harness]:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness


def open_week(instant) -> bool:  # type: ignore[no-untyped-def]
    """Ten open days in a row from this day, so the counts below are plain."""
    day = instant.date()
    return all(CALENDAR.is_open_day(day + timedelta(days=n)) for n in (0, 1, 2, 5, 6, 7, 8))


def openings_after(instant: datetime, count: int) -> list[datetime]:
    """The openings of the `count` open days after `instant`'s day."""
    day = instant.astimezone(MONTREAL).date()
    return [
        CALENDAR.periods_on(CALENDAR.open_days_after(day, n))[0].start.astimezone(MONTREAL)
        for n in range(1, count + 1)
    ]


def kinds(steps) -> list[StepKind]:  # type: ignore[no-untyped-def]
    return [step.kind for step in steps]


def outbox_keys(uow: UnitOfWork, prefix: str) -> list[str]:
    with uow.begin() as session:
        return sorted(
            session.scalars(
                select(OutboxRow.idempotency_key).where(
                    OutboxRow.idempotency_key.like(f"{prefix}%")
                )
            )
        )


async def test_a_waiting_ticket_is_reminded_each_open_day_then_closed(
    desk: Harness, demo_uow: UnitOfWork
) -> None:
    asked = await desk.next_local(WEDNESDAY, time(10, 0), open_week)
    await desk.move_to(asked)
    ticket = await desk.open(Channel.email, received=asked, contact_email=CONTACT)
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.act(
        "ask_client", ticket.id, AskClient(agent="agent-tremblay", question="Quel écran ?")
    )
    first, second, third, fourth, fifth = openings_after(asked, 5)

    await desk.move_to(first - timedelta(minutes=1))  # the night: nobody is reminded
    assert StepKind.reminder not in kinds((await desk.desk.show(ticket.id)).steps)
    await desk.move_to(first + timedelta(minutes=1))
    state = await desk.eventually(ticket.id, lambda s: StepKind.reminder in kinds(s.steps))
    assert abs(state.steps[-1].at - first) < timedelta(seconds=1)  # at the opening

    await desk.move_to(fifth - timedelta(minutes=1))
    state = await desk.desk.show(ticket.id)
    assert kinds(state.steps).count(StepKind.reminder) == 4
    assert state.status is TicketStatus.waiting_client
    await desk.move_to(fifth + timedelta(minutes=1))
    state = await desk.eventually(ticket.id, lambda s: s.status is TicketStatus.closed)
    assert state.steps[-1].kind is StepKind.closed_no_answer
    assert state.reopen_until is None  # closed for good: the workflow ends
    await desk.env.client.get_workflow_handle(ticket.id).result()

    reminders = [step.seq for step in state.steps if step.kind is StepKind.reminder]
    closed = state.steps[-1].seq
    assert outbox_keys(demo_uow, f"{ticket.id}/notice/") == sorted(
        f"{ticket.id}/notice/{seq}" for seq in [1, 3, *reminders, closed]
    )  # received, question, four reminders, the closure
    given_up = SqlEscalations(demo_uow).get(f"{ticket.id}/given-up")
    assert given_up is not None and given_up.kind is EscalationKind.given_up


async def test_a_clients_answer_stops_the_reminders(desk: Harness) -> None:
    asked = await desk.next_local(WEDNESDAY, time(10, 0), open_week)
    await desk.move_to(asked)
    ticket = await desk.open(Channel.email, received=asked, contact_email=CONTACT)
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.act(
        "ask_client", ticket.id, AskClient(agent="agent-tremblay", question="Quel écran ?")
    )
    first, *_ = openings_after(asked, 1)
    await desk.move_to(first + timedelta(minutes=1))
    await desk.eventually(ticket.id, lambda s: StepKind.reminder in kinds(s.steps))
    await desk.act("client_message", ticket.id, ClientMessage(by=CONTACT, text="LSA"))

    await desk.skip(timedelta(days=14))
    state = await desk.desk.show(ticket.id)
    assert state.status is TicketStatus.in_charge
    assert kinds(state.steps).count(StepKind.reminder) == 1


async def test_a_forwarded_ticket_reminds_the_pilot_after_two_open_days_and_tells_the_agent(
    desk: Harness, demo_uow: UnitOfWork
) -> None:
    forwarded = await desk.next_local(WEDNESDAY, time(10, 0), open_week)
    await desk.move_to(forwarded)
    ticket = await desk.open(Channel.email, received=forwarded)
    # The supervisor takes it: the demo's directory has a work address for them.
    await desk.act("take", ticket.id, TakeTicket(agent="super-cote"))
    await desk.act(
        "forward",
        ticket.id,
        ForwardTicket(
            agent="super-cote",
            target=ForwardTarget.dggir_pilot,
            to="pilote-rf",
            note="Rôle RF à corriger",
        ),
    )
    first, second, third, fourth = openings_after(forwarded, 4)

    await desk.move_to(second - timedelta(minutes=1))  # one open day: not yet
    assert StepKind.follow_up not in kinds((await desk.desk.show(ticket.id)).steps)
    await desk.move_to(second + timedelta(minutes=1))
    state = await desk.eventually(ticket.id, lambda s: StepKind.follow_up in kinds(s.steps))
    follow_up = state.steps[-1]
    assert abs(follow_up.at - second) < timedelta(seconds=1)
    assert follow_up.note == "pilote-rf reminded after 2 open days; super-cote to follow up"
    assert outbox_keys(demo_uow, f"{ticket.id}/follow-up/") == [
        f"{ticket.id}/follow-up/{follow_up.seq}"
    ]

    await desk.move_to(fourth + timedelta(minutes=1))  # every two open days while it stays
    state = await desk.eventually(
        ticket.id, lambda s: kinds(s.steps).count(StepKind.follow_up) == 2
    )
    await desk.act("bring_back", ticket.id, BringBack(by="pilote-rf", note="Corrigé"))
    await desk.skip(timedelta(days=14))
    state = await desk.desk.show(ticket.id)
    assert state.status is TicketStatus.in_charge
    assert kinds(state.steps).count(StepKind.follow_up) == 2
