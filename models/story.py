"""A request's story as an auditor reads it: one line per business step (when, who, in which
role, what, how it ended, and the rule or deadline it met), the refused and failed attempts the
audit trail kept (a refused step never enters the workflow), in the order they happened.

Pure: the workflow's steps, the trail's entries and the service calendar in; lines out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from models.audit import AuditEntry, Outcome
from models.service_calendar import ServiceCalendar
from models.tickets import Contract
from models.timestamps import local_text

# The steps a request's take-in-charge deadline speaks of.
RECEIPTS = frozenset({"received", "notice"})
TAKES = frozenset({"take"})
BREACHES = frozenset({"breached"})


class StoryLine(Contract):
    at: datetime
    who: str
    role: str
    what: str
    outcome: Outcome
    detail: str = ""
    rule: str = ""


def story(
    steps: Sequence[Any],
    entries: Sequence[AuditEntry],
    received_at: datetime | None,
    due: datetime | None,
    calendar: ServiceCalendar,
) -> list[StoryLine]:
    """The lines of a request: its `steps` (a workflow's StepLog or Step, in order), the roles
    the trail recorded for them, the attempts the trail refused or saw fail, and the deadline."""
    roles = _step_roles(entries)
    lines = []
    for number, step in enumerate(steps):
        kind = str(getattr(step.kind, "value", step.kind))
        lines.append(
            StoryLine(
                at=step.at,
                who=step.actor,
                role=roles.get(number, "system" if step.actor == "system" else ""),
                what=kind,
                outcome=Outcome.refused if kind == "refused" else Outcome.done,
                detail=step.note or "",
                rule=_rule(kind, step.at, received_at, due, calendar),
            )
        )
    for entry in entries:
        if entry.source_key is None and entry.outcome is not Outcome.done:
            lines.append(
                StoryLine(
                    at=entry.at,
                    who=entry.actor,
                    role=entry.role,
                    what=f"attempt: {entry.action}",
                    outcome=entry.outcome,
                    detail=entry.detail,
                )
            )
    return sorted(lines, key=lambda line: line.at)


def _step_roles(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """The role the trail recorded for each step of the newest run (keys `<id>/<run>/<n>`)."""
    fed = [
        (entry.seq, run, int(number), entry.role)
        for entry in entries
        if entry.source_key is not None
        for _, run, number in [entry.source_key.rsplit("/", 2)]
        if number.isdigit()
    ]
    if not fed:
        return {}
    newest_run = max(fed)[1]
    return {number: role for _, run, number, role in fed if run == newest_run}


def _rule(
    kind: str,
    at: datetime,
    received_at: datetime | None,
    due: datetime | None,
    calendar: ServiceCalendar,
) -> str:
    if due is None:
        return ""
    if kind in RECEIPTS:
        return f"to be taken in charge by {local_text(due)}"
    if kind in BREACHES:
        return f"not taken in charge by {local_text(due)}: escalated to the CA supervisors"
    if kind in TAKES and received_at is not None:
        minutes = round(calendar.open_time_between(received_at, at).total_seconds() / 60)
        if at <= due:
            return f"taken {minutes} open minutes after receipt, due {local_text(due)}: on time"
        late = round(calendar.open_time_between(due, at).total_seconds() / 60)
        return (
            f"taken {minutes} open minutes after receipt, due {local_text(due)}: "
            f"{late} open minutes late"
        )
    return ""
