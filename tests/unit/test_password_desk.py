"""The password desk's rules, on fakes: the identity checked before anything starts (one sentence
whatever was wrong), an active account required, and reset ids numbered per MO and year."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.demo_data import AGENTS, MOS, PERSONS
from adapters.fakes import FakeCounters, FakeDirectory, FakeRequestRecords, FakeSagirErp
from models.departures import BIRTH_MISMATCH, BirthDayMonth
from models.passwords import PasswordResetRequest, PasswordResetState, PasswordStatus
from models.roles import Caller, Role
from models.service_calendar import MONTREAL
from starter.desks.errors import Forbidden, InvalidInput
from starter.desks.passwords import GuardedPasswords, PasswordDesk
from tests.unit.fake_engine import FakeEngine

AT = datetime(2026, 11, 23, 10, 0, tzinfo=MONTREAL)


def request(**changes: Any) -> PasswordResetRequest:
    # Annie Morin of the MTQ, born on 9 August, holds an active account (adapters/demo_data.py).
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": "52310",
        "birth": BirthDayMonth(birth_day=9, birth_month=8),
        "agent": "agent-tremblay",
    }
    return PasswordResetRequest(**{**fields, **changes})


def reset_done(workflow_id: str) -> PasswordResetState:
    return PasswordResetState(
        id=workflow_id,
        mo="MTQ",
        employee_number="52310",
        agent="agent-tremblay",
        status=PasswordStatus.reset,
        received_at=AT,
        reset_at=AT,
    )


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def erp() -> FakeSagirErp:
    erp = FakeSagirErp()
    for person in PERSONS:
        erp.add_person(person)
    erp.create_account("demo/MTQ/52310/account", "MTQ", "52310", AT)
    erp.activate_account("demo/MTQ/52310/activate", "MTQ", "52310", AT)
    erp.create_account("demo/MTQ/45871/account", "MTQ", "45871", AT)  # prepared, not active
    return erp


@pytest.fixture
def desk(engine: FakeEngine, erp: FakeSagirErp) -> PasswordDesk:
    directory = FakeDirectory(MOS, AGENTS)
    return PasswordDesk(engine, directory, erp, FakeCounters(), FakeRequestRecords(), lambda: AT)


async def test_a_reset_starts_once_the_identity_matches_and_answers_when_it_is_done(
    desk: PasswordDesk, engine: FakeEngine
) -> None:
    engine.will_return("motdepasse-MTQ-2026-000001", reset_done("motdepasse-MTQ-2026-000001"))

    done = await desk.reset(request())

    assert (done.id, done.status) == ("motdepasse-MTQ-2026-000001", PasswordStatus.reset)


async def test_a_wrong_birth_date_and_an_unknown_employee_get_the_same_sentence(
    desk: PasswordDesk, engine: FakeEngine
) -> None:
    sentences = []
    for wrong in (
        request(birth=BirthDayMonth(birth_day=8, birth_month=9)),
        request(employee_number="99999"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await desk.reset(wrong)
        sentences.append(str(refused.value))

    assert sentences == [BIRTH_MISMATCH, BIRTH_MISMATCH]
    assert engine.calls == []


async def test_only_an_active_account_can_be_reset(desk: PasswordDesk, engine: FakeEngine) -> None:
    eric = request(employee_number="45871", birth=BirthDayMonth(birth_day=14, birth_month=3))

    with pytest.raises(InvalidInput, match=r"^employee_number: 45871 has no active SAGIR account"):
        await desk.reset(eric)

    assert engine.calls == []


async def test_reset_ids_follow_each_other_per_mo_and_year_in_montreal_time(
    engine: FakeEngine, erp: FakeSagirErp
) -> None:
    # 23:30 on 31 December in Montreal is already 1 January in UTC: still a 2026 reset.
    new_years_eve = datetime(2027, 1, 1, 4, 30, tzinfo=UTC)
    desk = PasswordDesk(
        engine,
        FakeDirectory(MOS, AGENTS),
        erp,
        FakeCounters(),
        FakeRequestRecords(),
        lambda: new_years_eve,
    )
    ids = ["motdepasse-MTQ-2026-000001", "motdepasse-MTQ-2026-000002"]
    for workflow_id in ids:
        engine.will_return(workflow_id, reset_done(workflow_id))

    assert [(await desk.reset(request())).id for _ in ids] == ids


async def test_an_inactive_or_unknown_agent_cannot_reset(
    desk: PasswordDesk, engine: FakeEngine
) -> None:
    with pytest.raises(InvalidInput, match=r"^agent: agent-inconnu is not an active agent"):
        await desk.reset(request(agent="agent-inconnu"))

    assert engine.calls == []


async def test_an_agent_resets_only_under_their_own_name(
    desk: PasswordDesk, engine: FakeEngine
) -> None:
    agent = GuardedPasswords(desk, Caller(role=Role.ca_agent, subject="agent-gagnon"))

    with pytest.raises(Forbidden, match=r"^agent: agent-tremblay is not you \(agent-gagnon\)"):
        await agent.reset(request(agent="agent-tremblay"))

    assert engine.calls == []
