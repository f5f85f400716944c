"""SLA reports: the figures per MO and month, as a table, CSV, or a chart people would rather
look at than read (matplotlib, drawn to PNG without a screen, imported only when one is drawn).
CA supervisors and auditors read them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from adapters.ports import Reports
from models.reports import SlaLine, sla_report
from models.roles import Action, Caller
from models.service_calendar import ServiceCalendar
from models.tickets import FIRST_YEAR, LAST_YEAR
from starter.desks.access import authorize
from starter.desks.errors import InvalidInput

CSV_FIELDS = [
    "mo",
    "month",
    "received",
    "received_by_channel",
    "taken",
    "taken_on_time",
    "breached",
    "median_open_minutes",
    "p90_open_minutes",
    "late_departure_notices",
]


@dataclass(frozen=True)
class ReportDesk:
    reports: Reports
    calendar: ServiceCalendar

    def sla(self, month: str | None = None, mo: str | None = None) -> list[SlaLine]:
        check_month(month)
        return sla_report(
            self.reports.request_facts(month, mo),
            self.reports.late_notices(month, mo),
            self.calendar,
        )


@dataclass(frozen=True)
class GuardedReports:
    desk: ReportDesk
    caller: Caller

    def sla(self, month: str | None = None, mo: str | None = None) -> list[SlaLine]:
        authorize(self.caller, Action.report_read)
        return self.desk.sla(month, mo)


def as_csv(lines: list[SlaLine]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for line in lines:
        row = line.model_dump()
        row["received_by_channel"] = " ".join(
            f"{k}={v}" for k, v in line.received_by_channel.items()
        )
        writer.writerow(row)
    return out.getvalue()


def as_png(lines: list[SlaLine]) -> bytes:
    """Per MO and month: requests taken on time, late, not taken (bars), and the median and
    90th-percentile take-in-charge time in open minutes (a second panel)."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server
    import matplotlib.pyplot as plt

    labels = [f"{line.mo}\n{line.month}" for line in lines] or ["(none)"]
    on_time = [line.taken_on_time for line in lines] or [0]
    late = [line.taken - line.taken_on_time for line in lines] or [0]
    waiting = [line.received - line.taken for line in lines] or [0]
    positions = range(len(labels))
    figure, (counts, times) = plt.subplots(2, 1, figsize=(max(6.0, 1.2 * len(labels)), 7))
    counts.bar(positions, on_time, color="#2e7d32", label="taken on time")
    counts.bar(positions, late, bottom=on_time, color="#ef6c00", label="taken late")
    stacked = [a + b for a, b in zip(on_time, late, strict=True)]
    counts.bar(positions, waiting, bottom=stacked, color="#9e9e9e", label="not taken yet")
    counts.set_xticks(list(positions), labels)
    counts.set_ylabel("requests")
    counts.set_title("Prise en charge: on time and late, per MO and month")
    counts.legend()
    median = [line.median_open_minutes or 0 for line in lines] or [0]
    p90 = [line.p90_open_minutes or 0 for line in lines] or [0]
    width = 0.4
    times.bar([p - width / 2 for p in positions], median, width, color="#1565c0", label="median")
    times.bar([p + width / 2 for p in positions], p90, width, color="#90caf9", label="90th pct")
    times.set_xticks(list(positions), labels)
    times.set_ylabel("open minutes to take in charge")
    times.legend()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    plt.close(figure)
    return out.getvalue()


def check_month(month: str | None) -> None:
    if month is not None and not _is_month(month):
        raise InvalidInput(f"month: {month!r} is not a month like 2026-11")
    if month is not None and not FIRST_YEAR <= int(month[:4]) <= LAST_YEAR:
        raise InvalidInput(
            f"month: {month!r} must fall between the years {FIRST_YEAR} and {LAST_YEAR}"
        )


def _is_month(text: str) -> bool:
    year, sep, month = text.partition("-")
    return (
        bool(sep)
        and year.isdigit()
        and len(year) == 4
        and month.isdigit()
        and 1 <= int(month) <= 12
        and len(month) == 2
    )
