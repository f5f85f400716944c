"""Issue 11: the worker is killed (SIGKILL) at random moments while tickets and arrivals are
worked, and `sagir-desk dev` starts it again. Every ticket still closes, every arrival ends as
its start date says, and nothing is done twice: each write in SAGIR, mail, escalation and audit
entry once, and the audit trail verifies.

The kill schedule and the people's pace come from one seed, printed; SAGIR_CHAOS_SEED=<seed>
runs a failure's schedule again (the engine's own timing is not replayed).

Issue 14: the worker is killed in the middle of a communiqué's fan-out (its mail half queued),
another starts, and every recipient receives the communiqué once, by its Message-ID."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import add_many_users, load_demo_data
from adapters.schema import migrate
from adapters.sql_communiques import mail_key
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.communiques import CommuniqueState, CommuniqueStatus, Group, Side, Submission
from models.directory import Person
from models.mail import message_id
from starter.client import data_converter, ensure_schedules, register_search_attributes
from starter.desks.communiques import CommuniqueDesk
from starter.desks.compose import build_desks
from starter.desks.errors import Unavailable
from starter.ports import engine_port_args, free_port, free_ports
from starter.settings import Settings
from tests.conftest import installed_binary
from tests.e2e.dev_harness import (
    ROLES,
    Dev,
    DevExited,
    cli,
    dev_environment,
    token_of,
)
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS_TEXT
from workflows import mail_relay

pytestmark = pytest.mark.e2e

MONTREAL = ZoneInfo("America/Montreal")
AGENTS = ("agent-tremblay", "agent-gagnon", "agent-roy")
MOS = ("MTQ", "MSSS", "MELCCFP")
TICKETS = 20
LATE_TICKETS = 4  # received 20 days ago: breached at once, so escalated (once each)
KILLS = (4, 6)  # how many, drawn from the seed
KILL_WITHIN = (1.0, 14.0)  # seconds from the start of the work: when the kills may come
OPEN_WITHIN = 12.0  # seconds: when the tickets and arrivals come in
PAUSE = (0.1, 1.2)  # seconds a person takes between two steps
# An activity the killed worker was running is tried again only after its start-to-close
# timeout (30 s, workflows/activity_options.py), a query it had taken is given up by the
# client after 30 s, and a workflow it had cached waits ~10 s for the engine to give up on its
# sticky queue: so the work ends, and the projections, the mails and the trail catch up, some
# 30 to 40 s after the last kill (seen: 43 s while another test run shared the 2 cores).
KILLS_BUDGET = 40.0  # seconds from the start of the work for every kill and restart
SETTLE = 50.0  # seconds after the last kill for everything to have ended and caught up
CALL_TIMEOUT = 40.0  # a call waits through a restart, and for the desk's answer

# What each MO's HR asks for a new employee (the demo registre allows it; EI needs a group).
HR = {"MTQ": ("rh-mtq", "30001"), "MSSS": ("rh-msss", "30011")}
REQUESTED = {"MTQ": ["RF-CONSULTATION", "EI-RAPPORTS-FIN"], "MSSS": ["RH-GESTIONNAIRE"]}
DEFAULTS = ["LS-EMPLOYE"]  # every demo MO's positionnement ministériel
GROUP = {"MTQ": "MTQ-DGF", "MSSS": "MSSS-CENTRAL"}
PARAMETER = "imprimante"
COURSE = "SAGIR-RF-101"


@dataclass(frozen=True)
class TicketPlan:
    index: int
    mo: str
    channel: str
    late: bool
    agent: str  # takes, proposes, returns and closes
    checker: str  # another agent: the quality check
    opens_after: float
    pace: random.Random


@dataclass(frozen=True)
class ArrivalPlan:
    mo: str
    employee: str
    starts_today: bool  # active at once; otherwise prepared, waiting for its start date
    dossier_later: bool  # HR starts it before SAGIR has the dossier personne, then says so
    agent: str
    opens_after: float
    pace: random.Random

    @property
    def id(self) -> str:
        return f"arrivee-{self.mo}-{self.employee}"

    @property
    def expected_status(self) -> str:
        return "active" if self.starts_today else "prepared"

    def person(self) -> Person:
        return Person(
            mo=self.mo,
            employee_number=self.employee,
            first_name="Prénom",
            last_name=f"Nouveau {self.employee}",
            work_email=f"e{self.employee}@{self.mo.lower()}.example",
            email_works=True,
            birth_day=1,
            birth_month=1,
        )


# Six new employees of two MOs: today's start or a later one, their dossier there or not yet.
NEW_EMPLOYEES = [
    ("MTQ", "46001", True, False),
    ("MTQ", "46002", False, False),
    ("MTQ", "46003", True, True),
    ("MSSS", "10301", True, False),
    ("MSSS", "10302", False, False),
    ("MSSS", "10303", False, True),
]


@dataclass
class Desk:
    """The dev server's HTTP API, called as each person with their own token. A call that a
    restart interrupts (503, no answer in time, no connection) answers None, and so does a 409
    (the state moved since it was read: a step sent again after an interruption was applied);
    the caller reads the state again and decides. Any other unexpected answer is kept in
    `surprises`, and the last state read of each workflow in `last`."""

    client: httpx.AsyncClient
    tokens: dict[str, str]
    surprises: list[str] = field(default_factory=list)
    interrupted: Counter[str] = field(default_factory=Counter)
    last: dict[str, str] = field(default_factory=dict)

    async def call(
        self, who: str, method: str, path: str, body: object = None
    ) -> httpx.Response | None:
        try:
            response = await self.client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"}
            )
        except httpx.TransportError as error:
            self.interrupted[type(error).__name__] += 1
            await asyncio.sleep(0.3)
            return None
        if response.status_code in (409, 503):
            self.interrupted[str(response.status_code)] += 1
            await asyncio.sleep(0.3)
            return None
        return response

    async def read(self, who: str, path: str) -> dict[str, Any]:
        """The state, read again until it is answered."""
        while (state := await self.act(who, path, method="GET")) is None:
            pass
        return state

    async def act(
        self, who: str, path: str, body: object = None, method: str = "POST"
    ) -> dict[str, Any] | None:
        """One step: the state after it, or None when the state must be read again."""
        sent = {} if body is None and method == "POST" else body
        response = await self.call(who, method, path, sent)
        if response is None:
            return None
        if response.status_code not in (200, 201):
            self.surprises.append(f"{method} {path}: {response.status_code} {response.text}")
            await asyncio.sleep(0.3)
            return None
        state: dict[str, Any] = response.json()
        self.last[state["id"]] = f"{state['status']}, steps {[s['kind'] for s in state['steps']]}"
        return state


def next_ticket_step(plan: TicketPlan, state: dict[str, Any]) -> tuple[str, str, object] | None:
    """Who does what next to a ticket in this state; None: wait (a late ticket is taken only
    once it is marked breached, so its escalation is sure to be due)."""
    match state["status"]:
        case "received":
            if plan.late and not state["breached"]:
                return None
            return plan.agent, "take", None
        case "in_charge":
            return plan.agent, "propose", {"solution": "Accès LSA rétabli; essayez à nouveau"}
        case "awaiting_qa" if state["quality_check"] is None:
            return plan.checker, "check", {"approved": True}
        case "awaiting_qa":
            return plan.agent, "return", None
        case "returned":
            return plan.agent, "close", None
    raise AssertionError(f"{state['id']} is {state['status']}: no step of this test leads there")


async def work_ticket(desk: Desk, plan: TicketPlan) -> dict[str, Any]:
    await asyncio.sleep(plan.opens_after)
    received = datetime.now(UTC) - timedelta(days=20 if plan.late else 0)
    # Opening needs no worker: it is never interrupted, so it is never sent twice (a ticket
    # sent again is another ticket).
    opened = await desk.call(
        plan.agent,
        "POST",
        "/tickets",
        {
            "mo": plan.mo,
            "channel": plan.channel,
            "requester": f"client-{plan.index}",
            "subject": f"Accès LSA {plan.index}",
            "description": "Cannot log in",
            "module": "LSA",
            "received_at": received.isoformat(),
        },
    )
    assert opened is not None and opened.status_code == 201, opened and opened.text
    state: dict[str, Any] = opened.json()
    path = f"/tickets/{state['id']}"
    while state["status"] != "closed":
        step = next_ticket_step(plan, state)
        moved = None
        if step is not None:
            who, action, body = step
            await asyncio.sleep(plan.pace.uniform(*PAUSE))
            moved = await desk.act(who, f"{path}/{action}", body)
        else:
            await asyncio.sleep(0.2)
        state = moved or await desk.read(plan.agent, path)
    return state


async def work_arrival(desk: Desk, plan: ArrivalPlan, erp: SqlSagirErp) -> dict[str, Any]:
    await asyncio.sleep(plan.opens_after)
    hr, authoriser = HR[plan.mo]
    start = datetime.now(MONTREAL).date() + timedelta(days=0 if plan.starts_today else 40)
    request = {
        "mo": plan.mo,
        "employee_number": plan.employee,
        "start_date": start.isoformat(),
        "responsibilities": REQUESTED[plan.mo],
        "partition_group": GROUP[plan.mo],
        "parameters": {PARAMETER: f"{plan.mo}-IMP-1"},
        "training": [COURSE],
        "authorised_by": authoriser,
        "requested_by": hr,
        "manager_email": f"gestion@{plan.mo.lower()}.example",
        "hr_email": f"rh@{plan.mo.lower()}.example",
    }
    path = f"/arrivals/{plan.id}"
    # Sent again if interrupted: its id is the employee's, so a second start is refused (409).
    while await desk.act(hr, "/arrivals", request) is None:
        if (await desk.call(hr, "GET", path) or httpx.Response(404)).status_code == 200:
            break
    if plan.dossier_later:
        await asyncio.sleep(plan.pace.uniform(*PAUSE))
        erp.add_person(plan.person())  # SAGIR's side: the MO created the dossier personne
        while await desk.act(hr, f"{path}/dossier-ready") is None:
            pass
    await asyncio.sleep(plan.pace.uniform(*PAUSE))
    state = await desk.read(plan.agent, path)
    while state["taken_by"] is None:
        state = await desk.act(plan.agent, f"{path}/take") or await desk.read(plan.agent, path)
    while state["status"] not in (plan.expected_status, "active", "refused", "failed"):
        await asyncio.sleep(0.3)
        state = await desk.read(plan.agent, path)
    return state


async def workers_started(dev: Dev, count: int) -> None:
    while True:
        if dev.workers_started() >= count:
            return
        await asyncio.sleep(0.1)


async def kill_the_worker(dev: Dev, kill_at: list[float], kills: list[str]) -> None:
    """At each planned moment (seconds from the start of the work), SIGKILL the worker, or the
    one dev starts next as soon as it polls; at the end, wait for the last one to come back."""
    began = time.monotonic()
    for number, at in enumerate(kill_at, start=1):
        await asyncio.sleep(max(0.0, at - (time.monotonic() - began)))
        await workers_started(dev, number)
        pid = dev.worker_pid()
        assert pid is not None, "no worker process to kill"
        os.kill(pid, signal.SIGKILL)
        kills.append(f"{time.monotonic() - began:.1f} s (pid {pid})")
    await workers_started(dev, len(kill_at) + 1)


@dataclass
class Run:
    """What the people saw: each workflow's state at its end, the kills, the calls."""

    desk: Desk
    tickets: list[dict[str, Any]]
    arrivals: list[dict[str, Any]]
    kills: list[str]  # when, from the start of the work, and which worker process
    settled_by: float  # time.monotonic() by which everything should have caught up


