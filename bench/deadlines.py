"""How many take-in-charge deadlines the service calendar computes per second, each figure beside
its anchors measured in the same run on the same receipts:

- the table's floor: the same bisections on integer microseconds, no datetime in or out;
- the deadline with its explanation built (what the desk did for every deadline before);
- businesstimedelta, the library a user would reach for (the phone rule only: it has no
  "first open instant at or after T0 + 24 hours"), and whether its answers agree with ours.

    make bench        (or: .venv/bin/python bench/deadlines.py [--receipts N])

businesstimedelta is not a dependency of the desk: `pip install businesstimedelta` to get its
line (without it, the line says so).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=20_000)
    args = parser.parse_args()
    calendar = ServiceCalendar()
    draw = random.Random(20261127)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    receipts = [
        (
            (Channel.phone, Channel.email)[n % 2],
            first + timedelta(seconds=draw.randrange(2 * 365 * 86400)),
        )
        for n in range(args.receipts)
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

    ours_rate, floor_rate, explained_rate = (
        per_second(ours),
        per_second(floor),
        per_second(explained),
    )
    print(
        f"deadlines per second, {args.receipts:,} receipts over 2026-2027 (half phone, half email)"
    )
    print(f"  take_in_charge_deadline            {ours_rate:>12,.0f}")
    floor_ratio, explained_ratio = ours_rate / floor_rate, ours_rate / explained_rate
    print(f"  the table's floor (no datetime)    {floor_rate:>12,.0f}   ours: {floor_ratio:.2f}x")
    line = f"  with its explanation               {explained_rate:>12,.0f}"
    print(f"{line}   ours: {explained_ratio:.1f}x")

    rules = business_rules()
    if rules is None:
        print("  businesstimedelta                  not installed (pip install businesstimedelta)")
        return
    import businesstimedelta

    phones = [received for channel, received in receipts if channel is Channel.phone][:2000]
    fifteen = businesstimedelta.BusinessTimeDelta(rules, hours=0, seconds=15 * 60)

    def theirs() -> int:
        for received in phones:
            received.astimezone(MONTREAL) + fifteen
        return len(phones)

    def ours_phone() -> int:
        for received in phones:
            take_in_charge_deadline(Channel.phone, received, calendar)
        return len(phones)

    theirs_rate, ours_phone_rate = per_second(theirs), per_second(ours_phone)
    differ = sum(
        1
        for received in phones
        if received.astimezone(MONTREAL) + fifteen
        != take_in_charge_deadline(Channel.phone, received, calendar)
    )
    print(f"  phone rule only, ours              {ours_phone_rate:>12,.0f}")
    print(
        f"  businesstimedelta (phone rule)     {theirs_rate:>12,.0f}   ours: "
        f"{ours_phone_rate / theirs_rate:.0f}x; answers differ on {differ} of {len(phones)}"
    )


if __name__ == "__main__":
    main()
