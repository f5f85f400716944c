"""Arrival of a new employee (RULES.md "Arrival of a new employee"): contracts and pure rules."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import EmailStr, Field

from models.requests import Listing, Record
from models.sagir import EmployeeNumber, GroupName, ResponsibilityCode
from models.tickets import ActorCode, Contract, Instant, MoCode, ServiceDate

PARAMETER_NAME = r"^[a-z][a-z0-9_.-]{0,59}$"


def arrival_id(mo: str, employee_number: str) -> str:
    return f"arrivee-{mo}-{employee_number}"


class ArrivalRequest(Contract):
    """What the MO's HR sends."""

    mo: MoCode
    employee_number: EmployeeNumber
    start_date: ServiceDate
    responsibilities: list[ResponsibilityCode] = Field(default_factory=list, max_length=40)
    partition_group: GroupName | None = None
    parameters: dict[str, str] = Field(default_factory=dict, max_length=40)
    training: list[ResponsibilityCode] = Field(default_factory=list, max_length=20)
    authorised_by: EmployeeNumber
    requested_by: ActorCode
    manager_email: EmailStr | None = None
    # Where the CA reaches the MO's HR (reminders, refusals). The desk requires it; it is
    # optional here only so that requests started before it was required still load.
    hr_email: EmailStr | None = None
    # The employee-data change (a move from another MO) this arrival carries, if any.
    change_id: str | None = None


class StartArrival(Contract):
    """The workflow's input: the request plus what the desk computed once at receipt."""

    id: str
    request: ArrivalRequest
    received_at: Instant
    due: Instant
    activate_at: Instant  # 00:00 Montreal on the start date
    dossier_wait_open_days: int = Field(ge=1, le=60)


class ArrivalStatus(StrEnum):
    waiting_for_dossier = "waiting_for_dossier"
    received = "received"  # checked; waiting for an agent to take it in charge
    preparing = "preparing"
    prepared = "prepared"  # accesses ready, not active before the start date
    active = "active"
    refused = "refused"
    failed = "failed"


FINAL_ARRIVAL_STATUSES = frozenset(
    {ArrivalStatus.active, ArrivalStatus.refused, ArrivalStatus.failed}
)


class DossierCheck(Contract):
    """Whether the dossier personne exists and its email works (no personal data)."""

    found: bool
    email_works: bool = False


class ArrivalPlan(Contract):
    """What the checks allow: the responsibilities to grant, in order."""

    responsibilities: list[str]


class GrantStep(Contract):
    """One write to SAGIR in the arrival saga, and how to undo it."""

    idempotency_key: str
    mo: str
    employee_number: str
    kind: str  # account, responsibility, partition, parameter, training
    target: str = ""
    value: str = ""


class ArrivalState(Record):
    id: str
    mo: str
    employee_number: str
    start_date: date
    status: ArrivalStatus
    received_at: datetime
    due: datetime
    activate_at: datetime
    taken_by: str | None = None
    taken_at: datetime | None = None
    breached: bool = False
    reminders: int = 0
    granted: list[GrantStep] = Field(default_factory=list)
    undone: list[GrantStep] = Field(default_factory=list)
    reason: str | None = None
    activated_at: datetime | None = None

    def listing(self) -> Listing:
        return Listing(
            status=self.status.value, breached=self.breached, warned=self.warned, due=self.due
        )

    @classmethod
    def initial(cls, start: StartArrival) -> ArrivalState:
        """The state as received: the workflow starts from it, the desk's search attributes too."""
        request = start.request
        state = cls(
            id=start.id,
            mo=request.mo,
            employee_number=request.employee_number,
            start_date=request.start_date,
            status=ArrivalStatus.waiting_for_dossier,
            received_at=start.received_at,
            due=start.due,
            activate_at=start.activate_at,
        )
        linked = None if request.change_id is None else f"change {request.change_id}"
        state.log("received", request.requested_by, start.received_at, linked)
        return state


def saga_steps(workflow_id: str, request: ArrivalRequest, plan: ArrivalPlan) -> list[GrantStep]:
    """The writes that prepare an arrival, in order; each key is the workflow id and step."""

    def step(kind: str, target: str = "", value: str = "") -> GrantStep:
        suffix = f"/{target}" if target else ""
        return GrantStep(
            idempotency_key=f"{workflow_id}/{kind}{suffix}",
            mo=request.mo,
            employee_number=request.employee_number,
            kind=kind,
            target=target,
            value=value,
        )

    steps = [step("account")]
    steps += [step("responsibility", code) for code in plan.responsibilities]
    if request.partition_group is not None:
        steps.append(step("partition", request.partition_group))
    steps += [step("parameter", name, value) for name, value in sorted(request.parameters.items())]
    steps += [step("training", course) for course in request.training]
    return steps


class ArrivalCheck(Contract):
    request: ArrivalRequest
    day: date  # the day the request was received: the registre is read as of that day
