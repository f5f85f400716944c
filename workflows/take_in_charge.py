"""The 24-hour take-in-charge rule for arrivals and departures, shared by both workflows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from models.requests import Escalation
    from workflows.activity_options import execute


async def watch_take_deadline(
    workflow_id: str,
    key: str,
    mo: str,
    due: datetime,
    settled: Callable[[], bool],
    on_breach: Callable[[datetime], None],
) -> None:
    """Wait until `due`; if the request is still not taken in charge (nor settled), mark it
    breached and escalate to the CA supervisors once (key `<key>/breach`)."""
    remaining = due - workflow.now()
    if remaining > timedelta(0):
        try:
            await workflow.wait_condition(settled, timeout=remaining)
            return
        except TimeoutError:
            pass
    if settled():
        return
    now = workflow.now()
    on_breach(now)
    await execute(
        NoticeActivities.escalate,
        Escalation(
            idempotency_key=f"{key}/breach",
            workflow_id=workflow_id,
            mo=mo,
            reason=f"not taken in charge by {due.isoformat()}",
            at=now,
        ),
    )
