"""Employee-data changes through their doors (issue 16 item 5): the HTTP API, the console's
"Informer le CA d'une modification" form and the CA's review page, the command line. Bad input
is one sentence naming the field and the rule (HTTP 422, the console in French, the command line
exit 2) and starts nothing; the quality check is another agent's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.roles import Caller, Role
from models.service_calendar import MONTREAL
from starter.api.app import create_app
from starter.cli.main import main
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.api.api_harness import Api, running_api
from tests.api.test_console_requests_registre import AGENT, HR, OTHER_AGENT, alert, shown, signed_in
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

AUDITOR = Caller(role=Role.auditor, subject="verif-1")
HR_MSSS = Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss")


def day(days: int = 0) -> str:
    return (datetime.now(MONTREAL).date() + timedelta(days=days)).isoformat()


def reported(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mo": "MTQ",
        "employee_number": "52311",
        "effective_date": day(),
        "new_unit": "DG-FINANCES",
        "hr_email": "rh@mtq.example",
    }
    body.update(changes)
    return body


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


async def until(read: Any, check: Any) -> Any:
    for _ in range(200):
        value = await read()
        if check(value):
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"never held; last {value!r}")


# --- the HTTP API -------------------------------------------------------------------------------


async def test_hr_reports_over_http_and_another_agent_checks_before_it_is_applied(api: Api) -> None:
    made = await api.call(HR, "POST", "/changes", reported(new_manager="52310"))
    assert made.status_code == 201, made.text
    change = made.json()["id"]
    assert change == "modification-MTQ-52311-1"
    assert (await api.call(AGENT, "POST", f"/changes/{change}/take")).status_code == 200
    shown_review = await until(
        lambda: api.call(AUDITOR, "GET", f"/changes/{change}"),
        lambda found: found.json()["review"] is not None,
    )
    review = shown_review.json()["review"]
    assert review["held"] == ["LS-EMPLOYE", "RM-ACHETEUR"] and review["to_remove"] == []
    proposal = {"proposal": {"remove": ["RM-ACHETEUR"]}}
    proposed = await api.call(AGENT, "POST", f"/changes/{change}/propose", proposal)
    assert proposed.status_code == 200, proposed.text
    same = await api.call(AGENT, "POST", f"/changes/{change}/check", {"approved": True})
    assert same.status_code == 409
    assert "the quality check is done by another agent" in same.json()["detail"]
    checked = await api.call(OTHER_AGENT, "POST", f"/changes/{change}/check", {"approved": True})
    assert checked.status_code == 200, checked.text
    done = await until(
        lambda: api.call(HR, "GET", f"/changes/{change}"),
        lambda found: found.json()["status"] == "applied",
    )
    assert done.json()["checked_by"] == "agent-gagnon"
    assert api.desks.employee_changes.erp.access_of("MTQ", "52311").responsibilities == [
        "LS-EMPLOYE"
    ]
    # HR of another MO neither reports for MTQ nor sees MTQ's change.
    assert (await api.call(HR_MSSS, "POST", "/changes", reported())).status_code == 403
    assert (await api.call(HR_MSSS, "GET", f"/changes/{change}")).status_code == 404


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"employee_number": "10233"}, "employee_number: 10233 has no dossier personne in MTQ"),
        ({"new_unit": None}, None),  # nothing changes
        ({"effective_date": day(-1)}, f"effective_date: {day(-1)} is in the past"),
        ({"new_partition_group": "NOPE"}, "new_partition_group: NOPE is not a partition group"),
    ],
)
async def test_a_bad_change_is_422_in_one_sentence_and_starts_nothing(
    api: Api, changes: dict[str, Any], detail: str | None
) -> None:
    refused = await api.call(HR, "POST", "/changes", reported(**changes))
    assert refused.status_code == 422, refused.text
    if detail is not None:
        assert refused.json()["detail"].startswith(detail)
    assert api.desks.employee_changes.counters.next_number("modification-MTQ-52311") == 1


# --- the console --------------------------------------------------------------------------------


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    """The desks with no engine client: a request that reached the engine would fail (503)."""
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


def form_of(body: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in body.items() if key != "mo" and value is not None}


async def test_the_console_refuses_another_mos_employee_in_french_and_starts_nothing(
    desks: Desks,
) -> None:
    app = create_app(desks, TEST_KEYS)
    async with signed_in(app, desks, HR) as person:
        form = await person.get("/console/modifications/nouvelle")
        assert "Informer le CA d'une modification" in shown(form)
        refused = await person.post(
            "/console/modifications/nouvelle", **form_of(reported(employee_number="10233"))
        )
    assert refused.status_code == 422
    assert alert(refused) == "Numéro d'employé : 10233 n'a pas de dossier personne dans MTQ"
    assert "DG-FINANCES" in shown(refused)  # kept as typed
    assert desks.employee_changes.counters.next_number("modification-MTQ-10233") == 1


async def test_the_console_refuses_a_moves_fields_without_the_new_mo_and_starts_nothing(
    desks: Desks,
) -> None:
    app = create_app(desks, TEST_KEYS)
    async with signed_in(app, desks, HR) as person:
        await person.get("/console/modifications/nouvelle")
        refused = await person.post(
            "/console/modifications/nouvelle",
            **form_of(reported()),
            to_hr_email="rh@msss.example",
        )
    assert refused.status_code == 422
    assert alert(refused) == (
        "MO d'arrivée : courriel des RH du MO d'arrivée : ces champs vont avec un changement de "
        "MO ; nommez le nouveau MO"
    )
    assert desks.employee_changes.counters.next_number("modification-MTQ-52311") == 1


async def test_hr_informs_the_ca_in_the_console_and_agents_review_and_check_there(
    api: Api,
) -> None:
    app: FastAPI | None = api.app
    assert app is not None
    async with signed_in(app, api.desks, HR) as person:
        sent = await person.post("/console/modifications/nouvelle", **form_of(reported()))
        assert sent.status_code == 303, sent.text
        first = await person.get(sent.headers["location"])
        assert "Le Centre d'assistance est informé de la modification." in shown(first)
        assert "État : À prendre en charge" in shown(first)
        change = sent.headers["location"].split("/")[-1].split("?")[0]
    async with signed_in(app, api.desks, AGENT) as agent:
        listed = await agent.get("/console/modifications")
        assert "Modifications aux données des employés" in shown(listed)
        taken = await agent.post(f"/console/modifications/{change}/prendre")
        assert taken.status_code == 303, taken.text

        async def page() -> httpx.Response:
            return await agent.get(f"/console/modifications/{change}")

        review = await until(page, lambda found: 'id="revue"' in found.text)
        assert "Proposer les changements aux accès" in shown(review)
        proposed = await agent.post(
            f"/console/modifications/{change}/proposer",
            remove="RM-ACHETEUR",
            grant="",
            note="Retirer l'achat : nouveau poste aux finances",
        )
        assert proposed.status_code == 303, proposed.text
        own = await agent.post(f"/console/modifications/{change}/controler", decision="approuver")
        assert own.status_code == 409
        assert alert(own) == (
            f"Agent : agent-roy a proposé {change} ; le contrôle de qualité est fait par un "
            "autre agent"
        )
    async with signed_in(app, api.desks, OTHER_AGENT) as other:
        unknown = await other.post(f"/console/modifications/{change}/controler", decision="oui")
        assert unknown.status_code == 422
        assert alert(unknown) == "Décision : choisissez Approuver ou Retourner à l'agent"
        checked = await other.post(
            f"/console/modifications/{change}/controler", decision="approuver"
        )
        assert checked.status_code == 303, checked.text

        async def applied() -> httpx.Response:
            return await other.get(f"/console/modifications/{change}")

        done = await until(applied, lambda found: "État : Appliquée" in shown(found))
        assert "Appliquée dans SAGIR" in shown(done)
        assert "retrait de RM-ACHETEUR" in shown(done)  # what was written, in words
        # The agent's note, as they typed it: never framed as a refusal.
        assert "Retirer l'achat : nouveau poste aux finances" in shown(done)
        assert "refusée : Retirer" not in shown(done)


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--effective", "demain"], "--effective: 'demain' is not a date like"),
        (["--unit", ""], "changes: name at least one thing that changes"),
        (["--to-hr-email", "rh@msss.example"], "--to-hr-email go with a move: give --to-mo too"),
        (["--birth-day", "0"], "--birth-day go with a move: give --to-mo too"),
    ],
)
def test_a_bad_change_on_the_command_line_exits_2_in_one_sentence(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    given = {
        "--mo": "MTQ",
        "--employee": "52311",
        "--effective": "2099-01-04",
        "--unit": "DG-FINANCES",
        "--by": "rh-mtq",
        "--hr-email": "rh@mtq.example",
    }
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [part for pair in given.items() for part in pair if pair[1] != ""]
    with pytest.raises(SystemExit) as exited:
        main(["change", "report", *argv])
    _, err = capsys.readouterr()
    assert int(exited.value.code or 0) == 2
    assert message in err.strip()


def test_a_proposal_as_reviewed_with_adjustments_exits_2_and_sends_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "change",
                "propose",
                "modification-MTQ-52311-1",
                "--agent",
                "agent-roy",
                "--as-reviewed",
                "--grant",
                "RF-CONSULTATION",
            ]
        )
    _, err = capsys.readouterr()
    assert int(exited.value.code or 0) == 2
    assert "--as-reviewed proposes the review unchanged" in err
