"""The committee's report (comité d'amélioration continue): one month per MO and for the whole
service, against the month before, as the CLI's table, CSV or JSON. The CA and the auditors read
every MO's figures; each MO's people read their own MO's (another MO's answer as if it did not
exist), never the whole service's."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from adapters.ports import CommitteeRecords, Reports
from models.committee import (
    CommitteeFacts,
    CommitteeLine,
    CommitteeReport,
    committee_report,
    previous_month,
)
from models.resolution import Targets
from models.roles import Action, Caller
from models.service_calendar import ServiceCalendar
from starter.desks.access import authorize
from starter.desks.errors import InvalidInput
from starter.desks.reports import check_month

SERVICE = "service"  # the whole service's line, in the table and the CSV

# The figures as the table and the CSV give them, in order, with the table's words.
FIGURES: list[tuple[str, str]] = [
    ("received", "requests received"),
    ("taken", "taken in charge"),
    ("taken_on_time", "taken on time"),
    ("breached", "breached"),
    ("median_take_minutes", "take in charge, median (open min)"),
    ("p90_take_minutes", "take in charge, 90th pct (open min)"),
    ("late_departure_notices", "late departure notices"),
    ("warnings", "warnings given"),
    ("tickets", "tickets received"),
    ("resolved", "tickets resolved"),
    ("median_resolution_minutes", "resolution, median (open min)"),
    ("p90_resolution_minutes", "resolution, 90th pct (open min)"),
    ("client_wait_minutes", "waiting on the client (open min)"),
    ("dggir_minutes", "at the DGGIR (open min)"),
    ("with_target", "resolved with a target"),
    ("within_target", "resolved within target"),
    ("within_target_rate", "share within target"),
    ("forwards", "forwards"),
    ("forwards_back", "forwards back"),
    ("median_forward_minutes", "forward to back, median (open min)"),
    ("p90_forward_minutes", "forward to back, 90th pct (open min)"),
    ("returned", "tickets returned"),
    ("reopened", "tickets reopened"),
    ("reopen_rate", "reopen rate"),
    ("quality_checks", "quality checks"),
    ("quality_rejections", "quality checks rejected"),
    ("rejection_rate", "rejection rate"),
    ("questions", "questions to clients"),
    ("questions_answered", "questions answered"),
    ("median_question_wait_minutes", "client's answer, median (open min)"),
    ("p90_question_wait_minutes", "client's answer, 90th pct (open min)"),
]
BY = ["received_by_channel", "breaches_by_channel", "breaches_by_module"]
CSV_FIELDS = ["mo", "month", *(name for name, _ in FIGURES), *BY]


@dataclass(frozen=True)
class CommitteeDesk:
    reports: Reports
    records: CommitteeRecords
    calendar: ServiceCalendar
    targets: Targets

    def report(self, month: str | None, mo: str | None = None) -> CommitteeReport:
        if not month:
            raise InvalidInput("month: the committee's report is of one month, like 2026-11")
        check_month(month)
        months = (month, previous_month(month))
        facts = CommitteeFacts(
            requests=[f for m in months for f in self.reports.request_facts(m, mo)],
            tickets=[t for m in months for t in self.records.tickets(m, mo)],
            late_notices=[n for m in months for n in self.reports.late_notices(m, mo)],
            warnings=[w for m in months for w in self.records.warnings(m, mo)],
        )
        return committee_report(month, facts, self.calendar, self.targets, mo is None)


@dataclass(frozen=True)
class GuardedCommittee:
    desk: CommitteeDesk
    caller: Caller

    def report(self, month: str | None, mo: str | None = None) -> CommitteeReport:
        authorize(self.caller, Action.committee_read, mo, f"MO {mo}")
        # An MO's people read their own MO's figures: never the whole service's.
        return self.desk.report(month, mo if self.caller.spans_mos else self.caller.mo)


def as_csv(report: CommitteeReport) -> str:
    """One row per MO (then the whole service) and month: the month, then the month before."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for line in [*report.lines, *report.previous]:
        row = line.model_dump()
        row["mo"] = line.mo or SERVICE
        for name in BY:
            row[name] = " ".join(f"{k}={v}" for k, v in getattr(line, name).items())
        writer.writerow(row)
    return out.getvalue()


def trend(
    line: CommitteeLine, before: CommitteeLine
) -> list[tuple[str, float | None, float | None, float | None]]:
    """Each figure: this month, the month before, and the change."""
    rows = []
    for name, _ in FIGURES:
        now, then = getattr(line, name), getattr(before, name)
        change = None if now is None or then is None else now - then
        rows.append((name, now, then, change))
    return rows
