"""The console's parameterisation and access requests, registre d'autorité, password help and
training (issue 13, items 3 and 5), in-process over the real guarded desks: what a person sees
on the page, and the desks' state after. Refusals are shown in place, in French, and change
nothing. The tests that need workflows share one local engine; the others need none."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.requests import Process
from models.roles import Caller, Role
from models.service_calendar import MONTREAL
from starter.api.app import create_app
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.api.api_harness import harness_settings
from tests.api.conftest import start_local_engine
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS
from tests.workflows.desks_harness import DesksHarness, running_desks

PERSONNE_AUTORISEE = Caller(role=Role.personne_autorisee, mo="MTQ", subject="30001")
MSSS_PERSONNE_AUTORISEE = Caller(role=Role.personne_autorisee, mo="MSSS", subject="30011")
HR = Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq")
AGENT = Caller(role=Role.ca_agent, subject="agent-roy")
OTHER_AGENT = Caller(role=Role.ca_agent, subject="agent-gagnon")
USER = "52310"  # MTQ, an active SAGIR account; born on August 9 (demo data)
SECRET = "Temp-console-0001-secret"


# --- the console as a person reaches it ----------------------------------------------------------


@dataclass
class Person:
    """One signed-in browser: its own cookies, its session's form token."""

    http: httpx.AsyncClient
    csrf: str

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def post(self, path: str, **fields: str) -> httpx.Response:
        return await self.http.post(path, data={"csrf": self.csrf, **fields})


@asynccontextmanager
async def signed_in(app: FastAPI, desks: Desks, caller: Caller) -> AsyncIterator[Person]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
        form = await http.get("/console/connexion")
        nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
        assert nonce is not None
        token = desks.tokens.issue(caller, "test").token
        signed = await http.post(
            "/console/connexion", data={"jeton": token, "nonce": nonce.group(1), "suite": ""}
        )
        assert signed.status_code == 303, signed.text
        home = await http.get(signed.headers["location"])
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', home.text)
        assert csrf is not None
        yield Person(http, csrf.group(1))


def this_year() -> int:
    return datetime.now(MONTREAL).year


def shown(page: httpx.Response) -> str:
    """The page as a person reads it (the entities Jinja escapes, unescaped)."""
    return html.unescape(page.text)


def alert(page: httpx.Response) -> str:
    """The text of the page's refusal (`role="alert"`)."""
    found = re.search(r'role="alert"[^>]*><p>([^<]*)</p>', page.text)
    assert found is not None, "the page shows no refusal"
    return html.unescape(found.group(1))


async def until(
    read: Callable[[], Awaitable[httpx.Response]], holds: Callable[[str], bool]
) -> httpx.Response:
    """The page once it shows what a workflow does a moment later (10 s at most)."""
    for _ in range(200):
        page = await read()
        if holds(shown(page)):
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"the page never showed it:\n{page.text[:3000]}")


# --- without an engine: the refusals that start nothing, the registre ---------------------------


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    """The desks with no engine client: a request that reached the engine would fail (503)."""
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


@pytest.fixture
def app(desks: Desks) -> FastAPI:
    return create_app(desks, TEST_KEYS)


async def test_nobody_authorises_a_request_for_themselves_and_nothing_starts(
    app: FastAPI, desks: Desks
) -> None:
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        form = await person.get("/console/parametrage/nouvelle?type=access")
        assert 'name="beneficiary"' in form.text
        assert 'name="grant:RM-ACHETEUR"' in form.text  # what MTQ's registre allows
        assert 'name="grant:RH-GESTIONNAIRE"' not in form.text  # MSSS's, not MTQ's
        refused = await person.post(
            "/console/parametrage/nouvelle",
            kind="access",
            beneficiary="30001",  # the personne autorisée herself
            **{"grant:RM-ACHETEUR": "oui"},
            description="Accès acheteur pour moi-même",
            mo_email="rh@mtq.example",
        )
    assert refused.status_code == 422
    assert alert(refused) == (
        "Personne qui autorise : personne ne peut autoriser une demande pour soi-même"
    )
    assert "Accès acheteur pour moi-même" in shown(refused)  # the form keeps what was typed
    assert re.search(r'name="grant:RM-ACHETEUR" value="oui" checked', refused.text)
    assert re.search(r'name="grant:RM-ACHETEUR" value="oui" checked', refused.text)
    # Nothing started: no number was taken, and nothing lists.
    assert desks.parameterisation.counters.next_number(f"acces-MTQ-{this_year()}") == 1
    assert (await desks.parameterisation.list(Process.access)).total == 0


