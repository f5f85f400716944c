"""The warning before a breach (issue 16): at 75% of a request's open time, or 5 open minutes
before a phone request's deadline, a request nobody took is marked warned and every agent on duty
is told once, on the supervisors' list and by mail; never while the service is closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from adapters.database import OutboxRow, UnitOfWork
from adapters.sql_escalations import SqlEscalations
from models.escalations import EscalationKind
from models.sla import Channel
from models.tickets import StepKind, TakeTicket
from tests.workflows.harness import CALENDAR, Harness, running_desk

MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4
AGENTS_ON_DUTY = {"agent-gagnon", "agent-roy", "agent-tremblay", "super-cote"}


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Harness]:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness


def open_monday_and_tuesday(friday) -> bool:  # type: ignore[no-untyped-def]
    return all(CALENDAR.is_open_day(friday.date() + timedelta(days=n)) for n in (3, 4))


def open_day(instant) -> bool:  # type: ignore[no-untyped-def]
    return CALENDAR.is_open_day(instant.date())


def at_about(instant: datetime | None, expected: datetime) -> bool:
    """The instant a timer fired: the engine's clock runs a few milliseconds past it."""
    return instant is not None and timedelta(0) <= instant - expected < timedelta(seconds=1)


def warnings_of(uow: UnitOfWork, ticket_id: str) -> list[tuple[str, list[str]]]:
    """The ticket's warning on the supervisors' list, and who was told."""
    view = SqlEscalations(uow).get(f"{ticket_id}/warning")
    if view is None:
        return []
    assert view.kind is EscalationKind.warning
    return [(view.key, sorted(view.notified))]


async def test_a_ticket_is_warned_at_75_percent_of_its_open_time_and_not_at_night(
    desk: Harness, demo_uow: UnitOfWork
) -> None:
    # Received Friday evening by email: due Tuesday 08:30; its open time is all of Monday
    # (08:30-12:00 and 13:00-16:30, 7 hours), 75% of which runs out Monday at 14:45.
    received = await desk.next_local(FRIDAY, time(18, 0), open_monday_and_tuesday)
    await desk.move_to(received)
    ticket = await desk.open(Channel.email, received=received)
    monday = received + timedelta(days=3)
    assert ticket.due == (monday + timedelta(days=1)).replace(hour=8, minute=30)

    await desk.move_to(monday.replace(hour=2, minute=0))  # the night, and the weekend: nothing
    assert (await desk.desk.show(ticket.id)).warned_at is None
    await desk.move_to(monday.replace(hour=14, minute=44))
    assert (await desk.desk.show(ticket.id)).warned_at is None

    await desk.move_to(monday.replace(hour=14, minute=46))
    state = await desk.eventually(ticket.id, lambda s: s.warned_at is not None)
    assert at_about(state.warned_at, monday.replace(hour=14, minute=45))
    assert not state.breached and state.status.value == "received"
    record = await desk.projected(ticket.id)
    assert record.warned  # the queue marks it
    assert record.module == "LSA"  # and the committee's report counts by module

    await desk.move_to(monday.replace(hour=16, minute=30))  # told once, not again
    assert warnings_of(demo_uow, ticket.id) == [(f"{ticket.id}/warning", sorted(AGENTS_ON_DUTY))]
    kinds = [step.kind for step in (await desk.desk.show(ticket.id)).steps]
    assert kinds.count(StepKind.warned) == 1
    with demo_uow.begin() as session:  # the supervisor with an address has the mail
        mails = session.scalars(
            select(OutboxRow.idempotency_key).where(
                OutboxRow.idempotency_key.like(f"{ticket.id}/warning/mail/%")
            )
        ).all()
    assert mails == [f"{ticket.id}/warning/mail/super-cote"]


async def test_a_phone_ticket_is_warned_5_open_minutes_before_its_deadline(desk: Harness) -> None:
    received = await desk.next_local(WEDNESDAY, time(10, 0), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone, received=received)
    assert ticket.due == received.replace(minute=15)

    await desk.move_to(received.replace(minute=9, second=59))
    assert (await desk.desk.show(ticket.id)).warned_at is None
    await desk.move_to(received.replace(minute=10, second=30))
    state = await desk.eventually(ticket.id, lambda s: s.warned_at is not None)
    assert at_about(state.warned_at, received.replace(minute=10))


async def test_a_phone_warning_that_would_fall_at_noon_waits_for_the_reopening(
    desk: Harness,
) -> None:
    # 11:50 + 15 open minutes = 13:05; 5 open minutes before it is 12:00 or 13:00: the service
    # is closed at noon, so the CA hears it at 13:00.
    received = await desk.next_local(WEDNESDAY, time(11, 50), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone, received=received)
    await desk.move_to(received.replace(hour=12, minute=30))
    assert (await desk.desk.show(ticket.id)).warned_at is None
    await desk.move_to(received.replace(hour=13, minute=1))
    state = await desk.eventually(ticket.id, lambda s: s.warned_at is not None)
    assert at_about(state.warned_at, received.replace(hour=13, minute=0))


async def test_a_ticket_taken_before_its_warning_is_never_warned(
    desk: Harness, demo_uow: UnitOfWork
) -> None:
    received = await desk.next_local(WEDNESDAY, time(10, 0), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone, received=received)
    await desk.move_to(received.replace(minute=5))
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.move_to(received.replace(hour=11))
    state = await desk.desk.show(ticket.id)
    assert state.warned_at is None and not state.breached
    assert warnings_of(demo_uow, ticket.id) == []


async def test_a_ticket_entered_late_at_night_is_warned_at_the_next_opening_not_at_once(
    desk: Harness,
) -> None:
    # Received by email on a Wednesday at 09:00, entered at 22:00: its warning instant (15:15)
    # has passed and the service is closed; the CA hears it at Thursday's opening.
    def open_two_days(wednesday) -> bool:  # type: ignore[no-untyped-def]
        return all(CALENDAR.is_open_day(wednesday.date() + timedelta(days=n)) for n in (0, 1))

    received = await desk.next_local(WEDNESDAY, time(9, 0), open_two_days)
    thursday = received + timedelta(days=1)
    await desk.move_to(received.replace(hour=22))
    ticket = await desk.open(Channel.email, received=received)
    assert ticket.due == thursday  # 24 hours later, at 09:00
    await desk.move_to(thursday.replace(hour=8, minute=29))
    assert (await desk.desk.show(ticket.id)).warned_at is None
    await desk.move_to(thursday.replace(hour=8, minute=31))
    state = await desk.eventually(ticket.id, lambda s: s.warned_at is not None)
    assert at_about(state.warned_at, thursday.replace(hour=8, minute=30))
