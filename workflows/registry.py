"""Every workflow type the desk runs, and the sandbox they run in: the same list for the worker,
the replayer (the auditor's and the tests'), the tests and the bench, so none can miss one."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.arrivals import ArrivalWorkflow
from workflows.audit_checkpoints import AuditCheckpointWorkflow
from workflows.departures import DepartureWorkflow
from workflows.parameterisation import ParameterisationWorkflow
from workflows.passwords import PasswordResetWorkflow
from workflows.tickets import TicketWorkflow
from workflows.training import TrainingRegistrationWorkflow

WORKFLOWS: list[type] = [
    TicketWorkflow,
    ArrivalWorkflow,
    DepartureWorkflow,
    ParameterisationWorkflow,
    PasswordResetWorkflow,
    TrainingRegistrationWorkflow,
    AuditCheckpointWorkflow,
]


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, the same for the worker and the replayer."""
    # pydantic's email validation loads these lazily; pass them through the sandbox.
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "email_validator", "idna", "dns"
        )
    )
