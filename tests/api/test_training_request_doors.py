"""Training requests through their doors (issue 16 item 5): the HTTP API, the console's
"Demander une formation" form and the CA's page, the command line. Bad input is one sentence
naming the field and the rule (HTTP 422, the console in French, the command line exit 2) and
starts nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_sga import SqlSga
from models.service_calendar import MONTREAL
from models.training import Session
from starter.api.app import create_app
from starter.cli.main import main
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.api.api_harness import Api, running_api
from tests.api.test_console_requests_registre import (
    AGENT,
    HR,
    PERSONNE_AUTORISEE,
    alert,
    shown,
    signed_in,
    this_year,
)
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

SESSION = "RF101-PORTES"


def ahead(days: int) -> str:
    return (datetime.now(MONTREAL).date() + timedelta(days=days)).isoformat()


def asked(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": "52310",
        "course": "SAGIR-RF-101",
        "wished_from": ahead(5),
        "wished_until": ahead(60),
        "reason": "Nouvelle responsable des paiements",
        "authorised_by": "30001",
    }
    body.update(changes)
    return body


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    SqlSga(demo_uow).add_session(
        Session(
            code=SESSION,
            course="SAGIR-RF-101",
            starts_on=datetime.now(MONTREAL).date() + timedelta(days=20),
            capacity=3,
        )
    )
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


# --- the HTTP API -------------------------------------------------------------------------------


async def test_hr_asks_over_http_and_an_agent_registers_the_employee(api: Api) -> None:
    made = await api.call(HR, "POST", "/training/requests", asked())
    assert made.status_code == 201, made.text
    state = made.json()
    assert (state["status"], state["requested_by"]) == ("received", "rh-mtq")
    request_id = state["id"]
    assert request_id == f"demande-formation-MTQ-{this_year()}-000001"
    assert (
        await api.call(AGENT, "POST", f"/training/requests/{request_id}/take")
    ).status_code == 200
    registered = await api.call(
        AGENT, "POST", f"/training/requests/{request_id}/register", {"session": SESSION}
    )
    assert registered.status_code == 200, registered.text
    assert (registered.json()["status"], registered.json()["session"]) == ("registered", SESSION)
    listed = await api.call(HR, "GET", "/training/requests")
    assert [item["id"] for item in listed.json()] in ([], [request_id])  # records follow


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        (
            {"wished_until": ahead(1), "wished_from": ahead(3)},
            "wished_until: must be on or after wished_from",
        ),
        ({"course": "NOPE-101"}, "course: NOPE-101 is not a course of SGA"),
        ({"employee_number": "10233"}, "employee_number: 10233 has no dossier personne in MTQ"),
        (
            {"authorised_by": "45871"},
            "authorised_by: 45871 is not a personne autorisée or relève of MTQ",
        ),
        ({"reason": "x" * 1001}, None),
    ],
)
async def test_a_bad_training_request_is_422_in_one_sentence_and_starts_nothing(
    api: Api, changes: dict[str, Any], detail: str | None
) -> None:
    refused = await api.call(HR, "POST", "/training/requests", asked(**changes))
    assert refused.status_code == 422, refused.text
    if detail is not None:
        assert refused.json()["detail"] == detail
    assert (
        api.desks.training_requests.counters.next_number(f"demande-formation-MTQ-{this_year()}")
        == 1
    )


async def test_a_personne_autorisee_asks_only_under_their_own_number(api: Api) -> None:
    for_another = await api.call(
        PERSONNE_AUTORISEE, "POST", "/training/requests", asked(authorised_by="30002")
    )
    assert for_another.status_code == 403
    assert for_another.json()["detail"].startswith("authorised_by: 30002 is not you (30001)")
    own = await api.call(PERSONNE_AUTORISEE, "POST", "/training/requests", asked())
    assert own.status_code == 201, own.text


# --- the console --------------------------------------------------------------------------------


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    """The desks with no engine client: a request that reached the engine would fail (503)."""
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


async def test_the_console_refuses_another_mos_employee_in_french_and_starts_nothing(
    desks: Desks,
) -> None:
    app = create_app(desks, TEST_KEYS)
    async with signed_in(app, desks, HR) as person:
        form = await person.get("/console/demandes-formation/nouvelle")
        assert "Demander une formation" in shown(form)
        assert 'name="authorised_by"' in form.text  # HR names who authorised it
        fields = {k: str(v) for k, v in asked(employee_number="10233").items() if k != "mo"}
        refused = await person.post("/console/demandes-formation/nouvelle", **fields)
    assert refused.status_code == 422
    assert alert(refused) == "Numéro d'employé : 10233 n'a pas de dossier personne dans MTQ"
    assert "Nouvelle responsable des paiements" in shown(refused)  # kept as typed
    assert desks.training_requests.counters.next_number(f"demande-formation-MTQ-{this_year()}") == 1


async def test_a_personne_autorisee_asks_in_the_console_and_an_agent_registers_there(
    api: Api,
) -> None:
    app: FastAPI | None = api.app
    assert app is not None
    async with signed_in(app, api.desks, PERSONNE_AUTORISEE) as person:
        form = await person.get("/console/demandes-formation/nouvelle")
        assert 'name="authorised_by"' not in form.text  # they authorise it themselves
        fields = {k: str(v) for k, v in asked().items() if k not in ("mo", "authorised_by")}
        sent = await person.post("/console/demandes-formation/nouvelle", **fields)
        assert sent.status_code == 303, sent.text
        page = await person.get(sent.headers["location"])
        assert "Votre demande est reçue" in shown(page)
        assert "État : Reçue" in shown(page)
        request_id = sent.headers["location"].split("/")[-1].split("?")[0]
    async with signed_in(app, api.desks, AGENT) as agent:
        taken = await agent.post(f"/console/demandes-formation/{request_id}/prendre")
        assert taken.status_code == 303, taken.text
        page = await agent.get(f"/console/demandes-formation/{request_id}")
        assert f'<option value="{SESSION}">' in page.text  # the session in the wished period
        other = await agent.post(
            f"/console/demandes-formation/{request_id}/inscrire", session="EI201-2027-02"
        )
        assert other.status_code == 422
        assert alert(other) == (
            "Session : EI201-2027-02 est une session du cours SAGIR-EI-201, et non du cours "
            "demandé SAGIR-RF-101"
        )
        done = await agent.post(
            f"/console/demandes-formation/{request_id}/inscrire", session=SESSION
        )
        assert done.status_code == 303, done.text
        page = await agent.get(done.headers["location"])
        assert "État : Inscription faite" in shown(page)
        assert "Employé inscrit à la session" in shown(page)


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "demain"], "--from: 'demain' is not a date like 2026-12-07"),
        (
            ["--from", "2027-02-01", "--until", "2027-01-01"],
            "wished_until: must be on or after wished_from",
        ),
    ],
)
def test_a_bad_training_request_on_the_command_line_exits_2_in_one_sentence(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    given = {
        "--mo": "MTQ",
        "--employee": "52310",
        "--course": "SAGIR-RF-101",
        "--from": "2027-01-04",
        "--until": "2027-03-31",
        "--reason": "besoin",
        "--authorised-by": "30001",
        "--by": "rh-mtq",
    }
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(SystemExit) as exited:
        main(["training", "request", "submit", *[p for pair in given.items() for p in pair]])
    _, err = capsys.readouterr()
    assert int(exited.value.code or 0) == 2
    assert message in err.strip()