async def run_through_kills(
    dev: Dev,
    tokens: dict[str, str],
    erp: SqlSagirErp,
    tickets: list[TicketPlan],
    arrivals: list[ArrivalPlan],
    kill_at: list[float],
) -> Run:
    kills: list[str] = []
    api = f"http://127.0.0.1:{dev.env['SAGIR_API_PORT']}"
    async with httpx.AsyncClient(base_url=api, timeout=CALL_TIMEOUT) as client:
        desk = Desk(client, tokens)
        killer = asyncio.create_task(kill_the_worker(dev, kill_at, kills))
        work = asyncio.gather(
            asyncio.gather(*(work_ticket(desk, plan) for plan in tickets)),
            asyncio.gather(*(work_arrival(desk, arrival, erp) for arrival in arrivals)),
        )
        try:
            await asyncio.wait_for(asyncio.shield(killer), KILLS_BUDGET)
            settled_by = time.monotonic() + SETTLE
            ended_tickets, ended_arrivals = await asyncio.wait_for(work, SETTLE)
        except TimeoutError:
            raise AssertionError(
                f"not all ended in time (kills at {kills}); last seen: {desk.last}; "
                f"surprises: {desk.surprises}; interrupted: {desk.interrupted}"
            ) from None
        finally:
            killer.cancel()
            work.cancel()
    return Run(desk, list(ended_tickets), list(ended_arrivals), kills, settled_by)


