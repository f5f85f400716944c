"""Resolution time (issue 16): from a ticket's receipt to the solution returned to the client,
in open time on the service calendar, with the time waiting on the client and the time at the
DGGIR shown apart. The reported resolution time leaves out the wait on the client (the CA cannot
act meanwhile); the time at the DGGIR stays in (the ticket is the service's to solve). Pure:
a ticket's steps in, durations out.

A target per SAGIR module and channel may be configured (SAGIR_RESOLUTION_TARGETS); the
committee's report says how many tickets met it, and nothing ever enforces it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from models.service_calendar import ServiceCalendar
from models.sla import Channel
from models.tickets import Contract, Step, StepKind

# A ticket whose module nobody recorded (opened before modules were kept).
UNKNOWN_MODULE = "unknown"


class Span(Contract):
    """From a step to the one that ends it (`ended` None: not ended yet), in open time."""

    started: datetime
    ended: datetime | None
    open_time: timedelta | None  # None while not ended


class ResolutionTime(Contract):
    resolved_at: datetime  # the last return to the client
    elapsed: timedelta  # open time from receipt to the last return
    waiting_client: timedelta  # of it, open time between a question and its answer
    at_dggir: timedelta  # of it, open time between a forward and the ticket's coming back

    @property
    def resolution(self) -> timedelta:
        """What the service reports: the elapsed open time less the wait on the client."""
        return self.elapsed - self.waiting_client


def spans(
    steps: Sequence[Step], opening: StepKind, closing: StepKind, calendar: ServiceCalendar
) -> list[Span]:
    """Each `opening` step with the first `closing` step after it: a question and its answer
    (the client's reply to a waiting ticket is recorded as an answer), a forward and the
    ticket's coming back."""
    ordered = sorted(steps, key=lambda step: step.seq)
    found = []
    for index, step in enumerate(ordered):
        if step.kind is not opening:
            continue
        end = next((s.at for s in ordered[index + 1 :] if s.kind is closing), None)
        found.append(
            Span(
                started=step.at,
                ended=end,
                open_time=None if end is None else calendar.open_time_between(step.at, end),
            )
        )
    return found


def resolution_time(
    received_at: datetime, steps: Sequence[Step], calendar: ServiceCalendar
) -> ResolutionTime | None:
    """None while the ticket is not resolved: never returned, or reopened after its last
    return (a reopened ticket counts until its last return)."""
    ordered = sorted(steps, key=lambda step: step.seq)
    last_return = max(
        (index for index, step in enumerate(ordered) if step.kind is StepKind.return_),
        default=None,
    )
    if last_return is None:
        return None
    if any(step.kind is StepKind.reopen for step in ordered[last_return + 1 :]):
        return None
    resolved_at = ordered[last_return].at

    def within(opening: StepKind, closing: StepKind) -> timedelta:
        total = timedelta(0)
        for span in spans(ordered, opening, closing, calendar):
            end = resolved_at if span.ended is None else min(span.ended, resolved_at)
            total += calendar.open_time_between(span.started, end)
        return total

    return ResolutionTime(
        resolved_at=resolved_at,
        elapsed=calendar.open_time_between(received_at, resolved_at),
        waiting_client=within(StepKind.ask, StepKind.answer),
        at_dggir=within(StepKind.forward, StepKind.back),
    )


Targets = dict[tuple[str, str], timedelta]


def parse_targets(text: str) -> Targets:
    """`RF:email=14, RH:phone=3.5`: a target in open hours for each module and channel named;
    empty: no target (the default)."""
    targets: Targets = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        key, equals, hours = part.partition("=")
        module, colon, channel = key.partition(":")
        module, channel = module.strip(), channel.strip()
        if not (equals and colon and module and channel):
            raise ValueError(
                f"SAGIR_RESOLUTION_TARGETS: {part!r} is not MODULE:CHANNEL=HOURS, like RF:email=14"
            )
        if channel not in {c.value for c in Channel}:
            names = ", ".join(c.value for c in Channel)
            raise ValueError(f"SAGIR_RESOLUTION_TARGETS: {channel!r} is not a channel ({names})")
        try:
            amount = float(hours)
        except ValueError:
            amount = -1.0
        if not 0 < amount <= 10_000:
            raise ValueError(
                f"SAGIR_RESOLUTION_TARGETS: {hours.strip()!r} for {module}:{channel} must be "
                "a number of open hours above 0"
            )
        targets[(module, channel)] = timedelta(hours=amount)
    return targets
