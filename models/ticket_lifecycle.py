"""The ticket lifecycle of RULES.md as pure transitions.

Each function takes the current state, the step and the instant, and returns the new state, or
raises `StepRefused` with a reason a person can act on. Nothing is mutated, so a workflow's
update validator can call the same function its handler calls and discard the result.

received -> in_charge -> (forwarded -> in_charge) -> (waiting_client -> in_charge)
         -> awaiting_qa -> (quality check by another agent) -> returned -> closed,
and the client may reopen within 10 open days of the return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    ClientMessage,
    CloseTicket,
    ForwardTicket,
    OpenTicket,
    Proposal,
    ProposeSolution,
    QualityCheck,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    Step,
    StepKind,
    TakeTicket,
    TicketState,
    TicketStatus,
)

SYSTEM = "system"


class StepRefused(ValueError):
    """A step that does not fit the ticket's current state; the message says why."""


def open_ticket(ticket: OpenTicket) -> TicketState:
    if ticket.due < ticket.received_at:
        raise StepRefused("due: the deadline cannot come before the request was received")
    state = TicketState(
        id=ticket.ticket_id,
        mo=ticket.mo,
        channel=ticket.channel,
        urgent=ticket.urgent,
        requester=ticket.requester,
        subject=ticket.subject,
        description=ticket.description,
        module=ticket.module,
        received_at=ticket.received_at,
        due=ticket.due,
        status=TicketStatus.received,
    )
    return _record(state, StepKind.received, ticket.requester, ticket.received_at, None)


def take(state: TicketState, step: TakeTicket, now: datetime) -> TicketState:
    _require(state, "take in charge", TicketStatus.received)
    return _record(
        state,
        StepKind.take,
        step.agent,
        now,
        None,
        status=TicketStatus.in_charge,
        assignee=step.agent,
        taken_at=now,
    )


def forward(state: TicketState, step: ForwardTicket, now: datetime) -> TicketState:
    _require(state, "forward", TicketStatus.in_charge)
    return _record(
        state,
        StepKind.forward,
        step.agent,
        now,
        f"to {step.target.value} {step.to}: {step.note}",
        status=TicketStatus.forwarded,
        forwarded_to=step.to,
        forward_target=step.target,
    )


def bring_back(state: TicketState, step: BringBack, now: datetime) -> TicketState:
    _require(state, "bring back", TicketStatus.forwarded)
    return _record(
        state,
        StepKind.back,
        step.by,
        now,
        step.note,
        status=TicketStatus.in_charge,
        forwarded_to=None,
        forward_target=None,
    )


def ask_client(state: TicketState, step: AskClient, now: datetime) -> TicketState:
    _require(state, "ask the client", TicketStatus.in_charge)
    return _record(
        state,
        StepKind.ask,
        step.agent,
        now,
        step.question,
        status=TicketStatus.waiting_client,
        question=step.question,
    )


def record_answer(state: TicketState, step: RecordAnswer, now: datetime) -> TicketState:
    _require(state, "record the client's answer", TicketStatus.waiting_client)
    return _record(
        state,
        StepKind.answer,
        step.by,
        now,
        step.answer,
        status=TicketStatus.in_charge,
        question=None,
    )


def propose(state: TicketState, step: ProposeSolution, now: datetime) -> TicketState:
    _require(state, "propose a solution", TicketStatus.in_charge)
    return _record(
        state,
        StepKind.propose,
        step.agent,
        now,
        step.solution,
        status=TicketStatus.awaiting_qa,
        proposal=Proposal(solution=step.solution, by=step.agent, at=now),
        quality_check=None,
    )


def check_quality(state: TicketState, step: CheckQuality, now: datetime) -> TicketState:
    _require(state, "check quality", TicketStatus.awaiting_qa)
    assert state.proposal is not None  # awaiting_qa is entered only by propose
    if state.quality_check is not None:
        raise StepRefused(
            f"check quality: the solution of ticket {state.id} was already approved by "
            f"{state.quality_check.by}; return it to the client"
        )
    if step.agent == state.proposal.by:
        raise StepRefused(
            f"check quality: {step.agent} proposed this solution; the quality check must be "
            "done by another CA agent"
        )
    verdict = QualityCheck(approved=step.approved, by=step.agent, at=now, note=step.note)
    note = ("approved" if step.approved else "rejected") + (f": {step.note}" if step.note else "")
    if step.approved:
        return _record(state, StepKind.check, step.agent, now, note, quality_check=verdict)
    return _record(
        state,
        StepKind.check,
        step.agent,
        now,
        note,
        status=TicketStatus.in_charge,
        proposal=None,
        quality_check=None,
    )


def return_to_client(
    state: TicketState, step: ReturnToClient, now: datetime, reopen_until: datetime | None
) -> TicketState:
    """Return the approved solution; `reopen_until` is None while only validating."""
    _require(state, "return to the client", TicketStatus.awaiting_qa)
    if state.quality_check is None:
        raise StepRefused(
            f"return to the client: the solution of ticket {state.id} has not passed the "
            "quality check yet"
        )
    return _record(
        state,
        StepKind.return_,
        step.agent,
        now,
        step.note,
        status=TicketStatus.returned,
        returned_at=now,
        reopen_until=reopen_until,
    )


