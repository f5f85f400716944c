"""Billing against the real `sagir-desk dev`: its three Schedules exist in Montréal time from the
first worker's start, and a worker or a whole desk started again finds them as they were (a
paused one stays paused); the CA's billing clerk records MTQ's agreement and issues, reads,
downloads and settles its invoice from the command line, and a missed month backfilled twice
is issued once; bad input is one sentence naming the field, exit code 2."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from temporalio.client import Client, ScheduleSpec

from tests.e2e.dev_harness import BIN, Dev, cli, dev_environment
from workflows.billing import ADJUSTMENT_SCHEDULE, HEADCOUNT_SCHEDULE, MONTHLY_SCHEDULE

pytestmark = pytest.mark.e2e

SCHEDULES = (MONTHLY_SCHEDULE, ADJUSTMENT_SCHEDULE, HEADCOUNT_SCHEDULE)
MONTREAL = ZoneInfo("America/Montreal")
CLERK = "facturation-1"  # the CA's billing clerk (ca_billing)
WAIT = 30.0  # seconds: a workflow's steps, and the engine's visibility, catch up by then
_tokens: dict[str, str] = {}


def billing(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`sagir-desk billing ARGS` as the CA's billing clerk, with their token."""
    home = env["SAGIR_HOME"]
    if home not in _tokens:
        made = cli(env, "token", "create", "--role", "ca_billing", "--subject", CLERK)
        assert made.returncode == 0, made.stderr
        _tokens[home] = made.stdout.strip()
    return subprocess.run(
        [str(BIN), "billing", *args],
        env={**env, "SAGIR_TOKEN": _tokens[home]},
        capture_output=True,
        text=True,
        timeout=60,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def until(check: Any, what: str) -> Any:
    """Ask again until `check()` answers something truthy (the engine's visibility and the
    invoices' records catch up in a moment)."""
    deadline = time.monotonic() + WAIT
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what}: not within {WAIT} s"
        time.sleep(0.3)
    return found


@dataclass(frozen=True)
class Seen:
    """A schedule as the engine describes it."""

    created_at: datetime
    spec: ScheduleSpec
    paused: bool
    note: str


async def _schedules(address: str) -> tuple[dict[str, Seen], list[str]]:
    client = await Client.connect(address)
    seen = {}
    for schedule_id in SCHEDULES:
        described = await client.get_schedule_handle(schedule_id).describe()
        state = described.schedule.state
        seen[schedule_id] = Seen(
            described.info.created_at, described.schedule.spec, state.paused, state.note or ""
        )
    listed = [one.id async for one in await client.list_schedules()]
    return seen, sorted(one for one in listed if one.startswith("sagir-billing-"))


def schedules(env: dict[str, str]) -> dict[str, Seen]:
    """The billing schedules, each described; and each listed once in the namespace."""

    def listed_once() -> dict[str, Seen] | None:
        seen, listed = asyncio.run(_schedules(env["TEMPORAL_ADDRESS"]))
        return seen if listed == sorted(SCHEDULES) else None

    found: dict[str, Seen] = until(listed_once, "the billing schedules listed once each")
    return found


async def _count(address: str, query: str) -> int:
    client = await Client.connect(address)
    return (await client.count_workflows(query)).count


def workflows(env: dict[str, str], query: str) -> int:
    return asyncio.run(_count(env["TEMPORAL_ADDRESS"], query))


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Dev]:
    running = Dev(dev_environment(tmp_path / "home"), tmp_path / "dev-1.log")
    yield running
    if running.process.poll() is None:
        running.process.kill()


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    folder = tmp_path_factory.mktemp("billing")
    running = Dev(dev_environment(folder / "home"), folder / "dev.log")
    yield running
    if running.process.poll() is None:
        running.process.kill()


def test_the_billing_schedules_exist_after_start_up_and_after_a_restart(
    restartable: Dev, tmp_path: Path
) -> None:
    env = restartable.env
    first = schedules(env)
    assert {one: seen.spec.time_zone_name for one, seen in first.items()} == dict.fromkeys(
        SCHEDULES, "America/Montreal"
    )
    assert not any(seen.paused for seen in first.values())
    assert "paused" in ok(billing(env, "schedule", "pause"))
    paused = schedules(env)
    # The invoices' schedules are paused; the daily headcount never is (a day's count cannot
    # be taken afterwards).
    assert {one: (seen.paused, seen.note) for one, seen in paused.items()} == {
        MONTHLY_SCHEDULE: (True, f"paused by {CLERK}"),
        ADJUSTMENT_SCHEDULE: (True, f"paused by {CLERK}"),
        HEADCOUNT_SCHEDULE: (False, ""),
    }
    assert {one: (seen.created_at, seen.spec) for one, seen in paused.items()} == {
        one: (seen.created_at, seen.spec) for one, seen in first.items()
    }

    # The worker dies; dev starts another, which creates what is missing: nothing.
    worker = restartable.worker_pid()
    assert worker is not None
    os.kill(worker, signal.SIGKILL)
    restartable.wait_for_workers(2, WAIT)
    assert schedules(env) == paused

    # The whole desk stops and starts again on its SAGIR_HOME: the engine's state is kept.
    assert restartable.stop() == 0
    again = Dev(env, tmp_path / "dev-2.log")
    try:
        assert schedules(env) == paused
        status = ok(billing(env, "schedule", "status"))
        assert [line.split()[:2] for line in status.splitlines()[:3]] == [
            [MONTHLY_SCHEDULE, "paused"],
            [ADJUSTMENT_SCHEDULE, "paused"],
            [HEADCOUNT_SCHEDULE, "running"],
        ]
    finally:
        assert again.stop() == 0


