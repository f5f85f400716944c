"""The departure desk's rules, on fakes: the identity and the dates checked before anything
starts, the 48-hour late notice, and a second notice that updates the running departure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from adapters.demo_data import AGENTS, MOS, PERSONS
from adapters.fakes import FakeDirectory, FakeRequestRecords, FakeSagirErp
from models.audit import WorkflowStep, WorkflowSteps
from models.departures import (
    BIRTH_MISMATCH,
    BirthDayMonth,
    DepartureNotice,
    DepartureRequest,
    DepartureState,
)
from models.roles import Caller, Role
from models.service_calendar import MONTREAL, ServiceCalendar
from starter.desks.departures import DepartureDesk, GuardedDepartures
from starter.desks.errors import Forbidden, InvalidInput
from tests.unit.fake_engine import FakeEngine
from workflows.departures import DepartureWorkflow

DEPARTURE = "depart-MTQ-45871"  # Éric Bouchard, born on 14 March (adapters/demo_data.py)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


MONDAY_10H00 = local("2026-11-23T10:00")


def request(**changes: Any) -> DepartureRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": "45871",
        "departure_date": date(2026, 12, 4),
        "birth": BirthDayMonth(birth_day=14, birth_month=3),
        "notified_by": "rh-mtq",
    }
    return DepartureRequest(**{**fields, **changes})


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def desk(engine: FakeEngine) -> DepartureDesk:
    erp = FakeSagirErp()
    for person in PERSONS:
        erp.add_person(person)
    return DepartureDesk(
        engine,
        ServiceCalendar(),
        FakeDirectory(MOS, AGENTS),
        erp,
        FakeRequestRecords(),
        lambda: MONDAY_10H00,
    )


async def test_a_departure_is_due_like_any_web_request_and_remembers_its_departure_date(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    state = await desk.notify(request())

    [started] = engine.started
    assert isinstance(started.argument, DepartureNotice)
    assert started.argument.due == local("2026-11-24T10:00")
    assert started.argument.end_of_departure_date == local("2026-12-05T00:00")
    assert (state.id, state.late) == (DEPARTURE, False)


async def test_birth_day_and_month_must_match_the_dossier_personne_before_anything_starts(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await desk.notify(request(birth=BirthDayMonth(birth_day=3, birth_month=12)))

    assert str(refused.value) == BIRTH_MISMATCH
    assert engine.calls == []


async def test_an_employee_without_a_dossier_personne_is_refused(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^employee_number: 99999 has no dossier personne"):
        await desk.notify(request(employee_number="99999"))

    assert engine.calls == []


async def test_a_departure_date_already_over_must_be_notified_as_immediate(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^departure_date: 2026-11-20 is over"):
        await desk.notify(request(departure_date=date(2026, 11, 20)))
    assert engine.calls == []

    state = await desk.notify(request(departure_date=date(2026, 11, 20), immediate=True))
    assert state.immediate


async def test_a_notice_less_than_48_hours_before_the_end_of_the_departure_date_is_late(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    state = await desk.notify(request(departure_date=date(2026, 11, 24)))

    assert state.late
    desk.requests.note(  # what the departure's workflow sends the desk's records
        WorkflowSteps(
            workflow_id=state.id,
            run_id="run-1",
            mo=state.mo,
            process="depart",
            first_index=0,
            steps=[WorkflowStep(kind="notice", actor="rh-mtq", at=MONDAY_10H00)],
            listing=state.listing(),
            sent=1,
        )
    )
    [listed] = (await desk.list(late=True)).items
    assert listed.late_notice


async def test_a_second_notice_updates_the_running_departure_instead_of_starting_one(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    first = await desk.notify(request())
    renotified = DepartureState(
        **{**first.model_dump(), "departure_date": date(2026, 12, 11), "notices": 2}
    )
    engine.answer(DepartureWorkflow.renotify, DEPARTURE, renotified)

    after = await desk.notify(request(departure_date=date(2026, 12, 11)))

    assert (after.departure_date, after.notices) == (date(2026, 12, 11), 2)
    assert len(engine.started) == 1
    [step] = engine.steps
    assert step.method == DepartureWorkflow.renotify
    assert step.argument.request.departure_date == date(2026, 12, 11)


async def test_hr_notifies_departures_of_their_own_mo_under_their_own_name(
    desk: DepartureDesk, engine: FakeEngine
) -> None:
    msss = GuardedDepartures(desk, Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss"))
    with pytest.raises(Forbidden, match=r"^mo: you act for MSSS, not MTQ$"):
        await msss.notify(request(notified_by="rh-msss"))

    mtq = GuardedDepartures(desk, Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq"))
    with pytest.raises(Forbidden, match=r"^notified_by: rh-mtq-2 is not you \(rh-mtq\)"):
        await mtq.notify(request(notified_by="rh-mtq-2"))

    assert engine.calls == []
