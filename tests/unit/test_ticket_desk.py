"""The ticket desk's rules, on fakes: what it checks before a workflow starts, the deadline it
computes once, the numbers it gives, the queue's order, and who may open and read what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.demo_data import AGENTS, MOS
from adapters.fakes import FakeContacts, FakeCounters, FakeDirectory, FakeTicketRecords
from models import ticket_lifecycle as lifecycle
from models.directory import Agent, AgentRole
from models.requests import ListQuery, Order, Page
from models.roles import Caller, Role
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel
from models.tickets import (
    ForwardTarget,
    ForwardTicket,
    OpenTicket,
    TakeTicket,
    TicketRecord,
    TicketRequest,
    TicketState,
    TicketStatus,
)
from starter.desks.checks import RecentPages
from starter.desks.clock import Clock
from starter.desks.errors import Forbidden, InvalidInput, NotFound
from starter.desks.tickets import GuardedTickets, TicketDesk
from tests.unit.fake_engine import FakeEngine
from workflows.tickets import TicketWorkflow

CALENDAR = ServiceCalendar()
RETIRED = Agent(code="agent-retired", name="Paul Retraité", role=AgentRole.agent, active=False)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


TUESDAY_NOON = local("2026-11-24T12:00")


def clock_at(now: datetime) -> Clock:
    return lambda: now


def outil_requete(**changes: Any) -> TicketRequest:
    """A request as an MO user sends it: through the web request tool, received now."""
    return request(**{"channel": Channel.web, "received_at": None, **changes})


def request(**changes: Any) -> TicketRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "channel": Channel.phone,
        "requester": "u-mtq-1",
        "subject": "Accès refusé au module RF",
        "description": "Le message « accès refusé » s'affiche à l'ouverture de RF.",
        "module": "RF",
        "received_at": local("2026-11-24T11:50"),
    }
    return TicketRequest(**{**fields, **changes})


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def desk(engine: FakeEngine) -> TicketDesk:
    directory = FakeDirectory(MOS, [*AGENTS, RETIRED])
    return TicketDesk(
        engine,
        CALENDAR,
        directory,
        FakeTicketRecords(),
        FakeCounters(),
        FakeContacts(),
        clock_at(TUESDAY_NOON),
    )


def opened_input(engine: FakeEngine) -> OpenTicket:
    [started] = engine.started
    assert isinstance(started.argument, OpenTicket)
    return started.argument


def guarded(desk: TicketDesk, role: Role, subject: str, mo: str | None = None) -> GuardedTickets:
    return GuardedTickets(desk, Caller(role=role, mo=mo, subject=subject))


# --- the deadline, computed once at opening ------------------------------------------------------


async def test_a_phone_call_at_11h50_on_tuesday_is_due_at_14h05_and_its_workflow_is_told_so(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    state = await desk.open(request(received_at=local("2026-11-24T11:50")))

    sent = opened_input(engine)
    assert sent.received_at == local("2026-11-24T11:50")
    assert sent.due == local("2026-11-24T14:05")
    assert state.due == sent.due


async def test_the_deadline_does_not_move_when_the_ticket_is_read_later(
    desk: TicketDesk,
) -> None:
    state = await desk.open(request(received_at=local("2026-11-24T11:50")))

    next_week = replace(desk, clock=clock_at(local("2026-12-01T09:00")))
    assert (await next_week.show(state.id)).due == local("2026-11-24T14:05")


async def test_an_email_on_friday_at_16h00_is_due_monday_at_08h30(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    friday = replace(desk, clock=clock_at(local("2026-11-27T16:10")))

    await friday.open(request(channel=Channel.email, received_at=local("2026-11-27T16:00")))

    assert opened_input(engine).due == local("2026-11-30T08:30")


async def test_a_request_without_a_receipt_time_is_received_now(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    await desk.open(request(received_at=None))

    assert opened_input(engine).received_at == TUESDAY_NOON
    assert opened_input(engine).due == local("2026-11-24T14:15")


# --- what is refused before anything starts ------------------------------------------------------


async def test_a_receipt_in_the_future_is_refused_naming_received_at_and_nothing_starts(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^received_at: 2026-11-24T12:01:00-05:00 is in"):
        await desk.open(request(received_at=local("2026-11-24T12:01")))

    assert engine.calls == []
    # No number was spent on it either.
    assert (await desk.open(request())).id == "T-2026-000001"


async def test_an_unknown_mo_is_refused_and_nothing_starts(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^mo: MFAUX is not a client MO of the CA$"):
        await desk.open(request(mo="MFAUX"))

    assert engine.calls == []


async def test_only_a_phone_request_can_be_urgent(desk: TicketDesk, engine: FakeEngine) -> None:
    with pytest.raises(InvalidInput, match=r"^urgent: urgent applies only to phone requests"):
        await desk.open(request(channel=Channel.email, urgent=True))
    assert engine.calls == []

    assert (await desk.open(request(channel=Channel.phone, urgent=True))).urgent


# --- ticket numbers ------------------------------------------------------------------------------


async def test_ticket_numbers_follow_each_other_within_a_year_and_start_again_each_year(
    desk: TicketDesk,
) -> None:
    first = await desk.open(request())
    second = await desk.open(request())
    january = replace(desk, clock=clock_at(local("2027-01-05T10:00")))
    next_year = await january.open(request(received_at=local("2027-01-05T09:00")))

    assert [first.id, second.id, next_year.id] == [
        "T-2026-000001",
        "T-2026-000002",
        "T-2027-000001",
    ]


async def test_a_ticket_received_on_new_years_eve_in_montreal_takes_that_years_number(
    desk: TicketDesk,
) -> None:
    """19:30 on December 31 in Montreal is already January 1 in UTC: the year is Montreal's."""
    evening = replace(desk, clock=clock_at(local("2027-01-02T09:00")))
    received = local("2026-12-31T19:30").astimezone(UTC)  # as the API and the clock give it
    state = await evening.open(request(received_at=received))

    assert state.id == "T-2026-000001"


