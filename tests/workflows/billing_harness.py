"""Billing on the time-skipping server: the real desk, workflows and worker on a SQLite
database with the demo data, an agreement and the rate grid, a real SMTP server, and the
relay's round run by the test when it wants the mail delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.mail_relay import MailRelayActivities
from adapters.database import UnitOfWork
from adapters.invoice_pdf import invoice_pdf
from adapters.sql_billing import SqlBilling
from adapters.sql_directory import SqlDirectory
from adapters.sql_invoices import SqlInvoices
from adapters.sql_outbox import SqlOutbox
from adapters.sql_receivables import SqlReceivables
from adapters.sql_ticket_records import SqlTicketRecords
from models.billing import CURRENT_RATE, Agreement, Rate
from models.mail import RelayReport
from starter.desks.billing import BillingDesk
from starter.desks.engine import TemporalEngine
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from worker import activities_on, build_worker

MO = "MTQ"
CONTACT = "finances@mtq.example"
CLERK = "facturation-roy"
RATE_SINCE = date(2020, 4, 1)


class BillingHarness:
    def __init__(
        self, env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str, smtp: TestSmtp
    ) -> None:
        self.env = env
        self.uow = uow
        self.smtp = smtp
        self.agreements = SqlBilling(uow, TEST_MAIL_KEYS)
        self.invoices = SqlInvoices(uow, TEST_MAIL_KEYS, invoice_pdf)
        self.sagir = SqlReceivables(uow)
        self.desk = BillingDesk(
            TemporalEngine(env.client, task_queue),
            self.agreements,
            self.invoices,
            SqlDirectory(uow),
            clock=lambda: env.get_current_time() if False else datetime.now().astimezone(),
        )
        self.relay = MailRelayActivities(
            SqlOutbox(uow, TEST_MAIL_KEYS, invoices=self.invoices.content),
            smtp.mail_server(),
            SqlTicketRecords(uow),
            SqlDirectory(uow),
        )

    def agree(
        self, estimated: int = 1000, first_day: date = date(2026, 4, 1), mo: str = MO
    ) -> Agreement:
        self.agreements.add_rate(
            Rate(per_employee_per_year=CURRENT_RATE, valid_from=RATE_SINCE), CLERK, _at()
        )
        return self.agreements.keep_agreement(
            Agreement(
                mo=mo, first_day=first_day, estimated_headcount=estimated, billing_contact=CONTACT
            ),
            CLERK,
            _at(),
        )

    async def deliver(self) -> RelayReport:
        return await asyncio.to_thread(self.relay.deliver_due)


def _at() -> datetime:
    return datetime(2026, 3, 1, 12, 0).astimezone()


@asynccontextmanager
async def billing_desk(
    env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str, smtp: TestSmtp, folder: Path
) -> AsyncIterator[BillingHarness]:
    harness = BillingHarness(env, uow, task_queue, smtp)
    activities = activities_on(
        uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS, attachments_dir=folder / "attachments"
    )
    async with build_worker(env.client, task_queue, activities):
        yield harness


__all__ = ["CLERK", "CONTACT", "MO", "BillingHarness", "Decimal", "billing_desk"]
