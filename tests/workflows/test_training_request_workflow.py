"""Training requests on the time-skipping server (issue 16 item 5): the MO asks for an
employee's training over a wished period; an agent takes it under the 24-hour rule and registers
the employee in a session of that course beginning in the period (the waiting list when full),
or refuses it; the personne autorisée who authorised it is told. Real desk, worker and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_sga import SqlSga
from models.registre import AbsenceDeclaration
from models.training import Basis, Enrol, EnrolmentStatus, Session, TrainingStatus
from models.training_requests import (
    RefuseTrainingRequest,
    TrainingRequest,
    TrainingRequestState,
    TrainingRequestStatus,
)
from starter.desks.errors import InvalidInput, Refused
from starter.desks.training import TrainingDesk
from starter.desks.training_requests import TrainingRequestDesk
from tests.workflows.desks_harness import CALENDAR, DesksHarness, new_person, running_desks

Desk = tuple[DesksHarness, TrainingRequestDesk]
COURSE = "SAGIR-RF-101"
EMPLOYEE = "52310"  # a demo employee of MTQ
AUTHORISER = "30001"  # MTQ's personne autorisée; 30002 is their relève


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        # The personne autorisée has a dossier personne: the outcome is mailed there.
        harness.erp.add_person(new_person(AUTHORISER))
        yield harness, training_request_desk(harness)


def training_request_desk(harness: DesksHarness) -> TrainingRequestDesk:
    return TrainingRequestDesk(
        harness.engine,
        CALENDAR,
        SqlDirectory(harness.uow),
        harness.erp,
        SqlSga(harness.uow),
        SqlCounters(harness.uow),
        harness.requests,
        harness.clock,
    )


async def wished(harness: DesksHarness, **changes: Any) -> TrainingRequest:
    today = await harness.today()
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": EMPLOYEE,
        "course": COURSE,
        "wished_from": today + timedelta(days=10),
        "wished_until": today + timedelta(days=40),
        "reason": "Nouvelle responsable des paiements",
        "authorised_by": AUTHORISER,
        "requested_by": "rh-mtq",
    }
    fields.update(changes)
    return TrainingRequest(**fields)


def add_session(harness: DesksHarness, code: str, starts_on: date, capacity: int = 5) -> None:
    SqlSga(harness.uow).add_session(
        Session(code=code, course=COURSE, starts_on=starts_on, capacity=capacity)
    )


async def submitted(desk: Desk, **changes: Any) -> TrainingRequestState:
    harness, request_desk = desk
    await harness.sync()
    state = await request_desk.submit(await wished(harness, **changes))
    harness.started.append(state.id)
    return state


async def settled(
    desk: Desk, workflow_id: str, status: TrainingRequestStatus
) -> TrainingRequestState:
    harness, request_desk = desk
    return await harness.eventually(  # type: ignore[no-any-return]
        lambda: request_desk.show(workflow_id), lambda state: state.status is status
    )


async def mails_of(harness: DesksHarness, workflow_id: str) -> list[str]:
    async def read() -> list[str]:
        return [mail.body for mail in harness.mail.sent(f"{workflow_id}/mail/")]

    return await harness.eventually(read, lambda bodies: len(bodies) >= 1)  # type: ignore[no-any-return]


async def test_a_training_request_is_registered_in_a_session_within_the_wished_period(
    desk: Desk,
) -> None:
    harness, request_desk = desk
    today = await harness.today()
    add_session(harness, "RF101-IN", today + timedelta(days=20))
    state = await submitted(desk)
    assert state.id.startswith(f"demande-formation-MTQ-{today.year}-")
    assert state.status is TrainingRequestStatus.received
    taken = await request_desk.take(state.id, "agent-roy")
    assert (taken.status, taken.taken_by) == (TrainingRequestStatus.in_progress, "agent-roy")
    registered = await request_desk.register(state.id, "agent-roy", "RF101-IN")
    assert (registered.status, registered.session) == (
        TrainingRequestStatus.registered,
        "RF101-IN",
    )
    assert registered.registration == f"formation-RF101-IN-MTQ-{EMPLOYEE}"
    # SGA holds the place, and the registration workflow follows it as any registration.
    enrolment = SqlSga(harness.uow).enrolment("RF101-IN", "MTQ", EMPLOYEE)
    assert enrolment is not None and enrolment.status is EnrolmentStatus.registered
    training = TrainingDesk(
        harness.engine, SqlDirectory(harness.uow), harness.erp, SqlSga(harness.uow)
    )
    harness.started.append(registered.registration)
    following = await harness.eventually(
        lambda: training.show(f"formation-RF101-IN-MTQ-{EMPLOYEE}"),
        lambda found: found.status is TrainingStatus.registered,
    )
    assert following.requested_by == "agent-roy"
    [told] = await mails_of(harness, state.id)
    assert f"l'employé {EMPLOYEE} est inscrit à la session RF101-IN" in told
    done = await settled(desk, state.id, TrainingRequestStatus.registered)
    assert [step.kind for step in done.steps] == ["received", "take", "register", "registered"]


async def test_a_training_request_for_a_full_session_is_wait_listed(desk: Desk) -> None:
    harness, request_desk = desk
    today = await harness.today()
    add_session(harness, "RF101-FULL", today + timedelta(days=15), capacity=1)
    first = await submitted(desk, employee_number="52311")
    second = await submitted(desk)
    for state in (first, second):
        await request_desk.take(state.id, "agent-roy")
    assert (await request_desk.register(first.id, "agent-roy", "RF101-FULL")).status is (
        TrainingRequestStatus.registered
    )
    waiting = await request_desk.register(second.id, "agent-roy", "RF101-FULL")
    harness.started += [f"formation-RF101-FULL-MTQ-{n}" for n in ("52311", EMPLOYEE)]
    assert (waiting.status, waiting.waiting_position) == (TrainingRequestStatus.wait_listed, 1)
    enrolment = SqlSga(harness.uow).enrolment("RF101-FULL", "MTQ", EMPLOYEE)
    assert enrolment is not None and enrolment.status is EnrolmentStatus.waiting
    [told] = await mails_of(harness, second.id)
    assert "est sur sa liste d'attente, au rang 1" in told


async def test_a_training_request_not_taken_in_24_open_hours_is_warned_then_breached(
    desk: Desk,
) -> None:
    harness, request_desk = desk
    state = await submitted(desk)
    await harness.move_to(state.due - timedelta(minutes=1))
    warned = await harness.eventually(
        lambda: request_desk.show(state.id), lambda found: found.warned
    )
    assert not warned.breached
    await harness.move_to(state.due + timedelta(minutes=1))
    breached = await harness.eventually(
        lambda: request_desk.show(state.id), lambda found: found.breached
    )
    assert [step.kind for step in breached.steps] == ["received", "warned", "breached"]
    keys = await harness.eventually(
        _async(lambda: harness.records.escalations_of(state.id)), lambda found: len(found) == 2
    )
    assert keys == [f"{state.id}/warning", f"{state.id}/breach"]
    # The list shows it, from the desk's records.
    page = await harness.eventually(
        lambda: request_desk.list("MTQ"),
        lambda found: [(i.warned, i.breached) for i in found.items] == [(True, True)],
    )
    assert page.items[0].id == state.id
    # Breached is not the end: an agent still takes it.
    assert (await request_desk.take(state.id, "agent-roy")).breached


async def test_a_training_request_for_another_mos_employee_is_refused(desk: Desk) -> None:
    harness, request_desk = desk
    with pytest.raises(InvalidInput, match="employee_number: 10233 has no dossier personne in MTQ"):
        await request_desk.submit(await wished(harness, employee_number="10233"))  # MSSS's
    assert (await request_desk.list()).total == 0
    # Nothing half-made: not even a number was handed out.
    assert SqlCounters(harness.uow).next_number(f"demande-formation-MTQ-{harness.now.year}") == 1


async def test_a_session_outside_the_wished_period_is_refused(desk: Desk) -> None:
    harness, request_desk = desk
    today = await harness.today()
    add_session(harness, "RF101-LATE", today + timedelta(days=60))
    state = await submitted(desk)
    await request_desk.take(state.id, "agent-roy")
    with pytest.raises(InvalidInput, match="session: RF101-LATE begins on .* outside the wished"):
        await request_desk.register(state.id, "agent-roy", "RF101-LATE")
    other = "EI201-2027-02"  # a session of another course
    with pytest.raises(InvalidInput, match=f"session: {other} is a session of SAGIR-EI-201"):
        await request_desk.register(state.id, "agent-roy", other)
    assert SqlSga(harness.uow).enrolment("RF101-LATE", "MTQ", EMPLOYEE) is None
    assert (await request_desk.show(state.id)).status is TrainingRequestStatus.in_progress


async def test_an_agent_refuses_a_training_request_with_a_reason_and_the_authoriser_is_told(
    desk: Desk,
) -> None:
    harness, request_desk = desk
    state = await submitted(desk)
    with pytest.raises(Refused, match="refuse: .* is received; refuse is allowed only when"):
        await request_desk.refuse(
            state.id, RefuseTrainingRequest(agent="agent-roy", reason="Aucune session")
        )
    await request_desk.take(state.id, "agent-roy")
    reason = "aucune session de ce cours dans la période souhaitée"
    refused = await request_desk.refuse(
        state.id, RefuseTrainingRequest(agent="agent-roy", reason=reason)
    )
    assert (refused.status, refused.refusal) == (TrainingRequestStatus.refused, reason)
    [told] = await mails_of(harness, state.id)
    assert f"est refusée : {reason}." in told


async def test_a_training_request_keeps_the_registre_rules_of_its_authoriser(desk: Desk) -> None:
    harness, request_desk = desk
    today = await harness.today()
    with pytest.raises(InvalidInput, match="authorised_by: 45871 is not a personne autorisée"):
        await request_desk.submit(await wished(harness, authorised_by="45871"))
    with pytest.raises(InvalidInput, match="authorised_by: nobody may authorise a request for"):
        await request_desk.submit(await wished(harness, employee_number=AUTHORISER))
    [line] = [line for line in harness.erp.registre_lines("MTQ") if line.employee_number == "30001"]
    harness.erp.declare_absence(
        "MTQ",
        AbsenceDeclaration(
            line_id=line.id, absent_from=today, absent_until=today + timedelta(days=3), by="30001"
        ),
        today,
        harness.now,
    )
    with pytest.raises(InvalidInput, match=r"authorised_by: 30001 is absent .* relève \(30002\)"):
        await request_desk.submit(await wished(harness))
    state = await submitted(desk, authorised_by="30002")  # the relève authorises meanwhile
    assert state.authorised_by == "30002"


async def test_a_training_request_names_a_course_of_sga_and_a_period_ahead(desk: Desk) -> None:
    harness, request_desk = desk
    today = await harness.today()
    with pytest.raises(InvalidInput, match="course: NOPE-101 is not a course of SGA"):
        await request_desk.submit(await wished(harness, course="NOPE-101"))
    yesterday = today - timedelta(days=1)
    with pytest.raises(InvalidInput, match=f"wished_from: {yesterday} is in the past"):
        await request_desk.submit(await wished(harness, wished_from=yesterday))
    assert (await request_desk.list()).total == 0


def _async(read: Any) -> Any:
    async def call() -> Any:
        return read()

    return call


async def test_a_training_request_for_someone_already_registered_keeps_one_registration(
    desk: Desk,
) -> None:
    harness, request_desk = desk
    today = await harness.today()
    add_session(harness, "RF101-TWICE", today + timedelta(days=20))
    training = TrainingDesk(
        harness.engine, SqlDirectory(harness.uow), harness.erp, SqlSga(harness.uow), harness.clock
    )
    await harness.sync()
    enrolled = await training.enrol(
        Enrol(
            session="RF101-TWICE",
            mo="MTQ",
            employee_number=EMPLOYEE,
            basis=Basis.development_plan,
            by="agent-gagnon",
        )
    )
    harness.started.append(enrolled.id)
    state = await submitted(desk)
    await request_desk.take(state.id, "agent-roy")
    registered = await request_desk.register(state.id, "agent-roy", "RF101-TWICE")
    # SGA's answer stands, and the registration already running keeps following the place.
    assert (registered.status, registered.registration) == (
        TrainingRequestStatus.registered,
        enrolled.id,
    )
    assert len(SqlSga(harness.uow).enrolments("RF101-TWICE")) == 1
    assert (await training.show(enrolled.id)).basis is Basis.development_plan