async def test_a_registre_change_leaving_a_personne_autorisee_without_releve_is_refused_in_place(
    app: FastAPI, desks: Desks
) -> None:
    before = desks.registre.show("MTQ")
    [releve] = [line for line in before if line.employee_number == "30002"]
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        page = await person.get("/console/registre")
        assert "Registre d'autorité : MTQ" in shown(page)
        assert f'href="/console/registre/lignes/{releve.id}"' in shown(page)
        assert "Couverte en tout temps" in shown(page)  # 30001's relève, open-ended
        line = await person.get(f"/console/registre/lignes/{releve.id}")
        assert "Terminer la ligne" in shown(line)
        # 30002 is the only relève of 30001, who stays a personne autorisée with no end.
        refused = await person.post(
            f"/console/registre/lignes/{releve.id}/terminer", last_day="2026-12-31"
        )
        changed = await person.post(
            f"/console/registre/lignes/{releve.id}/modifier", valid_until="2027-06-30"
        )
    assert refused.status_code == 422
    assert 'id="refus-terminer"' in shown(refused)
    assert alert(refused) == (
        "Relève : ce changement laisserait la personne autorisée 30001 de MTQ sans relève valide "
        "à partir du vendredi 1 janvier 2027 ; déclarez d'abord une relève pour ce jour"
    )
    assert changed.status_code == 422
    assert 'id="refus-modifier"' in shown(changed)
    assert desks.registre.show("MTQ") == before
    assert desks.registre.history("MTQ") == []


async def test_an_absence_declared_from_the_form_shows_with_its_releve_and_history(
    app: FastAPI, desks: Desks
) -> None:
    [personne] = [line for line in desks.registre.show("MTQ") if line.employee_number == "30001"]
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        page = await person.get("/console/registre")
        assert "Déclarer l'absence" in shown(page)
        declared = await person.post(
            "/console/registre/absences",
            line_id=str(personne.id),
            absent_from="2030-03-04",
            absent_until="2030-03-15",
        )
        assert declared.status_code == 303
        page = await person.get(declared.headers["location"])
        backwards = await person.post(
            "/console/registre/absences",
            line_id=str(personne.id),
            absent_from="2030-04-15",
            absent_until="2030-04-04",
        )
    assert "L'absence est déclarée au registre : sa relève autorise à sa place." in shown(page)
    assert "Absence de 30001 du 4 mars 2030 au 15 mars 2030" in shown(page)
    [absence] = desks.registre.absences("MTQ")
    assert (absence.line_id, absence.declared_by) == (personne.id, "30001")
    assert backwards.status_code == 422
    assert 'id="refus-absence"' in shown(backwards)
    assert alert(backwards) == (
        "Fin de l'absence : doit tomber le jour du début de l'absence ou après"
    )
    assert len(desks.registre.absences("MTQ")) == 1


async def test_a_releve_declared_from_the_form_joins_the_registre_and_its_history(
    app: FastAPI, desks: Desks
) -> None:
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        declared = await person.post(
            "/console/registre/declarer",
            employee_number="30003",
            kind="releve",
            releve_of="30001",
            valid_from="2026-03-01",
            valid_until="",
        )
        assert declared.status_code == 303
        page = await person.get(declared.headers["location"])
    assert "La ligne est déclarée au registre." in shown(page)
    assert "Relève 30003 (relève de 30001), valide du 1er mars 2026, sans date de fin" in shown(
        page
    )
    [line] = [line for line in desks.registre.show("MTQ") if line.employee_number == "30003"]
    assert line.releve_of == "30001" and line.valid_until is None
    [change] = desks.registre.history("MTQ")
    assert change.changed_by == "30001"


async def test_a_releve_of_someone_who_is_not_a_personne_autorisee_is_refused_in_place(
    app: FastAPI, desks: Desks
) -> None:
    before = desks.registre.show("MTQ")
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        refused = await person.post(
            "/console/registre/declarer",
            employee_number="30003",
            kind="releve",
            releve_of="30002",  # a relève, not a personne autorisée
            valid_from="2026-03-01",
        )
    assert refused.status_code == 422
    assert 'id="refus-declarer"' in shown(refused)
    assert alert(refused) == "Relève de : 30002 n'est pas une personne autorisée de MTQ"
    assert 'value="30003"' in shown(refused)  # what was typed stays
    assert desks.registre.show("MTQ") == before


async def test_hr_reads_the_registre_and_the_requests_but_may_not_change_the_registre(
    app: FastAPI, desks: Desks
) -> None:
    before = desks.registre.show("MTQ")
    async with signed_in(app, desks, HR) as hr:
        registre = await hr.get("/console/registre")
        requests = await hr.get("/console/parametrage")
        new = await hr.get("/console/parametrage/nouvelle")
        refused = await hr.post("/console/registre/lignes/1/terminer", last_day="2026-12-31")
        other = await hr.get("/console/registre?organisme=MSSS")
    assert registre.status_code == 200
    assert "30001" in shown(registre) and "Personne autorisée" in shown(registre)
    assert "Déclarer une personne" not in shown(registre)
    assert requests.status_code == 200 and "Demandes d'accès" in shown(requests)
    assert new.status_code == 403
    assert refused.status_code == 403
    assert other.status_code == 404
    assert desks.registre.show("MTQ") == before


