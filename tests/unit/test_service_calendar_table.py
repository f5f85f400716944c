"""The calendar answers from a table of open periods searched by bisection (issue 17): the same
answers, to the microsecond, as walking the open periods one at a time (the arithmetic it
replaced, kept here as the oracle), before and after the table's anchor year, across year ends
and for amounts that span weeks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from models.service_calendar import MONTREAL, OpenPeriod, ServiceCalendar

CALENDAR = ServiceCalendar(frozenset({date(2027, 3, 3), date(2025, 7, 2)}))


def walk(instant: datetime, count: int = 120) -> list[OpenPeriod]:
    """Open periods ending after `instant` (`count` of them: a few weeks), from the day layout
    alone."""
    day = instant.astimezone(MONTREAL).date()
    found: list[OpenPeriod] = []
    while len(found) < count:
        found += [p for p in CALENDAR.periods_on(day) if p.end > instant]
        day += timedelta(days=1)
    return found


def walked_add(instant: datetime, amount: timedelta, count: int = 120) -> datetime:
    remaining, at = amount, instant.astimezone(UTC)
    for period in walk(at, count):
        start = max(period.start, at)
        if remaining <= period.end - start:
            return start + remaining
        remaining -= period.end - start
    raise AssertionError("amount beyond the walked weeks")


def walked_between(start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for period in walk(start):
        if period.start >= end:
            break
        total += min(period.end, end) - max(period.start, start)
    return max(total, timedelta(0))


def instants(seed: int, count: int) -> list[datetime]:
    draw = random.Random(seed)
    first = datetime(2024, 12, 1, tzinfo=UTC)
    span = int((datetime(2028, 12, 31, tzinfo=UTC) - first).total_seconds())
    return [
        first + timedelta(seconds=draw.randrange(span), microseconds=draw.randrange(10**6))
        for _ in range(count)
    ]


def test_the_table_gives_the_walks_answers_to_the_microsecond() -> None:
    draw = random.Random(3)
    for at in instants(1, 1000):
        amount = timedelta(seconds=draw.randrange(0, 60 * 3600), microseconds=draw.randrange(10**6))
        assert CALENDAR.add_open_time(at, amount) == walked_add(at, amount)
        later = at + timedelta(seconds=draw.randrange(0, 20 * 86400))
        assert CALENDAR.open_time_between(at, later) == walked_between(at, later)
        first = walk(at)[0]
        assert CALENDAR.next_open_instant(at) == max(first.start, at)
        assert CALENDAR.is_open_at(at) == (first.start <= at)


@pytest.mark.parametrize(
    "local",
    [
        datetime(2025, 12, 31, 16, 29, 59, 999999, tzinfo=MONTREAL),  # the last minute of a year
        datetime(2026, 1, 1, 0, 0, tzinfo=MONTREAL),  # the anchor itself
        datetime(2027, 12, 23, 16, 0, tzinfo=MONTREAL),  # into the holiday season
        datetime(2026, 3, 6, 16, 20, tzinfo=MONTREAL),  # over the spring's clock change
    ],
)
def test_year_ends_the_anchor_and_clock_changes_change_nothing(local: datetime) -> None:
    for amount in (timedelta(0), timedelta(minutes=15), timedelta(hours=24), timedelta(days=9)):
        assert CALENDAR.add_open_time(local, amount) == walked_add(local, amount)
    assert CALENDAR.open_time_between(local, local + timedelta(days=12)) == walked_between(
        local, local + timedelta(days=12)
    )


def test_a_calendar_closed_for_good_is_an_error_not_a_hang() -> None:
    every_day = frozenset(date(2030, 1, 1) + timedelta(days=n) for n in range(4 * 366))
    closed = ServiceCalendar(every_day)
    with pytest.raises(ValueError, match="no open day after"):
        closed.next_open_instant(datetime(2030, 1, 1, tzinfo=UTC))


def walked_written(instant: datetime, elapsed: timedelta) -> datetime:
    """The written rule by walking: `elapsed` from the first open instant at or after
    `instant`, then the first open instant at or after that."""
    first = walk(instant, 1)[0]
    due = max(first.start, instant.astimezone(UTC)) + elapsed
    return max(walk(due, 1)[0].start, due)


def test_deadlines_at_every_opening_and_closing_match_the_walk() -> None:
    """Receipts at each period's start and end, a microsecond either side, and 15 minutes
    before a closing (where the phone rule's answer is the closing itself): the deadline's quick
    path and its general one give the walk's answer, in Montréal time."""
    quarter, day_ = timedelta(minutes=15), timedelta(hours=24)
    one = timedelta(microseconds=1)
    day = date(2025, 12, 29)
    while day < date(2028, 1, 4):
        for period in CALENDAR.periods_on(day):
            for at in (
                period.start - one,
                period.start,
                period.start + one,
                period.end - one,
                period.end,
                period.end + one,
                period.end - quarter,
                period.end - quarter + one,
            ):
                phone = CALENDAR.deadline(at, open_time=quarter)
                assert phone == walked_add(at, quarter, 3) and phone.tzinfo is MONTREAL
                assert CALENDAR.deadline(at, elapsed=day_) == walked_written(at, day_)
        day += timedelta(days=1)
