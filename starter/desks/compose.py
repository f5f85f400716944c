"""The one place the doors' desks are built: every desk on one engine client and one database,
and, for a caller, every desk in its guarded form (each guarded desk wraps its own desk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client

from adapters.attachment_files import FileAttachments
from adapters.database import UnitOfWork
from adapters.file_checkpoints import FileCheckpoints
from adapters.invoice_pdf import invoice_pdf
from adapters.jinja_notices import NoticeTemplates
from adapters.outbox_mailer import OutboxMailer
from adapters.ports import AuditTrail, Figures
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_billing import SqlBilling
from adapters.sql_committee import SqlCommitteeRecords
from adapters.sql_communiques import SqlCommuniques
from adapters.sql_console_sessions import SqlConsoleSessions
from adapters.sql_contacts import SqlContacts
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_escalations import SqlEscalations
from adapters.sql_figures import SqlFigures
from adapters.sql_inbound import SqlInbound
from adapters.sql_invoices import SqlInvoices
from adapters.sql_mail_domains import SqlMailDomains
from adapters.sql_reports import SqlReports
from adapters.sql_request_records import SqlRequestRecords
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sagir_users import SqlSagirUsers
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from adapters.sql_tokens import SqlTokens
from models.inbound import AttachmentPolicy
from models.roles import Caller
from starter.desks.arrivals import ArrivalDesk, GuardedArrivals
from starter.desks.auditor import AuditorDesk, GuardedAuditor
from starter.desks.billing import BillingDesk, GuardedBilling, TemporalSchedules
from starter.desks.committee import CommitteeDesk, GuardedCommittee
from starter.desks.communiques import CommuniqueDesk, GuardedCommuniques
from starter.desks.departures import DepartureDesk, GuardedDepartures
from starter.desks.employee_changes import EmployeeChangeDesk, GuardedEmployeeChanges
from starter.desks.engine import TemporalEngine
from starter.desks.escalations import EscalationDesk, GuardedEscalations
from starter.desks.intake import GuardedIntake, IntakeDesk, IntakePolicy
from starter.desks.parameterisation import GuardedParameterisation, ParameterisationDesk
from starter.desks.passwords import GuardedPasswords, PasswordDesk
from starter.desks.registre import GuardedRegistre, RegistreDesk
from starter.desks.reports import GuardedReports, ReportDesk
from starter.desks.sessions import SessionDesk
from starter.desks.tickets import GuardedTickets, TicketDesk
from starter.desks.tokens import TokenDesk
from starter.desks.training import GuardedTraining, TrainingDesk
from starter.desks.training_requests import GuardedTrainingRequests, TrainingRequestDesk
from starter.settings import Settings


@dataclass(frozen=True)
class GuardedDesks:
    """Every desk as one caller may use it."""

    caller: Caller
    tickets: GuardedTickets
    arrivals: GuardedArrivals
    departures: GuardedDepartures
    parameterisation: GuardedParameterisation
    passwords: GuardedPasswords
    training: GuardedTraining
    training_requests: GuardedTrainingRequests
    employee_changes: GuardedEmployeeChanges
    registre: GuardedRegistre
    reports: GuardedReports
    committee: GuardedCommittee
    auditor: GuardedAuditor
    escalations: GuardedEscalations
    intake: GuardedIntake
    communiques: GuardedCommuniques
    billing: GuardedBilling


@dataclass(frozen=True)
class Desks:
    tokens: TokenDesk
    tickets: TicketDesk
    arrivals: ArrivalDesk
    departures: DepartureDesk
    parameterisation: ParameterisationDesk
    passwords: PasswordDesk
    training: TrainingDesk
    training_requests: TrainingRequestDesk
    employee_changes: EmployeeChangeDesk
    registre: RegistreDesk
    reports: ReportDesk
    committee: CommitteeDesk
    auditor: AuditorDesk
    escalations: EscalationDesk
    intake: IntakeDesk
    communiques: CommuniqueDesk
    billing: BillingDesk
    sessions: SessionDesk
    # Where the doors record what their callers asked, and how it ended.
    trail: AuditTrail
    # What operations watch (the API's /metrics).
    figures: Figures

    def as_caller(self, caller: Caller) -> GuardedDesks:
        tickets = GuardedTickets(self.tickets, caller)
        return GuardedDesks(
            caller=caller,
            tickets=tickets,
            arrivals=GuardedArrivals(self.arrivals, caller),
            departures=GuardedDepartures(self.departures, caller),
            parameterisation=GuardedParameterisation(self.parameterisation, caller),
            passwords=GuardedPasswords(self.passwords, caller),
            training=GuardedTraining(self.training, caller),
            training_requests=GuardedTrainingRequests(self.training_requests, caller),
            employee_changes=GuardedEmployeeChanges(self.employee_changes, caller),
            registre=GuardedRegistre(self.registre, caller),
            reports=GuardedReports(self.reports, caller),
            committee=GuardedCommittee(self.committee, caller),
            auditor=GuardedAuditor(self.auditor, caller),
            escalations=GuardedEscalations(self.escalations, caller),
            intake=GuardedIntake(self.intake, caller, tickets),
            communiques=GuardedCommuniques(self.communiques, caller),
            billing=GuardedBilling(self.billing, caller),
        )

    def authenticate(self, authorization: str | None) -> GuardedDesks:
        """Every desk as the holder of an `Authorization: Bearer <token>` header may use it."""
        return self.as_caller(self.tokens.authenticate(authorization))


def build_desks(settings: Settings, client: Client | None, uow: UnitOfWork) -> Desks:
    """Every desk on the database; the engine's `client` is None for a command that needs only
    the database (it fails clearly if it reaches for the engine)."""
    directory, erp, counters = SqlDirectory(uow), SqlSagirErp(uow), SqlCounters(uow)
    engine = TemporalEngine(client, settings.task_queue)
    calendar = settings.calendar
    trail = SqlAuditTrail(uow, settings.audit_keys)
    requests = SqlRequestRecords(uow)
    tickets = TicketDesk(
        engine,
        calendar,
        directory,
        SqlTicketRecords(uow),
        counters,
        SqlContacts(uow, settings.mail_keys),
        max_receipt_age=timedelta(days=settings.max_receipt_age_days),
        answer_wait_open_days=settings.answer_wait_open_days,
        forward_reminder_open_days=settings.forward_reminder_open_days,
    )
    tokens_kept = SqlTokens(uow)
    communiques = communique_desk(settings, uow, engine, tickets)
    arrivals = ArrivalDesk(engine, calendar, directory, requests, settings.dossier_wait_open_days)
    departures = DepartureDesk(engine, calendar, directory, erp, requests)
    return Desks(
        tokens=TokenDesk(tokens_kept, directory, erp),
        tickets=tickets,
        arrivals=arrivals,
        departures=departures,
        parameterisation=ParameterisationDesk(
            engine, calendar, directory, erp, counters, requests, settings.answer_wait_open_days
        ),
        passwords=PasswordDesk(engine, directory, erp, counters, requests),
        training=TrainingDesk(engine, directory, erp, SqlSga(uow)),
        training_requests=TrainingRequestDesk(
            engine, calendar, directory, erp, SqlSga(uow), counters, requests
        ),
        employee_changes=EmployeeChangeDesk(
            engine, calendar, directory, erp, counters, requests, arrivals, departures
        ),
        registre=RegistreDesk(directory, erp),
        reports=ReportDesk(SqlReports(uow), calendar),
        committee=CommitteeDesk(
            SqlReports(uow), SqlCommitteeRecords(uow), calendar, settings.resolution_targets
        ),
        auditor=AuditorDesk(engine, trail, calendar, FileCheckpoints(settings.checkpoint_file)),
        escalations=EscalationDesk(SqlEscalations(uow), directory),
        intake=intake_desk(settings, uow, tickets, communiques),
        communiques=communiques,
        billing=BillingDesk(
            engine,
            SqlBilling(uow, settings.mail_keys),
            SqlInvoices(
                uow,
                settings.mail_keys,
                invoice_pdf,
                settings.mail_domain,
                NoticeTemplates(settings.notice_templates),
            ),
            directory,
            None if client is None else TemporalSchedules(client),
        ),
        sessions=SessionDesk(
            SqlConsoleSessions(uow),
            tokens_kept,
            timedelta(hours=settings.console_session_hours),
            settings.console_secure_cookies,
        ),
        trail=trail,
        figures=SqlFigures(uow),
    )


def communique_desk(
    settings: Settings, uow: UnitOfWork, engine: TemporalEngine, tickets: TicketDesk
) -> CommuniqueDesk:
    """The communiqués' desk: their records, SAGIR's users, the attachment store, the outbox
    and the notices' templates (a question to an MO's author, the author's answer)."""
    files = FileAttachments(settings.attachments_dir, settings.mail_keys)
    return CommuniqueDesk(
        engine,
        SqlCommuniques(uow, settings.mail_keys, files, settings.mail_domain),
        SqlSagirUsers(uow),
        SqlDirectory(uow),
        SqlSagirErp(uow),
        SqlCounters(uow),
        files,
        tickets,
        OutboxMailer(uow, settings.mail_keys, settings.mail_domain),
        NoticeTemplates(settings.notice_templates),
        settings.communique_question_days,
    )


def intake_desk(
    settings: Settings, uow: UnitOfWork, tickets: TicketDesk, communiques: CommuniqueDesk
) -> IntakeDesk:
    """The incoming mail's desk on the database, the attachments folder and the settings (a
    reply to a communiqué is a question its desk takes)."""
    return IntakeDesk(
        tickets,
        SqlInbound(uow, settings.mail_keys),
        SqlMailDomains(uow),
        FileAttachments(settings.attachments_dir, settings.mail_keys),
        IntakePolicy(
            settings.intake_addresses,
            AttachmentPolicy(
                types=settings.intake_attachment_types,
                max_bytes=settings.intake_max_attachment_bytes,
            ),
        ),
        communiques,
    )
