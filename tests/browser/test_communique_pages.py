"""Communiqués in a real Chromium (issue 14): the DGGIR's author writes one (a refusal first,
in French, the form kept), an agent checks and releases it from its page, which then says it
cannot be recalled; an MTQ user asks about it from the Outil Requête and a CA ticket opens; an
MO's author answers a question about the MO's own. Every page passes axe-core; the form, the
released communiqué and the author's questions are the README's screenshots."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, FilePayload, Page, expect

from adapters.demo_data import DGGIR_AUTHOR, MO_AUTHOR
from models.communiques import Ask, CommuniqueStatus, Group, Side, Submission
from models.roles import Caller, Role
from tests.browser.harness import (
    CALLERS,
    STEP_TIMEOUT_MS,
    Console,
    check_accessibility,
    screenshot,
    sign_in,
)

DGGIR_WRITER = Caller(role=Role.dggir_author, subject=DGGIR_AUTHOR)
MTQ_WRITER = Caller(role=Role.mo_author, mo=MO_AUTHOR[0], subject=MO_AUTHOR[1])
AGENT = CALLERS[Role.ca_agent]
USER = CALLERS[Role.mo_user]  # of the MTQ
NOT_RECALLED = "Un communiqué diffusé ne peut pas être rappelé ; soumettez une correction."
QUEUED = "Courriels placés dans la file d'envoi"
SENDING_WITHIN_S = 20
CALENDAR: FilePayload = {
    "name": "calendrier-paie-2027.pdf",
    "mimeType": "application/pdf",
    "buffer": b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF",
}


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


async def _until_queued(page: Page) -> None:
    """Once released, the workflow resolves the recipients and queues their mail: reload
    (bounded) until the page's history says the mail is queued."""
    for _ in range(SENDING_WITHIN_S * 4):
        if await page.get_by_text(QUEUED).count():
            return
        await page.wait_for_timeout(250)
        await page.reload()
    raise AssertionError(f"{page.url} never showed the communiqué's mail queued")


