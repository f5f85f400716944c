"""RULES.md "Service hours" and "Take-in-charge deadlines", example by example."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from models.service_calendar import MONTREAL, ServiceCalendar, quebec_holidays
from models.sla import Channel, explain_deadline, reopen_until, take_in_charge_deadline

CALENDAR = ServiceCalendar()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


def due(channel: str, received: str, calendar: ServiceCalendar = CALENDAR) -> str:
    return take_in_charge_deadline(Channel(channel), local(received), calendar).isoformat()


def test_email_on_monday_at_10h00_is_due_tuesday_at_10h00() -> None:
    assert due("email", "2026-11-23T10:00") == "2026-11-24T10:00:00-05:00"


def test_email_on_monday_at_12h30_is_due_tuesday_at_14h00_when_tuesday_afternoon_opens() -> None:
    assert due("email", "2026-11-23T12:30") == "2026-11-24T14:00:00-05:00"


def test_email_on_friday_at_16h00_is_due_monday_at_08h30() -> None:
    assert due("email", "2026-11-27T16:00") == "2026-11-30T08:30:00-05:00"


def test_phone_call_at_11h50_on_tuesday_is_due_at_14h05() -> None:
    assert due("phone", "2026-11-24T11:50") == "2026-11-24T14:05:00-05:00"


def test_phone_call_at_16h20_before_saint_jean_baptiste_is_due_thursday_at_08h35() -> None:
    assert due("phone", "2026-06-23T16:20") == "2026-06-25T08:35:00-04:00"


def test_phone_clock_stops_over_lunch_on_an_ordinary_day() -> None:
    assert due("phone", "2026-11-23T11:55") == "2026-11-23T13:10:00-05:00"


def test_phone_minutes_running_out_at_noon_are_due_at_noon() -> None:
    assert due("phone", "2026-11-23T11:45") == "2026-11-23T12:00:00-05:00"


def test_phone_call_while_closed_starts_counting_at_the_next_opening() -> None:
    assert due("phone", "2026-11-28T10:00") == "2026-11-30T08:45:00-05:00"


def test_every_written_channel_has_the_24_hour_rule() -> None:
    for channel in ("web", "email", "fax", "voicemail"):
        assert due(channel, "2026-11-23T10:00") == "2026-11-24T10:00:00-05:00"


def test_the_holiday_season_closes_december_24_to_january_2() -> None:
    assert due("email", "2026-12-23T15:00") == "2026-12-28T08:30:00-05:00"
    assert due("email", "2026-12-30T09:00") == "2027-01-04T08:30:00-05:00"


def test_easter_monday_is_closed() -> None:
    assert not CALENDAR.is_open_day(date(2026, 4, 6))
    assert due("phone", "2026-04-02T16:25") == "2026-04-07T08:40:00-04:00"


def test_quebec_public_holidays_are_closed() -> None:
    for day in (
        "2026-01-01",
        "2026-04-03",
        "2026-05-18",
        "2026-06-24",
        "2026-07-01",
        "2026-09-07",
        "2026-10-12",
        "2026-12-25",
    ):
        assert not CALENDAR.is_open_day(date.fromisoformat(day)), day


def test_rules_md_extra_days_are_closures_every_year() -> None:
    for year in (2026, 2027, 2030):
        days = quebec_holidays(year)
        for month, day in ((1, 2), (12, 24), (12, 26), (12, 31)):
            assert date(year, month, day) in days


def test_extra_closure_dates_from_configuration_are_closed() -> None:
    calendar = ServiceCalendar(frozenset({date(2026, 11, 24)}))
    assert due("email", "2026-11-23T10:00", calendar) == "2026-11-25T08:30:00-05:00"


def test_daylight_saving_start_weekend_keeps_local_opening_hours() -> None:
    # Clocks jump forward on Sunday 2026-03-08: Friday's phone call ends Monday 08:40 EDT.
    assert due("phone", "2026-03-06T16:25") == "2026-03-09T08:40:00-04:00"


def test_daylight_saving_end_weekend_keeps_local_opening_hours() -> None:
    assert due("email", "2026-10-30T16:00") == "2026-11-02T08:30:00-05:00"


def test_a_receipt_given_with_another_offset_is_answered_in_montreal_time() -> None:
    received = datetime.fromisoformat("2026-11-23T15:00:00+00:00")  # 10:00 in Montreal
    deadline = take_in_charge_deadline(Channel.email, received, CALENDAR)
    assert deadline.isoformat() == "2026-11-24T10:00:00-05:00"


def test_explain_lists_counted_periods_and_skipped_closures() -> None:
    explanation = explain_deadline(Channel.phone, local("2026-06-23T16:20"), CALENDAR)
    assert [(p.start.isoformat(), p.minutes) for p in explanation.counted] == [
        ("2026-06-23T16:20:00-04:00", 10),
        ("2026-06-25T08:30:00-04:00", 5),
    ]
    assert [c.day.isoformat() for c in explanation.closures_skipped] == ["2026-06-24"]
    assert explanation.lines()[-1].startswith("due: 2026-06-25T08:35:00-04:00")


def test_reopen_window_is_ten_open_days_after_the_return() -> None:
    # Returned Monday 2026-11-23: ten open days later is Monday 2026-12-07, until 16:30.
    assert reopen_until(local("2026-11-23T10:00"), CALENDAR).isoformat() == (
        "2026-12-07T16:30:00-05:00"
    )


def test_reopen_window_skips_the_holiday_season() -> None:
    until = reopen_until(local("2026-12-21T10:00"), CALENDAR)
    # Open days after Dec 21: 22, 23, 28, 29, 30, Jan 4, 5, 6, 7, 8.
    assert until.isoformat() == "2027-01-08T16:30:00-05:00"


def test_a_deadline_needs_a_receipt_with_an_offset() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        take_in_charge_deadline(Channel.phone, datetime(2026, 11, 23, 10), CALENDAR)


def test_open_time_is_exact_to_the_minute_across_days() -> None:
    start = local("2026-11-23T16:29")
    assert CALENDAR.add_open_time(start, timedelta(minutes=2)).isoformat() == (
        "2026-11-24T13:31:00+00:00"  # Tuesday 08:31 local
    )
