"""When the CA is warned before a breach, as a pure rule of the calendar (issue 16)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import (
    DEFAULT_WARNING,
    Channel,
    WarningPolicy,
    take_in_charge_deadline,
    warning_instant,
)

CALENDAR = ServiceCalendar()
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=MONTREAL)
FRIDAY_18 = datetime(2026, 11, 27, 18, 0, tzinfo=MONTREAL)


def warned(
    channel: Channel, received: datetime, policy: WarningPolicy = DEFAULT_WARNING
) -> datetime:
    due = take_in_charge_deadline(channel, received, CALENDAR)
    at = warning_instant(channel, received, due, CALENDAR, policy)
    assert at is not None
    return at


def test_a_written_request_is_warned_once_75_percent_of_its_open_time_has_run() -> None:
    # Due Tuesday 08:30; Monday's 7 open hours count; 5 h 15 of them run out at 14:45.
    assert warned(Channel.email, FRIDAY_18) == datetime(2026, 11, 30, 14, 45, tzinfo=MONTREAL)


def test_the_share_is_configurable() -> None:
    half = WarningPolicy(share=0.5)
    assert warned(Channel.web, FRIDAY_18, half) == datetime(2026, 11, 30, 13, 0, tzinfo=MONTREAL)


def test_a_phone_request_is_warned_5_open_minutes_before_its_deadline() -> None:
    assert warned(Channel.phone, WEDNESDAY_10) == WEDNESDAY_10 + timedelta(minutes=10)
    two = WarningPolicy(phone_before=timedelta(minutes=2))
    assert warned(Channel.phone, WEDNESDAY_10, two) == WEDNESDAY_10 + timedelta(minutes=13)


def test_a_warning_is_never_given_while_the_service_is_closed() -> None:
    start = datetime(2026, 11, 23, 0, 0, tzinfo=MONTREAL)
    for hours in range(0, 24 * 14, 1):
        for channel in (Channel.phone, Channel.email):
            received = start + timedelta(hours=hours, minutes=7 * (hours % 9))
            at = warned(channel, received)
            assert CALENDAR.is_open_at(at), (channel, received, at)
            assert at < take_in_charge_deadline(channel, received, CALENDAR)


@pytest.mark.parametrize(("share", "before"), [(0.0, 5), (1.0, 5), (0.75, 0), (0.75, 15)])
def test_a_policy_outside_its_bounds_is_refused(share: float, before: int) -> None:
    with pytest.raises(ValueError):
        WarningPolicy(share=share, phone_before=timedelta(minutes=before))
