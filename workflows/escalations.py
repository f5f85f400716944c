"""Escalations the processes share besides the take-in-charge breach: a request given up (no
dossier personne, no answer from the MO) goes to the CA supervisors' list and mailbox.

Requests that gave up before this existed replay without it (`workflow.patched`)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from models.escalations import EscalationKind
    from models.requests import Escalation
    from workflows.activity_options import execute

GIVEN_UP_PATCH = "escalate-given-up"


async def escalate_given_up(key: str, workflow_id: str, mo: str, reason: str) -> None:
    """Tell the supervisors a request was given up, once (key `<key>/given-up`)."""
    if not workflow.patched(GIVEN_UP_PATCH):
        return
    await execute(
        NoticeActivities.escalate,
        Escalation(
            idempotency_key=f"{key}/given-up",
            workflow_id=workflow_id,
            mo=mo,
            reason=reason,
            at=workflow.now(),
            kind=EscalationKind.given_up,
        ),
    )
