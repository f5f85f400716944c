"""An MO's HR in a real browser (issue 13): signs in, starts an arrival with the mouse and a
departure with the keyboard through the real pages, sees the 48-hour rule and the early
recording refused with the instant it becomes allowed; the CA reads and takes them. Every page
passes the accessibility check; HR's main page and the departure page are the README's
screenshots."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models.roles import Caller, Role
from models.service_calendar import MONTREAL
from starter.console.pages import when
from tests.browser.harness import CALLERS, Console, check_accessibility, screenshot, sign_in
from tests.workflows.desks_harness import arrival_request, departure_request

if TYPE_CHECKING:
    from playwright.async_api import Page

HR = CALLERS[Role.mo_hr]
AGENT = CALLERS[Role.ca_agent]
ARRIVAL = "arrivee-MTQ-45871"
DEPARTURE = "depart-MTQ-45871"
LISTED_WITHIN_S = 20


def _in(days: int) -> str:
    """A day `days` after today in Montréal, as a date field sends it."""
    return (datetime.now(MONTREAL).date() + timedelta(days=days)).isoformat()


async def _until_listed(page: Page, text: str) -> None:
    """The lists are written by an activity: reload (bounded) until `text` shows."""
    for _ in range(LISTED_WITHIN_S * 4):
        if await page.get_by_role("link", name=text).count():
            return
        await asyncio.sleep(0.25)
        await page.reload()
    raise AssertionError(f"{text} never showed in {page.url}")


async def test_hr_starts_an_arrival_and_a_departure_and_sees_the_early_recording_refused(
    console: Console, page: Page
) -> None:
    base = console.base_url
    await sign_in(page, console, HR)
    await page.wait_for_url(f"{base}/console/arrivees")  # HR's main page
    await check_accessibility(page)
    menu = page.get_by_role("navigation", name="Menu principal")

    # The arrival, with the mouse.
    await menu.get_by_role("link", name="Nouvelle arrivée").click()
    await page.wait_for_url(f"{base}/console/arrivees/nouvelle")
    await check_accessibility(page)
    await page.get_by_label("Numéro d'employé").fill("45871")
    await page.get_by_label("Date d'entrée en fonction").fill(_in(30))
    await page.get_by_label("Consultation financière").check()
    await page.get_by_label("SAGIR-RF-101").check()
    await page.get_by_label("Autorisée par").select_option("30001")
    await page.get_by_label("Courriel des ressources humaines").fill("rh@mtq.example")
    await page.get_by_role("button", name="Envoyer la demande d'arrivée").click()
    await page.wait_for_url(f"{base}/console/arrivees/{ARRIVAL}?fait=recue")
    assert await page.get_by_role("status").filter(has_text="est reçue").count() == 1
    await check_accessibility(page)

    await menu.get_by_role("link", name="Arrivées", exact=True).click()
    await _until_listed(page, ARRIVAL)
    await check_accessibility(page)
    await screenshot(page, "hr-arrivees")

    # The departure, with the keyboard.
    await menu.get_by_role("link", name="Nouveau départ").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/console/departs/nouveau")
    assert await page.get_by_text("Enregistrement permis à partir du").count() == 1
    await check_accessibility(page)
    await page.get_by_label("Numéro d'employé").focus()
    await page.keyboard.type("45871")
    await page.get_by_label("Dernière journée de travail").fill(_in(30))
    await page.get_by_label("Jour de naissance").focus()
    await page.keyboard.type("14")
    await page.keyboard.press("Tab")
    await page.keyboard.type("3")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/console/departs/{DEPARTURE}?fait=avis")
    await check_accessibility(page)

    state = await console.desks.departures.show(DEPARTURE)
    allowed = state.record_allowed_at.astimezone(MONTREAL)
    await page.get_by_role("button", name="Inscrire le départ").focus()
    await page.keyboard.press("Enter")
    refusal = page.get_by_role("alert")
    await refusal.wait_for()
    text = await refusal.inner_text()
    day, clock = when(allowed).split(", ")  # "samedi 28 novembre 2026", "13 h 22"
    assert f"à partir du {day} à {clock}" in text
    assert await page.get_by_text("Enregistrement permis à partir du").count() >= 1
    assert (await console.desks.departures.show(DEPARTURE)).recorded_at is None
    await check_accessibility(page)
    await screenshot(page, "hr-depart")

    await menu.get_by_role("link", name="Départs", exact=True).click()
    await _until_listed(page, DEPARTURE)
    await check_accessibility(page)


async def test_an_agent_reads_every_mos_requests_and_takes_them_from_their_pages(
    console: Console, page: Page
) -> None:
    base = console.base_url
    mtq = console.desks.as_caller(HR)
    await mtq.arrivals.start(arrival_request())
    msss = console.desks.as_caller(Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss"))
    await msss.arrivals.start(
        arrival_request(
            "10233",
            mo="MSSS",
            authorised_by="30011",
            requested_by="rh-msss",
            hr_email="rh@msss.example",
        )
    )
    await mtq.departures.notify(
        departure_request(datetime.now(MONTREAL).date() + timedelta(days=1))
    )
    await sign_in(page, console, AGENT)
    menu = page.get_by_role("navigation", name="Menu principal")

    for label, request_id, done in (
        ("Arrivées", ARRIVAL, "Vous avez pris la demande d'arrivée en charge."),
        ("Départs", DEPARTURE, "Vous avez pris le départ en charge."),
    ):
        await menu.get_by_role("link", name=label, exact=True).click()
        await _until_listed(page, request_id)
        await check_accessibility(page)
        if label == "Arrivées":  # the CA reads every MO's
            await _until_listed(page, "arrivee-MSSS-10233")
        await page.get_by_role("link", name=request_id).click()
        await page.wait_for_url(f"{base}/console/*/{request_id}")
        await check_accessibility(page)
        await page.get_by_role("button", name="Prendre en charge").click()
        await page.wait_for_url(f"{base}/console/*/{request_id}?fait=prendre*")
        assert await page.get_by_role("status").filter(has_text=done).count() == 1
        await check_accessibility(page)
    assert (await console.desks.arrivals.show(ARRIVAL)).taken_by == AGENT.subject
    assert (await console.desks.departures.show(DEPARTURE)).taken_by == AGENT.subject
