"""The arrival desk's rules, on fakes: the deadlines it computes once at receipt, what it refuses
before a workflow starts, one arrival per employee at a time, and who may start, read and take."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from adapters.demo_data import AGENTS, MOS
from adapters.fakes import FakeDirectory, FakeRequestRecords
from models.arrivals import ArrivalRequest, ArrivalState, ArrivalStatus, StartArrival
from models.audit import WorkflowStep, WorkflowSteps
from models.directory import Agent, AgentRole
from models.requests import Listing, TakeRequest
from models.roles import Caller, Role
from models.service_calendar import MONTREAL, ServiceCalendar
from starter.desks.arrivals import ArrivalDesk, GuardedArrivals
from starter.desks.clock import Clock
from starter.desks.errors import AlreadyRunning, Forbidden, InvalidInput, NotFound
from tests.unit.fake_engine import FakeEngine
from workflows.arrivals import ArrivalWorkflow

CALENDAR = ServiceCalendar()
RETIRED = Agent(code="agent-retired", name="Paul Retraité", role=AgentRole.agent, active=False)
DOSSIER_WAIT_OPEN_DAYS = 5
ARRIVAL = "arrivee-MTQ-45871"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


MONDAY_10H00 = local("2026-11-23T10:00")


def clock_at(now: datetime) -> Clock:
    return lambda: now


def request(**changes: Any) -> ArrivalRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": "45871",
        "start_date": date(2026, 12, 7),
        "responsibilities": ["RF-CONSULTATION"],
        "authorised_by": "30001",
        "requested_by": "rh-mtq",
        "hr_email": "rh@mtq.example",
    }
    return ArrivalRequest(**{**fields, **changes})


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def desk(engine: FakeEngine) -> ArrivalDesk:
    directory = FakeDirectory(MOS, [*AGENTS, RETIRED])
    return ArrivalDesk(
        engine,
        CALENDAR,
        directory,
        FakeRequestRecords(),
        DOSSIER_WAIT_OPEN_DAYS,
        clock_at(MONDAY_10H00),
    )


def started_input(engine: FakeEngine) -> StartArrival:
    [started] = engine.started
    assert isinstance(started.argument, StartArrival)
    return started.argument


def guarded(desk: ArrivalDesk, role: Role, subject: str, mo: str | None = None) -> GuardedArrivals:
    return GuardedArrivals(desk, Caller(role=role, mo=mo, subject=subject))


def taken(state: ArrivalState, agent: str) -> ArrivalState:
    return state.model_copy(
        update={"status": ArrivalStatus.preparing, "taken_by": agent, "taken_at": MONDAY_10H00}
    )


# --- the deadlines, computed once at receipt -----------------------------------------------------


async def test_an_arrival_received_monday_at_10h00_is_due_tuesday_at_10h00(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    state = await desk.start(request())

    sent = started_input(engine)
    assert (sent.id, sent.received_at) == (ARRIVAL, MONDAY_10H00)
    assert sent.due == local("2026-11-24T10:00")
    assert sent.dossier_wait_open_days == DOSSIER_WAIT_OPEN_DAYS
    assert (state.status, state.due) == (ArrivalStatus.waiting_for_dossier, sent.due)


async def test_an_arrival_received_friday_at_16h00_is_due_monday_at_08h30(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    friday = replace(desk, clock=clock_at(local("2026-11-27T16:00")))

    await friday.start(request())

    assert started_input(engine).due == local("2026-11-30T08:30")


async def test_accesses_activate_at_midnight_montreal_time_on_the_start_date(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    state = await desk.start(request(start_date=date(2026, 12, 7)))

    assert started_input(engine).activate_at == datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    assert state.activate_at == started_input(engine).activate_at


async def test_accesses_activate_at_midnight_montreal_time_after_the_clocks_go_forward(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    await desk.start(request(start_date=date(2027, 3, 15)))

    assert started_input(engine).activate_at == datetime(2027, 3, 15, 4, 0, tzinfo=UTC)


async def test_the_deadlines_do_not_move_when_the_arrival_is_read_later(
    desk: ArrivalDesk,
) -> None:
    await desk.start(request())

    a_week_later = replace(desk, clock=clock_at(MONDAY_10H00 + timedelta(days=7)))
    state = await a_week_later.show(ARRIVAL)
    assert (state.due, state.activate_at) == (
        local("2026-11-24T10:00"),
        local("2026-12-07T00:00"),
    )


# --- what is refused before anything starts ------------------------------------------------------


async def test_a_start_date_in_the_past_is_refused_and_nothing_starts(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^start_date: 2026-11-22 is in the past"):
        await desk.start(request(start_date=date(2026, 11, 22)))

    assert engine.calls == []


async def test_a_start_date_of_today_in_montreal_is_accepted_when_utc_is_already_tomorrow(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    evening = replace(desk, clock=clock_at(datetime(2026, 11, 24, 3, 0, tzinfo=UTC)))

    state = await evening.start(request(start_date=date(2026, 11, 23)))

    assert state.start_date == date(2026, 11, 23)


async def test_an_unknown_mo_is_refused_and_nothing_starts(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^mo: MFAUX is not a client MO of the CA$"):
        await desk.start(request(mo="MFAUX"))

    assert engine.calls == []


async def test_an_arrival_without_the_hr_email_is_refused_and_nothing_starts(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^hr_email: required"):
        await desk.start(request(hr_email=None))

    assert engine.calls == []


# --- one arrival per employee at a time ----------------------------------------------------------


async def test_a_second_arrival_while_the_first_runs_is_refused_as_already_in_progress(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    await desk.start(request())

    with pytest.raises(AlreadyRunning, match=rf"^{ARRIVAL} is already in progress"):
        await desk.start(request(start_date=date(2026, 12, 14)))

    assert [s.workflow_id for s in engine.started] == [ARRIVAL]
    assert (await desk.show(ARRIVAL)).start_date == date(2026, 12, 7)


async def test_a_finished_arrival_may_be_sent_again(desk: ArrivalDesk, engine: FakeEngine) -> None:
    await desk.start(request())
    engine.finish(ARRIVAL)  # refused by the checks, say

    again = await desk.start(request(start_date=date(2026, 12, 14)))

    assert again.start_date == date(2026, 12, 14)
    assert [s.again for s in engine.started] == [True, True]


# --- taking in charge ----------------------------------------------------------------------------


async def test_take_by_an_unknown_or_inactive_agent_never_reaches_the_workflow(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    for agent in ("agent-retired", "agent-inconnu"):
        with pytest.raises(InvalidInput, match=rf"^agent: {agent} is not an active agent"):
            await desk.take(ARRIVAL, agent)

    assert engine.calls == []


async def test_a_malformed_arrival_id_never_reaches_the_engine(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    message = r"^id: 'arrivee-mtq-45871' is not an arrival id like arrivee-MTQ-45871$"
    with pytest.raises(InvalidInput, match=message):
        await desk.show("arrivee-mtq-45871")
    with pytest.raises(InvalidInput, match=message):
        await desk.take("arrivee-mtq-45871", "agent-tremblay")
    with pytest.raises(InvalidInput, match=message):
        await desk.dossier_ready("arrivee-mtq-45871")

    assert engine.calls == []


async def test_an_active_agent_takes_an_arrival_and_gets_its_state_after_the_step(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    state = await desk.start(request())
    engine.answer(ArrivalWorkflow.take, ARRIVAL, taken(state, "agent-tremblay"))

    after = await desk.take(ARRIVAL, "agent-tremblay")

    assert (after.status, after.taken_by) == (ArrivalStatus.preparing, "agent-tremblay")
    [step] = engine.steps
    assert (step.method, step.argument) == (
        ArrivalWorkflow.take,
        TakeRequest(agent="agent-tremblay"),
    )


async def test_the_dossier_of_an_unknown_arrival_is_never_signalled(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    with pytest.raises(NotFound, match=rf"^{ARRIVAL} does not exist$"):
        await desk.dossier_ready(ARRIVAL)

    assert engine.signals == []


# --- the guarded desk ----------------------------------------------------------------------------


async def test_hr_of_another_mo_cannot_start_an_arrival_for_it(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    hr = guarded(desk, Role.mo_hr, "rh-msss", mo="MSSS")

    with pytest.raises(Forbidden, match=r"^mo: you act for MSSS, not MTQ$"):
        await hr.start(request(requested_by="rh-msss"))

    assert engine.calls == []


async def test_hr_starts_an_arrival_only_under_their_own_name(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    hr = guarded(desk, Role.mo_hr, "rh-mtq", mo="MTQ")

    with pytest.raises(Forbidden, match=r"^requested_by: rh-mtq-2 is not you \(rh-mtq\)"):
        await hr.start(request(requested_by="rh-mtq-2"))

    assert engine.calls == []
    assert (await hr.start(request(requested_by="rh-mtq"))).id == ARRIVAL


async def test_hr_of_another_mo_is_told_its_arrival_does_not_exist(desk: ArrivalDesk) -> None:
    await desk.start(request())
    hr = guarded(desk, Role.mo_hr, "rh-msss", mo="MSSS")

    sentences = []
    for workflow_id in (ARRIVAL, "arrivee-MSSS-99999"):
        with pytest.raises(NotFound) as refused:
            await hr.show(workflow_id)
        sentences.append(str(refused.value))

    assert sentences == [f"{ARRIVAL} does not exist", "arrivee-MSSS-99999 does not exist"]


async def test_hr_lists_only_their_own_mos_arrivals(desk: ArrivalDesk, engine: FakeEngine) -> None:
    mine = await desk.start(request())
    listed(desk, mine.id, "MTQ")
    listed(desk, "arrivee-MSSS-10233", "MSSS")
    hr = guarded(desk, Role.mo_hr, "rh-mtq", mo="MTQ")

    assert [a.id for a in (await hr.list()).items] == [ARRIVAL]
    assert (await hr.list(mo="MSSS")).items == []


def listed(desk: ArrivalDesk, workflow_id: str, mo: str) -> None:
    """What the arrival's workflow sends the desk's records with its first steps."""
    desk.requests.note(
        WorkflowSteps(
            workflow_id=workflow_id,
            run_id="run-1",
            mo=mo,
            process="arrivee",
            first_index=0,
            steps=[WorkflowStep(kind="received", actor="rh", at=MONDAY_10H00)],
            listing=Listing(status="waiting_for_dossier"),
            sent=1,
        )
    )


async def test_an_agent_takes_an_arrival_only_under_their_own_name(
    desk: ArrivalDesk, engine: FakeEngine
) -> None:
    state = await desk.start(request())
    engine.answer(ArrivalWorkflow.take, ARRIVAL, taken(state, "agent-tremblay"))
    agent = guarded(desk, Role.ca_agent, "agent-tremblay")

    with pytest.raises(Forbidden, match=r"^agent: agent-gagnon is not you \(agent-tremblay\)"):
        await agent.take(ARRIVAL, "agent-gagnon")
    assert engine.steps == []

    assert (await agent.take(ARRIVAL, "agent-tremblay")).taken_by == "agent-tremblay"


async def test_hr_cannot_take_an_arrival_in_charge(desk: ArrivalDesk, engine: FakeEngine) -> None:
    await desk.start(request())
    hr = guarded(desk, Role.mo_hr, "rh-mtq", mo="MTQ")

    with pytest.raises(Forbidden, match=r"^role: the mo_hr role may not arrival.take"):
        await hr.take(ARRIVAL, "rh-mtq")

    assert engine.steps == []
