"""Password help (RULES.md "Parameterisation, access and security requests"): the CA helps a
user through a reset, identity checked first. The temporary secret is made and mailed inside one
activity: it never travels through the engine, a response or a log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from models.departures import BirthDayMonth
from models.requests import Listing, Record, StepLog
from models.sagir import EmployeeNumber
from models.tickets import ActorCode, Contract, Instant, MoCode


def password_reset_id(mo: str, year: int, number: int) -> str:
    return f"motdepasse-{mo}-{year}-{number:06d}"


class PasswordResetRequest(Contract):
    """Taken by an agent on the user's call: who the user says they are."""

    mo: MoCode
    employee_number: EmployeeNumber
    birth: BirthDayMonth  # personal data: sealed in the history
    agent: ActorCode


class StartPasswordReset(Contract):
    id: str
    request: PasswordResetRequest
    received_at: Instant


class PasswordStatus(StrEnum):
    checking = "checking"
    reset = "reset"
    refused = "refused"
    failed = "failed"


class PasswordResetState(Record):
    id: str
    mo: str
    employee_number: str
    agent: str
    status: PasswordStatus
    received_at: datetime
    reset_at: datetime | None = None
    reason: str | None = None

    def listing(self) -> Listing:
        return Listing(status=self.status.value)

    @classmethod
    def initial(cls, start: StartPasswordReset) -> PasswordResetState:
        request = start.request
        return cls(
            id=start.id,
            mo=request.mo,
            employee_number=request.employee_number,
            agent=request.agent,
            status=PasswordStatus.checking,
            received_at=start.received_at,
            steps=[StepLog(kind="received", actor=request.agent, at=start.received_at)],
        )


class ResetPassword(Contract):
    """Reset once under this key and mail the secret to the user's work email."""

    idempotency_key: str
    mo: str
    employee_number: str