async def test_a_dggir_communique_is_written_released_and_asked_about_in_the_browser(
    browser: Browser, console: Console
) -> None:
    async with person(browser, console, DGGIR_WRITER) as writer:
        await expect(writer.get_by_role("heading", level=1)).to_have_text("Communiqués")
        await check_accessibility(writer)
        await writer.get_by_role("link", name="Rédiger un communiqué").first.click()
        await writer.get_by_label("Titre", exact=True).fill("Calendrier de la paie 2027")
        await writer.get_by_label("Texte du communiqué").fill(
            "Bonjour,\nLa paie du 15 décembre sera versée le 12.\nLe calendrier est joint."
        )
        await writer.get_by_label("MTQ · ").check()
        await writer.get_by_label("Pièces jointes (facultatives)").set_input_files(files=[CALENDAR])
        # No group ticked: refused in one French sentence, the form as it was.
        await writer.get_by_role("button", name="Soumettre le communiqué").click()
        await expect(writer.get_by_role("alert")).to_contain_text(
            "Groupes visés : doit compter au moins un élément"
        )
        await expect(writer.get_by_label("Titre", exact=True)).to_have_value(
            "Calendrier de la paie 2027"
        )
        await expect(writer.get_by_label("MTQ · ")).to_be_checked()
        await check_accessibility(writer)
        await screenshot(writer, "redaction-communique")
        await writer.get_by_label("Tous les utilisateurs").check()
        await writer.get_by_label("Pièces jointes (facultatives)").set_input_files(files=[CALENDAR])
        await writer.get_by_role("button", name="Soumettre le communiqué").click()
        await expect(writer.get_by_role("status")).to_contain_text("Le communiqué est soumis")
        await check_accessibility(writer)
        heading = await writer.get_by_role("heading", level=1).inner_text()
        found = re.search(r"C-(\d{4})-(\d{6})", heading)
        assert found is not None, heading
        tag = found.group(0)
        communique_id = f"communique-{found.group(1)}-{found.group(2)}"

    async with person(browser, console, AGENT) as agent:
        menu = agent.get_by_role("navigation", name="Menu principal")
        await menu.get_by_role("link", name="Communiqués").click()
        await check_accessibility(agent)
        await agent.get_by_role("link", name=tag).click()
        await agent.get_by_role("button", name="Vérifier").click()
        await expect(agent.get_by_role("status")).to_have_text("La vérification est enregistrée.")
        await agent.get_by_role("button", name="Diffuser").click()
        await expect(agent.get_by_role("status")).to_have_text("Le communiqué est diffusé.")
        await _until_queued(agent)
        await expect(agent.get_by_text(NOT_RECALLED)).to_be_visible()
        await expect(agent.get_by_role("button", name="Annuler le communiqué")).to_have_count(0)
        await expect(agent.get_by_role("heading", name="Vérifier l'intégrité")).to_be_visible()
        await check_accessibility(agent)
        await screenshot(agent, "agent-communique")

    async with person(browser, console, USER) as user:
        menu = user.get_by_role("navigation", name="Menu principal")
        await menu.get_by_role("link", name="Communiqués").click()
        await user.get_by_role("link", name=tag).click()
        await expect(user.get_by_text(NOT_RECALLED)).to_be_visible()
        await check_accessibility(user)
        await user.get_by_role("link", name="Poser une question sur ce communiqué").click()
        await expect(user.get_by_label("Communiqué", exact=True)).to_have_value(communique_id)
        await user.get_by_label("Votre question").fill(
            "La date vaut-elle pour les employés à temps partiel?"
        )
        await check_accessibility(user)
        await user.get_by_role("button", name="Envoyer la question").click()
        await expect(user.get_by_role("status")).to_contain_text(
            "Votre question sur le communiqué est reçue"
        )
        await check_accessibility(user)
        heading = await user.get_by_role("heading", level=1).inner_text()
        ticket = re.search(r"T-\d{4}-\d{6}", heading)
    assert ticket is not None
    [question] = await console.desks.communiques.questions(communique_id)
    assert question.ticket_id == ticket.group(0)


async def test_an_mo_author_answers_a_question_about_the_mos_communique(
    browser: Browser, console: Console
) -> None:
    writer = console.desks.as_caller(MTQ_WRITER).communiques
    communique = await writer.submit(
        Submission(
            side=Side.mo,
            mo="MTQ",
            author=MTQ_WRITER.subject,
            title="Fermeture du bureau de Rimouski",
            body="Le bureau de Rimouski sera fermé le 24 décembre.",
            groups=[Group.parse("all")],
        )
    )
    agent = console.desks.as_caller(AGENT).communiques
    await agent.check(communique.id, AGENT.subject)
    await agent.release(communique.id, AGENT.subject)

    async def status() -> CommuniqueStatus:
        return (await console.desks.communiques.show(communique.id)).status

    await console.harness.eventually(status, lambda found: found is CommuniqueStatus.sending)
    await console.desks.as_caller(USER).communiques.ask(
        Ask(
            communique_id=communique.id,
            text="Le bureau rouvre-t-il le 27?",
            asked_by=USER.subject,
            mo="MTQ",
        )
    )
    async with person(browser, console, MTQ_WRITER) as author:
        await author.get_by_role("link", name=communique.tag[1:-1]).click()
        await check_accessibility(author)
        await author.get_by_role("link", name="Voir les questions").click()
        await expect(author.locator("#decompte")).to_have_text(
            "1 question posée · 0 répondue · 1 ouverte"
        )
        await check_accessibility(author)
        await author.get_by_label("Votre réponse").fill("Oui, dès 8 h 30.")
        await author.get_by_role("button", name="Envoyer la réponse").click()
        await expect(author.get_by_role("status")).to_contain_text("La réponse est envoyée")
        await expect(author.locator("#decompte")).to_have_text(
            "1 question posée · 1 répondue · 0 ouverte"
        )
        await check_accessibility(author)
        await screenshot(author, "redaction-mo-questions")
