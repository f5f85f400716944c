"""The SLA report for CA supervisors and auditors: per MO and month, as a table, a chart drawn
on the server (inline SVG: no script, no image to fetch, its words in French and real text for
screen readers; the table beside it gives every figure) and the CSV the API and the CLI give."""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from markupsafe import Markup
from starlette.responses import Response

from models.reports import SlaLine
from models.roles import Action
from models.service_calendar import MONTREAL
from starter.console.french import MONTHS, in_french
from starter.console.pages import CHANNEL_NAMES, render
from starter.console.session import ConsoleGuard, may
from starter.desks.errors import DeskError
from starter.desks.reports import as_csv

router = APIRouter(prefix="/console", include_in_schema=False)

# matplotlib's settings are global to the process: one drawing at a time.
_DRAWING = threading.Lock()
CHART_LABEL = (
    "Graphique du rapport : par organisme et par mois, les demandes prises en charge dans le "
    "délai, en retard et pas encore prises en charge, puis la médiane et le 90e centile du délai "
    "de prise en charge en minutes ouvrées. Le tableau qui suit donne les mêmes chiffres."
)

# Each panel's legend in a row between its title and its bars, never over a bar.
LEGEND_ABOVE: dict[str, Any] = {
    "loc": "lower center",
    "bbox_to_anchor": (0.5, 1.0),
    "ncols": 3,
    "frameon": False,
}


def month_name(month: str) -> str:
    """`2026-11` → `novembre 2026`."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def sla_chart(lines: list[SlaLine]) -> Markup:
    """The report as an SVG to put in the page: bars with a hatch each besides their colour
    (never colour alone), the figure's text kept as text, sized by its container. The same
    figures draw the same chart: it is drawn once (a tenth of a second or more)."""
    return _drawn(tuple(line.model_dump_json() for line in lines))


@lru_cache(maxsize=64)
def _drawn(figures: tuple[str, ...]) -> Markup:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    lines = [SlaLine.model_validate_json(text) for text in figures]
    labels = [f"{line.mo}\n{month_name(line.month)}" for line in lines]
    on_time = [line.taken_on_time for line in lines]
    late = [line.taken - line.taken_on_time for line in lines]
    waiting = [line.received - line.taken for line in lines]
    stacked = [a + b for a, b in zip(on_time, late, strict=True)]
    positions = list(range(len(labels)))
    edge = "#1b1b1b"
    with (
        _DRAWING,
        rc_context({"svg.fonttype": "none", "svg.hashsalt": "sagir-sla", "font.size": 10}),
    ):
        figure = Figure(figsize=(max(6.5, 1.3 * len(labels)), 7))
        counts, times = figure.subplots(2, 1)
        counts.bar(positions, on_time, color="#2e7d32", edgecolor=edge, label="dans le délai")
        counts.bar(
            positions,
            late,
            bottom=on_time,
            color="#b35900",
            edgecolor=edge,
            hatch="//",
            label="en retard",
        )
        counts.bar(
            positions,
            waiting,
            bottom=stacked,
            color="#d0d0d0",
            edgecolor=edge,
            hatch="..",
            label="pas encore prises en charge",
        )
        counts.set_xticks(positions, labels)
        counts.set_ylabel("demandes")
        counts.set_title("Prise en charge, par organisme et par mois", pad=30)
        counts.legend(**LEGEND_ABOVE)
        width = 0.4
        median = [line.median_open_minutes or 0 for line in lines]
        p90 = [line.p90_open_minutes or 0 for line in lines]
        times.bar(
            [p - width / 2 for p in positions],
            median,
            width,
            color="#095797",
            edgecolor=edge,
            label="médiane",
        )
        times.bar(
            [p + width / 2 for p in positions],
            p90,
            width,
            color="#9ec5ea",
            edgecolor=edge,
            hatch="\\\\",
            label="90e centile",
        )
        times.set_xticks(positions, labels)
        times.set_ylabel("minutes ouvrées")
        times.set_title("Délai de prise en charge", pad=30)
        times.legend(**LEGEND_ABOVE)
        # Fixed margins: tight_layout would draw the figure once more only to measure it.
        figure.subplots_adjust(left=0.1, right=0.98, top=0.91, bottom=0.08, hspace=0.55)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML declaration nor doctype inside HTML
    opening = svg[: svg.index(">") + 1]
    sized = re.sub(r'\s(width|height)="[^"]*"', "", opening)  # the viewBox keeps its shape
    named = sized.replace(
        "<svg", f'<svg role="img" aria-label="{CHART_LABEL}" focusable="false"', 1
    )
    return Markup(named + svg[len(opening) :])  # noqa: S704 - matplotlib's own SVG, text escaped


def _row(line: SlaLine) -> dict[str, object]:
    rate = line.on_time_rate
    return {
        "line": line,
        "month": month_name(line.month),
        "channels": ", ".join(
            f"{CHANNEL_NAMES.get(channel, channel)} : {count}"
            for channel, count in line.received_by_channel.items()
        ),
        "rate": "–" if rate is None else f"{round(rate * 100)} %",
        "median": _minutes(line.median_open_minutes),
        "p90": _minutes(line.p90_open_minutes),
    }


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


@router.get("/rapports", dependencies=[may(Action.report_read)])
async def sla(
    request: Request,
    guard: ConsoleGuard,
    mois: str | None = None,
    organisme: str | None = None,
) -> Response:
    if mois is None:  # the page as first opened: this month (an empty field: every month)
        mois = datetime.now(UTC).astimezone(MONTREAL).strftime("%Y-%m")
    month = mois.strip() or None
    mo = (organisme or "").strip().upper() or None
    values = {"mois": month or "", "organisme": mo or ""}
    try:
        # Off the event loop: a report reads every ticket of its months, and the agents'
        # queues refresh on this same process meanwhile.
        lines = await run_in_threadpool(guard.reports.sla, month, mo)
    except DeskError as refused:
        return render(
            request,
            "reports/sla.html",
            status_code=422,
            values=values,
            rows=[],
            chart=None,
            error=in_french(str(refused)),
            title="Rapport sur les délais de service",
        )
    chart = await run_in_threadpool(sla_chart, lines) if lines else None
    return render(
        request,
        "reports/sla.html",
        values=values,
        rows=[_row(line) for line in lines],
        chart=chart,
        error=None,
        title="Rapport sur les délais de service",
    )


@router.get("/rapports/sla.csv", dependencies=[may(Action.report_read)])
async def sla_csv(
    guard: ConsoleGuard, mois: str | None = None, organisme: str | None = None
) -> Response:
    """The same CSV as `GET /reports/sla.csv` and `sagir-desk report sla --csv`."""
    month = (mois or "").strip() or None
    mo = (organisme or "").strip().upper() or None
    lines = await run_in_threadpool(guard.reports.sla, month, mo)
    name = re.sub(r"[^A-Za-z0-9-]", "", "-".join(["sla", *(p for p in (mo, month) if p)]))
    return Response(
        as_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
