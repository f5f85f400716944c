"""A ticket worked end to end in a real Chromium (issue 13): an MO user opens it in the Outil
Requête and sees its deadline; an agent sees it arrive in the live queue without reloading,
takes it (with the keyboard only) and asks a question; the MO user answers; another agent's
quality check passes; the MO user sees the solution. Another MO's ticket is "not found", and a
signed-out or revoked session gets the sign-in page. Every page passes axe-core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, Page, expect

from models.roles import Caller, Role
from tests.browser.harness import (
    CALLERS,
    STEP_TIMEOUT_MS,
    Console,
    check_accessibility,
    screenshot,
    sign_in,
)

USER = CALLERS[Role.mo_user]
AGENT = CALLERS[Role.ca_agent]
SECOND_AGENT = Caller(role=Role.ca_agent, subject="agent-gagnon")
OTHER_MO_USER = Caller(role=Role.mo_user, mo="MSSS", subject="user-msss")


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


async def tab_to(page: Page, name: str, presses: int = 60) -> None:
    """Move the focus with Tab alone until it is on the button `name` (it must be reachable)."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => document.activeElement && document.activeElement.innerText"
        )
        if focused and focused.strip() == name:
            return
    raise AssertionError(f"the button {name!r} cannot be reached with the Tab key")


async def open_in_the_outil_requete(page: Page, console: Console) -> str:
    await page.get_by_role("link", name="Nouvelle demande").click()
    await page.get_by_label("Objet").fill("Accès refusé au LSA")
    await page.get_by_label("Module de SAGIR").select_option("LS")
    await page.get_by_label("Description").fill("Je ne peux plus ouvrir le libre-service.")
    await check_accessibility(page)
    await screenshot(page, "utilisateur-outil-requete")
    await page.get_by_role("button", name="Envoyer la demande").click()
    await expect(page.get_by_role("status")).to_have_text("Votre demande est reçue.")
    heading = await page.get_by_role("heading", level=1).inner_text()
    found = re.search(r"T-\d{4}-\d{6}", heading)
    assert found is not None, heading
    return found.group(0)


async def step(page: Page, button: str, **fields: str) -> None:
    for label, value in fields.items():
        await page.get_by_label(label, exact=True).fill(value)
    await page.get_by_role("button", name=button).click()


async def test_a_ticket_is_worked_end_to_end_in_the_browser(
    browser: Browser, console: Console
) -> None:
    async with (
        person(browser, console, AGENT) as agent,
        person(browser, console, USER) as user,
        person(browser, console, SECOND_AGENT) as checker,
    ):
        await expect(agent.get_by_role("heading", level=1)).to_have_text("File d'attente")
        ticket_id = await open_in_the_outil_requete(user, console)
        await expect(user.locator("#echeance")).to_contain_text(re.compile(r"\d{4}, \d+ h \d\d"))

        # The agent's queue, open all along, shows the ticket without a reload.
        row = agent.get_by_role("row").filter(has_text=ticket_id)
        await expect(row).to_be_visible()
        await expect(row).to_contain_text("ouvrées restantes")
        await check_accessibility(agent)
        await screenshot(agent, "agent-file")

        # Keyboard only: Tab to the ticket's link, Enter; Tab to "Prendre en charge", Enter.
        await agent.get_by_role("link", name=ticket_id).focus()
        await agent.keyboard.press("Enter")
        await agent.wait_for_url(re.compile(ticket_id))
        await tab_to(agent, "Prendre en charge")
        await agent.keyboard.press("Enter")
        await expect(agent.get_by_role("status")).to_have_text(
            "Vous avez pris le billet en charge."
        )
        await step(agent, "Envoyer la question", Question="Quel est votre code d'utilisateur?")
        await expect(agent.get_by_role("status")).to_have_text("La question est envoyée au client.")

        await user.reload()
        await expect(user.locator("#question")).to_have_text("Quel est votre code d'utilisateur?")
        await step(user, "Envoyer la réponse", Réponse="JDOE01")
        await expect(user.get_by_role("status")).to_contain_text("réponse")

        await agent.reload()
        await step(agent, "Proposer pour contrôle", Solution="Votre accès LSA est rétabli.")
        await expect(agent.get_by_role("status")).to_have_text("La solution attend son contrôle.")
        # The agent who proposed may not check it: refused in place, in French.
        await agent.get_by_role("button", name="Enregistrer le contrôle").click()
        await expect(agent.get_by_role("alert")).to_contain_text("autre agent")
        await check_accessibility(agent)
        await screenshot(agent, "agent-billet-refus")

        await checker.goto(f"{console.base_url}/console/billets/{ticket_id}")
        await checker.get_by_role("button", name="Enregistrer le contrôle").click()
        await expect(checker.get_by_role("status")).to_have_text("Le contrôle de qualité est noté.")
        await checker.get_by_role("button", name="Transmettre la solution").click()
        await expect(checker.get_by_role("status")).to_have_text(
            "La solution est transmise au client."
        )
        await check_accessibility(checker)
        await screenshot(checker, "agent-billet")

        await user.reload()
        await expect(user.locator("#solution")).to_have_text("Votre accès LSA est rétabli.")
        await expect(user.get_by_role("heading", level=2).first).to_contain_text(
            "Solution transmise"
        )
        await user.get_by_role("link", name="Mes demandes").click()
        await expect(user.get_by_role("row").filter(has_text=ticket_id)).to_be_visible()
        await check_accessibility(user)
        await screenshot(user, "utilisateur-demandes")

    async with person(browser, console, OTHER_MO_USER) as stranger:
        answer = await stranger.goto(f"{console.base_url}/console/billets/{ticket_id}")
        assert answer is not None and answer.status == 404
        await expect(stranger.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        await expect(stranger.get_by_text("Accès refusé au LSA")).to_have_count(0)
        await check_accessibility(stranger)  # the error pages too
        await stranger.goto(f"{console.base_url}/console/file")  # not an MO user's page
        await expect(stranger.get_by_role("heading", level=1)).to_have_text("Accès refusé")
        await check_accessibility(stranger)


async def test_a_signed_out_or_revoked_session_gets_the_sign_in_page(
    browser: Browser, console: Console
) -> None:
    async with person(browser, console, AGENT) as agent:
        await check_accessibility(agent)
        for page_name in ("Nouveau billet", "Courriel à trier", "Mes billets", "Tous les billets"):
            async with agent.expect_navigation():
                await agent.get_by_role("link", name=page_name).click()
            await check_accessibility(agent)
        await agent.get_by_role("button", name="Se déconnecter").click()
        await expect(agent.get_by_label("Jeton d'accès")).to_be_visible()
        await check_accessibility(agent)
        await screenshot(agent, "connexion")
        await agent.goto(f"{console.base_url}/console/mes-billets")
        await expect(agent.get_by_label("Jeton d'accès")).to_be_visible()

    issued = console.desks.tokens.issue(SECOND_AGENT, "revoked in a test")
    context = await browser.new_context(locale="fr-CA")
    page = await context.new_page()
    await page.goto(f"{console.base_url}/console/connexion")
    await page.get_by_label("Jeton d'accès").fill(issued.token)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("File d'attente")
    console.desks.tokens.revoke(issued.info.id)
    # The live queue's next refresh finds the session gone and brings the sign-in page.
    await expect(page.get_by_label("Jeton d'accès")).to_be_visible()
    await context.close()
