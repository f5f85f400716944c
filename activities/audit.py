"""The audit trail's activity: the steps a workflow logged, each appended once."""

from __future__ import annotations

from temporalio import activity

from adapters.ports import Directory
from adapters.sql_audit import SqlAuditTrail
from models.audit import AuditEvent, Outcome, WorkflowSteps
from models.ticket_lifecycle import SYSTEM


class AuditActivities:
    def __init__(self, trail: SqlAuditTrail, directory: Directory) -> None:
        self._trail = trail
        self._directory = directory

    @activity.defn
    def append_steps(self, batch: WorkflowSteps) -> int:
        """Append each step under its key `<workflow id>/<run id>/<number>`; a retry appends
        only what is missing. Free-text notes of people (questions, answers, solutions) stay in
        the workflow, sealed; the system's reasons are kept. Returns how many were appended."""
        appended = 0
        for offset, step in enumerate(batch.steps):
            key = f"{batch.workflow_id}/{batch.run_id}/{batch.first_index + offset}"
            by_system = step.actor == SYSTEM
            event = AuditEvent(
                at=step.at,
                workflow_id=batch.workflow_id,
                mo=batch.mo,
                actor=step.actor,
                role="system" if by_system else self._role(step.actor),
                action=f"{batch.process}.{step.kind}"[:60],
                outcome=Outcome.refused if step.kind == "refused" else Outcome.done,
                detail=(step.note or "")[:400] if by_system else "",
            )
            if self._trail.append(event, source_key=key) is not None:
                appended += 1
        return appended

    def _role(self, actor: str) -> str:
        """An agent's role from the directory; anyone else acted for their MO."""
        agent = self._directory.agent(actor)
        if agent is None:
            return "mo"
        return "ca_supervisor" if agent.role.value == "supervisor" else "ca_agent"
