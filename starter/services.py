"""Every desk service on one engine client and one database: what the HTTP API serves."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from adapters.database import UnitOfWork
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_reports import SqlReports
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from adapters.sql_tokens import SqlTokens
from starter.access_control import AccessControl
from starter.audit_desk import AuditDesk
from starter.employee_desk import EmployeeDesk
from starter.parameterisation_desk import ParameterisationDesk
from starter.password_desk import PasswordDesk
from starter.registre_desk import RegistreDesk
from starter.report_desk import ReportDesk
from starter.settings import Settings
from starter.ticket_desk import TicketDesk
from starter.training_desk import TrainingDesk


@dataclass(frozen=True)
class DeskServices:
    access: AccessControl
    tickets: TicketDesk
    employees: EmployeeDesk
    requests: ParameterisationDesk
    passwords: PasswordDesk
    training: TrainingDesk
    registre: RegistreDesk
    audit: SqlAuditTrail
    reports: ReportDesk
    auditing: AuditDesk


def build_services(settings: Settings, client: Client, uow: UnitOfWork) -> DeskServices:
    directory, erp = SqlDirectory(uow), SqlSagirErp(uow)
    counters = SqlCounters(uow)
    queue = settings.task_queue
    return DeskServices(
        access=AccessControl(directory, erp, SqlTokens(uow)),
        tickets=TicketDesk(client, queue, settings.calendar, directory, SqlTicketRecords(uow)),
        employees=EmployeeDesk(
            client, queue, settings.calendar, directory, erp, settings.dossier_wait_open_days
        ),
        requests=ParameterisationDesk(
            client,
            queue,
            settings.calendar,
            directory,
            erp,
            counters.next_number,
            settings.answer_wait_open_days,
        ),
        passwords=PasswordDesk(client, queue, directory, erp, counters.next_number),
        training=TrainingDesk(client, queue, directory, erp, SqlSga(uow)),
        registre=RegistreDesk(directory, erp),
        audit=SqlAuditTrail(uow),
        reports=ReportDesk(SqlReports(uow), settings.calendar),
        auditing=AuditDesk(client),
    )
