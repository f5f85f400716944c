"""Training requests on the time-skipping server (issue 16 item 5): the MO asks for an
employee's training over a wished period; an agent takes it under the 24-hour rule and registers
the employee in a session of that course beginning in the period (the waiting list when full),
or refuses it; the personne autorisée who authorised it is told. Real desk, worker and SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

import worker
from adapters.database import UnitOfWork
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_sga import SqlSga
from models.registre import AbsenceDeclaration
from models.sagir import ErpRefused
from models.training import Basis, Enrol, Enrolment, EnrolmentStatus, Session, TrainingStatus
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


# --- SGA not answering, and register's other refusals ------------------------------------------


class FailingSga(SqlSga):
    """SGA failing on cue: `silent`, each enrolment fails as a dropped connection does;
    `loses_answers`, it enrols them and then the answer is lost; `refuses`, its permanent
    refusal. `answers` puts it back."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.mode = "answers"
        self.tries = 0

    def enrol(self, enrol: Enrol, at: datetime) -> Enrolment:
        self.tries += 1
        if self.mode == "refuses":
            raise ErpRefused(f"session: {enrol.session} is not a session of SGA")
        if self.mode == "answers":
            return super().enrol(enrol, at)
        if self.mode == "loses_answers":
            super().enrol(enrol, at)
        raise ConnectionError("SGA did not answer")


@pytest.fixture
def sga(monkeypatch: pytest.MonkeyPatch, demo_uow: UnitOfWork) -> FailingSga:
    failing = FailingSga(demo_uow)
    # The worker's SGA, as its composition root builds it: this one.
    monkeypatch.setattr(worker, "SqlSga", lambda uow: failing)
    return failing


