"""The desk's database: SQLAlchemy 2 tables, the engine factory and the unit of work.

SQLite under SAGIR_HOME by default, PostgreSQL through SAGIR_DATABASE_URL. The schema is owned by
Alembic (migrations/); `metadata` here is what the migrations are written against.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a datetime without a UTC offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class MoRow(Base):
    __tablename__ = "mos"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AgentRow(Base):
    __tablename__ = "agents"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where escalations reach a supervisor (a work address of the CA).
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PersonRow(Base):
    """SAGIR's dossier personne (the start of the SAGIR-like ERP)."""

    __tablename__ = "persons"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    work_email: Mapped[str] = mapped_column(String(200))
    email_works: Mapped[bool] = mapped_column(Boolean, default=True)
    birth_day: Mapped[int] = mapped_column(Integer)
    birth_month: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    departure_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    departure_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The language of the notices this person receives (`fr`, the service's, or `en`).
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")


class ResponsibilityRow(Base):
    """SAGIR's catalogue of responsibilities."""

    __tablename__ = "responsibilities"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    module: Mapped[str] = mapped_column(String(4))
    # An MO's own responsibility (created on its request from the template); None for SAGIR's.
    owner_mo: Mapped[str | None] = mapped_column(String(12), nullable=True)
    transactions: Mapped[str | None] = mapped_column(Text, nullable=True)  # space-separated
    data_scope: Mapped[str | None] = mapped_column(String(200), nullable=True)


class DefaultResponsibilityRow(Base):
    """An MO's default responsibilities: its positionnement ministériel."""

    __tablename__ = "mo_default_responsibilities"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    responsibility_code: Mapped[str] = mapped_column(
        ForeignKey("responsibilities.code"), primary_key=True
    )


class RegistreResponsibilityRow(Base):
    """A responsibility the MO's registre d'autorité allows it to grant."""

    __tablename__ = "registre_responsibilities"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    responsibility_code: Mapped[str] = mapped_column(
        ForeignKey("responsibilities.code"), primary_key=True
    )


class RegistrePersonRow(Base):
    """A personne autorisée or relève of an MO, with its validity dates."""

    __tablename__ = "registre_persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), index=True)
    employee_number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    releve_of: Mapped[str | None] = mapped_column(String(20), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class RegistreChangeRow(Base):
    """Who changed an MO's registre d'autorité, when, and how (kept for good)."""

    __tablename__ = "registre_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mo_code: Mapped[str] = mapped_column(String(12), index=True)
    line_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    detail: Mapped[str] = mapped_column(String(400))


class RegistreAbsenceRow(Base):
    """A personne autorisée absent from one day to another: their relève authorises meanwhile."""

    __tablename__ = "registre_absences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("registre_persons.id"))
    employee_number: Mapped[str] = mapped_column(String(20))
    absent_from: Mapped[date] = mapped_column(Date)
    absent_until: Mapped[date] = mapped_column(Date)
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApprovalLimitRow(Base):
    """The highest approval limit an MO's registre d'autorité lets it delegate."""

    __tablename__ = "mo_approval_limits"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    max_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class ApprovalPowerRow(Base):
    """Pouvoirs d'approbation of a user on one cost centre or budget unit."""

    __tablename__ = "approval_powers"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    scope_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    amount_limit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class UserPasswordRow(Base):
    """A user's SAGIR password: only a salted hash, to be changed at the next sign-in."""

    __tablename__ = "user_passwords"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    must_change: Mapped[bool] = mapped_column(Boolean)
    reset_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CounterRow(Base):
    """The last number handed out in a series: ticket numbers (`T-2026`), request ids
    (`param-MTQ-2026`)."""

    __tablename__ = "counters"
    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class PartitionGroupRow(Base):
    """A partition group an MO has validated, for cloisonnement."""

    __tablename__ = "partition_groups"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)


class UserAccountRow(Base):
    __tablename__ = "user_accounts"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccountResponsibilityRow(Base):
    __tablename__ = "account_responsibilities"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    responsibility_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccountPartitionRow(Base):
    __tablename__ = "account_partitions"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    group_name: Mapped[str] = mapped_column(String(60))


class UserParameterRow(Base):
    __tablename__ = "user_parameters"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ErpWriteRow(Base):
    """Every write to SAGIR, by idempotency key: a retried write finds its key and stops."""

    __tablename__ = "erp_writes"
    idempotency_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    operation: Mapped[str] = mapped_column(String(40))
    mo_code: Mapped[str] = mapped_column(String(12))
    employee_number: Mapped[str] = mapped_column(String(20))
    written_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TrainingRegistrationRow(Base):
    """SGA: a registration of an employee to a course (the local SGA adapter)."""

    __tablename__ = "sga_registrations"
    mo_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    course: Mapped[str] = mapped_column(String(40), primary_key=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SgaCourseRow(Base):
    __tablename__ = "sga_courses"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class SgaSessionRow(Base):
    """One session of a course, with its number of places."""

    __tablename__ = "sga_sessions"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    course: Mapped[str] = mapped_column(ForeignKey("sga_courses.code"))
    starts_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)


class SgaEnrolmentRow(Base):
    """A participant of a session: registered, waiting (served by `seq` order) or cancelled."""

    __tablename__ = "sga_enrolments"
    __table_args__ = (UniqueConstraint("session_code", "mo_code", "employee_number"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_code: Mapped[str] = mapped_column(ForeignKey("sga_sessions.code"), index=True)
    mo_code: Mapped[str] = mapped_column(String(12))
    employee_number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    basis: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # For a cancelled place: who got it from the waiting list (so a repeated cancel says so).
    replaced_by_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ApiTokenRow(Base):
    """A bearer token of the HTTP API: only a hash of its secret is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24))
    mo_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    subject: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ConsoleSessionRow(Base):
    """A person signed in to the web console: only a hash of the cookie's secret is kept. The
    caller is copied from the token (or, later, from the identity provider's answer); a session
    opened with a token ends when that token is revoked."""

    __tablename__ = "console_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the secret
    token_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(24))
    mo_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    subject: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuditRow(Base):
    """One entry of the audit trail, sealed and chained to the one before (models/audit.py)."""

    __tablename__ = "audit_trail"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    workflow_id: Mapped[str] = mapped_column(String(120), index=True)
    mo_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(String(400))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))  # the seal: HMAC-SHA256 under `key_id`
    # The audit key that sealed it (configuration, never here); none: written before keys.
    key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # For a workflow's step: `<workflow id>/<run id>/<number>`, so a retried append adds nothing.
    source_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


class RequestRow(Base):
    """How a request that is not a ticket lists (arrivals, departures, parameterisation and
    access, password resets, training): the desk's record, kept from its workflow's feed; the
    workflow stays the source of truth. One row per request id, its newest run."""

    __tablename__ = "requests"
    workflow_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64))
    process: Mapped[str] = mapped_column(String(20))
    mo_code: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(30))
    warned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    late_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent: Mapped[int] = mapped_column(Integer)  # the feed's batch number: older ones are stale

    __table_args__ = (Index("requests_by_process", "process", "mo_code", "workflow_id"),)


class RequestFactRow(Base):
    """What the SLA report needs of a request under the take-in-charge rule that is not a ticket
    (arrivals, departures, parameterisation and access), kept from the steps of its workflow."""

    __tablename__ = "request_facts"
    workflow_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    process: Mapped[str] = mapped_column(String(20))
    mo_code: Mapped[str] = mapped_column(String(12), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditHeadRow(Base):
    """The chain's newest entry (one row): locked by each append, so appends line up, and read
    by the check, so removing the newest entries shows too."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxRow(Base):
    """A mail to deliver, written in the same transaction as the step that owes it; the key makes
    a retried send a no-op. The relay moves it queued -> sending -> sent (with the server's
    answer), or back to queued with a later attempt, or failed after too many (with the reason).
    """

    __tablename__ = "outbox"
    idempotency_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    # Address, subject and body sealed with the payload keys (adapters/sealed_mail.py).
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    workflow_id: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    # Derived from the idempotency key: a delivery retried is recognisable as the same message.
    message_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Set while a relay holds the message: a relay killed mid-delivery leaves it, and the
    # message is tried again once the claim is old (the same Message-ID).
    sending_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The server's answer: its acceptance once sent, its refusal (or the error) otherwise.
    server_reply: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # A communiqué's mail: its content is the communiqué's, read when it is sent (stored once,
    # not per recipient), and the digest of what was actually sent is kept (`verify`).
    communique_id: Mapped[str | None] = mapped_column(String(30), nullable=True, index=True)
    content_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # An invoice's mail: its text and PDF are the invoice's, read when it is sent.
    invoice_key: Mapped[str | None] = mapped_column(String(60), nullable=True)

    __table_args__ = (Index("outbox_due", "status", "next_attempt_at"),)


class TicketRow(Base):
    """The desk's projection of a ticket workflow; the workflow stays the source of truth."""

    __tablename__ = "tickets"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    mo_code: Mapped[str] = mapped_column(String(12), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    urgent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    warned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    requester: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    forwarded_to: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    # The SAGIR module it is about (the committee's report counts by it); empty for tickets
    # projected before it was kept.
    module: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The rest of the ticket (TicketDetails), sealed; None for tickets projected before it was
    # kept, or without the payload keys.
    details: Mapped[str | None] = mapped_column(Text, nullable=True)

    # The queue: received, urgent first, then the earliest deadline.
    __table_args__ = (Index("tickets_queue", "status", urgent.desc(), "due_at", "id"),)


class TicketStepRow(Base):
    __tablename__ = "ticket_steps"
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # sealed, as the details


class EscalationRow(Base):
    """An escalation to the CA supervisors; the key makes a retried escalation a no-op. A
    supervisor acknowledges it (who and when)."""

    __tablename__ = "escalations"
    idempotency_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(80), index=True)
    mo_code: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(400))
    escalated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Who was told, comma-separated: a warning tells every agent on duty, so no short bound.
    notified: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="breach", server_default="breach")
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        Index("escalations_by_time", "escalated_at", "idempotency_key"),
        # The metrics count escalations by kind at each scrape: from the index, not the table.
        Index("escalations_by_kind", "kind"),
    )


class TicketContactRow(Base):
    """Where a ticket's notices go: the requester's address, sealed at rest, and language."""

    __tablename__ = "ticket_contacts"
    ticket_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    address: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))


