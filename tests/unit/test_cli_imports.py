"""The command line imports only what a command needs (issue 17): `--help` and the deadline
calculator load neither the engine's SDK nor the database nor the mail's models; `ticket show`
loads the tickets' desk alone, and answers from the desk's records with no engine at all. An
engine is still reached before a command changes anything, and a command that needs one and
finds it down says so in the same sentence as before."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.database import UnitOfWork, make_engine
from adapters.schema import migrate
from adapters.sealed_mail import MailKeys
from adapters.sql_counters import SqlCounters
from adapters.sql_ticket_records import SqlTicketRecords
from adapters.sql_tokens import SqlTokens
from models import ticket_lifecycle as lifecycle
from models.roles import Caller, Role
from models.service_calendar import MONTREAL
from models.sla import Channel
from models.tickets import OpenTicket, TicketRecord
from starter.desks.engine import TemporalEngine
from starter.desks.errors import Unavailable
from starter.ports import free_port
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS, TEST_KEYS_TEXT

# Run `sagir-desk ARGS` in a fresh interpreter; print its exit code, its output and the modules
# it loaded. It leaves as the console script does (without finalizing).
PROBE = """
import contextlib, io, json, os, sys
from starter.cli.main import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        main(sys.argv[1:])
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 0
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "modules": sorted(sys.modules)}))
sys.stdout.flush()
os._exit(0)
"""

# Packages no start-up, help or calculation needs.
HEAVY = (
    "temporalio",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "jinja2",
    "cryptography",
    "fpdf",
    "numpy",
    "email_validator",
    "workflows",
    "activities",
    "adapters",
    "models.mail",
    "models.communiques",
    "models.tickets",
)


def sagir_desk(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    ran: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return ran


def among(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(
        {p for p in packages for m in modules if m == p or m.startswith(p + ".")},
    )


def test_help_loads_nothing_but_click() -> None:
    ran = sagir_desk("--help")
    assert ran["code"] == 0
    assert among(ran["modules"], (*HEAVY, "pydantic", "pydantic_settings", "holidays")) == []


def test_a_deadline_loads_the_calendar_and_the_settings_only() -> None:
    ran = sagir_desk("sla", "deadline", "--channel", "phone", "2026-11-24T11:50")
    assert (ran["code"], ran["out"]) == (0, "2026-11-24T14:05:00-05:00\n")
    assert among(ran["modules"], HEAVY) == []


@pytest.fixture
def desk_home(tmp_path: Path) -> dict[str, str]:
    """A migrated database with an agent's token, and no engine listening."""
    url = f"sqlite:///{tmp_path / 'sagir.db'}"
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    agent = SqlTokens(uow).create(
        Caller(role=Role.ca_agent, subject="agent-roy"), "", datetime.now(UTC)
    )
    uow.engine.dispose()
    return {
        "SAGIR_HOME": str(tmp_path),
        "SAGIR_DATABASE_URL": url,
        "SAGIR_PAYLOAD_KEYS": TEST_KEYS_TEXT,
        "SAGIR_AUDIT_KEYS": TEST_AUDIT_KEYS_TEXT,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens
        "SAGIR_TOKEN": agent.token,
    }


def test_showing_a_recorded_ticket_needs_no_engine_and_loads_only_the_tickets_desk(
    desk_home: dict[str, str],
) -> None:
    received = datetime.now(UTC) - timedelta(hours=1)
    state = lifecycle.open_ticket(
        OpenTicket(
            ticket_id="T-2026-000007",
            mo="MTQ",
            channel=Channel.email,
            requester="jdoe",
            subject="Accès LSA",
            description="Cannot log in",
            module="LSA",
            received_at=received,
            due=received + timedelta(days=1),
        )
    )
    uow = UnitOfWork(make_engine(desk_home["SAGIR_DATABASE_URL"]))
    keys = MailKeys.of([(key.key_id, key.secret) for key in TEST_KEYS])
    SqlTicketRecords(uow, keys).record(TicketRecord.of(state))
    uow.engine.dispose()

    ran = sagir_desk("ticket", "show", "T-2026-000007", env=desk_home)

    assert (ran["code"], ran["err"]) == (0, "")
    assert "      ticket: T-2026-000007\n" in ran["out"]
    assert "     subject: Accès LSA\n" in ran["out"]
    unneeded = (
        "temporalio.client",
        "fastapi",
        "jinja2",
        "fpdf",
        "numpy",
        "adapters.invoice_pdf",
        "starter.client",
        "starter.desks.auditor",
        "starter.desks.billing",
        "starter.desks.communiques",
        "starter.desks.intake",
        "workflows.billing",
        "workflows.registry",
    )
    assert among(ran["modules"], unneeded) == []


def test_a_ticket_not_recorded_with_the_engine_down_is_the_same_one_sentence_exit_1(
    desk_home: dict[str, str],
) -> None:
    ran = sagir_desk("ticket", "show", "T-2026-000008", env=desk_home)
    assert ran["code"] == 1
    assert ran["err"] == (
        f"sagir-desk: cannot reach the Temporal engine at {desk_home['TEMPORAL_ADDRESS']}; "
        "is `sagir-desk dev` running?\n"
    )


def test_opening_a_ticket_with_the_engine_down_takes_no_number(
    desk_home: dict[str, str],
) -> None:
    ran = sagir_desk(
        *("ticket", "open", "--mo", "MTQ", "--channel", "email", "--requester", "jdoe"),
        *("--subject", "Accès LSA", "--description", "Cannot log in", "--module", "LSA"),
        env=desk_home,
    )
    assert ran["code"] == 1
    assert ran["err"].startswith("sagir-desk: cannot reach the Temporal engine at ")
    uow = UnitOfWork(make_engine(desk_home["SAGIR_DATABASE_URL"]))
    year = datetime.now(UTC).astimezone(MONTREAL).year
    assert SqlCounters(uow).next_number(f"T-{year}") == 1
    uow.engine.dispose()


async def test_an_engine_given_a_way_to_connect_connects_once_at_its_first_call() -> None:
    client, connections = object(), []

    async def connect() -> Any:
        connections.append(client)
        await asyncio.sleep(0)  # a second call arrives while the first connects
        return client

    engine = TemporalEngine(None, "sagir-desk", connect)
    assert connections == []
    first, second = await asyncio.gather(engine.connected(), engine.connected())
    assert (first, second, engine.client, connections) == (client, client, client, [client])


async def test_an_engine_that_cannot_be_reached_is_unavailable_at_the_first_call() -> None:
    async def down() -> Any:
        raise Unavailable("cannot reach the Temporal engine at 127.0.0.1:1")

    engine = TemporalEngine(None, "sagir-desk", down)
    with pytest.raises(Unavailable, match="cannot reach the Temporal engine"):
        await engine.state(object, "T-2026-000001")
    with pytest.raises(Unavailable, match="given no connection"):
        await TemporalEngine(None, "sagir-desk").connected()
