"""Training requests (demandes de formation, issue 16 item 5): the MO asks the CA for an
employee's training in an SGA course over a wished period; a CA agent takes the request in charge
(24-hour rule) and registers the employee in a session of that course whose first day falls in
the period (the waiting list when it is full), or refuses it. Contracts and the pure rules the
desk and the workflow both apply."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import StringConstraints, model_validator

from models.requests import Listing, Process, Record, StepLog
from models.sagir import EmployeeNumber, RuleRefused
from models.tickets import ActorCode, Contract, Instant, MoCode, ServiceDate
from models.training import CourseCode, Enrol, Enrolment

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


def training_request_id(mo: str, year: int, number: int) -> str:
    """`demande-formation-<MO>-<year>-<n>`, numbered as parameterisation requests are."""
    return f"{Process.training_request.value}-{mo}-{year}-{number:06d}"


class TrainingRequest(Contract):
    """What the MO sends: the employee, the course, when they wish to take it, and why. A
    personne autorisée (or relève) of the MO authorises it; the MO's HR may send it for them."""

    mo: MoCode
    employee_number: EmployeeNumber
    course: CourseCode
    wished_from: ServiceDate
    wished_until: ServiceDate
    reason: Reason
    authorised_by: EmployeeNumber  # told of the outcome at their dossier personne's address
    requested_by: ActorCode

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.wished_until < self.wished_from:
            raise ValueError("wished_until: must be on or after wished_from")
        return self


def check_wished_period(request: TrainingRequest, today: date) -> None:
    """A wished period lies ahead: it may begin today, not before."""
    if request.wished_from < today:
        raise RuleRefused(
            "PeriodInThePast",
            f"wished_from: {request.wished_from} is in the past; the wished period begins today "
            "or later",
        )


class TrainingRequestStatus(StrEnum):
    received = "received"  # waiting for an agent to take it in charge
    in_progress = "in_progress"
    registered = "registered"
    wait_listed = "wait_listed"  # the session was full: on its waiting list
    refused = "refused"


FINAL_TRAINING_REQUEST_STATUSES = frozenset(
    {
        TrainingRequestStatus.registered,
        TrainingRequestStatus.wait_listed,
        TrainingRequestStatus.refused,
    }
)


class StartTrainingRequest(Contract):
    """The workflow's input: the request plus what the desk computed once at receipt."""

    id: str
    request: TrainingRequest
    received_at: Instant
    due: Instant


class TakeTrainingRequest(Contract):
    agent: ActorCode


class RegisterInSession(Contract):
    """The agent names the session; the desk adds what SGA says of it (its course, its first
    day, when it begins), read once, so the workflow's validator checks it without I/O."""

    agent: ActorCode
    session: CourseCode
    course: CourseCode
    starts_on: date
    starts_at: Instant  # 00:00 Montreal on its first day


class ChosenSession(Contract):
    """The session an agent names to register the employee in."""

    session: CourseCode


class UnansweredEnrolment(Contract):
    """An enrolment SGA did not answer in time: it may have made it all the same, and lost the
    answer. The request keeps it, so a place it made is never left behind: registering in the
    same session again finds it (SGA enrols a person once per session), and a request ending
    otherwise withdraws it."""

    enrol: Enrol
    since: datetime  # when the agent asked: no attempt of it began before
    until: datetime  # when the request gave up: no attempt of it began after

    def made(self, enrolment: Enrolment) -> bool:
        """Whether SGA's enrolment is this attempt's: in its agent's name, on its basis, asked
        while it was being tried. A place SGA held otherwise (the CA's own) is not."""
        return (
            enrolment.requested_by == self.enrol.by
            and enrolment.basis is self.enrol.basis
            and self.since <= enrolment.requested_at <= self.until
        )


class RefuseTrainingRequest(Contract):
    agent: ActorCode
    reason: Reason


class TrainingRequestState(Record):
    id: str
    mo: str
    employee_number: str
    course: str
    wished_from: date
    wished_until: date
    reason: str
    authorised_by: str
    requested_by: str
    status: TrainingRequestStatus
    received_at: datetime
    due: datetime
    breached: bool = False
    taken_by: str | None = None
    taken_at: datetime | None = None
    session: str | None = None
    registration: str | None = None  # the registration workflow that follows the place
    waiting_position: int | None = None
    refusal: str | None = None

    def listing(self) -> Listing:
        return Listing(
            status=self.status.value, breached=self.breached, warned=self.warned, due=self.due
        )

    @classmethod
    def initial(cls, start: StartTrainingRequest) -> TrainingRequestState:
        request = start.request
        return cls(
            id=start.id,
            mo=request.mo,
            employee_number=request.employee_number,
            course=request.course,
            wished_from=request.wished_from,
            wished_until=request.wished_until,
            reason=request.reason,
            authorised_by=request.authorised_by,
            requested_by=request.requested_by,
            status=TrainingRequestStatus.received,
            received_at=start.received_at,
            due=start.due,
            steps=[StepLog(kind="received", actor=request.requested_by, at=start.received_at)],
        )


def check_session_fits(
    request: TrainingRequestState, session: str, course: str, starts_on: date
) -> None:
    """The session is one of the requested course, and its first day is in the wished period."""
    if course != request.course:
        raise RuleRefused(
            "OtherCourse",
            f"session: {session} is a session of {course}, not of the requested {request.course}",
        )
    if not request.wished_from <= starts_on <= request.wished_until:
        raise RuleRefused(
            "OutsideWishedPeriod",
            f"session: {session} begins on {starts_on}, outside the wished period "
            f"{request.wished_from} to {request.wished_until}",
        )
