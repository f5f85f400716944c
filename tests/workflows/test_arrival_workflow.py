"""The arrival of a new employee on the time-skipping server (RULES.md "Arrival")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from adapters.database import ErpWriteRow, UnitOfWork
from adapters.sql_escalations import SqlEscalations
from models.arrivals import ArrivalState, ArrivalStatus
from models.escalations import EscalationKind, EscalationQuery, EscalationView
from models.requests import ListQuery, Process
from models.sagir import AccountStatus, Authority, AuthorityKind
from models.service_calendar import MONTREAL
from starter.desks.arrivals import ArrivalDesk
from starter.desks.errors import InvalidInput, NotFound, Refused
from tests.workflows.desks_harness import (
    CALENDAR,
    DOSSIER_WAIT_OPEN_DAYS,
    DesksHarness,
    FlakyGrantErp,
    PartitionRefusingErp,
    arrival_request,
    new_person,
    running_desks,
)
from workflows.keys import key_prefix

Desk = tuple[DesksHarness, ArrivalDesk]


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness, harness.arrivals()


async def start(desk: Desk, **changes: Any) -> ArrivalState:
    harness, arrivals = desk
    await harness.sync()
    state = await arrivals.start(arrival_request(**changes))
    harness.started.append(state.id)
    return state


async def settled(desk: Desk, workflow_id: str, status: ArrivalStatus) -> ArrivalState:
    harness, arrivals = desk
    return await harness.eventually(
        lambda: arrivals.show(workflow_id), lambda s: s.status is status
    )


async def test_missing_dossier_is_waited_for_with_a_reminder_each_open_day_then_found(
    desk: Desk,
) -> None:
    harness, arrivals = desk
    state = await start(desk, employee_number="50001")
    assert state.status is ArrivalStatus.waiting_for_dossier
    first_reminder = CALENDAR.periods_on(
        CALENDAR.open_days_after(harness.now.astimezone(MONTREAL).date(), 1)
    )[0].start
    await harness.move_to(first_reminder + timedelta(minutes=1))
    state = await harness.eventually(lambda: arrivals.show(state.id), lambda s: s.reminders == 1)
    assert state.status is ArrivalStatus.waiting_for_dossier
    key = key_prefix(state.id, state.received_at)
    assert [m.idempotency_key for m in harness.mail.sent(f"{key}/reminder")] == [
        f"{key}/reminder/1"
    ]

    harness.erp.add_person(new_person("50001"))
    await arrivals.dossier_ready(state.id)
    state = await settled(desk, state.id, ArrivalStatus.received)
    assert state.reminders == 1 and state.reason is None


async def test_missing_dossier_gives_up_after_the_configured_open_days(desk: Desk) -> None:
    harness, arrivals = desk
    state = await start(desk, employee_number="50002")
    day = harness.now.astimezone(MONTREAL).date()
    last = CALENDAR.periods_on(CALENDAR.open_days_after(day, DOSSIER_WAIT_OPEN_DAYS))[0].start
    await harness.move_to(last + timedelta(minutes=1))
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reminders == DOSSIER_WAIT_OPEN_DAYS - 1
    assert state.reason is not None and "dossier personne" in state.reason
    assert f"{DOSSIER_WAIT_OPEN_DAYS} open days" in state.reason
    # Given up: on the supervisors' list and in their mailbox, once.
    [given_up] = await harness.eventually(
        _async(lambda: given_up_escalations(harness, state.id)), lambda found: found != []
    )
    assert given_up.reason == state.reason
    assert len(harness.mail.sent(f"{given_up.key}/mail/")) == 1


def given_up_escalations(harness: DesksHarness, workflow_id: str) -> list[EscalationView]:
    found = SqlEscalations(harness.uow).page(EscalationQuery(kind=EscalationKind.given_up))
    return [item for item in found.items if item.workflow_id == workflow_id]


async def test_authoriser_who_is_not_in_the_registre_is_refused(desk: Desk) -> None:
    harness, _ = desk
    state = await start(desk, authorised_by="99999")
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reason == "authorised_by: 99999 is not a personne autorisée or relève of MTQ"
    assert harness.erp.access_of("MTQ", "45871").account is None


async def test_employee_may_not_authorise_their_own_arrival(desk: Desk) -> None:
    harness, _ = desk
    harness.erp.add_authority(
        Authority(
            mo="MTQ",
            employee_number="45871",
            kind=AuthorityKind.personne_autorisee,
            valid_from=date(2020, 1, 1),
        )
    )
    state = await start(desk, authorised_by="45871")
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reason == "authorised_by: nobody may authorise a request for themselves"


async def add_releve(harness: DesksHarness, valid_from: date, valid_until: date) -> None:
    harness.erp.add_authority(
        Authority(
            mo="MTQ",
            employee_number="30009",
            kind=AuthorityKind.releve,
            releve_of="30001",
            valid_from=valid_from,
            valid_until=valid_until,
        )
    )


async def test_releve_is_accepted_inside_its_validity(desk: Desk) -> None:
    harness, _ = desk
    today = await harness.today()
    await add_releve(harness, today - timedelta(days=1), today + timedelta(days=1))
    state = await start(desk, authorised_by="30009")
    state = await settled(desk, state.id, ArrivalStatus.received)
    assert state.reason is None


async def test_releve_is_refused_outside_its_validity(desk: Desk) -> None:
    harness, _ = desk
    today = await harness.today()
    await add_releve(harness, today - timedelta(days=30), today - timedelta(days=1))
    state = await start(desk, authorised_by="30009")
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reason is not None
    assert state.reason.startswith(f"authorised_by: 30009 is not valid for MTQ on {today}")


async def test_responsibility_not_allowed_by_the_registre_is_refused(desk: Desk) -> None:
    state = await start(desk, responsibilities=["RH-GESTIONNAIRE"])
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reason == (
        "responsibilities: RH-GESTIONNAIRE is not allowed by the MO's registre d'autorité"
    )


async def test_ei_responsibility_without_partition_group_is_refused(desk: Desk) -> None:
    state = await start(desk, responsibilities=["EI-RAPPORTS-FIN"])
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reason is not None
    assert state.reason.startswith("partition_group: EI-RAPPORTS-FIN is an EI responsibility")


async def test_ei_responsibility_with_an_unknown_partition_group_is_refused(desk: Desk) -> None:
    state = await start(desk, responsibilities=["EI-RAPPORTS-FIN"], partition_group="MTQ-NOPE")
    state = await settled(desk, state.id, ArrivalStatus.refused)
    assert state.reason == "partition_group: MTQ-NOPE is not a partition group of MTQ"


async def test_accesses_are_prepared_before_and_active_exactly_at_the_start_date(
    desk: Desk,
) -> None:
    harness, arrivals = desk
    start_date = await harness.today() + timedelta(days=7)
    state = await start(
        desk,
        start_date=start_date,
        responsibilities=["RF-CONSULTATION", "EI-RAPPORTS-FIN"],
        partition_group="MTQ-DGF",
        parameters={"langue": "fr"},
    )
    await settled(desk, state.id, ArrivalStatus.received)
    await arrivals.take(state.id, "agent-tremblay")
    await settled(desk, state.id, ArrivalStatus.prepared)
    prepared = harness.erp.access_of("MTQ", "45871")
    assert prepared.account is AccountStatus.prepared
    assert prepared.responsibilities == ["EI-RAPPORTS-FIN", "LS-EMPLOYE", "RF-CONSULTATION"]
    assert prepared.partition_group == "MTQ-DGF" and prepared.parameters == {"langue": "fr"}

    midnight = datetime.combine(start_date, time(0), MONTREAL)
    await harness.move_to(midnight - timedelta(minutes=1))
    assert (await arrivals.show(state.id)).status is ArrivalStatus.prepared
    assert harness.erp.access_of("MTQ", "45871").account is AccountStatus.prepared

    await harness.move_to(midnight)
    state = await settled(desk, state.id, ArrivalStatus.active)
    assert state.activated_at is not None
    assert midnight <= state.activated_at < midnight + timedelta(minutes=1)
    assert harness.erp.access_of("MTQ", "45871").account is AccountStatus.active
    notify = f"{key_prefix(state.id, state.received_at)}/notify"

    async def told() -> set[str]:  # the notices follow the activation, a moment later
        return {mail.to for mail in harness.mail.sent(notify)}

    expected = {"eric.bouchard@mtq.example", "chef.section@mtq.example"}
    assert await harness.eventually(told, lambda found: found >= expected) == expected


async def test_failure_mid_way_undoes_earlier_grants_in_reverse_order(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    erp = PartitionRefusingErp(demo_uow)
    async with running_desks(time_skipping_env, demo_uow, task_queue, erp) as harness:
        desk = (harness, harness.arrivals())
        arrivals = desk[1]
        state = await start(desk, responsibilities=["EI-RAPPORTS-FIN"], partition_group="MTQ-DGF")
        await settled(desk, state.id, ArrivalStatus.received)
        await arrivals.take(state.id, "agent-tremblay")
        state = await settled(desk, state.id, ArrivalStatus.failed)
    assert state.reason == "partition MTQ-DGF failed: SAGIR refused the partition group"
    granted = [(step.kind, step.target) for step in state.granted]
    assert granted == [
        ("account", ""),
        ("responsibility", "LS-EMPLOYE"),
        ("responsibility", "EI-RAPPORTS-FIN"),
    ]
    assert [(step.kind, step.target) for step in state.undone] == list(reversed(granted))
    left = erp.access_of("MTQ", "45871")
    assert left.account is None and left.responsibilities == []


async def test_a_retried_grant_activity_grants_once(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    erp = FlakyGrantErp(demo_uow)
    async with running_desks(time_skipping_env, demo_uow, task_queue, erp) as harness:
        desk = (harness, harness.arrivals())
        arrivals = desk[1]
        state = await start(desk, responsibilities=[])
        await settled(desk, state.id, ArrivalStatus.received)
        await arrivals.take(state.id, "agent-tremblay")
        await settled(desk, state.id, ArrivalStatus.prepared)
    assert erp.answers == [True, False]  # the retry found its key and wrote nothing
    with demo_uow.begin() as session:
        grants = session.scalar(
            select(func.count())
            .select_from(ErpWriteRow)
            .where(
                ErpWriteRow.idempotency_key
                == f"{key_prefix(state.id, state.received_at)}/responsibility/LS-EMPLOYE"
            )
        )
    assert grants == 1
    assert erp.access_of("MTQ", "45871").responsibilities == ["LS-EMPLOYE"]


async def test_arrival_not_taken_in_charge_in_24_hours_is_breached_and_escalated(
    desk: Desk,
) -> None:
    harness, arrivals = desk
    state = await start(desk)
    await settled(desk, state.id, ArrivalStatus.received)
    await harness.move_to(state.due - timedelta(minutes=1))
    assert not (await arrivals.show(state.id)).breached
    await harness.move_to(state.due + timedelta(minutes=1))
    await harness.eventually(lambda: arrivals.show(state.id), lambda s: s.breached)
    await harness.eventually(
        _async(lambda: harness.records.escalations_of(state.id)), lambda keys: keys != []
    )
    prefix = key_prefix(state.id, state.received_at)
    assert harness.records.escalations_of(state.id) == [f"{prefix}/warning", f"{prefix}/breach"]
    taken = await arrivals.take(state.id, "agent-gagnon")
    assert taken.taken_by == "agent-gagnon"


async def test_an_arrival_nobody_takes_is_warned_at_75_percent_of_its_open_time_once(
    desk: Desk,
) -> None:
    harness, arrivals = desk
    state = await start(desk)
    await settled(desk, state.id, ArrivalStatus.received)
    open_time = CALENDAR.open_time_between(state.received_at, state.due)
    warn_at = CALENDAR.next_open_instant(
        CALENDAR.add_open_time(state.received_at, open_time * 0.75)
    )
    await harness.move_to(warn_at - timedelta(minutes=1))
    assert not (await arrivals.show(state.id)).warned
    await harness.move_to(warn_at + timedelta(minutes=1))
    warned = await harness.eventually(lambda: arrivals.show(state.id), lambda s: s.warned)
    assert not warned.breached
    assert [step.kind for step in warned.steps].count("warned") == 1
    key = f"{key_prefix(state.id, state.received_at)}/warning"
    view = SqlEscalations(harness.uow).get(key)
    assert view is not None and view.kind is EscalationKind.warning
    assert "agent-tremblay" in view.notified and "super-cote" in view.notified
    listed = await harness.eventually(
        _async(lambda: harness.requests.page(ListQuery(process=Process.arrival)).items),
        lambda items: any(item.id == state.id and item.warned for item in items),
    )
    assert listed  # the list marks it


async def test_a_second_start_of_a_running_arrival_is_refused(desk: Desk) -> None:
    await start(desk)
    with pytest.raises(Refused, match="already in progress"):
        await start(desk)


def _async(read: Any) -> Any:
    async def wrapped() -> Any:
        return read()

    return wrapped


async def no_workflow(harness: DesksHarness, workflow_id: str) -> bool:
    try:
        await harness.env.client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        return error.status is RPCStatusCode.NOT_FOUND
    return False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mo": "MXYZ"}, "mo: MXYZ is not a client MO of the CA"),
        (
            {"hr_email": None},
            "hr_email: required, so the CA can reach the MO's HR with reminders and answers",
        ),
        ({"start_date": date(2020, 1, 6)}, "start_date: 2020-01-06 is in the past"),
    ],
)
async def test_a_bad_arrival_is_refused_in_one_sentence_and_starts_nothing(
    desk: Desk, changes: dict[str, Any], message: str
) -> None:
    harness, arrivals = desk
    request = arrival_request(**changes)
    with pytest.raises(InvalidInput) as refused:
        await arrivals.start(request)
    assert str(refused.value).startswith(message)
    assert await no_workflow(harness, f"arrivee-{request.mo}-{request.employee_number}")


async def test_only_an_active_ca_agent_may_take_an_arrival(desk: Desk) -> None:
    _, arrivals = desk
    state = await start(desk)
    with pytest.raises(InvalidInput, match="^agent: rh-mtq is not an active agent of the CA$"):
        await arrivals.take(state.id, "rh-mtq")
    assert (await arrivals.show(state.id)).taken_by is None


async def test_a_malformed_or_unknown_arrival_id_is_refused(desk: Desk) -> None:
    _, arrivals = desk
    with pytest.raises(InvalidInput, match="is not an arrival id like arrivee-MTQ-45871"):
        await arrivals.show("depart-MTQ-45871")
    with pytest.raises(NotFound, match="^arrivee-MTQ-99999 does not exist$"):
        await arrivals.dossier_ready("arrivee-MTQ-99999")