def plans(rng: random.Random) -> tuple[list[TicketPlan], list[ArrivalPlan], list[float]]:
    tickets = []
    for index in range(TICKETS):
        agent, checker = rng.sample(AGENTS, 2)
        tickets.append(
            TicketPlan(
                index=index,
                mo=rng.choice(MOS),
                channel=rng.choice(("phone", "email")),
                late=index < LATE_TICKETS,
                agent=agent,
                checker=checker,
                opens_after=rng.uniform(0, OPEN_WITHIN),
                pace=random.Random(rng.random()),
            )
        )
    arrivals = [
        ArrivalPlan(
            mo=mo,
            employee=employee,
            starts_today=today,
            dossier_later=later,
            agent=rng.choice(AGENTS),
            opens_after=rng.uniform(0, OPEN_WITHIN),
            pace=random.Random(rng.random()),
        )
        for mo, employee, today, later in NEW_EMPLOYEES
    ]
    kill_at = sorted(rng.uniform(*KILL_WITHIN) for _ in range(rng.randint(*KILLS)))
    return tickets, arrivals, kill_at


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Dev]:
    try:
        running = Dev(dev_environment(tmp_path / "home"), tmp_path / "dev.log")
    except DevExited as exited:
        # Seen once in ~20 starts, other test runs sharing the machine: dev ended at once and
        # said nothing (`sagir-desk` drops a SystemExit's text, so the cause is unknown). Once
        # more, on other ports: this test is about the worker, not the start.
        print(f"sagir-desk dev ended while starting ({exited}); starting it again")
        running = Dev(dev_environment(tmp_path / "home-2"), tmp_path / "dev-2.log")
    yield running
    if running.process.poll() is None:
        running.process.kill()


