"""SLA reports for the continuous-improvement committee (issue 5): per MO and month, requests
received per channel, taken in charge on time, breached, the median and 90th-percentile
take-in-charge time in open minutes, and late departure notices. Pure: facts in, lines out."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from models.service_calendar import MONTREAL, ServiceCalendar
from models.tickets import Contract


class TicketFact(Contract):
    id: str
    mo: str
    channel: str
    received_at: datetime
    due: datetime
    taken_at: datetime | None
    breached: bool


class LateNotice(Contract):
    mo: str
    at: datetime


class SlaLine(Contract):
    mo: str
    month: str  # YYYY-MM, by the request's receipt in Montreal time
    received: int
    received_by_channel: dict[str, int]
    taken: int
    taken_on_time: int
    breached: int
    median_open_minutes: float | None
    p90_open_minutes: float | None
    late_departure_notices: int

    @property
    def on_time_rate(self) -> float | None:
        return None if self.taken == 0 else self.taken_on_time / self.taken


def month_of(instant: datetime) -> str:
    return instant.astimezone(MONTREAL).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of `month` (YYYY-MM) in Montreal, and of the month after."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=MONTREAL)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=MONTREAL)
    return start, after


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values at
    or below it (a value that really occurred, as the committee reads it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def sla_report(
    tickets: Iterable[TicketFact],
    late_notices: Iterable[LateNotice],
    calendar: ServiceCalendar,
) -> list[SlaLine]:
    """One line per MO and month that has any request or late notice, in order."""
    by_key: dict[tuple[str, str], list[TicketFact]] = defaultdict(list)
    for ticket in tickets:
        by_key[(ticket.mo, month_of(ticket.received_at))].append(ticket)
    late = Counter((notice.mo, month_of(notice.at)) for notice in late_notices)
    return [
        sla_line(mo, month, by_key.get((mo, month), []), late.get((mo, month), 0), calendar)
        for mo, month in sorted(set(by_key) | set(late))
    ]


def sla_line(
    mo: str, month: str, facts: list[TicketFact], late_notices: int, calendar: ServiceCalendar
) -> SlaLine:
    """One MO's month (or the whole service's, for the committee) from its requests."""
    taken = [fact for fact in facts if fact.taken_at is not None]
    minutes = [
        calendar.open_time_between(fact.received_at, fact.taken_at).total_seconds() / 60
        for fact in taken
        if fact.taken_at is not None
    ]
    return SlaLine(
        mo=mo,
        month=month,
        received=len(facts),
        received_by_channel=dict(sorted(Counter(f.channel for f in facts).items())),
        taken=len(taken),
        taken_on_time=sum(1 for f in taken if f.taken_at is not None and f.taken_at <= f.due),
        breached=sum(1 for f in facts if f.breached),
        median_open_minutes=statistics.median(minutes) if minutes else None,
        p90_open_minutes=percentile(minutes, 0.9),
        late_departure_notices=late_notices,
    )
