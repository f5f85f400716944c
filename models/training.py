"""Training registration in SGA (RULES.md "Training"): the CA registers participants as the MO
instructs or per an employee's development plan; a full session keeps a waiting list, served in
the order people joined it when a place frees."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from models.requests import Listing, Record, StepLog
from models.sagir import EmployeeNumber
from models.tickets import ActorCode, Contract, Instant, MoCode

COURSE_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{1,39}$"
CourseCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=COURSE_CODE_PATTERN)]


class Course(Contract):
    code: CourseCode
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Session(Contract):
    code: CourseCode
    course: CourseCode
    starts_on: date
    capacity: int = Field(ge=1, le=500)


class Basis(StrEnum):
    mo_instruction = "mo_instruction"  # the MO asked for it
    development_plan = "development_plan"  # the employee's development plan names it


class EnrolmentStatus(StrEnum):
    registered = "registered"
    waiting = "waiting"
    cancelled = "cancelled"


class Enrol(Contract):
    session: CourseCode
    mo: MoCode
    employee_number: EmployeeNumber
    basis: Basis
    by: ActorCode


class Enrolment(Contract):
    session: str
    mo: str
    employee_number: str
    status: EnrolmentStatus
    basis: Basis
    requested_by: str
    requested_at: datetime
    waiting_position: int | None = None  # 1 = next to be served


class SessionView(Contract):
    session: Session
    registered: int
    waiting: int

    @property
    def places_left(self) -> int:
        return max(0, self.session.capacity - self.registered)


class Cancellation(Contract):
    """A cancelled place, and who was served from the waiting list in its stead (the same
    answer when the cancellation is asked again)."""

    cancelled: Enrolment
    promoted: Enrolment | None


def training_id(session: str, mo: str, employee_number: str) -> str:
    return f"formation-{session}-{mo}-{employee_number}"


class EnrolmentRef(Contract):
    session: str
    mo: str
    employee_number: str


class StartTraining(Contract):
    """The workflow's input: the enrolment plus what the desk read once: when the session starts
    (00:00 Montreal on its first day), when a waiting list stops being served."""

    id: str
    enrol: Enrol
    requested_at: Instant
    session_starts_at: Instant


class TrainingStatus(StrEnum):
    requested = "requested"
    registered = "registered"
    waiting = "waiting"
    cancelled = "cancelled"
    not_served = "not_served"  # still waiting when the session began


class CancelPlace(Contract):
    agent: ActorCode


class ParticipantNotice(Contract):
    """Tell the participant where they stand (the address comes from the dossier personne)."""

    idempotency_key: str
    mo: str
    employee_number: str
    session: str
    status: TrainingStatus
    waiting_position: int | None = None


class TrainingState(Record):
    id: str
    session: str
    mo: str
    employee_number: str
    basis: Basis
    requested_by: str
    status: TrainingStatus
    waiting_position: int | None = None
    session_starts_at: datetime

    def listing(self) -> Listing:
        return Listing(status=self.status.value)

    @classmethod
    def initial(cls, start: StartTraining) -> TrainingState:
        enrol = start.enrol
        return cls(
            id=start.id,
            session=enrol.session,
            mo=enrol.mo,
            employee_number=enrol.employee_number,
            basis=enrol.basis,
            requested_by=enrol.by,
            status=TrainingStatus.requested,
            session_starts_at=start.session_starts_at,
            steps=[StepLog(kind="requested", actor=enrol.by, at=start.requested_at)],
        )
