"""The runs the billing Schedules start (issue 15), on the time-skipping server and SQLite: the
monthly run issues each MO's invoice of the month of its scheduled time once, however often it
fires, and leaves a paused MO out; the headcount run keeps each MO's count once a day. Each run
is started here as its Schedule starts it, with its TemporalScheduledStartTime."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_sagir_erp import SqlSagirErp
from models.billing import Agreement, InvoiceKind, Period, invoice_key
from tests.mail_server import TestSmtp
from tests.workflows.billing_harness import (
    CLERK,
    CONTACT,
    MO,
    MONTH_OF_1000,
    OTHER_MO,
    BillingHarness,
    billing_desk,
    montreal,
)
from tests.workflows.communiques_harness import user

# A month before the tests' clock: the run bills its scheduled time's month, never now's.
OCTOBER = date(2026, 10, 1)
FIRED = montreal(OCTOBER, 6, 0)  # the monthly Schedule: the 1st, 06:00 in Montréal
MONTH_OF_2400 = Decimal("39000.00")  # 2,400 x 195.00 $ / 12


def two_mos(harness: BillingHarness) -> None:
    harness.agree(mo=MO, estimated=1000)
    harness.agree(mo=OTHER_MO, estimated=2400, contact="finances@msss.example")


async def test_a_schedule_run_fired_twice_issues_one_invoice_per_mo(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    keys = [invoice_key(MO, OCTOBER), invoice_key(OTHER_MO, OCTOBER)]
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        two_mos(harness)
        # Fired twice at once (two workers' catch-up), then once more later (a backfill).
        first, second = await asyncio.gather(
            harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-1"),
            harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-2"),
        )
        again = await harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-3")
        for key in keys:
            await harness.settled(key, lambda s: s.mailed)
        views = harness.desk.invoices(year_of=OCTOBER)

    assert sorted(first + second) == sorted(keys)
    assert again == []  # each MO's invoice of the month exists: nothing issued twice
    assert sorted((view.invoice.key, view.invoice.amount) for view in views) == [
        (keys[1], MONTH_OF_2400),
        (keys[0], MONTH_OF_1000),
    ]
    assert all(view.invoice.first_day == OCTOBER for view in views)
    assert sorted(harness.outbox_keys("facture-")) == sorted(f"{key}/envoi" for key in keys)
    assert [op for _, op, _, _ in harness.sagir.documents(MO)] == ["invoice"]
    assert [op for _, op, _, _ in harness.sagir.documents(OTHER_MO)] == ["invoice"]


async def test_a_paused_mo_is_skipped_by_the_monthly_run(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        two_mos(harness)
        await harness.desk.pause(OTHER_MO, CLERK)
        paused_run = await harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-1")
        await harness.settled(invoice_key(MO, OCTOBER), lambda s: s.mailed)
        paused = harness.desk.invoices(OTHER_MO)
        await harness.desk.resume(OTHER_MO, CLERK)
        # The month missed, run again once resumed: the paused MO's invoice only.
        resumed_run = await harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-2")

    assert paused_run == [invoice_key(MO, OCTOBER)]
    assert paused == []
    assert resumed_run == [invoice_key(OTHER_MO, OCTOBER)]


async def test_the_headcount_run_takes_each_mos_count_once_a_day(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    day = date(2026, 10, 31)  # before the tests' clock: the day counted is the scheduled one
    evening = montreal(day, 23, 30)  # the headcount Schedule: every day, 23:30 in Montréal
    period = Period(date(2026, 4, 1), date(2027, 3, 31))
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        two_mos(harness)
        mtq, msss = harness.sagir.active_employees(MO), harness.sagir.active_employees(OTHER_MO)
        counted = await harness.headcount_run(evening, "effectifs-1")
        SqlSagirErp(demo_uow).add_person(user(MO, "61001"))  # hired after the count
        again = await harness.headcount_run(evening + timedelta(minutes=5), "effectifs-2")
        next_day = await harness.headcount_run(evening + timedelta(days=1), "effectifs-3")
        mtq_snapshots = harness.agreements.snapshots(MO, period)
        msss_snapshots = harness.agreements.snapshots(OTHER_MO, period)
        headcount = harness.desk.headcount(MO, day)

    assert (counted, again, next_day) == (2, 2, 2)  # the MOs with an agreement
    # The day's first count stands; the next day's has the newcomer.
    assert [(one.day, one.count) for one in mtq_snapshots] == [
        (day, mtq),
        (day + timedelta(days=1), mtq + 1),
    ]
    assert [(one.day, one.count) for one in msss_snapshots] == [
        (day, msss),
        (day + timedelta(days=1), msss),
    ]
    # October's month-end count is the 31st's; November's, so far, the 1st's.
    assert headcount.month_ends == [mtq, mtq + 1]


async def test_an_invoice_whose_issue_failed_is_issued_by_the_next_run(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with billing_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as harness:
        # An agreement recorded before any rate: the month's invoice cannot be priced.
        harness.agreements.keep_agreement(
            Agreement(
                mo=MO, first_day=date(2026, 4, 1), estimated_headcount=1000, billing_contact=CONTACT
            ),
            CLERK,
            harness.now,
        )
        failed_run = await harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-1")
        handle = harness.env.client.get_workflow_handle(invoice_key(MO, OCTOBER))
        failed = await harness.eventually(
            handle.describe,
            lambda described: described.status is not WorkflowExecutionStatus.RUNNING,
        )
        numbered_after_failure = harness.numbers()
        harness.add_rate(Decimal("195.00"), date(2020, 4, 1))
        again = await harness.run(InvoiceKind.monthly, FIRED, "facturation-mensuelle-2")
        await harness.settled(invoice_key(MO, OCTOBER), lambda s: s.mailed)

    assert failed_run == [invoice_key(MO, OCTOBER)]
    assert failed.status is WorkflowExecutionStatus.FAILED
    assert numbered_after_failure == []  # a failed issue takes no number
    assert again == [invoice_key(MO, OCTOBER)]
    assert len(harness.numbers()) == 1
