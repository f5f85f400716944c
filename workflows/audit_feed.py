"""Every step a workflow records goes to the audit trail too, through an activity (issue 5): a
task beside the workflow's own sends each new step as soon as it is logged, and the workflow
waits for it before it ends. Requests started before the feed existed keep running without it
(`workflow.patched`), so their histories replay unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.audit import AuditActivities
    from models.audit import WorkflowStep, WorkflowSteps
    from workflows.activity_options import execute

AUDIT_FEED = "audit-feed"


class AuditFeed:
    def __init__(
        self,
        workflow_id: str,
        mo: str,
        process: str,
        steps: Callable[[], Sequence[Any]],
        due: datetime | None = None,
    ) -> None:
        self._id, self._mo, self._process, self._steps = workflow_id, mo, process, steps
        self._due = due
        self._sent = 0
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        if workflow.patched(AUDIT_FEED):
            self._task = asyncio.create_task(self._send_as_they_come())

    async def close(self) -> None:
        """Send what is left, then stop (call before the workflow returns)."""
        if self._task is not None:
            self._closing = True
            await self._task

    async def _send_as_they_come(self) -> None:
        while True:
            await workflow.wait_condition(lambda: self._pending() or self._closing)
            if self._pending():
                await self._send()
            elif self._closing:
                return

    def _pending(self) -> bool:
        return len(self._steps()) > self._sent

    async def _send(self) -> None:
        first = self._sent
        new = list(self._steps())[first:]
        self._sent += len(new)
        await execute(
            AuditActivities.append_steps,
            WorkflowSteps(
                workflow_id=self._id,
                run_id=workflow.info().run_id,
                mo=self._mo,
                process=self._process,
                first_index=first,
                steps=[
                    WorkflowStep(
                        kind=str(getattr(step.kind, "value", step.kind)),
                        actor=step.actor,
                        at=step.at,
                        note=step.note,
                    )
                    for step in new
                ],
                due=self._due,
            ),
        )
