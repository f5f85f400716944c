"""The service's own calendar: when the Centre d'assistance SAGIR is open.

Pure functions, no I/O. Open Monday to Friday 08:30-12:00 and 13:00-16:30 (Tuesday afternoon
from 14:00), America/Montreal time, closed on the Québec public holidays of RULES.md plus any
extra closure dates from configuration.

All arithmetic is done on UTC instants; local wall-clock time is used only to lay out a day's
open periods. That keeps daylight-saving changes from ever stretching or shrinking a duration.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter

MONTREAL = ZoneInfo("America/Montreal")

MORNING = (time(8, 30), time(12, 0))
AFTERNOON = (time(13, 0), time(16, 30))
TUESDAY_AFTERNOON = (time(14, 0), time(16, 30))

# Searching for an open instant never needs more than a few weeks (the longest closure is the
# holiday season); the bound turns a calendar misconfiguration into an error, not a hang.
MAX_CLOSED_DAYS = 366


@dataclass(frozen=True)
class Closure:
    """A whole day the service is closed, and why."""

    day: date
    reason: str


@dataclass(frozen=True)
class OpenPeriod:
    """One stretch of open time, as UTC instants [start, end)."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@lru_cache(maxsize=64)
def quebec_holidays(year: int) -> dict[date, str]:
    """The closures RULES.md lists for one year, with their names.

    The `holidays` package's Canada/QC "public" list, plus Easter Monday, January 2 and
    December 24, 26 and 31, which the public service also takes off.
    """
    days: dict[date, str] = dict(
        holidays.country_holidays("CA", subdiv="QC", years=year, categories=("public",)).items()
    )
    extra = {
        easter(year) + timedelta(days=1): "Easter Monday",
        date(year, 1, 2): "Day after New Year's Day",
        date(year, 12, 24): "Christmas Eve",
        date(year, 12, 26): "Day after Christmas",
        date(year, 12, 31): "New Year's Eve",
    }
    for day, name in extra.items():
        days.setdefault(day, name)
    return days


