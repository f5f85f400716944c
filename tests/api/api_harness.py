"""The HTTP API in-process (httpx on the ASGI app, same event loop) over the real desks,
a worker on the time-skipping server and a SQLite database with the demo data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.roles import Caller, Role
from starter.api.app import create_app
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS, TEST_KEYS_TEXT
from tests.workflows.desks_harness import DesksHarness, running_desks

# Who holds a token in the tests: one per role; the MO's roles for MTQ.
CALLERS = {
    Role.mo_hr: Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq"),
    Role.personne_autorisee: Caller(role=Role.personne_autorisee, mo="MTQ", subject="30001"),
    Role.mo_user: Caller(role=Role.mo_user, mo="MTQ", subject="user-mtq"),
    Role.ca_agent: Caller(role=Role.ca_agent, subject="agent-roy"),
    Role.ca_supervisor: Caller(role=Role.ca_supervisor, subject="super-cote"),
    Role.dggir_pilot: Caller(role=Role.dggir_pilot, subject="pilote-rf"),
    Role.auditor: Caller(role=Role.auditor, subject="verif-1"),
}


@dataclass
class Api:
    http: httpx.AsyncClient
    desks: Desks
    harness: DesksHarness
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    app: FastAPI | None = None

    def token_for(self, caller: Caller) -> str:
        key = caller.model_dump_json()
        if key not in self.tokens:
            self.tokens[key] = self.desks.tokens.issue(caller, "test").token
        return self.tokens[key]

    async def call(
        self, caller: Caller | None, method: str, path: str, json: object | None = None
    ) -> httpx.Response:
        headers = {} if caller is None else {"Authorization": f"Bearer {self.token_for(caller)}"}
        return await self.http.request(method, path, json=json, headers=headers)


def harness_settings(uow: UnitOfWork, task_queue: str) -> Settings:
    """The settings of a test's desks: its task queue, the test audit key, the checkpoint file
    beside its database (never under the working folder)."""
    beside_the_database = Path(str(uow.engine.url.database)).parent
    return Settings().model_copy(
        update={
            "task_queue": task_queue,
            "audit_keys_text": TEST_AUDIT_KEYS_TEXT,
            # The worker seals and opens with the test keys: the desks must too.
            "payload_keys_text": TEST_KEYS_TEXT,
            "audit_checkpoint_file": beside_the_database / "audit-checkpoints.jsonl",
            "attachments_dir_override": beside_the_database / "attachments",
        }
    )


@asynccontextmanager
async def running_api(
    env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_desks(env, uow, task_queue) as harness:
        settings = harness_settings(uow, task_queue)
        desks = build_desks(settings, env.client, uow)
        app = create_app(desks, TEST_KEYS)
        # As a server answers: a failure is a 500 response (and a log), not an exception here.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
            yield Api(http, desks, harness, settings, app=app)
