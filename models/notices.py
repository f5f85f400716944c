"""What the service tells people: the notices it owes, each a template a CA supervisor can read
and change (adapters/notice_templates/, overridden by SAGIR_NOTICE_TEMPLATES), and the values a
workflow gives it. Dates and times are given as ISO text and put in words by the template."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from models.tickets import Contract


class Template(StrEnum):
    # A ticket's requester
    ticket_received = "ticket_received"  # the acknowledgement: number and deadline
    ticket_question = "ticket_question"  # the CA's question; a reply threads back
    ticket_returned = "ticket_returned"  # the solution, and how to reopen
    ticket_closed = "ticket_closed"
    ticket_reopen_window_ending = "ticket_reopen_window_ending"
    ticket_question_reminder = "ticket_question_reminder"  # each open day the client is silent
    ticket_closed_no_answer = "ticket_closed_no_answer"  # after the configured open days
    # The CA agent who forwarded a ticket: follow it up with the pilot or intervenant
    ticket_follow_up = "ticket_follow_up"
    # The CA supervisors
    escalation_warning = "escalation_warning"  # a request's take-in-charge deadline nears
    escalation_breach = "escalation_breach"  # a request not taken in charge in time
    escalation = "escalation"  # any other escalation
    # Arrivals (HR, the manager, the employee)
    arrival_access_active = "arrival_access_active"
    arrival_dossier_missing = "arrival_dossier_missing"
    arrival_incomplete = "arrival_incomplete"
    arrival_refused = "arrival_refused"
    # Parameterisation and access requests (the MO)
    request_question_reminder = "request_question_reminder"
    request_closed_no_answer = "request_closed_no_answer"
    request_applied = "request_applied"
    request_not_applied = "request_not_applied"
    request_refused = "request_refused"
    # Passwords and training (the employee)
    password_temporary = "password_temporary"
    training_status = "training_status"
    # Training requests: how the MO's request ended (to the personne autorisée who authorised it)
    training_request_answered = "training_request_answered"
    # Changes to an employee's data: how the CA's review ended (to the MO's HR)
    employee_change_answered = "employee_change_answered"
    # Communiqués: a question to an MO's author, and the author's answer to the asker
    communique_question = "communique_question"
    communique_answer = "communique_answer"
    # Billing: an invoice or credit note to the MO's billing contact (its PDF attached), and
    # the reminder of an unpaid one
    invoice_issued = "invoice_issued"
    invoice_reminder = "invoice_reminder"
    # The registre d'autorité: a line's validity ends soon (to the MO's personnes autorisées)
    registre_line_ending = "registre_line_ending"


class Wording(Contract):
    """Which notice, and the values its template is filled with."""

    template: Template
    values: dict[str, str] = Field(default_factory=dict)


class TicketNotice(Contract):
    """A notice to a ticket's requester, at the address the desk keeps for the ticket (never in
    the history); once per key: one per step."""

    idempotency_key: str
    ticket_id: str
    wording: Wording


class AgentNotice(Contract):
    """A notice to one CA agent, at the work address the directory keeps; once per key."""

    idempotency_key: str
    agent: str
    wording: Wording


class RenderedNotice(Contract):
    subject: str
    body: str


# Values to preview each template with (`sagir-desk notices show NAME --preview`), and to check
# every template renders when the worker starts: a template naming a value not here is refused.
SAMPLES: dict[Template, dict[str, str]] = {
    Template.ticket_received: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "channel": "email",
        "received_at": "2026-11-23T15:00:00+00:00",
        "due": "2026-11-24T15:00:00+00:00",
    },
    Template.ticket_question: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "question": "Quel numéro de facture voyez-vous à l'écran ?",
    },
    Template.ticket_returned: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "solution": "Le profil a été corrigé ; reconnectez-vous à SAGIR.",
        "reopen_until": "2026-12-09T22:00:00+00:00",
    },
    Template.ticket_closed: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "closed_at": "2026-11-26T20:00:00+00:00",
        "reopen_until": "2026-12-09T22:00:00+00:00",
    },
    Template.ticket_reopen_window_ending: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "reopen_until": "2026-12-09T22:00:00+00:00",
    },
    Template.ticket_question_reminder: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "question": "Quel est votre code d'utilisateur ?",
        "day": "1",
        "days": "5",
    },
    Template.ticket_closed_no_answer: {
        "ticket": "T-2026-000123",
        "subject": "Écran de saisie des factures bloqué",
        "days": "5",
    },
    Template.ticket_follow_up: {
        "ticket": "T-2026-000123",
        "mo": "MTQ",
        "to": "pilote-rf",
        "forwarded_at": "2026-11-23T15:00:00+00:00",
        "days": "2",
    },
    Template.escalation_warning: {
        "request": "T-2026-000123",
        "mo": "MTQ",
        "due": "2026-11-24T15:00:00+00:00",
        "at": "2026-11-24T13:00:00+00:00",
    },
    Template.escalation_breach: {
        "request": "T-2026-000123",
        "mo": "MTQ",
        "received_at": "2026-11-23T15:00:00+00:00",
        "due": "2026-11-24T15:00:00+00:00",
        "at": "2026-11-24T15:00:00+00:00",
        "waiting_minutes": "1440",
        "late_minutes": "0",
    },
    Template.escalation: {
        "request": "depart-MTQ-45871",
        "mo": "MTQ",
        "kind": "late_notice",
        "reason": "late departure notice: less than 48 hours before the end of 2026-11-27",
        "at": "2026-11-26T15:00:00+00:00",
    },
    Template.arrival_access_active: {
        "request": "arrivee-MTQ-45871",
        "mo": "MTQ",
        "employee_number": "45871",
        "start_date": "2026-12-01",
    },
    Template.arrival_dossier_missing: {
        "request": "arrivee-MTQ-45871",
        "employee_number": "45871",
        "day": "1",
        "days": "5",
    },
    Template.arrival_incomplete: {
        "request": "arrivee-MTQ-45871",
        "reason": "la responsabilité MTQ-FIN-XYZ n'existe pas dans SAGIR",
    },
    Template.arrival_refused: {
        "request": "arrivee-MTQ-45871",
        "reason": "la personne autorisée 30009 n'est plus valide",
    },
    Template.request_question_reminder: {"request": "param-2026-000012", "day": "2", "days": "5"},
    Template.request_closed_no_answer: {
        "request": "param-2026-000012",
        "reason": "aucune réponse après 5 jours ouvrables",
    },
    Template.request_applied: {"request": "param-2026-000012", "kind": "responsibility"},
    Template.communique_question: {
        "communique": "communique-2026-000012",
        "tag": "[C-2026-000012]",
        "title": "Fermeture du bureau de Rimouski",
        "question_id": "fe801359a8404ba6bb267cb72031fa72",
        "question": "Le bureau de Matane est-il fermé aussi ?",
    },
    Template.invoice_issued: {
        "number": "F-2026-000123",
        "document": "la facture",
        "mo": "MTQ",
        "first_day": "2026-11-01",
        "last_day": "2026-11-30",
        "due": "16 250,00 $",
        "due_on": "2026-12-26",
        "credit_note": "",
    },
    Template.invoice_reminder: {
        "number": "F-2026-000123",
        "issued_on": "2026-11-26",
        "due_on": "2026-12-26",
        "outstanding": "16 250,00 $",
        "reminder": "1",
    },
    Template.registre_line_ending: {
        "mo": "MTQ",
        "line": "2",
        "employee_number": "30002",
        "role": "releve",
        "releve_of": "30001",
        "valid_until": "2027-12-31",
    },
    Template.communique_answer: {
        "tag": "[C-2026-000012]",
        "title": "Fermeture du bureau de Rimouski",
        "question": "Le bureau de Matane est-il fermé aussi ?",
        "answer": "Non, il reste ouvert.",
    },
    Template.request_not_applied: {
        "request": "param-2026-000012",
        "reason": "SAGIR a refusé la modification",
    },
    Template.request_refused: {
        "request": "param-2026-000012",
        "reason": "la personne autorisée ne peut s'autoriser elle-même",
    },
    Template.password_temporary: {"secret": "Xk4-pq9-Zr2"},
    Template.training_request_answered: {
        "request": "demande-formation-MTQ-2026-000004",
        "employee_number": "45871",
        "course": "SAGIR-RF-101",
        "status": "wait_listed",
        "session": "RF101-2026-12",
        "position": "2",
        "reason": "",
    },
    Template.employee_change_answered: {
        "request": "modification-MTQ-45871-1",
        "employee_number": "45871",
        "status": "applied",
        "summary": "remove RM-ACHETEUR; grant LS-EMPLOYE",
        "reason": "",
    },
    Template.training_status: {
        "session": "FIN-101-2026-12",
        "status": "waiting",
        "position": "3",
    },
}
