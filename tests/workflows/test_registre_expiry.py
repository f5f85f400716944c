"""The registre d'autorité's warning (issue 16): the MO's personnes autorisées and relèves are
mailed 30 days before a line of its registre stops being valid, once per line and end date,
however often the daily run (a Temporal Schedule's) fires. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from models.directory import Person
from models.registre import Declaration
from models.sagir import AuthorityKind
from models.service_calendar import MONTREAL
from starter.desks.registre import RegistreDesk
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.billing_harness import register_scheduled_start_time
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from worker import activities_on, build_worker
from workflows.registre import SCHEDULED_AT, RegistreExpiryWorkflow

LAST_DAY = date(2027, 1, 15)  # the relève 30003's last day of validity


def person(number: str, email: str, works: bool = True) -> Person:
    return Person(
        mo="MTQ",
        employee_number=number,
        first_name="Prénom",
        last_name=f"Nom {number}",
        work_email=email,
        email_works=works,
        birth_day=1,
        birth_month=1,
    )


def at_seven(day: date) -> datetime:
    """When the Schedule fires: 07:00 in Montréal."""
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=MONTREAL)


async def daily_run(env: WorkflowEnvironment, queue: str, day: date, run_id: str) -> int:
    """A run as the Schedule starts it on `day` (the time-skipping server has no Schedules)."""
    handle: WorkflowHandle[RegistreExpiryWorkflow, int] = await env.client.start_workflow(
        RegistreExpiryWorkflow.run,
        id=run_id,
        task_queue=queue,
        search_attributes=TypedSearchAttributes([SearchAttributePair(SCHEDULED_AT, at_seven(day))]),
    )
    return await handle.result()


async def test_the_mo_is_warned_30_days_before_a_lines_validity_ends_once(
    time_skipping_env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str
) -> None:
    erp = SqlSagirErp(uow)
    load_demo_data(SqlDirectory(uow), erp)
    for one in (
        person("30001", "pa.mtq@mtq.example"),
        person("30002", "releve.mtq@mtq.example"),
        person("30003", "ancienne@mtq.example", works=False),  # no working email: not mailed
    ):
        erp.add_person(one)
    desk = RegistreDesk(SqlDirectory(uow), erp, lambda: datetime(2026, 11, 26, 15, tzinfo=UTC))
    ending = desk.declare(
        Declaration(
            mo="MTQ",
            employee_number="30003",
            kind=AuthorityKind.releve,
            releve_of="30001",
            valid_from=date(2026, 12, 1),
            valid_until=LAST_DAY,
        ),
        by="30001",
    )
    await register_scheduled_start_time(time_skipping_env)
    activities = activities_on(uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS)
    warned_before = LAST_DAY - timedelta(days=30)
    async with build_worker(time_skipping_env.client, task_queue, activities):
        day_before = await daily_run(
            time_skipping_env, task_queue, warned_before - timedelta(days=1), "echeances-1"
        )
        on_the_day = await daily_run(time_skipping_env, task_queue, warned_before, "echeances-2")
        again = await daily_run(time_skipping_env, task_queue, warned_before, "echeances-3")
        next_day = await daily_run(
            time_skipping_env, task_queue, warned_before + timedelta(days=1), "echeances-4"
        )

    assert (day_before, on_the_day, again, next_day) == (0, 2, 0, 0)
    mails = OutboxMailer(uow, TEST_MAIL_KEYS).sent(f"registre-MTQ-ligne-{ending.id}/")
    assert sorted(mail.to for mail in mails) == ["pa.mtq@mtq.example", "releve.mtq@mtq.example"]
    assert {mail.idempotency_key for mail in mails} == {
        f"registre-MTQ-ligne-{ending.id}/fin-2027-01-15/30001",
        f"registre-MTQ-ligne-{ending.id}/fin-2027-01-15/30002",
    }
    [subject] = {mail.subject for mail in mails}
    assert subject == (
        "Registre d'autorité de MTQ : une ligne prend fin le vendredi 15 janvier 2027"
    )
    assert "relève 30003, relève de la personne autorisée 30001" in mails[0].body
    assert len(OutboxMailer(uow, TEST_MAIL_KEYS).sent("registre-")) == 2  # no other line ends
