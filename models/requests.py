"""What every request shares: which process it is, its step record, taking in charge,
escalations, notices, which employee."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from models.escalations import EscalationKind
from models.notices import Wording
from models.tickets import MAX_PAGE, ActorCode, Contract


class Process(StrEnum):
    """The desk's processes, by the name the engine's `Process` search attribute gives them
    (French, as the workflow ids: `arrivee-MTQ-45871`)."""

    ticket = "ticket"
    arrival = "arrivee"
    departure = "depart"
    parameterisation = "param"
    access = "acces"
    password = "motdepasse"
    training = "formation"
    training_request = "demande-formation"  # the MO asks for an employee's training
    employee_change = "modification"  # the MO's HR reports a change to an employee's data
    communique = "communique"
    invoice = "facture"  # and the year-end adjustment (`ajustement-`)


WARNED = "warned"  # the step of a request whose take-in-charge deadline nears


class Listing(Contract):
    """What a request shows in a list (no personal data): its status, whether it breached its
    deadline or came late, the deadline. The workflow sends it with its steps, and the desk's
    records keep it, so lists are read from the database, never cut by the engine's limits."""

    status: str
    breached: bool = False
    late_notice: bool = False
    due: datetime | None = None
    warned: bool = False  # the CA was told the take-in-charge deadline nears


class Listed(BaseModel):
    """One request in a list: what the desk's records (or the engine's visibility) hold of it,
    never personal data. Each list takes the fields it shows."""

    id: str
    process: str = ""
    mo: str = ""
    channel: str = ""
    status: str = ""
    urgent: bool = False
    warned: bool = False
    breached: bool = False
    late_notice: bool = False
    due: datetime | None = None
    started_at: datetime | None = None
    closed_at: datetime | None = None
    assignee: str | None = None  # the agent who took a ticket in charge


class Load(BaseModel):
    """How many open tickets one agent holds in one status (none: not taken yet)."""

    assignee: str | None
    status: str
    count: int
    breached: int


class Order(StrEnum):
    by_id = "id"
    # The queue: urgent first, then the earliest deadline (then the number, to be total).
    queue = "queue"


class ListQuery(Contract):
    """A list, filtered and sorted by the database: one page of `limit` after `cursor`."""

    process: Process | None = None
    mo: str | None = None
    status: str | None = None
    breached: bool | None = None
    late_notice: bool | None = None
    requester: str | None = None  # an MO user's own tickets
    forwarded_to: str | None = None  # a DGGIR pilot's
    assignee: str | None = None  # an agent's own ("my tickets")
    order: Order = Order.by_id
    limit: int = Field(default=100, ge=1, le=MAX_PAGE)
    cursor: str | None = None


class Page(BaseModel):
    """One page of a list, the number of items in the whole list, and where the next begins
    (none: this is the last)."""

    items: list[Listed]
    total: int
    next_cursor: str | None = None


class StepLog(Contract):
    """One thing that happened to a request: what, who, when (and why, for refusals)."""

    kind: str
    actor: str
    at: datetime
    note: str | None = None


class Record(BaseModel):
    """A workflow's state as it reports it: mutable inside the workflow, plain data outside,
    with every step it took."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    steps: list[StepLog] = Field(default_factory=list)

    def log(self, kind: str, actor: str, at: datetime, note: str | None = None) -> None:
        self.steps = [*self.steps, StepLog(kind=kind, actor=actor, at=at, note=note)]

    @property
    def warned(self) -> bool:
        """The CA was told the take-in-charge deadline nears (a `warned` step)."""
        return any(step.kind == WARNED for step in self.steps)


class TakeRequest(Contract):
    agent: ActorCode


class Escalation(Contract):
    """An escalation to the CA supervisors, once per key."""

    idempotency_key: str
    workflow_id: str
    mo: str
    reason: str
    at: datetime
    # None in the payloads of workflows started before kinds existed: read from the key.
    kind: EscalationKind | None = None
    # A warning's take-in-charge deadline, which its mail gives.
    due: datetime | None = None


class Recipient(StrEnum):
    employee = "employee"  # at the work email of the dossier personne
    manager = "manager"  # at the manager's email given in the request
    hr = "hr"  # at the MO's HR email given in the request


class Notice(Contract):
    """A message to send through the mail port. The activity reads names and addresses from the
    dossier personne itself, so they never travel through the history."""

    idempotency_key: str
    mo: str
    employee_number: str
    to: Recipient
    manager_email: str | None = None
    hr_email: str | None = None
    # The wording, put in words by the notice's template (subject and body are what notices
    # carried before templates; kept so the payloads of requests in flight still read).
    wording: Wording | None = None
    subject: str = ""
    body: str = ""


class EmployeeRef(Contract):
    """Which employee (no personal data)."""

    mo: str
    employee_number: str


class KeyedEmployeeStep(Contract):
    """A write about one employee under an idempotency key (workflow id + step)."""

    idempotency_key: str
    mo: str
    employee_number: str
