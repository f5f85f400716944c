"""Billing in a real Chromium (issue 15): the CA's billing clerk records the MTQ's agreement,
issues its invoice of a month from the « Facturation » page, opens it (its PDF shown inline)
and records its payment; issuing the same month again is refused in French beside the form;
the MTQ's finance officer reads the invoice and the statement, with no form, and another MO's
statement is a page that does not exist. Every billing page passes axe-core; the clerk's pages
and the invoice are the README's screenshots."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from playwright.async_api import Browser, Page, expect

from models.billing import CURRENT_RATE, Agreement, fiscal_year_of
from models.roles import Caller, Role
from tests.browser.harness import (
    STEP_TIMEOUT_MS,
    Console,
    check_accessibility,
    screenshot,
    sign_in,
)

CLERK = Caller(role=Role.ca_billing, subject="facturation-roy")
FINANCE = Caller(role=Role.mo_finance, mo="MTQ", subject="finances-mtq")


@asynccontextmanager
async def person(browser: Browser, console: Console, caller: Caller) -> AsyncIterator[Page]:
    """One person's own browser profile (their own cookies), signed in."""
    context = await browser.new_context(locale="fr-CA", timezone_id="America/Montreal")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    await sign_in(page, console, caller)
    try:
        yield page
    finally:
        await context.close()


def rate_in_force(console: Console) -> None:
    console.desks.billing.add_rate(CURRENT_RATE, date(2020, 4, 1), CLERK.subject)


def this_month(console: Console) -> date:
    """The month billed (the real clock's: the agreement began before it)."""
    return console.desks.billing.today().replace(day=1)


async def test_the_clerk_issues_an_invoice_opens_it_and_records_its_payment_in_the_browser(
    browser: Browser, console: Console
) -> None:
    rate_in_force(console)
    month = f"{this_month(console):%Y-%m}"
    year = fiscal_year_of(this_month(console))[0].year
    async with person(browser, console, CLERK) as clerk:
        await expect(clerk.get_by_role("heading", level=1)).to_have_text("Facturation")
        await check_accessibility(clerk)
        await clerk.get_by_role("link", name="Inscrire une entente").first.click()
        await clerk.get_by_label("Organisme").select_option("MTQ")
        await clerk.get_by_label("Premier jour de l'entente").fill("2026-04-01")
        await clerk.get_by_label("Effectif estimé (employés)").fill("1 000")
        await clerk.get_by_label("Contact de facturation (courriel)").fill("finances@mtq.example")
        await check_accessibility(clerk)
        await clerk.get_by_role("button", name="Enregistrer l'entente").click()
        await expect(clerk.get_by_role("status")).to_have_text(
            "L'entente de services partagés de MTQ est enregistrée."
        )

        await clerk.get_by_label("Organisme", exact=True).select_option("MTQ")
        await clerk.get_by_label("Mois facturé").fill(month)
        await clerk.get_by_role("button", name="Émettre la facture").click()
        await expect(clerk.get_by_role("status")).to_contain_text("La facture est émise")
        heading = await clerk.get_by_role("heading", level=1).inner_text()
        found = re.fullmatch(r"Facture mensuelle (F-\d{4}-\d{6})", heading)
        assert found is not None, heading
        number = found.group(1)
        await expect(clerk.get_by_role("heading", name="État : Émise")).to_be_visible()
        await expect(clerk.locator("#montant")).to_have_text("16 250,00 $")
        await check_accessibility(clerk)
        await screenshot(clerk, "facture-emise")

        pdf = clerk.get_by_role("link", name=f"{number}.pdf")
        answer = await clerk.request.get(f"{console.base_url}{await pdf.get_attribute('href')}")
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["content-disposition"].startswith("inline;")

        await expect(clerk.get_by_label("Montant ($)")).to_have_value("16 250,00")
        await clerk.get_by_label("Référence (facultative)").fill("VIR-2026-1142")
        await clerk.get_by_role("button", name="Enregistrer le paiement").click()
        await expect(clerk.get_by_role("status")).to_have_text("Le paiement est enregistré.")
        await expect(clerk.get_by_role("heading", name="État : Payée")).to_be_visible()
        await expect(clerk.locator("#solde")).to_have_text("0,00 $")
        await expect(clerk.get_by_role("button", name="Enregistrer le paiement")).to_have_count(0)
        await check_accessibility(clerk)

        menu = clerk.get_by_role("navigation", name="Menu principal")
        await menu.get_by_role("link", name="Facturation").click()
        await expect(clerk.get_by_role("link", name=number)).to_be_visible()
        # The same month again: one invoice per MO and month, refused beside its form.
        await clerk.get_by_label("Organisme", exact=True).select_option("MTQ")
        await clerk.get_by_label("Mois facturé").fill(month)
        await clerk.get_by_role("button", name="Émettre la facture").click()
        await expect(clerk.locator("#refus-emettre")).to_have_text(
            f"facture-MTQ-{month} : cette facture a déjà été émise ({number}) ; une seule "
            "facture par MO et par mois"
        )
        await check_accessibility(clerk)
        await screenshot(clerk, "facturation")

        await menu.get_by_role("link", name="Factures").click()
        await expect(clerk.get_by_role("link", name=number)).to_be_visible()
        await check_accessibility(clerk)
        await clerk.get_by_label("Impayées seulement").check()
        await clerk.get_by_role("button", name="Filtrer").click()
        await expect(clerk.get_by_role("link", name=number)).to_have_count(0)
        await check_accessibility(clerk)

        await menu.get_by_role("link", name="Relevés").click()
        await check_accessibility(clerk)
        await clerk.get_by_role("link", name="Relevé de MTQ").click()
        await expect(clerk.locator("#total-paye")).to_have_text("16 250,00 $")
        await check_accessibility(clerk)

        await menu.get_by_role("link", name="Rapport annuel").click()
        download = clerk.get_by_role("link", name="Télécharger le rapport en CSV")
        await expect(download).to_have_attribute(
            "href", f"/console/facturation/rapport.csv?exercice={year}"
        )
        await check_accessibility(clerk)
    view = console.desks.billing.invoice(number)
    assert [(str(one.amount), one.reference) for one in view.payments] == [
        ("16250.00", "VIR-2026-1142")
    ]


