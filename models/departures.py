"""Departure of an employee (RULES.md "Departure of an employee", the 48-hour rule)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import Field

from models.requests import Listing, Record
from models.sagir import EmployeeNumber
from models.service_calendar import MONTREAL
from models.tickets import ActorCode, Contract, Instant, MoCode, ServiceDate

RECORD_DELAY = timedelta(hours=48)
BIRTH_MISMATCH = "birth day and month: they do not match the dossier personne of the employee"
LATE_NOTICE = timedelta(hours=48)


def departure_id(mo: str, employee_number: str) -> str:
    return f"depart-{mo}-{employee_number}"


def end_of_day(day: date) -> datetime:
    """The end of `day` in Montreal: 00:00 local on the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), MONTREAL)


class BirthDayMonth(Contract):
    """Used only to match the dossier personne. Personal data: sealed in the history."""

    birth_day: int = Field(ge=1, le=31)
    birth_month: int = Field(ge=1, le=12)

    def __repr__(self) -> str:
        return "BirthDayMonth(**)"

    __str__ = __repr__


class DepartureRequest(Contract):
    """What the MO's HR sends."""

    mo: MoCode
    employee_number: EmployeeNumber
    departure_date: ServiceDate
    birth: BirthDayMonth
    immediate: bool = False
    notified_by: ActorCode
    # The employee-data change (a move to another MO) this departure carries, if any.
    change_id: str | None = None


class DepartureNotice(Contract):
    """The workflow's input (and a second notice's): the request plus what the desk computed."""

    id: str
    request: DepartureRequest
    notified_at: Instant
    due: Instant
    end_of_departure_date: Instant


class DepartureStatus(StrEnum):
    received = "received"
    in_charge = "in_charge"
    accesses_removed = "accesses_removed"
    completed = "completed"
    refused = "refused"


FINAL_DEPARTURE_STATUSES = frozenset({DepartureStatus.completed, DepartureStatus.refused})


class RecordDeparture(Contract):
    by: ActorCode


class RecordRefused(ValueError):
    pass


class DepartureState(Record):
    id: str
    mo: str
    employee_number: str
    departure_date: date
    immediate: bool
    status: DepartureStatus
    first_notice_at: datetime
    latest_notice_at: datetime
    notices: int = 1
    due: datetime
    end_of_departure_date: datetime
    late: bool = False
    escalated_late: bool = False
    taken_by: str | None = None
    taken_at: datetime | None = None
    breached: bool = False
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    removed_at: datetime | None = None
    verified_empty: bool = False
    reason: str | None = None

    def listing(self) -> Listing:
        return Listing(
            status=self.status.value,
            breached=self.breached,
            warned=self.warned,
            late_notice=self.late,
            due=self.due,
        )

    @classmethod
    def initial(cls, notice: DepartureNotice) -> DepartureState:
        """The state as notified: the workflow starts from it, the desk's search attributes too."""
        request = notice.request
        state = cls(
            id=notice.id,
            mo=request.mo,
            employee_number=request.employee_number,
            departure_date=request.departure_date,
            immediate=request.immediate,
            status=DepartureStatus.received,
            first_notice_at=notice.notified_at,
            latest_notice_at=notice.notified_at,
            due=notice.due,
            end_of_departure_date=notice.end_of_departure_date,
            late=is_late(notice.notified_at, notice.end_of_departure_date),
        )
        linked = None if request.change_id is None else f"change {request.change_id}"
        state.log("notice", request.notified_by, notice.notified_at, linked)
        return state

    @property
    def record_allowed_at(self) -> datetime:
        return record_allowed_at(self.first_notice_at)

    @property
    def removal_at(self) -> datetime:
        return self.latest_notice_at if self.immediate else self.end_of_departure_date


def record_allowed_at(notice_at: datetime) -> datetime:
    """The MO may record the departure 48 hours or more after its notice."""
    return notice_at + RECORD_DELAY


def check_record_allowed(notice_at: datetime, now: datetime) -> None:
    allowed = record_allowed_at(notice_at)
    if now < allowed:
        local = allowed.astimezone(MONTREAL).strftime("%Y-%m-%d %H:%M")
        raise RecordRefused(
            "the departure may be recorded in the dossier personne only 48 hours after the "
            f"notice: from {local} (Montreal time)"
        )


def is_late(notice_at: datetime, end_of_departure_date: datetime) -> bool:
    """A notice given less than 48 hours before the end of the departure date is late."""
    return end_of_departure_date - notice_at < LATE_NOTICE


class BirthMatch(Contract):
    mo: str
    employee_number: str
    birth: BirthDayMonth


class DepartureWrite(Contract):
    idempotency_key: str
    mo: str
    employee_number: str
    departure_date: date
