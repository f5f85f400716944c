"""How many take-in-charge deadlines the service calendar computes per second, each figure beside
its anchors measured in the same run on the same receipts:

- the table's floor: the same bisections on integer microseconds, no datetime in or out;
- the deadline with its explanation built (what the desk did for every deadline before);
- businesstimedelta, the library a user would reach for (the phone rule only: it has no
  "first open instant at or after T0 + 24 hours"), and whether its answers agree with ours.

    make bench        (or: .venv/bin/python bench/deadlines.py [--receipts N])

businesstimedelta is not a dependency of the desk: `make bench` installs it (the `bench` extra)
for its line (without it, the line says so).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from table import Figure, at_least, print_table  # noqa: E402  (beside this script)

from models.service_calendar import (  # noqa: E402
    AFTERNOON,
    EPOCH,
    MONTREAL,
    MORNING,
    ONE_MICROSECOND,
    TUESDAY_AFTERNOON,
    ServiceCalendar,
    _timeline,
    quebec_holidays,
)
from models.sla import PHONE_DELAY, Channel, explain_deadline, take_in_charge_deadline  # noqa: E402

TARGET = 500_000  # issue 17: deadlines per second, exact
PHONES = 2000  # receipts businesstimedelta is timed on (it is slow)


def per_second(work: Callable[[], int], seconds: float = 1.5) -> float:
    """How many items `work` (one pass over the receipts, returning how many) does per second."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += work()
    return done / (time.perf_counter() - started)


def business_rules() -> object | None:
    try:
        import businesstimedelta  # type: ignore[import-untyped]
        import pytz  # type: ignore[import-untyped]
    except ImportError:
        return None
    zone = pytz.timezone("America/Montreal")
    weekdays = [0, 1, 2, 3, 4]
    closed = sorted(day for year in (2025, 2026, 2027, 2028) for day in quebec_holidays(year))
    return businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(MORNING[0], AFTERNOON[1], weekdays, tz=zone),
            businesstimedelta.LunchTimeRule(MORNING[1], AFTERNOON[0], [0, 2, 3, 4], tz=zone),
            businesstimedelta.LunchTimeRule(MORNING[1], TUESDAY_AFTERNOON[0], [1], tz=zone),
            businesstimedelta.HolidayRule(closed, tz=zone),
        ]
    )


@dataclass(frozen=True)
class Rates:
    """Deadlines per second, on the same receipts."""

    receipts: int
    ours: float
    floor: float  # the table's bisections, no datetime in or out
    explained: float
    agree: int  # receipts whose deadline explain_deadline gives too
    phones: int  # phone receipts businesstimedelta is timed on (0: not installed)
    ours_phone: float = math.nan
    theirs_phone: float = math.nan
    differ: int = 0  # of the phones, deadlines businesstimedelta gives otherwise


def measure(count: int, seconds: float = 1.5, phones: int = PHONES) -> Rates:
    calendar = ServiceCalendar()
    draw = random.Random(20261127)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    receipts = [
        (
            (Channel.phone, Channel.email)[n % 2],
            first + timedelta(seconds=draw.randrange(2 * 365 * 86400)),
        )
        for n in range(count)
    ]

    def ours() -> int:
        for channel, received in receipts:
            take_in_charge_deadline(channel, received, calendar)
        return len(receipts)

    def explained() -> int:
        for channel, received in receipts:
            explain_deadline(channel, received, calendar)
        return len(receipts)

    timeline = _timeline(calendar)
    as_micros = [((r - EPOCH) // ONE_MICROSECOND, c) for c, r in receipts]
    phone, day = PHONE_DELAY // ONE_MICROSECOND, timedelta(hours=24) // ONE_MICROSECOND

    def floor() -> int:
        for at, channel in as_micros:
            if channel is Channel.phone:
                timeline.added(at, phone)
            else:
                span, index = timeline.locate(at)
                start = span.starts[index]
                timeline.locate((start if start > at else at) + day)
        return len(as_micros)

    agree = sum(
        1
        for channel, received in receipts
        if take_in_charge_deadline(channel, received, calendar)
        == explain_deadline(channel, received, calendar).due
    )
    rates = Rates(
        count,
        ours=per_second(ours, seconds),
        floor=per_second(floor, seconds),
        explained=per_second(explained, seconds),
        agree=agree,
        phones=0,
    )
    rules = business_rules()
    if rules is None:
        return rates
    import businesstimedelta

    timed = [received for channel, received in receipts if channel is Channel.phone][:phones]
    fifteen = businesstimedelta.BusinessTimeDelta(rules, hours=0, seconds=15 * 60)

    def theirs() -> int:
        for received in timed:
            received.astimezone(MONTREAL) + fifteen
        return len(timed)

    def ours_phone() -> int:
        for received in timed:
            take_in_charge_deadline(Channel.phone, received, calendar)
        return len(timed)

    differ = sum(
        1
        for received in timed
        if received.astimezone(MONTREAL) + fifteen
        != take_in_charge_deadline(Channel.phone, received, calendar)
    )
    return replace(
        rates,
        phones=len(timed),
        ours_phone=per_second(ours_phone, seconds),
        theirs_phone=per_second(theirs, seconds),
        differ=differ,
    )


def figures_of(rates: Rates, judged: bool = True) -> list[Figure]:
    on = f"{rates.receipts:,} receipts"
    exact = rates.agree == rates.receipts
    rows = [
        Figure(
            f"deadlines (take_in_charge_deadline), {on}",
            rates.ours,
            "/s",
            "the table's floor (no datetime)",
            rates.floor,
            target=f"≥ {TARGET:,}/s, exact",
            met=None if not judged else (exact and at_least(rates.ours, TARGET)),
            note=""
            if exact
            else f"differs from explain_deadline on "
            f"{rates.receipts - rates.agree} of {rates.receipts:,} receipts",
        ),
        Figure(
            f"deadlines with their explanation, {on}",
            rates.explained,
            "/s",
            "take_in_charge_deadline",
            rates.ours,
        ),
    ]
    if not rates.phones:
        rows.append(
            Figure(
                "phone deadlines, ours",
                math.nan,
                "/s",
                "businesstimedelta",
                math.nan,
                note="businesstimedelta is not installed (pip install businesstimedelta)",
            )
        )
        return rows
    rows.append(
        Figure(
            f"phone deadlines, ours, {rates.phones:,} receipts",
            rates.ours_phone,
            "/s",
            "businesstimedelta, same receipts",
            rates.theirs_phone,
            note=f"businesstimedelta's answers differ from ours on {rates.differ} of "
            f"{rates.phones:,}",
        )
    )
    return rows


def figures(quick: bool) -> list[Figure]:
    if quick:
        return figures_of(measure(2000, seconds=0.2, phones=200), judged=False)
    return figures_of(measure(20_000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=20_000)
    args = parser.parse_args()
    rates = measure(args.receipts)
    print(
        f"deadlines per second, {rates.receipts:,} receipts over 2026-2027 (half phone, half email)"
    )
    print_table(figures_of(rates))


if __name__ == "__main__":
    main()
