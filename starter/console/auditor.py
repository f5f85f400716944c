"""The auditor's pages: every workflow found by MO, process, status, breach, late notice and
dates; a request's story and, on demand, its timeline with the payloads opened; the audit trail
and the check of its chain. Each reading goes through the guarded auditor desk, which records
the opening of payloads in the trail under the auditor's name, as it does for the API."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from models.audit import Outcome
from models.requests import Process
from models.roles import Action
from models.story import StoryLine
from models.tickets import Contract
from starter.console.french import in_french
from starter.console.pages import ROLE_NAMES, STATUS_NAMES, STEP_NAMES, render
from starter.console.session import ConsoleGuard, may
from starter.desks.auditor import TimelineEvent
from starter.desks.errors import DeskError, InvalidInput, parse

router = APIRouter(prefix="/console", include_in_schema=False)

PROCESS_NAMES = {
    Process.ticket: "Billet",
    Process.arrival: "Arrivée",
    Process.departure: "Départ",
    Process.parameterisation: "Paramétrage",
    Process.access: "Accès",
    Process.password: "Mot de passe",
    Process.training: "Formation",
    Process.training_request: "Demande de formation",
    Process.employee_change: "Modification d'employé",
    Process.communique: "Communiqué",
}

OUTCOME_NAMES = {
    Outcome.done: "Fait",
    Outcome.refused: "Refusé",
    Outcome.failed: "Échec",
}

# The engine's event kinds an auditor meets most; any other keeps its code.
EVENT_NAMES = {
    "workflow_execution_started": "Exécution commencée",
    "workflow_execution_completed": "Exécution terminée",
    "workflow_execution_failed": "Exécution en échec",
    "workflow_execution_terminated": "Exécution arrêtée",
    "workflow_execution_continued_as_new": "Exécution poursuivie dans une nouvelle",
    "workflow_execution_signaled": "Signal reçu",
    "workflow_execution_update_accepted": "Étape acceptée",
    "workflow_execution_update_completed": "Étape terminée",
    "workflow_task_scheduled": "Décision planifiée",
    "workflow_task_started": "Décision commencée",
    "workflow_task_completed": "Décision prise",
    "workflow_task_failed": "Décision en échec",
    "activity_task_scheduled": "Activité planifiée",
    "activity_task_started": "Activité commencée",
    "activity_task_completed": "Activité terminée",
    "activity_task_failed": "Activité en échec",
    "timer_started": "Minuterie lancée",
    "timer_fired": "Minuterie échue",
    "timer_canceled": "Minuterie annulée",
    "upsert_workflow_search_attributes": "Attributs de recherche mis à jour",
    "marker_recorded": "Marqueur enregistré",
}

# The story's rules (models/story.py words them in English, for the CLI and the API).
_RULES = (
    (
        re.compile(r"^to be taken in charge by (.+)$"),
        "à prendre en charge au plus tard le {0}",
    ),
    (
        re.compile(r"^not taken in charge by (.+): escalated to the CA supervisors$"),
        "non pris en charge au plus tard le {0} : signalé aux superviseurs du Centre d'assistance",
    ),
    (
        re.compile(r"^taken (\d+) open minutes after receipt, due (.+): on time$"),
        "pris en charge {0} minutes ouvrées après la réception (échéance : {1}) : dans le délai",
    ),
    (
        re.compile(r"^taken (\d+) open minutes after receipt, due (.+): (\d+) open minutes late$"),
        "pris en charge {0} minutes ouvrées après la réception (échéance : {1}) : en retard de "
        "{2} minutes ouvrées",
    ),
)
ROLES = {role.value: name for role, name in ROLE_NAMES.items()}
SEARCH_LIMIT = 500  # the desk's own; the page says when a search reached it
JOURNAL_SHOWN = 200  # the newest entries of the whole trail; a record's are all shown


def rule_in_french(rule: str) -> str:
    for pattern, french in _RULES:
        found = pattern.match(rule)
        if found:
            return french.format(*found.groups())
    return rule


def _said(line: StoryLine) -> str:
    """A step's note as its author wrote it; a refused attempt's reason in French (the trail
    keeps it with the HTTP status in front)."""
    if line.outcome is Outcome.done or not line.detail:
        return line.detail
    return in_french(re.sub(r"^\d{3} ", "", line.detail))


def _what(line: StoryLine) -> str:
    if line.what.startswith("attempt: "):
        return f"Tentative : {line.what.removeprefix('attempt: ')}"
    return STEP_NAMES.get(line.what, line.what)


def _choice(value: str | None) -> bool | None:
    return {"oui": True, "non": False}.get(value or "")


class _Period(Contract):
    """The search's days, read as the API reads its query (pydantic's words when one is not
    a date)."""

    since: date | None = None
    until: date | None = None


@router.get("/audit", dependencies=[may(Action.audit_read)])
async def search(
    request: Request,
    guard: ConsoleGuard,
    organisme: str | None = None,
    processus: str | None = None,
    statut: str | None = None,
    depasse: str | None = None,
    avis_tardif: str | None = None,
    du: str | None = None,
    au: str | None = None,
) -> Response:
    """The search form; once sent (any field, even empty), the workflows the engine's
    visibility finds."""
    values = {
        "organisme": organisme or "",
        "processus": processus or "",
        "statut": statut or "",
        "depasse": depasse or "",
        "avis_tardif": avis_tardif or "",
        "du": du or "",
        "au": au or "",
    }
    searched = bool(request.query_params)
    found = None
    error = None
    if searched:
        try:
            period = parse(_Period, since=du or None, until=au or None)
            found = await guard.auditor.find(
                mo=(organisme or "").strip().upper() or None,
                process=processus or None,
                status=statut or None,
                breached=_choice(depasse),
                late_notice=_choice(avis_tardif),
                since=period.since,
                until=period.until,
                limit=SEARCH_LIMIT,
            )
        except DeskError as refused:
            error = in_french(str(refused))
    return render(
        request,
        "auditor/search.html",
        status_code=422 if error else 200,
        values=values,
        found=found,
        error=error,
        limit=SEARCH_LIMIT,
        processes=PROCESS_NAMES,
        statuses=STATUS_NAMES,
        title="Recherche dans les processus",
    )


@router.get("/audit/journal", dependencies=[may(Action.audit_read)])
async def journal(
    request: Request,
    guard: ConsoleGuard,
    enregistrement: str | None = None,
    verification: str | None = None,
) -> Response:
    """The trail's entries (a record's, or the newest of all), and on demand the check of its
    chain against the checkpoints kept outside the database."""
    record = (enregistrement or "").strip() or None
    entries = guard.auditor.entries(record)
    total = len(entries)
    shown = list(reversed(entries if record else entries[-JOURNAL_SHOWN:]))
    checked = await guard.auditor.verify() if verification else None
    return render(
        request,
        "auditor/journal.html",
        entries=shown,
        total=total,
        record=record or "",
        checked=checked,
        newest=max(checked.checkpoints, key=lambda c: c.at)
        if checked and checked.checkpoints
        else None,
        outcomes=OUTCOME_NAMES,
        roles=ROLES,
        title="Journal d'audit",
    )


@router.get("/audit/{workflow_id}", dependencies=[may(Action.audit_read)])
async def workflow(
    request: Request, workflow_id: str, guard: ConsoleGuard, chronologie: str | None = None
) -> Response:
    """A request's story; its timeline with the payloads opened once the auditor asks for it
    (each reading recorded in the trail by the desk)."""
    lines: list[StoryLine] | None
    no_story = None
    try:
        lines = await guard.auditor.story(workflow_id)
    except InvalidInput as refused:  # not a request (a checkpoint, a schedule): no story
        lines, no_story = None, in_french(str(refused))
    timeline: list[TimelineEvent] | None = None
    if chronologie:
        timeline = await guard.auditor.history(workflow_id)
    return render(
        request,
        "auditor/workflow.html",
        workflow_id=workflow_id,
        lines=[_story_row(line) for line in lines] if lines is not None else None,
        no_story=no_story,
        timeline=[_event_row(event) for event in timeline] if timeline is not None else None,
        title=f"Dossier {workflow_id}",
    )


def _story_row(line: StoryLine) -> dict[str, Any]:
    return {
        "at": line.at,
        "who": line.who,
        "role": ROLES.get(line.role, line.role),
        "what": _what(line),
        "outcome": line.outcome,
        "outcome_name": OUTCOME_NAMES[line.outcome],
        "said": _said(line),
        "rule": rule_in_french(line.rule),
    }


def _event_row(event: TimelineEvent) -> dict[str, Any]:
    """An event as the page shows it: its payloads (what people sent and the workflow answered)
    in front, the engine's other attributes folded below them."""
    return {
        "id": event.event_id,
        "at": event.at,
        "kind": event.kind,
        "name": EVENT_NAMES.get(event.kind, event.kind),
        "about": _about(event.detail),
        "payloads": [_json(value) for value in _payloads(event.detail)],
        "detail": _json(event.detail) if event.detail else "",
    }


def _about(detail: dict[str, Any]) -> str:
    """Which activity, step (update) or signal the event is about, as the code names it."""
    activity = detail.get("activityType")
    update = detail.get("acceptedRequest", {}).get("input")
    for named in (activity, update):
        if isinstance(named, dict) and isinstance(named.get("name"), str):
            return str(named["name"])
    return str(detail.get("signalName", ""))


def _payloads(node: Any) -> list[Any]:
    """The opened payloads of an event's attributes: each `{"value": ...}` the desk left in a
    `payloads` list (inputs, results, a step's arguments)."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "payloads" and isinstance(value, list):
                found += [
                    item["value"] for item in value if isinstance(item, dict) and "value" in item
                ]
            else:
                found += _payloads(value)
    elif isinstance(node, list):
        for value in node:
            found += _payloads(value)
    return found


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
