"""The ticket workflow on the time-skipping server: deadlines, breach, refusals, reopen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.sla import Channel, take_in_charge_deadline
from models.tickets import (
    CheckQuality,
    CloseTicket,
    ProposeSolution,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
    TicketStatus,
)
from starter.desks.errors import InvalidInput, NotFound, Refused
from tests.payload_keys import TEST_CONVERTER
from tests.workflows.harness import CALENDAR, Harness, running_desk

MONDAY, TUESDAY, WEDNESDAY, FRIDAY = 0, 1, 2, 4


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Harness]:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness


def open_day(instant) -> bool:  # type: ignore[no-untyped-def]
    return CALENDAR.is_open_day(instant.date())


async def accepted_updates(desk: Harness, ticket_id: str) -> int:
    """How many updates entered the history (a refused one never does)."""
    history = await desk.env.client.get_workflow_handle(ticket_id).fetch_history()
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    return sum(1 for event in history.events if event.event_type == accepted)


async def returned_ticket(desk: Harness) -> str:
    ticket = await desk.open()
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.act("propose", ticket.id, ProposeSolution(agent="agent-tremblay", solution="Reset"))
    await desk.act("check_quality", ticket.id, CheckQuality(agent="agent-gagnon", approved=True))
    await desk.act("return_to_client", ticket.id, ReturnToClient(agent="agent-tremblay"))
    return ticket.id


async def test_phone_ticket_breaches_after_15_open_minutes_across_lunch(desk: Harness) -> None:
    received = await desk.next_local(WEDNESDAY, time(11, 50), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone, received=received)
    assert ticket.due == received.replace(hour=13, minute=5)  # 10 min before lunch, 5 after

    await desk.move_to(received.replace(hour=13, minute=4))
    assert not (await desk.desk.show(ticket.id)).breached

    await desk.move_to(received.replace(hour=13, minute=6))
    state = await desk.eventually(ticket.id, lambda s: s.breached)
    assert state.escalated_at is not None and state.status is TicketStatus.received


async def test_email_received_friday_evening_breaches_on_tuesday_morning_not_before(
    desk: Harness,
) -> None:
    def open_monday_and_tuesday(friday) -> bool:  # type: ignore[no-untyped-def]
        return all(CALENDAR.is_open_day(friday.date() + timedelta(days=n)) for n in (3, 4))

    received = await desk.next_local(FRIDAY, time(18, 0), open_monday_and_tuesday)
    await desk.move_to(received)
    ticket = await desk.open(Channel.email, received=received)
    tuesday_0830 = (received + timedelta(days=4)).replace(hour=8, minute=30)
    assert ticket.due == tuesday_0830

    await desk.move_to(tuesday_0830 - timedelta(days=1))  # Monday 08:30: still in time
    assert not (await desk.desk.show(ticket.id)).breached
    await desk.move_to(tuesday_0830 - timedelta(minutes=1))
    assert not (await desk.desk.show(ticket.id)).breached

    await desk.move_to(tuesday_0830 + timedelta(minutes=1))
    await desk.eventually(ticket.id, lambda s: s.breached)


async def test_breach_escalates_once_and_the_ticket_can_still_be_taken(desk: Harness) -> None:
    received = await desk.next_local(MONDAY, time(10, 0), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone)
    await desk.skip(timedelta(hours=1))
    await desk.eventually(ticket.id, lambda s: s.breached)
    await desk.skip(timedelta(days=3))

    state = await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    assert state.status is TicketStatus.in_charge and state.breached
    assert [s.kind.value for s in state.steps].count("breached") == 1
    # warned before, once, then escalated once
    assert desk.records.escalations_of(ticket.id) == [f"{ticket.id}/warning", f"{ticket.id}/breach"]


async def test_refused_step_changes_nothing(desk: Harness) -> None:
    ticket = await desk.open()
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    before = await desk.desk.show(ticket.id)
    events = await accepted_updates(desk, ticket.id)

    with pytest.raises(Refused, match="is in_charge; only a received ticket can be taken"):
        await desk.act("take", ticket.id, TakeTicket(agent="agent-gagnon"))
    with pytest.raises(Refused, match="only a returned ticket can be closed"):
        await desk.act("close", ticket.id, CloseTicket(agent="agent-gagnon"))

    assert await desk.desk.show(ticket.id) == before
    assert await accepted_updates(desk, ticket.id) == events


async def test_quality_check_refuses_the_proposer(desk: Harness) -> None:
    ticket = await desk.open()
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    await desk.act("propose", ticket.id, ProposeSolution(agent="agent-tremblay", solution="Reset"))

    with pytest.raises(Refused, match="agent-tremblay proposed this solution"):
        await desk.act(
            "check_quality", ticket.id, CheckQuality(agent="agent-tremblay", approved=True)
        )
    state = await desk.act(
        "check_quality", ticket.id, CheckQuality(agent="agent-gagnon", approved=True)
    )
    assert state.quality_check is not None and state.quality_check.by == "agent-gagnon"


async def test_reopen_works_inside_the_window(desk: Harness) -> None:
    ticket_id = await returned_ticket(desk)
    await desk.act("close", ticket_id, CloseTicket(agent="agent-tremblay"))
    await desk.skip(timedelta(days=7))  # at most 5 open days later

    state = await desk.act("reopen", ticket_id, ReopenTicket(by="jdoe", reason="Still broken"))
    assert state.status is TicketStatus.in_charge
    assert state.steps[-1].kind.value == "reopen" and state.steps[-1].actor == "jdoe"


async def test_reopen_is_refused_after_the_window(desk: Harness) -> None:
    ticket_id = await returned_ticket(desk)
    returned = await desk.desk.show(ticket_id)
    assert returned.reopen_until is not None
    await desk.move_to(returned.reopen_until + timedelta(hours=1))

    final = await desk.eventually(ticket_id, lambda s: s.status is TicketStatus.closed)
    assert final.steps[-1].actor == "system"  # closed by itself when the window ended
    with pytest.raises((Refused, NotFound), match="reopen window|finished"):
        await desk.act("reopen", ticket_id, ReopenTicket(by="jdoe", reason="Too late"))


async def test_unknown_agent_is_refused_and_nothing_changes(desk: Harness) -> None:
    ticket = await desk.open()
    events = await accepted_updates(desk, ticket.id)
    with pytest.raises(InvalidInput, match="agent: nobody is not an active agent of the CA"):
        await desk.act("take", ticket.id, TakeTicket(agent="nobody"))
    assert await accepted_updates(desk, ticket.id) == events


async def test_receipt_in_the_future_is_refused_and_no_ticket_is_made(desk: Harness) -> None:
    desk.now = await desk.env.get_current_time()
    with pytest.raises(InvalidInput, match="received_at: .* is in the future"):
        await desk.desk.open(
            TicketRequest(
                mo="MTQ",
                channel=Channel.email,
                requester="jdoe",
                subject="s",
                description="d",
                module="RF",
                received_at=desk.now + timedelta(hours=1),
            )
        )
    # Nothing was made: the next ticket gets the first number of this test's block.
    assert (await desk.open()).id.endswith(f"{desk.first_number:06d}")


async def test_urgent_email_is_refused(desk: Harness) -> None:
    with pytest.raises(InvalidInput, match="urgent applies only to phone requests"):
        await desk.open(Channel.email, urgent=True)


async def test_deadline_is_computed_once_at_receipt(desk: Harness) -> None:
    ticket = await desk.open(Channel.email)
    assert ticket.due == take_in_charge_deadline(Channel.email, ticket.received_at, CALENDAR)
    history = await desk.env.client.get_workflow_handle(ticket.id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    [opened] = await TEST_CONVERTER.payload_codec.decode(started.input.payloads)  # type: ignore[union-attr]
    assert ticket.due.isoformat().encode() in opened.data


async def test_every_step_is_projected_to_the_desk_records(desk: Harness) -> None:
    ticket_id = await returned_ticket(desk)
    state = await desk.desk.show(ticket_id)
    record = await desk.projected(ticket_id)
    assert record.status is TicketStatus.returned and record.assignee == "agent-tremblay"
    assert [(s.kind, s.actor, s.at) for s in record.steps] == [
        (s.kind, s.actor, s.at) for s in state.steps
    ]


async def test_a_breach_is_one_activity_recording_the_ticket_and_its_escalation(
    desk: Harness,
) -> None:
    """A burst of deadlines costs one activity per breach (issue 17): the projection shows the
    ticket breached and the supervisors' escalation is there once that activity is done."""
    received = await desk.next_local(MONDAY, time(10, 0), open_day)
    await desk.move_to(received)
    ticket = await desk.open(Channel.phone)
    await desk.skip(timedelta(hours=1))
    await desk.eventually(ticket.id, lambda s: s.breached)
    record = await desk.projected(ticket.id)
    assert record.breached
    assert f"{ticket.id}/breach" in desk.records.escalations_of(ticket.id)
    history = await desk.env.client.get_workflow_handle(ticket.id).fetch_history()
    scheduled = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled.count("breach") == 1 and "escalate_breach" not in scheduled
