"""Every step a workflow records goes to the audit trail too, through an activity (issue 5): a
task beside the workflow's own sends each new step as soon as it is logged, and the workflow
waits for it before it ends. A request also sends how it lists (its status, breach, deadline)
whenever that changes, with or without a step, so the desk's records list it. Requests started
before the feed, or before the listing, keep running without them (`workflow.patched`), so their
histories replay unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.audit import AuditActivities
    from models.audit import WorkflowStep, WorkflowSteps
    from models.requests import Listing
    from workflows.activity_options import execute

AUDIT_FEED = "audit-feed"
REQUEST_LISTING = "request-listing"


class AuditFeed:
    def __init__(
        self,
        workflow_id: str,
        mo: str,
        process: str,
        steps: Callable[[], Sequence[Any]],
        due: datetime | None = None,
        listing: Callable[[], Listing] | None = None,
    ) -> None:
        self._id, self._mo, self._process, self._steps = workflow_id, mo, process, steps
        self._due = due
        self._sent = 0
        self._batches = 0
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._listing: Callable[[], Listing] | None = None
        self._listed: Listing | None = None
        if workflow.patched(AUDIT_FEED):
            if listing is not None and workflow.patched(REQUEST_LISTING):
                self._listing = listing
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
        if len(self._steps()) > self._sent:
            return True
        return self._listing is not None and self._listing() != self._listed

    async def _send(self) -> None:
        first = self._sent
        new = list(self._steps())[first:]
        self._sent += len(new)
        self._batches += 1
        if self._listing is not None:
            self._listed = self._listing()
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
                listing=self._listed,
                sent=self._batches,
            ),
        )
