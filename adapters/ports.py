"""The ports: what the desk needs from the outside world. Adapters implement them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from models.registre import RegistreAction  # a default value below

if TYPE_CHECKING:
    from models.audit import AuditEntry, AuditEvent, ChainBreak, Checkpoint, WorkflowSteps
    from models.billing import (
        Agreement,
        Invoice,
        InvoiceKind,
        InvoiceNote,
        InvoiceView,
        IssuedInvoice,
        IssueInvoice,
        Payment,
        Period,
        Rate,
        Snapshot,
        YearLine,
    )
    from models.committee import CommitteeTicket, WarningGiven
    from models.communiques import (
        Communique,
        CommuniqueContent,
        CommuniqueNote,
        CommuniqueStatus,
        DeliveryCounts,
        FileRef,
        Group,
        Question,
        QuestionVia,
        Recipient,
        Resolution,
        Side,
        Submission,
        VerifyReport,
    )
    from models.directory import Agent, Mo, Person
    from models.escalations import EscalationPage, EscalationQuery, EscalationView
    from models.figures import DeskFigures
    from models.inbound import Attachment, InboundMessage, MailDomain, ParsedMail, Routing
    from models.mail import Contact, Delivery, DeliveryStatus, Handed, Mail, OutboxEntry
    from models.notices import RenderedNotice, Wording
    from models.parameterisation import ApprovalPowers, ResponsibilityTemplate
    from models.registre import (
        AbsenceDeclaration,
        AbsenceEnd,
        ChangeValidity,
        Declaration,
        RegistreAction,
        RegistreChange,
        RegistreLine,
    )
    from models.reports import LateNotice, TicketFact
    from models.requests import Escalation, ListQuery, Load, Page
    from models.roles import Caller
    from models.sagir import Absence, AccessSnapshot, Authority, Responsibility
    from models.tickets import BreachEscalation, Language, TicketRecord
    from models.tokens import IssuedToken, TokenInfo
    from models.training import Cancellation, Course, Enrol, Enrolment, Session, SessionView


class TicketRecords(Protocol):
    """The desk's own records of tickets, and the escalations they caused."""

    def record(self, ticket: TicketRecord) -> None:
        """Store the ticket as of `ticket.version`; an older or repeated version changes nothing."""

    def get(self, ticket_id: str) -> TicketRecord | None: ...

    def page(self, query: ListQuery) -> Page:
        """Tickets as their projection has them, filtered and sorted by the database."""

    def load(self) -> list[Load]:
        """Open tickets counted by agent and status."""

    def escalate(self, escalation: BreachEscalation, supervisors: list[str]) -> list[str]:
        """Record an escalation once per key; returns who was notified (the first time's list)."""


class Directory(Protocol):
    """Client MOs and the CA's people."""

    def mo(self, code: str) -> Mo | None: ...

    def mos(self) -> list[Mo]: ...

    def agent(self, code: str) -> Agent | None: ...

    def agents(self) -> list[Agent]: ...


class Escalations(Protocol):
    def record_escalation(self, escalation: Escalation, supervisors: list[str]) -> list[str]:
        """Record once per key; returns who was notified (the first time's list)."""


class EscalationList(Protocol):
    """The supervisors' list of escalations, and their acknowledgements."""

    def page(self, query: EscalationQuery) -> EscalationPage:
        """`ValueError` for a cursor this list did not give."""

    def get(self, key: str) -> EscalationView | None: ...

    def acknowledge(self, key: str, by: str, at: datetime) -> EscalationView | None:
        """Once: the first acknowledgement stands. None for an unknown key."""


