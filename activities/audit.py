"""The audit trail's activities: the steps a workflow logged, each appended once; and the
trail's checkpoint, read from the database and kept outside it."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from adapters.ports import AuditTrail, Checkpoints, Directory, RequestFacts, RequestRecords
from models.audit import AuditEvent, Checkpoint, Outcome, WorkflowSteps
from models.ticket_lifecycle import SYSTEM


class AuditActivities:
    def __init__(
        self,
        trail: AuditTrail,
        directory: Directory,
        facts: RequestFacts,
        requests: RequestRecords,
        checkpoints: Checkpoints | None = None,
    ) -> None:
        self._trail = trail
        self._directory = directory
        self._facts = facts
        self._requests = requests
        self._checkpoints = checkpoints

    @activity.defn
    def checkpoint_trail(self) -> Checkpoint:
        """The trail's newest entry now: returned into the engine's history, and kept in the
        checkpoint file too when there is one."""
        checkpoint = self._trail.head()
        if self._checkpoints is not None:
            self._checkpoints.record(checkpoint)
        return checkpoint

    @activity.defn
    def append_steps(self, batch: WorkflowSteps) -> int:
        """Append each step under its key `<workflow id>/<run id>/<number>`; a retry appends
        only what is missing. Free-text notes of people (questions, answers, solutions) stay in
        the workflow, sealed; the system's reasons are kept. Returns how many were appended."""
        appended = append_to_trail(self._trail, self._directory, batch)
        if batch.due is not None:
            self._note_facts(batch, batch.due)
        self._requests.note(batch)  # how it lists now, for the desk's lists
        return appended

    def _note_facts(self, batch: WorkflowSteps, due: datetime) -> None:
        """The SLA report's facts of a request under the take-in-charge rule: its first step is
        its receipt; `take` is its taking in charge; `breached` says so."""
        kinds = {step.kind: step.at for step in reversed(batch.steps)}  # the first of each kind
        self._facts.note(
            batch.workflow_id,
            batch.run_id,
            batch.process,
            batch.mo,
            due,
            received_at=batch.steps[0].at if batch.first_index == 0 and batch.steps else None,
            taken_at=kinds.get("take"),
            breached="breached" in kinds,
        )


def append_to_trail(trail: AuditTrail, directory: Directory, batch: WorkflowSteps) -> int:
    """Append each step of `batch` to the trail once (see `append_steps`); how many were."""
    appended = 0
    for offset, step in enumerate(batch.steps):
        key = f"{batch.workflow_id}/{batch.run_id}/{batch.first_index + offset}"
        by_system = step.actor == SYSTEM
        event = AuditEvent(
            at=step.at,
            workflow_id=batch.workflow_id,
            mo=batch.mo,
            actor=step.actor,
            role="system" if by_system else _role(directory, step.actor),
            action=f"{batch.process}.{step.kind}"[:60],
            outcome=Outcome.refused if step.kind == "refused" else Outcome.done,
            detail=(step.note or "")[:400] if by_system else "",
        )
        if trail.append(event, source_key=key) is not None:
            appended += 1
    return appended


def _role(directory: Directory, actor: str) -> str:
    """An agent's role from the directory; anyone else acted for their MO."""
    agent = directory.agent(actor)
    if agent is None:
        return "mo"
    return "ca_supervisor" if agent.role.value == "supervisor" else "ca_agent"
