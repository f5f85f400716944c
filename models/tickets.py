"""Ticket contracts: the workflow's input, one model per step, and the state it reports."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from models.sla import Channel

TICKET_ID_PATTERN = re.compile(r"^T-(\d{4})-(\d{6})$")
MO_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,11}$"


def ticket_number(year: int, sequence: int) -> str:
    """The human-friendly ticket number, e.g. T-2026-000123."""
    return f"T-{year:04d}-{sequence:06d}"


# The years the service's calendar and every date a person gives may fall in: outside them a
# date is a typing error (0001, 9999), refused in one sentence before anything is computed.
FIRST_YEAR, LAST_YEAR = 2000, 2100
D = TypeVar("D", date, datetime)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a UTC offset")
    return value


def _in_service_years(value: D) -> D:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must fall between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ActorCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")
]
MoCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=MO_CODE_PATTERN)]
# An address a notice can go to: one mailbox, no display name, no spaces (RFC 5321's length).
_MAILBOX_PART = r"[^@\s<>(),;:\"\[\]]+"
EmailAddress = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=rf"^{_MAILBOX_PART}@{_MAILBOX_PART}\.{_MAILBOX_PART}$",
    ),
]


class Language(StrEnum):
    """The language of a person's notices: French, the service's, unless their profile asks for
    English."""

    fr = "fr"
    en = "en"


# The schema says it too, so a client (and a fuzzer) learns the range from the OpenAPI document.
_YEARS = r"(20\d\d|2100)"
Instant = Annotated[
    datetime,
    AfterValidator(_aware),
    AfterValidator(_in_service_years),
    Field(json_schema_extra={"pattern": rf"^{_YEARS}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$"}),
]
ServiceDate = Annotated[
    date,
    AfterValidator(_in_service_years),
    Field(json_schema_extra={"pattern": rf"^{_YEARS}-\d\d-\d\d$"}),
]


MAX_PAGE = 500  # the most items a list gives in one page


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TicketStatus(StrEnum):
    received = "received"
    in_charge = "in_charge"
    forwarded = "forwarded"
    waiting_client = "waiting_client"
    awaiting_qa = "awaiting_qa"
    returned = "returned"
    closed = "closed"


OPEN_STATUSES = frozenset(set(TicketStatus) - {TicketStatus.closed})


class StepKind(StrEnum):
    received = "received"
    warned = "warned"  # the CA was told the take-in-charge deadline nears
    breached = "breached"
    take = "take"
    forward = "forward"
    back = "back"
    ask = "ask"
    answer = "answer"
    propose = "propose"
    check = "check"
    return_ = "return"
    close = "close"
    reopen = "reopen"
    message = "message"  # the client wrote; the status does not change
    reminder = "reminder"  # the client reminded of the CA's question (an open day's opening)
    closed_no_answer = "closed_no_answer"  # no answer to the question after the open days set
    follow_up = "follow_up"  # the pilot or intervenant reminded; the agent told to follow up


class ForwardTarget(StrEnum):
    """Who a ticket is forwarded to: a DGGIR pilot (second level) or another intervenant."""

    dggir_pilot = "dggir_pilot"
    intervenant = "intervenant"


class OpenTicket(Contract):
    """The ticket workflow's input. `due` is computed once, at receipt, by the opening service."""

    ticket_id: Annotated[str, StringConstraints(pattern=TICKET_ID_PATTERN.pattern)]
    mo: MoCode
    channel: Channel
    urgent: bool = False
    requester: ShortText
    subject: ShortText
    description: Text
    module: ShortText
    received_at: Instant
    due: Instant
    # Follow-ups (patch `ticket-follow-ups`): open days a question waits for the client before
    # the ticket is closed, and open days between reminders of a ticket forwarded.
    answer_wait_open_days: int = Field(default=5, ge=1, le=60)
    forward_reminder_open_days: int = Field(default=2, ge=1, le=30)
    # A long-lived ticket continues as new once its run's history holds this many events
    # (SAGIR_TICKET_CONTINUE_AFTER_EVENTS), so no run's history grows large.
    continue_after_events: int = Field(default=200, ge=20, le=40_000)
    # What the run before handed on, when this run continues it; None for a new ticket.
    carried: TicketCarried | None = None


class TakeTicket(Contract):
    agent: ActorCode