def test_the_billing_clerk_issues_shows_downloads_and_settles_an_invoice_and_a_backfill_twice_issues_once(  # noqa: E501
    dev: Dev, tmp_path: Path
) -> None:
    env = dev.env
    today = datetime.now(MONTREAL).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    agreed = billing(
        env,
        *("agreement", "set", "--mo", "MTQ", "--first-day", "2026-04-01"),
        *("--estimated", "1000", "--contact", "finances@mtq.gouv.qc.ca"),
    )
    assert "contact: finances@mtq.gouv.qc.ca" in ok(agreed)
    # The rate in force this month, whatever the demo data's grid holds before it.
    ok(billing(env, "rate", "add", "--rate", "195.00", "--from", this_month.isoformat()))

    issued = json.loads(ok(billing(env, "invoice", "issue", "--mo", "MTQ", "--json")))
    number = issued["invoice"]["number"]
    assert number == f"F-{today.year}-000001"
    assert (issued["key"], issued["invoice"]["amount"]) == (
        f"facture-MTQ-{this_month:%Y-%m}",
        "16250.00",
    )
    assert issued["invoice"]["due_on"] == (today + timedelta(days=30)).isoformat()
    shown = ok(billing(env, "invoice", "show", number))
    assert "16 250,00 $" in shown and "status: issued" in shown

    out = tmp_path / "facture.pdf"
    assert ok(billing(env, "pdf", number, "--out", str(out))).strip() == str(out)
    assert out.read_bytes().startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(out.read_bytes())).pages)
    assert number in text and "16 250,00 $" in text

    paid = json.loads(
        ok(
            billing(
                env,
                *("pay", number, "--amount", "16250.00", "--paid-on", today.isoformat()),
                *("--reference", "CHQ-123", "--json"),
            )
        )
    )
    assert paid["status"] == "paid"
    statement = ok(billing(env, "statement", "--mo", "MTQ")).splitlines()
    [row] = [line.split() for line in statement if line.startswith(number)]
    assert (row[0], row[-1]) == (number, "paid")
    totals = [line.strip() for line in statement if line.strip().startswith(("invoiced", "paid:"))]
    assert totals == ["invoiced: 16 250,00 $", "paid: 16 250,00 $"]
    assert [line.strip() for line in statement if line.strip().startswith("outstanding")] == [
        "outstanding: 0,00 $"
    ]

    # Last month missed: the monthly run as it would have run, for every MO with an agreement.
    backfill = ("schedule", "backfill", "--month", f"{last_month:%Y-%m}")
    runs = "WorkflowType = 'BillingRunWorkflow' AND ExecutionStatus = 'Completed'"
    ok(billing(env, *backfill))
    until(lambda: workflows(env, runs) == 1, "the backfilled run")
    listed = until(
        lambda: (
            len(invoices := json.loads(ok(billing(env, "invoices", "--json")))) == 2 and invoices
        ),
        "last month's invoice",
    )
    assert [one["invoice"]["key"] for one in listed] == [
        f"facture-MTQ-{this_month:%Y-%m}",
        f"facture-MTQ-{last_month:%Y-%m}",
    ]
    ok(billing(env, *backfill))
    until(lambda: workflows(env, runs) == 2, "the second backfilled run")
    assert workflows(env, "WorkflowType = 'InvoiceWorkflow'") == 2
    again = json.loads(ok(billing(env, "invoices", "--json")))
    assert [one["invoice"]["number"] for one in again] == [
        one["invoice"]["number"] for one in listed
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("pay", "F-2026-000001", "--amount", "-5"),
            "amount: '-5' is not an amount above 0 to the cent, like 16250.00",
        ),
        (
            ("invoice", "issue", "--mo", "MTQ", "--month", "2026-13"),
            "month: '2026-13' is not a month like 2026-11",
        ),
        (
            ("agreement", "set", "--mo", "XYZ", "--first-day", "2026-04-01"),
            "mo: XYZ is not a client MO of the CA",
        ),
    ],
)
def test_bad_billing_input_exits_2_with_one_sentence_naming_the_field(
    dev: Dev, args: tuple[str, ...], message: str
) -> None:
    if args[0] == "agreement":
        args = (*args, "--estimated", "1000", "--contact", "finances@xyz.gouv.qc.ca")
    refused = billing(dev.env, *args)
    assert (refused.returncode, refused.stderr) == (2, f"sagir-desk: {message}\n")
    assert refused.stdout == ""
