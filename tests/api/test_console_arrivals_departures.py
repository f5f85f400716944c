"""Arrivals and departures in the console (issue 13), in-process over the real desks, a worker
and a local engine: HR starts an arrival from its form and finds it in its list; a bad field is
one French sentence naming it and starts nothing; a departure recorded before the 48 hours is
refused on its page with the instant it becomes allowed and records nothing; the birth day and
month never come back in a page; another MO's request is "not found"; the CA takes a request
from its page and a second take is refused in place."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.arrivals import ArrivalStatus
from models.departures import BirthDayMonth
from models.roles import Caller, Role
from models.service_calendar import MONTREAL
from starter.console.pages import when
from starter.desks.errors import NotFound
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.console_client import Person, signed_in
from tests.workflows.desks_harness import arrival_request, departure_request, new_person

HR = CALLERS[Role.mo_hr]
AGENT = CALLERS[Role.ca_agent]
SECOND_AGENT = Caller(role=Role.ca_agent, subject="agent-gagnon")
OTHER_HR = Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss")
ARRIVAL = "arrivee-MTQ-45871"
DEPARTURE = "depart-MTQ-45871"


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as api:
        yield api


def _in(days: int) -> str:
    """A day `days` after today in Montréal, as a date field sends it."""
    return (datetime.now(MONTREAL).date() + timedelta(days=days)).isoformat()


def _alert(page: str) -> str:
    """The refusal the page shows, as a person reads it."""
    found = re.search(r'role="alert"[^>]*>\s*<p>(.*?)</p>', page, re.S)
    assert found is not None, "the page shows no refusal"
    return html.unescape(found.group(1))


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    """The lists are written by an activity: wait (bounded) until `check()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await check():
        assert loop.time() < deadline, "the console never showed it"
        await asyncio.sleep(0.2)


ARRIVAL_FORM = {
    "employee_number": "45871",
    "start_date": _in(30),
    "responsabilite-RF-CONSULTATION": "oui",
    "formation-SAGIR-RF-101": "oui",
    "parameters": "centre.cout=4410",
    "authorised_by": "30001",
    "hr_email": "rh@mtq.example",
    "manager_email": "chef.section@mtq.example",
}


async def _notify_departure(hr: Person, **changes: str) -> None:
    await hr.get("/console/departs/nouveau")
    fields = {
        "employee_number": "45871",
        "departure_date": _in(30),
        "birth_day": "14",  # the demo dossier's
        "birth_month": "3",
        **changes,
    }
    await hr.send("/console/departs/nouveau", None, **fields)


async def test_hr_starts_an_arrival_from_the_form_and_finds_it_in_its_list(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(HR)) as hr:
        form = await hr.get("/console/arrivees/nouvelle")
        # The choices come from MTQ's registre: its responsibilities and personnes autorisées.
        assert 'name="responsabilite-RF-APPROBATEUR"' in form.text
        assert "RH-GESTIONNAIRE" not in form.text  # MSSS's registre allows it, MTQ's does not
        assert 'value="30001"' in form.text  # MTQ's personne autorisée
        assert 'value="30011"' not in form.text  # MSSS's

        started = await hr.send("/console/arrivees/nouvelle", None, **ARRIVAL_FORM)
        assert started.status_code == 200
        assert str(started.url).endswith(f"/console/arrivees/{ARRIVAL}?fait=recue")
        assert "La demande d'arrivée est reçue." in hr.page

        async def listed() -> bool:
            return ARRIVAL in (await hr.get("/console/arrivees")).text

        await _until(listed)
    state = await api.desks.arrivals.show(ARRIVAL)
    assert state.mo == "MTQ"
    assert state.start_date.isoformat() == ARRIVAL_FORM["start_date"]
    assert (state.steps[0].kind, state.steps[0].actor) == ("received", HR.subject)


async def test_a_bad_field_is_one_french_sentence_naming_it_and_starts_nothing(api: Api) -> None:
    assert api.app is not None
    bad_fields = (
        ({"hr_email": "rh-chez-mtq"}, "Courriel des RH : "),
        ({"parameters": "centre.cout 4410"}, "Paramètres : "),
        ({"start_date": "2020-01-02"}, "Date d'entrée en fonction : "),
    )
    async with signed_in(api.app, api.token_for(HR)) as hr:
        for bad, named in bad_fields:
            await hr.get("/console/arrivees/nouvelle")
            refused = await hr.send("/console/arrivees/nouvelle", None, **{**ARRIVAL_FORM, **bad})
            assert refused.status_code == 422, bad
            sentence = _alert(refused.text)
            assert sentence.startswith(named), sentence
            assert "refusée :" not in sentence  # its own French, not the framed English
            assert 'value="45871"' in refused.text  # what was typed is kept
    with pytest.raises(NotFound):
        await api.desks.arrivals.show(ARRIVAL)


async def test_an_early_recording_is_refused_on_the_page_with_the_time_it_becomes_allowed(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(HR)) as hr:
        rule = await hr.get("/console/departs/nouveau")
        assert "Enregistrement permis à partir du" in rule.text
        await _notify_departure(hr)
        assert "L'avis de départ est reçu." in hr.page
        state = await api.desks.departures.show(DEPARTURE)
        allowed = state.record_allowed_at
        assert f"Enregistrement permis à partir du {when(allowed)}" in hr.page

        refused = await hr.send(f"/console/departs/{DEPARTURE}/inscrire")
    assert refused.status_code == 409
    assert 'id="refus-inscrire"' in refused.text
    day, clock = when(allowed).split(", ")  # "samedi 28 novembre 2026", "13 h 22"
    assert _alert(refused.text) == (
        "Le départ ne peut être inscrit au dossier personne que 48 heures après l'avis : "
        f"à partir du {day} à {clock} (heure de Montréal)"
    )
    after = await api.desks.departures.show(DEPARTURE)
    assert after.recorded_at is None
    assert [step.kind for step in after.steps] == [step.kind for step in state.steps]


async def test_the_birth_day_and_month_never_come_back_in_a_refused_page(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(HR)) as hr:
        await _notify_departure(hr, birth_day="27", birth_month="11")  # not the dossier's
        mismatch = hr.page
        await _notify_departure(hr, birth_day="40", birth_month="12")  # no such day
        impossible = hr.page
    assert _alert(mismatch).startswith("Jour et mois de naissance : ils ne correspondent pas")
    assert _alert(impossible).startswith("Jour de naissance : ")
    for page, typed in ((mismatch, ("27", "11")), (impossible, ("40", "12"))):
        assert 'value="45871"' in page  # the rest of the form is kept
        for masked in ("birth_day", "birth_month"):
            field = re.search(rf'<input[^>]*name="{masked}"[^>]*>', page)
            assert field is not None
            assert 'type="password"' in field.group(0)
            assert "value=" not in field.group(0)
        for number in typed:
            assert f'value="{number}"' not in page
    with pytest.raises(NotFound):
        await api.desks.departures.show(DEPARTURE)


async def test_another_mos_arrival_and_departure_answer_the_not_found_page(api: Api) -> None:
    assert api.app is not None
    msss = api.desks.as_caller(OTHER_HR)
    await msss.arrivals.start(
        arrival_request(
            "10233",
            mo="MSSS",
            authorised_by="30011",
            requested_by=OTHER_HR.subject,
            hr_email="rh@msss.example",
        )
    )
    await msss.departures.notify(
        departure_request(
            datetime.now(MONTREAL).date() + timedelta(days=30),
            "10233",
            mo="MSSS",
            birth=BirthDayMonth(birth_day=2, birth_month=11),
            notified_by=OTHER_HR.subject,
        )
    )
    async with signed_in(api.app, api.token_for(HR)) as hr:
        for page in ("/console/arrivees/arrivee-MSSS-10233", "/console/departs/depart-MSSS-10233"):
            answer = await hr.get(page)
            assert answer.status_code == 404, page
            assert "Page introuvable" in answer.text
            assert "État :" not in answer.text
    async with signed_in(api.app, api.token_for(AGENT)) as agent:  # the CA sees both
        assert (await agent.get("/console/arrivees/arrivee-MSSS-10233")).status_code == 200
        assert (await agent.get("/console/departs/depart-MSSS-10233")).status_code == 200


async def test_an_agent_takes_a_departure_from_its_page_and_a_second_take_is_refused_in_place(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(HR)) as hr:
        await _notify_departure(hr, departure_date=_in(1))  # less than 48 hours: late
    page = f"/console/departs/{DEPARTURE}"
    async with (
        signed_in(api.app, api.token_for(AGENT)) as agent,
        signed_in(api.app, api.token_for(SECOND_AGENT)) as second,
    ):

        async def listed_late() -> bool:
            found = (await agent.get("/console/departs?tardifs=oui")).text
            return DEPARTURE in found and '"etiquette proche">Avis tardif<' in found

        await _until(listed_late)
        await second.get(page)  # the form, before the first agent takes it
        await agent.get(page)
        assert "Inscrire le départ" not in agent.page  # HR's step, not the CA's
        await agent.send(f"{page}/prendre")
        assert "Vous avez pris le départ en charge." in agent.page
        refused = await second.send(f"{page}/prendre")
    assert refused.status_code == 409
    assert "est déjà pris en charge par agent-roy" in _alert(refused.text)
    assert (await api.desks.departures.show(DEPARTURE)).taken_by == AGENT.subject


async def test_hr_tells_an_arrival_waiting_for_its_dossier_that_the_dossier_is_ready(
    api: Api,
) -> None:
    assert api.app is not None
    arrival = "arrivee-MTQ-77777"
    async with signed_in(api.app, api.token_for(HR)) as hr:
        await hr.get("/console/arrivees/nouvelle")
        await hr.send(
            "/console/arrivees/nouvelle", None, **{**ARRIVAL_FORM, "employee_number": "77777"}
        )
        assert "En attente du dossier personne" in hr.page
        assert "Signaler que le dossier personne est prêt" in hr.page

        async def looked_once() -> bool:  # the workflow looked, and found no dossier
            handle = api.harness.env.client.get_workflow_handle(arrival)
            history = await handle.fetch_history()
            return any(
                event.HasField("activity_task_completed_event_attributes")
                for event in history.events
            )

        await _until(looked_once)
        api.harness.erp.add_person(new_person("77777"))  # HR creates the dossier personne
        await hr.send(f"/console/arrivees/{arrival}/dossier")
        assert "Le dossier personne sera cherché de nouveau dès maintenant." in hr.page

        async def found() -> bool:
            return "Dossier personne trouvé" in (await hr.get(f"/console/arrivees/{arrival}")).text

        await _until(found)

        async def received() -> bool:  # the status follows the step a moment later
            return (await api.desks.arrivals.show(arrival)).status is ArrivalStatus.received

        await _until(received)
    state = await api.desks.arrivals.show(arrival)
    assert state.status is ArrivalStatus.received
    assert state.reminders == 0  # found on the signal, not on the next open day
