"""Employee-data changes on the time-skipping server (issue 16 item 5, "Informer le CA des
modifications apportées aux données des employés"): HR reports a change; an agent takes it under
the 24-hour rule, the workflow reviews the accesses against the new situation, the agent
proposes, another agent checks, and only then is it applied in SAGIR (the arrival's saga). A move
to another MO is a departure and an arrival, linked. Real desks, worker and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from temporalio.testing import WorkflowEnvironment

from adapters.database import DefaultResponsibilityRow, RegistreResponsibilityRow, UnitOfWork
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from models.departures import BirthDayMonth
from models.employee_changes import (
    ChangeStatus,
    CheckChange,
    EmployeeChangeRequest,
    EmployeeChangeState,
    MoveToMo,
    Proposal,
    ProposeChange,
)
from starter.desks.employee_changes import EmployeeChangeDesk
from starter.desks.errors import InvalidInput, NotFound, Refused
from tests.workflows.desks_harness import (
    CALENDAR,
    DesksHarness,
    PartitionRefusingErp,
    arrival_request,
    running_desks,
)

Desk = tuple[DesksHarness, EmployeeChangeDesk]
EMPLOYEE = "52311"  # MTQ; holds LS-EMPLOYE and RM-ACHETEUR


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness, change_desk(harness)


@pytest.fixture
async def refusing_desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    erp = PartitionRefusingErp(demo_uow)
    async with running_desks(time_skipping_env, demo_uow, task_queue, erp=erp) as harness:
        yield harness, change_desk(harness)


def change_desk(harness: DesksHarness) -> EmployeeChangeDesk:
    return EmployeeChangeDesk(
        harness.engine,
        CALENDAR,
        SqlDirectory(harness.uow),
        harness.erp,
        SqlCounters(harness.uow),
        harness.requests,
        harness.arrivals(),
        harness.departures(),
        harness.clock,
    )


async def reported(desk: Desk, **changes: Any) -> EmployeeChangeState:
    harness, changes_desk = desk
    await harness.sync()
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": EMPLOYEE,
        "effective_date": await harness.today(),
        "new_unit": "DG-FINANCES",
        "new_position": "Conseillère en gestion financière",
        "reported_by": "rh-mtq",
        "hr_email": "rh@mtq.example",
    }
    fields.update(changes)
    state = await changes_desk.report(EmployeeChangeRequest(**fields))
    harness.started.append(state.id)
    return state


async def reviewed(desk: Desk, workflow_id: str, agent: str = "agent-roy") -> EmployeeChangeState:
    harness, changes_desk = desk
    await changes_desk.take(workflow_id, agent)
    return await harness.eventually(  # type: ignore[no-any-return]
        lambda: changes_desk.show(workflow_id), lambda state: state.review is not None
    )


async def settled(desk: Desk, workflow_id: str, status: ChangeStatus) -> EmployeeChangeState:
    harness, changes_desk = desk
    return await harness.eventually(  # type: ignore[no-any-return]
        lambda: changes_desk.show(workflow_id), lambda state: state.status is status
    )


async def hr_mails(harness: DesksHarness, workflow_id: str) -> list[str]:
    async def read() -> list[str]:
        return [mail.body for mail in harness.mail.sent(f"{workflow_id}/mail/")]

    return await harness.eventually(read, lambda bodies: len(bodies) >= 1)  # type: ignore[no-any-return]


def positioning_changed(uow: UnitOfWork) -> None:
    """MTQ's positioning now gives everyone RF-CONSULTATION, and its registre no longer allows
    RM-ACHETEUR."""
    with uow.begin() as session:
        session.add(DefaultResponsibilityRow(mo_code="MTQ", responsibility_code="RF-CONSULTATION"))
        session.execute(
            delete(RegistreResponsibilityRow).where(
                RegistreResponsibilityRow.mo_code == "MTQ",
                RegistreResponsibilityRow.responsibility_code == "RM-ACHETEUR",
            )
        )


async def test_an_employee_data_change_removes_what_the_registre_no_longer_allows_after_the_quality_check(  # noqa: E501
    desk: Desk,
) -> None:
    harness, changes_desk = desk
    positioning_changed(harness.uow)
    state = await reported(desk)
    assert state.id == f"modification-MTQ-{EMPLOYEE}-1"
    assert (state.status, state.changes) == (ChangeStatus.received, ["position", "unit"])
    found = await reviewed(desk, state.id)
    review = found.review
    assert review is not None
    assert (review.held, review.to_add, review.to_remove) == (
        ["LS-EMPLOYE", "RM-ACHETEUR"],
        ["RF-CONSULTATION"],
        ["RM-ACHETEUR"],
    )
    assert found.proposal == review.proposal()
    proposed = await changes_desk.propose(
        state.id, ProposeChange(agent="agent-roy", proposal=review.proposal())
    )
    assert proposed.status is ChangeStatus.to_check
    # Nothing is written in SAGIR before the quality check.
    assert harness.erp.access_of("MTQ", EMPLOYEE).responsibilities == ["LS-EMPLOYE", "RM-ACHETEUR"]
    await changes_desk.check(state.id, CheckChange(agent="agent-tremblay", approved=True))
    done = await settled(desk, state.id, ChangeStatus.applied)
    access = harness.erp.access_of("MTQ", EMPLOYEE)
    assert access.responsibilities == ["LS-EMPLOYE", "RF-CONSULTATION"]
    assert [change.write.idempotency_key for change in done.applied] == [
        f"{state.id}/remove/RM-ACHETEUR",
        f"{state.id}/grant/RF-CONSULTATION",
    ]
    assert done.checked_by == "agent-tremblay"
    [told] = await hr_mails(harness, state.id)
    assert "retrait de RM-ACHETEUR; ajout de RF-CONSULTATION" in told  # said in French
    assert [step.kind for step in done.steps] == [
        "received",
        "take",
        "reviewed",
        "propose",
        "quality_approved",
        "applied",
    ]


async def test_a_change_is_applied_only_after_another_agents_quality_check(desk: Desk) -> None:
    harness, changes_desk = desk
    positioning_changed(harness.uow)
    state = await reported(desk)
    await reviewed(desk, state.id)
    # The agent adjusts the review: keeps RM-ACHETEUR out of it, adds nothing.
    adjusted = Proposal(remove=["RM-ACHETEUR"])
    await changes_desk.propose(state.id, ProposeChange(agent="agent-roy", proposal=adjusted))
    with pytest.raises(Refused, match="agent: agent-roy proposed .* by another agent"):
        await changes_desk.check(state.id, CheckChange(agent="agent-roy", approved=True))
    returned = await changes_desk.check(
        state.id, CheckChange(agent="agent-gagnon", approved=False, note="Revoir le groupe")
    )
    assert (returned.status, returned.proposed_by) == (ChangeStatus.in_review, None)
    with pytest.raises(Refused, match="check: .* is in_review; check is allowed only when"):
        await changes_desk.check(state.id, CheckChange(agent="agent-gagnon", approved=True))
    assert harness.erp.access_of("MTQ", EMPLOYEE).responsibilities == ["LS-EMPLOYE", "RM-ACHETEUR"]
    # An EI responsibility needs a cloisonnement: refused, nothing changes.
    with pytest.raises(Refused, match="proposal.grant: EI-RAPPORTS-FIN is not a default"):
        await changes_desk.propose(
            state.id,
            ProposeChange(agent="agent-roy", proposal=Proposal(grant=["EI-RAPPORTS-FIN"])),
        )
    with pytest.raises(InvalidInput, match="proposal.partition_group: NOPE is not a partition"):
        await changes_desk.propose(
            state.id, ProposeChange(agent="agent-roy", proposal=Proposal(partition_group="NOPE"))
        )
    await changes_desk.propose(state.id, ProposeChange(agent="agent-roy", proposal=adjusted))
    await changes_desk.check(state.id, CheckChange(agent="agent-gagnon", approved=True))
    await settled(desk, state.id, ChangeStatus.applied)
    assert harness.erp.access_of("MTQ", EMPLOYEE).responsibilities == ["LS-EMPLOYE"]


async def test_a_change_is_applied_from_its_effective_date(desk: Desk) -> None:
    harness, changes_desk = desk
    positioning_changed(harness.uow)
    later = await harness.today() + timedelta(days=7)
    state = await reported(desk, effective_date=later)
    found = await reviewed(desk, state.id)
    assert found.review is not None
    await changes_desk.propose(
        state.id, ProposeChange(agent="agent-roy", proposal=found.review.proposal())
    )
    approved = await changes_desk.check(state.id, CheckChange(agent="agent-gagnon", approved=True))
    assert approved.status is ChangeStatus.approved
    assert "RM-ACHETEUR" in harness.erp.access_of("MTQ", EMPLOYEE).responsibilities
    await harness.skip(timedelta(days=8))
    await settled(desk, state.id, ChangeStatus.applied)
    assert "RM-ACHETEUR" not in harness.erp.access_of("MTQ", EMPLOYEE).responsibilities


async def test_a_change_sagir_refuses_undoes_what_was_applied_in_reverse_order(
    refusing_desk: Desk,
) -> None:
    harness, changes_desk = refusing_desk
    positioning_changed(harness.uow)
    state = await reported(refusing_desk, new_partition_group="MTQ-DGF")
    found = await reviewed(refusing_desk, state.id)
    assert found.review is not None and found.review.partition_group == "MTQ-DGF"
    await changes_desk.propose(
        state.id, ProposeChange(agent="agent-roy", proposal=found.review.proposal())
    )
    await changes_desk.check(state.id, CheckChange(agent="agent-gagnon", approved=True))
    failed = await settled(refusing_desk, state.id, ChangeStatus.failed)
    assert [change.action for change in failed.undone] == ["remove"]
    assert failed.reason is not None and failed.reason.startswith("partition MTQ-DGF failed")
    access = harness.erp.access_of("MTQ", EMPLOYEE)
    assert (access.responsibilities, access.partition_group) == (
        ["LS-EMPLOYE", "RM-ACHETEUR"],
        None,
    )
    [told] = await hr_mails(harness, state.id)
    assert "n'a pas pu être appliquée" in told
    assert "l'écriture « cloisonnement MTQ-DGF » a échoué" in told  # the write said in French


async def test_a_move_between_mos_links_a_departure_and_an_arrival(desk: Desk) -> None:
    harness, changes_desk = desk
    effective = await harness.today() + timedelta(days=10)
    move = MoveToMo(
        to_mo="MSSS",
        employee_number="45871",
        birth=BirthDayMonth(birth_day=14, birth_month=3),  # the MTQ dossier's
        authorised_by="30011",
        hr_email="rh@msss.example",
        responsibilities=["RH-GESTIONNAIRE"],
    )
    state = await reported(
        desk, employee_number="45871", effective_date=effective, new_unit=None, move=move
    )
    harness.started += ["depart-MTQ-45871", "arrivee-MSSS-45871"]
    assert (state.departure_id, state.arrival_id) == ("depart-MTQ-45871", "arrivee-MSSS-45871")
    assert state.changes == ["position", "move"]
    done = await settled(desk, state.id, ChangeStatus.handed_over)
    assert done.steps[-1].note == "departure depart-MTQ-45871; arrival arrivee-MSSS-45871"
    departure = await harness.departures().show("depart-MTQ-45871")
    assert departure.departure_date == effective - timedelta(days=1)
    assert departure.steps[0].note == f"change {state.id}"
    arrival = await harness.arrivals().show("arrivee-MSSS-45871")
    assert (arrival.mo, arrival.start_date) == ("MSSS", effective)
    assert arrival.steps[0].note == f"change {state.id}"
    # A birth day and month that do not match refuse the whole move: nothing else starts.
    wrong = move.model_copy(update={"birth": BirthDayMonth(birth_day=1, birth_month=1)})
    with pytest.raises(InvalidInput, match="birth day and month"):
        await reported(desk, employee_number="52310", move=wrong)
    with pytest.raises(NotFound):
        await harness.departures().show("depart-MTQ-52310")


async def test_a_refused_move_uses_no_number_and_leaves_no_departure_behind(desk: Desk) -> None:
    """A move that its departure or its arrival would refuse is refused before either starts:
    a wrong birth day and month, or an arrival of the employee already under way in the new
    MO; the change's number is taken only once nothing can refuse it."""
    harness, changes_desk = desk
    effective = await harness.today() + timedelta(days=10)
    running = await harness.arrivals().start(
        arrival_request("52310", mo="MSSS", authorised_by="30011", start_date=effective)
    )
    harness.started.append(running.id)
    move = MoveToMo(
        to_mo="MSSS",
        employee_number="52310",
        birth=BirthDayMonth(birth_day=9, birth_month=8),  # the MTQ dossier's
        authorised_by="30011",
        hr_email="rh@msss.example",
    )
    with pytest.raises(InvalidInput, match="an arrival of 52310 in MSSS is already under way"):
        await reported(desk, employee_number="52310", effective_date=effective, move=move)
    wrong = move.model_copy(update={"birth": BirthDayMonth(birth_day=1, birth_month=1)})
    with pytest.raises(InvalidInput, match="birth day and month"):
        await reported(desk, employee_number="52310", effective_date=effective, move=wrong)
    with pytest.raises(NotFound):
        await harness.departures().show("depart-MTQ-52310")
    plain = await reported(desk, employee_number="52310")
    assert plain.id == "modification-MTQ-52310-1"  # no number went to the refused moves


