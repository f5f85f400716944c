"""The report of the continuous-improvement committee (comité d'amélioration continue, issue 16):
per MO and month, and for the whole service, everything the SLA report has, plus the tickets'
resolution time, the warnings given, breaches by channel and by module, forwards to the DGGIR
and their follow-up, reopenings, quality checks rejected, questions to clients and their wait,
against the month before. Pure: facts in, figures out.

Every ticket figure counts in the month of the ticket's receipt (as the SLA report counts its
requests); warnings and late departure notices count in the month they were given."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from models.reports import LateNotice, TicketFact, month_bounds, month_of, percentile, sla_line
from models.resolution import UNKNOWN_MODULE, Span, Targets, resolution_time, spans
from models.service_calendar import ServiceCalendar
from models.tickets import Contract, Step, StepKind, TicketStatus

# Steps that leave a ticket's status as it was: they say nothing of a quality check's verdict.
_QUIET = frozenset({"message", "breached", "warned"})


class CommitteeTicket(Contract):
    """A ticket as the committee reads it: its projection, its module and its steps."""

    id: str
    mo: str
    channel: str
    module: str = UNKNOWN_MODULE
    status: TicketStatus
    received_at: datetime
    breached: bool
    steps: list[Step]


class WarningGiven(Contract):
    """An escalation of kind `warning`."""

    mo: str
    at: datetime


class CommitteeFacts(Contract):
    """What the report reads for its two months (the month and the one before)."""

    requests: list[TicketFact]  # tickets and the other requests, as the SLA report reads them
    tickets: list[CommitteeTicket]
    late_notices: list[LateNotice]
    warnings: list[WarningGiven]


class CommitteeLine(Contract):
    mo: str | None  # None: the whole service
    month: str  # YYYY-MM
    # The SLA report's figures, over tickets and the other requests.
    received: int
    received_by_channel: dict[str, int]
    taken: int
    taken_on_time: int
    breached: int
    median_take_minutes: float | None
    p90_take_minutes: float | None
    late_departure_notices: int
    breaches_by_channel: dict[str, int]
    # Tickets only, from their steps; times in open minutes on the service calendar.
    tickets: int
    breaches_by_module: dict[str, int]
    resolved: int
    median_resolution_minutes: float | None  # without the wait on the client
    p90_resolution_minutes: float | None
    client_wait_minutes: float  # shown apart: summed over the resolved tickets
    dggir_minutes: float  # of the resolution time, summed over the resolved tickets
    with_target: int  # resolved tickets whose module and channel have a target
    within_target: int
    within_target_rate: float | None
    warnings: int
    forwards: int
    forwards_back: int
    median_forward_minutes: float | None  # forward to back
    p90_forward_minutes: float | None
    returned: int  # tickets returned to the client at least once
    reopened: int  # of them, reopened at least once
    reopen_rate: float | None
    quality_checks: int
    quality_rejections: int
    rejection_rate: float | None
    questions: int
    questions_answered: int
    median_question_wait_minutes: float | None
    p90_question_wait_minutes: float | None


class CommitteeReport(Contract):
    month: str
    previous_month: str
    lines: list[CommitteeLine]  # each MO, then the whole service (when no MO was asked for)
    previous: list[CommitteeLine]  # the month before, the same MOs in the same order


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    return f"{start.year - 1}-12" if start.month == 1 else f"{start.year}-{start.month - 1:02d}"


def committee_report(
    month: str,
    facts: CommitteeFacts,
    calendar: ServiceCalendar,
    targets: Targets,
    whole_service: bool = True,
) -> CommitteeReport:
    """The month and the one before, for every MO with anything in either month (a month
    without anything reads as zeros, so the two line up), then the whole service."""
    before = previous_month(month)
    months = (month, before)
    mos = sorted(
        {f.mo for f in facts.requests if month_of(f.received_at) in months}
        | {t.mo for t in facts.tickets if month_of(t.received_at) in months}
        | {n.mo for n in facts.late_notices if month_of(n.at) in months}
        | {w.mo for w in facts.warnings if month_of(w.at) in months}
    )
    scopes: list[str | None] = [*mos, *([None] if whole_service else [])]

    def lines(of: str) -> list[CommitteeLine]:
        return [committee_line(mo, of, facts, calendar, targets) for mo in scopes]

    return CommitteeReport(
        month=month, previous_month=before, lines=lines(month), previous=lines(before)
    )


def committee_line(
    mo: str | None,
    month: str,
    facts: CommitteeFacts,
    calendar: ServiceCalendar,
    targets: Targets,
) -> CommitteeLine:
    """One MO's month, or the whole service's (`mo` None)."""

    def ours(of: str, at: datetime) -> bool:
        return mo in (None, of) and month_of(at) == month

    requests = [f for f in facts.requests if ours(f.mo, f.received_at)]
    tickets = [t for t in facts.tickets if ours(t.mo, t.received_at)]
    late = sum(1 for n in facts.late_notices if ours(n.mo, n.at))
    sla = sla_line(mo or "", month, requests, late, calendar)

    resolutions = []
    with_target = within_target = 0
    for ticket in tickets:
        resolved = resolution_time(ticket.received_at, ticket.steps, calendar)
        if resolved is None:
            continue
        resolutions.append(resolved)
        target = targets.get((ticket.module, ticket.channel))
        if target is not None:
            with_target += 1
            within_target += resolved.resolution <= target
    resolution = [_minutes(r.resolution.total_seconds()) for r in resolutions]

    forwards = [
        s for t in tickets for s in spans(t.steps, StepKind.forward, StepKind.back, calendar)
    ]
    questions = [
        s for t in tickets for s in spans(t.steps, StepKind.ask, StepKind.answer, calendar)
    ]
    forward_minutes = [_open_minutes(s) for s in forwards if s.open_time is not None]
    question_minutes = [_open_minutes(s) for s in questions if s.open_time is not None]

    returned = [t for t in tickets if _has(t.steps, StepKind.return_)]
    reopened = sum(1 for t in returned if _has(t.steps, StepKind.reopen))
    verdicts = [rejected for t in tickets for rejected in quality_verdicts(t.steps, t.status)]
    rejections = sum(verdicts)
    return CommitteeLine(
        mo=mo,
        month=month,
        received=sla.received,
        received_by_channel=sla.received_by_channel,
        taken=sla.taken,
        taken_on_time=sla.taken_on_time,
        breached=sla.breached,
        median_take_minutes=sla.median_open_minutes,
        p90_take_minutes=sla.p90_open_minutes,
        late_departure_notices=sla.late_departure_notices,
        breaches_by_channel=_counted(f.channel for f in requests if f.breached),
        tickets=len(tickets),
        breaches_by_module=_counted(t.module for t in tickets if t.breached),
        resolved=len(resolutions),
        median_resolution_minutes=statistics.median(resolution) if resolution else None,
        p90_resolution_minutes=percentile(resolution, 0.9),
        client_wait_minutes=_minutes(sum(r.waiting_client.total_seconds() for r in resolutions)),
        dggir_minutes=_minutes(sum(r.at_dggir.total_seconds() for r in resolutions)),
        with_target=with_target,
        within_target=within_target,
        within_target_rate=_rate(within_target, with_target),
        warnings=sum(1 for w in facts.warnings if ours(w.mo, w.at)),
        forwards=len(forwards),
        forwards_back=len(forward_minutes),
        median_forward_minutes=statistics.median(forward_minutes) if forward_minutes else None,
        p90_forward_minutes=percentile(forward_minutes, 0.9),
        returned=len(returned),
        reopened=reopened,
        reopen_rate=_rate(reopened, len(returned)),
        quality_checks=len(verdicts),
        quality_rejections=rejections,
        rejection_rate=_rate(rejections, len(verdicts)),
        questions=len(questions),
        questions_answered=len(question_minutes),
        median_question_wait_minutes=statistics.median(question_minutes)
        if question_minutes
        else None,
        p90_question_wait_minutes=percentile(question_minutes, 0.9),
    )


def quality_verdicts(steps: Sequence[Step], status: TicketStatus) -> list[bool]:
    """Whether each quality check rejected the solution (True) or approved it. The records keep
    no verdict, but the lifecycle tells: an approved solution can only be returned next; a
    rejected one goes back to the agent (forwarded, a question, a new proposal). The last check
    with nothing after it reads the ticket's status: awaiting_qa is approved."""
    ordered = [step for step in sorted(steps, key=lambda s: s.seq) if step.kind not in _QUIET]
    verdicts = []
    for index, step in enumerate(ordered):
        if step.kind is not StepKind.check:
            continue
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        if after is None:
            verdicts.append(status is not TicketStatus.awaiting_qa)
        else:
            verdicts.append(after.kind is not StepKind.return_)
    return verdicts


def _has(steps: Sequence[Step], kind: StepKind) -> bool:
    return any(step.kind is kind for step in steps)


def _counted(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _open_minutes(span: Span) -> float:
    assert span.open_time is not None
    return _minutes(span.open_time.total_seconds())


def _minutes(seconds: float) -> float:
    return seconds / 60


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole
