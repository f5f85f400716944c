"""The console's French. The desks, the rules and pydantic word every refusal as one English
sentence naming the field and the rule ("due: the deadline cannot come before the request was
received"); the command line and the API keep it, the console shows it through `in_french`.

Each sentence the code raises has its pattern here: whole sentences first (`SENTENCES`), then
rules that follow a field's name or stand alone (`RULES`), the field named by its French label
(`FIELDS`). Ids, dates and codes stay as they were given. A sentence with no pattern yet is
framed in French, never lost; `tests/unit/test_console_french.py` reads every refusal the code
raises so that a new one cannot ship without its French."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from models.service_calendar import MONTREAL

FALLBACK = "La demande a été refusée : "

# --- the words -------------------------------------------------------------------------------

# What a message calls a field (a contract's, a form's, a query's), as the console labels it.
FIELDS = {
    "csrf": "Formulaire",
    # billing
    "billing_contact": "contact de facturation",
    "estimated_headcount": "effectif estimé",
    "amount": "montant",
    "first_day": "premier jour",
    "headcount": "effectif",
    "paid_on": "date du paiement",
    "per_employee_per_year": "tarif par employé par année",
    "rate": "tarif",
    "reference": "référence",
    "year": "exercice",
    "acknowledged": "escalades prises en compte",
    "agent": "agent",
    "amount_limit": "plafond",
    "asked_by": "auteur de la question",
    "answer": "réponse",
    "approved": "approbation",
    "assignee": "agent assigné",
    "attachments": "pièces jointes",
    "authorised_by": "personne qui autorise",
    "author": "rédacteur",
    "authorization": "autorisation",
    "basis": "motif de l'inscription",
    "beneficiary": "bénéficiaire",
    "birth": "jour et mois de naissance",
    "birth day and month": "jour et mois de naissance",
    "birth_day": "jour de naissance",
    "birth_month": "mois de naissance",
    "body": "corps de la requête",
    "breached": "échéance dépassée",
    "by": "auteur",
    "capacity": "capacité",
    "channel": "canal",
    "code": "code",
    "communique_id": "communiqué",
    "contact_email": "courriel de contact",
    "content_type": "type de fichier",
    "corrects": "communiqué corrigé",
    "course": "cours",
    "cursor": "curseur",
    "data_scope": "portée des données",
    "departure_date": "date de départ",
    "decision": "décision",
    "description": "description",
    "digest": "empreinte",
    "domain": "domaine",
    "due": "échéance",
    "email": "courriel",
    "employee_number": "numéro d'employé",
    "employees": "membres de la liste",
    "files": "pièces jointes",
    "forward_target": "destinataire de la transmission",
    "forwarded_to": "transmis à",
    "grant": "responsabilités à attribuer",
    "grant, remove": "responsabilités à attribuer ou à retirer",
    "groups": "groupes visés",
    "hr_email": "courriel des RH",
    "id": "identifiant",
    "immediate": "départ immédiat",
    "kind": "type",
    "language": "langue",
    "late": "avis tardif",
    "late_notice": "avis tardif",
    "limit": "limite",
    "line": "ligne du registre",
    "line_id": "ligne du registre",
    "manager_email": "courriel du gestionnaire",
    "message": "message",
    "method": "méthode",
    "mo": "MO",
    "mo_email": "courriel du MO",
    "module": "module",
    "month": "mois",
    "SAGIR_RESOLUTION_TARGETS": "SAGIR_RESOLUTION_TARGETS",
    "mos": "organismes visés",
    "name": "nom",
    "note": "note",
    "notified_by": "auteur de l'avis",
    "open_ended": "sans date de fin",
    "order": "ordre",
    "parameters": "paramètres",
    "partition_group": "groupe de cloisonnement",
    "powers": "pouvoirs d'approbation",
    "powers.amount_limit": "plafond des pouvoirs d'approbation",
    "powers.scope_code": "centre de coûts ou unité budgétaire des pouvoirs",
    "process": "processus",
    "question": "question",
    "reason": "motif",
    "received_at": "heure de réception",
    "registre": "registre d'autorité",
    "release_at": "heure d'envoi",
    "last_day": "dernier jour",
    "month_end_counts": "effectifs de fin de mois",
    "releve_of": "relève de",
    "releve": "relève",
    "absent_from": "début de l'absence",
    "absent_until": "fin de l'absence",
    "absence_id": "absence",
    "cancel": "annulation",
    "remove": "responsabilités à retirer",
    "reopen": "réouverture",
    "requested_by": "demandeur",
    "requester": "demandeur",
    "responsibilities": "responsabilités",
    "responsibility": "responsabilité",
    "role": "rôle",
    "scope": "portée",
    "scope_code": "centre de coûts ou unité budgétaire",
    "session": "session",
    "wished_from": "début de la période souhaitée",
    "wished_until": "fin de la période souhaitée",
    "side": "côté de l'auteur",
    "since": "début de période",
    "solution": "solution",
    "start_date": "date d'entrée en fonction",
    "starts_on": "date de début",
    "status": "statut",
    "step": "étape",
    "subject": "objet",
    "target": "destinataire",
    "template": "gabarit",
    "template.code": "code du gabarit",
    "text": "texte",
    "ticket_id": "numéro de billet",
    "title": "titre",
    "token": "jeton",
    "to": "transmis à",
    "training": "formations",
    "transactions": "transactions",
    "until": "fin de période",
    "urgent": "urgence",
    "valid_from": "début de validité",
    "valid_until": "fin de validité",
    "withdraw_scope": "centre de coûts ou unité budgétaire à retirer",
    "work email": "courriel professionnel",
    "workflow_id": "identifiant",
    # employee-data changes (models/employee_changes.py)
    "changes": "modifications",
    "change_id": "modification liée",
    "effective_date": "date d'effet",
    "new_position": "nouveau poste",
    "new_unit": "nouvelle unité",
    "new_manager": "nouveau gestionnaire",
    "name_changed": "changement de nom",
    "new_partition_group": "nouveau groupe de cloisonnement",
    "move": "changement de MO",
    "to_authorised_by": "personne autorisée du MO d'arrivée",
    "to_employee": "numéro d'employé dans le MO d'arrivée",
    "to_hr_email": "courriel des RH du MO d'arrivée",
    "to_manager_email": "courriel du gestionnaire dans le MO d'arrivée",
    "to_mo": "MO d'arrivée",
    "to_partition_group": "groupe de cloisonnement dans le MO d'arrivée",
    "to_responsibilities": "responsabilités dans le MO d'arrivée",
    "reported_by": "auteur de l'avis",
    "proposal": "proposition",
    "clear_partition": "retrait du cloisonnement",
}

# A status as an adjective of the record: (masculine, feminine).
STATUSES = {
    "accesses_removed": ("rendu au retrait des accès", "rendue au retrait des accès"),
    "active": ("actif", "active"),
    "applied": ("appliqué", "appliquée"),
    "awaiting_qa": ("en attente du contrôle de qualité",) * 2,
    "cancelled": ("annulé", "annulée"),
    "checked": ("vérifié", "vérifiée"),
    "checking": ("en vérification",) * 2,
    "closed": ("fermé", "fermée"),
    "closed_no_answer": ("fermé sans réponse", "fermée sans réponse"),
    "completed": ("terminé", "terminée"),
    "failed": ("en échec",) * 2,
    "forwarded": ("transmis", "transmise"),
    "in_charge": ("pris en charge", "prise en charge"),
    "in_progress": ("en cours",) * 2,
    "issued": ("émis", "émise"),
    "overdue": ("en retard",) * 2,
    "paid": ("payé", "payée"),
    "credit_open": ("ouvert", "ouverte"),
    "credit_settled": ("appliqué", "appliquée"),
    "not_served": ("non servi", "non servie"),
    "prepared": ("préparé", "préparée"),
    "preparing": ("en préparation",) * 2,
    "received": ("reçu", "reçue"),
    "refused": ("refusé", "refusée"),
    "registered": ("inscrit", "inscrite"),
    "requested": ("demandé", "demandée"),
    "reset": ("réinitialisé", "réinitialisée"),
    "returned": ("retourné au client", "retournée au client"),
    "scheduled": ("planifié", "planifiée"),
    "sending": ("en envoi",) * 2,
    "sent": ("envoyé", "envoyée"),
    "submitted": ("soumis", "soumise"),
    "to_check": ("à contrôler",) * 2,
    "in_review": ("en revue des accès",) * 2,
    "approved": ("approuvé", "approuvée"),
    "handed_over": ("transmis au départ et à l'arrivée", "transmise au départ et à l'arrivée"),
    "waiting": ("en liste d'attente",) * 2,
    "wait_listed": ("en liste d'attente",) * 2,
    "waiting_client": ("en attente du client",) * 2,
    "waiting_for_dossier": ("en attente du dossier personne",) * 2,
}
# A ticket (billet) and a departure (départ) are masculine; every other request is a demande,
# an inscription or a réinitialisation.
_FEMININE_ID = re.compile(
    r"(arrivee|param|acces|motdepasse|formation|demande|facture|ajustement|modification|F)-"
)

# The steps a refusal names: a ticket's (models/ticket_lifecycle.py) and a request's.
STEPS = {
    "answer": "réponse du client",
    "ask": "question au client",
    "ask the client": "question au client",
    "bring back": "retour de transmission",
    "check": "contrôle de qualité",
    "check quality": "contrôle de qualité",
    "close": "fermeture",
    "complete": "fin du traitement",
    "forward": "transmission",
    "propose a solution": "proposition de solution",
    "propose": "proposition",
    "record the client's answer": "réponse du client",
    "reopen": "réouverture",
    "refuse": "refus",
    "register": "inscription",
    "return to the client": "retour au client",
    "take": "prise en charge",
    "take in charge": "prise en charge",
}

ROLES = {
    "auditor": "auditeur",
    "ca_agent": "agent du CA",
    "ca_billing": "facturation du CA",
    "ca_supervisor": "superviseur du CA",
    "dggir_author": "rédaction DGGIR",
    "dggir_pilot": "pilote de la DGGIR",
    "mo_author": "rédaction du MO",
    "mo_finance": "finances du MO",
    "mo_hr": "RH du MO",
    "mo_user": "utilisateur du MO",
    "personne_autorisee": "personne autorisée",
}

# What a role may do (models/roles.py `Action`), as "ne permet pas de …" ends.
ACTIONS = {
    "arrival.dossier_ready": "signaler qu'un dossier personne est prêt",
    "arrival.read": "consulter les arrivées",
    "arrival.start": "demander une arrivée",
    "arrival.take": "prendre en charge une arrivée",
    "audit.read": "consulter la piste d'audit",
    "billing.manage": "gérer la facturation",
    "billing.read": "consulter la facturation",
    "communique.answer": "répondre aux questions sur les communiqués de son organisme",
    "communique.ask": "poser une question sur un communiqué",
    "communique.questions": "consulter les questions sur les communiqués",
    "communique.read": "consulter les communiqués",
    "communique.release": "vérifier, diffuser ou annuler un communiqué",
    "communique.submit": "soumettre un communiqué",
    "departure.notify": "aviser d'un départ",
    "departure.read": "consulter les départs",
    "departure.record": "inscrire un départ au dossier personne",
    "departure.take": "prendre en charge un départ",
    "employee_change.read": "consulter les modifications aux données des employés",
    "employee_change.report": "informer le CA d'une modification aux données d'un employé",
    "employee_change.work": "traiter les modifications aux données des employés",
    "escalation.ack": "prendre acte des escalades",
    "escalation.read": "consulter les escalades",
    "mail.domains": "gérer les domaines de courriel",
    "param.answer": "répondre à une demande de paramétrage",
    "param.read": "consulter les demandes de paramétrage",
    "param.submit": "soumettre une demande de paramétrage",
    "param.work": "traiter les demandes de paramétrage",
    "password.read": "consulter les réinitialisations de mot de passe",
    "password.reset": "réinitialiser un mot de passe",
    "payload.decode": "déchiffrer les données scellées",
    "queue.read": "consulter la file d'attente",
    "registre.change": "modifier le registre d'autorité",
    "registre.read": "consulter le registre d'autorité",
    "report.read": "consulter les rapports",
    "committee.read": "consulter le rapport du comité",
    "ticket.answer": "répondre à un billet",
    "ticket.back": "reprendre un billet transmis",
    "ticket.open": "ouvrir un billet",
    "ticket.read": "consulter les billets",
    "ticket.reopen": "rouvrir un billet",
    "ticket.work": "traiter les billets",
    "training.enrol": "inscrire à une formation",
    "training.read": "consulter les inscriptions aux formations",
    "training_request.read": "consulter les demandes de formation",
    "training_request.submit": "demander une formation",
    "training_request.work": "traiter les demandes de formation",
    "triage.sort": "trier les courriels à classer",
}

# A parameterisation request's kind, as "une demande de …" ends.
KINDS = {
    "access": "accès",
    "change_cloisonnement": "modification du cloisonnement",
    "change_powers": "modification de pouvoirs d'approbation",
    "create_responsibility": "création de responsabilité",
    "grant_powers": "attribution de pouvoirs d'approbation",
    "modify_responsibility": "modification de responsabilité",
    "withdraw_powers": "retrait de pouvoirs d'approbation",
}

CHANNELS_BY = {
    "email": "par courriel",
    "fax": "par télécopieur",
    "phone": "par téléphone",
    "voicemail": "par boîte vocale",
    "web": "par l'Outil Requête",
}

OUTCOMES = {
    "ignored": "ignoré",
    "reply": "réponse à un billet",
    "ticket": "billet",
    "triage": "à trier",
}

# What an id should have been (starter/desks/*.py `checked_id`).
ID_KINDS = {
    "a communiqué id": "un numéro de communiqué",
    "a departure id": "un numéro de départ",
    "a password reset id": "un numéro de réinitialisation de mot de passe",
    "a registration id": "un numéro d'inscription",
    "a request id": "un numéro de demande",
    "a ticket number": "un numéro de billet",
    "an arrival id": "un numéro d'arrivée",
    "an employee number": "un numéro d'employé",
    "an employee-change id": "un numéro de modification",
}

# The patterns of the contracts' codes (models/), said as the rule a person can follow.
PATTERNS = {
    r"^\d{3,12}$": "doit compter de 3 à 12 chiffres",
    r"^[A-Z][A-Z0-9]{1,11}$": "doit être un code de MO de 2 à 12 majuscules ou chiffres, comme MTQ",
    r"^[A-Z0-9][A-Z0-9_-]{1,39}$": (
        "doit être un code de 2 à 40 majuscules, chiffres, « _ » ou « - »"
    ),
    r"^[A-Z0-9_]{2,20}$": "doit être un code de 2 à 20 majuscules, chiffres ou « _ »",
    r"^[A-Z0-9-]{2,20}$": "doit être un code de 2 à 20 majuscules, chiffres ou « - »",
    r"^\S+$": "ne peut pas contenir d'espace",
    r"^T-(\d{4})-(\d{6})$": "doit être un numéro de billet comme T-2026-000123",
    r"^[0-9a-f]{64}$": "doit compter 64 caractères hexadécimaux (SHA-256)",
    r"^[^/\\\x00-\x1f]+$": "ne peut contenir ni barre oblique ni caractère de contrôle",
    r"^[a-z0-9.+-]+/[a-z0-9.+-]+$": "doit être un type MIME comme application/pdf",
}

# Why a date or a timestamp could not be read (pydantic's own words after the comma).
DATE_DETAILS = {
    "input is too short": "la saisie est trop courte",
    "input is too long": "la saisie est trop longue",
    "invalid character in year": "caractère invalide dans l'année",
    "invalid character in month": "caractère invalide dans le mois",
    "invalid character in day": "caractère invalide dans le jour",
    "invalid character in hour": "caractère invalide dans l'heure",
    "invalid character in minute": "caractère invalide dans les minutes",
    "invalid character in second": "caractère invalide dans les secondes",
    "invalid date separator, expected `-`": "séparateur de date invalide, « - » attendu",
    "invalid time separator, expected `:`": "séparateur d'heure invalide, « : » attendu",
    "invalid datetime separator, expected `T`, `t`, `_` or space": (
        "séparateur invalide entre la date et l'heure, « T » ou une espace attendu"
    ),
    "month value is outside expected range of 1-12": "le mois doit être entre 1 et 12",
    "day value is outside expected range": "ce jour n'existe pas dans ce mois",
    "hour value is outside expected range of 0-23": "l'heure doit être entre 0 et 23",
    "minute value is outside expected range of 0-59": "les minutes doivent être entre 0 et 59",
    "second value is outside expected range of 0-59": "les secondes doivent être entre 0 et 59",
    "unexpected extra characters at the end of the input": "caractères en trop à la fin",
    "input contains invalid characters": "la saisie contient des caractères invalides",
    "invalid timezone sign": "signe du décalage horaire invalide",
    "invalid timezone hour": "heure du décalage horaire invalide",
    "invalid timezone minute": "minutes du décalage horaire invalides",
}

# Why an address is not one (email-validator's words, behind pydantic's EmailStr).
EMAIL_DETAILS = {
    "An email address must have an @-sign.": "il manque le « @ »",
    "There must be something before the @-sign.": "il manque la partie avant le « @ »",
    "There must be something after the @-sign.": "il manque la partie après le « @ »",
    "The part after the @-sign is not valid. It should have a period.": (
        "la partie après le « @ » doit contenir un point"
    ),
    "The part after the @-sign is not valid. It is not within a valid top-level domain.": (
        "le domaine de premier niveau n'est pas valide"
    ),
    "An email address cannot have two periods in a row.": "deux points ne peuvent pas se suivre",
    "An email address cannot have a period and a hyphen next to each other.": (
        "un point et un trait d'union ne peuvent pas se suivre"
    ),
    "The email address contains an invalid character.": "l'adresse contient un caractère invalide",
    "The email address contains invalid characters before the @-sign.": (
        "caractères invalides avant le « @ »"
    ),
    "The email address is not valid ASCII.": "l'adresse contient des caractères non ASCII",
    "There can't be anything after the email address.": "rien ne peut suivre l'adresse",
    "A display name and angle brackets around the email address are not permitted here.": (
        "donnez l'adresse seule, sans nom ni chevrons"
    ),
    "The part after the @-sign is a special-use or reserved name that cannot be used with email.": (
        "ce domaine est réservé et ne reçoit pas de courriel"
    ),
}

# --- turning a group of a pattern into French ------------------------------------------------

Groups = dict[str, str | None]


def _de(words: str) -> str:
    """The preposition "de" before `words`, elided before a vowel or a mute h."""
    return f"d'{words}" if words[:1].lower() in "aeéèêiîoôuh" else f"de {words}"


def _feminine(groups: Groups) -> bool:
    return _FEMININE_ID.match(groups.get("id") or "") is not None


def _status(value: str, feminine: bool) -> str:
    forms = STATUSES.get(value)
    return value if forms is None else forms[feminine]


def _statuses(value: str, feminine: bool) -> str:
    return " ou ".join(_status(name, feminine) for name in value.split(" or "))


def _quoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return f"« {value} »"


def _amount(value: str) -> str:
    """An amount as English formats it (50,000.00) as Québec writes it (50 000,00)."""
    if re.fullmatch(r"\d{1,3}(,\d{3})*\.\d+", value) is None:
        return value
    return value.replace(",", " ").replace(".", ",")


def _limit_shown(value: str) -> str:
    if value == "none is set":
        return "aucun plafond n'est fixé"
    shown = re.fullmatch(r"the limit is (\S+) \$", value)
    return value if shown is None else f"le plafond est de {_amount(shown[1])} $"


def _spans(value: str) -> str:
    """An authority's validity spans ("releve from 2026-01-01 to open; …")."""

    def span(found: re.Match[str]) -> str:
        kind = "personne autorisée" if found[1] == "personne_autorisee" else "relève"
        if found[3] == "open":
            return f"{kind} à partir du {found[2]}"
        return f"{kind} du {found[2]} au {found[3]}"

    return re.sub(r"(personne_autorisee|releve) from (\S+) to (\S+?)(?=;|$)", span, value)