class ForwardTicket(Contract):
    agent: ActorCode
    target: ForwardTarget
    to: ShortText
    note: Text


class BringBack(Contract):
    """The forwarded ticket comes back from the pilot or intervenant."""

    by: ActorCode
    note: Text


class AskClient(Contract):
    agent: ActorCode
    question: Text


class RecordAnswer(Contract):
    by: ActorCode
    answer: Text


class ProposeSolution(Contract):
    agent: ActorCode
    solution: Text


class CheckQuality(Contract):
    """The quality check of the proposed solution and of the data in SAGIR."""

    agent: ActorCode
    approved: bool
    note: Text | None = None


class ReturnToClient(Contract):
    agent: ActorCode
    note: Text | None = None


class CloseTicket(Contract):
    agent: ActorCode


class ReopenTicket(Contract):
    by: ActorCode
    reason: Text


class ClientMessage(Contract):
    """The client writes about their ticket (a reply by mail, say). It answers the CA's question
    when the ticket waits on the client; it reopens a returned ticket, within its window, only
    when the client asks to (`reopen`); otherwise it is a message the agent sees."""

    by: ShortText
    text: Text
    reopen: bool = False
    # The attachments that came with it, by digest (the files are kept outside the history).
    attachments: list[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]] = Field(
        default_factory=list, max_length=50
    )


class Step(Contract):
    """One thing that happened to a ticket: what, who, when."""

    seq: int
    kind: StepKind
    actor: str
    at: datetime
    note: str | None = None


class Proposal(Contract):
    solution: str
    by: str
    at: datetime


class QualityCheck(Contract):
    approved: bool
    by: str
    at: datetime
    note: str | None = None


class TicketState(Contract):
    """Everything known about one ticket; what `ticket show` prints."""

    id: str
    mo: str
    channel: Channel
    urgent: bool
    requester: str
    subject: str
    description: str
    module: str
    received_at: datetime
    due: datetime
    status: TicketStatus
    warned_at: datetime | None = None
    breached: bool = False
    escalated_at: datetime | None = None
    assignee: str | None = None
    taken_at: datetime | None = None
    forwarded_to: str | None = None
    forward_target: ForwardTarget | None = None
    question: str | None = None
    proposal: Proposal | None = None
    quality_check: QualityCheck | None = None
    returned_at: datetime | None = None
    reopen_until: datetime | None = None
    closed_at: datetime | None = None
    steps: list[Step] = Field(default_factory=list)

    @property
    def version(self) -> int:
        """Grows with every step; the projection keeps only the newest version it sees."""
        return len(self.steps)


class TicketCarried(Contract):
    """What a ticket's run hands to the next when it continues as new: its state and every
    choice made so far (the patches it runs under, its timers' instants, its counts), so the
    ticket goes on as if nothing happened, under the same id."""

    state: TicketState
    recorded_version: int
    audit_run: str  # the first run's id: the audit trail keys every step of the ticket by it
    notices: bool
    follow_ups: bool
    warn_at: datetime | None = None
    reminded_for: datetime | None = None
    follow_at: datetime | None = None
    follow_for: int | None = None
    open_days: int = 0
    # The ids of the newest steps taken (updates), so one sent again is not taken twice.
    update_ids: list[str] = Field(default_factory=list)


class TicketDetails(Contract):
    """What a ticket's projection keeps beside its listed columns, so the desk reads a whole
    ticket from its records (sealed at rest: the subject, the question and the solution are
    people's words)."""

    subject: str
    description: str
    warned_at: datetime | None = None
    escalated_at: datetime | None = None
    forward_target: ForwardTarget | None = None
    question: str | None = None
    proposal: Proposal | None = None
    quality_check: QualityCheck | None = None
    returned_at: datetime | None = None
    reopen_until: datetime | None = None
    closed_at: datetime | None = None


