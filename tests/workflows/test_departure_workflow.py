"""The departure of an employee on the time-skipping server (RULES.md "Departure", 48 hours)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from adapters.database import PersonRow, UnitOfWork
from models.departures import BirthDayMonth, DepartureState, DepartureStatus, end_of_day
from models.sagir import AccountStatus
from models.service_calendar import MONTREAL
from starter.desks.departures import DepartureDesk
from starter.desks.errors import InvalidInput, Refused
from tests.workflows.desks_harness import (
    DesksHarness,
    departure_request,
    running_desks,
)
from workflows.keys import key_prefix
from workflows.search_attributes import LATE_NOTICE

Desk = tuple[DesksHarness, DepartureDesk]


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness, harness.departures()


def give_accesses(harness: DesksHarness) -> None:
    """The demo employee 45871 of MTQ, active in SAGIR with a responsibility and parameters."""
    erp, now = harness.erp, harness.now
    erp.create_account("setup/account", "MTQ", "45871", now)
    erp.grant("setup/rf", "MTQ", "45871", "RF-CONSULTATION", now)
    erp.set_partition("setup/partition", "MTQ", "45871", "MTQ-DGF", now)
    erp.set_parameter("setup/langue", "MTQ", "45871", "langue", "fr", now)
    erp.activate_account("setup/activate", "MTQ", "45871", now)


async def notify(desk: Desk, departure_date: date, **changes: Any) -> DepartureState:
    harness, departures = desk
    await harness.sync()
    state = await departures.notify(departure_request(departure_date, **changes))
    harness.started.append(state.id)
    return state


async def show(desk: Desk, workflow_id: str) -> DepartureState:
    return await desk[1].show(workflow_id)


async def test_departure_recorded_at_47_hours_is_refused_and_at_48_hours_accepted(
    desk: Desk,
) -> None:
    harness, departures = desk
    state = await notify(desk, await harness.today() + timedelta(days=10))
    await harness.skip(timedelta(hours=47))
    with pytest.raises(Refused, match="only 48 hours after the notice: from ") as refused:
        await departures.record(state.id, "rh-mtq")
    allowed_at = state.first_notice_at + timedelta(hours=48)
    local = allowed_at.astimezone(MONTREAL).strftime("%Y-%m-%d %H:%M")
    assert str(refused.value).endswith(f"from {local} (Montreal time)")
    assert (await show(desk, state.id)).recorded_at is None
    assert harness.erp.person("MTQ", "45871").status == "active"  # type: ignore[union-attr]

    await harness.skip(timedelta(hours=1))
    recorded = await departures.record(state.id, "rh-mtq")
    assert recorded.recorded_by == "rh-mtq" and recorded.recorded_at is not None
    assert recorded.recorded_at >= allowed_at
    assert harness.erp.person("MTQ", "45871").status == "departed"  # type: ignore[union-attr]


async def test_late_notice_is_flagged_searchable_and_escalated(desk: Desk) -> None:
    harness, _ = desk
    today = await harness.today()
    state = await notify(desk, today + timedelta(days=1))  # ends in less than 48 hours
    assert state.late
    await harness.eventually(
        _read(lambda: harness.records.escalations_of(state.id)), lambda keys: keys != []
    )
    assert harness.records.escalations_of(state.id) == [
        f"{key_prefix(state.id, state.first_notice_at)}/late"
    ]
    described = await harness.env.client.get_workflow_handle(state.id).describe()
    assert described.typed_search_attributes.get(LATE_NOTICE) is True


async def test_notice_given_more_than_48_hours_ahead_is_not_late(desk: Desk) -> None:
    harness, _ = desk
    state = await notify(desk, await harness.today() + timedelta(days=3))
    assert not state.late
    described = await harness.env.client.get_workflow_handle(state.id).describe()
    assert described.typed_search_attributes.get(LATE_NOTICE) is False


async def test_accesses_are_removed_at_the_end_of_the_departure_date_with_nobody_acting(
    desk: Desk,
) -> None:
    harness, _ = desk
    await harness.sync()
    give_accesses(harness)
    departure_date = await harness.today() + timedelta(days=4)
    state = await notify(desk, departure_date)
    end = end_of_day(departure_date)

    await harness.move_to(end - timedelta(minutes=1))
    assert harness.erp.access_of("MTQ", "45871").account is AccountStatus.active

    await harness.move_to(end)
    state = await harness.eventually(
        lambda: show(desk, state.id), lambda s: s.status is DepartureStatus.accesses_removed
    )
    assert state.verified_empty and state.removed_at is not None
    assert end <= state.removed_at < end + timedelta(minutes=1)
    assert harness.erp.access_of("MTQ", "45871").is_empty


async def test_an_immediate_notice_removes_the_accesses_at_once(desk: Desk) -> None:
    harness, _ = desk
    await harness.sync()
    give_accesses(harness)
    state = await notify(desk, await harness.today() + timedelta(days=20), immediate=True)
    await harness.eventually(
        lambda: show(desk, state.id), lambda s: s.status is DepartureStatus.accesses_removed
    )
    assert harness.erp.access_of("MTQ", "45871").is_empty


async def test_birth_mismatch_is_refused_without_saying_which_part_and_starts_nothing(
    desk: Desk,
) -> None:
    harness, _ = desk
    departure_date = await harness.today() + timedelta(days=10)
    messages = set()
    for wrong in (
        BirthDayMonth(birth_day=15, birth_month=3),
        BirthDayMonth(birth_day=14, birth_month=4),
    ):
        with pytest.raises(InvalidInput) as refused:
            await notify(desk, departure_date, birth=wrong)
        messages.add(str(refused.value))
    assert messages == {
        "birth day and month: they do not match the dossier personne of the employee"
    }
    with pytest.raises(Exception, match="not found"):
        await harness.env.client.get_workflow_handle("depart-MTQ-45871").describe()


async def test_a_second_notice_updates_the_first_instead_of_starting_another(
    desk: Desk,
) -> None:
    harness, _ = desk
    today = await harness.today()
    first = await notify(desk, today + timedelta(days=10))
    await harness.skip(timedelta(hours=30))
    second = await notify(desk, today + timedelta(days=2))
    assert second.id == first.id and second.notices == 2
    assert second.departure_date == today + timedelta(days=2)
    assert second.first_notice_at == first.first_notice_at  # the 48 hours count from the first
    history = await harness.env.client.get_workflow_handle(first.id).fetch_history()
    runs = {
        event.event_id
        for event in history.events
        if event.HasField("workflow_execution_started_event_attributes")
    }
    assert len(runs) == 1


async def test_departure_completes_once_removed_recorded_and_taken(desk: Desk) -> None:
    harness, departures = desk
    state = await notify(desk, await harness.today() + timedelta(days=3), immediate=True)
    await departures.take(state.id, "agent-roy")
    await harness.skip(timedelta(hours=48))
    await departures.record(state.id, "rh-mtq")
    state = await harness.eventually(
        lambda: show(desk, state.id), lambda s: s.status is DepartureStatus.completed
    )
    assert state.taken_by == "agent-roy" and state.verified_empty


def _read(read: Any) -> Any:
    async def wrapped() -> Any:
        return read()

    return wrapped


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"employee_number": "99999"}, "employee_number: 99999 has no dossier personne in MTQ"),
        ({"mo": "MXYZ"}, "mo: MXYZ is not a client MO of the CA"),
        ({"departure_date": date(2020, 1, 6)}, "departure_date: 2020-01-06 is over"),
    ],
)
async def test_a_bad_departure_notice_is_refused_in_one_sentence_and_starts_nothing(
    desk: Desk, changes: dict[str, Any], message: str
) -> None:
    harness, departures = desk
    await harness.sync()
    request = departure_request(date(2099, 1, 4))
    request = request.model_copy(update=changes)
    with pytest.raises(InvalidInput) as refused:
        await departures.notify(request)
    assert str(refused.value).startswith(message)
    with pytest.raises(RPCError, match="not found"):
        await harness.env.client.get_workflow_handle(
            f"depart-{request.mo}-{request.employee_number}"
        ).describe()


async def test_a_malformed_departure_id_is_refused(desk: Desk) -> None:
    _, departures = desk
    with pytest.raises(InvalidInput, match="is not a departure id like depart-MTQ-45871"):
        await departures.record("T-2026-000001", "rh-mtq")


async def test_second_departure_of_a_rehired_employee_is_recorded_and_escalated_again(
    desk: Desk,
) -> None:
    """The departure id comes back for the same employee; its writes must not be taken for
    retries of the first departure's."""
    harness, departures = desk
    first = await notify(desk, await harness.today() + timedelta(days=1))  # late: escalated
    await departures.take(first.id, "agent-roy")
    await harness.skip(timedelta(hours=48))
    await departures.record(first.id, "rh-mtq")
    await harness.eventually(
        lambda: show(desk, first.id), lambda s: s.status is DepartureStatus.completed
    )
    await harness.env.client.get_workflow_handle(first.id).result()  # the run has ended
    with harness.uow.begin() as session:
        session.get(PersonRow, ("MTQ", "45871")).status = "active"  # type: ignore[union-attr]
    second = await notify(desk, await harness.today() + timedelta(days=1))
    assert second.id == first.id
    await departures.take(second.id, "agent-roy")
    await harness.skip(timedelta(hours=48))
    await departures.record(second.id, "rh-mtq")
    with harness.uow.begin() as session:
        row = session.get(PersonRow, ("MTQ", "45871"))
        assert row is not None
        assert (row.status, row.departure_date) == ("departed", second.departure_date)
    escalations = await harness.eventually(
        _read(lambda: harness.records.escalations_of(first.id)), lambda keys: len(keys) == 2
    )
    assert escalations == sorted(
        [
            f"{key_prefix(first.id, first.first_notice_at)}/late",
            f"{key_prefix(second.id, second.first_notice_at)}/late",
        ]
    )
