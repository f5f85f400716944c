"""The deadline functions against an independent minute-by-minute reference.

The reference shares no code with models/service_calendar.py: it walks wall-clock minutes one at
a time, asks "is the desk open during this minute?" from the rules as written in RULES.md, and
counts. Receipts are drawn over two years, with daylight-saving weekends and the holiday season
drawn on purpose.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.service_calendar import ServiceCalendar
from models.sla import Channel, take_in_charge_deadline

TZ = ZoneInfo("America/Montreal")
MINUTE = timedelta(minutes=1)
FIRST = datetime(2026, 1, 1, tzinfo=UTC)
LAST = datetime(2027, 12, 31, tzinfo=UTC)
EXTRA_CLOSURE = date(2027, 3, 3)
CALENDAR = ServiceCalendar(frozenset({EXTRA_CLOSURE}))


def reference_closed_days(year: int) -> set[date]:
    public = holidays.country_holidays("CA", subdiv="QC", years=year, categories=("public",))
    return set(public) | {
        easter(year) + timedelta(days=1),
        date(year, 1, 2),
        date(year, 12, 24),
        date(year, 12, 26),
        date(year, 12, 31),
        EXTRA_CLOSURE,
    }


CLOSED = reference_closed_days(2026) | reference_closed_days(2027) | reference_closed_days(2028)


def reference_open(minute_start_utc: datetime) -> bool:
    """Is the desk open during the minute that starts at this instant?"""
    local = minute_start_utc.astimezone(TZ)
    if local.weekday() >= 5 or local.date() in CLOSED:
        return False
    hhmm = local.hour * 60 + local.minute
    morning = 8 * 60 + 30 <= hhmm < 12 * 60
    afternoon_opens = 14 * 60 if local.weekday() == 1 else 13 * 60
    afternoon = afternoon_opens <= hhmm < 16 * 60 + 30
    return morning or afternoon


def reference_deadline(channel: Channel, received_utc: datetime) -> datetime:
    minute = received_utc
    if channel is Channel.phone:
        counted = 0
        while counted < 15:
            if reference_open(minute):
                counted += 1
            minute += MINUTE
        return minute
    while not reference_open(minute):
        minute += MINUTE
    target = minute + timedelta(hours=24)
    while not reference_open(target):
        target += MINUTE
    return target


def minutes_between(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    count = int((last - first) / MINUTE)
    return st.integers(0, count).map(lambda n: first + n * MINUTE)


def around(day: str) -> st.SearchStrategy[datetime]:
    """Receipts in the four days before a given Montreal date (DST weekends, holidays)."""
    end = datetime.fromisoformat(day).replace(tzinfo=TZ).astimezone(UTC)
    return minutes_between(end - timedelta(days=4), end + timedelta(days=1))


RECEIPTS = st.one_of(
    minutes_between(FIRST, LAST),
    around("2026-03-09"),  # daylight saving starts Sunday March 8
    around("2026-11-02"),  # and ends Sunday November 1
    around("2027-03-15"),
    around("2027-11-08"),
    around("2026-12-27"),  # holiday season
    around("2027-01-03"),
    around("2026-06-25"),  # Saint-Jean-Baptiste, Canada Day
    around("2027-03-04"),  # the configured extra closure
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(channel=st.sampled_from(list(Channel)), received=RECEIPTS)
@example(channel=Channel.phone, received=datetime(2026, 11, 24, 16, 50, tzinfo=UTC))
@example(channel=Channel.email, received=datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
def test_deadline_matches_minute_by_minute_reference(channel: Channel, received: datetime) -> None:
    expected = reference_deadline(channel, received)
    assert take_in_charge_deadline(channel, received, CALENDAR) == expected


# --- the same reference on 100,000 receipts ---------------------------------------------------
# The rules as written, laid out once as one flag per UTC minute of 2026-2028 with a running count
# of open minutes: a phone deadline is the end of the 15th open minute from receipt, a written
# one the first open minute at or after the first open minute plus 24 hours. Receipts are whole
# minutes, so every answer is one too.

REFERENCE_DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(3 * 365 + 1)]
ORIGIN = datetime(2026, 1, 1, tzinfo=TZ).astimezone(UTC)


def _minute_index(local: datetime) -> int:
    return int((local.astimezone(UTC) - ORIGIN) / MINUTE)


def open_minutes_counted() -> array[int]:
    """counted[k]: how many open minutes come before minute k from ORIGIN."""
    flags = bytearray(_minute_index(datetime(2029, 1, 1, tzinfo=TZ)))
    for day in REFERENCE_DAYS:
        if day.weekday() >= 5 or day in CLOSED:
            continue
        afternoon = (14, 0) if day.weekday() == 1 else (13, 0)
        for (h1, m1), (h2, m2) in (((8, 30), (12, 0)), (afternoon, (16, 30))):
            first = _minute_index(datetime(day.year, day.month, day.day, h1, m1, tzinfo=TZ))
            last = _minute_index(datetime(day.year, day.month, day.day, h2, m2, tzinfo=TZ))
            flags[first:last] = b"\x01" * (last - first)
    return array("i", accumulate(flags, initial=0))


def counted_deadline(counted: array[int], channel: Channel, minute: int) -> datetime:
    if channel is Channel.phone:
        end = bisect_left(counted, counted[minute] + 15)
    else:
        first_open = bisect_left(counted, counted[minute] + 1) - 1
        end = bisect_left(counted, counted[first_open + 24 * 60] + 1) - 1
    return ORIGIN + end * MINUTE


def test_deadlines_match_the_reference_on_100000_receipts() -> None:
    counted = open_minutes_counted()
    draw = random.Random(20261127)
    last = _minute_index(datetime(2027, 12, 20, tzinfo=TZ))
    channels = list(Channel)
    for _ in range(100_000):
        minute = draw.randrange(last)
        channel = draw.choice(channels)
        received = ORIGIN + minute * MINUTE
        expected = counted_deadline(counted, channel, minute)
        assert take_in_charge_deadline(channel, received, CALENDAR) == expected, (channel, received)


def test_the_counted_reference_agrees_with_the_minute_walk() -> None:
    """The table above is the minute walk's rules, counted: the same answers on a sample."""
    counted = open_minutes_counted()
    draw = random.Random(7)
    for _ in range(300):
        minute = draw.randrange(_minute_index(datetime(2027, 12, 20, tzinfo=TZ)))
        channel = draw.choice(list(Channel))
        received = ORIGIN + minute * MINUTE
        assert counted_deadline(counted, channel, minute) == reference_deadline(channel, received)