async def test_a_ticket_number_is_never_started_twice_even_after_its_ticket_closed(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    state = await desk.open(request())

    [started] = engine.started
    assert started.workflow_id == state.id
    assert started.again is False


# --- steps ---------------------------------------------------------------------------------------


async def test_a_step_by_someone_who_is_not_an_active_agent_never_reaches_the_workflow(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    for agent in ("agent-retired", "agent-inconnu"):
        with pytest.raises(InvalidInput, match=rf"^agent: {agent} is not an active agent"):
            await desk.act("take", "T-2026-000001", TakeTicket(agent=agent))

    assert engine.calls == []


async def test_a_malformed_ticket_id_never_reaches_the_engine(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    message = r"^id: 'T-26-1' is not a ticket number like T-2026-000123$"
    with pytest.raises(InvalidInput, match=message):
        await desk.show("T-26-1")
    with pytest.raises(InvalidInput, match=message):
        await desk.act("take", "T-26-1", TakeTicket(agent="agent-tremblay"))

    assert engine.calls == []


async def test_an_unknown_step_is_refused(desk: TicketDesk, engine: FakeEngine) -> None:
    with pytest.raises(InvalidInput, match=r"^step: approve is not a step of a ticket$"):
        await desk.act("approve", "T-2026-000001", TakeTicket(agent="agent-tremblay"))

    assert engine.calls == []


async def test_an_active_agent_takes_a_ticket_and_gets_its_state_after_the_step(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    state = await desk.open(request())
    take = TakeTicket(agent="agent-tremblay")
    engine.answer(TicketWorkflow.take, state.id, lifecycle.take(state, take, TUESDAY_NOON))

    after = await desk.act("take", state.id, take)

    assert (after.status, after.assignee) == (TicketStatus.in_charge, "agent-tremblay")
    assert [(s.method, s.argument) for s in engine.steps] == [(TicketWorkflow.take, take)]


# --- the queue -----------------------------------------------------------------------------------


def waiting(ticket_id: str, due: str, urgent: bool = False, **changes: Any) -> TicketRecord:
    """A ticket as its workflow's projection records it (what the lists are read from)."""
    fields: dict[str, Any] = {
        "id": ticket_id,
        "mo": "MTQ",
        "channel": Channel.phone if urgent else Channel.email,
        "status": TicketStatus.received,
        "urgent": urgent,
        "received_at": local(due) - timedelta(minutes=15),
        "due": local(due),
        "taken_at": None,
        "assignee": None,
        "breached": False,
        "version": 1,
        "steps": [],
    }
    return TicketRecord(**{**fields, **changes})


def projected(desk: TicketDesk, *records: TicketRecord | TicketState) -> None:
    """What the workflows' projection activity writes, written here."""
    for record in records:
        desk.records.record(record if isinstance(record, TicketRecord) else TicketRecord.of(record))


async def test_the_queue_serves_urgent_tickets_first_then_the_earliest_deadline(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    projected(
        desk,
        waiting("T-2026-000001", "2026-11-25T09:00"),
        waiting("T-2026-000002", "2026-11-24T14:30", urgent=True),
        waiting("T-2026-000003", "2026-11-24T14:10", urgent=True),
        waiting("T-2026-000004", "2026-11-24T14:05"),  # earlier, but not urgent
        waiting("T-2026-000005", "2026-11-24T08:45", status=TicketStatus.in_charge),  # taken
    )

    queue = await desk.queue()

    assert [t.id for t in queue.items] == [
        "T-2026-000003",
        "T-2026-000002",
        "T-2026-000004",
        "T-2026-000001",
    ]


async def test_the_queue_of_one_mo_holds_only_that_mos_tickets(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    projected(
        desk,
        waiting("T-2026-000001", "2026-11-25T09:00"),
        waiting("T-2026-000002", "2026-11-24T14:30", mo="MSSS"),
    )

    assert [t.id for t in (await desk.queue(mo="MSSS")).items] == ["T-2026-000002"]


async def test_a_long_queue_is_read_a_page_at_a_time_with_nothing_left_out(
    desk: TicketDesk,
) -> None:
    projected(
        desk,
        *(waiting(f"T-2026-{n:06d}", "2026-11-25T09:00", urgent=n % 3 == 0) for n in range(1, 251)),
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = await desk.queue(limit=100, cursor=cursor)
        assert page.total == 250
        seen += [t.id for t in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 250


# --- the guarded desk ----------------------------------------------------------------------------


async def test_an_mo_user_cannot_open_a_ticket_for_another_mo(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    user = guarded(desk, Role.mo_user, "u-mtq-1", mo="MTQ")

    with pytest.raises(Forbidden, match=r"^mo: you act for MTQ, not MSSS$"):
        await user.open(outil_requete(mo="MSSS"))

    assert engine.calls == []


async def test_an_mo_user_cannot_open_a_ticket_under_someone_elses_name(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    user = guarded(desk, Role.mo_user, "u-mtq-1", mo="MTQ")

    with pytest.raises(Forbidden, match=r"^requester: u-mtq-2 is not you \(u-mtq-1\)"):
        await user.open(outil_requete(requester="u-mtq-2"))

    assert engine.calls == []
    assert (await user.open(outil_requete(requester="u-mtq-1"))).requester == "u-mtq-1"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": Channel.phone}, "channel"),
        ({"urgent": True, "channel": Channel.phone}, "channel"),
        ({"received_at": local("2026-11-24T11:00")}, "received_at"),
    ],
)
async def test_an_mo_users_request_is_always_web_received_now_and_not_urgent(
    desk: TicketDesk, engine: FakeEngine, changes: dict[str, Any], field: str
) -> None:
    user = guarded(desk, Role.mo_user, "u-mtq-1", mo="MTQ")
    with pytest.raises(Forbidden, match=rf"^{field}: "):
        await user.open(outil_requete(**changes))
    assert engine.calls == []


async def test_a_ticket_an_mo_user_may_not_read_answers_as_if_it_did_not_exist(
    desk: TicketDesk,
) -> None:
    colleagues = await desk.open(request(requester="u-mtq-2"))
    other_mos = await desk.open(request(mo="MSSS", requester="u-msss-1"))
    user = guarded(desk, Role.mo_user, "u-mtq-1", mo="MTQ")

    sentences = []
    for ticket_id in (colleagues.id, other_mos.id, "T-2026-000999"):
        with pytest.raises(NotFound) as refused:
            await user.show(ticket_id)
        sentences.append(str(refused.value))

    assert sentences == [
        f"{colleagues.id} does not exist",
        f"{other_mos.id} does not exist",
        "T-2026-000999 does not exist",
    ]


async def test_an_mo_user_lists_only_their_own_tickets(desk: TicketDesk) -> None:
    mine = await desk.open(request(requester="u-mtq-1"))
    colleagues = await desk.open(request(requester="u-mtq-2"))
    other_mos = await desk.open(request(mo="MSSS", requester="u-msss-1"))
    projected(desk, mine, colleagues, other_mos)
    user = guarded(desk, Role.mo_user, "u-mtq-1", mo="MTQ")

    assert [t.id for t in (await user.list()).items] == [mine.id]
    assert (await user.list(mo="MSSS")).items == []


def forwarded_to(state: TicketState, pilot: str) -> TicketState:
    taken = lifecycle.take(state, TakeTicket(agent="agent-tremblay"), TUESDAY_NOON)
    forward = ForwardTicket(
        agent="agent-tremblay",
        target=ForwardTarget.dggir_pilot,
        to=pilot,
        note="Une règle de l'ERP à confirmer par la DGGIR.",
    )
    return lifecycle.forward(taken, forward, TUESDAY_NOON)


async def test_a_dggir_pilot_sees_only_the_tickets_forwarded_to_them(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    theirs = await desk.open(request())
    someone_elses = await desk.open(request())
    not_forwarded = await desk.open(request())
    engine.seed(theirs.id, forwarded_to(theirs, "pilote-dggir-1"))
    engine.seed(someone_elses.id, forwarded_to(someone_elses, "pilote-dggir-2"))
    pilot = guarded(desk, Role.dggir_pilot, "pilote-dggir-1")
    projected(
        desk,
        forwarded_to(theirs, "pilote-dggir-1"),
        forwarded_to(someone_elses, "pilote-dggir-2"),
        not_forwarded,
    )

    assert [t.id for t in (await pilot.list()).items] == [theirs.id]
    assert (await pilot.show(theirs.id)).forwarded_to == "pilote-dggir-1"
    for hidden in (someone_elses.id, not_forwarded.id):
        with pytest.raises(NotFound, match=rf"^{hidden} does not exist$"):
            await pilot.show(hidden)


async def test_an_agent_acts_on_a_ticket_only_under_their_own_name(
    desk: TicketDesk, engine: FakeEngine
) -> None:
    state = await desk.open(request())
    agent = guarded(desk, Role.ca_agent, "agent-tremblay")

    with pytest.raises(Forbidden, match=r"^agent: agent-gagnon is not you \(agent-tremblay\)"):
        await agent.act("take", state.id, TakeTicket(agent="agent-gagnon"))

    assert engine.steps == []


def test_a_queue_page_is_read_from_the_records_at_most_once_a_second_per_query() -> None:
    now, reads = [100.0], []
    recent = RecentPages(1.0, clock=lambda: now[0])

    def page(query: ListQuery) -> Page:
        reads.append(query)
        return Page(items=[], total=0)

    read = recent.read(page)
    read(ListQuery(order=Order.queue))
    read(ListQuery(order=Order.queue))  # within the second: the page kept
    read(ListQuery(order=Order.queue, mo="MTQ"))  # another query: read
    now[0] += 1.5
    read(ListQuery(order=Order.queue))  # a second later: read again
    assert len(reads) == 3
