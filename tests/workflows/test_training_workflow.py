"""Training registration on the time-skipping server (RULES.md "Training"; issue 4): registered
as the MO instructs or per the development plan, a waiting list served in order when a place
frees, not served when the session begins first; the participant told at each change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_sga import SqlSga
from models.directory import Person
from models.training import (
    Basis,
    Enrol,
    EnrolmentStatus,
    Session,
    TrainingState,
    TrainingStatus,
    training_id,
)
from starter.desks.errors import InvalidInput, NotFound
from starter.desks.training import TrainingDesk
from tests.workflows.desks_harness import DesksHarness, running_desks

Desk = tuple[DesksHarness, TrainingDesk]
SESSION = "RF101-2099-01"


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        today = await harness.today()
        SqlSga(demo_uow).add_session(
            Session(
                code=SESSION,
                course="SAGIR-RF-101",
                starts_on=today + timedelta(days=20),
                capacity=2,
            )
        )
        for number in ("60001", "60002", "60003", "60004"):
            harness.erp.add_person(participant(number))
        yield harness, harness.training()


def participant(number: str) -> Person:
    return Person(
        mo="MTQ",
        employee_number=number,
        first_name="Participant",
        last_name=number,
        work_email=f"p{number}@mtq.example",
        email_works=True,
        birth_day=1,
        birth_month=1,
    )


def enrol(number: str, basis: Basis = Basis.mo_instruction, **changes: Any) -> Enrol:
    fields: dict[str, Any] = {
        "session": SESSION,
        "mo": "MTQ",
        "employee_number": number,
        "basis": basis,
        "by": "agent-roy",
    }
    fields.update(changes)
    return Enrol(**fields)


async def enrolled(desk: Desk, number: str, status: TrainingStatus) -> TrainingState:
    harness, training_desk = desk
    await harness.sync()
    state = await training_desk.enrol(enrol(number))
    harness.started.append(state.id)
    return await settled(desk, state.id, status)


async def settled(desk: Desk, workflow_id: str, status: TrainingStatus) -> TrainingState:
    harness, training_desk = desk
    return await harness.eventually(
        lambda: training_desk.show(workflow_id), lambda state: state.status is status
    )


async def mails_to(harness: DesksHarness, number: str, count: int = 1) -> list[str]:
    """The mails to a participant, once `count` of them are out (activities run in real time)."""

    async def read() -> list[str]:
        return [mail.body for mail in harness.mail.sent("formation-") if f"p{number}@" in mail.to]

    return await harness.eventually(read, lambda bodies: len(bodies) >= count)  # type: ignore[no-any-return]


async def test_participant_is_registered_as_the_mo_instructs_and_told(desk: Desk) -> None:
    harness, _ = desk
    state = await enrolled(desk, "60001", TrainingStatus.registered)
    assert state.id == training_id(SESSION, "MTQ", "60001")
    assert (state.basis, state.requested_by) == (Basis.mo_instruction, "agent-roy")
    [told] = await mails_to(harness, "60001")
    assert told.startswith(f"Bonjour,\n\nSession {SESSION} : vous êtes inscrit(e).")


async def test_registration_per_development_plan_keeps_its_basis(desk: Desk) -> None:
    harness, training_desk = desk
    await harness.sync()
    state = await training_desk.enrol(enrol("60001", Basis.development_plan))
    harness.started.append(state.id)
    await settled(desk, state.id, TrainingStatus.registered)
    [kept] = await training_desk.participants(SESSION)
    assert kept.basis is Basis.development_plan


async def test_full_session_puts_the_participant_on_the_waiting_list_and_says_where(
    desk: Desk,
) -> None:
    harness, _ = desk
    await enrolled(desk, "60001", TrainingStatus.registered)
    await enrolled(desk, "60002", TrainingStatus.registered)
    third = await enrolled(desk, "60003", TrainingStatus.waiting)
    fourth = await enrolled(desk, "60004", TrainingStatus.waiting)
    assert (third.waiting_position, fourth.waiting_position) == (1, 2)
    assert "liste d'attente, au rang 2" in (await mails_to(harness, "60004"))[0]


async def test_freed_place_goes_to_the_first_waiting_whose_workflow_registers_and_tells_them(
    desk: Desk,
) -> None:
    harness, training_desk = desk
    first = await enrolled(desk, "60001", TrainingStatus.registered)
    await enrolled(desk, "60002", TrainingStatus.registered)
    third = await enrolled(desk, "60003", TrainingStatus.waiting)
    fourth = await enrolled(desk, "60004", TrainingStatus.waiting)
    cancelled = await training_desk.cancel(first.id, "agent-gagnon")
    assert cancelled.status is TrainingStatus.cancelled
    promoted = await settled(desk, third.id, TrainingStatus.registered)
    assert [step.kind for step in promoted.steps][-1] == "registered"
    assert "vous êtes inscrit(e)" in (await mails_to(harness, "60003", 2))[-1]
    # The next in line moves up; nobody else is served.
    still = await harness.eventually(
        lambda: training_desk.show(fourth.id), lambda state: state.waiting_position == 1
    )
    assert still.status is TrainingStatus.waiting
    with pytest.raises(NotFound, match="does not exist or is finished"):
        await training_desk.cancel(first.id, "agent-gagnon")


async def test_still_waiting_when_the_session_begins_is_not_served_and_told(desk: Desk) -> None:
    harness, _ = desk
    await enrolled(desk, "60001", TrainingStatus.registered)
    await enrolled(desk, "60002", TrainingStatus.registered)
    waiting = await enrolled(desk, "60003", TrainingStatus.waiting)
    await harness.move_to(waiting.session_starts_at + timedelta(minutes=1))
    not_served = await settled(desk, waiting.id, TrainingStatus.not_served)
    assert not_served.steps[-1].kind == "not_served"
    assert "sans place pour vous" in (await mails_to(harness, "60003", 2))[-1]
    enrolment = SqlSga(harness.uow).enrolment(SESSION, "MTQ", "60003")
    assert enrolment is not None and enrolment.status is EnrolmentStatus.cancelled


async def test_place_freed_outside_a_workflow_is_found_at_the_next_open_day(desk: Desk) -> None:
    harness, _ = desk
    sga = SqlSga(harness.uow)
    harness.now = await harness.sync()
    sga.enrol(enrol("60001"), harness.now)  # enrolled directly in SGA, no workflow to signal
    sga.enrol(enrol("60002"), harness.now)
    waiting = await enrolled(desk, "60003", TrainingStatus.waiting)
    sga.cancel(SESSION, "MTQ", "60001", harness.now)
    await harness.skip(timedelta(days=4))  # past the next open day's opening
    await settled(desk, waiting.id, TrainingStatus.registered)


async def test_enrolling_someone_already_there_changes_nothing(desk: Desk) -> None:
    harness, training_desk = desk
    first = await enrolled(desk, "60001", TrainingStatus.registered)
    again = await training_desk.enrol(enrol("60001", Basis.development_plan))
    assert again.id == first.id and again.basis is Basis.mo_instruction
    assert len(await training_desk.participants(SESSION)) == 1


async def test_enrolment_in_a_session_already_begun_or_unknown_is_refused(desk: Desk) -> None:
    harness, training_desk = desk
    today = await harness.today()
    SqlSga(harness.uow).add_session(
        Session(code="RF101-PAST", course="SAGIR-RF-101", starts_on=today, capacity=5)
    )
    with pytest.raises(InvalidInput, match=f"session: RF101-PAST began on {today}"):
        await training_desk.enrol(enrol("60001", session="RF101-PAST"))
    with pytest.raises(InvalidInput, match="session: NOPE-1 is not a session of SGA"):
        await training_desk.enrol(enrol("60001", session="NOPE-1"))
    with pytest.raises(InvalidInput, match="99999 has no dossier personne in MTQ"):
        await training_desk.enrol(enrol("99999"))
    assert await training_desk.participants("RF101-PAST") == []