class MailDomainRow(Base):
    """A mail domain declared for an MO: its people's mail opens tickets of that MO."""

    __tablename__ = "mail_domains"
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), index=True)
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InboundMailRow(Base):
    """One message the intake took in, recorded once under the digest of its Message-ID (or of
    its bytes): when the desk received it, what it became, and whether the step it owes the
    engine (opening the ticket, the client's message) was delivered. Sender, subject and text
    are sealed at rest with the payload keys, bound to the row."""

    __tablename__ = "inbound_mail"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    channel: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(10))  # ticket | reply | triage | ignored
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ticket_id: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    mo_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    reopen: Mapped[bool] = mapped_column(Boolean, default=False)
    sender: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # pending: owed to the engine; delivered; none: nothing to deliver (triage, ignored).
    delivery: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(400), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Who sorted it out of triage, and when (to a ticket, or discarded).
    sorted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sorted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        Index("inbound_mail_pending", "delivery", "received_at"),
        Index("inbound_mail_by_outcome", "outcome", "received_at"),
    )


class AttachmentRow(Base):
    """A file a message brought: its content is kept outside the database and the engine, by
    the SHA-256 digest of its bytes (sealed at rest); its name is sealed here."""

    __tablename__ = "attachments"
    message_id: Mapped[str] = mapped_column(ForeignKey("inbound_mail.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    file_name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)


class CommuniqueRow(Base):
    """A communiqué as submitted (never edited after: a correction is a new one pointing here),
    with the digest of its content, and where its workflow says it stands. Content is not
    personal data (it goes to thousands); who it went to is in `communique_recipients`."""

    __tablename__ = "communiques"
    id: Mapped[str] = mapped_column(String(30), primary_key=True)  # communique-2026-000012
    side: Mapped[str] = mapped_column(String(8))
    mo_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    author: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    target_mos: Mapped[str] = mapped_column(Text)  # space-separated; empty: every MO
    groups: Mapped[str] = mapped_column(Text)  # space-separated, as `Group.parse` reads them
    release_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    corrects: Mapped[str | None] = mapped_column(String(30), nullable=True, index=True)
    digest: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The projection of the workflow's state (it stays the source of truth).
    version: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), index=True)
    checked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    refusal: Mapped[str | None] = mapped_column(String(400), nullable=True)
    recipients: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipients_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    questions_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CommuniqueFileRow(Base):
    """An attachment of a communiqué: its bytes in the attachment store, by digest."""

    __tablename__ = "communique_files"
    communique_id: Mapped[str] = mapped_column(ForeignKey("communiques.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class CommuniqueRecipientRow(Base):
    """One recipient as resolved at the release: recorded once, so "who was it sent to" has one
    answer forever. Their address is read from the dossier personne when their mail is queued,
    and sealed in the outbox."""

    __tablename__ = "communique_recipients"
    communique_id: Mapped[str] = mapped_column(ForeignKey("communiques.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    mo_code: Mapped[str] = mapped_column(String(12))
    employee_number: Mapped[str] = mapped_column(String(20))


class CommuniqueListRow(Base):
    """A member of a named list an MO keeps, to address a communiqué to (`list:NAME`)."""

    __tablename__ = "communique_lists"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(20), primary_key=True)


class CommuniqueQuestionRow(Base):
    """A question about a communiqué: a reply by mail or one from the Outil Requête. Who asked
    (their address), the text and the answer are sealed at rest."""

    __tablename__ = "communique_questions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    communique_id: Mapped[str] = mapped_column(ForeignKey("communiques.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    via: Mapped[str] = mapped_column(String(8))
    mo_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    asked_by: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class BillingAgreementRow(Base):
    """An MO's shared-services agreement; the billing contact's address sealed at rest."""

    __tablename__ = "billing_agreements"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    estimated_headcount: Mapped[int] = mapped_column(Integer)
    billing_contact: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Billing paused for the MO (`billing schedule pause --mo`): the monthly run skips it.
    paused_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class BillingRateRow(Base):
    """The rate grid: a unit rate per employee per year, in force from its date."""

    __tablename__ = "billing_rates"
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    per_employee_per_year: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HeadcountSnapshotRow(Base):
    """An MO's count of active employees on a day (a month's end), taken once and kept."""

    __tablename__ = "headcount_snapshots"
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())


MONEY = Numeric(14, 2)


class InvoiceRow(Base):
    """An invoice or a credit note as issued (never changed: its number, amounts and PDF), and
    where it stands as its workflow last noted (status, paid, reminders)."""

    __tablename__ = "invoices"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    mo_code: Mapped[str] = mapped_column(ForeignKey("mos.code"))
    kind: Mapped[str] = mapped_column(String(16))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    headcount: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    estimated_headcount: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    credited: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(16))
    note_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    reminders: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_in_erp: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mailed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The PDF as issued and mailed, kept so it is shown and sent again byte for byte.
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("invoices_by_mo", "mo_code", "first_day"),)