class SagirErp(Protocol):
    """The SAGIR-like ERP. Every write takes an idempotency key and returns whether it wrote;
    a permanent refusal raises `ErpRefused`."""

    def person(self, mo: str, employee_number: str) -> Person | None: ...

    def catalogue(self) -> dict[str, Responsibility]: ...

    def default_responsibilities(self, mo: str) -> list[str]: ...

    def registre_responsibilities(self, mo: str) -> set[str]: ...

    def registre(self, mo: str) -> list[Authority]: ...

    def partition_group_exists(self, mo: str, name: str) -> bool: ...

    def access_of(self, mo: str, employee_number: str) -> AccessSnapshot: ...

    def create_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def delete_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def grant(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool: ...

    def revoke(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool: ...

    def set_partition(
        self, key: str, mo: str, employee_number: str, group: str, at: datetime
    ) -> bool: ...

    def clear_partition(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def set_parameter(
        self, key: str, mo: str, employee_number: str, name: str, value: str, at: datetime
    ) -> bool: ...

    def remove_parameter(
        self, key: str, mo: str, employee_number: str, name: str, at: datetime
    ) -> bool: ...

    def activate_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def remove_all_access(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def record_departure(
        self, key: str, mo: str, employee_number: str, departure_date: date, at: datetime
    ) -> bool: ...

    # Parameterisation and password help.

    def approval_limit(self, mo: str) -> Decimal | None: ...

    def approval_powers_of(self, mo: str, employee_number: str) -> list[ApprovalPowers]: ...

    def responsibility_template(self, code: str) -> ResponsibilityTemplate | None: ...

    def create_responsibility(
        self, key: str, mo: str, template: ResponsibilityTemplate, at: datetime
    ) -> bool: ...

    def modify_responsibility(
        self, key: str, mo: str, template: ResponsibilityTemplate, at: datetime
    ) -> bool: ...

    def set_approval_powers(
        self,
        key: str,
        mo: str,
        employee_number: str,
        powers: ApprovalPowers,
        at: datetime,
        replace: bool,
    ) -> bool: ...

    def withdraw_approval_powers(
        self, key: str, mo: str, employee_number: str, scope_code: str, at: datetime
    ) -> bool: ...

    def reset_password(
        self, key: str, mo: str, employee_number: str, secret: str, at: datetime
    ) -> bool:
        """Set a temporary secret (stored hashed), to be changed at the next sign-in."""

    # The registre d'autorité as the MO keeps it.

    def registre_lines(self, mo: str) -> list[RegistreLine]: ...

    def registre_changes(self, mo: str) -> list[RegistreChange]: ...

    def registre_absences(self, mo: str) -> list[Absence]:
        """The MO's personnes autorisées's absences, past and to come."""

    def declare_authority(self, declaration: Declaration, by: str, at: datetime) -> RegistreLine:
        """Declare a line, and a new personne autorisée's first relève with it (`RuleRefused`
        when a personne autorisée would be left without a valid relève)."""

    def change_authority(
        self,
        mo: str,
        change: ChangeValidity,
        today: date,
        at: datetime,
        action: RegistreAction = RegistreAction.change,
    ) -> RegistreLine: ...

    def declare_absence(
        self, mo: str, declaration: AbsenceDeclaration, today: date, at: datetime
    ) -> Absence:
        """Record an absence in the registre's history (`RuleRefused` without a valid relève on
        each of its days)."""

    def end_absence(self, mo: str, end: AbsenceEnd, today: date, at: datetime) -> Absence:
        """End an absence sooner, or cancel one not yet begun (it is removed; the registre's
        history keeps it). Returns the absence as it now stands, or as it was if cancelled."""


class Mailer(Protocol):
    def send(self, mail: Mail, at: datetime) -> bool:
        """Queue a mail once per key; False when it was already queued."""

    def sent(self, key_prefix: str = "") -> list[Mail]:
        """The mails queued under keys starting with `key_prefix`, as they were sent (a secret
        body opened; empty once delivered)."""

    def delivered(self, idempotency_key: str) -> bool:
        """The relay delivered the mail: a body holding a secret is removed, the rest of the mail
        kept. True when a body was removed now (False for a plain mail, or one removed before)."""


class Outbox(Protocol):
    """The outbox as the mail relay works it: each mail claimed by one relay at a time, then
    marked with what the server answered. Every mark is conditional on the claim (its attempt
    number): a relay whose claim was taken over after the lease changes nothing."""

    def due(self, now: datetime, lease: timedelta, limit: int) -> list[str]:
        """The keys of the mails to send now: queued and due, or claimed longer than `lease`
        ago by a relay that never reported (killed), oldest first,
        a person's notices before a communiqué's fan-out."""

    def claim(self, key: str, now: datetime, lease: timedelta) -> Delivery | None:
        """Take the mail for this relay (one conditional write, committed before the server is
        spoken to); None when another relay holds it or it is no longer due."""

    def mark_sent(
        self, delivery: Delivery, reply: str, now: datetime, content_digest: str | None = None
    ) -> bool:
        """The server accepted it: `sent`, its answer kept (and, for a communiqué's mail, the
        digest of the content sent), a secret body removed."""

    def mark_retry(self, delivery: Delivery, reply: str, at: datetime) -> bool:
        """A passing failure: back to `queued`, to be tried again at `at`."""

    def mark_failed(self, delivery: Delivery, reply: str) -> bool:
        """Refused for good, or out of attempts: `failed` with the reason."""

    def mo_of(self, workflow_id: str) -> str | None:
        """The MO of the request a mail belongs to (for its escalation)."""

    def entries(
        self, status: DeliveryStatus | None, workflow_id: str | None, limit: int
    ) -> list[OutboxEntry]:
        """The outbox's delivery state, oldest first: no address, subject or body."""


class MailServer(Protocol):
    """Where mail is delivered (an SMTP relay)."""

    def deliver(self, delivery: Delivery, now: datetime) -> Handed:
        """Hand the message over; the server's answer once it took it (with the digest of a
        communiqué's content as sent). `MailRefused` (passing or permanent) when it did not."""


@runtime_checkable
class MailSessions(Protocol):
    """A mail server that can carry many messages on one connection: the relay opens a session
    for its round when its server offers one (each `deliver` of the session as above)."""

    def session(self) -> AbstractContextManager[MailServer]: ...


class Wordings(Protocol):
    """The notices' templates: a wording put in words in a language."""

    def render(self, wording: Wording, language: Language) -> RenderedNotice: ...


class Contacts(Protocol):
    """Where each ticket's notices go (the requester's address, sealed at rest)."""

    def keep(self, ticket_id: str, contact: Contact) -> None: ...

    def forget(self, ticket_id: str) -> None:
        """Drop the contact of a ticket that never started."""

    def of(self, ticket_id: str) -> Contact | None: ...


class Sga(Protocol):
    """The training system (système de gestion des apprentissages)."""

    def register(self, mo: str, employee_number: str, course: str, at: datetime) -> bool:
        """A course asked for in an arrival, before a session is chosen."""

    def unregister(self, mo: str, employee_number: str, course: str) -> None: ...

    def add_course(self, course: Course) -> None: ...

    def add_session(self, new: Session) -> None: ...

    def course(self, code: str) -> Course | None: ...

    def sessions(self) -> list[SessionView]: ...

    def session(self, code: str) -> SessionView | None: ...

    def enrolments(self, session_code: str) -> list[Enrolment]: ...

    def enrolment(self, session_code: str, mo: str, employee_number: str) -> Enrolment | None: ...

    def enrol(self, enrol: Enrol, at: datetime) -> Enrolment:
        """Register when a place is left, else join the waiting list; once per person."""

    def cancel(
        self, session_code: str, mo: str, employee_number: str, at: datetime
    ) -> Cancellation:
        """Cancel; a freed place goes to the first on the waiting list. Cancelling again gives
        the same answer and changes nothing."""


class Counters(Protocol):
    def next_number(self, series: str) -> int:
        """The next number of `series` (e.g. `param-MTQ-2026`), never given twice."""


class InboundMail(Protocol):
    """The messages the intake took in: recorded once each, then delivered to the engine."""

    def known(self, key: str) -> bool: ...

    def record(
        self,
        mail: ParsedMail,
        routing: Routing,
        received_at: datetime,
        year: int | None,
        delivered_at: datetime | None = None,
    ) -> InboundMessage | None:
        """Record it with its attachments (and, given `year`, a reserved ticket number), all
        or nothing; None when it was recorded already. `delivered_at`: its step is taken
        already (the console's files of a ticket it opened)."""

    def get(self, key: str) -> InboundMessage | None: ...

    def matching(self, prefix: str) -> list[str]: ...

    def pending(self, limit: int = 100) -> list[str]: ...

    def delivered(self, key: str, at: datetime) -> None: ...

    def failed(self, key: str, error: str) -> None: ...

    def to_triage(self, key: str, reason: str) -> None: ...

    def triage(self, limit: int, after: str | None = None) -> tuple[list[InboundMessage], int]: ...

    def sort(self, key: str, mo: str, by: str, at: datetime, year: int) -> InboundMessage:
        """Out of triage into a ticket of `mo` (its number reserved); `LookupError` if it is
        no longer in triage."""

    def discard(self, key: str, by: str, at: datetime) -> InboundMessage: ...

    def attachments(self, ticket_id: str) -> list[Attachment]: ...


class MailDomains(Protocol):
    def declare(self, domain: str, mo: str, by: str, at: datetime) -> MailDomain: ...

    def remove(self, domain: str) -> bool: ...

    def all(self) -> list[MailDomain]: ...

    def mapping(self) -> dict[str, str]: ...


class AttachmentFiles(Protocol):
    """Attachments' bytes, kept by their SHA-256 digest outside the database and the engine."""

    def keep(self, data: bytes) -> str:
        """Keep the bytes once; their digest."""

    def read(self, digest: str) -> bytes | None: ...


class AuditTrail(Protocol):
    """Who did what, when, and how it ended, each entry chained to the one before."""

    def append(self, event: AuditEvent, source_key: str | None = None) -> AuditEntry | None:
        """Append an entry; with `source_key`, once per key (None when it was there already)."""

    def entries(self, workflow_id: str | None = None) -> list[AuditEntry]: ...

    def head(self) -> Checkpoint:
        """The chain's newest entry now, to be kept outside the database."""

    def verify(self, checkpoints: Sequence[Checkpoint] = ()) -> list[ChainBreak]:
        """Every break in the trail: an entry altered, removed or reordered, and the chain
        against the checkpoints kept outside the database (none: intact)."""


class Checkpoints(Protocol):
    """Where the audit trail's checkpoints are kept, outside the desk's database."""

    def record(self, checkpoint: Checkpoint) -> None: ...

    def latest(self, count: int) -> list[Checkpoint]:
        """The newest `count` checkpoints."""


class RequestFacts(Protocol):
    """The SLA facts of requests that are not tickets, kept from their workflows' steps."""

    def note(
        self,
        workflow_id: str,
        run_id: str,
        process: str,
        mo: str,
        due: datetime,
        received_at: datetime | None = None,
        taken_at: datetime | None = None,
        breached: bool = False,
    ) -> None:
        """Fold what the steps said into the request's facts; saying it again changes nothing."""


class RequestRecords(Protocol):
    """How each request that is not a ticket lists, kept from its workflow's feed."""

    def note(self, batch: WorkflowSteps) -> None:
        """Keep the batch's listing; a stale or repeated batch changes nothing."""

    def page(self, query: ListQuery) -> Page: ...


class Reports(Protocol):
    """What the SLA report is computed from."""

    def request_facts(
        self, month: str | None = None, mo: str | None = None
    ) -> list[TicketFact]: ...

    def late_notices(self, month: str | None = None, mo: str | None = None) -> list[LateNotice]: ...


class CommitteeRecords(Protocol):
    """What the committee's report reads beyond the SLA report's facts."""

    def tickets(self, month: str, mo: str | None = None) -> list[CommitteeTicket]: ...

    def warnings(self, month: str, mo: str | None = None) -> list[WarningGiven]: ...


class ConsoleSessions(Protocol):
    """The web console's signed-in sessions, kept hashed; one ends when its token is revoked."""

    def open(self, caller: Caller, token_id: str | None, at: datetime, lasts: timedelta) -> str: ...

    def caller(self, secret: str, at: datetime) -> Caller | None: ...

    def end(self, secret: str, at: datetime) -> None: ...


class Tokens(Protocol):
    """Bearer tokens, kept hashed: a token's secret is shown once, when it is created."""

    def create(self, caller: Caller, note: str, at: datetime) -> IssuedToken: ...

    def authenticate(self, token: str) -> Caller | None: ...

    def holder(self, token: str) -> TokenInfo | None: ...

    def revoke(self, token_id: str, at: datetime) -> TokenInfo | None: ...

    def list(self) -> list[TokenInfo]: ...


class SagirUsers(Protocol):
    """SAGIR's users as a communiqué's groups find them (adapters/sql_sagir_users.py)."""

    def mos_known(self, codes: Sequence[str]) -> set[str]: ...

    def responsibility_owner(self, code: str) -> tuple[bool, str | None]: ...

    def list_exists(self, mo: str, name: str) -> bool: ...

    def users(self, mos: Sequence[str], groups: Sequence[Group], day: date) -> list[Recipient]:
        """The users of `mos` (none: every MO) in any of `groups`, each once, sorted."""

    def keep_list(self, mo: str, name: str, employee_numbers: Sequence[str]) -> int: ...

    def lists(self, mo: str) -> dict[str, int]: ...


class CommuniqueRecords(Protocol):
    """Communiqués as the desk keeps them (adapters/sql_communiques.py)."""

    def add(
        self,
        workflow_id: str,
        submission: Submission,
        files: Sequence[FileRef],
        digest: str,
        at: datetime,
    ) -> None: ...

    def remove(self, workflow_id: str) -> None: ...

    def get(self, workflow_id: str) -> Communique | None: ...

    def list(
        self,
        side: Side | None = None,
        mo: str | None = None,
        addressed_to: str | None = None,
        status: CommuniqueStatus | None = None,
        limit: int = 200,
    ) -> builtins.list[Communique]: ...

    def content(self, workflow_id: str) -> CommuniqueContent: ...

    def note(self, note: CommuniqueNote) -> None: ...

    def resolution(self, workflow_id: str) -> Resolution | None: ...

    def record_recipients(
        self, workflow_id: str, recipients: Sequence[Recipient], at: datetime
    ) -> Resolution: ...

    def queue_batch(self, workflow_id: str, after: int, at: datetime) -> int | None: ...

    def queued_until(self, workflow_id: str) -> int: ...

    def counts(self, workflow_id: str) -> DeliveryCounts: ...

    def verify(self, workflow_id: str) -> VerifyReport | None: ...

    def add_question(
        self,
        communique_id: str,
        via: QuestionVia,
        asked_by: str,
        mo: str | None,
        text: str,
        address: str | None,
        at: datetime,
        key: str,
        ticket_id: str | None = None,
    ) -> tuple[Question, bool]: ...

    def question(self, question_id: str) -> Question | None: ...

    def asker_address(self, question_id: str) -> str | None: ...

    def questions(self, communique_id: str) -> builtins.list[Question]: ...

    def answer(
        self, question_id: str, text: str, by: str, at: datetime, notice: Mail | None
    ) -> Question | None: ...


class Agreements(Protocol):
    """The MOs' agreements, the rate grid and the headcount snapshots (adapters/sql_billing)."""

    def keep_agreement(self, agreement: Agreement, by: str, at: datetime) -> Agreement: ...

    def agreement(self, mo: str) -> Agreement | None: ...

    def agreements(self) -> builtins.list[Agreement]: ...

    def add_rate(self, rate: Rate, by: str, at: datetime) -> bool:
        """False when the grid has a rate from that date already (never changed)."""

    def grid(self) -> builtins.list[Rate]: ...

    def snapshots(self, mo: str, period: Period) -> builtins.list[Snapshot]: ...


class BillingRecords(Protocol):
    """The invoices' records (adapters/sql_invoices.py): issued once per key, numbered without
    gaps, their mail queued, what their workflows note, and the headcounts."""

    def issue(self, asked: IssueInvoice, issued_on: date, at: datetime) -> IssuedInvoice:
        """`NotBillable` when it cannot be issued (no agreement, no rate, no snapshot)."""

    def price(self, asked: IssueInvoice, issued_on: date) -> Invoice:
        """The invoice unnumbered, writing nothing; `NotBillable` as `issue`."""

    def note(self, note: InvoiceNote) -> None: ...

    def last_billed_month(self) -> date | None: ...

    def mail_invoice(self, key: str, at: datetime) -> bool: ...

    def remind(self, key: str, seq: int, at: datetime) -> bool: ...

    def billable(self, kind: InvoiceKind, on: date, by: str) -> builtins.list[IssueInvoice]: ...

    def agreement_mos(self) -> builtins.list[str]: ...

    def take_snapshot(self, mo: str, day: date, count: int, at: datetime) -> Snapshot: ...

    def view(self, key_or_number: str) -> InvoiceView | None: ...

    def views(
        self, mo: str | None = None, year_of: date | None = None, open_only: bool = False
    ) -> builtins.list[InvoiceView]: ...

    def pdf(self, key_or_number: str) -> tuple[str, bytes] | None: ...

    def year_report(self, year_of: date, mo: str | None = None) -> builtins.list[YearLine]: ...

    def pause(self, mo: str, by: str, at: datetime) -> bool: ...

    def resume(self, mo: str) -> bool: ...

    def paused(self) -> dict[str, tuple[str, datetime]]: ...


class Receivables(Protocol):
    """SAGIR's side of billing: the dossier personne's headcount and the accounts receivable,
    each write once per idempotency key (False when written before)."""

    def active_employees(self, mo: str) -> int: ...

    def record_invoice(self, key: str, invoice: Invoice, at: datetime) -> bool: ...

    def record_receipt(self, key: str, number: str, mo: str, payment: Payment) -> bool: ...


class Figures(Protocol):
    """What operations watch of the desk (Prometheus), read from its records."""

    def now(self) -> DeskFigures: ...
