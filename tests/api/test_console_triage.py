"""The CA's triage in the console: a message from an unknown sender waits there with its
24-hour clock running from its receipt; sorting it to an MO opens its ticket; setting it aside
opens nothing; an MO's person may not see the list."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.roles import Role
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.console_client import signed_in
from tests.workflows.intake_harness import mail

AGENT = CALLERS[Role.ca_agent]
USER = CALLERS[Role.mo_user]


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as api:
        yield api


async def _in_triage(api: Api, subject: str, message_id: str) -> str:
    raw = mail(sender="Pierre <pierre@exemple.org>", subject=subject, message_id=message_id)
    receipt = await api.desks.intake.receive(raw.as_bytes())
    return receipt.id


async def test_an_agent_sorts_a_message_from_triage_and_its_ticket_opens(api: Api) -> None:
    assert api.app is not None
    key = await _in_triage(api, "Écran bloqué dans RF", "<tri-1@exemple.org>")
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get("/console/tri")
        assert "Écran bloqué dans RF" in agent.page
        assert "le domaine de l'expéditeur n'est déclaré pour aucun organisme" in agent.page
        answer = await agent.send(f"/console/tri/{key}/classer", mo="MSSS")
    assert answer.status_code == 200
    assert "/console/billets/T-" in str(answer.url)
    ticket_id = str(answer.url).rsplit("/", 1)[1]
    api.harness.started.append(ticket_id)
    state = await api.desks.tickets.show(ticket_id)
    assert (state.mo, state.channel.value) == ("MSSS", "email")
    assert (await api.desks.as_caller(AGENT).intake.triage()).total == 0


async def test_a_message_set_aside_opens_nothing(api: Api) -> None:
    assert api.app is not None
    key = await _in_triage(api, "Publicité", "<tri-2@exemple.org>")
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get("/console/tri")
        await agent.send(f"/console/tri/{key}/ecarter")
        assert "Le message est écarté" in agent.page
    assert (await api.desks.as_caller(AGENT).intake.triage()).total == 0
    assert (await api.desks.as_caller(AGENT).tickets.list()).total == 0


async def test_an_mo_user_may_not_read_the_triage(api: Api) -> None:
    assert api.app is not None
    await _in_triage(api, "Secret", "<tri-3@exemple.org>")
    async with signed_in(api.app, api.token_for(USER)) as user:
        answer = await user.get("/console/tri")
    assert answer.status_code == 403
    assert "Secret" not in answer.text