def _pattern(value: str) -> str:
    if value in PATTERNS:
        return PATTERNS[value]
    if "@" in value:
        return "doit être une adresse courriel comme prenom.nom@mtq.gouv.qc.ca"
    return f"ne respecte pas le format attendu ({_quoted(value)})"


def _expected(value: str) -> str:
    """pydantic's choices ('phone', 'web' or 'email') as « phone », « web » ou « email »."""
    return re.sub(r"'([^']*)'", r"« \1 »", value).replace("» or «", "» ou «")


def _detail(table: dict[str, str]) -> Callable[[str, Groups], str]:
    """A reason in parentheses when it is known, else none (never English inside French)."""

    def converted(value: str, _groups: Groups) -> str:
        value = value.strip()
        if value in table:
            return f" ({table[value]})"
        return ""

    return converted


def field_label(path: str) -> str | None:
    """The French label of a field as a message names it (`mo`, `template.code`, `grant.0`,
    `grant, remove`); None when a part of it has none yet."""
    if path in FIELDS:
        return FIELDS[path]
    if ", " in path:
        labels = [field_label(part) for part in path.split(", ")]
        return None if None in labels else " et ".join(str(label) for label in labels)
    parts: list[str] = []
    for part in path.split("."):
        if part.isdigit() and parts:
            parts[-1] += f" (élément {int(part) + 1})"
        elif part in FIELDS:
            parts.append(FIELDS[part])
        else:
            return None
    return ", ".join(parts) or None


Converter = Callable[[str, Groups], str]

# A group's converter is chosen by its name (less any trailing digits); the other groups are
# data (ids, dates, codes) and stay as they were given.
_ISO_DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_CLOCK = re.compile(r"(\d\d):(\d\d)")
MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()
DAYS = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()


def long_date(day: date) -> str:
    """`samedi 28 novembre 2026`: a day as the console writes it, refusals and pages alike."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _day(value: str) -> str:
    """`2026-11-28` as a person reads it: `samedi 28 novembre 2026` (anything else as given)."""
    found = _ISO_DAY.fullmatch(value)
    if found is None:
        return value
    try:
        return long_date(date(int(found[1]), int(found[2]), int(found[3])))
    except ValueError:
        return value


def _instant(value: str) -> str:
    """`2026-11-27T18:00:00+00:00` in Montréal's time: `vendredi 27 novembre 2026 à 13 h 00`."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    local = moment.astimezone(MONTREAL)
    return f"{long_date(local.date())} à {local.hour} h {local.minute:02d}"


def _clock(value: str) -> str:
    """`13:22` as Québec writes it: `13 h 22`."""
    found = _CLOCK.fullmatch(value)
    return value if found is None else f"{int(found[1])} h {found[2]}"


# What an employee-data change wrote or started (`remove RM-X; grant RF-Y`), in words.
CHANGE_WRITES = {
    "grant": "ajout de",
    "remove": "retrait de",
    "partition": "cloisonnement",
    "departure": "départ",
    "arrival": "arrivée",
}


def change_writes(value: str) -> str:
    """`remove RM-X; grant RF-Y` as `retrait de RM-X; ajout de RF-Y` (a word it does not know
    is kept)."""
    parts = []
    for part in value.split("; "):
        action, _, rest = part.partition(" ")
        parts.append(f"{CHANGE_WRITES.get(action, action)} {rest}".strip())
    return "; ".join(parts)


CONVERTERS: dict[str, Converter] = {
    # Another desk's sentence quoted whole (SGA's refusal, say): said in French when known.
    "nested": lambda value, _: _nested(value),
    "action": lambda value, _: _de(ACTIONS.get(value, value)),
    "day": lambda value, _: _day(value),
    "instant": lambda value, _: _instant(value),
    "time": lambda value, _: _clock(value),
    "amount": lambda value, _: _amount(value),
    "channel": lambda value, _: CHANNELS_BY.get(value, f"par {value}"),
    "date_detail": _detail(DATE_DETAILS),
    "email_detail": _detail(EMAIL_DETAILS),
    "expected": lambda value, _: _expected(value),
    "field": lambda value, _: field_label(value) or value,
    "fields": lambda value, _: ", ".join(
        field_label(name.strip()) or name.strip() for name in value.split(",")
    ),
    "fstatus": lambda value, _: _status(value, True),
    "kind": lambda value, _: _de(KINDS.get(value, value)),
    "mstatus": lambda value, _: _status(value, False),
    "mstatuses": lambda value, _: _statuses(value, False),
    "outcome": lambda value, _: OUTCOMES.get(value, value),
    "pattern": lambda value, _: _pattern(value),
    "q": lambda value, _: _quoted(value),
    "reopen_until": lambda value, _: "à une date inconnue" if value == "unknown" else f"au {value}",
    "role": lambda value, _: _quoted(ROLES.get(value, value)),
    "roles": lambda value, _: ", ".join(ROLES.get(role, role) for role in value.split(", ")),
    "shown": lambda value, _: _limit_shown(value),
    "spans": lambda value, _: _spans(value),
    "status": lambda value, groups: _status(value, _feminine(groups)),
    "step": lambda value, _: STEPS.get(value) or change_writes(value),
    "what": lambda value, _: ID_KINDS.get(value, value),
}


def _converter(name: str) -> Converter | None:
    return CONVERTERS.get(name.rstrip("0123456789"))


