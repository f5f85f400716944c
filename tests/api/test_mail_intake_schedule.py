"""The intake's rounds run on a Temporal Schedule (`sagir-mail-intake`), made by the intake
process when it starts (once: a second intake changes nothing); the round the Schedule starts
runs its activity in the intake process, on the intake's own task queue."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from starter.client import ensure_intake_schedule
from starter.desks.intake import IntakeDesk
from starter.intake import serve_rounds
from starter.settings import Settings
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from worker import activities_on, build_worker
from workflows import mail_intake


class CountingDesk:
    """An intake desk that counts the rounds it is asked for (what they deliver is tested in
    tests/workflows/test_mail_intake.py)."""

    def __init__(self) -> None:
        self.sweeps = 0

    async def sweep(self) -> int:
        self.sweeps += 1
        return 0


async def test_the_intake_makes_its_schedule_once_and_each_round_runs_in_the_intake(
    local_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("SAGIR_TASK_QUEUE", task_queue)
    monkeypatch.setenv("SAGIR_INTAKE_SWEEP_SECONDS", "45")
    settings = Settings()
    client = local_env.client
    await ensure_intake_schedule(client, settings)
    await ensure_intake_schedule(client, settings)  # a second intake: nothing changes
    handle = client.get_schedule_handle(mail_intake.SCHEDULE_ID)
    described = await handle.describe()
    assert described.schedule.spec.intervals[0].every.total_seconds() == 45
    assert described.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.task_queue == task_queue

    desk = CountingDesk()
    stop = asyncio.Event()

    async def connected() -> Any:
        return client

    activities = activities_on(demo_uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS)
    async with build_worker(client, task_queue, activities):
        rounds = asyncio.create_task(
            serve_rounds(settings, cast(IntakeDesk, desk), stop, connected)
        )
        try:
            for _ in range(100):  # the sweep at start
                if desk.sweeps:
                    break
                await asyncio.sleep(0.05)
            assert desk.sweeps == 1
            await handle.trigger()
            for _ in range(200):
                if desk.sweeps == 2:
                    break
                await asyncio.sleep(0.05)
            assert desk.sweeps == 2  # the Schedule's round, its activity run by the intake
        finally:
            stop.set()
            await rounds
            await handle.delete()
