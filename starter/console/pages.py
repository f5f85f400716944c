"""How a console page is rendered: the Jinja2 templates of the package, what every page knows
(the person, their menu, the form token), and the French way of writing dates, durations and
the desk's codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import Response

from models.roles import Action, Caller, Role
from models.service_calendar import MONTREAL, ServiceCalendar
from starter.console.french import in_french, is_translated, long_date
from starter.console.session import COOKIE, csrf_token

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

ROLE_NAMES = {
    Role.mo_hr: "Ressources humaines",
    Role.personne_autorisee: "Personne autorisée",
    Role.mo_user: "Utilisateur",
    Role.ca_agent: "Agent du Centre d'assistance",
    Role.ca_supervisor: "Superviseur du Centre d'assistance",
    Role.dggir_pilot: "Pilote de la DGGIR",
    Role.auditor: "Vérificateur",
    Role.dggir_author: "Rédaction DGGIR",
    Role.mo_author: "Rédaction du MO",
    Role.ca_billing: "Facturation du Centre d'assistance",
    Role.mo_finance: "Finances de l'organisme",
}

STATUS_NAMES = {
    "received": "À prendre en charge",
    "in_charge": "Pris en charge",
    "forwarded": "Acheminé",
    "waiting_client": "En attente du client",
    "awaiting_qa": "Contrôle de qualité",
    "returned": "Solution transmise",
    "closed": "Fermé",
    # the other processes' statuses
    "started": "Commencée",
    "waiting_dossier": "En attente du dossier",
    "waiting_mo": "En attente de l'organisme",
    "completed": "Terminée",
    "applied": "Appliquée",
    "refused": "Refusée",
    "cancelled": "Annulée",
    "running": "En cours",
    "failed": "En échec",
    "notified": "Avis reçu",
    "recorded": "Enregistrée",
}

CHANNEL_NAMES = {
    "phone": "Téléphone",
    "web": "Outil Requête",
    "email": "Courriel",
    "fax": "Télécopieur",
    "voicemail": "Boîte vocale",
}

STEP_NAMES = {
    "received": "Demande reçue",
    "warned": "Avertissement : échéance proche",
    "breached": "Délai de prise en charge dépassé",
    "take": "Prise en charge",
    "forward": "Acheminement",
    "back": "Retour d'acheminement",
    "ask": "Question au client",
    "answer": "Réponse du client",
    "propose": "Solution proposée",
    "check": "Contrôle de qualité",
    "return": "Solution transmise au client",
    "close": "Fermeture",
    "reopen": "Réouverture",
    "message": "Message du client",
    "reminder": "Rappel de la question au client",
    "closed_no_answer": "Fermeture sans réponse du client",
    "follow_up": "Relance du pilote ou de l'intervenant",
}

SHORT_MONTHS = "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split()


def when(instant: datetime | None) -> str:
    """`jeudi 26 novembre 2026, 14 h 05`, in Montréal's time."""
    if instant is None:
        return ""
    local = instant.astimezone(MONTREAL)
    return f"{long_date(local.date())}, {local.hour} h {local.minute:02d}"


def short_when(instant: datetime | None) -> str:
    """`26 nov., 14 h 05`."""
    if instant is None:
        return ""
    local = instant.astimezone(MONTREAL)
    return f"{local.day} {SHORT_MONTHS[local.month - 1]}, {local.hour} h {local.minute:02d}"


