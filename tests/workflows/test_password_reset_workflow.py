"""Password help on the time-skipping server (RULES.md "Parameterisation, access and security
requests": identity checked first; the temporary secret goes only through the mail port)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork, UserPasswordRow
from adapters.sql_sagir_erp import SqlSagirErp
from models.departures import BIRTH_MISMATCH, BirthDayMonth
from models.passwords import PasswordResetRequest, PasswordResetState, PasswordStatus
from starter.desks.errors import InvalidInput
from starter.desks.passwords import PasswordDesk
from tests.workflows.desks_harness import DesksHarness, running_desks
from tests.workflows.test_personal_data import opened_text

Desk = tuple[DesksHarness, PasswordDesk]
USER = "52310"  # the demo employee with an active account, born 9 August
SECRETS = iter(f"Temp-{n:04d}-secret" for n in range(1000))


def next_secret() -> str:
    return next(SECRETS)


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(
        time_skipping_env, demo_uow, task_queue, make_secret=next_secret
    ) as harness:
        yield harness, harness.passwords()


def reset_request(day: int = 9, month: int = 8, **changes: Any) -> PasswordResetRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": USER,
        "birth": BirthDayMonth(birth_day=day, birth_month=month),
        "agent": "agent-tremblay",
    }
    fields.update(changes)
    return PasswordResetRequest(**fields)


async def reset(desk: Desk, request: PasswordResetRequest) -> PasswordResetState:
    harness, password_desk = desk
    await harness.sync()
    state = await password_desk.reset(request)
    harness.started.append(state.id)
    return state


def mailed_secret(harness: DesksHarness, workflow_id: str) -> str:
    [mail] = harness.mail.sent(f"{workflow_id}/reset/mail")
    assert mail.to == "annie.morin@mtq.example"
    return mail.body.split(": ")[1].split("\n")[0]


async def test_password_reset_checks_identity_first_and_a_mismatch_starts_nothing(
    desk: Desk,
) -> None:
    harness, _ = desk
    for wrong in (
        reset_request(day=10),
        reset_request(month=9),
        reset_request(employee_number="99999"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await reset(desk, wrong)
        assert str(refused.value) == BIRTH_MISMATCH  # the same sentence whatever is wrong
    assert harness.mail.sent() == []
    with harness.uow.begin() as session:
        assert session.scalars(select(UserPasswordRow)).all() == []


async def test_password_reset_mails_a_temporary_password_that_sagir_holds_and_never_answers_it(
    desk: Desk,
) -> None:
    harness, _ = desk
    state = await reset(desk, reset_request())
    assert state.status is PasswordStatus.reset
    assert [step.kind for step in state.steps] == ["received", "identity_checked", "reset"]
    secret = mailed_secret(harness, state.id)
    assert harness.erp.password_matches("MTQ", USER, secret)
    assert not harness.erp.password_matches("MTQ", USER, secret + "x")
    assert secret not in state.model_dump_json()


async def test_password_reset_of_a_user_without_an_active_account_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="has no active SAGIR account"):
        await reset(desk, reset_request(day=14, month=3, employee_number="45871"))


class LosingResetErp(SqlSagirErp):
    """A reset whose first attempt writes, then loses its answer before the mail goes."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.keys: list[str] = []

    def reset_password(self, key: str, *args: Any) -> bool:
        wrote = super().reset_password(key, *args)
        self.keys.append(key)
        if len(self.keys) == 1:
            raise ConnectionError("answer lost after the write")
        return wrote


async def test_a_retried_reset_mails_one_password_the_one_sagir_holds(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    erp = LosingResetErp(demo_uow)
    async with running_desks(
        time_skipping_env, demo_uow, task_queue, erp, make_secret=next_secret
    ) as harness:
        state = await reset((harness, harness.passwords()), reset_request())
    assert [key.rsplit("/", 1)[1] for key in erp.keys] == ["attempt-1", "attempt-2"]
    secret = mailed_secret(harness, state.id)  # exactly one mail
    assert erp.password_matches("MTQ", USER, secret)


async def test_temporary_password_is_never_in_clear_in_the_history_any_table_or_the_logs(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness, password_desk = desk
    state = await reset(desk, reset_request())
    secret = mailed_secret(harness, state.id)
    shown = await password_desk.show(state.id)
    assert secret not in shown.model_dump_json()
    history = await harness.env.client.get_workflow_handle(state.id).fetch_history()
    assert secret not in history.to_json()
    opened = await opened_text(history)
    assert "identity_checked" in opened  # the opened history is readable, and holds no secret
    assert secret not in opened
    assert harness.erp.password_matches("MTQ", USER, secret)  # the real one, opened from the mail
    # Every table of the desk's database, the mail outbox included: the mail is sealed there.
    metadata = MetaData()
    metadata.reflect(harness.uow.engine)
    with harness.uow.begin() as session:
        searched = {
            name: " ".join(str(row) for row in session.execute(select(table)).all())
            for name, table in metadata.tables.items()
        }
    assert "motdepasse-MTQ" in searched["outbox"]  # the search reads the mail's row
    assert "annie.morin@mtq.example" not in searched["outbox"]  # its address sealed too
    assert [name for name, rows in searched.items() if secret in rows] == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert secret not in logged