class InvoicePaymentRow(Base):
    """A payment recorded against an invoice, in the order recorded."""

    __tablename__ = "invoice_payments"
    invoice_key: Mapped[str] = mapped_column(ForeignKey("invoices.key"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CreditApplicationRow(Base):
    """Part of a credit note settled against an invoice issued after it."""

    __tablename__ = "credit_applications"
    credit_key: Mapped[str] = mapped_column(ForeignKey("invoices.key"), primary_key=True)
    invoice_key: Mapped[str] = mapped_column(ForeignKey("invoices.key"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class ReceivableRow(Base):
    """SAGIR's accounts receivable (the local ERP): an invoice or credit note recorded, or a
    payment received, once per idempotency key; amounts signed (a credit note's negative)."""

    __tablename__ = "sagir_receivables"
    idempotency_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    document: Mapped[str] = mapped_column(String(20))
    mo_code: Mapped[str] = mapped_column(String(12))
    operation: Mapped[str] = mapped_column(String(12))  # invoice, credit, receipt
    amount: Mapped[Decimal] = mapped_column(MONEY)
    on_day: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


metadata = Base.metadata


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, the folder is created and foreign keys are enforced."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the CLI read while the worker writes; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class UnitOfWork:
    """Opens sessions on one engine; `with uow.begin() as session:` commits or rolls back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session
