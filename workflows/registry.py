"""Every workflow type the desk runs, and the sandbox they run in: the same list for the worker,
the replayer (the auditor's and the tests'), the tests and the bench, so none can miss one."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.arrivals import ArrivalWorkflow
from workflows.audit_checkpoints import AuditCheckpointWorkflow
from workflows.billing import BillingRunWorkflow, HeadcountWorkflow, InvoiceWorkflow
from workflows.communiques import CommuniqueWorkflow
from workflows.departures import DepartureWorkflow
from workflows.employee_changes import EmployeeChangeWorkflow
from workflows.mail_intake import MailIntakeWorkflow
from workflows.mail_relay import MailRelayWorkflow
from workflows.parameterisation import ParameterisationWorkflow
from workflows.passwords import PasswordResetWorkflow
from workflows.registre import RegistreExpiryWorkflow
from workflows.tickets import TicketWorkflow
from workflows.training import TrainingRegistrationWorkflow
from workflows.training_requests import TrainingRequestWorkflow

WORKFLOWS: list[type] = [
    TicketWorkflow,
    ArrivalWorkflow,
    DepartureWorkflow,
    ParameterisationWorkflow,
    PasswordResetWorkflow,
    TrainingRegistrationWorkflow,
    TrainingRequestWorkflow,
    EmployeeChangeWorkflow,
    CommuniqueWorkflow,
    InvoiceWorkflow,
    BillingRunWorkflow,
    HeadcountWorkflow,
    AuditCheckpointWorkflow,
    MailRelayWorkflow,
    MailIntakeWorkflow,
    RegistreExpiryWorkflow,
]


# The workflow type of each id, by its prefix (`T-2026-000001`, `arrivee-MTQ-45871`...).
BY_PREFIX: dict[str, type] = {
    "T-": TicketWorkflow,
    "arrivee-": ArrivalWorkflow,
    "depart-": DepartureWorkflow,
    "param-": ParameterisationWorkflow,
    "acces-": ParameterisationWorkflow,
    "motdepasse-": PasswordResetWorkflow,
    "formation-": TrainingRegistrationWorkflow,
    "demande-formation-": TrainingRequestWorkflow,
    "modification-": EmployeeChangeWorkflow,
    "communique-": CommuniqueWorkflow,
    "facture-": InvoiceWorkflow,
    "ajustement-": InvoiceWorkflow,
}


def workflow_for(workflow_id: str) -> type | None:
    """The request workflow an id names (none: not a request's, a checkpoint's say)."""
    return next(
        (kind for prefix, kind in BY_PREFIX.items() if workflow_id.startswith(prefix)), None
    )


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, the same for the worker and the replayer."""
    # pydantic's email validation loads these lazily; pass them through the sandbox.
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "email_validator", "idna", "dns"
        )
    )
