"""Who may do what (RULES.md "Roles"): the one matrix the HTTP API and the command line both
enforce. Pure: a caller, an action, an MO; no I/O.

A caller of one MO sees only that MO's records; the CA, the DGGIR's pilots and the auditors span
every MO. The auditor reads everything and changes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import model_validator

from models.tickets import ActorCode, Contract, MoCode


class Role(StrEnum):
    mo_hr = "mo_hr"
    personne_autorisee = "personne_autorisee"  # or relève
    mo_user = "mo_user"
    ca_agent = "ca_agent"
    ca_supervisor = "ca_supervisor"
    dggir_pilot = "dggir_pilot"
    auditor = "auditor"
    # Who writes communiqués: at the DGGIR, and in an MO (its own role: writing to every SAGIR
    # user of the MO is neither HR's work nor an authorisation, and the MO chooses who does it).
    dggir_author = "dggir_author"
    mo_author = "mo_author"
    # Billing: the CA's finance clerk (agreements, rates, invoices, payments) spans every MO;
    # an MO's finance officer receives and reads its own MO's invoices (neither HR's work nor
    # an authorisation: its own role, which the MO gives whom it chooses).
    ca_billing = "ca_billing"
    mo_finance = "mo_finance"


MO_ROLES = frozenset(
    {Role.mo_hr, Role.personne_autorisee, Role.mo_user, Role.mo_author, Role.mo_finance}
)
CA_ROLES = frozenset({Role.ca_agent, Role.ca_supervisor})


class Action(StrEnum):
    ticket_open = "ticket.open"
    ticket_read = "ticket.read"
    ticket_work = "ticket.work"  # take, forward, ask, propose, check, return, close
    ticket_back = "ticket.back"  # a forwarded ticket comes back
    ticket_answer = "ticket.answer"  # the client answers the CA's question
    ticket_reopen = "ticket.reopen"
    queue_read = "queue.read"
    arrival_start = "arrival.start"
    arrival_dossier_ready = "arrival.dossier_ready"
    arrival_take = "arrival.take"
    arrival_read = "arrival.read"
    departure_notify = "departure.notify"
    departure_record = "departure.record"
    departure_take = "departure.take"
    departure_read = "departure.read"
    param_submit = "param.submit"  # parameterisation and access requests
    param_answer = "param.answer"
    param_work = "param.work"  # take, ask, complete, quality-check
    param_read = "param.read"
    password_reset = "password.reset"
    password_read = "password.read"
    training_enrol = "training.enrol"  # and cancel
    training_read = "training.read"
    training_request_submit = "training_request.submit"  # an MO asks for a training
    training_request_work = "training_request.work"  # take, register, refuse
    training_request_read = "training_request.read"
    employee_change_report = "employee_change.report"  # HR reports a change to an employee
    employee_change_work = "employee_change.work"  # take, propose, quality-check
    employee_change_read = "employee_change.read"
    registre_read = "registre.read"
    registre_change = "registre.change"
    report_read = "report.read"
    # The committee's report: each MO's people read their own MO's figures (issue 16).
    committee_read = "committee.read"
    audit_read = "audit.read"  # workflow histories, decoded, and the audit trail
    payload_decode = "payload.decode"  # the Temporal UI's codec
    escalation_read = "escalation.read"
    escalation_ack = "escalation.ack"  # a supervisor has seen it and acts on it
    triage_sort = "triage.sort"  # incoming mail no rule could place: list, sort, discard
    mail_domains = "mail.domains"  # the MOs' mail domains: list, declare, remove
    communique_submit = "communique.submit"  # and cancel one's own before its release
    communique_release = "communique.release"  # check, release, cancel
    communique_read = "communique.read"  # each sees its side's, and the DGGIR's sent to its MO
    communique_ask = "communique.ask"  # a question about a communiqué one received
    communique_answer = "communique.answer"  # an MO's authors answer about the MO's
    communique_questions = "communique.questions"  # read the questions of a communiqué
    billing_manage = "billing.manage"  # agreements, rates, issue, payments, the schedules
    billing_read = "billing.read"  # invoices, PDFs, statements, headcounts, the report


_CA = CA_ROLES
_READERS = CA_ROLES | {Role.auditor}

MATRIX: dict[Action, frozenset[Role]] = {
    Action.ticket_open: frozenset({Role.mo_user, *_CA}),
    Action.ticket_read: frozenset({Role.mo_user, Role.dggir_pilot, *_READERS}),
    Action.ticket_work: _CA,
    Action.ticket_back: frozenset({Role.dggir_pilot, *_CA}),
    Action.ticket_answer: frozenset({Role.mo_user, *_CA}),
    Action.ticket_reopen: frozenset({Role.mo_user, *_CA}),
    Action.queue_read: _CA,
    Action.arrival_start: frozenset({Role.mo_hr}),
    Action.arrival_dossier_ready: frozenset({Role.mo_hr, *_CA}),
    Action.arrival_take: _CA,
    Action.arrival_read: frozenset({Role.mo_hr, *_READERS}),
    Action.departure_notify: frozenset({Role.mo_hr}),
    Action.departure_record: frozenset({Role.mo_hr}),
    Action.departure_take: _CA,
    Action.departure_read: frozenset({Role.mo_hr, *_READERS}),
    Action.param_submit: frozenset({Role.personne_autorisee}),
    Action.param_answer: frozenset({Role.personne_autorisee, Role.mo_hr}),
    Action.param_work: _CA,
    Action.param_read: frozenset({Role.personne_autorisee, Role.mo_hr, *_READERS}),
    Action.password_reset: _CA,
    Action.password_read: _READERS,
    Action.training_enrol: _CA,
    Action.training_read: frozenset({Role.mo_hr, *_READERS}),
    Action.training_request_submit: frozenset({Role.mo_hr, Role.personne_autorisee}),
    Action.training_request_work: _CA,
    Action.training_request_read: frozenset({Role.mo_hr, Role.personne_autorisee, *_READERS}),
    Action.employee_change_report: frozenset({Role.mo_hr}),
    Action.employee_change_work: _CA,
    Action.employee_change_read: frozenset({Role.mo_hr, *_READERS}),
    Action.registre_read: frozenset({Role.personne_autorisee, Role.mo_hr, *_READERS}),
    Action.registre_change: frozenset({Role.personne_autorisee}),
    Action.report_read: frozenset({Role.ca_supervisor, Role.auditor}),
    Action.committee_read: frozenset(MO_ROLES | _READERS),
    Action.audit_read: frozenset({Role.auditor}),
    Action.payload_decode: _READERS,
    Action.escalation_read: _READERS,
    Action.escalation_ack: frozenset({Role.ca_supervisor}),
    Action.triage_sort: _CA,
    Action.mail_domains: _CA,
    Action.communique_submit: frozenset({Role.dggir_author, Role.mo_author}),
    Action.communique_release: _CA,
    Action.communique_read: frozenset(Role),
    Action.communique_ask: frozenset(MO_ROLES | _CA),
    Action.communique_answer: frozenset({Role.mo_author}),
    Action.communique_questions: frozenset({Role.dggir_author, Role.mo_author, *_READERS}),
    Action.billing_manage: frozenset({Role.ca_billing}),
    # The supervisors follow the overdue invoices escalated to them.
    Action.billing_read: frozenset(
        {Role.ca_billing, Role.mo_finance, Role.ca_supervisor, Role.auditor}
    ),
}

# An auditor changes nothing: every action it may take is a reading.
READ_ACTIONS = frozenset(
    {
        Action.ticket_read,
        Action.queue_read,
        Action.arrival_read,
        Action.departure_read,
        Action.param_read,
        Action.password_read,
        Action.training_read,
        Action.training_request_read,
        Action.employee_change_read,
        Action.registre_read,
        Action.report_read,
        Action.committee_read,
        Action.audit_read,
        Action.payload_decode,
        Action.escalation_read,
        Action.communique_read,
        Action.communique_questions,
        Action.billing_read,
    }
)


class Caller(Contract):
    """Who is calling: a role, the MO for the MO's roles, and who they are (an agent's code, an
    employee number, a user code)."""

    role: Role
    mo: MoCode | None = None
    subject: ActorCode

    @model_validator(mode="after")
    def _mo_fits_the_role(self) -> Self:
        if self.role in MO_ROLES and self.mo is None:
            raise ValueError(f"mo: the {self.role.value} role acts for one MO; name it")
        if self.role not in MO_ROLES and self.mo is not None:
            raise ValueError(f"mo: the {self.role.value} role spans every MO; name none")
        return self

    @property
    def spans_mos(self) -> bool:
        return self.role not in MO_ROLES

    def may(self, action: Action) -> bool:
        return self.role in MATRIX[action]

    def sees(self, mo: str) -> bool:
        """Whether records of `mo` exist for this caller (another MO's answer 404)."""
        return self.spans_mos or self.mo == mo


def roles_allowed(action: Action) -> list[str]:
    return sorted(role.value for role in MATRIX[action])
