"""The service's own calendar: when the Centre d'assistance SAGIR is open.

Pure functions, no I/O. Open Monday to Friday 08:30-12:00 and 13:00-16:30 (Tuesday afternoon
from 14:00), America/Montreal time, closed on the Québec public holidays of RULES.md plus any
extra closure dates from configuration.

All arithmetic is done on UTC instants; local wall-clock time is used only to lay out a day's
open periods. That keeps daylight-saving changes from ever stretching or shrinking a duration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
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
        day = instant.astimezone(MONTREAL).date()
        closed_run = 0
        while True:
            periods = self.periods_on(day)
            closed_run = 0 if periods else closed_run + 1
            if closed_run > MAX_CLOSED_DAYS:
                raise ValueError(f"the service calendar has no open day after {day}")
            for period in periods:
                if period.end > instant:
                    yield period
            day += timedelta(days=1)

    def is_open_at(self, instant: datetime) -> bool:
        _require_aware(instant)
        period = next(self.periods_from(instant))
        return period.start <= instant

    def next_open_instant(self, instant: datetime) -> datetime:
        """The first open instant at or after `instant`."""
        _require_aware(instant)
        period = next(self.periods_from(instant))
        return max(period.start, instant.astimezone(UTC))

    def add_open_time(self, instant: datetime, amount: timedelta) -> datetime:
        """The instant at which `amount` of open time has passed since `instant`.

        The clock stops while the service is closed. When the amount runs out exactly at the end
        of a period, that end is the answer (15 minutes from 11:45 is 12:00, not 13:00).
        """
        _require_aware(instant)
        remaining = amount
        at = instant.astimezone(UTC)
        for period in self.periods_from(at):
            start = max(period.start, at)
            available = period.end - start
            if remaining <= available:
                return start + remaining
            remaining -= available
        raise AssertionError("unreachable: periods_from never ends")

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much open time passes from `start` to `end` (zero when `end` is not later)."""
        _require_aware(start)
        _require_aware(end)
        total = timedelta(0)
        if end <= start:
            return total
        for period in self.periods_from(start):
            if period.start >= end:
                break
            total += min(period.end, end) - max(period.start, start)
        return total

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
