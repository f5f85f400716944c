"""The audit trail's checkpoint: one short workflow per checkpoint, started by the
`sagir-audit-checkpoint` Schedule (every SAGIR_AUDIT_CHECKPOINT_MINUTES) and by every
`audit verify`. Its result, the trail's newest entry (number and seal), stays in the engine's
history, outside the desk's database, where `audit verify` reads it back."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.audit import AuditActivities
    from models.audit import Checkpoint
    from workflows.activity_options import ACTIVITY_RETRY, ACTIVITY_TIMEOUT

SCHEDULE_ID = "sagir-audit-checkpoint"


@workflow.defn
class AuditCheckpointWorkflow:
    """Reads the trail's head and returns it: the history keeps it. No updates, signals or
    queries."""

    @workflow.run
    async def run(self) -> Checkpoint:
        return await workflow.execute_activity_method(
            AuditActivities.checkpoint_trail,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
