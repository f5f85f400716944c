"""The auditor's tools (issue 5): a workflow's timeline with its payloads opened (JSON and CSV),
the workflows found through the engine's visibility, and a replay of a stored history on the
current code; for auditors only."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.roles import Role
from models.sla import Channel
from models.tickets import ClientMessage, TakeTicket, TicketRequest
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.test_roles_matrix import arrival_body


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


async def started_and_taken(api: Api) -> str:
    hr, agent = CALLERS[Role.mo_hr], CALLERS[Role.ca_agent]
    started = await api.call(hr, "POST", "/arrivals", arrival_body(hr, "MTQ"))
    assert started.status_code == 201, started.text
    arrival = started.json()["id"]
    assert (await api.call(agent, "POST", f"/arrivals/{arrival}/take")).status_code == 200
    return str(arrival)


async def test_auditor_reads_a_timeline_with_the_payloads_opened_as_json_and_csv(
    api: Api,
) -> None:
    arrival = await started_and_taken(api)
    auditor = CALLERS[Role.auditor]
    answer = await api.call(auditor, "GET", f"/audit/history/{arrival}?raw=true")
    assert answer.status_code == 200, answer.text
    timeline = answer.json()
    assert timeline[0]["kind"] == "workflow_execution_started"
    [started_input] = timeline[0]["detail"]["input"]["payloads"]
    assert started_input["value"]["request"]["hr_email"] == "rh@mtq.example"  # opened
    kinds = [event["kind"] for event in timeline]
    assert "workflow_execution_update_accepted" in kinds  # the agent's take
    as_csv = await api.call(auditor, "GET", f"/audit/history/{arrival}?format=csv&raw=true")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0] == "event_id,at,kind,detail"
    assert len(as_csv.text.splitlines()) >= len(timeline) + 1


async def test_auditor_reads_a_requests_story_step_by_step_with_who_and_the_rule_it_met(
    api: Api,
) -> None:
    hr, agent = CALLERS[Role.mo_hr], CALLERS[Role.ca_agent]
    auditor = CALLERS[Role.auditor]
    started = await api.call(hr, "POST", "/arrivals", arrival_body(hr, "MTQ"))
    arrival = started.json()["id"]
    assert (await api.call(auditor, "POST", f"/arrivals/{arrival}/take")).status_code == 403
    assert (await api.call(agent, "POST", f"/arrivals/{arrival}/take")).status_code == 200
    for _ in range(100):  # the feed records each step's role a moment after the step
        lines = (await api.call(auditor, "GET", f"/audit/history/{arrival}")).json()
        if any(line["what"] == "take" and line["role"] for line in lines):
            break
        await asyncio.sleep(0.05)
    received = lines[0]
    assert (received["who"], received["what"], received["outcome"]) == (
        "rh-mtq",
        "received",
        "done",
    )
    assert received["rule"].startswith("to be taken in charge by ")
    [refused] = [line for line in lines if line["what"] == "attempt: arrival.take"]
    assert (refused["who"], refused["role"], refused["outcome"]) == (
        "verif-1",
        "auditor",
        "refused",
    )
    assert "may not arrival.take" in refused["detail"]
    [take] = [line for line in lines if line["what"] == "take"]
    assert (take["who"], take["role"]) == ("agent-roy", "ca_agent")
    assert take["rule"].startswith("taken ") and take["rule"].endswith(": on time")
    as_csv = await api.call(auditor, "GET", f"/audit/history/{arrival}?format=csv")
    assert as_csv.text.splitlines()[0] == "at,who,role,what,outcome,detail,rule"


async def test_auditor_finds_workflows_by_mo_and_process_and_replays_one(api: Api) -> None:
    arrival = await started_and_taken(api)
    auditor = CALLERS[Role.auditor]
    for _ in range(50):  # the engine's visibility catches up in a moment
        found = (await api.call(auditor, "GET", "/audit/workflows?mo=MTQ&process=arrivee")).json()
        if found:
            break
        await asyncio.sleep(0.1)
    assert [(item["id"], item["mo"], item["process"]) for item in found] == [
        (arrival, "MTQ", "arrivee")
    ]
    assert (await api.call(auditor, "GET", "/audit/workflows?mo=MSSS")).json() == []
    verdict = (await api.call(auditor, "GET", f"/audit/replay/{arrival}")).json()
    assert verdict["same_decisions"] is True and verdict["events"] > 5
    assert (await api.call(auditor, "GET", "/audit/trail/verify")).json()["breaks"] == []
    trail = (await api.call(auditor, "GET", f"/audit/trail?record={arrival}")).json()
    requests = [entry["action"] for entry in trail if entry["action"].startswith("arrival.")]
    assert requests == ["arrival.start", "arrival.take"]  # the API's; the workflow's steps too
    assert "arrivee.take" in [entry["action"] for entry in trail]


async def test_only_an_auditor_reads_the_audit_tools(api: Api) -> None:
    arrival = await started_and_taken(api)
    for role in (Role.ca_agent, Role.mo_hr, Role.ca_supervisor):
        answer = await api.call(CALLERS[role], "GET", f"/audit/history/{arrival}")
        assert answer.status_code == 403
    missing = await api.call(CALLERS[Role.auditor], "GET", "/audit/history/arrivee-MTQ-99999")
    assert missing.status_code == 404


async def test_auditor_reads_and_replays_every_run_of_a_ticket_that_handed_over(api: Api) -> None:
    """A long ticket's run hands over to a new run (continue-as-new): its history and its
    replay take every run, the first first, not only the last."""
    desk = dataclasses.replace(api.desks.tickets, continue_after_events=20)
    ticket = await desk.open(
        TicketRequest(
            mo="MTQ",
            channel=Channel.email,
            requester="jdoe",
            subject="Accès LSA",
            description="Cannot log in to LSA",
            module="LSA",
        )
    )
    await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
    for n in range(4):
        await desk.act("client_message", ticket.id, ClientMessage(by="jdoe", text=f"Suite {n}"))
    auditor = CALLERS[Role.auditor]
    history = (await api.call(auditor, "GET", f"/audit/history/{ticket.id}?raw=true")).json()
    kinds = [event["kind"] for event in history]
    assert (
        kinds[0] == "workflow_execution_started" and kinds.count("workflow_execution_started") > 1
    )
    assert "workflow_execution_continued_as_new" in kinds
    verdict = (await api.call(auditor, "GET", f"/audit/replay/{ticket.id}")).json()
    assert verdict["same_decisions"] is True and verdict["events"] == len(history)
