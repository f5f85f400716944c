"""Training registration in SGA (RULES.md "Training"): the CA registers participants as the MO
instructs or per an employee's development plan; a full session keeps a waiting list, served in
the order people joined it when a place frees."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from models.sagir import EmployeeNumber
from models.tickets import ActorCode, Contract, MoCode

CourseCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
]


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
    """A cancelled place, and who was served from the waiting list in its stead."""

    cancelled: Enrolment
    promoted: Enrolment | None
