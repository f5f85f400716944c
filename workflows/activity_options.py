"""How every workflow calls its activities: the same timeout and retry policy everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

Argument = TypeVar("Argument")
Result = TypeVar("Result")

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Keep retrying an ERP or database that is down; permanent refusals are non-retryable errors.
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


async def execute(method: Callable[[Any, Argument], Result], argument: Argument) -> Result:
    """Run an activity method with the desk's timeout and retry policy."""
    return await workflow.execute_activity_method(  # type: ignore[no-any-return]
        method,  # type: ignore[arg-type]
        argument,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=ACTIVITY_RETRY,
    )


def failure_reason(error: ActivityError) -> str:
    """The sentence an activity's permanent refusal carries (its ApplicationError's message)."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause or error)