@pytest.fixture
async def failing_desk(
    sga: FailingSga, time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        harness.erp.add_person(new_person(AUTHORISER))
        yield harness, training_request_desk(harness)


async def taken_with_sessions(desk: Desk, *sessions: str) -> TrainingRequestState:
    """A request taken by agent-roy, and sessions of one place in its wished period."""
    harness, request_desk = desk
    today = await harness.today()
    for n, code in enumerate(sessions):
        add_session(harness, code, today + timedelta(days=20 + n), capacity=1)
    state = await submitted(desk)
    return await request_desk.take(state.id, "agent-roy")


def place(harness: DesksHarness, session: str, employee: str = EMPLOYEE) -> EnrolmentStatus | None:
    found = SqlSga(harness.uow).enrolment(session, "MTQ", employee)
    return None if found is None else found.status


async def followed(harness: DesksHarness, workflow_id: str) -> bool:
    """Whether a registration workflow follows the place (stopped at the test's end)."""
    try:
        await harness.env.client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    harness.started.append(workflow_id)
    return True


SILENT = "^SGA: the training system did not answer; the request is unchanged, try again later$"


async def test_a_registration_sga_cannot_answer_is_refused_and_changes_nothing(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-SILENT")
    sga.mode = "silent"
    with pytest.raises(Refused, match=SILENT):
        await request_desk.register(taken.id, "agent-roy", "RF101-SILENT")
    assert sga.tries == 3  # a few tries within 30 seconds, then the agent is told
    # Still taken, as it was; no place in SGA, no registration workflow following one.
    assert (await request_desk.show(taken.id)) == taken
    assert place(harness, "RF101-SILENT") is None
    assert not await followed(harness, f"formation-RF101-SILENT-MTQ-{EMPLOYEE}")
    # SGA back: the agent registers it again.
    sga.mode = "answers"
    registered = await request_desk.register(taken.id, "agent-roy", "RF101-SILENT")
    assert registered.status is TrainingRequestStatus.registered
    assert await followed(harness, f"formation-RF101-SILENT-MTQ-{EMPLOYEE}")


async def test_a_registration_whose_answer_sga_lost_is_found_by_the_next_attempt(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-LOST")
    sga.mode = "loses_answers"
    with pytest.raises(Refused, match=SILENT):
        await request_desk.register(taken.id, "agent-roy", "RF101-LOST")
    assert (await request_desk.show(taken.id)) == taken
    # SGA made the place once, however many tries lost its answer.
    assert place(harness, "RF101-LOST") is EnrolmentStatus.registered
    sga.mode = "answers"
    registered = await request_desk.register(taken.id, "agent-roy", "RF101-LOST")
    assert (registered.status, registered.registration) == (
        TrainingRequestStatus.registered,
        f"formation-RF101-LOST-MTQ-{EMPLOYEE}",
    )
    assert len(SqlSga(harness.uow).enrolments("RF101-LOST")) == 1
    assert await followed(harness, f"formation-RF101-LOST-MTQ-{EMPLOYEE}")
    done = await harness.env.client.get_workflow_handle(taken.id).result()
    assert place(harness, "RF101-LOST") is EnrolmentStatus.registered  # kept: it is followed
    assert [step.kind for step in TrainingRequestState.model_validate(done).steps][-2:] == [
        "register",
        "registered",
    ]


async def test_a_place_sga_made_without_answering_is_withdrawn_when_the_request_is_refused(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-WITHDRAWN")
    sga.mode = "loses_answers"
    with pytest.raises(Refused, match=SILENT):
        await request_desk.register(taken.id, "agent-roy", "RF101-WITHDRAWN")
    sga.mode = "answers"
    # Someone waits for the one place the lost answer took.
    waiting = await harness.training().enrol(
        Enrol(
            session="RF101-WITHDRAWN",
            mo="MTQ",
            employee_number="52311",
            basis=Basis.mo_instruction,
            by="agent-gagnon",
        )
    )
    harness.started.append(waiting.id)
    await harness.eventually(
        lambda: harness.training().show(waiting.id),
        lambda found: found.status is TrainingStatus.waiting,
    )
    await request_desk.refuse(
        taken.id, RefuseTrainingRequest(agent="agent-roy", reason="Aucune session possible")
    )
    await harness.env.client.get_workflow_handle(taken.id).result()
    assert place(harness, "RF101-WITHDRAWN") is EnrolmentStatus.cancelled
    # The place it frees serves the first waiting, whose registration is told at once.
    served = await harness.eventually(
        lambda: harness.training().show(waiting.id),
        lambda found: found.status is TrainingStatus.registered,
    )
    assert served.waiting_position is None


async def test_a_place_sga_made_without_answering_is_withdrawn_when_another_session_is_chosen(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-FIRST", "RF101-SECOND")
    sga.mode = "loses_answers"
    with pytest.raises(Refused, match=SILENT):
        await request_desk.register(taken.id, "agent-roy", "RF101-FIRST")
    sga.mode = "answers"
    registered = await request_desk.register(taken.id, "agent-roy", "RF101-SECOND")
    assert (registered.status, registered.session) == (
        TrainingRequestStatus.registered,
        "RF101-SECOND",
    )
    assert await followed(harness, f"formation-RF101-SECOND-MTQ-{EMPLOYEE}")
    await harness.env.client.get_workflow_handle(taken.id).result()
    assert place(harness, "RF101-FIRST") is EnrolmentStatus.cancelled
    assert place(harness, "RF101-SECOND") is EnrolmentStatus.registered


async def test_a_place_sga_held_before_an_unanswered_registration_stays(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-HELD")
    enrolled = await harness.training().enrol(
        Enrol(
            session="RF101-HELD",
            mo="MTQ",
            employee_number=EMPLOYEE,
            basis=Basis.mo_instruction,
            by="agent-roy",
        )
    )
    harness.started.append(enrolled.id)
    await harness.eventually(
        lambda: harness.training().show(enrolled.id),
        lambda found: found.status is TrainingStatus.registered,
    )
    sga.mode = "loses_answers"
    with pytest.raises(Refused, match=SILENT):
        await request_desk.register(taken.id, "agent-roy", "RF101-HELD")
    sga.mode = "answers"
    await request_desk.refuse(
        taken.id, RefuseTrainingRequest(agent="agent-roy", reason="Déjà inscrit par le CA")
    )
    await harness.env.client.get_workflow_handle(taken.id).result()
    # The CA's own place, made before the request asked: not the request's to withdraw.
    assert place(harness, "RF101-HELD") is EnrolmentStatus.registered


async def test_a_registration_sga_refuses_is_refused_in_its_words_and_changes_nothing(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-REFUSED")
    sga.mode = "refuses"
    with pytest.raises(
        Refused,
        match="^session: SGA refused the registration: session: RF101-REFUSED is not a session",
    ):
        await request_desk.register(taken.id, "agent-roy", "RF101-REFUSED")
    assert sga.tries == 1  # a refusal is SGA's answer: not asked again
    assert (await request_desk.show(taken.id)) == taken


async def test_a_request_being_registered_takes_no_other_step_until_sga_answers(
    failing_desk: Desk, sga: FailingSga
) -> None:
    harness, request_desk = failing_desk
    taken = await taken_with_sessions(failing_desk, "RF101-BUSY")
    sga.mode = "silent"
    first = asyncio.create_task(request_desk.register(taken.id, "agent-roy", "RF101-BUSY"))
    await harness.eventually(_async(lambda: sga.tries), lambda tries: tries >= 1)
    with pytest.raises(Refused, match=f"^register: {taken.id} is being registered in a session$"):
        await request_desk.register(taken.id, "agent-roy", "RF101-BUSY")
    with pytest.raises(Refused, match=f"^refuse: {taken.id} is being registered in a session$"):
        await request_desk.refuse(taken.id, RefuseTrainingRequest(agent="agent-roy", reason="Non"))
    with pytest.raises(Refused, match=SILENT):
        await first
    assert (await request_desk.show(taken.id)) == taken


async def test_a_training_request_is_registered_once_taken_in_a_session_not_begun(
    desk: Desk,
) -> None:
    harness, request_desk = desk
    today = await harness.today()
    add_session(harness, "RF101-AHEAD", today + timedelta(days=20))
    add_session(harness, "RF101-BEGUN", today)
    state = await submitted(desk)
    with pytest.raises(
        Refused, match=f"^register: {state.id} is received; register is allowed only when it is "
    ):
        await request_desk.register(state.id, "agent-roy", "RF101-AHEAD")
    taken = await request_desk.take(state.id, "agent-roy")
    with pytest.raises(InvalidInput, match="^session: NOPE-1 is not a session of SGA$"):
        await request_desk.register(state.id, "agent-roy", "NOPE-1")
    with pytest.raises(
        InvalidInput, match=f"^session: RF101-BEGUN began on {today}; choose a later one$"
    ):
        await request_desk.register(state.id, "agent-roy", "RF101-BEGUN")
    with pytest.raises(InvalidInput, match="^agent: agent-nobody is not an active agent of the CA"):
        await request_desk.register(state.id, "agent-nobody", "RF101-AHEAD")
    assert (await request_desk.show(state.id)) == taken
    assert SqlSga(harness.uow).enrolments("RF101-AHEAD") == []