# --- the sentences ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """An English sentence (or rule) and its French: a `str.format` template over the
    pattern's named groups; `{e}` is the feminine ending an id's gender asks for."""

    english: re.Pattern[str]
    french: str

    def render(self, found: re.Match[str], standalone: bool) -> str:
        groups: Groups = found.groupdict()
        values = {"e": "e" if _feminine(groups) else ""}
        for name, value in groups.items():
            convert = _converter(name)
            text = value or ""
            values[name] = text if convert is None else convert(text, groups)
        french = self.french.format_map(values)
        first = re.match(r"\{(\w+)\}", self.french)
        starts_with_data = first is not None and _converter(first[1]) is None
        if standalone and not starts_with_data:
            return french[:1].upper() + french[1:]
        return french


def _patterns(pairs: list[tuple[str, str]]) -> tuple[Pattern, ...]:
    return tuple(Pattern(re.compile(english), french) for english, french in pairs)


ID = r"(?P<id>\S+)"
# A value as a message quotes it (its repr) or gives it bare: never a field's name before it.
Q = r"""(?P<q>'.*?'|".*?"|\S+)"""

# Whole sentences: no field in front, or one whose wording depends on it.
SENTENCES = _patterns(
    [
        # Billing: starter/desks/billing.py, adapters/sql_invoices.py, workflows/billing.py
        (ID + r" has no shared-services agreement", "{id} n'a pas d'entente de services partagés"),
        (r"(?P<mo>\S+)'s agreement does not exist", "L'entente de {mo} n'existe pas"),
        (r"(?P<mo>\S+)'s headcount does not exist", "L'effectif de {mo} n'existe pas"),
        (
            ID + r": this invoice was issued already \((?P<number>\S+)\); one invoice per MO "
            r"and month",
            "{id} : cette facture a déjà été émise ({number}) ; une seule facture par MO et "
            "par mois",
        ),
        (
            ID + r" is (?P<status>\S+): there is nothing left to pay",
            "{id} est {status} : il ne reste rien à payer",
        ),
        (
            "this door has no connection to the engine's schedules",
            "Cette porte n'a pas accès aux planifications du moteur",
        ),
        ("the billing schedules are the CA's", "Les planifications de facturation sont au CA"),
        (
            r"the billing schedule does not exist yet; start the worker once .*",
            "La planification de facturation n'existe pas encore ; démarrez une fois le "
            "worker (`sagir-desk dev` ou `sagir-desk worker`), qui la crée",
        ),
        (
            ID + r" is being issued; try again in a moment",
            "{id} est en cours d'émission ; réessayez dans un instant",
        ),
        (
            ID + r" is a credit note: it is settled, not paid",
            "{id} est une note de crédit : elle s'applique aux factures suivantes, elle ne se "
            "paie pas",
        ),
        (ID + r" is paid already", "{id} est déjà payée"),
        # Communiqués: models/communiques.py, starter/desks/communiques.py, their workflow
        (ID + r" is not in the desk's records", "{id} n'est pas dans les dossiers du centre"),
        (ID + r" is not a communiqué id", "{id} n'est pas un numéro de communiqué"),
        # A communiqué's body (the API's request body is "body" too: these are the text's)
        ("body: must hold some text", "Texte du communiqué : doit contenir du texte"),
        (
            "body: String should have at least 1 character",
            "Texte du communiqué : ne peut pas être vide",
        ),
        (
            r"body: String should have at most (?P<n>\d+) characters",
            "Texte du communiqué : doit compter au plus {n} caractères",
        ),
        (r"question (?P<key>\S+) does not exist", "La question {key} n'existe pas"),
        (
            r"question (?P<key>\S+) was answered already by (?P<by>\S+) on "
            r"(?P<day>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d) \(Montreal time\)",
            "La question {key} a déjà reçu la réponse de {by}, le {day} à {time} "
            "(heure de Montréal)",
        ),
        (
            r"question (?P<key>\S+) was answered already by (?P<by>\S+) on (?P<when>.+) "
            r"\(Montreal time\)",
            "La question {key} a déjà reçu la réponse de {by}, le {when} (heure de Montréal)",
        ),
        (
            r"question (?P<key>\S+): a DGGIR communiqué's question is answered by the CA on its "
            r"ticket (?P<ticket>\S+)",
            "La question {key} porte sur un communiqué de la DGGIR : le CA y répond sur son "
            "billet {ticket}",
        ),
        (
            ID + r"'s questions are answered by the CA, not by the MO",
            "Le CA répond aux questions sur {id}, pas le MO",
        ),
        (
            ID + r" is the DGGIR's: its side cancels it, or the CA",
            "{id} est un communiqué de la DGGIR : seuls la DGGIR ou le CA peuvent l'annuler",
        ),
        (
            ID + r" is (?P<status>\w+): there is no check due",
            "{id} est {status} : aucune vérification n'est attendue",
        ),
        (
            ID + r" is (?P<status>\w+): only a checked communiqué is released",
            "{id} est {status} : seul un communiqué vérifié peut être diffusé",
        ),
        (
            ID + r" is (?P<status>\w+): it was released and sent, and a communiqué sent cannot "
            r"be recalled; submit a correction instead",
            "{id} est {status} : il a été diffusé, et un communiqué diffusé ne peut pas être "
            "rappelé ; soumettez plutôt une correction",
        ),
        (ID + r" is cancelled already", "{id} est déjà annulé"),
        (
            ID + r" was submitted and is never edited; submit a correction that points to it "
            r"\(corrects: (?P<id2>\S+)\)",
            "{id} est soumis et ne sera jamais modifié ; soumettez une correction qui le désigne "
            "(communiqué corrigé : {id2})",
        ),
        (
            ID + r" was refused at its check: nothing to cancel",
            "{id} a été refusé à sa vérification : il n'y a rien à annuler",
        ),
        # The workflows' reasons a request stopped or failed (shown on their pages)
        (
            r"dossier personne: none was created for the employee after (?P<days>\d+) open "
            r"days; the MO must create it first",
            "Dossier personne : aucun n'a été créé pour l'employé après {days} jours ouvrables ; "
            "l'organisme doit d'abord le créer",
        ),
        (
            r"no answer from the MO after (?P<days>\d+) open days",
            "aucune réponse de l'organisme après {days} jours ouvrables",
        ),
        (
            r"SAGIR refused the change: (?P<why>.+)",
            "SAGIR a refusé la modification : {why}",
        ),
        (r"activation failed: (?P<why>.+)", "l'activation a échoué : {why}"),
        (
            r"(?P<step>[\w-]+(?: \S+)?) failed: (?P<why>.+)",
            "l'étape {step} a échoué : {why}",
        ),
        (
            r"not taken in charge by (?P<instant>\S+)",
            "non pris en charge avant l'échéance du {instant}",
        ),
        (
            r"late departure notice: less than 48 hours before the end of (?P<day>\S+)",
            "avis de départ tardif : moins de 48 heures avant la fin du {day}",
        ),
        (
            "accesses remain in SAGIR after removal",
            "des accès restent dans SAGIR après leur retrait",
        ),
        (
            r"mail (?P<key>\S+) refused for good by the mail server: (?P<why>.+)",
            "le courriel {key} a été refusé définitivement par le serveur de courriel : {why}",
        ),
        # starter/console/registre.py
        (r"no line (?P<id>\S+) in the registre", "aucune ligne {id} dans le registre"),
        (r"no absence (?P<id>\S+) in the registre", "aucune absence {id} dans le registre"),
        # starter/desks/intake.py: files sent from the console
        (
            r"attachments: at most (?P<count>\S+) files",
            "Pièces jointes : {count} fichiers au plus",
        ),
        (
            r"attachments: (?P<type>\S+) is not a file type the desk takes \((?P<allowed>.+)\)",
            "Pièces jointes : le type {type} n'est pas accepté (types acceptés : {allowed})",
        ),
        (
            r"attachments: a file is larger than (?P<size>.+)",
            "Pièces jointes : un fichier dépasse {size}",
        ),
        # starter/desks/errors.py
        (
            ID + r" is already in progress; show it to see where it stands",
            "{id} est déjà en cours de traitement ; consultez son suivi pour voir où il en est",
        ),
        ("the input is not valid", "La saisie n'est pas valide"),
        # starter/desks/tokens.py: the subject is the token's holder
        (
            r"subject: (?P<who>\S+) is not an active agent of the CA",
            "Titulaire du jeton : {who} n'est pas un agent actif du CA",
        ),
        (
            r"subject: (?P<who>\S+) is not a CA supervisor",
            "Titulaire du jeton : {who} n'est pas superviseur du CA",
        ),
        (
            r"subject: (?P<who>\S+) is not in (?P<mo>\S+)'s registre d'autorité",
            "Titulaire du jeton : {who} n'est pas inscrit au registre d'autorité de {mo}",
        ),
        # starter/desks/access.py
        (
            r"role: the (?P<role>\S+) role may not (?P<action>\S+) \(allowed: (?P<roles>.*)\)",
            "Rôle : le rôle {role} ne permet pas {action} (rôles permis : {roles})",
        ),
        (
            r"(?P<field>[\w.]+): (?P<given>\S+) is not you \((?P<me>\S+)\); "
            r"act under your own name",
            "{field} : vous êtes {me}, pas {given} ; agissez en votre propre nom",
        ),
        ("the record does not exist", "L'élément demandé n'existe pas"),
        (r"MO (?P<mo>\S+) does not exist", "L'organisme {mo} n'existe pas"),
        # what does not exist
        (r"escalation (?P<key>\S+) does not exist", "L'escalade {key} n'existe pas"),
        (r"token (?P<key>\S+) does not exist", "Le jeton {key} n'existe pas"),
        (r"session (?P<code>\S+) does not exist in SGA", "La session {code} n'existe pas dans SGA"),
        (r"message (?P<key>\S+) does not exist", "Le message {key} n'existe pas"),
        (
            r"the registre of (?P<mo>\S+) does not exist",
            "Le registre d'autorité de {mo} n'existe pas",
        ),
        (
            r"the mail domain (?P<domain>\S+) is not declared",
            "Le domaine de courriel {domain} n'est pas déclaré",
        ),
        (
            r"partition group (?P<group>\S+) does not exist for (?P<mo>\S+)",
            "Le groupe de cloisonnement {group} n'existe pas pour {mo}",
        ),
        (ID + r" has no attachment (?P<digest>\S+)", "{id} n'a pas de pièce jointe {digest}"),
        (ID + r" does not exist or is finished", "{id} n'existe pas ou son traitement est terminé"),
        (ID + r" does not exist", "{id} n'existe pas"),
        # starter/desks/intake.py
        (
            r"message (?P<key>\S+): received more than (?P<days>\S+) days ago; "
            r"open its ticket by hand",
            "Message {key} : reçu il y a plus de {days} jours ; ouvrez son billet à la main",
        ),
        (
            r"message (?P<key>\S+) is not in triage "
            r"\(it became: (?P<outcome>\S+) (?P<ticket>\S+)\)",
            "Le message {key} n'est plus à trier (il a été classé : {outcome} {ticket})",
        ),
        (
            r"message (?P<key>\S+) is not in triage \(it became: (?P<outcome>\S+)\)",
            "Le message {key} n'est plus à trier (il a été classé : {outcome})",
        ),
        (r"message (?P<key>\S+) is no longer in triage", "Le message {key} n'est plus à trier"),
        # the engine, the database, the API
        (
            "this command was given no connection to the Temporal engine",
            "Cette commande n'a reçu aucune connexion au moteur Temporal",
        ),
        (
            "the Temporal engine or its workers are not answering; try again in a moment",
            "Le moteur Temporal ou ses exécuteurs ne répondent pas ; réessayez dans un moment",
        ),
        (
            r"cannot reach the Temporal engine at (?P<address>\S+); is `sagir-desk dev` running\?",
            "Impossible de joindre le moteur Temporal à {address} ; `sagir-desk dev` est-il lancé?",
        ),
        (
            r"the database (?P<url>\S+) is not ready; "
            r"run `sagir-desk dev` or `sagir-desk migrate` first",
            "La base de données {url} n'est pas prête ; "
            "lancez d'abord `sagir-desk dev` ou `sagir-desk migrate`",
        ),
        (
            "the desk's database is not answering; try again in a moment",
            "La base de données du centre d'assistance ne répond pas ; réessayez dans un moment",
        ),
        (
            "SGA: the training system did not answer; the request is unchanged, try again later",
            "SGA : le système de gestion des apprentissages n'a pas répondu ; la demande est "
            "inchangée, réessayez plus tard",
        ),
        (
            "the desk failed to do this; it is recorded, and nothing half-done",
            "Le centre d'assistance n'a pas pu faire cette opération ; l'échec est consigné "
            "et rien n'est resté à moitié fait",
        ),
        # models/ticket_lifecycle.py and workflows/tickets.py
        (
            r"check quality: the solution of ticket " + ID + r" was already approved by "
            r"(?P<by>\S+); return it to the client",
            "Contrôle de qualité : la solution du billet {id} a déjà été approuvée par {by} ; "
            "retournez-la au client",
        ),
        (
            r"check quality: (?P<agent>\S+) proposed this solution; "
            r"the quality check must be done by another CA agent",
            "Contrôle de qualité : {agent} a proposé cette solution ; le contrôle de qualité "
            "doit être fait par un autre agent du CA",
        ),
        (
            r"return to the client: the solution of ticket "
            + ID
            + r" has not passed the quality check yet",
            "Retour au client : la solution du billet {id} n'a pas encore passé le contrôle "
            "de qualité",
        ),
        (
            r"reopen: ticket " + ID + r" could be reopened only within (?P<days>\S+) open days "
            r"of its return, until (?P<reopen_until>\S+)",
            "Réouverture : le billet {id} ne pouvait être rouvert que dans les {days} jours "
            "ouvrables suivant son retour, soit jusqu'{reopen_until}",
        ),
        (
            r"(?P<step>[^:]+): ticket " + ID + r" is (?P<mstatus>\S+); "
            r"only an? (?P<mstatuses>.+) ticket can be (?P<past>.+)",
            "{step} : le billet {id} est {mstatus} ; cette étape n'est permise que pour un "
            "billet {mstatuses}",
        ),
        (
            r"ticket " + ID + r" is recording another step; try again in a moment",
            "Le billet {id} enregistre déjà une autre étape ; réessayez dans un moment",
        ),
        # workflows/parameterisation.py
        (
            r"(?P<step>\w+): " + ID + r" is (?P<fstatus>\S+); "
            r"(?P<step2>\w+) is allowed only when it is (?P<fstatus2>\S+)",
            "{step} : {id} est {fstatus} ; cette étape n'est permise que lorsque la demande "
            "est {fstatus2}",
        ),
        (
            ID + r" has passed its quality check already",
            "{id} a déjà passé son contrôle de qualité",
        ),
        # models/departures.py and workflows/departures.py
        (
            r"the departure may be recorded in the dossier personne only (?P<hours>\S+) hours "
            r"after the notice: from (?P<day>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d) "
            r"\(Montreal time\)",
            "Le départ ne peut être inscrit au dossier personne que {hours} heures après l'avis : "
            "à partir du {day} à {time} (heure de Montréal)",
        ),
        (
            r"the departure may be recorded in the dossier personne only (?P<hours>\S+) hours "
            r"after the notice: from (?P<when>.+) \(Montreal time\)",
            "Le départ ne peut être inscrit au dossier personne que {hours} heures après l'avis : "
            "à partir de {when} (heure de Montréal)",
        ),
        (
            r"the departure of " + ID + r" is already recorded",
            "Le départ {id} est déjà inscrit au dossier personne",
        ),
        (
            r"the accesses of " + ID + r" were already removed",
            "Les accès de {id} ont déjà été retirés",
        ),
        (
            r"this notice is for " + ID + r", not (?P<other>\S+)",
            "Cet avis concerne {id}, et non {other}",
        ),
        # workflows/arrivals.py, departures.py, training.py
        (
            ID + r" is (?P<status>\S+): nothing to take",
            "{id} est {status} : il n'y a rien à prendre en charge",
        ),
        (
            ID + r" is already taken in charge by (?P<agent>\S+)",
            "{id} est déjà pris{e} en charge par {agent}",
        ),
        (
            ID + r" is (?P<status>\S+): there is no place to cancel",
            "{id} est {status} : il n'y a aucune place à annuler",
        ),
        (ID + r" is (?P<status>\w+)", "{id} est {status}"),
        # activities/ and adapters/ (SAGIR's refusals)
        (r"unknown grant step (?P<kind_code>\S+)", "Étape d'attribution inconnue : {kind_code}"),
        (
            r"SAGIR_SMTP_URL is not set on this worker: set it to the mail relay "
            r"\(smtp://host:port\) so the outbox is delivered",
            "SAGIR_SMTP_URL n'est pas défini sur cet exécuteur : donnez-lui l'adresse du relais "
            "de courriel (smtp://hôte:port) pour que les avis en attente soient livrés",
        ),
        (
            r"(?P<who>\S+/\S+) already has an active SAGIR account",
            "{who} a déjà un compte SAGIR actif",
        ),
        (
            r"(?P<who>\S+/\S+) has no SAGIR account to change",
            "{who} n'a pas de compte SAGIR à modifier",
        ),
        (
            r"responsibility (?P<code>\S+) is not in SAGIR's catalogue",
            "La responsabilité {code} n'est pas au catalogue de SAGIR",
        ),
        (r"no dossier personne (?P<who>\S+)", "Aucun dossier personne {who}"),
        # models/ (configuration and the service's clock)
        ("at least one audit key is required", "Au moins une clé d'audit est requise"),
        (
            Q + r" is neither a kind of file \((?P<kinds>.*)\) nor a MIME type",
            "{q} n'est ni un type de fichier ({kinds}) ni un type MIME",
        ),
        (
            "instant must carry a UTC offset",
            "L'instant doit indiquer son décalage par rapport à UTC",
        ),
        (
            "received must carry a UTC offset",
            "L'heure de réception doit indiquer son décalage par rapport à UTC",
        ),
        (
            r"the service calendar has no open day after (?P<day>\S+)",
            "Le calendrier de service n'a aucun jour ouvrable après le {day}",
        ),
        (
            r"channel " + Q + r" is not one of (?P<names>.+)",
            "Le canal {q} ne fait pas partie des canaux permis ({names})",
        ),
    ]
)

# Rules: what follows a field's name ("mo: …"), or a sentence of their own.
RULES = _patterns(
    [
        (r"choose approuver or retourner", "choisissez Approuver ou Retourner à l'agent"),
        (
            r"(?P<fields>[\w, ]+) go with a move; name the new MO",
            "{fields} : ces champs vont avec un changement de MO ; nommez le nouveau MO",
        ),
        # employee changes: starter/desks/employee_changes.py (a move checked before it starts)
        (
            r"move: a departure of (?P<employee>\S+) from (?P<mo>\S+) is already under way "
            r"\((?P<id>\S+)\); report the move once it has ended",
            "déplacement : un départ de {employee} de {mo} est déjà en cours ({id}) ; "
            "signalez le déplacement une fois celui-ci terminé",
        ),
        (
            r"move: an arrival of (?P<employee>\S+) in (?P<mo>\S+) is already under way "
            r"\((?P<id>\S+)\); report the move once it has ended",
            "déplacement : une arrivée de {employee} à {mo} est déjà en cours ({id}) ; "
            "signalez le déplacement une fois celle-ci terminée",
        ),
        # warnings before a breach: models/sla.py (the worker's settings)
        (
            r"warning share (?P<share>\S+) must be between 0 and 1, exclusive",
            "la part du délai avant l'avertissement ({share}) doit être entre 0 et 1, exclus",
        ),
        (
            r"the phone warning must come between 0 and (?P<most>\S+) before the deadline",
            "l'avertissement d'un appel doit venir entre 0 et {most} avant l'échéance",
        ),
        # billing: models/billing.py, starter/desks/billing.py, adapters/sql_invoices.py
        (r"(?P<day>\S+) has not come yet", "le {day} n'est pas encore arrivé"),
        (
            r"(?P<day>\S+) is not a month's first day; a rate prices whole months",
            "le {day} n'est pas le premier jour d'un mois ; un tarif s'applique à des mois entiers",
        ),
        (
            r"invoices of (?P<month>\S+) were issued at the rate then in force; a new rate "
            r"applies from a later month, never to an issued invoice",
            "les factures de {month} ont été émises au tarif alors en vigueur ; un nouveau "
            "tarif s'applique à partir d'un mois ultérieur, jamais à une facture émise",
        ),
        (
            r"(?P<mo>\S+)'s agreement begins on (?P<day>\S+), after the fiscal year "
            r"(?P<year>\S+)",
            "l'entente de {mo} commence le {day}, après l'exercice {year}",
        ),
        (
            r"(?P<month>\S+) has not begun; it is billed from its first day",
            "le mois {month} n'a pas commencé ; il est facturé à partir de son premier jour",
        ),
        (
            r"(?P<ref>\S+) was recorded already for (?P<amount>\S+) \$ paid on (?P<day>\S+); "
            r"give another payment its own reference",
            "{ref} a déjà été inscrite pour un paiement de {amount} $ le {day} ; donnez sa "
            "propre référence à un autre paiement",
        ),
        (
            r"(?P<day>\S+) is before (?P<id>\S+) was issued \((?P<issued>\S+)\)",
            "le {day} précède l'émission de {id} (le {issued})",
        ),
        (
            Q + r" is not a fiscal year like 2026 \(April 2026 to March 2027\)",
            "{q} n'est pas un exercice comme 2026 (d'avril 2026 à mars 2027)",
        ),
        (
            "give dollars per employee per year, above 0, to the cent",
            "indiquez des dollars par employé par année, plus de 0, au cent près",
        ),
        (
            r"the grid has a rate from (?P<day>\S+) already; a rate once in the grid is never "
            r"changed \(invoices were priced with it\): add one from a later date",
            "la grille a déjà un tarif en vigueur le {day} ; un tarif de la grille ne change "
            "jamais (des factures l'ont appliqué) : ajoutez-en un à une date ultérieure",
        ),
        (
            r"the period (?P<first>\S+) to (?P<last>\S+) has not ended; its adjustment follows "
            r"its end",
            "la période du {first} au {last} n'est pas terminée ; son ajustement suit sa fin",
        ),
        (
            r"(?P<mo>\S+) has no shared-services agreement; record one first",
            "{mo} n'a pas d'entente de services partagés ; inscrivez-la d'abord",
        ),
        (
            r"(?P<mo>\S+) has no shared-services agreement",
            "{mo} n'a pas d'entente de services partagés",
        ),
        (
            r"(?P<mo>\S+)'s agreement begins on (?P<day>\S+); there is nothing to bill before it",
            "l'entente de {mo} commence le {day} ; il n'y a rien à facturer avant",
        ),
        (
            "the rate grid is empty; add the rate in force first",
            "la grille des tarifs est vide ; ajoutez d'abord le tarif en vigueur",
        ),
        (
            r"(?P<month>\S+) has not begun; nothing to backfill yet",
            "le mois {month} n'a pas commencé ; rien à rattraper encore",
        ),
        (
            r"(?P<amount>\S+) \$ is more than the (?P<amount2>\S+) \$ outstanding on "
            r"(?P<id>\S+)",
            "{amount} $ dépasse les {amount2} $ dus sur {id}",
        ),
        (
            r"no rate is in force on (?P<day>\S+); add one to the rate grid",
            "aucun tarif n'est en vigueur le {day} ; ajoutez-en un à la grille des tarifs",
        ),
        ("the period ends before it begins", "la période se termine avant de commencer"),
        (
            "the period has no headcount snapshot yet",
            "la période n'a encore aucun relevé d'effectif",
        ),
        # communiqués: models/communiques.py, starter/desks/communiques.py, the check
        ("must hold some text", "doit contenir du texte"),
        (
            r"together must weigh at most (?P<n>\S+) MB",
            "ensemble, elles doivent peser au plus {n} Mo",
        ),
        (
            "two attachments may not have the same name",
            "deux pièces jointes ne peuvent pas porter le même nom",
        ),
        (
            "a file cannot be sent as a message or multipart type; send it as "
            "application/octet-stream",
            "un fichier ne peut pas être envoyé comme un message ou un type multipart ; "
            "envoyez-le comme application/octet-stream",
        ),
        ("an MO's communiqué names its MO", "le communiqué d'un MO nomme son MO"),
        ("a DGGIR communiqué names no author MO", "un communiqué de la DGGIR ne nomme aucun MO"),
        (
            "an MO's communiqué targets its own MO's users only",
            "le communiqué d'un MO ne vise que les utilisateurs de ce MO",
        ),
        ("each MO once", "chaque MO une seule fois"),
        (
            Q + r" is not a list's name: lowercase letters, digits, '-' or '_' \(paie-2027\)",
            "{q} n'est pas un nom de liste : minuscules, chiffres, « - » ou « _ » (paie-2027)",
        ),
        (r"a list holds at most (?P<n>\S+) people", "une liste compte au plus {n} personnes"),
        (
            r"(?P<who>\S+) is not in (?P<mo>\S+)'s dossiers personne",
            "{who} n'est pas dans les dossiers personne de {mo}",
        ),
        (
            r"an MO's named lists are read by its communiqué authors \(mo_author\), the CA and "
            r"the auditors",
            "les listes nommées d'un MO sont consultées par sa rédaction (mo_author), le CA et "
            "les vérificateurs",
        ),
        ("name the MO whose lists to read", "nommez le MO dont vous voulez consulter les listes"),
        (
            r"an MO's named lists are kept by its communiqué authors \(mo_author\); the DGGIR "
            r"targets the groups of SAGIR's users",
            "les listes nommées d'un MO sont tenues par sa rédaction (mo_author) ; la DGGIR vise "
            "les groupes d'utilisateurs de SAGIR",
        ),
        (
            r"(?P<g>\S+) needs a name \((?P<g2>\S+):NAME\)",
            "le groupe {g} demande un nom ({g2}:NOM)",
        ),
        (r"(?P<g>\S+) takes no name", "le groupe {g} ne prend pas de nom"),
        (
            r"module:(?P<m>\S+) is not a SAGIR module \((?P<names>.+)\)",
            "module:{m} n'est pas un module de SAGIR ({names})",
        ),
        (
            r"a list's name is lowercase letters, digits, '-' or '_' \(list:paie-2027\)",
            "le nom d'une liste s'écrit en minuscules, chiffres, « - » ou « _ » (list:paie-2027)",
        ),
        (
            r"responsibility:(?P<code>\S+) is not a responsibility code",
            "responsibility:{code} n'est pas un code de responsabilité",
        ),
        (
            Q + r" is not a group; write one of (?P<names>.+)",
            "{q} n'est pas un groupe ; écrivez l'un de ceux-ci : {names}",
        ),
        (
            r"(?P<codes>.+?) is not a client MO of the service",
            "{codes} n'est pas un MO client du service",
        ),
        (
            r"(?P<instant>\S+) is past; give a later time, or none to send once released",
            "le {instant} est passé ; donnez une heure plus tardive, ou aucune pour un envoi "
            "dès la diffusion",
        ),
        (r"(?P<id>\S+) is not a communiqué", "{id} n'est pas un communiqué"),
        (
            r"(?P<id>\S+) was written by another side; a correction comes from the author's side",
            "{id} vient d'un autre auteur (la DGGIR ou un autre MO) ; une correction vient du "
            "même côté que le communiqué qu'elle corrige",
        ),
        (
            r"(?P<id>\S+) is (?P<status>\w+); questions are taken from its sending to the end "
            r"of its question period",
            "{id} est {status} ; les questions sont reçues de son envoi à la fin de sa période "
            "de questions",
        ),
        (
            "a DGGIR author submits the DGGIR's communiqués",
            "la rédaction DGGIR soumet les communiqués de la DGGIR",
        ),
        (
            "an MO's author submits the MO's communiqués",
            "la rédaction d'un MO soumet les communiqués de son MO",
        ),
        (
            r"(?P<group>\S+) is not a responsibility of SAGIR's catalogue",
            "{group} n'est pas une responsabilité du catalogue de SAGIR",
        ),
        (
            r"(?P<group>\S+) belongs to (?P<owner>\S+), not to (?P<mine>\S+)",
            "{group} appartient à {owner}, pas à {mine}",
        ),
        (
            r"(?P<group>\S+) is an MO's own list; the DGGIR addresses SAGIR's groups "
            r"\((?P<names>.+)\)",
            "{group} est une liste propre à un MO ; la DGGIR s'adresse aux groupes de SAGIR "
            "({names})",
        ),
        (
            r"(?P<group>\S+) is not a list (?P<mo>\S+) keeps",
            "{group} n'est pas une liste que tient {mo}",
        ),
        (
            "together they reach no SAGIR user today; choose other groups",
            "ensemble, ils ne joignent aucun utilisateur de SAGIR aujourd'hui ; choisissez "
            "d'autres groupes",
        ),
        # starter/desks/
        (r"(?P<code>\S+) is not a client MO of the CA", "{code} n'est pas un MO client du CA"),
        (
            r"(?P<code>\S+) is not an active agent of the CA",
            "{code} n'est pas un agent actif du CA",
        ),
        (
            r"you act for (?P<mine>\S+), not (?P<other>\S+)",
            "vous agissez pour {mine}, pas pour {other}",
        ),
        (
            Q + r" is not an MO code like (?P<example>\S+)",
            "{q} n'est pas un code de MO comme {example}",
        ),
        (Q + r" is not an MO code", "{q} n'est pas un code de MO"),
        (Q + r" is not a workflow id", "{q} n'est pas l'identifiant d'un flux de travail"),
        (
            Q + r" is not a request's id \(ask for its raw history instead\)",
            "{q} n'est pas le numéro d'une demande (demandez plutôt son historique brut)",
        ),
        (Q + r" is not a status", "{q} n'est pas un statut"),
        (
            Q + r" is not MODULE:CHANNEL=HOURS, like (?P<example>\S+)",
            "{q} n'est pas de la forme MODULE:CANAL=HEURES, comme {example}",
        ),
        (
            Q + r" is not a channel \((?P<names>.+)\)",
            "{q} n'est pas un canal ({names})",
        ),
        (
            Q + r" for (?P<target>\S+) must be a number of open hours above 0",
            "{q} pour {target} doit être un nombre d'heures ouvrées supérieur à 0",
        ),
        (
            r"the committee's report is of one month, like (?P<example>\S+)",
            "le rapport du comité porte sur un mois, comme {example}",
        ),
        (
            Q + r" is not a month like (?P<example>\S+)",
            "{q} n'est pas un mois comme {example}",
        ),
        (
            Q + r" is not a mail domain like (?P<example>\S+)",
            "{q} n'est pas un domaine de courriel comme {example}",
        ),
        (
            Q + r" is not (?P<what>.+?) like (?P<example>\S+)",
            "{q} n'est pas {what} comme {example}",
        ),
        (
            r"(?P<method>\S+) is not one of (?P<names>.+) for this address",
            "{method} n'est pas une méthode permise à cette adresse ({names})",
        ),
        (
            Q + r" is not one of (?P<names>.+)",
            "{q} ne fait pas partie des valeurs permises ({names})",
        ),
        ("is not a cursor this list gave", "ce curseur ne vient pas de cette liste"),
        (
            r"(?P<who>\S+) has no dossier personne in (?P<mo>\S+)",
            "{who} n'a pas de dossier personne dans {mo}",
        ),
        (
            "they do not match the dossier personne of the employee",
            "ils ne correspondent pas au dossier personne de l'employé",
        ),
        (
            r"(?P<day>\S+) is over; a departure already past must be notified as immediate",
            "le {day} est passé ; un départ déjà passé doit être signalé comme immédiat",
        ),
        (
            "required, so the CA can reach the MO's HR with reminders and answers",
            "obligatoire, pour que le CA puisse joindre les RH du MO (rappels et réponses)",
        ),
        (
            r"(?P<day>\S+) is in the past; an arrival starts today or later",
            "le {day} est passé ; une arrivée commence aujourd'hui ou plus tard",
        ),
        (
            r"(?P<until>\S+) comes before since \((?P<since>\S+)\)",
            "le {until} précède le début de période ({since})",
        ),
        (r"must be between (?P<low>\S+) and (?P<high>\S+)", "doit être entre {low} et {high}"),
        (
            r"must be 64 hexadecimal characters \(SHA-256\)",
            "doit compter 64 caractères hexadécimaux (SHA-256)",
        ),
        (
            r"give its id \(at least its first (?P<n>\S+) hexadecimal characters\)",
            "donnez son identifiant (au moins ses {n} premiers caractères hexadécimaux)",
        ),
        (
            r"(?P<key>\S+) begins more than one id; give more of it",
            "{key} est le début de plus d'un identifiant ; donnez-en davantage",
        ),
        (r"(?P<code>\S+) already exists in SAGIR", "{code} existe déjà dans SAGIR"),
        (
            r"(?P<who>\S+) has no active SAGIR account to reset",
            "{who} n'a pas de compte SAGIR actif à réinitialiser",
        ),
        (
            Q + r" must fall between the years (?P<first>\S+) and (?P<last>\S+)",
            "{q} doit tomber entre les années {first} et {last}",
        ),
        (
            r"must fall between the years (?P<first>\S+) and (?P<last>\S+)",
            "doit tomber entre les années {first} et {last}",
        ),
        (
            r"an MO user's request comes through the Outil Requête \(web\)",
            "la demande d'un utilisateur de MO arrive par l'Outil Requête (web)",
        ),
        (
            "only the CA marks a request urgent",
            "seul le CA peut marquer une demande comme urgente",
        ),
        (
            "only the CA gives a receipt time; yours is now",
            "seul le CA indique l'heure de réception ; la vôtre est l'heure actuelle",
        ),
        (
            r"(?P<when>\S+) is in the future; a request cannot be received later than now",
            "{when} est dans le futur ; une demande ne peut pas être reçue plus tard "
            "que maintenant",
        ),
        (
            r"(?P<when>\S+) is more than (?P<days>\S+) days ago \((?P<setting>\w+)\)",
            "{when} remonte à plus de {days} jours ({setting})",
        ),
        (r"(?P<name>\S+) is not a step of a ticket", "{name} n'est pas une étape d'un billet"),
        (
            r"urgent applies only to phone requests \(this one came by (?P<channel>\S+)\)",
            "seule une demande reçue par téléphone peut être urgente "
            "(celle-ci est arrivée {channel})",
        ),
        (
            r"send `Authorization: Bearer <token>` \(`sagir-desk token create`\)",
            "envoyez `Authorization: Bearer <jeton>` (`sagir-desk token create`)",
        ),
        ("the token is unknown or revoked", "le jeton est inconnu ou révoqué"),
        ("sign in to the console", "connectez-vous à la console"),
        (
            "the form is out of date; reload the page and send it again",
            "le formulaire a expiré ; rechargez la page et envoyez-le de nouveau",
        ),
        (r"(?P<code>\S+) is not a session of SGA", "{code} n'est pas une session de SGA"),
        # employee-data changes: models/employee_changes.py, workflows/employee_changes.py
        (
            r"name at least one thing that changes \(position, unit, manager, name, partition "
            r"group or a move to another MO\)",
            "nommez au moins une chose qui change (poste, unité, gestionnaire, nom, groupe de "
            "cloisonnement ou changement de MO)",
        ),
        (
            r"a move goes to another MO than (?P<mo>\S+)",
            "un changement de MO mène ailleurs qu'à {mo}",
        ),
        ("an employee is not their own manager", "un employé n'est pas son propre gestionnaire"),
        (
            r"(?P<code>\S+) is not a default responsibility of the MO's positioning; other "
            r"responsibilities need an authorised access request",
            "{code} n'est pas une responsabilité par défaut du positionnement du MO ; les autres "
            "responsabilités exigent une demande d'accès autorisée",
        ),
        (r"the employee already holds (?P<code>\S+)", "l'employé a déjà {code}"),
        (r"the employee does not hold (?P<code>\S+)", "l'employé n'a pas {code}"),
        (
            "set a new group or clear the cloisonnement, not both",
            "choisissez un nouveau groupe ou retirez le cloisonnement, pas les deux",
        ),
        (
            "the employee has no cloisonnement to clear",
            "l'employé n'a pas de cloisonnement à retirer",
        ),
        (
            r"(?P<day>\S+) is in the past; a change takes effect today or later",
            "le {day} est passé ; une modification prend effet aujourd'hui ou plus tard",
        ),
        (
            r"(?P<step>\w+): the access review of " + ID + r" is not ready yet; try again",
            "{step} : la revue des accès de {id} n'est pas encore prête ; réessayez",
        ),
        (
            r"(?P<agent>\S+) proposed " + ID + r"; the quality check is done by another agent",
            "{agent} a proposé {id} ; le contrôle de qualité est fait par un autre agent",
        ),
        # training requests: models/training_requests.py, workflows/training_requests.py
        (
            r"(?P<day>\S+) is in the past; the wished period begins today or later",
            "le {day} est passé ; la période souhaitée commence aujourd'hui ou plus tard",
        ),
        (
            r"(?P<code>\S+) is a session of (?P<course>\S+), not of the requested "
            r"(?P<asked>\S+)",
            "{code} est une session du cours {course}, et non du cours demandé {asked}",
        ),
        (
            r"(?P<code>\S+) begins on (?P<day1>\S+), outside the wished period (?P<day2>\S+) "
            r"to (?P<day3>\S+)",
            "{code} commence le {day1}, hors de la période souhaitée (du {day2} au {day3})",
        ),
        (
            "must be on or after wished_from",
            "doit tomber le jour du début de la période souhaitée ou après",
        ),
        (
            r"(?P<step>\w+): " + ID + r" is being registered in a session",
            "{step} : {id} est en cours d'inscription à une session",
        ),
        (
            r"SGA refused the registration: (?P<nested>.+)",
            "SGA a refusé l'inscription : {nested}",
        ),
        (
            r"(?P<code>\S+) began on (?P<day>\S+); choose a later one",
            "{code} a commencé le {day} ; choisissez-en une plus tardive",
        ),
        ("required", "obligatoire"),
        ("is not valid JSON", "ce n'est pas du JSON valide"),
        (
            r"(?P<mo>\S+) is not the MO of this registre \((?P<mine>\S+)\)",
            "{mo} n'est pas le MO de ce registre ({mine})",
        ),
        (
            r"must be a JSON object with a 'payloads' list",
            "doit être un objet JSON qui contient une liste « payloads »",
        ),
        # models/ (the rules and the contracts' validators)
        (
            "the deadline cannot come before the request was received",
            "elle ne peut pas précéder la réception de la demande",
        ),
        (
            "must be on or after valid_from",
            "doit tomber le jour du début de validité ou après",
        ),
        (r"required for an? (?P<kind>\S+) request", "obligatoire pour une demande {kind}"),
        (r"an? (?P<kind>\S+) request has none", "une demande {kind} n'en a pas"),
        ("name the responsibility to modify", "nommez la responsabilité à modifier"),
        (
            "name the cost centre or budget unit to withdraw",
            "nommez le centre de coûts ou l'unité budgétaire à retirer",
        ),
        ("required to change a cloisonnement", "obligatoire pour modifier un cloisonnement"),
        (
            "an access request grants or removes something",
            "une demande d'accès attribue ou retire au moins une responsabilité",
        ),
        (
            "a responsibility cannot be granted and removed",
            "une responsabilité ne peut pas être à la fois attribuée et retirée",
        ),
        (
            r"(?P<code>\S+) does not follow (?P<mo>\S+)'s nomenclature \((?P<prefix>\S+)<NAME>\)",
            "{code} ne suit pas la nomenclature de {mo} ({prefix}<NOM>)",
        ),
        (
            r"(?P<who>\S+) has no SAGIR account in (?P<mo>\S+) to change",
            "{who} n'a pas de compte SAGIR dans {mo} à modifier",
        ),
        (r"(?P<who>\S+) does not have (?P<code>\S+)", "{who} n'a pas la responsabilité {code}"),
        (
            r"(?P<code>\S+) is not a responsibility of (?P<mo>\S+) in SAGIR",
            "{code} n'est pas une responsabilité de {mo} dans SAGIR",
        ),
        (
            r"(?P<code>\S+) is not a responsibility of (?P<mo>\S+)",
            "{code} n'est pas une responsabilité de {mo}",
        ),
        (
            r"(?P<amount>\S+) \$ is over what (?P<mo>\S+)'s registre d'autorité allows "
            r"\((?P<shown>.+)\)",
            "{amount} $ dépasse ce que permet le registre d'autorité de {mo} ({shown})",
        ),
        (
            r"(?P<group>\S+) is not a partition group of (?P<mo>\S+)",
            "{group} n'est pas un groupe de cloisonnement de {mo}",
        ),
        (r"(?P<code>\S+) is not in SAGIR's catalogue", "{code} n'est pas au catalogue de SAGIR"),
        (
            r"(?P<code>\S+) is not allowed by the MO's registre d'autorité",
            "{code} n'est pas permise par le registre d'autorité du MO",
        ),
        (
            r"(?P<codes>\S+, .+) is an EI responsibility and needs a partition group "
            r"\(cloisonnement\)",
            "{codes} sont des responsabilités EI et exigent un groupe de cloisonnement",
        ),
        (
            r"(?P<code>\S+) is an EI responsibility and needs a partition group \(cloisonnement\)",
            "{code} est une responsabilité EI et exige un groupe de cloisonnement",
        ),
        (r"an? (?P<kind>\S+) request has no template", "une demande {kind} n'a pas de gabarit"),
        (
            r"complete the responsibility template of this (?P<kind>\S+)",
            "remplissez le gabarit de responsabilité de cette demande {kind}",
        ),
        (r"a modification keeps the code (?P<code>\S+)", "une modification garde le code {code}"),
        (
            "a relève is the relève of a personne autorisée",
            "une relève est la relève d'une personne autorisée",
        ),
        (
            "only a relève is the relève of someone",
            "seule une relève est la relève de quelqu'un",
        ),
        # the relèves and absences: models/registre.py, models/sagir.py
        (
            "only a personne autorisée is declared with a relève",
            "seule une personne autorisée est déclarée avec une relève",
        ),
        (
            "a relève is another person than the personne autorisée",
            "la relève est une autre personne que la personne autorisée",
        ),
        (
            r"this change would leave personne autorisée (?P<who>\S+) of (?P<mo>\S+) without a "
            r"valid relève from (?P<day>\S+); declare a relève for that day first",
            "ce changement laisserait la personne autorisée {who} de {mo} sans relève valide à "
            "partir du {day} ; déclarez d'abord une relève pour ce jour",
        ),
        (
            r"this change would leave (?P<who>\S+) absent on (?P<day>\S+) with no valid relève; "
            r"an absence needs a relève over its whole period",
            "ce changement laisserait {who} absente le {day} sans relève valide ; une absence "
            "demande une relève sur toute sa durée",
        ),
        (
            r"(?P<who>\S+) has no valid relève on (?P<day>\S+); an absence needs a relève over "
            r"its whole period",
            "{who} n'a pas de relève valide le {day} ; une absence demande une relève sur toute "
            "sa durée",
        ),
        (
            r"(?P<line>\S+) is a relève's line; only a personne autorisée is declared absent",
            "la ligne {line} est celle d'une relève ; seule une personne autorisée est déclarée "
            "absente",
        ),
        ("an absence ends today or later", "une absence se termine aujourd'hui ou plus tard"),
        (
            "an absence begins today or later, since the requests already received were checked "
            "against the registre as it stood",
            "une absence commence aujourd'hui ou plus tard, car les demandes déjà reçues ont été "
            "vérifiées selon le registre tel qu'il était",
        ),
        (
            r"(?P<id>\S+) is not an absence in (?P<mo>\S+)'s registre",
            "{id} n'est pas une absence du registre d'autorité de {mo}",
        ),
        (
            r"absence (?P<id>\S+) ended on (?P<day>\S+); a past absence stays as it was",
            "l'absence {id} s'est terminée le {day} ; une absence passée reste telle qu'elle était",
        ),
        (
            r"absence (?P<id>\S+) began on (?P<day>\S+); end it on a day from today on instead",
            "l'absence {id} a commencé le {day} ; terminez-la plutôt un jour à partir "
            "d'aujourd'hui",
        ),
        (
            r"absence (?P<id>\S+) begins on (?P<day>\S+); end it on that day or later, or cancel "
            r"it",
            "l'absence {id} commence le {day} ; terminez-la ce jour-là ou après, ou annulez-la",
        ),
        (
            r"absence (?P<id>\S+) already ends on (?P<day>\S+); ending it makes it shorter",
            "l'absence {id} se termine déjà le {day} ; la terminer sert à la raccourcir",
        ),
        (
            "a cancelled absence has no last day; give one or the other",
            "une absence annulée n'a pas de dernier jour ; donnez l'un ou l'autre",
        ),
        (
            "give the absence's new last day, or cancel it",
            "donnez le nouveau dernier jour de l'absence, ou annulez-la",
        ),
        (
            r"line (?P<line>\S+) is valid from (?P<day>\S+) only; the absence begins then or later",
            "la ligne {line} n'est valide qu'à partir du {day} ; l'absence commence ce jour-là ou "
            "après",
        ),
        (
            r"line (?P<line>\S+) is valid until (?P<day>\S+) only; the absence ends then or sooner",
            "la ligne {line} n'est valide que jusqu'au {day} ; l'absence se termine ce jour-là ou "
            "avant",
        ),
        (
            r"(?P<who>\S+) is already absent from (?P<day1>\S+) to (?P<day2>\S+)",
            "{who} est déjà absente du {day1} au {day2}",
        ),
        (
            r"(?P<who>\S+) is absent from (?P<day1>\S+) to (?P<day2>\S+); their relève "
            r"\((?P<releves>[^)]*)\) authorises in their place",
            "{who} est absente du {day1} au {day2} ; sa relève ({releves}) autorise à sa place",
        ),
        ("must be on or after absent_from", "doit tomber le jour du début de l'absence ou après"),
        (
            r"this change would leave (?P<mo>\S+) with no valid personne autorisée or relève "
            r"from (?P<day>\S+); declare another one first",
            "ce changement laisserait {mo} sans personne autorisée ni relève valide à partir "
            "du {day} ; déclarez-en une autre d'abord",
        ),
        (
            r"(?P<who>\S+) is not a personne autorisée of (?P<mo>\S+)",
            "{who} n'est pas une personne autorisée de {mo}",
        ),
        (
            r"the (?P<role>\S+) role acts for one MO; name it",
            "le rôle {role} agit pour un seul MO ; nommez-le",
        ),
        (
            r"the (?P<role>\S+) role spans every MO; name none",
            "le rôle {role} couvre tous les MO ; n'en nommez aucun",
        ),
        (
            "nobody may authorise a request for themselves",
            "personne ne peut autoriser une demande pour soi-même",
        ),
        (
            r"(?P<who>\S+) is not a personne autorisée or relève of (?P<mo>\S+)",
            "{who} n'est ni une personne autorisée ni une relève de {mo}",
        ),
        (
            r"(?P<who>\S+) is not valid for (?P<mo>\S+) on (?P<day>\S+) \((?P<spans>.+)\)",
            "{who} n'est pas valide pour {mo} le {day} ({spans})",
        ),
        ("must carry a UTC offset", "doit indiquer son décalage par rapport à UTC"),
        (
            r"timestamp " + Q + r" does not exist in America/Montreal "
            r"\(clocks jump forward that night\); give a UTC offset",
            "l'heure {q} n'existe pas à Montréal (on y avance l'heure cette nuit-là) ; "
            "donnez son décalage par rapport à UTC",
        ),
        (
            r"timestamp " + Q + r" is not ISO 8601 \(like (?P<a>\S+) or (?P<b>\S+)\)",
            "l'horodatage {q} n'est pas au format ISO 8601 (comme {a} ou {b})",
        ),
        # workflows/ and activities/
        (
            r"(?P<agent>\S+) completed " + ID + r"; the quality check is done by another agent",
            "{agent} a traité {id} ; le contrôle de qualité est fait par un autre agent",
        ),
        ("the responsibility template is missing", "le gabarit de responsabilité manque"),
        (
            "the user has no working work email to receive the temporary password; "
            "the MO must fix the dossier personne first",
            "l'utilisateur n'a pas de courriel professionnel fonctionnel pour recevoir le mot de "
            "passe temporaire ; le MO doit d'abord corriger le dossier personne",
        ),
        # adapters/ (SAGIR and SGA)
        (
            r"(?P<who>\S+) has no powers on (?P<scope>\S+) to change",
            "{who} n'a pas de pouvoirs sur {scope} à modifier",
        ),
        (
            r"(?P<who>\S+) already has powers on (?P<scope>\S+); ask for a change instead",
            "{who} a déjà des pouvoirs sur {scope} ; demandez plutôt une modification",
        ),
        (r"(?P<who>\S+) has no powers on (?P<scope>\S+)", "{who} n'a pas de pouvoirs sur {scope}"),
        (
            r"(?P<line>\S+) is not a line of (?P<mo>\S+)'s registre",
            "{line} n'est pas une ligne du registre d'autorité de {mo}",
        ),
        (r"(?P<code>\S+) is not a course of SGA", "{code} n'est pas un cours de SGA"),
        (r"(?P<who>\S+) is not enrolled in (?P<code>\S+)", "{who} n'est pas inscrit à {code}"),
        # pydantic (starter/desks/errors.py `one_sentence`)
        ("Field required", "obligatoire"),
        ("Extra inputs are not permitted", "ce champ n'est pas permis"),
        ("String should have at least 1 character", "ne peut pas être vide"),
        (
            r"String should have at least (?P<n>\d+) characters",
            "doit compter au moins {n} caractères",
        ),
        ("String should have at most 1 character", "doit compter au plus 1 caractère"),
        (
            r"String should have at most (?P<n>\d+) characters",
            "doit compter au plus {n} caractères",
        ),
        (r"String should match pattern '(?P<pattern>.*)'", "{pattern}"),
        (
            "String should contain only ASCII characters",
            "ne doit contenir que des caractères ASCII",
        ),
        (r"Input should be a valid string.*", "doit être du texte"),
        (
            r"\w+ should have at least 1 item after validation, not 0",
            "doit compter au moins un élément",
        ),
        (
            r"\w+ should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+)",
            "doit compter au moins {n} éléments (et non {m})",
        ),
        (
            r"\w+ should have at most (?P<n>\d+) items? after validation, not (?P<m>\d+)",
            "doit compter au plus {n} éléments (et non {m})",
        ),
        ("Input should be a valid list", "doit être une liste"),
        (r"Input should be a valid (dictionary|mapping)\b.*", "doit être un objet"),
        (
            r"Input should be a valid date in the format YYYY-MM-DD, (?P<date_detail>.+)",
            "doit être une date valide au format AAAA-MM-JJ{date_detail}",
        ),
        (
            r"Input should be a valid date or datetime, (?P<date_detail>.+)",
            "doit être une date valide{date_detail}",
        ),
        ("Input should be a valid date", "doit être une date valide"),
        (
            "Datetimes provided to dates should have zero time - e.g. be exact dates",
            "doit être une date, sans heure",
        ),
        (
            r"Input should be a valid datetime(?: or date)?, (?P<date_detail>.+)",
            "doit être un horodatage valide{date_detail}",
        ),
        ("Input should be a valid datetime", "doit être un horodatage valide"),
        ("Input should have timezone info", "doit indiquer son décalage par rapport à UTC"),
        ("Input should not have timezone info", "ne doit pas indiquer de fuseau horaire"),
        (r"(Input|Date) should be in the past", "doit être dans le passé"),
        (r"(Input|Date) should be in the future", "doit être dans le futur"),
        (
            r"Input should be greater than or equal to (?P<n>\S+)",
            "doit être supérieur ou égal à {n}",
        ),
        (r"Input should be greater than (?P<n>\S+)", "doit être supérieur à {n}"),
        (r"Input should be less than or equal to (?P<n>\S+)", "doit être inférieur ou égal à {n}"),
        (r"Input should be less than (?P<n>\S+)", "doit être inférieur à {n}"),
        (r"Input should be a multiple of (?P<n>\S+)", "doit être un multiple de {n}"),
        (
            "Input should be a valid integer, got a number with a fractional part",
            "doit être un nombre entier, sans décimales",
        ),
        (
            r"Input should be a valid integer(, unable to parse string as an integer)?",
            "doit être un nombre entier",
        ),
        (
            "Unable to parse input string as an integer, exceeded maximum size",
            "ce nombre est trop grand",
        ),
        (
            r"Input should be a valid number(, unable to parse string as a number)?",
            "doit être un nombre",
        ),
        ("Input should be a finite number", "doit être un nombre fini"),
        (r"Input should be a valid decimal", "doit être un nombre décimal"),
        (
            "Decimal input should be an integer, float, string or Decimal object",
            "doit être un nombre",
        ),
        (
            r"Decimal input should have no more than (?P<n>\d+) digits? in total",
            "doit compter au plus {n} chiffres en tout",
        ),
        (
            r"Decimal input should have no more than (?P<n>\d+) decimal places?",
            "doit compter au plus {n} décimales",
        ),
        (
            r"Decimal input should have no more than (?P<n>\d+) digits? before the decimal point",
            "doit compter au plus {n} chiffres avant la virgule",
        ),
        (
            r"Input should be a valid boolean(, unable to interpret input)?",
            "doit être vrai ou faux",
        ),
        ("Input should be None", "doit être vide"),
        (r"Input should be a valid UUID\b.*", "doit être un UUID valide"),
        (r"Input should be a valid URL\b.*", "doit être une adresse URL valide"),
        (r"Invalid JSON\b.*", "ce n'est pas du JSON valide"),
        ("JSON input should be string, bytes or bytearray", "doit être du JSON"),
        (
            r"value is not a valid email address: (?P<email_detail>.+)",
            "n'est pas une adresse courriel valide{email_detail}",
        ),
        ("value is not a valid email address", "n'est pas une adresse courriel valide"),
        (r"Input should be (?P<expected>'.*')", "doit être {expected}"),
    ]
)

# "field: rule", the field one of `FIELDS`' names (some have spaces) or a dotted path.
_MULTIWORD = "|".join(re.escape(name) for name in FIELDS if " " in name)
FIELD = re.compile(
    rf"(?P<field>{_MULTIWORD}|[A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)*): (?P<rule>.+)", re.DOTALL
)
# pydantic's prefixes for a validator's own sentence.
_VALIDATOR = re.compile(r"(Value error|Assertion failed), ")


def _rule(text: str, standalone: bool) -> str | None:
    text = _VALIDATOR.sub("", text, count=1)
    for rule in RULES:
        found = rule.english.fullmatch(text)
        if found is not None:
            return rule.render(found, standalone)
    return None


def _translated(message: str) -> tuple[str, bool] | None:
    """The French, and whether every word of it is known (a field without a French label is
    kept as it was given); None when the sentence has no pattern."""
    text = _VALIDATOR.sub("", message.strip(), count=1)
    for sentence in SENTENCES:
        found = sentence.english.fullmatch(text)
        if found is not None:
            return sentence.render(found, standalone=True), True
    alone = _rule(text, standalone=True)
    if alone is not None:
        return alone, True
    labels: list[str] = []
    known = True
    rest = text
    while (named := FIELD.fullmatch(rest)) is not None:
        label = field_label(named["field"])
        known = known and label is not None
        labels.append(label or named["field"])
        rest = named["rule"]
        rule = _rule(rest, standalone=False)
        if rule is not None:
            fields = ", ".join(labels)
            if known:  # a name kept as it was given keeps its case too
                fields = fields[:1].upper() + fields[1:]
            return f"{fields} : {rule}", known
    return None


def _nested(message: str) -> str:
    """A sentence quoted inside another: in French when this module knows it, as given when
    not (the outer sentence frames it)."""
    translated = _translated(message)
    if translated is None:
        return message
    return translated[0][:1].lower() + translated[0][1:]


def in_french(message: str) -> str:
    """A desk's, a rule's or pydantic's one English sentence, said in French for the console;
    one this module does not know is framed, with its words kept."""
    translated = _translated(message)
    if translated is None:
        return FALLBACK + message.strip()
    return translated[0]


def is_translated(message: str) -> bool:
    """Whether `in_french` knows this sentence, field labels included (not the fallback)."""
    translated = _translated(message)
    return translated is not None and translated[1]
