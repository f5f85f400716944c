"""A personne autorisée and a CA agent in a real Chromium (issue 13, items 3 and 5): the
personne autorisée submits an access request through the real form, sees it in her MO's list,
and tries the registre change that would leave her MO with nobody to authorise: the refusal
shows beside the form and nothing changes; she declares an absence and ends it sooner. The
agent works a request, helps with a password (the birth day and month masked, a wrong one
refused without being shown back) and enrols a participant in training. Every page passes
axe-core; the main pages are the README's screenshots."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from playwright.async_api import Page, expect

from models.parameterisation import ParamKind, ParamRequest
from models.roles import Role
from models.service_calendar import MONTREAL
from tests.browser.harness import (
    CALLERS,
    Console,
    check_accessibility,
    screenshot,
    sign_in,
)

PERSONNE_AUTORISEE = CALLERS[Role.personne_autorisee]  # MTQ's 30001
AGENT = CALLERS[Role.ca_agent]
HR = CALLERS[Role.mo_hr]
USER = "52310"  # MTQ, an active SAGIR account; born on August 9 (demo data)
LISTED_WITHIN_S = 20


async def until_listed(page: Page, text: str) -> None:
    """The lists are written by an activity a moment later: reload (bounded) until `text`
    shows as a link."""
    for _ in range(LISTED_WITHIN_S * 4):
        if await page.get_by_role("link", name=text).count():
            return
        await asyncio.sleep(0.25)
        await page.reload()
    raise AssertionError(f"{text} never showed in {page.url}")


async def test_a_personne_autorisee_submits_a_request_and_is_refused_a_registre_left_empty(
    console: Console, page: Page
) -> None:
    base = console.base_url
    await sign_in(page, console, PERSONNE_AUTORISEE)
    await page.wait_for_url(f"{base}/console/parametrage")  # her main page
    await check_accessibility(page)
    menu = page.get_by_role("navigation", name="Menu principal")

    # The request, through the real form.
    await menu.get_by_role("link", name="Nouvelle demande").click()
    await page.wait_for_url(f"{base}/console/parametrage/nouvelle")
    await check_accessibility(page)
    await page.get_by_role("link", name="Demande d'accès").click()
    await page.wait_for_url(f"{base}/console/parametrage/nouvelle?type=access")
    await check_accessibility(page)
    await page.get_by_label("Numéro d'employé du bénéficiaire").fill(USER)
    await page.get_by_label("Acheteur (RM-ACHETEUR)").check()
    await page.get_by_label("Description du besoin").fill("Annie Morin devient acheteuse.")
    await page.get_by_label("Courriel où le Centre d'assistance vous répond").fill("rh@mtq.example")
    await page.get_by_role("button", name="Soumettre la demande").click()
    await page.wait_for_url(re.compile(r"/console/parametrage/acces-MTQ-\d{4}-000001\?fait="))
    request_id = page.url.split("?")[0].rsplit("/", 1)[1]
    console.harness.started.append(request_id)
    await expect(page.get_by_role("status")).to_contain_text("Votre demande est reçue")
    await expect(page.get_by_role("heading", level=2, name=re.compile("État"))).to_contain_text(
        "Reçue, à prendre en charge"
    )
    await check_accessibility(page)

    await menu.get_by_role("link", name="Paramétrage et accès").click()
    await until_listed(page, request_id)
    await check_accessibility(page)
    await screenshot(page, "personne-autorisee-parametrage")

    # The registre: ending the line of her only relève would leave her without one.
    await menu.get_by_role("link", name="Registre d'autorité").click()
    await page.wait_for_url(f"{base}/console/registre")
    await check_accessibility(page)
    await screenshot(page, "personne-autorisee-registre")
    row = page.get_by_role("row").filter(has_text="30002").filter(has_text="Relève de 30001")
    before = await row.inner_text()
    await row.get_by_role("link").click()
    await page.wait_for_url(re.compile(r"/console/registre/lignes/\d+$"))
    await check_accessibility(page)
    today = datetime.now(MONTREAL).date().isoformat()
    await page.get_by_label("Dernier jour de validité").fill(today)
    await page.get_by_role("button", name="Terminer la ligne").click()
    refusal = page.locator("#refus-terminer")
    await expect(refusal).to_have_attribute("role", "alert")
    await expect(refusal).to_contain_text(
        "ce changement laisserait la personne autorisée 30001 de MTQ sans relève valide"
    )
    await check_accessibility(page)
    await page.get_by_role("link", name="Retour au registre de MTQ").click()
    row = page.get_by_role("row").filter(has_text="30002").filter(has_text="Relève de 30001")
    assert await row.inner_text() == before  # still open-ended
    await expect(page.get_by_text("Aucun changement depuis le chargement")).to_be_visible()

    # An absence declared, then ended sooner from the absences table.
    await page.get_by_label("Absente à partir du").fill("2030-03-04")
    await page.get_by_label("Jusqu'au (inclusivement)").fill("2030-03-15")
    await page.get_by_role("button", name="Déclarer l'absence").click()
    await expect(page.get_by_role("status")).to_contain_text("L'absence est déclarée")
    await check_accessibility(page)
    await page.get_by_label("Dernier jour").fill("2030-03-08")
    await page.get_by_role("button", name="Terminer plus tôt").click()
    await expect(page.get_by_role("status")).to_contain_text("L'absence est terminée")
    await expect(page.get_by_text("terminée le 8 mars 2030")).to_be_visible()
    await check_accessibility(page)


async def test_an_agent_works_a_request_helps_with_a_password_and_enrols_a_participant(
    console: Console, page: Page
) -> None:
    base = console.base_url
    submitted = await console.desks.as_caller(PERSONNE_AUTORISEE).parameterisation.submit(
        ParamRequest(
            mo="MTQ",
            kind=ParamKind.access,
            description="Consultation financière pour Annie Morin.",
            beneficiary=USER,
            grant=["RF-APPROBATEUR"],
            authorised_by="30001",
            requested_by="30001",
            mo_email="rh@mtq.example",
        )
    )
    console.harness.started.append(submitted.id)
    await sign_in(page, console, AGENT)
    menu = page.get_by_role("navigation", name="Menu principal")

    # The request across MOs, taken from its page.
    await menu.get_by_role("link", name="Paramétrage et accès").click()
    await until_listed(page, submitted.id)
    await check_accessibility(page)
    await page.get_by_role("link", name=submitted.id).click()
    await check_accessibility(page)
    await page.get_by_role("button", name="Prendre en charge").click()
    await expect(page.get_by_role("status")).to_contain_text("pris la demande en charge")
    await expect(page.get_by_role("button", name="Compléter pour contrôle")).to_be_visible()
    await check_accessibility(page)

    # Password help: the birth day and month are masked, a wrong one refused and not shown.
    await menu.get_by_role("link", name="Mots de passe").click()
    await page.wait_for_url(f"{base}/console/mots-de-passe")
    await check_accessibility(page)
    await screenshot(page, "agent-mots-de-passe")
    day = page.get_by_label("Jour de naissance (1 à 31)")
    await expect(day).to_have_attribute("type", "password")
    await page.get_by_label("Organisme (code)").fill("MTQ")
    await page.get_by_label("Numéro d'employé").fill(USER)
    await day.fill("27")
    await page.get_by_label("Mois de naissance (1 à 12)").fill("8")
    await page.get_by_role("button", name="Vérifier l'identité et réinitialiser").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Jour et mois de naissance : ils ne correspondent pas au dossier personne de l'employé"
    )
    await expect(page.get_by_label("Jour de naissance (1 à 31)")).to_have_value("")
    await expect(page.get_by_label("Numéro d'employé")).to_have_value(USER)
    await check_accessibility(page)
    await page.get_by_label("Jour de naissance (1 à 31)").fill("9")
    await page.get_by_label("Mois de naissance (1 à 12)").fill("8")
    await page.get_by_role("button", name="Vérifier l'identité et réinitialiser").click()
    await page.wait_for_url(re.compile(r"/console/mots-de-passe/motdepasse-MTQ-\d{4}-\d{6}\?"))
    await expect(page.get_by_role("status")).to_contain_text("Le mot de passe est réinitialisé")
    await check_accessibility(page)

    # Training: the sessions with their places, then a participant enrolled.
    await menu.get_by_role("link", name="Formation", exact=True).click()
    await page.wait_for_url(f"{base}/console/formation")
    await check_accessibility(page)
    await page.get_by_label("Session", exact=True).select_option("RF101-2027-01")
    await page.get_by_label("Organisme (code)").fill("MTQ")
    await page.get_by_label("Numéro d'employé").fill(USER)
    await page.get_by_role("button", name="Inscrire").click()
    registration = f"formation-RF101-2027-01-MTQ-{USER}"
    console.harness.started.append(registration)
    await page.wait_for_url(f"{base}/console/formation/inscriptions/{registration}?fait=inscrit")
    await expect(page.get_by_role("status")).to_contain_text("transmise à SGA")
    await check_accessibility(page)


async def test_hr_reads_the_registre_and_the_requests_without_forms_to_change_them(
    console: Console, page: Page
) -> None:
    base = console.base_url
    await sign_in(page, console, HR)
    menu = page.get_by_role("navigation", name="Menu principal")
    await menu.get_by_role("link", name="Registre d'autorité").click()
    await page.wait_for_url(f"{base}/console/registre")
    registre = page.get_by_role("table", name="Registre d'autorité de MTQ")
    await expect(registre.get_by_role("cell", name="30002")).to_be_visible()
    assert await page.get_by_role("button", name="Déclarer").count() == 0
    assert await page.get_by_role("button", name="Terminer plus tôt").count() == 0
    await check_accessibility(page)
    await menu.get_by_role("link", name="Paramétrage et accès").click()
    await page.wait_for_url(f"{base}/console/parametrage")
    assert await page.get_by_role("link", name="Soumettre une nouvelle demande").count() == 0
    await check_accessibility(page)
