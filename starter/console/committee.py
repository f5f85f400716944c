"""The committee's report in the console (« Comité »): one month per MO and for the whole service,
against the month before, with charts drawn on the server as inline SVG (no script, no image to
fetch, a title and a description for screen readers, a pattern besides each colour) and the
table that gives every figure. Each MO's people see their own MO's; the CA and the auditors,
every MO's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from markupsafe import Markup, escape
from starlette.responses import Response

from models.committee import CommitteeLine, CommitteeReport
from models.resolution import UNKNOWN_MODULE
from models.roles import Action
from models.service_calendar import MONTREAL
from starter.console.french import in_french
from starter.console.pages import CHANNEL_NAMES, render
from starter.console.reports import month_name
from starter.console.session import ConsoleGuard, may
from starter.desks.committee import FIGURES, as_csv, trend
from starter.desks.errors import InvalidInput

router = APIRouter(prefix="/console", include_in_schema=False)
TITLE = "Rapport du comité d'amélioration continue"
SERVICE = "Ensemble du service"

# Each figure's words in the table, in FIGURES' order.
FIGURE_NAMES = {
    "received": "Demandes reçues",
    "taken": "Prises en charge",
    "taken_on_time": "Prises en charge dans le délai",
    "breached": "Délais de prise en charge dépassés",
    "median_take_minutes": "Prise en charge, médiane (min ouvrées)",
    "p90_take_minutes": "Prise en charge, 90e centile (min ouvrées)",
    "late_departure_notices": "Avis de départ tardifs",
    "warnings": "Avertissements donnés",
    "tickets": "Billets reçus",
    "resolved": "Billets résolus",
    "median_resolution_minutes": "Résolution, médiane (min ouvrées)",
    "p90_resolution_minutes": "Résolution, 90e centile (min ouvrées)",
    "client_wait_minutes": "Attente du client (min ouvrées, à part)",
    "dggir_minutes": "À la DGGIR (min ouvrées, comprises)",
    "with_target": "Résolus ayant une cible",
    "within_target": "Résolus dans la cible",
    "within_target_rate": "Part dans la cible",
    "forwards": "Transmissions à la DGGIR",
    "forwards_back": "Transmissions revenues",
    "median_forward_minutes": "Suivi des transmissions, médiane (min ouvrées)",
    "p90_forward_minutes": "Suivi des transmissions, 90e centile (min ouvrées)",
    "returned": "Billets retournés au client",
    "reopened": "Billets rouverts",
    "reopen_rate": "Taux de réouverture",
    "quality_checks": "Contrôles de qualité",
    "quality_rejections": "Contrôles de qualité refusés",
    "rejection_rate": "Taux de refus au contrôle de qualité",
    "questions": "Questions aux clients",
    "questions_answered": "Questions répondues",
    "median_question_wait_minutes": "Réponse du client, médiane (min ouvrées)",
    "p90_question_wait_minutes": "Réponse du client, 90e centile (min ouvrées)",
}
RATES = {"within_target_rate", "reopen_rate", "rejection_rate"}
assert set(FIGURE_NAMES) == {name for name, _ in FIGURES}


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]  # None: no figure (nothing resolved, say), drawn as a dash
    colour: str
    pattern: str | None  # an SVG pattern's id, so colour is never the only difference


def _number(value: float) -> str:
    text = f"{value:.1f}".replace(".", ",")
    return text.removesuffix(",0")


def bar_chart(
    key: str, title: str, description: str, groups: list[str], series: list[Series]
) -> Markup:
    """Horizontal grouped bars: a group per MO, a bar per series, each bar's figure written at
    its end. The title and the description name the chart for screen readers."""
    bar, gap, left, width, label_room = 16, 14, 190, 640, 70
    legend_height = 26
    group_height = bar * len(series) + gap
    height = legend_height + group_height * len(groups) + 10
    highest = max((v or 0.0 for s in series for v in s.values), default=0.0) or 1.0
    scale = (width - left - label_room) / highest
    parts = [
        f'<svg role="img" aria-labelledby="{key}-titre {key}-desc" viewBox="0 0 {width} {height}" '
        f'class="graphique" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{key}-titre">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
        "<defs>"
        '<pattern id="hachures" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#9ec5ea"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#1b1b1b" stroke-width="1.5"/></pattern>'
        "</defs>",
    ]
    x = left
    for item in series:
        fill = f"url(#{item.pattern})" if item.pattern else item.colour
        parts.append(
            f'<rect x="{x}" y="4" width="14" height="14" fill="{fill}" stroke="#1b1b1b"/>'
            f'<text x="{x + 20}" y="16" font-size="13">{escape(item.label)}</text>'
        )
        x += 30 + 8 * len(item.label)
    for index, group in enumerate(groups):
        top = legend_height + index * group_height
        middle = top + bar * len(series) / 2 + 4
        parts.append(
            f'<text x="{left - 8}" y="{middle:.0f}" font-size="13" text-anchor="end">'
            f"{escape(group)}</text>"
        )
        for number, item in enumerate(series):
            value = item.values[index] or 0.0
            shown = "–" if item.values[index] is None else _number(value)
            y = top + number * bar
            fill = f"url(#{item.pattern})" if item.pattern else item.colour
            parts.append(
                f'<rect x="{left}" y="{y}" width="{value * scale:.1f}" height="{bar - 2}" '
                f'fill="{fill}" stroke="#1b1b1b"><title>{escape(group)}, {escape(item.label)} : '
                f"{shown}</title></rect>"
                f'<text x="{left + value * scale + 4:.1f}" y="{y + bar - 4}" font-size="12">'
                f"{shown}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def charts(report: CommitteeReport) -> list[Markup]:
    groups = [line.mo or SERVICE for line in report.lines]
    now, then = month_name(report.month), month_name(report.previous_month)

    def of(lines: list[CommitteeLine], name: str) -> list[float | None]:
        return [getattr(line, name) for line in lines]

    return [
        bar_chart(
            "resolution",
            "Délai de résolution, sans l'attente du client",
            f"Pour chaque organisme et l'ensemble du service, en {now} : la médiane et le 90e "
            "centile du délai de résolution en minutes ouvrées, de la réception au retour de la "
            "solution, sans le temps d'attente du client. Le tableau donne les mêmes chiffres.",
            groups,
            [
                Series("médiane", of(report.lines, "median_resolution_minutes"), "#095797", None),
                Series("90e centile", of(report.lines, "p90_resolution_minutes"), "", "hachures"),
            ],
        ),
        bar_chart(
            "depassements",
            f"Délais de prise en charge dépassés, {now} et {then}",
            f"Pour chaque organisme et l'ensemble du service : le nombre de demandes dont le délai "
            f"de prise en charge a été dépassé en {now}, puis en {then}.",
            groups,
            [
                Series(now, of(report.lines, "breached"), "#b35900", None),
                Series(then, of(report.previous, "breached"), "", "hachures"),
            ],
        ),
        bar_chart(
            "suivi",
            f"Transmissions à la DGGIR et questions aux clients, {now}",
            f"Pour chaque organisme et l'ensemble du service, en {now} : le nombre de billets "
            "transmis à la DGGIR, de questions posées aux clients et d'avertissements donnés.",
            groups,
            [
                Series("transmissions", of(report.lines, "forwards"), "#2e7d32", None),
                Series("questions", of(report.lines, "questions"), "", "hachures"),
                Series("avertissements", of(report.lines, "warnings"), "#6b4c9a", None),
            ],
        ),
    ]


def _shown(name: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    if name in RATES:
        points = round(value * 100)
        return f"{points:+d} points" if signed else f"{points} %"
    text = _number(value)
    return f"+{text}" if signed and value > 0 else text


def _counts(counts: dict[str, int], names: dict[str, str] | None = None) -> str:
    shown = ", ".join(f"{(names or {}).get(k, k)} : {v}" for k, v in counts.items())
    return shown or "–"


def _block(line: CommitteeLine, before: CommitteeLine) -> dict[str, object]:
    return {
        "name": line.mo or SERVICE,
        "rows": [
            {
                "figure": FIGURE_NAMES[name],
                "now": _shown(name, now),
                "then": _shown(name, then),
                "change": _shown(name, change, signed=True),
            }
            for name, now, then, change in trend(line, before)
        ],
        "by": [
            ("Reçues par canal", _counts(line.received_by_channel, CHANNEL_NAMES)),
            ("Dépassements par canal", _counts(line.breaches_by_channel, CHANNEL_NAMES)),
            (
                "Dépassements par module",
                _counts(line.breaches_by_module, {UNKNOWN_MODULE: "module inconnu"}),
            ),
        ],
    }


@router.get("/rapports/comite", dependencies=[may(Action.committee_read)])
async def committee(
    request: Request, guard: ConsoleGuard, mois: str | None = None, organisme: str | None = None
) -> Response:
    if mois is None:  # the page as first opened: this month
        mois = datetime.now(UTC).astimezone(MONTREAL).strftime("%Y-%m")
    month = mois.strip()
    mo = (organisme or "").strip().upper() or None
    values = {"mois": month, "organisme": mo or ""}
    try:
        # Off the event loop: the report reads every ticket of two months and their steps.
        found = await run_in_threadpool(guard.committee.report, month, mo)
    except InvalidInput as refused:  # another MO's figures: the 404 page, as elsewhere
        return render(
            request,
            "reports/committee.html",
            status_code=422,
            values=values,
            report=None,
            error=in_french(str(refused)),
            title=TITLE,
        )
    return render(
        request,
        "reports/committee.html",
        values=values,
        report=found,
        month=month_name(found.month),
        previous=month_name(found.previous_month),
        blocks=[_block(a, b) for a, b in zip(found.lines, found.previous, strict=True)],
        charts=await run_in_threadpool(charts, found) if found.lines else [],
        error=None,
        title=TITLE,
    )


@router.get("/rapports/comite.csv", dependencies=[may(Action.committee_read)])
async def committee_csv(
    guard: ConsoleGuard, mois: str | None = None, organisme: str | None = None
) -> Response:
    """The same CSV as `GET /reports/committee.csv` and `sagir-desk report committee`."""
    month = (mois or "").strip()
    mo = (organisme or "").strip().upper() or None
    found = await run_in_threadpool(guard.committee.report, month, mo)
    name = re.sub(r"[^A-Za-z0-9-]", "", "-".join(["comite", *(p for p in (mo, month) if p)]))
    return Response(
        as_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
