"""Changes to an employee's data (issue 16 item 5, "Informer le CA des modifications apportées aux
données des employés"): the MO's HR tells the CA of a new position or unit, a new manager, a new
name, or a move to another MO; the CA reviews the employee's accesses against the new situation,
another agent checks the proposal, and only then is it applied in SAGIR.

The new name itself never travels: HR records it in the dossier personne, and the report only
says that it changed (personal data stays out of the engine's history).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Self

from pydantic import EmailStr, Field, StringConstraints, model_validator

from models.arrivals import GrantStep
from models.departures import BirthDayMonth
from models.requests import Listing, Record
from models.sagir import (
    AccessSnapshot,
    AccountStatus,
    EmployeeNumber,
    GroupName,
    Module,
    Responsibility,
    ResponsibilityCode,
    RuleRefused,
)
from models.service_calendar import MONTREAL
from models.tickets import ActorCode, Contract, Instant, MoCode, ServiceDate

PREFIX = "modification"
Position = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


def change_id(mo: str, employee_number: str, number: int) -> str:
    """`modification-<MO>-<employee>-<n>`: the n-th change reported for that employee."""
    return f"{PREFIX}-{mo}-{employee_number}-{number}"


def change_series(mo: str, employee_number: str) -> str:
    """The counter the changes of one employee are numbered from."""
    return f"{PREFIX}-{mo}-{employee_number}"


def effective_at(day: date) -> datetime:
    """A change is applied from 00:00 Montreal on its effective date."""
    return datetime.combine(day, time(0), MONTREAL)


class MoveToMo(Contract):
    """A move to another MO: a departure from the first MO (its 48-hour rule) and an arrival in
    the second (what the arrival needs: the new MO's authoriser, HR, the accesses asked)."""

    to_mo: MoCode
    employee_number: EmployeeNumber  # in the new MO's dossier personne
    birth: BirthDayMonth  # matches the first MO's dossier personne, as any departure notice
    authorised_by: EmployeeNumber  # a personne autorisée (or relève) of the new MO
    hr_email: EmailStr  # the new MO's HR
    manager_email: EmailStr | None = None
    responsibilities: list[ResponsibilityCode] = Field(default_factory=list, max_length=40)
    partition_group: GroupName | None = None


class EmployeeChangeRequest(Contract):
    """What the MO's HR reports: at least one thing that changes, from the effective date."""

    mo: MoCode
    employee_number: EmployeeNumber
    effective_date: ServiceDate
    new_position: Position | None = None
    new_unit: UnitCode | None = None
    new_manager: EmployeeNumber | None = None
    name_changed: bool = False  # the new name is in the dossier personne, never here
    new_partition_group: GroupName | None = None  # the group of the new unit (cloisonnement)
    move: MoveToMo | None = None
    reported_by: ActorCode
    hr_email: EmailStr  # where the CA tells the MO's HR how it ended

    @model_validator(mode="after")
    def _names_a_change(self) -> Self:
        if not self.changes():
            raise ValueError(
                "changes: name at least one thing that changes (position, unit, manager, name, "
                "partition group or a move to another MO)"
            )
        if self.move is not None and self.move.to_mo == self.mo:
            raise ValueError(f"move.to_mo: a move goes to another MO than {self.mo}")
        if self.new_manager is not None and self.new_manager == self.employee_number:
            raise ValueError("new_manager: an employee is not their own manager")
        return self

    def changes(self) -> list[str]:
        """What changes, by name (no personal data)."""
        named = {
            "position": self.new_position is not None,
            "unit": self.new_unit is not None,
            "manager": self.new_manager is not None,
            "name": self.name_changed,
            "partition_group": self.new_partition_group is not None,
            "move": self.move is not None,
        }
        return [name for name, changed in named.items() if changed]


class StartEmployeeChange(Contract):
    """The workflow's input: the report plus what the desk computed once at receipt (and, for a
    move, the departure and the arrival it started)."""

    id: str
    request: EmployeeChangeRequest
    received_at: Instant
    due: Instant
    departure_id: str | None = None
    arrival_id: str | None = None


class ChangeStatus(StrEnum):
    received = "received"  # waiting for an agent to take it in charge
    in_review = "in_review"  # the agent reviews the accesses and proposes
    to_check = "to_check"  # proposed; waiting for another agent's quality check
    approved = "approved"  # checked; applied at 00:00 on the effective date
    applied = "applied"
    failed = "failed"  # SAGIR refused a write for good: what was applied is undone
    handed_over = "handed_over"  # a move: the departure and the arrival carry it


class AccessReview(Contract):
    """The employee's accesses against the new situation: what SAGIR holds, what the MO's
    positioning gives everyone (to add), what neither it nor the registre d'autorité allows any
    longer (to remove), and the cloisonnement to update."""

    account: AccountStatus | None
    held: list[str]
    defaults: list[str]
    ei: list[str]  # the EI responsibilities among those held and the defaults
    current_group: str | None
    to_add: list[str]
    to_remove: list[str]
    partition_group: str | None = None  # the group to set (None: unchanged)
    clear_partition: bool = False  # no EI responsibility remains: the cloisonnement goes

    def proposal(self) -> Proposal:
        """What the review proposes, before the agent adjusts it."""
        return Proposal(
            grant=self.to_add,
            remove=self.to_remove,
            partition_group=self.partition_group,
            clear_partition=self.clear_partition,
        )


class Proposal(Contract):
    """What the agent proposes to change in SAGIR."""

    grant: list[ResponsibilityCode] = Field(default_factory=list, max_length=40)
    remove: list[ResponsibilityCode] = Field(default_factory=list, max_length=40)
    partition_group: GroupName | None = None
    clear_partition: bool = False


class ReviewInput(Contract):
    """Which employee's accesses to review, and the group the MO named for the new unit."""

    mo: str
    employee_number: str
    new_partition_group: str | None = None


class TakeChange(Contract):
    agent: ActorCode


class ProposeChange(Contract):
    agent: ActorCode
    proposal: Proposal
    note: Note | None = None


class CheckChange(Contract):
    agent: ActorCode
    approved: bool
    note: Note | None = None


class ChangeWrite(Contract):
    """One write of the change in SAGIR, as a step of the arrival's saga: a grant is applied as
    an arrival grants and undone as an arrival undoes; a removal the other way round; a
    cloisonnement change is undone by setting the previous group back."""

    action: str  # grant, remove, partition, clear_partition
    write: GrantStep
    previous_group: str | None = None


class HrNotice(Contract):
    """How the change ended, to the MO's HR at the address of the report."""

    idempotency_key: str
    # Not read by the mail; kept because notices already scheduled carry it, and a contract
    # forbids fields it does not know (their retry would no longer parse).
    mo: str
    employee_number: str
    hr_email: str
    request_id: str
    status: ChangeStatus
    summary: str = ""
    reason: str = ""


class EmployeeChangeState(Record):
    id: str
    mo: str
    employee_number: str
    effective_date: date
    changes: list[str]
    new_position: str | None = None
    new_unit: str | None = None
    new_manager: str | None = None
    new_partition_group: str | None = None
    to_mo: str | None = None
    status: ChangeStatus
    received_at: datetime
    due: datetime
    breached: bool = False
    taken_by: str | None = None
    taken_at: datetime | None = None
    review: AccessReview | None = None
    proposal: Proposal | None = None
    proposed_by: str | None = None
    checked_by: str | None = None
    applied: list[ChangeWrite] = Field(default_factory=list)
    undone: list[ChangeWrite] = Field(default_factory=list)
    applied_at: datetime | None = None
    reason: str | None = None
    departure_id: str | None = None  # a move: the departure from the first MO
    arrival_id: str | None = None  # and the arrival in the second

    def listing(self) -> Listing:
        return Listing(
            status=self.status.value, breached=self.breached, warned=self.warned, due=self.due
        )

    @classmethod
    def initial(cls, start: StartEmployeeChange) -> EmployeeChangeState:
        request = start.request
        state = cls(
            id=start.id,
            mo=request.mo,
            employee_number=request.employee_number,
            effective_date=request.effective_date,
            changes=request.changes(),
            new_position=request.new_position,
            new_unit=request.new_unit,
            new_manager=request.new_manager,
            new_partition_group=request.new_partition_group,
            to_mo=None if request.move is None else request.move.to_mo,
            status=ChangeStatus.received,
            received_at=start.received_at,
            due=start.due,
            departure_id=start.departure_id,
            arrival_id=start.arrival_id,
        )
        state.log("received", request.reported_by, start.received_at, ", ".join(state.changes))
        return state


# --- the rules -------------------------------------------------------------------------------


def review_access(
    access: AccessSnapshot,
    defaults: list[str],
    allowed: set[str],
    catalogue: dict[str, Responsibility],
    new_group: str | None,
) -> AccessReview:
    """The review of an employee's accesses against the new situation: the defaults of the MO's
    positioning the employee lacks are added (when they have an account), the responsibilities
    neither the positioning nor the registre d'autorité allows any longer are removed, the
    cloisonnement moves to the group the MO named, and goes when no EI responsibility remains."""
    held = list(access.responsibilities)
    has_account = access.account in (AccountStatus.prepared, AccountStatus.active)
    to_add = [code for code in defaults if code not in held] if has_account else []
    to_remove = [code for code in held if code not in defaults and code not in allowed]
    kept = [code for code in held if code not in to_remove] + to_add
    ei = [code for code in dict.fromkeys([*held, *defaults]) if _is_ei(code, catalogue)]
    group = new_group if new_group is not None and new_group != access.partition_group else None
    clear = (
        access.partition_group is not None
        and group is None
        and new_group is None
        and not any(code in ei for code in kept)
    )
    return AccessReview(
        account=access.account,
        held=held,
        defaults=list(defaults),
        ei=ei,
        current_group=access.partition_group,
        to_add=to_add,
        to_remove=to_remove,
        partition_group=group,
        clear_partition=clear,
    )


def check_proposal(review: AccessReview, proposal: Proposal) -> None:
    """A proposal grants only defaults of the positioning the employee lacks (anything else is an
    access request a personne autorisée authorises), removes only what the employee holds, and
    leaves no EI responsibility without a cloisonnement."""
    for code in proposal.grant:
        if code not in review.defaults:
            raise RuleRefused(
                "NotADefault",
                f"proposal.grant: {code} is not a default responsibility of the MO's "
                "positioning; other responsibilities need an authorised access request",
            )
        if code in review.held:
            raise RuleRefused("AlreadyHeld", f"proposal.grant: the employee already holds {code}")
    for code in proposal.remove:
        if code not in review.held:
            raise RuleRefused("NotHeld", f"proposal.remove: the employee does not hold {code}")
    if set(proposal.grant) & set(proposal.remove):
        raise RuleRefused(
            "GrantAndRemove", "proposal.remove: a responsibility cannot be granted and removed"
        )
    if proposal.clear_partition and proposal.partition_group is not None:
        raise RuleRefused(
            "PartitionTwice",
            "proposal.partition_group: set a new group or clear the cloisonnement, not both",
        )
    if proposal.clear_partition and review.current_group is None:
        raise RuleRefused(
            "NoPartition", "proposal.clear_partition: the employee has no cloisonnement to clear"
        )
    kept = [code for code in review.held if code not in proposal.remove] + list(proposal.grant)
    ei_kept = [code for code in kept if code in review.ei]
    group = None if proposal.clear_partition else proposal.partition_group or review.current_group
    if ei_kept and group is None:
        raise RuleRefused(
            "EiNeedsCloisonnement",
            f"proposal.partition_group: {', '.join(ei_kept)} is an EI responsibility and needs a "
            "partition group (cloisonnement)",
        )


def change_writes(
    key: str, mo: str, employee_number: str, review: AccessReview, proposal: Proposal
) -> list[ChangeWrite]:
    """The writes that apply a proposal, in order (removals, the cloisonnement, then grants, so
    an EI responsibility never stands without its group); each keyed `<key>/<action>/<what>`."""

    def write(action: str, kind: str, target: str = "") -> GrantStep:
        suffix = f"/{target}" if target else ""
        return GrantStep(
            idempotency_key=f"{key}/{action}{suffix}",
            mo=mo,
            employee_number=employee_number,
            kind=kind,
            target=target,
        )

    writes = [
        ChangeWrite(action="remove", write=write("remove", "responsibility", code))
        for code in proposal.remove
    ]
    previous = review.current_group
    if proposal.partition_group is not None and proposal.partition_group != previous:
        writes.append(
            ChangeWrite(
                action="partition",
                write=write("partition", "partition", proposal.partition_group),
                previous_group=previous,
            )
        )
    elif proposal.clear_partition and previous is not None:
        writes.append(
            ChangeWrite(
                action="clear_partition",
                write=write("clear_partition", "partition", previous),
                previous_group=previous,
            )
        )
    writes += [
        ChangeWrite(action="grant", write=write("grant", "responsibility", code))
        for code in proposal.grant
    ]
    return writes


def restore_group(change: ChangeWrite) -> GrantStep:
    """The write that sets a changed cloisonnement back to its previous group."""
    return change.write.model_copy(
        update={
            "idempotency_key": f"{change.write.idempotency_key}/restore",
            "target": change.previous_group or "",
        }
    )


def summary(writes: list[ChangeWrite]) -> str:
    """What was applied, in a line (codes and group names only)."""
    return "; ".join(f"{change.action} {change.write.target}".strip() for change in writes)


def _is_ei(code: str, catalogue: dict[str, Responsibility]) -> bool:
    found = catalogue.get(code)
    return found is not None and found.module is Module.EI
