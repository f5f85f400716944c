"""Which of the engine's answers are "not now, try again" (a 503 at the API, exit code 1 at the
command line) rather than a failure of the desk's own (a 500)."""

from __future__ import annotations

from temporalio.service import RPCError, RPCStatusCode

from starter.desks.engine import unreachable


def test_a_query_on_a_workflow_whose_last_task_failed_is_unavailable_for_now() -> None:
    # Seen in the worker-kill chaos test: a query while the killed worker's task was failing.
    error = RPCError(
        "Unable to query workflow due to Workflow Task in failed state.",
        RPCStatusCode.FAILED_PRECONDITION,
        b"",
    )
    found = unreachable(error)
    assert found is not None
    assert "try again" in str(found)


def test_another_failed_precondition_is_not_taken_for_an_engine_that_is_down() -> None:
    error = RPCError("Workflow execution already completed", RPCStatusCode.FAILED_PRECONDITION, b"")
    assert unreachable(error) is None


def test_an_engine_that_does_not_answer_is_unavailable() -> None:
    assert unreachable(RPCError("deadline", RPCStatusCode.DEADLINE_EXCEEDED, b"")) is not None
