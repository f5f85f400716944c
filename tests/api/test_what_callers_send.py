"""What any caller may send gets a 4xx with one sentence, never a 500; authentication comes
before anything else; an MO user cannot jump the queue; what the desk fails at is recorded as
failed; and every opening of sealed payloads is in the trail, with who and which workflow."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.audit import Outcome
from models.roles import Caller, Role
from starter.api.app import create_app
from starter.client import IMPATIENT
from starter.desks.compose import build_desks
from tests.api.api_harness import CALLERS, Api, harness_settings, running_api
from tests.api.conftest import start_local_engine
from tests.api.test_auditor_tools import started_and_taken
from tests.api.test_roles_matrix import departure_body, ticket_body
from tests.payload_keys import TEST_CONVERTER, TEST_KEYS

AGENT, USER, AUDITOR = CALLERS[Role.ca_agent], CALLERS[Role.mo_user], CALLERS[Role.auditor]


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


def one_sentence(answer: Any, status: int, starts: str) -> None:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(starts) and "\n" not in detail, detail


async def test_months_outside_the_services_years_are_refused_not_failed(api: Api) -> None:
    supervisor = CALLERS[Role.ca_supervisor]
    for month in ("0000-01", "9999-12", "1999-12"):
        for path in ("/reports/sla", "/reports/sla.csv", "/reports/sla.png"):
            answer = await api.call(supervisor, "GET", f"{path}?month={month}")
            one_sentence(answer, 422, "month: String should match pattern '^(20\\d\\d|2100)-")


async def test_a_receipt_time_outside_the_services_years_is_refused_and_uses_no_number(
    api: Api,
) -> None:
    for received in ("0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z"):
        body = {**ticket_body(AGENT, "MTQ"), "received_at": received}
        answer = await api.call(AGENT, "POST", "/tickets", body)
        one_sentence(answer, 422, "received_at: must fall between the years 2000 and 2100")
    opened = await api.call(AGENT, "POST", "/tickets", ticket_body(AGENT, "MTQ"))
    assert opened.status_code == 201
    assert opened.json()["id"].endswith("-000001")  # no number was used up by the refusals


async def test_an_agent_may_date_a_receipt_30_days_back_and_no_further(api: Api) -> None:
    now = datetime.now(UTC)
    older = {**ticket_body(AGENT, "MTQ"), "received_at": (now - timedelta(days=31)).isoformat()}
    one_sentence(await api.call(AGENT, "POST", "/tickets", older), 422, "received_at: ")
    recent = {**ticket_body(AGENT, "MTQ"), "received_at": (now - timedelta(days=3)).isoformat()}
    assert (await api.call(AGENT, "POST", "/tickets", recent)).status_code == 201


async def test_a_departure_date_outside_the_services_years_is_refused_not_failed(
    api: Api,
) -> None:
    hr = CALLERS[Role.mo_hr]
    body = {**departure_body(hr, "MTQ"), "departure_date": "9999-12-31"}
    answer = await api.call(hr, "POST", "/departures", body)
    one_sentence(answer, 422, "departure_date: must fall between the years 2000 and 2100")


@pytest.mark.parametrize(
    ("metadata", "data", "starts"),
    [
        ({"encoding": b"binary/encrypted", "encryption-key-id": b"test-2026"}, b"", "payload"),
        ({"encoding": b"binary/encrypted", "encryption-key-id": b"\xff\xfe"}, b"x" * 40, "payload"),
        (
            {"encoding": b"binary/encrypted", "encryption-key-id": b"test-2026"},
            b"x" * 40,
            "payload",
        ),
    ],
)
async def test_the_codec_refuses_what_it_did_not_seal_with_one_sentence(
    api: Api, metadata: dict[str, bytes], data: bytes, starts: str
) -> None:
    payload = {
        "metadata": {name: base64.b64encode(value).decode() for name, value in metadata.items()},
        "data": base64.b64encode(data).decode(),
    }
    answer = await api.call(AUDITOR, "POST", "/codec/decode", {"payloads": [payload]})
    one_sentence(answer, 422, starts)


@pytest.mark.parametrize(
    ("caller", "status"),
    [(None, 401), (Caller(role=Role.auditor, subject="verif-1"), 403)],
)
async def test_authentication_and_the_role_come_before_the_body_is_read(
    api: Api, caller: Caller | None, status: int
) -> None:
    headers = {"Content-Type": "application/json"}
    if caller is not None:
        headers["Authorization"] = f"Bearer {api.token_for(caller)}"
    answer = await api.http.post("/tickets", content=b"{not json", headers=headers)
    assert answer.status_code == status, answer.text


async def test_a_revoked_token_with_bad_json_is_told_its_token_is_revoked(api: Api) -> None:
    issued = api.desks.tokens.issue(AGENT, "to revoke")
    api.desks.tokens.revoke(issued.info.id)
    answer = await api.http.post(
        "/tickets",
        content=b"{not json",
        headers={"Authorization": f"Bearer {issued.token}", "Content-Type": "application/json"},
    )
    one_sentence(answer, 401, "authorization: the token is unknown or revoked")


@pytest.mark.parametrize(
    ("changes", "starts"),
    [
        ({"channel": "phone"}, "channel: an MO user's request comes through the Outil Requête"),
        ({"urgent": True}, "urgent: only the CA marks a request urgent"),
        (
            {"received_at": "2026-11-20T10:00:00-05:00"},
            "received_at: only the CA gives a receipt time",
        ),
    ],
)
async def test_an_mo_user_cannot_jump_the_queue(
    api: Api, changes: dict[str, Any], starts: str
) -> None:
    answer = await api.call(USER, "POST", "/tickets", {**ticket_body(USER, "MTQ"), **changes})
    one_sentence(answer, 403, starts)
    plain = await api.call(USER, "POST", "/tickets", ticket_body(USER, "MTQ"))
    assert plain.status_code == 201
    assert (plain.json()["channel"], plain.json()["urgent"]) == ("web", False)


async def test_a_request_the_desk_fails_at_is_answered_500_in_json_and_recorded_as_failed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> int:
        raise RuntimeError("the counter's disk is gone")

    monkeypatch.setattr(type(api.desks.tickets.counters), "next_number", broken)
    answer = await api.call(AGENT, "POST", "/tickets", ticket_body(AGENT, "MTQ"))
    assert answer.status_code == 500
    assert "counter" not in answer.json()["detail"]  # the cause is in the log, not the answer
    [entry] = [e for e in api.desks.trail.entries() if e.action == "ticket.open"]
    assert (entry.actor, entry.outcome) == (AGENT.subject, Outcome.failed)


async def test_reading_a_history_with_its_payloads_opened_is_recorded_with_who(api: Api) -> None:
    arrival = await started_and_taken(api)
    assert (await api.call(AUDITOR, "GET", f"/audit/history/{arrival}")).status_code == 200
    openings = [e for e in api.desks.trail.entries(arrival) if e.action == "payload.decode"]
    assert [(e.actor, e.role, e.outcome) for e in openings] == [
        ("verif-1", "auditor", Outcome.done)
    ]


async def test_the_ui_opening_a_workflows_payloads_is_recorded_with_that_workflow(
    api: Api,
) -> None:
    arrival = await started_and_taken(api)
    referer = f"http://127.0.0.1:8233/namespaces/default/workflows/{arrival}/abc/history"
    answer = await api.http.post(
        "/codec/decode",
        json={"payloads": []},
        headers={"Authorization": f"Bearer {api.token_for(AUDITOR)}", "Referer": referer},
    )
    assert answer.status_code == 200
    [opening] = [e for e in api.desks.trail.entries(arrival) if e.action == "payload.decode"]
    assert (opening.actor, opening.outcome) == ("verif-1", Outcome.done)


async def test_with_the_engine_down_every_call_gets_a_json_503_with_retry_after_within_2_s(
    demo_uow: UnitOfWork, task_queue: str
) -> None:
    env = await start_local_engine()
    client = await Client.connect(
        env.client.service_client.config.target_host,
        data_converter=TEST_CONVERTER,
        retry_config=IMPATIENT,
    )
    desks = build_desks(harness_settings(demo_uow, task_queue), client, demo_uow)
    headers = {"Authorization": f"Bearer {desks.tokens.issue(AGENT, 'engine down').token}"}
    await env.shutdown()
    transport = httpx.ASGITransport(app=create_app(desks, TEST_KEYS))
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
        # The queue is read from the desk's records: it still answers.
        assert (await http.get("/queue", headers=headers)).status_code == 200
        for method, path, body in [
            ("GET", "/tickets/T-2026-000001", None),
            ("POST", "/tickets", ticket_body(AGENT, "MTQ")),
            ("POST", "/arrivals/arrivee-MTQ-45871/take", None),
        ]:
            started = time.monotonic()
            answer = await http.request(method, path, json=body, headers=headers)
            assert time.monotonic() - started < 2.0, path
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert "engine" in answer.json()["detail"]