class TicketRecord(Contract):
    """The desk's projection of a ticket, written to the database by an idempotent activity."""

    id: str
    mo: str
    channel: Channel
    urgent: bool
    status: TicketStatus
    received_at: datetime
    due: datetime
    taken_at: datetime | None
    assignee: str | None
    breached: bool
    version: int
    steps: list[Step]
    warned: bool = False
    module: str = ""  # empty in the payloads of tickets projected before it was kept
    # Who may see it beside the CA: the MO user who asked, the pilot it was forwarded to.
    requester: str | None = None
    forwarded_to: str | None = None
    # The rest of the ticket (None in the payloads of tickets projected before it was kept).
    details: TicketDetails | None = None
    # The run whose steps these are, when the same write appends them to the audit trail (one
    # write per step); None when the audit feed sends them apart (tickets opened before).
    audit_run: str | None = None

    @classmethod
    def of(cls, state: TicketState, since: int = 0, audit_run: str | None = None) -> TicketRecord:
        """The projection of `state`, with its steps after the first `since` (those already
        recorded: each step travels to the records once, and a long ticket's history does not
        grow with the square of its steps)."""
        return cls(
            details=TicketDetails(
                subject=state.subject,
                description=state.description,
                warned_at=state.warned_at,
                escalated_at=state.escalated_at,
                forward_target=state.forward_target,
                question=state.question,
                proposal=state.proposal,
                quality_check=state.quality_check,
                returned_at=state.returned_at,
                reopen_until=state.reopen_until,
                closed_at=state.closed_at,
            ),
            audit_run=audit_run,
            id=state.id,
            mo=state.mo,
            channel=state.channel,
            urgent=state.urgent,
            status=state.status,
            received_at=state.received_at,
            due=state.due,
            taken_at=state.taken_at,
            assignee=state.assignee,
            breached=state.breached,
            version=state.version,
            steps=state.steps[since:],
            warned=state.warned_at is not None,
            module=state.module,
            requester=state.requester,
            forwarded_to=state.forwarded_to,
        )

    @property
    def first_seq(self) -> int:
        """The number of the first step this record carries (steps are numbered from 1)."""
        return self.version - len(self.steps) + 1

    def state(self) -> TicketState | None:
        """The whole ticket, when this record holds its details and every step from the first;
        None otherwise (a ticket projected before the details were kept)."""
        if self.details is None or self.requester is None or self.first_seq != 1:
            return None
        return TicketState(
            id=self.id,
            mo=self.mo,
            channel=self.channel,
            urgent=self.urgent,
            requester=self.requester,
            module=self.module,
            received_at=self.received_at,
            due=self.due,
            status=self.status,
            breached=self.breached,
            assignee=self.assignee,
            taken_at=self.taken_at,
            forwarded_to=self.forwarded_to,
            steps=self.steps,
            **self.details.model_dump(),
        )


class StepDone(Contract):
    """What a ticket's step answers its caller: the step taken, the ticket's status and version
    after it (the whole ticket is read from the desk's records, current once this returns)."""

    ticket_id: str
    version: int
    status: TicketStatus
    step: Step

    @classmethod
    def of(cls, state: TicketState) -> StepDone:
        return cls(
            ticket_id=state.id, version=state.version, status=state.status, step=state.steps[-1]
        )


class BreachEscalation(Contract):
    """A ticket not taken in charge by its deadline, escalated to the CA supervisor."""

    idempotency_key: str
    ticket_id: str
    mo: str
    due: datetime
    breached_at: datetime
    # None in the payloads of tickets breached before the escalation mail said when it came.
    received_at: datetime | None = None


class TicketBreach(Contract):
    """What a breach does, in one activity: the ticket's projection with its `breached` step,
    then the escalation (the list and the supervisors' mail), each once."""

    escalation: BreachEscalation
    record: TicketRecord


class ReopenUntilRequest(Contract):
    returned_at: datetime


class WarningRequest(Contract):
    """When to warn the CA that a request nears its take-in-charge deadline (a local activity's
    input: the answer, kept in the history, never changes with the holiday list)."""

    channel: Channel
    received_at: datetime
    due: datetime
    # When the request started (a request received earlier and entered late): a warning whose
    # instant has passed is given at the first open instant from then, never at night.
    now: datetime | None = None


class TicketRequest(Contract):
    """A request as it reaches the desk, before it has a number or a deadline."""

    mo: MoCode
    channel: Channel
    urgent: bool = False
    requester: ShortText
    subject: ShortText
    description: Text
    module: ShortText
    received_at: Instant | None = None
    # Where the ticket's notices go (kept sealed by the desk, never in the workflow's history);
    # without it the requester is told nothing by mail.
    contact_email: EmailAddress | None = Field(default=None, repr=False)
    language: Language = Language.fr


OpenTicket.model_rebuild()  # its `carried` names TicketState, defined after it
