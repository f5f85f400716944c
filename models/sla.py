"""Take-in-charge deadlines ("prise en charge"), RULES.md "Take-in-charge deadlines".

- Phone: 15 minutes of open time from receipt; the clock stops while the service is closed.
- Every other channel: T0 = the first open instant at or after receipt; the deadline is the first
  open instant at or after T0 + 24 hours (24 elapsed hours, so a daylight-saving change never
  shortens or lengthens it).

Urgency does not change a deadline: urgent phone requests are served first in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from models.service_calendar import MONTREAL, Closure, OpenPeriod, ServiceCalendar

PHONE_DELAY = timedelta(minutes=15)
WRITTEN_DELAY = timedelta(hours=24)
# The warning before a breach (issue 16): at this share of a request's open time, or for a phone
# request this many open minutes before its deadline.
WARNING_SHARE = 0.75
PHONE_WARNING_BEFORE = timedelta(minutes=5)


class Channel(StrEnum):
    """How a request reached the CA; `web` is the Outil Requête."""

    phone = "phone"
    web = "web"
    email = "email"
    fax = "fax"
    voicemail = "voicemail"


CHANNEL_NAMES = ", ".join(channel.value for channel in Channel)


def parse_channel(text: str) -> Channel:
    """The channel named `text`, or ValueError naming the allowed ones."""
    try:
        return Channel(text.strip().lower())
    except ValueError:
        raise ValueError(f"channel {text!r} is not one of {CHANNEL_NAMES}") from None


def check_urgency(channel: Channel, urgent: bool) -> None:
    """Only phone requests can be urgent (RULES.md: urgent phone requests are served first)."""
    if urgent and channel is not Channel.phone:
        raise ValueError(
            f"urgent applies only to phone requests (this one came by {channel.value})"
        )


def take_in_charge_deadline(
    channel: Channel, received: datetime, calendar: ServiceCalendar
) -> datetime:
    """When a request received by `channel` at `received` must be taken in charge (the
    reasoning, which `explain_deadline` gives, is not built here: deadlines are computed in
    bulk, and nobody reads it)."""
    if channel is Channel.phone:  # the calendar refuses a `received` with no UTC offset
        return calendar.deadline(received, open_time=PHONE_DELAY)
    return calendar.deadline(received, elapsed=WRITTEN_DELAY)


@dataclass(frozen=True)
class WarningPolicy:
    """When the CA is warned that a request nears its take-in-charge deadline."""

    share: float = WARNING_SHARE
    phone_before: timedelta = PHONE_WARNING_BEFORE

    def __post_init__(self) -> None:
        if not 0 < self.share < 1:
            raise ValueError(f"warning share {self.share} must be between 0 and 1, exclusive")
        if not timedelta(0) < self.phone_before < PHONE_DELAY:
            raise ValueError(
                f"the phone warning must come between 0 and {PHONE_DELAY} before the deadline"
            )


DEFAULT_WARNING = WarningPolicy()


def warning_instant(
    channel: Channel,
    received: datetime,
    due: datetime,
    calendar: ServiceCalendar,
    policy: WarningPolicy = DEFAULT_WARNING,
) -> datetime | None:
    """When the CA is warned that a request received at `received`, due at `due`, is not taken
    in charge yet: once `policy.share` of its open time has run, or for a phone request
    `policy.phone_before` of open time before its deadline. Measured in open time, so it falls
    while the service is open (at the reopening, when the count runs out at a closing). None
    when no open time would be left to warn in."""
    if channel is Channel.phone:
        at = calendar.add_open_time(received, PHONE_DELAY - policy.phone_before)
    else:
        open_time = calendar.open_time_between(received, due)
        at = calendar.add_open_time(received, open_time * policy.share)
    # Run out at a closing (noon, say): the CA hears it when the service opens again.
    at = calendar.next_open_instant(at)
    return at.astimezone(MONTREAL) if at < due else None


@dataclass(frozen=True)
class CountedPeriod:
    """Open time that counted toward a phone deadline."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class DeadlineExplanation:
    """How a deadline was reached: what counted and what was skipped."""

    channel: Channel
    received: datetime
    due: datetime
    rule: str
    start_of_count: datetime
    counted: tuple[CountedPeriod, ...]
    closures_skipped: tuple[Closure, ...]
    plus_24_hours: datetime | None = None

    def lines(self) -> list[str]:
        """A readable account, one step per line, in Montreal time."""
        out = [
            f"channel: {self.channel.value}",
            f"received: {_local(self.received)}",
            f"rule: {self.rule}",
        ]
        if self.start_of_count != self.received:
            out.append(f"first open instant at or after receipt: {_local(self.start_of_count)}")
        else:
            out.append("received while the service was open: the count starts at once")
        for period in self.counted:
            out.append(
                f"counted: {_local(period.start)} to {_local(period.end)}"
                f" ({period.minutes:g} open minutes)"
            )
        if self.plus_24_hours is not None:
            out.append(f"T0 + 24 hours: {_local(self.plus_24_hours)}")
        for closure in self.closures_skipped:
            out.append(f"skipped: {closure.day.isoformat()} ({closure.reason})")
        out.append(f"due: {_local(self.due)}")
        return out


def explain_deadline(
    channel: Channel, received: datetime, calendar: ServiceCalendar
) -> DeadlineExplanation:
    """The deadline for a request and how it was reached."""
    if received.tzinfo is None or received.utcoffset() is None:
        raise ValueError("received must carry a UTC offset")
    start = calendar.next_open_instant(received)
    if channel is Channel.phone:
        due = calendar.add_open_time(received, PHONE_DELAY)
        counted = _counted_periods(calendar, start, due)
        rule = "phone: 15 minutes of open time from receipt"
        plus_24 = None
    else:
        plus_24 = (start.astimezone(UTC) + WRITTEN_DELAY).astimezone(MONTREAL)
        due = calendar.next_open_instant(plus_24)
        counted = ()
        rule = f"{channel.value}: first open instant at or after T0 + 24 hours"
    first_day = received.astimezone(MONTREAL).date()
    last_day = due.astimezone(MONTREAL).date()
    return DeadlineExplanation(
        channel=channel,
        received=received.astimezone(MONTREAL),
        due=due.astimezone(MONTREAL),
        rule=rule,
        start_of_count=start.astimezone(MONTREAL),
        counted=counted,
        closures_skipped=tuple(calendar.closures_between(first_day, last_day)),
        plus_24_hours=plus_24,
    )


def _counted_periods(
    calendar: ServiceCalendar, start: datetime, due: datetime
) -> tuple[CountedPeriod, ...]:
    counted = []
    for period in calendar.periods_from(start):
        if period.start >= due:
            break
        counted.append(_clip(period, start, due))
    return tuple(counted)


def _clip(period: OpenPeriod, start: datetime, end: datetime) -> CountedPeriod:
    return CountedPeriod(
        max(period.start, start).astimezone(MONTREAL), min(period.end, end).astimezone(MONTREAL)
    )


def _local(instant: datetime) -> str:
    local = instant.astimezone(MONTREAL)
    return f"{local.isoformat()} ({local.strftime('%a')})"


REOPEN_OPEN_DAYS = 10


def reopen_until(returned_at: datetime, calendar: ServiceCalendar) -> datetime:
    """The last instant a returned ticket may be reopened: the close of the 10th open day after
    the day of its return (RULES.md: the client may reopen within 10 open days)."""
    return_day = returned_at.astimezone(MONTREAL).date()
    last_day = calendar.open_days_after(return_day, REOPEN_OPEN_DAYS)
    return calendar.periods_on(last_day)[-1].end.astimezone(MONTREAL)