async def test_a_change_not_taken_in_24_open_hours_is_warned_then_breached(desk: Desk) -> None:
    harness, changes_desk = desk
    state = await reported(desk)
    await harness.move_to(state.due - timedelta(minutes=1))
    warned = await harness.eventually(
        lambda: changes_desk.show(state.id), lambda found: found.warned
    )
    assert not warned.breached
    await harness.move_to(state.due + timedelta(minutes=1))
    breached = await harness.eventually(
        lambda: changes_desk.show(state.id), lambda found: found.breached
    )
    assert [step.kind for step in breached.steps] == ["received", "warned", "breached"]
    page = await harness.eventually(
        lambda: changes_desk.list("MTQ"),
        lambda found: [(i.warned, i.breached) for i in found.items] == [(True, True)],
    )
    assert page.items[0].id == state.id
    assert (await changes_desk.take(state.id, "agent-roy")).breached


async def test_a_change_for_another_mos_employee_is_refused(desk: Desk) -> None:
    harness, changes_desk = desk
    with pytest.raises(InvalidInput, match="employee_number: 10233 has no dossier personne in MTQ"):
        await reported(desk, employee_number="10233")  # MSSS's
    yesterday = await harness.today() - timedelta(days=1)
    with pytest.raises(InvalidInput, match=f"effective_date: {yesterday} is in the past"):
        await reported(desk, effective_date=yesterday)
    with pytest.raises(InvalidInput, match="new_partition_group: MSSS-CENTRAL is not a partition"):
        await reported(desk, new_partition_group="MSSS-CENTRAL")
    with pytest.raises(InvalidInput, match="new_manager: 10240 has no dossier personne in MTQ"):
        await reported(desk, new_manager="10240")
    assert (await changes_desk.list()).total == 0
    # Nothing half-made: not even a number was handed out.
    assert SqlCounters(harness.uow).next_number(f"modification-MTQ-{EMPLOYEE}") == 1