async def test_a_password_reset_with_a_wrong_birth_day_is_refused_without_echoing_it(
    app: FastAPI, desks: Desks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with signed_in(app, desks, AGENT) as agent:
        page = await agent.get("/console/mots-de-passe")
        assert re.search(r'<input id="mdp-jour" name="birth_day" type="password"', page.text)
        refused = await agent.post(
            "/console/mots-de-passe",
            mo="MTQ",
            employee_number=USER,
            birth_day="27",  # born on the 9th
            birth_month="8",
        )
    assert refused.status_code == 422
    assert alert(refused) == (
        "Jour et mois de naissance : ils ne correspondent pas au dossier personne de l'employé"
    )
    assert refused.text.count('role="alert"') == 1
    assert f'value="{USER}"' in shown(refused)  # the employee number stays, the birth does not
    for name in ("birth_day", "birth_month"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', refused.text)
        assert field is not None and "value=" not in field.group(0)
    assert not re.search(r"\b27\b", refused.text.split("<main", 1)[1])
    # The messages logged, not their line numbers or ports (a "27" there is no birth day).
    assert not any(re.search(r"\b27\b", record.getMessage()) for record in caplog.records)
    assert (
        desks.passwords.counters.next_number(f"motdepasse-MTQ-{this_year()}") == 1
    )  # nothing started


async def test_a_caller_who_may_not_reset_gets_no_form_and_a_refusal(
    app: FastAPI, desks: Desks
) -> None:
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        page = await person.get("/console/mots-de-passe")
        posted = await person.post(
            "/console/mots-de-passe", mo="MTQ", employee_number=USER, birth_day="9", birth_month="8"
        )
    assert page.status_code == 403
    assert posted.status_code == 403


async def test_training_shows_each_session_with_its_places_and_the_enrol_form(
    app: FastAPI, desks: Desks
) -> None:
    async with signed_in(app, desks, AGENT) as agent:
        page = await agent.get("/console/formation")
    assert page.status_code == 200
    assert "RF101-2027-01" in shown(page) and "19 janvier 2027" in shown(page)
    assert "Inscrire un participant" in shown(page)


# --- with the engine: requests worked end to end, another MO's, a reset, a place -----------------


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[WorkflowEnvironment]:
    """One local dev server for this module's engine tests (listings need its visibility)."""
    async with await start_local_engine() as env:
        yield env


@dataclass
class Live:
    app: FastAPI
    desks: Desks
    harness: DesksHarness


@pytest.fixture
async def live(
    engine: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Live]:
    """The app over the real desks and a worker whose temporary passwords are known."""
    async with running_desks(engine, demo_uow, task_queue, make_secret=lambda: SECRET) as harness:
        desks = build_desks(harness_settings(demo_uow, task_queue), engine.client, demo_uow)
        yield Live(create_app(desks, TEST_KEYS), desks, harness)


async def test_a_personne_autorisee_submits_a_request_and_follows_it_to_applied(
    live: Live,
) -> None:
    app, desks = live.app, live.desks
    async with (
        signed_in(app, desks, PERSONNE_AUTORISEE) as person,
        signed_in(app, desks, AGENT) as agent,
        signed_in(app, desks, OTHER_AGENT) as other,
    ):
        sent = await person.post(
            "/console/parametrage/nouvelle",
            kind="access",
            beneficiary=USER,
            **{"grant:RM-ACHETEUR": "oui"},
            remove="",
            partition_group="",
            description="Annie Morin devient acheteuse à la DGF",
            mo_email="rh@mtq.example",
        )
        assert sent.status_code == 303, sent.text
        page_of = sent.headers["location"].split("?")[0]
        request_id = page_of.rsplit("/", 1)[1]
        assert re.fullmatch(r"acces-MTQ-\d{4}-000001", request_id)
        live.harness.started.append(request_id)
        received = await person.get(sent.headers["location"])
        assert "Votre demande est reçue" in shown(received)
        assert "Reçue, à prendre en charge" in shown(received)
        await until(lambda: person.get("/console/parametrage"), lambda text: request_id in text)

        assert (await agent.post(f"{page_of}/prendre")).status_code == 303
        asked = await agent.post(f"{page_of}/question", question="À partir de quelle date ?")
        assert asked.status_code == 303
        waiting = await person.get(page_of)
        assert "En attente de l'organisme" in shown(waiting)
        assert "À partir de quelle date ?" in shown(waiting)
        answered = await person.post(f"{page_of}/reponse", answer="Dès lundi prochain.")
        assert answered.status_code == 303

        assert (await agent.post(f"{page_of}/completer")).status_code == 303
        own_check = await agent.post(f"{page_of}/controle", approved="oui", note="")
        assert own_check.status_code == 409
        assert 'id="refus-controle"' in shown(own_check)
        assert alert(own_check) == (
            f"Agent : agent-roy a traité {request_id} ; le contrôle de qualité est fait par un "
            "autre agent"
        )
        checked = await other.post(f"{page_of}/controle", approved="oui", note="Conforme.")
        assert checked.status_code == 303
        applied = await until(lambda: person.get(page_of), lambda text: "Appliquée le" in text)
    assert "Contrôle de qualité : approuvée" in shown(applied)
    assert "Réponse de l'organisme" in shown(applied)
    assert "RM-ACHETEUR" in live.harness.erp.access_of("MTQ", USER).responsibilities


async def test_another_mos_request_answers_the_not_found_page(live: Live) -> None:
    app, desks = live.app, live.desks
    async with (
        signed_in(app, desks, MSSS_PERSONNE_AUTORISEE) as msss,
        signed_in(app, desks, PERSONNE_AUTORISEE) as mtq,
    ):
        sent = await msss.post(
            "/console/parametrage/nouvelle",
            kind="create_responsibility",
            description="Une responsabilité de consultation RH",
            mo_email="rh@msss.example",
        )
        assert sent.status_code == 303, sent.text
        request_id = sent.headers["location"].split("?")[0].rsplit("/", 1)[1]
        live.harness.started.append(request_id)
        assert (await msss.get(f"/console/parametrage/{request_id}")).status_code == 200
        hidden = await mtq.get(f"/console/parametrage/{request_id}")
        answered = await mtq.post(f"/console/parametrage/{request_id}/reponse", answer="x")
    assert hidden.status_code == 404
    assert "Page introuvable" in shown(hidden)
    assert f"{request_id} n'existe pas" in shown(hidden)
    assert answered.status_code == 404


async def test_an_agent_resets_a_password_and_no_page_or_log_shows_the_temporary_one(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with signed_in(live.app, live.desks, AGENT) as agent:
        done = await agent.post(
            "/console/mots-de-passe",
            mo="MTQ",
            employee_number=USER,
            birth_day="9",
            birth_month="8",
        )
        assert done.status_code == 303, done.text
        page = await agent.get(done.headers["location"])
    reset_id = done.headers["location"].split("?")[0].rsplit("/", 1)[1]
    live.harness.started.append(reset_id)
    assert "Mot de passe réinitialisé" in shown(page)
    assert "courriel professionnel de l'utilisateur seulement" in shown(page)
    assert live.harness.erp.password_matches("MTQ", USER, SECRET)
    assert SECRET not in page.text
    assert SECRET not in caplog.text
    trail = live.desks.trail.entries()
    assert any(entry.workflow_id == reset_id and entry.actor == "agent-roy" for entry in trail)
    assert all(SECRET not in entry.model_dump_json() for entry in trail)
    # The reset is listed on the password page (from the desk's records, written by the feed).
    async with signed_in(live.app, live.desks, AGENT) as agent:
        await until(
            lambda: agent.get("/console/mots-de-passe"),
            lambda text: f'href="/console/mots-de-passe/{reset_id}"' in text,
        )


async def test_an_agent_enrols_a_participant_and_cancels_the_place(live: Live) -> None:
    async with signed_in(live.app, live.desks, AGENT) as agent:
        enrolled = await agent.post(
            "/console/formation/inscrire",
            session="RF101-2027-01",
            mo="MTQ",
            employee_number=USER,
            basis="mo_instruction",
        )
        assert enrolled.status_code == 303, enrolled.text
        page_of = enrolled.headers["location"].split("?")[0]
        registration = page_of.rsplit("/", 1)[1]
        live.harness.started.append(registration)
        assert registration == f"formation-RF101-2027-01-MTQ-{USER}"
        await until(lambda: agent.get(page_of), lambda text: "État : Inscrit" in text)
        listed = await agent.get("/console/formation")
        assert f'href="/console/formation/inscriptions/{registration}"' in shown(listed)
        cancelled = await agent.post(f"{page_of}/annuler")
        assert cancelled.status_code == 303
        cancelled_page = await until(
            lambda: agent.get(page_of), lambda text: "État : Annulé" in text
        )
        again = await agent.post(f"{page_of}/annuler")
    assert "Place annulée" in shown(cancelled_page)
    assert again.status_code == 409
    assert 'id="refus-annuler"' in again.text  # the finished registration says so in place
    assert alert(again) == f"{registration} n'existe pas ou son traitement est terminé"
