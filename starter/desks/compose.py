"""The one place the doors' desks are built: every desk on one engine and one database, and,
for a caller, every desk in its guarded form (each guarded desk wraps its own desk).

Built on demand (the command line's way), a desk is made, and its modules imported, when it is
first read: `ticket show` loads the tickets' desk, not the invoices' PDF fonts or the auditor's
replayer. The API builds every desk when it starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from starter.desks.engine import TemporalEngine

if TYPE_CHECKING:
    from temporalio.client import Client

    from adapters.database import UnitOfWork
    from adapters.ports import AuditTrail, Figures
    from adapters.sql_counters import SqlCounters
    from adapters.sql_directory import SqlDirectory
    from adapters.sql_request_records import SqlRequestRecords
    from adapters.sql_sagir_erp import SqlSagirErp
    from adapters.sql_tokens import SqlTokens
    from models.billing import Invoice
    from models.roles import Caller
    from models.service_calendar import ServiceCalendar
    from starter.desks.arrivals import ArrivalDesk, GuardedArrivals
    from starter.desks.auditor import AuditorDesk, GuardedAuditor
    from starter.desks.billing import (
        BillingDesk,
        GuardedBilling,
        ScheduleStatus,
        TemporalSchedules,
    )
    from starter.desks.committee import CommitteeDesk, GuardedCommittee
    from starter.desks.communiques import CommuniqueDesk, GuardedCommuniques
    from starter.desks.departures import DepartureDesk, GuardedDepartures
    from starter.desks.employee_changes import EmployeeChangeDesk, GuardedEmployeeChanges
    from starter.desks.escalations import EscalationDesk, GuardedEscalations
    from starter.desks.intake import GuardedIntake, IntakeDesk
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

# A desk of `Desks` not made yet: it is made when it is first read.
_UNBUILT: Any = object()


class GuardedDesks:
    """Every desk as one caller may use it; each guarded desk is made when first used."""

    def __init__(self, desks: Desks, caller: Caller) -> None:
        self.desks = desks
        self.caller = caller

    @cached_property
    def tickets(self) -> GuardedTickets:
        from starter.desks.tickets import GuardedTickets

        return GuardedTickets(self.desks.tickets, self.caller)

    @cached_property
    def arrivals(self) -> GuardedArrivals:
        from starter.desks.arrivals import GuardedArrivals

        return GuardedArrivals(self.desks.arrivals, self.caller)

    @cached_property
    def departures(self) -> GuardedDepartures:
        from starter.desks.departures import GuardedDepartures

        return GuardedDepartures(self.desks.departures, self.caller)

    @cached_property
    def parameterisation(self) -> GuardedParameterisation:
        from starter.desks.parameterisation import GuardedParameterisation

        return GuardedParameterisation(self.desks.parameterisation, self.caller)

    @cached_property
    def passwords(self) -> GuardedPasswords:
        from starter.desks.passwords import GuardedPasswords

        return GuardedPasswords(self.desks.passwords, self.caller)

    @cached_property
    def training(self) -> GuardedTraining:
        from starter.desks.training import GuardedTraining

        return GuardedTraining(self.desks.training, self.caller)

    @cached_property
    def training_requests(self) -> GuardedTrainingRequests:
        from starter.desks.training_requests import GuardedTrainingRequests

        return GuardedTrainingRequests(self.desks.training_requests, self.caller)

    @cached_property
    def employee_changes(self) -> GuardedEmployeeChanges:
        from starter.desks.employee_changes import GuardedEmployeeChanges

        return GuardedEmployeeChanges(self.desks.employee_changes, self.caller)

    @cached_property
    def registre(self) -> GuardedRegistre:
        from starter.desks.registre import GuardedRegistre

        return GuardedRegistre(self.desks.registre, self.caller)

    @cached_property
    def reports(self) -> GuardedReports:
        from starter.desks.reports import GuardedReports

        return GuardedReports(self.desks.reports, self.caller)

    @cached_property
    def committee(self) -> GuardedCommittee:
        from starter.desks.committee import GuardedCommittee

        return GuardedCommittee(self.desks.committee, self.caller)

    @cached_property
    def auditor(self) -> GuardedAuditor:
        from starter.desks.auditor import GuardedAuditor

        return GuardedAuditor(self.desks.auditor, self.caller)

    @cached_property
    def escalations(self) -> GuardedEscalations:
        from starter.desks.escalations import GuardedEscalations

        return GuardedEscalations(self.desks.escalations, self.caller)

    @cached_property
    def intake(self) -> GuardedIntake:
        from starter.desks.intake import GuardedIntake

        return GuardedIntake(self.desks.intake, self.caller, self.tickets)

    @cached_property
    def communiques(self) -> GuardedCommuniques:
        from starter.desks.communiques import GuardedCommuniques

        return GuardedCommuniques(self.desks.communiques, self.caller)

    @cached_property
    def billing(self) -> GuardedBilling:
        from starter.desks.billing import GuardedBilling

        return GuardedBilling(self.desks.billing, self.caller)


@dataclass(frozen=True)
class Desks:
    """Every desk on the engine and the database. A desk left `_UNBUILT` (built on demand) is
    made by `making` when it is first read, once."""

    tokens: TokenDesk = _UNBUILT
    tickets: TicketDesk = _UNBUILT
    arrivals: ArrivalDesk = _UNBUILT
    departures: DepartureDesk = _UNBUILT
    parameterisation: ParameterisationDesk = _UNBUILT
    passwords: PasswordDesk = _UNBUILT
    training: TrainingDesk = _UNBUILT
    training_requests: TrainingRequestDesk = _UNBUILT
    employee_changes: EmployeeChangeDesk = _UNBUILT
    registre: RegistreDesk = _UNBUILT
    reports: ReportDesk = _UNBUILT
    committee: CommitteeDesk = _UNBUILT
    auditor: AuditorDesk = _UNBUILT
    escalations: EscalationDesk = _UNBUILT
    intake: IntakeDesk = _UNBUILT
    communiques: CommuniqueDesk = _UNBUILT
    billing: BillingDesk = _UNBUILT
    sessions: SessionDesk = _UNBUILT
    # Where the doors record what their callers asked, and how it ended.
    trail: AuditTrail = _UNBUILT
    # What operations watch (the API's /metrics).
    figures: Figures = _UNBUILT
    making: _Making | None = field(default=None, repr=False, compare=False)

    if not TYPE_CHECKING:  # for mypy, every desk is simply there

        def __getattribute__(self, name: str) -> Any:
            value = object.__getattribute__(self, name)
            if value is _UNBUILT:
                value = getattr(object.__getattribute__(self, "making"), name)
                object.__setattr__(self, name, value)
            return value

    def as_caller(self, caller: Caller) -> GuardedDesks:
        return GuardedDesks(self, caller)

    def authenticate(self, authorization: str | None) -> GuardedDesks:
        """Every desk as the holder of an `Authorization: Bearer <token>` header may use it."""
        return self.as_caller(self.tokens.authenticate(authorization))


def build_desks(
    settings: Settings,
    client: Client | None,
    uow: UnitOfWork,
    connect: Callable[[], Awaitable[Client]] | None = None,
    on_demand: bool = False,
) -> Desks:
    """Every desk on the database and the engine's `client`, or the client `connect` makes when
    a desk first calls the engine; with neither, for a command that needs only the database,
    a desk that reaches for the engine fails clearly. `on_demand`: each desk is made when it
    is first read (one command, one desk); otherwise all of them now."""
    # The keys are read now, whichever desk is used: a bad key is found at once, and the key
    # files are made under SAGIR_HOME when they are missing.
    settings.mail_keys  # noqa: B018
    settings.audit_keys  # noqa: B018
    engine = TemporalEngine(client, settings.task_queue, connect)
    desks = Desks(making=_Making(settings, uow, engine))
    if not on_demand:
        for desk in fields(desks):
            getattr(desks, desk.name)
    return desks


class _Making:
    """What the desks are made of: each adapter shared by several desks, and each desk, made
    once, when first needed."""

    def __init__(self, settings: Settings, uow: UnitOfWork, engine: TemporalEngine) -> None:
        self.settings = settings
        self.uow = uow
        self.engine = engine

    # --- what several desks share ------------------------------------------------------------

    @cached_property
    def calendar(self) -> ServiceCalendar:
        return self.settings.calendar

    @cached_property
    def directory(self) -> SqlDirectory:
        from adapters.sql_directory import SqlDirectory

        return SqlDirectory(self.uow)

    @cached_property
    def erp(self) -> SqlSagirErp:
        from adapters.sql_sagir_erp import SqlSagirErp

        return SqlSagirErp(self.uow)

    @cached_property
    def counters(self) -> SqlCounters:
        from adapters.sql_counters import SqlCounters

        return SqlCounters(self.uow)

    @cached_property
    def requests(self) -> SqlRequestRecords:
        from adapters.sql_request_records import SqlRequestRecords

        return SqlRequestRecords(self.uow)

    @cached_property
    def tokens_kept(self) -> SqlTokens:
        from adapters.sql_tokens import SqlTokens

        return SqlTokens(self.uow)

    # --- the desks ---------------------------------------------------------------------------

    @cached_property
    def tokens(self) -> TokenDesk:
        from starter.desks.tokens import TokenDesk

        return TokenDesk(self.tokens_kept, self.directory, self.erp)

    @cached_property
    def tickets(self) -> TicketDesk:
        from adapters.sql_contacts import SqlContacts
        from adapters.sql_ticket_records import SqlTicketRecords
        from starter.desks.tickets import TicketDesk

        settings = self.settings
        return TicketDesk(
            self.engine,
            self.calendar,
            self.directory,
            # With the keys: the records open the details they keep, so `show` needs no engine.
            SqlTicketRecords(self.uow, settings.mail_keys),
            self.counters,
            SqlContacts(self.uow, settings.mail_keys),
            max_receipt_age=timedelta(days=settings.max_receipt_age_days),
            answer_wait_open_days=settings.answer_wait_open_days,
            forward_reminder_open_days=settings.forward_reminder_open_days,
            continue_after_events=settings.ticket_continue_after_events,
        )

    @cached_property
    def arrivals(self) -> ArrivalDesk:
        from starter.desks.arrivals import ArrivalDesk

        return ArrivalDesk(
            self.engine,
            self.calendar,
            self.directory,
            self.requests,
            self.settings.dossier_wait_open_days,
        )

    @cached_property
    def departures(self) -> DepartureDesk:
        from starter.desks.departures import DepartureDesk

        return DepartureDesk(self.engine, self.calendar, self.directory, self.erp, self.requests)

    @cached_property
    def parameterisation(self) -> ParameterisationDesk:
        from starter.desks.parameterisation import ParameterisationDesk

        return ParameterisationDesk(
            self.engine,
            self.calendar,
            self.directory,
            self.erp,
            self.counters,
            self.requests,
            self.settings.answer_wait_open_days,
        )

    @cached_property
    def passwords(self) -> PasswordDesk:
        from starter.desks.passwords import PasswordDesk

        return PasswordDesk(self.engine, self.directory, self.erp, self.counters, self.requests)

    @cached_property
    def training(self) -> TrainingDesk:
        from adapters.sql_sga import SqlSga
        from starter.desks.training import TrainingDesk

        return TrainingDesk(self.engine, self.directory, self.erp, SqlSga(self.uow))

    @cached_property
    def training_requests(self) -> TrainingRequestDesk:
        from adapters.sql_sga import SqlSga
        from starter.desks.training_requests import TrainingRequestDesk

        return TrainingRequestDesk(
            self.engine,
            self.calendar,
            self.directory,
            self.erp,
            SqlSga(self.uow),
            self.counters,
            self.requests,
        )

    @cached_property
    def employee_changes(self) -> EmployeeChangeDesk:
        from starter.desks.employee_changes import EmployeeChangeDesk

        return EmployeeChangeDesk(
            self.engine,
            self.calendar,
            self.directory,
            self.erp,
            self.counters,
            self.requests,
            self.arrivals,
            self.departures,
        )

    @cached_property
    def registre(self) -> RegistreDesk:
        from starter.desks.registre import RegistreDesk

        return RegistreDesk(self.directory, self.erp)

    @cached_property
    def reports(self) -> ReportDesk:
        from adapters.sql_reports import SqlReports
        from starter.desks.reports import ReportDesk

        return ReportDesk(SqlReports(self.uow), self.calendar)

    @cached_property
    def committee(self) -> CommitteeDesk:
        from adapters.sql_committee import SqlCommitteeRecords
        from adapters.sql_reports import SqlReports
        from starter.desks.committee import CommitteeDesk

        return CommitteeDesk(
            SqlReports(self.uow),
            SqlCommitteeRecords(self.uow),
            self.calendar,
            self.settings.resolution_targets,
        )

    @cached_property
    def auditor(self) -> AuditorDesk:
        from adapters.file_checkpoints import FileCheckpoints
        from starter.desks.auditor import AuditorDesk

        return AuditorDesk(
            self.engine,
            self.trail,
            self.calendar,
            FileCheckpoints(self.settings.checkpoint_file),
        )

    @cached_property
    def escalations(self) -> EscalationDesk:
        from adapters.sql_escalations import SqlEscalations
        from starter.desks.escalations import EscalationDesk

        return EscalationDesk(SqlEscalations(self.uow), self.directory)

    @cached_property
    def intake(self) -> IntakeDesk:
        return intake_desk(self.settings, self.uow, self.tickets, self.communiques)

    @cached_property
    def communiques(self) -> CommuniqueDesk:
        return communique_desk(self.settings, self.uow, self.engine, self.tickets)

    @cached_property
    def billing(self) -> BillingDesk:
        from adapters.jinja_notices import NoticeTemplates
        from adapters.sql_billing import SqlBilling
        from adapters.sql_invoices import SqlInvoices
        from starter.desks.billing import BillingDesk

        settings = self.settings
        return BillingDesk(
            self.engine,
            SqlBilling(self.uow, settings.mail_keys),
            SqlInvoices(
                self.uow,
                settings.mail_keys,
                invoice_pdf,
                settings.mail_domain,
                NoticeTemplates(settings.notice_templates),
            ),
            self.directory,
            _SchedulesOnFirstCall(self.engine) if self.engine.reachable else None,
        )

    @cached_property
    def sessions(self) -> SessionDesk:
        from adapters.sql_console_sessions import SqlConsoleSessions
        from starter.desks.sessions import SessionDesk

        return SessionDesk(
            SqlConsoleSessions(self.uow),
            self.tokens_kept,
            timedelta(hours=self.settings.console_session_hours),
            self.settings.console_secure_cookies,
        )

    @cached_property
    def trail(self) -> AuditTrail:
        from adapters.sql_audit import SqlAuditTrail

        return SqlAuditTrail(self.uow, self.settings.audit_keys)

    @cached_property
    def figures(self) -> Figures:
        from adapters.sql_figures import SqlFigures

        return SqlFigures(self.uow)


def invoice_pdf(invoice: Invoice, mo_name: str) -> bytes:
    """The invoice's PDF (`adapters.invoice_pdf`): fpdf and its fonts load when a PDF is made,
    not with the billing desk."""
    from adapters.invoice_pdf import invoice_pdf as rendered

    return rendered(invoice, mo_name)


class _SchedulesOnFirstCall:
    """Billing's Schedules (`TemporalSchedules`) on the engine's client, made at the first call
    (the engine connects then, if it has not yet)."""

    def __init__(self, engine: TemporalEngine) -> None:
        self.engine = engine

    async def pause(self, schedule_id: str, note: str) -> None:
        await (await self._schedules()).pause(schedule_id, note)

    async def resume(self, schedule_id: str, note: str) -> None:
        await (await self._schedules()).resume(schedule_id, note)

    async def backfill(self, schedule_id: str, at: datetime) -> None:
        await (await self._schedules()).backfill(schedule_id, at)

    async def status(self, schedule_id: str) -> ScheduleStatus:
        return await (await self._schedules()).status(schedule_id)

    async def _schedules(self) -> TemporalSchedules:
        from starter.desks.billing import TemporalSchedules

        return TemporalSchedules(await self.engine.connected())


def communique_desk(
    settings: Settings, uow: UnitOfWork, engine: TemporalEngine, tickets: TicketDesk
) -> CommuniqueDesk:
    """The communiqués' desk: their records, SAGIR's users, the attachment store, the outbox
    and the notices' templates (a question to an MO's author, the author's answer)."""
    from adapters.attachment_files import FileAttachments
    from adapters.jinja_notices import NoticeTemplates
    from adapters.outbox_mailer import OutboxMailer
    from adapters.sql_communiques import SqlCommuniques
    from adapters.sql_counters import SqlCounters
    from adapters.sql_directory import SqlDirectory
    from adapters.sql_sagir_erp import SqlSagirErp
    from adapters.sql_sagir_users import SqlSagirUsers
    from starter.desks.communiques import CommuniqueDesk

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
    from adapters.attachment_files import FileAttachments
    from adapters.sql_inbound import SqlInbound
    from adapters.sql_mail_domains import SqlMailDomains
    from models.inbound import AttachmentPolicy
    from starter.desks.intake import IntakeDesk, IntakePolicy

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
