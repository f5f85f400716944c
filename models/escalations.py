"""Escalations to the CA supervisors: what kinds there are, how one reads in a list, and a
supervisor's acknowledgement. No personal data: a workflow id, an MO, a reason in plain words."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from models.tickets import MAX_PAGE, ActorCode, Contract, MoCode, ServiceDate


class EscalationKind(StrEnum):
    warning = "warning"  # a request whose take-in-charge deadline nears (told once, before)
    breach = "breach"  # a request not taken in charge by its deadline
    late_notice = "late_notice"  # a departure notice given less than 48 hours before the end
    removal_failed = "removal_failed"  # accesses still in SAGIR after a departure's removal
    given_up = "given_up"  # a request closed for want of a dossier or an answer
    mail_failed = "mail_failed"  # a notice the mail server refused, or never took
    invoice_overdue = "invoice_overdue"  # an invoice unpaid at its due date, then every 15 days


def kind_of_key(idempotency_key: str) -> EscalationKind:
    """The kind of an escalation recorded without one (before kinds existed), from its key."""
    step = idempotency_key.rsplit("/", 1)[-1]
    return {
        "warning": EscalationKind.warning,
        "late": EscalationKind.late_notice,
        "removal": EscalationKind.removal_failed,
        "given-up": EscalationKind.given_up,
        "mail-failed": EscalationKind.mail_failed,
    }.get(step, EscalationKind.breach)


class EscalationView(Contract):
    """One escalation as supervisors list it."""

    key: str
    kind: EscalationKind
    workflow_id: str
    mo: str
    reason: str
    at: datetime
    notified: list[str]
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class EscalationQuery(Contract):
    """Which escalations: by MO, kind, day range (Montréal days, inclusive) and whether a
    supervisor acknowledged them; newest first, a page at a time."""

    mo: MoCode | None = None
    kind: EscalationKind | None = None
    since: ServiceDate | None = None
    until: ServiceDate | None = None
    acknowledged: bool | None = None
    limit: int = Field(default=100, ge=1, le=MAX_PAGE)
    cursor: str | None = None


class EscalationPage(Contract):
    items: list[EscalationView]
    next_cursor: str | None = None
    total: int


class Acknowledge(Contract):
    """A supervisor acknowledges an escalation: they have seen it and act on it."""

    by: ActorCode
