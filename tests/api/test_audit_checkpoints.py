"""The audit trail's checkpoints in the engine: a Temporal Schedule, created when a worker
starts (and again, changing nothing, when another does), starts a workflow whose history keeps
the trail's newest entry; `audit verify` reads them back and finds a trail cut back since."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, update
from temporalio.testing import WorkflowEnvironment

from adapters.database import AuditHeadRow, AuditRow, UnitOfWork
from models.roles import Role
from starter.client import ensure_schedules
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.test_auditor_tools import started_and_taken
from workflows.audit_checkpoints import SCHEDULE_ID


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


async def verified(api: Api, engine_checkpoints: int) -> dict[str, object]:
    """`/audit/trail/verify` once the engine's visibility lists `engine_checkpoints`."""
    auditor = CALLERS[Role.auditor]
    for _ in range(100):
        answer = (await api.call(auditor, "GET", "/audit/trail/verify")).json()
        seen = [c for c in answer["checkpoints"] if c["where"].startswith("engine")]
        if len(seen) >= engine_checkpoints:
            return dict(answer)
        await asyncio.sleep(0.1)
    raise AssertionError(f"the engine never listed {engine_checkpoints} checkpoints: {answer}")


async def test_the_checkpoint_schedule_is_created_once_and_its_checkpoints_catch_a_cut_back_trail(
    api: Api, local_env: WorkflowEnvironment, demo_uow: UnitOfWork
) -> None:
    await ensure_schedules(local_env.client, api.settings)
    await ensure_schedules(local_env.client, api.settings)  # a second worker: nothing changes
    schedule = await local_env.client.get_schedule_handle(SCHEDULE_ID).describe()
    assert schedule.schedule.spec.intervals[0].every.total_seconds() == 15 * 60

    await started_and_taken(api)
    await local_env.client.get_schedule_handle(SCHEDULE_ID).trigger()
    first = await verified(api, engine_checkpoints=1)
    assert first["breaks"] == [] and first["unread"] == []

    # Someone with the database's keys removes the entries since before the engine's checkpoint
    # and moves the head back.
    seen = max(c["seq"] for c in first["checkpoints"] if c["where"].startswith("engine"))  # type: ignore[attr-defined]
    with demo_uow.begin() as session:
        cut = seen - 1
        kept = session.get(AuditRow, cut)
        assert kept is not None
        session.execute(delete(AuditRow).where(AuditRow.seq > cut))
        session.execute(update(AuditHeadRow).values(seq=cut, hash=kept.hash))
    after = await verified(api, engine_checkpoints=1)
    problems = [b["problem"] for b in after["breaks"]]  # type: ignore[attr-defined]
    # Cut back, the trail reads truncated; when an entry was written since (the API records its
    # own requests, a worker its steps), the new entry at a checkpointed place reads rewritten.
    caught = ("truncated:", "rewritten:")
    assert any(p.startswith(caught) and "(engine, " in p for p in problems), problems
