"""The 24-hour take-in-charge rule for arrivals, departures and parameterisation requests: the
warning before a breach, then the breach, shared by their workflows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from activities.service_calendar import CalendarActivities
    from models.escalations import EscalationKind
    from models.requests import Escalation
    from models.sla import Channel
    from models.tickets import WarningRequest
    from workflows.activity_options import ACTIVITY_TIMEOUT, execute

# Requests started before warnings existed are never warned: the patch marks the ones that are.
WARNING_PATCH = "take-in-charge-warning"


async def watch_take_deadline(
    workflow_id: str,
    key: str,
    mo: str,
    due: datetime,
    settled: Callable[[], bool],
    on_breach: Callable[[datetime], None],
    received: datetime | None = None,
    on_warning: Callable[[datetime], None] | None = None,
) -> None:
    """If the request is still not taken in charge (nor settled) once 75% of its open time has
    run, call `on_warning` and tell every agent on duty once (key `<key>/warning`; patch
    `take-in-charge-warning`); at `due`, mark it breached and escalate to the CA supervisors
    once (key `<key>/breach`)."""
    if received is not None and on_warning is not None and workflow.patched(WARNING_PATCH):
        warn_at = await workflow.execute_local_activity_method(
            CalendarActivities.warning_at,
            WarningRequest(channel=Channel.web, received_at=received, due=due, now=workflow.now()),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        if warn_at is not None and not await _settled_by(warn_at, settled):
            now = workflow.now()
            if now < due:
                on_warning(now)
                await escalate_warning(workflow_id, key, mo, due)
    if await _settled_by(due, settled):
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


async def escalate_warning(workflow_id: str, key: str, mo: str, due: datetime) -> None:
    """Tell every agent on duty, once (key `<key>/warning`), that the request is not taken in
    charge and its deadline nears: the supervisors' list and a mail to each."""
    now = workflow.now()
    await execute(
        NoticeActivities.escalate,
        Escalation(
            idempotency_key=f"{key}/warning",
            workflow_id=workflow_id,
            mo=mo,
            reason=f"not taken in charge yet; due {due.isoformat()}",
            at=now,
            kind=EscalationKind.warning,
            due=due,
        ),
    )


async def _settled_by(instant: datetime, settled: Callable[[], bool]) -> bool:
    """Wait until `instant` or until the request is settled, whichever comes first."""
    remaining = instant - workflow.now()
    if remaining > timedelta(0):
        try:
            await workflow.wait_condition(settled, timeout=remaining)
        except TimeoutError:
            pass
    return settled()
