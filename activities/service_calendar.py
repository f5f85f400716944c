"""Calendar computations a workflow needs after it has started, run as local activities so the
answer is recorded in the history: a later holiday list never changes a decision already made."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import DEFAULT_WARNING, WarningPolicy, reopen_until, warning_instant
from models.tickets import ReopenUntilRequest, WarningRequest


class CalendarActivities:
    def __init__(
        self, calendar: ServiceCalendar, warnings: WarningPolicy = DEFAULT_WARNING
    ) -> None:
        self._calendar = calendar
        self._warnings = warnings

    @activity.defn
    def warning_at(self, request: WarningRequest) -> datetime | None:
        """When to warn the CA that the request nears its take-in-charge deadline (None: no
        open time left to warn in)."""
        at = warning_instant(
            request.channel, request.received_at, request.due, self._calendar, self._warnings
        )
        if at is not None and request.now is not None and at < request.now:
            at = self._calendar.next_open_instant(request.now)  # late: at the next opening
            return at if at < request.due else None
        return at

    # Registered under its first name: tickets returned before the rename replay unchanged.
    @activity.defn(name="reopen_window_end")
    def reopen_until(self, request: ReopenUntilRequest) -> datetime:
        return reopen_until(request.returned_at, self._calendar)

    @activity.defn
    def next_open_day_start(self, after: datetime) -> datetime:
        """The opening of the first open day after `after`'s day (when reminders go out)."""
        day = after.astimezone(MONTREAL).date()
        next_day = self._calendar.open_days_after(day, 1)
        return self._calendar.periods_on(next_day)[0].start