def test_tickets_and_arrivals_end_right_through_random_worker_kills_with_nothing_done_twice(
    dev: Dev,
) -> None:
    began = time.monotonic()
    seed = int(os.environ.get("SAGIR_CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"chaos seed {seed} (SAGIR_CHAOS_SEED={seed} runs this schedule again)")
    tickets, arrivals, kill_at = plans(random.Random(seed))
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = dict(zip(ROLES, pool.map(lambda who: token_of(dev.env, who), ROLES), strict=True))
    database = Path(dev.env["SAGIR_HOME"]) / "sagir.db"
    erp = SqlSagirErp(UnitOfWork(make_engine(f"sqlite:///{database}")))
    for arrival in arrivals:
        if not arrival.dossier_later:
            erp.add_person(arrival.person())  # SAGIR's side: the dossier personne is there

    run = asyncio.run(run_through_kills(dev, tokens, erp, tickets, arrivals, kill_at))
    context = f"seed {seed}, kills at {', '.join(run.kills)}"
    print(
        f"{context}; all ended {time.monotonic() - began:.1f} s after the dev server was up; "
        f"calls interrupted: {dict(run.desk.interrupted)}"
    )
    # Each kill was a SIGKILL that dev saw, and it started the worker again each time.
    stopped = [line for line in dev.log.read_text().splitlines() if "the worker stopped" in line]
    assert len(stopped) == len(kill_at), (context, stopped)
    assert all("exit code -9" in line for line in stopped), (context, stopped)
    # Nothing refused or lost, and no 500: a read or a step that meets a dead worker is a 503
    # (try again), never the desk failing. A 500's cause is in the dev log: show it.
    assert not run.desk.surprises, (
        context,
        run.desk.surprises,
        requests_failed(dev.log.read_text()),
    )
    late = {state["id"] for plan, state in zip(tickets, run.tickets, strict=True) if plan.late}
    assert_every_ticket_closed_after_each_step_once(tickets, run.tickets, context)
    keys = assert_every_arrival_ended_as_its_start_date_says(arrivals, run.arrivals, context)

    # In the database, once the projections, the mails and the trail have caught up: each
    # write, mail, escalation and audit entry once, and nothing more.
    deadline = max(run.settled_by, time.monotonic() + 2)
    while True:
        wrong = done_twice_or_missing(database, run, arrivals, keys, late)
        if not wrong or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not wrong, (context, wrong)

    verified = cli(dev.env, "audit", "verify", as_="verif-1")
    assert verified.returncode == 0 and "intact" in verified.stdout, (context, verified)
    assert dev.stop() == 0
    print(f"{context}; whole test {time.monotonic() - began:.1f} s after the dev server was up")


def requests_failed(log: str) -> list[str]:
    """The requests the API answered 500, each with its route and cause (the dev log holds
    their tracebacks)."""
    failed = []
    for block in log.split(" ERROR request failed\n")[1:]:
        traceback = block.split("Exception in ASGI application")[0]
        route = re.findall(r'starter/api/(?:tickets|arrivals)\.py", line \d+, in (\w+)', traceback)
        causes = re.findall(r"^(\S+(?:Error|Exception)\b.*)$", traceback, re.MULTILINE)
        failed.append(f"{route[0] if route else '?'}: {causes[-1] if causes else traceback[:300]}")
    return failed


def assert_every_ticket_closed_after_each_step_once(
    tickets: list[TicketPlan], ended: list[dict[str, Any]], context: str
) -> None:
    for plan, state in zip(tickets, ended, strict=True):
        expected = ["received", "take", "propose", "check", "return", "close"]
        if plan.late:
            expected.insert(1, "breached")
        assert [step["kind"] for step in state["steps"]] == expected, (context, state)
        assert state["assignee"] == plan.agent, (context, state)


def assert_every_arrival_ended_as_its_start_date_says(
    arrivals: list[ArrivalPlan], ended: list[dict[str, Any]], context: str
) -> dict[str, str]:
    """Active (today's start) or prepared (a later one), taken by its agent, each grant made
    once and in order, nothing undone. Returns each arrival's key (`<id>/<received, UTC>`)."""
    keys = {}
    for plan, state in zip(arrivals, ended, strict=True):
        assert state["status"] == plan.expected_status, (context, state)
        assert state["taken_by"] == plan.agent and state["undone"] == [], (context, state)
        keys[plan.id] = key = f"{plan.id}/{_utc_second(state['received_at'])}"
        granted = [step["idempotency_key"] for step in state["granted"]]
        assert granted == expected_grants(plan, key), (context, state)
        once = ["received", "dossier_found", "take", "prepared"]
        once += ["activated"] if plan.starts_today else []
        assert Counter(step["kind"] for step in state["steps"]) == Counter(once), (context, state)
    return keys


def expected_grants(plan: ArrivalPlan, key: str) -> list[str]:
    """The arrival saga's writes, in order, each under the request's key and its step."""
    return [
        f"{key}/account",
        *(f"{key}/responsibility/{code}" for code in DEFAULTS + REQUESTED[plan.mo]),
        f"{key}/partition/{GROUP[plan.mo]}",
        f"{key}/parameter/{PARAMETER}",
        f"{key}/training/{COURSE}",
    ]


def done_twice_or_missing(
    database: Path, run: Run, arrivals: list[ArrivalPlan], keys: dict[str, str], late: set[str]
) -> list[str]:
    """What the database holds that is not exactly once what the workflows did."""
    wrong: list[str] = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        # SAGIR: each arrival's writes under their keys (the training goes to SGA), and the
        # activation for those starting today; nothing else written for these employees.
        for plan in arrivals:
            key = keys[plan.id]
            expected = {
                grant for grant in expected_grants(plan, key) if "/training/" not in grant
            } | ({f"{key}/activate"} if plan.starts_today else set())
            written = _column(
                db,
                "SELECT idempotency_key FROM erp_writes WHERE mo_code = ? AND employee_number = ?",
                plan.mo,
                plan.employee,
            )
            if sorted(written) != sorted(expected):
                wrong.append(f"{plan.id} SAGIR writes {sorted(written)}, not {sorted(expected)}")
            granted = _column(
                db,
                "SELECT responsibility_code FROM account_responsibilities"
                " WHERE mo_code = ? AND employee_number = ?",
                plan.mo,
                plan.employee,
            )
            if sorted(granted) != sorted(DEFAULTS + REQUESTED[plan.mo]):
                wrong.append(f"{plan.id} holds responsibilities {sorted(granted)}")
            trained = _column(
                db,
                "SELECT course FROM sga_registrations WHERE mo_code = ? AND employee_number = ?",
                plan.mo,
                plan.employee,
            )
            if trained != [COURSE]:
                wrong.append(f"{plan.id} registered to {trained}")
        # Mail: the employee and the manager told once each of an arrival that is active, and
        # the demo supervisor once of each late ticket.
        mails = _column(db, "SELECT idempotency_key FROM outbox")
        expected_mails = [
            f"{keys[plan.id]}/notify/{to}/active"
            for plan in arrivals
            if plan.starts_today
            for to in ("employee", "manager")
        ] + [f"{ticket}/breach/mail/super-cote" for ticket in late]
        if sorted(mails) != sorted(expected_mails):
            wrong.append(f"mails {sorted(mails)}, not {sorted(expected_mails)}")
        # Escalations: each late ticket once, nothing else.
        escalated = db.execute("SELECT idempotency_key, workflow_id FROM escalations").fetchall()
        if sorted(escalated) != sorted((f"{ticket}/breach", ticket) for ticket in late):
            wrong.append(f"escalations {sorted(escalated)}, late tickets {sorted(late)}")
        # The audit trail: each step of each workflow once, in its order, from one run.
        for state in [*run.tickets, *run.arrivals]:
            workflow_id, steps = state["id"], [step["kind"] for step in state["steps"]]
            entries = db.execute(
                "SELECT source_key, action FROM audit_trail WHERE source_key LIKE ?",
                (f"{workflow_id}/%",),
            ).fetchall()
            runs = {source.rsplit("/", 2)[1] for source, _ in entries}
            ordered = sorted(entries, key=lambda entry: int(entry[0].rsplit("/", 1)[1]))
            numbers = [int(source.rsplit("/", 1)[1]) for source, _ in ordered]
            kinds = [action.split(".", 1)[1] for _, action in ordered]
            if len(runs) != 1 or numbers != list(range(len(steps))) or kinds != steps:
                wrong.append(f"{workflow_id} in the audit trail: {ordered}, steps {steps}")
        # The desk's record of each arrival (what its lists show): as it ended.
        for plan in arrivals:
            listed = db.execute(
                "SELECT status FROM requests WHERE workflow_id = ?", (plan.id,)
            ).fetchone()
            if listed != (plan.expected_status,):
                wrong.append(f"{plan.id} listed as {listed}")
        # The desk's projection of the tickets: closed, with their steps once each.
        for state in run.tickets:
            row = db.execute("SELECT status FROM tickets WHERE id = ?", (state["id"],)).fetchone()
            projected = _column(
                db, "SELECT kind FROM ticket_steps WHERE ticket_id = ? ORDER BY seq", state["id"]
            )
            steps = [step["kind"] for step in state["steps"]]
            if row != ("closed",) or projected != steps:
                wrong.append(f"{state['id']} projected as {row}, steps {projected}")
    return wrong


def _column(db: sqlite3.Connection, query: str, *parameters: str) -> list[str]:
    return [row[0] for row in db.execute(query, parameters)]


def _utc_second(instant: str) -> str:
    return f"{datetime.fromisoformat(instant).astimezone(UTC):%Y%m%dT%H%M%SZ}"


# --- issue 14: a worker killed in the middle of a communiqué's fan-out --------------------------

FANOUT = 2500  # recipients: three batches of the queueing (adapters/sql_communiques.py BATCH)
FIRST_BATCH = 1000
WORKER_START_TIMEOUT = 60.0
# The queueing goes on QUEUE_HEARTBEAT after the kill (workflows/communiques.py: the engine
# notices the dead worker by its missing heartbeat), then the relay delivers, and the workflow
# sees it at its next look at the outbox (10 s, then 20 s later).
FANOUT_BUDGET = 150.0


class CountingHandler:
    """The SMTP server's side: how many times each Message-ID arrived (nothing kept)."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        headers = envelope.content.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        found = re.search(r"^Message-ID:\s*(\S+)", headers, re.IGNORECASE | re.MULTILINE)
        self.received[found.group(1) if found else "none"] += 1
        return "250 2.0.0 Ok: counted"


class WorkerProcess:
    """`python -m worker`, as deployed, with the test's settings; started and waited for."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    async def running(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while "worker running" not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            await asyncio.sleep(0.1)

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def queued_mails(db: sqlite3.Connection, communique_id: str) -> int:
    return int(
        db.execute(
            "SELECT count(*) FROM outbox WHERE communique_id = ?", (communique_id,)
        ).fetchone()[0]
    )


async def kill_once_queueing_is_under_way(
    worker: WorkerProcess, database: Path, communique_id: str
) -> int:
    """SIGKILL the worker as soon as the first batch of the communiqué's mail is committed
    (looked at every millisecond: a batch takes some 50 ms); how many mails were queued when
    it died."""
    deadline = time.monotonic() + FANOUT_BUDGET
    with contextlib.closing(
        sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    ) as db:
        while queued_mails(db, communique_id) < FIRST_BATCH:
            assert time.monotonic() < deadline, worker.log.read_text()
            await asyncio.sleep(0.001)
        assert worker.kill() == -signal.SIGKILL
        return queued_mails(db, communique_id)


async def sent_in_the_end(desk: CommuniqueDesk, communique_id: str) -> CommuniqueState:
    """The workflow's state once it says `sent`; a query the engine could not answer (the
    workflow still bound to the killed worker's queue) is asked again."""
    deadline = time.monotonic() + FANOUT_BUDGET
    state = None
    while time.monotonic() < deadline:
        with contextlib.suppress(Unavailable):
            state = await desk.state(communique_id)
            if state.status is CommuniqueStatus.sent:
                return state
        await asyncio.sleep(0.5)
    raise AssertionError(f"{communique_id} not sent after {FANOUT_BUDGET:.0f} s: {state}")


def queue_attempts(history: WorkflowHistory) -> list[int]:
    """The attempt each start of the queueing activity was (the engine records the last)."""
    scheduled = {
        event.event_id
        for event in history.events
        if event.activity_task_scheduled_event_attributes.activity_type.name == "queue_deliveries"
    }
    return [
        event.activity_task_started_event_attributes.attempt
        for event in history.events
        if event.HasField("activity_task_started_event_attributes")
        and event.activity_task_started_event_attributes.scheduled_event_id in scheduled
    ]


@pytest.fixture
def counting_smtp() -> Iterator[tuple[CountingHandler, int]]:
    handler, port = CountingHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def test_a_worker_killed_while_a_communique_is_queued_delivers_every_recipient_once_by_message_id(  # noqa: E501
    tmp_path: Path, counting_smtp: tuple[CountingHandler, int]
) -> None:
    smtp, smtp_port = counting_smtp
    home = tmp_path / "home"
    engine_port, http_port, metrics_port = free_ports(3, avoid=[smtp_port])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SAGIR_", "TEMPORAL_"))},
        "SAGIR_HOME": str(home),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{engine_port}",
        "SAGIR_TASK_QUEUE": f"fanout-{uuid.uuid4()}",
        "SAGIR_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SAGIR_MAIL_RELAY_SECONDS": "1",
        "SAGIR_PAYLOAD_KEYS": TEST_KEYS_TEXT,
        "SAGIR_AUDIT_KEYS": TEST_AUDIT_KEYS_TEXT,
    }
    settings = Settings.model_validate(env)
    database = home / "sagir.db"
    uow = UnitOfWork(make_engine(settings.database_url))
    migrate(uow.engine)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    assert add_many_users(uow, FANOUT) == FANOUT
    workers: list[WorkerProcess] = []
    async with await WorkflowEnvironment.start_local(
        port=settings.temporal_port,
        data_converter=data_converter(settings.payload_keys),
        dev_server_existing_path=installed_binary("temporal"),
        dev_server_extra_args=["--log-level", "error", *engine_port_args(http_port, metrics_port)],
    ) as engine:
        try:
            await register_search_attributes(engine.client)
            # The relay's rounds held while the mail is queued: the kill meets the queueing
            # alone (a round killed mid-mail is tests/adapters/test_mail_relay.py's).
            await ensure_schedules(engine.client, settings)
            relay = engine.client.get_schedule_handle(mail_relay.SCHEDULE_ID)
            await relay.pause()
            workers.append(WorkerProcess(env, tmp_path / "worker-1.log"))
            await workers[0].running()
            desk = build_desks(settings, engine.client, uow).communiques
            submitted = await desk.submit(
                Submission(
                    side=Side.dggir,
                    author="dggir-redaction",
                    title="Calendrier de la paie 2027",
                    body="Bonjour,\r\nLa paie du 15 décembre sera versée le 12.",
                    groups=[Group.parse("all")],
                )
            )
            await desk.check(submitted.id, "agent-tremblay")
            released = time.monotonic()
            await desk.release(submitted.id, "agent-tremblay")
            queued_at_kill = await kill_once_queueing_is_under_way(
                workers[0], database, submitted.id
            )
            killed = time.monotonic()
            # Killed in the middle of it (the rest is queued by the next worker).
            assert FIRST_BATCH <= queued_at_kill < FANOUT, f"{queued_at_kill} queued at the kill"
            assert not smtp.received

            workers.append(WorkerProcess(env, tmp_path / "worker-2.log"))
            await workers[1].running()
            restarted = time.monotonic()
            await relay.unpause()
            state = await sent_in_the_end(desk, submitted.id)
            print(
                f"worker killed {killed - released:.1f} s after the release, {queued_at_kill} of "
                f"{FANOUT} mails queued; another worker polled {restarted - killed:.1f} s "
                f"after; the communiqué was sent {time.monotonic() - killed:.1f} s after the kill"
            )
            history = await engine.client.get_workflow_handle(submitted.id).fetch_history()
            report = await desk.verify(submitted.id)
        finally:
            for worker in workers:
                worker.stop()

    expected = {
        message_id(mail_key(submitted.id, seq), settings.mail_domain) for seq in range(FANOUT)
    }
    # Every recipient's mail once, by its Message-ID: none lost at the kill, none twice.
    assert set(smtp.received) == expected
    assert [id_ for id_, copies in smtp.received.items() if copies > 1] == []
    assert (state.recipients, state.delivered, state.failed) == (FANOUT, FANOUT, 0)
    assert report.proven and report.delivered == FANOUT
    # The queueing went on after the kill in a new attempt, from where the dead one stopped.
    assert queue_attempts(history)[-1] >= 2