def duration(amount: timedelta) -> str:
    """`2 h 05 min`, `12 min`, `3 j 4 h` (days of 24 hours)."""
    minutes = int(amount.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} j {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def deadline(
    calendar: ServiceCalendar, received: datetime, due: datetime, now: datetime | None = None
) -> dict[str, Any]:
    """Where a deadline stands in the service's open time: what is left (or how late), and
    whether it is breached or near (a quarter of its allowance left, or less)."""
    now = now or datetime.now(UTC)
    if now >= due:
        late = calendar.open_time_between(due, now)
        return {"state": "breached", "text": f"En retard de {duration(late)} (heures ouvrées)"}
    left = calendar.open_time_between(now, due)
    allowed = calendar.open_time_between(received, due)
    near = allowed > timedelta(0) and left * 4 <= allowed
    return {
        "state": "near" if near else "ok",
        "text": f"{duration(left)} ouvrées restantes",
    }


# The menu of each role: (label, path); the first is the role's home.
MENUS: dict[Role, list[tuple[str, str]]] = {
    Role.ca_agent: [
        ("File d'attente", "/console/file"),
        ("Nouveau billet", "/console/billets/nouveau"),
        ("Mes billets", "/console/mes-billets"),
        ("Tous les billets", "/console/billets"),
        ("Courriel à trier", "/console/tri"),
        ("Arrivées", "/console/arrivees"),
        ("Départs", "/console/departs"),
        ("Modifications d'employés", "/console/modifications"),
        ("Paramétrage et accès", "/console/parametrage"),
        ("Mots de passe", "/console/mots-de-passe"),
        ("Formation", "/console/formation"),
        ("Demandes de formation", "/console/demandes-formation"),
        ("Comité", "/console/rapports/comite"),
        ("Communiqués", "/console/communiques"),
    ],
    Role.ca_supervisor: [
        ("File d'attente", "/console/file"),
        ("Nouveau billet", "/console/billets/nouveau"),
        ("Mes billets", "/console/mes-billets"),
        ("Tous les billets", "/console/billets"),
        ("Courriel à trier", "/console/tri"),
        ("Supervision", "/console/supervision"),
        ("Escalades", "/console/escalades"),
        ("Arrivées", "/console/arrivees"),
        ("Départs", "/console/departs"),
        ("Modifications d'employés", "/console/modifications"),
        ("Paramétrage et accès", "/console/parametrage"),
        ("Mots de passe", "/console/mots-de-passe"),
        ("Formation", "/console/formation"),
        ("Demandes de formation", "/console/demandes-formation"),
        ("Rapports", "/console/rapports"),
        ("Communiqués", "/console/communiques"),
        ("Facturation", "/console/facturation"),
    ],
    Role.mo_user: [
        ("Mes demandes", "/console/billets"),
        ("Nouvelle demande", "/console/outil-requete"),
        ("Comité", "/console/rapports/comite"),
        ("Communiqués", "/console/communiques"),
    ],
    Role.mo_hr: [
        ("Arrivées", "/console/arrivees"),
        ("Nouvelle arrivée", "/console/arrivees/nouvelle"),
        ("Départs", "/console/departs"),
        ("Nouveau départ", "/console/departs/nouveau"),
        ("Informer d'une modification", "/console/modifications/nouvelle"),
        ("Modifications d'employés", "/console/modifications"),
        ("Paramétrage et accès", "/console/parametrage"),
        ("Demander une formation", "/console/demandes-formation/nouvelle"),
        ("Demandes de formation", "/console/demandes-formation"),
        ("Registre d'autorité", "/console/registre"),
        ("Comité", "/console/rapports/comite"),
        ("Communiqués", "/console/communiques"),
    ],
    Role.personne_autorisee: [
        ("Paramétrage et accès", "/console/parametrage"),
        ("Nouvelle demande", "/console/parametrage/nouvelle"),
        ("Demander une formation", "/console/demandes-formation/nouvelle"),
        ("Demandes de formation", "/console/demandes-formation"),
        ("Registre d'autorité", "/console/registre"),
        ("Comité", "/console/rapports/comite"),
        ("Communiqués", "/console/communiques"),
    ],
    Role.dggir_pilot: [
        ("Billets acheminés", "/console/billets"),
        ("Communiqués", "/console/communiques"),
    ],
    Role.auditor: [
        ("Recherche", "/console/audit"),
        ("Journal d'audit", "/console/audit/journal"),
        ("Rapports", "/console/rapports"),
        ("Escalades", "/console/escalades"),
        ("Tous les billets", "/console/billets"),
        ("Demandes de formation", "/console/demandes-formation"),
        ("Modifications d'employés", "/console/modifications"),
        ("Communiqués", "/console/communiques"),
        ("Facturation", "/console/facturation"),
    ],
    Role.dggir_author: [
        ("Communiqués", "/console/communiques"),
        ("Rédiger un communiqué", "/console/communiques/nouveau"),
    ],
    Role.mo_author: [
        ("Communiqués", "/console/communiques"),
        ("Rédiger un communiqué", "/console/communiques/nouveau"),
        ("Comité", "/console/rapports/comite"),
    ],
    # Billing (issue 15): the CA's clerk, and an MO's finance officer (its own MO's invoices).
    Role.ca_billing: [
        ("Facturation", "/console/facturation"),
        ("Factures", "/console/factures"),
        ("Relevés", "/console/releve"),
        ("Rapport annuel", "/console/facturation/rapport"),
        ("Communiqués", "/console/communiques"),
    ],
    Role.mo_finance: [
        ("Factures", "/console/factures"),
        ("Relevé", "/console/releve"),
        ("Comité", "/console/rapports/comite"),
        ("Communiqués", "/console/communiques"),
    ],
}


def home_of(caller: Caller) -> str:
    return MENUS[caller.role][0][1]


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A page for the signed-in person (or the sign-in page, with no one)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    secret = request.cookies.get(COOKIE)
    return templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "role_name": ROLE_NAMES.get(caller.role) if caller else None,
            "menu": MENUS.get(caller.role, []) if caller else [],
            "csrf": csrf_token(secret) if secret and caller else "",
            "path": request.url.path,
            "may": (lambda action: caller is not None and caller.may(Action(action))),
            **context,
        },
        status_code=status_code,
    )


def in_french_if_known(text: str | None) -> Markup:
    """A desk's reason in French; one `french.py` does not know yet stays as it was, marked
    as English for screen readers."""
    if not text:
        return Markup("")
    if is_translated(text):
        return Markup.escape(in_french(text))
    return Markup('<span lang="en">{}</span>').format(text)


templates.env.filters["when"] = when
templates.env.filters["francais"] = in_french_if_known
templates.env.filters["short_when"] = short_when
templates.env.globals["STATUS_NAMES"] = STATUS_NAMES
templates.env.globals["CHANNEL_NAMES"] = CHANNEL_NAMES
templates.env.globals["STEP_NAMES"] = STEP_NAMES
