"""Employee-data changes (issue 16 item 5), on fakes: the review's pure rules, the proposal's
rules, the writes' order and keys, and the desk's checks before anything starts (the employee in
the MO's dossier personne, the date, at least one change), the 24-hour deadline, and a move to
another MO started as a departure and an arrival linked to the change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.demo_data import AGENTS, MOS, PERSONS
from adapters.fakes import FakeCounters, FakeDirectory, FakeRequestRecords, FakeSagirErp
from models.arrivals import StartArrival
from models.departures import BirthDayMonth, DepartureNotice
from models.employee_changes import (
    AccessReview,
    EmployeeChangeRequest,
    MoveToMo,
    Proposal,
    StartEmployeeChange,
    change_writes,
    check_proposal,
    review_access,
)
from models.roles import Caller, Role
from models.sagir import AccessSnapshot, AccountStatus, Module, Responsibility, RuleRefused
from models.service_calendar import MONTREAL, ServiceCalendar
from starter.desks.arrivals import ArrivalDesk
from starter.desks.departures import DepartureDesk
from starter.desks.employee_changes import EmployeeChangeDesk, GuardedEmployeeChanges
from starter.desks.errors import Forbidden, InvalidInput
from tests.unit.fake_engine import FakeEngine

CATALOGUE = {
    code: Responsibility(code=code, name=code, module=module)
    for code, module in (
        ("LS-EMPLOYE", Module.LS),
        ("RF-CONSULTATION", Module.RF),
        ("RM-ACHETEUR", Module.RM),
        ("EI-RAPPORTS-FIN", Module.EI),
    )
}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


MONDAY_10H00 = local("2026-11-23T10:00")


def access(codes: list[str], group: str | None = None) -> AccessSnapshot:
    return AccessSnapshot(
        mo="MTQ",
        employee_number="52311",
        account=AccountStatus.active,
        responsibilities=codes,
        partition_group=group,
        parameters={},
    )


def reported(**changes: Any) -> EmployeeChangeRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": "45871",
        "effective_date": date(2026, 12, 1),
        "new_unit": "DG-FINANCES",
        "reported_by": "rh-mtq",
        "hr_email": "rh@mtq.example",
    }
    return EmployeeChangeRequest(**{**fields, **changes})


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def desk(engine: FakeEngine) -> EmployeeChangeDesk:
    erp = FakeSagirErp()
    for person in PERSONS:
        erp.add_person(person)
    erp.add_partition_group("MTQ", "MTQ-DGF")
    directory, requests, calendar = (
        FakeDirectory(MOS, AGENTS),
        FakeRequestRecords(),
        ServiceCalendar(),
    )
    clock = lambda: MONDAY_10H00  # noqa: E731
    return EmployeeChangeDesk(
        engine,
        calendar,
        directory,
        erp,
        FakeCounters(),
        requests,
        ArrivalDesk(engine, calendar, directory, requests, 3, clock),
        DepartureDesk(engine, calendar, directory, erp, requests, clock),
        clock,
    )


# --- the review and the proposal ------------------------------------------------------------


def test_the_review_adds_the_positionings_defaults_and_removes_what_the_registre_no_longer_allows() -> (  # noqa: E501
    None
):
    review = review_access(
        access(["LS-EMPLOYE", "RM-ACHETEUR"]),
        defaults=["LS-EMPLOYE", "RF-CONSULTATION"],
        allowed={"RF-CONSULTATION"},
        catalogue=CATALOGUE,
        new_group=None,
    )
    assert (review.to_add, review.to_remove) == (["RF-CONSULTATION"], ["RM-ACHETEUR"])
    assert review.proposal() == Proposal(grant=["RF-CONSULTATION"], remove=["RM-ACHETEUR"])


def test_the_review_clears_the_cloisonnement_when_no_ei_responsibility_remains() -> None:
    review = review_access(
        access(["LS-EMPLOYE", "EI-RAPPORTS-FIN"], group="MTQ-DGF"),
        defaults=["LS-EMPLOYE"],
        allowed=set(),
        catalogue=CATALOGUE,
        new_group=None,
    )
    assert (review.to_remove, review.clear_partition) == (["EI-RAPPORTS-FIN"], True)
    moved = review_access(
        access(["EI-RAPPORTS-FIN"], group="MTQ-DGF"),
        defaults=[],
        allowed={"EI-RAPPORTS-FIN"},
        catalogue=CATALOGUE,
        new_group="MTQ-REGION-EST",
    )
    assert (moved.partition_group, moved.clear_partition) == ("MTQ-REGION-EST", False)


def test_a_proposal_grants_only_defaults_and_keeps_ei_partitioned() -> None:
    review = AccessReview(
        account=AccountStatus.active,
        held=["LS-EMPLOYE", "EI-RAPPORTS-FIN"],
        defaults=["LS-EMPLOYE", "RF-CONSULTATION"],
        ei=["EI-RAPPORTS-FIN"],
        current_group="MTQ-DGF",
        to_add=["RF-CONSULTATION"],
        to_remove=[],
    )
    with pytest.raises(RuleRefused, match="proposal.grant: RM-ACHETEUR is not a default"):
        check_proposal(review, Proposal(grant=["RM-ACHETEUR"]))
    with pytest.raises(RuleRefused, match="proposal.remove: the employee does not hold RM-"):
        check_proposal(review, Proposal(remove=["RM-ACHETEUR"]))
    with pytest.raises(RuleRefused, match="proposal.partition_group: EI-RAPPORTS-FIN is an EI"):
        check_proposal(review, Proposal(clear_partition=True))
    check_proposal(review, Proposal(remove=["EI-RAPPORTS-FIN"], clear_partition=True))


def test_the_writes_remove_then_set_the_group_then_grant_each_keyed_by_the_change() -> None:
    review = review_access(
        access(["RM-ACHETEUR"]), ["LS-EMPLOYE"], set(), CATALOGUE, new_group="MTQ-DGF"
    )
    writes = change_writes("modification-MTQ-52311-1", "MTQ", "52311", review, review.proposal())
    assert [(w.action, w.write.idempotency_key) for w in writes] == [
        ("remove", "modification-MTQ-52311-1/remove/RM-ACHETEUR"),
        ("partition", "modification-MTQ-52311-1/partition/MTQ-DGF"),
        ("grant", "modification-MTQ-52311-1/grant/LS-EMPLOYE"),
    ]


def test_a_change_names_at_least_one_thing_that_changes() -> None:
    with pytest.raises(ValidationError, match="changes: name at least one thing that changes"):
        reported(new_unit=None)


# --- the desk -------------------------------------------------------------------------------


async def test_a_change_is_due_like_any_web_request_and_is_numbered_per_employee(
    desk: EmployeeChangeDesk, engine: FakeEngine
) -> None:
    state = await desk.report(reported())
    [started] = engine.started
    assert isinstance(started.argument, StartEmployeeChange)
    assert started.argument.due == local("2026-11-24T10:00")
    assert (state.id, state.changes) == ("modification-MTQ-45871-1", ["unit"])
    assert (await desk.report(reported(name_changed=True))).id == "modification-MTQ-45871-2"


async def test_a_change_for_another_mos_employee_is_refused_before_anything_starts(
    desk: EmployeeChangeDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match="employee_number: 10233 has no dossier personne in MTQ"):
        await desk.report(reported(employee_number="10233"))
    with pytest.raises(InvalidInput, match="effective_date: 2026-11-22 is in the past"):
        await desk.report(reported(effective_date=date(2026, 11, 22)))
    assert engine.started == []
    hr_of_msss = GuardedEmployeeChanges(desk, Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss"))
    with pytest.raises(Forbidden, match="mo: you act for MSSS, not MTQ"):
        await hr_of_msss.report(reported(reported_by="rh-msss"))
    agent = GuardedEmployeeChanges(desk, Caller(role=Role.ca_agent, subject="agent-roy"))
    with pytest.raises(Forbidden):
        await agent.report(reported(reported_by="agent-roy"))
    assert engine.started == []


async def test_a_move_starts_a_departure_and_an_arrival_each_naming_the_change(
    desk: EmployeeChangeDesk, engine: FakeEngine
) -> None:
    move = MoveToMo(
        to_mo="MSSS",
        employee_number="45871",
        birth=BirthDayMonth(birth_day=14, birth_month=3),
        authorised_by="30011",
        hr_email="rh@msss.example",
    )
    state = await desk.report(reported(new_unit=None, move=move))
    departure, arrival, change = (started.argument for started in engine.started)
    assert isinstance(departure, DepartureNotice) and isinstance(arrival, StartArrival)
    assert (departure.request.change_id, arrival.request.change_id) == (state.id, state.id)
    assert (departure.request.departure_date, arrival.request.start_date) == (
        date(2026, 11, 30),
        date(2026, 12, 1),
    )
    assert isinstance(change, StartEmployeeChange)
    assert (state.departure_id, state.arrival_id) == ("depart-MTQ-45871", "arrivee-MSSS-45871")
