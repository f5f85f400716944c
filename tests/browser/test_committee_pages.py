"""The committee's report and the warned queue in a real browser (issue 16): a supervisor reads
the « Comité » page with its charts, an MO's HR reads its own MO's figures, and an agent sees in
the queue which tickets the CA was warned about. Every page passes the accessibility check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from adapters.database import UnitOfWork
from adapters.sql_ticket_records import SqlTicketRecords
from models.roles import Caller, Role
from models.sla import Channel
from models.tickets import TicketRecord, TicketStatus
from tests.adapters.test_committee_report import write_records
from tests.browser.harness import CALLERS, Console, check_accessibility, screenshot, sign_in

if TYPE_CHECKING:
    from playwright.async_api import Page

SUPERVISOR = CALLERS[Role.ca_supervisor]
AGENT = CALLERS[Role.ca_agent]
HR_MSSS = Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss")


async def test_a_supervisor_reads_the_committee_report_with_its_charts(
    console: Console, page: Page, demo_uow: UnitOfWork
) -> None:
    write_records(demo_uow)  # November 2026's tickets, warnings and late notices
    await sign_in(page, console, SUPERVISOR)
    await page.goto(f"{console.base_url}/console/rapports/comite?mois=2026-11")
    await page.get_by_role("heading", name="Rapport du comité d'amélioration continue").wait_for()
    assert await page.locator("svg[role=img]").count() == 3
    await check_accessibility(page)
    await screenshot(page, "superviseur-comite")


async def test_an_mo_reads_only_its_own_committee_figures(
    console: Console, page: Page, demo_uow: UnitOfWork
) -> None:
    write_records(demo_uow)
    await sign_in(page, console, HR_MSSS)
    await page.goto(f"{console.base_url}/console/rapports/comite?mois=2026-11")
    text = await page.locator("main").inner_text()
    assert "MSSS : novembre 2026" in text and "MTQ :" not in text
    await check_accessibility(page)


async def test_an_agent_sees_the_warned_ticket_marked_in_the_queue(
    console: Console, page: Page, demo_uow: UnitOfWork
) -> None:
    now = datetime.now(UTC)
    SqlTicketRecords(demo_uow).record(
        TicketRecord(
            id="T-2026-990001",
            mo="MTQ",
            channel=Channel.web,
            urgent=False,
            status=TicketStatus.received,
            received_at=now - timedelta(hours=20),
            due=now + timedelta(hours=4),
            taken_at=None,
            assignee=None,
            breached=False,
            warned=True,
            version=2,
            steps=[],
        )
    )
    await sign_in(page, console, AGENT)
    row = page.get_by_role("row").filter(has_text="T-2026-990001")
    await row.get_by_text("Avertissement envoyé").wait_for()
    await check_accessibility(page)
