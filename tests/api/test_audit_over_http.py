"""Every request that may change something reaches the audit trail, refusals included, with the
caller's role; the chain verifies (issue 5)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.audit import Outcome
from models.roles import Role
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.test_roles_matrix import arrival_body


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


async def test_each_step_and_each_refusal_is_in_the_audit_trail_with_who_and_role(
    api: Api,
) -> None:
    hr, agent, auditor = CALLERS[Role.mo_hr], CALLERS[Role.ca_agent], CALLERS[Role.auditor]
    started = await api.call(hr, "POST", "/arrivals", arrival_body(hr, "MTQ"))
    assert started.status_code == 201, started.text
    arrival = started.json()["id"]
    assert (await api.call(auditor, "POST", f"/arrivals/{arrival}/take")).status_code == 403
    assert (await api.call(agent, "POST", f"/arrivals/{arrival}/take")).status_code == 200
    again = await api.call(agent, "POST", f"/arrivals/{arrival}/take")
    assert again.status_code == 409
    entries = [e for e in api.desks.trail.entries(arrival) if e.action.startswith("arrival.")]
    assert [(e.actor, e.role, e.action, e.outcome) for e in entries] == [
        ("rh-mtq", "mo_hr", "arrival.start", Outcome.done),
        ("verif-1", "auditor", "arrival.take", Outcome.refused),
        ("agent-roy", "ca_agent", "arrival.take", Outcome.done),
        ("agent-roy", "ca_agent", "arrival.take", Outcome.refused),
    ]
    assert entries[-1].detail.startswith("409 ") and "already taken in charge" in entries[-1].detail
    assert [entry.mo for entry in entries if entry.outcome is Outcome.done] == ["MTQ", "MTQ"]
    assert api.desks.trail.verify() == []


async def test_a_request_without_a_token_is_recorded_as_anonymous(api: Api) -> None:
    assert (await api.call(None, "POST", "/arrivals/arrivee-MTQ-45871/take")).status_code == 401
    [entry] = api.desks.trail.entries("arrivee-MTQ-45871")  # no workflow: only the request
    assert (entry.actor, entry.role, entry.outcome) == ("anonymous", "none", Outcome.refused)
