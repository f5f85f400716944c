"""How every desk service speaks to a running workflow: a query, or an update whose refusal
becomes the caller's one-sentence error; an unknown id is NotFound."""

from __future__ import annotations

from typing import Any

from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from starter.desk_checks import refusal_reason
from starter.errors import NotFound, Refused


async def query_state(handle: WorkflowHandle[Any, Any], query: Any, workflow_id: str) -> Any:
    """The workflow's state; for a completed workflow whose query cannot be answered (the
    time-skipping test server answers none), its result, which is the same final state."""
    try:
        return await handle.query(query)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise NotFound(f"{workflow_id} does not exist") from None
        if (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED:
            return await handle.result()
        raise


async def execute_step(
    handle: WorkflowHandle[Any, Any], update: Any, argument: Any, workflow_id: str
) -> Any:
    try:
        return await handle.execute_update(update, argument)
    except WorkflowUpdateFailedError as failed:
        raise Refused(refusal_reason(failed)) from None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise NotFound(f"{workflow_id} does not exist or is finished") from None
        raise