async def test_an_mo_finance_officer_reads_its_invoice_and_statement_with_no_form(
    browser: Browser, console: Console
) -> None:
    rate_in_force(console)
    console.desks.billing.keep_agreement(
        Agreement(
            mo="MTQ",
            first_day=date(2026, 4, 1),
            estimated_headcount=1000,
            billing_contact="finances@mtq.example",
        ),
        CLERK.subject,
    )
    state = await console.desks.as_caller(CLERK).billing.issue("MTQ", this_month(console))
    first, last = fiscal_year_of(this_month(console))
    assert state.invoice is not None
    number = state.invoice.number
    async with person(browser, console, FINANCE) as finance:
        await expect(finance.get_by_role("heading", level=1)).to_have_text("Factures")
        await check_accessibility(finance)
        await finance.get_by_role("link", name=number).click()
        await expect(finance.get_by_role("heading", name="État : Émise")).to_be_visible()
        await expect(finance.locator("#solde")).to_have_text("16 250,00 $")
        await expect(finance.locator("form.formulaire")).to_have_count(0)
        await check_accessibility(finance)
        menu = finance.get_by_role("navigation", name="Menu principal")
        await menu.get_by_role("link", name="Relevé").click()
        await expect(finance.get_by_role("heading", level=1)).to_have_text(
            f"Relevé de MTQ, exercice {first.year}-{last.year}"
        )
        await expect(finance.locator("#total-du")).to_have_text("16 250,00 $")
        await check_accessibility(finance)
        await screenshot(finance, "releve-mo")
        answer = await finance.goto(f"{console.base_url}/console/releve/MSSS")
        assert answer is not None and answer.status == 404
        await expect(finance.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        await check_accessibility(finance)
