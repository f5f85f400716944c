"""Calendar computations a workflow needs after it has started, run as local activities so the
answer is recorded in the history: a later holiday list never changes a decision already made."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import reopen_until
from models.tickets import ReopenUntilRequest


class CalendarActivities:
    def __init__(self, calendar: ServiceCalendar) -> None:
        self._calendar = calendar

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