@dataclass(frozen=True)
class ServiceCalendar:
    """The service calendar; `extra_closures` are the configured closure dates."""

    extra_closures: frozenset[date] = field(default_factory=frozenset)

    def closure(self, day: date) -> Closure | None:
        """Why the service is closed all day on `day`, or None when it opens that day."""
        if day.weekday() == 5:
            return Closure(day, "Saturday")
        if day.weekday() == 6:
            return Closure(day, "Sunday")
        holiday = quebec_holidays(day.year).get(day)
        if holiday is not None:
            return Closure(day, f"public holiday: {holiday}")
        if day in self.extra_closures:
            return Closure(day, "closure date from configuration")
        return None

    def is_open_day(self, day: date) -> bool:
        return self.closure(day) is None

    def periods_on(self, day: date) -> list[OpenPeriod]:
        """The open periods of one local day, in order (empty when closed all day)."""
        if not self.is_open_day(day):
            return []
        afternoon = TUESDAY_AFTERNOON if day.weekday() == 1 else AFTERNOON
        return [_period(day, start, end) for start, end in (MORNING, afternoon)]

    def periods_from(self, instant: datetime) -> Iterator[OpenPeriod]:
        """Open periods that end after `instant`, in order; the first may have begun already."""
        _require_aware(instant)
        timeline = _timeline(self)
        at = _micros(instant)
        while True:
            span, index = timeline.locate(at)
            yield OpenPeriod(_instant(span.starts[index]), _instant(span.ends[index]))
            at = span.ends[index]

    def is_open_at(self, instant: datetime) -> bool:
        _require_aware(instant)
        at = _micros(instant)
        span, index = _timeline(self).locate(at)
        return span.starts[index] <= at

    def next_open_instant(self, instant: datetime) -> datetime:
        """The first open instant at or after `instant`."""
        _require_aware(instant)
        at = _micros(instant)
        span, index = _timeline(self).locate(at)
        return _instant(max(span.starts[index], at))

    def deadline(
        self,
        received: datetime,
        open_time: timedelta | None = None,
        elapsed: timedelta | None = None,
    ) -> datetime:
        """A deadline in Montréal time, computed in one pass (deadlines are computed in bulk):
        `open_time` of open time from `received` (the phone rule), or else the first open
        instant at or after `elapsed` has passed from the first open instant at or after
        `received` (the written rule)."""
        if received.utcoffset() is None:
            raise ValueError("received must carry a UTC offset")
        timeline = _timeline(self)
        at = _micros(received)
        span = timeline.span
        if span.safe_from <= at < span.safe_until:
            # Received in a year laid out with the years around it, the answer found there: the
            # common case, in bisections only (the general path below handles every other).
            index = bisect_right(span.ends, at)
            start = span.starts[index]
            if open_time is not None:
                target = span.positions[index] + (at - start if at > start else 0)
                target += open_time // ONE_MICROSECOND
                found = bisect_left(span.reaches, target, index)
                if found < len(span.reaches):
                    offset = target - span.positions[found]
                    return span.local_starts[found] + timedelta(microseconds=offset)
            else:
                due = (start if start > at else at) + (elapsed or _NO_TIME) // ONE_MICROSECOND
                found = bisect_right(span.ends, due, index)
                if due < span.safe_until and found < len(span.starts):
                    offset = due - span.starts[found] if due > span.starts[found] else 0
                    return span.local_starts[found] + timedelta(microseconds=offset)
        if open_time is not None:
            span, index, due = timeline.added(at, open_time // ONE_MICROSECOND)
        else:
            span, index = timeline.locate(at)
            start = span.starts[index]
            due = (start if start > at else at) + (elapsed or timedelta(0)) // ONE_MICROSECOND
            if due < span.safe_until:
                index = bisect_right(span.ends, due, index)
            if due >= span.safe_until or index >= len(span.starts):
                span, index = timeline.locate(due)
            due = max(due, span.starts[index])
        # Inside an open period (its end included), and no clock change falls in open hours.
        return span.local_starts[index] + timedelta(microseconds=due - span.starts[index])

    def add_open_time(self, instant: datetime, amount: timedelta) -> datetime:
        """The instant at which `amount` of open time has passed since `instant`.

        The clock stops while the service is closed. When the amount runs out exactly at the end
        of a period, that end is the answer (15 minutes from 11:45 is 12:00, not 13:00).
        """
        _require_aware(instant)
        return _instant(_timeline(self).add(_micros(instant), amount // ONE_MICROSECOND))

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much open time passes from `start` to `end` (zero when `end` is not later)."""
        _require_aware(start)
        _require_aware(end)
        if end <= start:
            return timedelta(0)
        timeline = _timeline(self)
        open_micros = timeline.position(_micros(end)) - timeline.position(_micros(start))
        return timedelta(microseconds=open_micros)

    def open_days_after(self, day: date, count: int) -> date:
        """The `count`-th open day after `day` (not counting `day` itself)."""
        found = 0
        while found < count:
            day += timedelta(days=1)
            if self.is_open_day(day):
                found += 1
        return day

    def closures_between(self, first: date, last: date) -> list[Closure]:
        """Every whole-day closure from `first` to `last`, inclusive."""
        closures = []
        day = first
        while day <= last:
            closure = self.closure(day)
            if closure is not None:
                closures.append(closure)
            day += timedelta(days=1)
        return closures


def calendar_with_closures(extra_closures: Iterable[date] = ()) -> ServiceCalendar:
    return ServiceCalendar(frozenset(extra_closures))


def _period(day: date, start: time, end: time) -> OpenPeriod:
    return OpenPeriod(
        datetime.combine(day, start, MONTREAL).astimezone(UTC),
        datetime.combine(day, end, MONTREAL).astimezone(UTC),
    )


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must carry a UTC offset")


# --- the open periods as a table, searched by bisection -------------------------------------
#
# Each year's open periods are laid out once (with its holidays and the configured closures) as
# sorted integer microseconds since the epoch, beside each period's position: the open time from
# the start of ANCHOR to the period's start (negative before it). The open time between two
# instants is then a difference of positions, and the instant some open time later one
# bisection. Positions never move when more years are laid out, so answers never depend on what
# was asked before. Exact to the microsecond, as the datetime arithmetic it replaces.

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
_NO_TIME = timedelta(0)
ANCHOR = date(2026, 1, 1)


def _micros(instant: datetime) -> int:
    return (instant - EPOCH) // ONE_MICROSECOND


def _instant(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True)
class _Span:
    """The open periods of the years `first` to `last` (ANCHOR's year always among them), in
    order, with the position of each period's start."""

    first: int
    last: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    positions: tuple[int, ...]
    # The instants from which the years around are laid out too (a quick test, no datetime).
    safe_from: int
    safe_until: int
    # Each period's start as a Montréal datetime: an answer inside a period is its start plus
    # the offset (no clock change ever falls in open hours, so wall and elapsed time agree).
    local_starts: tuple[datetime, ...]
    # The position of each period's end (its start's plus its length): sorted, so the period in
    # which some open time runs out is one bisection in C.
    reaches: tuple[int, ...]


class _Timeline:
    """One calendar's open periods, laid out a year at a time as they are asked for. Readers
    take the current span; a wider one replaces it whole (activities read it from threads)."""

    def __init__(self, calendar: ServiceCalendar) -> None:
        self._calendar = calendar
        self._lock = threading.Lock()
        self.span = self._laid_out(ANCHOR.year, ANCHOR.year)

    def locate(self, at: int) -> tuple[_Span, int]:
        """A span, and the index in it of the first period that ends after `at`."""
        span = self.span
        if not span.safe_from <= at < span.safe_until:
            # A local day may begin in the UTC year before: the years around are laid out.
            year = _instant(at).year
            span = self._widened(year - 1, year + 1)
        index = bisect_right(span.ends, at)
        while index >= len(span.starts):
            span = self._later(span, at)
            index = bisect_right(span.ends, at)
        return span, index

    def position(self, at: int) -> int:
        """The open time from the start of ANCHOR to `at` (negative before it)."""
        span, index = self.locate(at)
        return span.positions[index] + max(0, at - span.starts[index])

    def add(self, at: int, amount: int) -> int:
        """The instant at which `amount` microseconds of open time have passed since `at`."""
        return self.added(at, amount)[2]

    def added(self, at: int, amount: int) -> tuple[_Span, int, int]:
        """`add`, with the span and the index of the period the answer falls in (its end
        included)."""
        span, index = self.locate(at)
        target = span.positions[index] + max(0, at - span.starts[index]) + amount
        while True:
            # The first period from `index` whose end brings the open time to `target`.
            found = bisect_left(span.reaches, target, index)
            if found < len(span.starts):
                return span, found, span.starts[found] + (target - span.positions[found])
            span = self._later(span, span.ends[-1] if span.ends else at)
            index = bisect_right(span.ends, at)

    def _later(self, span: _Span, after: int) -> _Span:
        """One more year laid out; a calendar with no open day for more than a year after
        `after` is a misconfiguration, said as an error rather than a hang."""
        if span.last - _instant(after).year > MAX_CLOSED_DAYS // 365 + 1:
            day = _instant(after).astimezone(MONTREAL).date()
            raise ValueError(f"the service calendar has no open day after {day}")
        return self._widened(span.first, span.last + 1)

    def _widened(self, first: int, last: int) -> _Span:
        with self._lock:
            span = self.span
            if span.first <= first and last <= span.last:
                return span
            self.span = self._laid_out(min(first, span.first), max(last, span.last))
            return self.span

    def _laid_out(self, first: int, last: int) -> _Span:
        first, last = min(first, ANCHOR.year), max(last, ANCHOR.year)
        starts: list[int] = []
        ends: list[int] = []
        day = date(first, 1, 1)
        while day.year <= last:
            for period in self._calendar.periods_on(day):
                starts.append(_micros(period.start))
                ends.append(_micros(period.end))
            day += timedelta(days=1)
        durations = (end - start for start, end in zip(starts, ends, strict=True))
        before = list(accumulate(durations, initial=0))
        anchor = _micros(datetime.combine(ANCHOR, time(0), MONTREAL))
        origin = before[bisect_right(starts, anchor - 1)]  # open time before ANCHOR's start
        positions = tuple(position - origin for position in before[:-1])
        safe_from = _micros(datetime(first + 1, 1, 1, tzinfo=UTC))
        safe_until = _micros(datetime(last, 1, 1, tzinfo=UTC))
        local_starts = tuple(_instant(start).astimezone(MONTREAL) for start in starts)
        reaches = tuple(
            position + end - start
            for position, start, end in zip(positions, starts, ends, strict=True)
        )
        return _Span(
            first,
            last,
            tuple(starts),
            tuple(ends),
            positions,
            safe_from,
            safe_until,
            local_starts,
            reaches,
        )


_TIMELINES: dict[frozenset[date], _Timeline] = {}
_TIMELINES_LOCK = threading.Lock()


def _timeline(calendar: ServiceCalendar) -> _Timeline:
    """The one timeline of each set of configured closures, laid out once per process."""
    timeline = _TIMELINES.get(calendar.extra_closures)
    if timeline is None:
        with _TIMELINES_LOCK:
            timeline = _TIMELINES.get(calendar.extra_closures)
            if timeline is None:
                timeline = _TIMELINES[calendar.extra_closures] = _Timeline(calendar)
    return timeline