def close(state: TicketState, step: CloseTicket, now: datetime) -> TicketState:
    _require(state, "close", TicketStatus.returned)
    return _record(
        state, StepKind.close, step.agent, now, None, status=TicketStatus.closed, closed_at=now
    )


def close_when_window_ends(state: TicketState, now: datetime) -> TicketState:
    """A returned ticket nobody reopened closes by itself when the reopen window ends."""
    return _record(
        state,
        StepKind.close,
        SYSTEM,
        now,
        "reopen window ended",
        status=TicketStatus.closed,
        closed_at=now,
    )


def reopen(state: TicketState, step: ReopenTicket, now: datetime) -> TicketState:
    _require(state, "reopen", TicketStatus.returned, TicketStatus.closed)
    if state.reopen_until is None or now > state.reopen_until:
        until = state.reopen_until.isoformat() if state.reopen_until else "unknown"
        raise StepRefused(
            f"reopen: ticket {state.id} could be reopened only within 10 open days of its "
            f"return, until {until}"
        )
    return _record(
        state,
        StepKind.reopen,
        step.by,
        now,
        step.reason,
        status=TicketStatus.in_charge,
        proposal=None,
        quality_check=None,
        returned_at=None,
        reopen_until=None,
        closed_at=None,
    )


def client_message(state: TicketState, step: ClientMessage, now: datetime) -> TicketState:
    """What the client's message does depends on the ticket: an answer to the waiting question,
    a reopening asked for within the window, or else a message the agent sees."""
    if state.status is TicketStatus.waiting_client:
        return record_answer(state, RecordAnswer(by=step.by, answer=step.text), now)
    if step.reopen and state.status in (TicketStatus.returned, TicketStatus.closed):
        return reopen(state, ReopenTicket(by=step.by, reason=step.text), now)
    return _record(state, StepKind.message, step.by, now, step.text)


def warn(state: TicketState, now: datetime) -> TicketState:
    """Mark a ticket whose take-in-charge deadline nears; the CA has been told."""
    return _record(
        state,
        StepKind.warned,
        SYSTEM,
        now,
        f"not taken in charge yet; due {state.due.isoformat()}; the CA on duty was told",
        warned_at=now,
    )


def warning_is_due(state: TicketState, warn_at: datetime | None, now: datetime) -> bool:
    """A warning is given once, before the deadline, to a ticket nobody has taken yet."""
    return (
        warn_at is not None
        and state.warned_at is None
        and state.taken_at is None
        and not state.breached
        and warn_at <= now < state.due
    )


def remind_client(state: TicketState, now: datetime, day: int, days: int) -> TicketState:
    """The client is reminded of the CA's question, at an open day's opening."""
    _require(state, "remind the client", TicketStatus.waiting_client)
    return _record(
        state, StepKind.reminder, SYSTEM, now, f"client reminded (open day {day} of {days})"
    )


def close_without_answer(state: TicketState, now: datetime, days: int) -> TicketState:
    """No answer to the CA's question after `days` open days: the ticket is closed for good
    (the client opens a new request when ready)."""
    _require(state, "close without an answer", TicketStatus.waiting_client)
    return _record(
        state,
        StepKind.closed_no_answer,
        SYSTEM,
        now,
        f"no answer from the client after {days} open days",
        status=TicketStatus.closed,
        closed_at=now,
        question=None,
        reopen_until=None,
    )


def follow_up(state: TicketState, now: datetime, days: int) -> TicketState:
    """A ticket forwarded `days` open days ago (or since the last reminder) is still there."""
    _require(state, "follow up", TicketStatus.forwarded)
    return _record(
        state,
        StepKind.follow_up,
        SYSTEM,
        now,
        f"{state.forwarded_to} reminded after {days} open days; {state.assignee} to follow up",
    )


def breach(state: TicketState, now: datetime) -> TicketState:
    """Mark a ticket not taken in charge by its deadline; it can still be taken."""
    return _record(
        state,
        StepKind.breached,
        SYSTEM,
        now,
        f"not taken in charge by {state.due.isoformat()}; escalated to the CA supervisor",
        breached=True,
        escalated_at=now,
    )


def breach_is_due(state: TicketState, now: datetime) -> bool:
    return state.taken_at is None and not state.breached and now >= state.due


def _require(state: TicketState, action: str, *allowed: TicketStatus) -> None:
    if state.status not in allowed:
        names = " or ".join(status.value for status in allowed)
        raise StepRefused(
            f"{action}: ticket {state.id} is {state.status.value}; only a {names} ticket can be "
            f"{_past(action)}"
        )


def _past(action: str) -> str:
    return {
        "take in charge": "taken in charge",
        "forward": "forwarded",
        "bring back": "brought back",
        "ask the client": "sent a question",
        "record the client's answer": "given the client's answer",
        "propose a solution": "given a solution",
        "check quality": "quality-checked",
        "return to the client": "returned to the client",
        "close": "closed",
        "reopen": "reopened",
        "remind the client": "reminded",
        "close without an answer": "closed without an answer",
        "follow up": "followed up",
    }[action]


def _record(
    state: TicketState,
    kind: StepKind,
    actor: str,
    at: datetime,
    note: str | None,
    **changes: Any,
) -> TicketState:
    step = Step(seq=len(state.steps) + 1, kind=kind, actor=actor, at=at, note=note)
    return state.model_copy(update={**changes, "steps": [*state.steps, step]})
