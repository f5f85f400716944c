"""Idempotency keys of requests whose workflow id can come back: an arrival sent again after a
refusal, a second departure of a rehired employee. Their keys carry when the request arrived, so a
later request is never taken for a retry of an earlier one (its grants skipped, say)."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import workflow

PER_REQUEST_KEYS = "per-request-idempotency-keys"


def request_key(workflow_id: str, received_at: datetime) -> str:
    """`key_prefix(...)`, in a workflow; requests started before this change keep the bare id
    (`workflow.patched`), so they replay and retry exactly as before."""
    if not workflow.patched(PER_REQUEST_KEYS):
        return workflow_id
    return key_prefix(workflow_id, received_at)


def key_prefix(workflow_id: str, received_at: datetime) -> str:
    """`<workflow id>/<UTC arrival time to the second>`."""
    return f"{workflow_id}/{received_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
