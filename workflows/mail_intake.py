"""The intake's round: one short workflow, started by the `sagir-mail-intake` Schedule every
SAGIR_INTAKE_SWEEP_SECONDS (overlap SKIP: one round at a time), whose one activity delivers the
messages the engine could not take when they came (recorded and answered 250 at once, their
step owed). It returns a count; its history holds no sender, subject or text.

The activity runs in the intake process, on its own task queue (`<SAGIR_TASK_QUEUE>-intake`): the
intake is a door that opens tickets through the ticket desk, which the worker's activities may
not reach (the layering keeps the doors above the activities). No intake running, the round ends
when its activity's time is out, and the next round tries again; nothing owed is lost meanwhile:
it waits in the `inbound_mail` table."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

SCHEDULE_ID = "sagir-mail-intake"
WORKFLOW_ID = "mail-intake"
DELIVER_OWED = "deliver_owed_mail"  # the intake's activity, by name (starter/intake.py)

# Picked up and done within two minutes, or the round ends; the Schedule is the retry.
ROUND_TIMEOUT = timedelta(minutes=2)
ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


@workflow.defn
class MailIntakeWorkflow:
    """Delivers the owed messages once and returns how many it delivered. Input: the intake's
    task queue. No updates, signals or queries."""

    @workflow.run
    async def run(self, intake_queue: str) -> int:
        delivered: int = await workflow.execute_activity(
            DELIVER_OWED,
            task_queue=intake_queue,
            schedule_to_close_timeout=ROUND_TIMEOUT,
            retry_policy=ONE_ATTEMPT,
            result_type=int,
        )
        return delivered
