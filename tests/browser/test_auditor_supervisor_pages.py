"""The auditor's and the supervisor's pages in a real browser (issue 13, items 3 and 7): an
auditor searches, reads a ticket's story and opens its timeline's payloads, checks the audit
trail and reads the SLA report; a supervisor watches the breaches and acknowledges an
escalation. Every page passes the accessibility check; the main ones are the README's
screenshots."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from adapters.database import UnitOfWork
from models.roles import Role
from models.tickets import TicketRequest
from starter.desks.errors import parse
from tests.api.test_console_auditor_supervision import seed
from tests.api.test_roles_matrix import ticket_body
from tests.browser.harness import CALLERS, Console, check_accessibility, screenshot, sign_in

if TYPE_CHECKING:
    from playwright.async_api import Page

AUDITOR = CALLERS[Role.auditor]
SUPERVISOR = CALLERS[Role.ca_supervisor]
AGENT = CALLERS[Role.ca_agent]


async def test_an_auditor_finds_a_ticket_and_reads_its_timeline_with_the_payloads_opened(
    console: Console, page: Page
) -> None:
    opened = await console.desks.as_caller(AGENT).tickets.open(
        parse(TicketRequest, **ticket_body(AGENT, "MTQ"))
    )
    await sign_in(page, console, AUDITOR)
    assert page.url.endswith("/console/audit")
    await page.get_by_label("Organisme (code)").fill("MTQ")
    await page.get_by_label("État").select_option("received")
    link = page.get_by_role("link", name=opened.id)
    for _ in range(50):  # the engine's visibility catches up in a moment
        await page.get_by_role("button", name="Rechercher").click()
        await page.wait_for_load_state()
        if await link.count():
            break
    await check_accessibility(page)
    await screenshot(page, "auditeur-recherche")

    await link.click()
    await page.get_by_role("heading", name="Histoire de la demande").wait_for()
    await check_accessibility(page)
    await page.get_by_role("link", name="Ouvrir la chronologie et ses données").click()
    await page.get_by_text("Exécution commencée").first.wait_for()
    timeline = page.get_by_role("region", name="Chronologie du moteur")
    assert "Je n'ai plus accès" in await timeline.inner_text()  # the ticket's input, opened
    await check_accessibility(page)
    await screenshot(page, "auditeur-chronologie")

    await page.get_by_role("link", name="Journal d'audit", exact=True).click()
    await page.get_by_label(re.compile("^Dossier")).fill(opened.id)
    await page.get_by_role("button", name="Filtrer").click()
    await page.get_by_role("cell", name="payload.decode").first.wait_for()
    await page.get_by_role("button", name="Vérifier l'intégrité du journal").click()
    await page.get_by_text("Journal intact").wait_for()
    await check_accessibility(page)

    await page.get_by_role("link", name="Rapports", exact=True).click()
    await page.get_by_role("heading", name="Rapport sur les délais de service").wait_for()
    await check_accessibility(page)


async def test_a_supervisor_sees_the_breaches_and_acknowledges_an_escalation(
    console: Console, page: Page, demo_uow: UnitOfWork
) -> None:
    seed(demo_uow)  # a breached MTQ ticket of November 2026, and its escalation
    await sign_in(page, console, SUPERVISOR)
    await page.get_by_role("link", name="Supervision", exact=True).click()
    await page.get_by_role("link", name="T-2026-000042").wait_for()
    await check_accessibility(page)
    await screenshot(page, "superviseur-supervision")

    await page.get_by_role("link", name="1 escalade à prendre en compte").click()
    await page.get_by_role("button", name="Prendre en compte l'escalade T-2026-000042").click()
    confirmation = page.locator("#confirmation")
    await confirmation.wait_for()
    assert "prise en compte par super-cote" in await confirmation.inner_text()
    await page.get_by_label("Prise en compte").select_option("")
    await page.get_by_role("button", name="Filtrer").click()
    await page.get_by_text(re.compile("Prise en compte par super-cote le .+ h")).wait_for()
    await check_accessibility(page)

    await page.get_by_role("link", name="Rapports", exact=True).click()
    await page.get_by_label("Mois", exact=True).fill("2026-11")
    await page.get_by_role("button", name="Afficher").click()
    await page.get_by_role("img", name=re.compile("^Graphique du rapport")).wait_for()
    await check_accessibility(page)
