"""Ticket lifecycles with two workers and two API processes on one engine and one PostgreSQL,
beside one worker and one API in the same run, then the crash test's checks that nothing was
done twice.

    make bench        (or: .venv/bin/python bench/scale_out.py [--tickets N] [--quick])

One Temporal dev server, one fresh PostgreSQL database (made here, migrated, the demo data
loaded, dropped at the end), and the desk's own processes as deployed: `sagir-desk worker` and
`sagir-desk api`, all with the same engine, database and keys. Three rounds of N lifecycles
(open, take, propose, check, return, close, through HTTP, `--concurrency` at a time; one ticket
in ten is received 20 days ago, so it breaches at once and is escalated, and is taken only once
marked breached):

1. one worker and one API (the anchor);
2. a second worker and a second API started beside them; each HTTP call goes to the next API;
3. the same, and once half the round's lifecycles have ended, one worker is killed (SIGKILL)
   and started again.

Then, for every ticket (tests/e2e/test_worker_kills.py's checks, on PostgreSQL): closed after
exactly its steps, its projection the same; each mail it owes queued once (the requester's
notices, the supervisors' breach mail) and no other; its escalation once if late, none
otherwise; each step once in the audit trail, from one run, in order; and the audit chain
verifies (`GET /audit/trail/verify`). The first round's tickets are the anchor of those counts.

With N = 200 the run takes about 3.5 minutes on a 2-core machine (205 s measured, the
machine shared): three rounds of about a minute, the third's slowest lifecycles waiting some
30 s for what the killed worker held. `--quick` (6 a round): about 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from temporalio.testing import WorkflowEnvironment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from table import Figure, print_table  # noqa: E402  (beside this script)

from activities.notices import supervisors_on_duty  # noqa: E402
from adapters.database import UnitOfWork, make_engine  # noqa: E402
from adapters.demo_data import load_demo_data  # noqa: E402
from adapters.schema import migrate  # noqa: E402
from adapters.sql_directory import SqlDirectory  # noqa: E402
from adapters.sql_sagir_erp import SqlSagirErp  # noqa: E402
from adapters.sql_sga import SqlSga  # noqa: E402
from adapters.sql_tokens import SqlTokens  # noqa: E402
from models.roles import Caller, Role  # noqa: E402
from starter.client import data_converter  # noqa: E402
from starter.keys import format_keys, new_key, parse_keys  # noqa: E402
from starter.ports import engine_port_args, free_ports  # noqa: E402

POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
BIN = Path(sys.executable).parent
TICKETS, QUICK_TICKETS = 200, 6  # lifecycles per round
CONCURRENCY, QUICK_CONCURRENCY = 20, 3
WARM_UP, QUICK_WARM_UP = 10, 2  # lifecycles before a round's configuration is measured
LATE_EVERY = 10  # one ticket in ten is received 20 days ago: breached and escalated at once
AGENTS = ("agent-tremblay", "agent-gagnon")  # one works the ticket, the other checks it
AUDITOR = "verif-1"
START_TIMEOUT = 90.0  # seconds for a worker to poll, an API to answer
# A call waits through a restart: an activity the killed worker held is tried again after its
# start-to-close timeout (30 s, workflows/activity_options.py).
CALL_TIMEOUT = 40.0
ROUND_BUDGET = 900.0  # seconds for a round's lifecycles, whatever the machine
SETTLE = 60.0  # seconds for the projections, the mails and the trail to catch up
NOTICE_STEPS = ("received", "return", "close")  # the steps that mail the requester
MAX_SURPRISES = 20  # unexpected answers (not 409, 503 or no answer) before the bench gives up


@dataclass(frozen=True)
class Plan:
    index: int
    late: bool
    agent: str  # takes, proposes, returns and closes
    checker: str  # the quality check: the other agent

    @property
    def steps(self) -> list[str]:
        late = ["breached"] if self.late else []
        return ["received", *late, "take", "propose", "check", "return", "close"]


def plans(first: int, count: int) -> list[Plan]:
    return [
        Plan(
            index=index,
            late=index % LATE_EVERY == LATE_EVERY // 2,
            agent=AGENTS[index % 2],
            checker=AGENTS[(index + 1) % 2],
        )
        for index in range(first, first + count)
    ]


@dataclass
class Doors:
    """The API processes, each call sent to the next one, as the person whose token it is. A
    call a restart interrupts (no answer in time, 503) or a 409 (the state moved since it was
    read: a step sent again after an interruption was applied) answers None, and the caller
    reads the state again; any other unexpected answer is kept in `surprises`."""

    clients: list[httpx.AsyncClient]
    tokens: dict[str, str]
    turn: int = 0
    interrupted: Counter[str] = field(default_factory=Counter)
    surprises: list[str] = field(default_factory=list)
    last: dict[str, str] = field(default_factory=dict)

    async def call(
        self, who: str, method: str, path: str, body: object = None
    ) -> httpx.Response | None:
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        try:
            response = await client.request(
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

    async def act(
        self, who: str, path: str, body: object = None, method: str = "POST"
    ) -> dict[str, Any] | None:
        """One step: the state after it, or None when the state must be read again."""
        response = await self.call(
            who, method, path, {} if body is None and method == "POST" else body
        )
        if response is None:
            return None
        if response.status_code not in (200, 201):
            self.surprises.append(f"{method} {path}: {response.status_code} {response.text}")
            if len(self.surprises) > MAX_SURPRISES:  # the API has changed, not the engine
                raise RuntimeError(f"unexpected answers: {self.surprises[:3]}")
            await asyncio.sleep(0.3)
            return None
        state: dict[str, Any] = response.json()
        if "status" not in state or "steps" not in state:
            return None  # a step that answers less than the state: read it
        self.last[state["id"]] = f"{state['status']}, steps {[s['kind'] for s in state['steps']]}"
        return state

    async def read(self, who: str, path: str) -> dict[str, Any]:
        while (state := await self.act(who, path, method="GET")) is None:
            pass
        return state


def next_step(plan: Plan, state: dict[str, Any]) -> tuple[str, str, object] | None:
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
    raise RuntimeError(f"{state['id']} is {state['status']}: no step of this bench leads there")


@dataclass(frozen=True)
class Ended:
    plan: Plan
    state: dict[str, Any]
    seconds: float


async def lifecycle(doors: Doors, plan: Plan) -> Ended:
    started = time.perf_counter()
    received = datetime.now(UTC) - timedelta(days=20 if plan.late else 0)
    # Opening needs no worker, so no restart interrupts it: it is never sent twice (a ticket
    # sent again would be another ticket).
    opened = await doors.call(
        plan.agent,
        "POST",
        "/tickets",
        {
            "mo": ("MTQ", "MSSS", "MELCCFP")[plan.index % 3],
            "channel": "email",
            "requester": f"client-{plan.index}",
            "subject": f"Accès LSA {plan.index}",
            "description": "Cannot log in",
            "module": "LSA",
            "received_at": received.isoformat(),
            "contact_email": f"client-{plan.index}@mtq.gouv.qc.ca",
        },
    )
    if opened is None or opened.status_code != 201:
        raise RuntimeError(f"ticket {plan.index} not opened: {opened and opened.text}")
    state: dict[str, Any] = opened.json()
    path = f"/tickets/{state['id']}"
    while state["status"] != "closed":
        step = next_step(plan, state)
        moved = None
        if step is None:
            await asyncio.sleep(0.2)
        else:
            who, action, body = step
            moved = await doors.act(who, f"{path}/{action}", body)
        state = moved or await doors.read(plan.agent, path)
    return Ended(plan, state, time.perf_counter() - started)


@dataclass
class Round:
    tickets: list[Ended]
    seconds: float
    interrupted: Counter[str]
    kills: list[str]

    @property
    def rate(self) -> float:
        return len(self.tickets) / self.seconds

    @property
    def slowest(self) -> float:
        return max(ended.seconds for ended in self.tickets)


async def run_round(
    doors: Doors,
    batch: list[Plan],
    concurrency: int,
    at_half: Callable[[], Awaitable[str]] | None = None,
) -> Round:
    """`batch`'s lifecycles, `concurrency` at a time; `at_half` runs once half have ended."""
    gate = asyncio.Semaphore(concurrency)
    half = asyncio.Event()
    ended: list[Ended] = []
    before = Counter(doors.interrupted)

    async def one(plan: Plan) -> Ended:
        async with gate:
            done = await lifecycle(doors, plan)
        ended.append(done)
        if len(ended) * 2 >= len(batch):
            half.set()
        return done

    async def when_half() -> list[str]:
        if at_half is None:
            return []
        await half.wait()
        return [await at_half()]

    started = time.perf_counter()
    work = asyncio.gather(*(one(plan) for plan in batch))
    extra = asyncio.create_task(when_half())
    try:
        tickets = await asyncio.wait_for(work, ROUND_BUDGET)
        seconds = time.perf_counter() - started
        kills = await asyncio.wait_for(extra, START_TIMEOUT)  # the restarted worker polls
    except TimeoutError:
        raise RuntimeError(
            f"round not over in {ROUND_BUDGET:.0f} s; last seen {doors.last}; "
            f"surprises {doors.surprises}; interrupted {dict(doors.interrupted)}"
        ) from None
    finally:
        extra.cancel()
    return Round(list(tickets), seconds, doors.interrupted - before, kills)


# --- the processes ------------------------------------------------------------------------------


@dataclass
class Service:
    """A process of the desk (`sagir-desk worker` or `sagir-desk api`), its output in `log`."""

    name: str
    command: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    port: int | None = None  # an API's

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [str(BIN / "sagir-desk"), self.command],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def ready(self, started_before: int = 0) -> None:
        """Until it serves: a worker polls (its `started_before + 1`-th "worker running" in the
        log), an API answers /health."""
        deadline = time.monotonic() + START_TIMEOUT
        while not await self._serving(started_before):
            if self.exited() is not None:
                raise RuntimeError(f"{self.name} ended (code {self.exited()}): {self.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready in {START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.1)

    async def _serving(self, started_before: int) -> bool:
        if self.port is None:
            return self.output().count("worker running") > started_before
        try:
            async with httpx.AsyncClient() as client:
                await client.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
            return True
        except httpx.TransportError:
            return False

    async def kill_and_restart(self, began: float) -> str:
        """SIGKILL, then the same command again, waited for until it polls."""
        assert self.process is not None
        starts = self.output().count("worker running")
        os.kill(self.pid, signal.SIGKILL)
        killed_at, pid = time.perf_counter(), self.pid
        code = await asyncio.to_thread(self.process.wait, 10)
        self.start()
        await self.ready(started_before=starts)
        return (
            f"{self.name} (pid {pid}) killed {killed_at - began:.1f} s into the round "
            f"(exit {code}), polling again {time.perf_counter() - killed_at:.1f} s later"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the database -------------------------------------------------------------------------------


def create_database(server: str) -> str:
    """A fresh database on `server`, migrated, with the demo data; its URL."""
    name = f"sagir_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    uow.engine.dispose()
    return url


def drop_database(server: str, url: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def tokens_of(uow: UnitOfWork) -> dict[str, str]:
    now = datetime.now(UTC)
    tokens = SqlTokens(uow)
    made = {
        who: tokens.create(Caller(role=Role.ca_agent, subject=who), "bench", now).token
        for who in AGENTS
    }
    made[AUDITOR] = tokens.create(Caller(role=Role.auditor, subject=AUDITOR), "bench", now).token
    return made


# --- the crash test's checks --------------------------------------------------------------------


@dataclass
class Wrong:
    """What the database and the workflows hold that is not exactly once what was done."""

    tickets: list[str] = field(default_factory=list)  # steps or projection not as worked
    records: list[str] = field(default_factory=list)  # a mail, escalation or audit entry

    def __bool__(self) -> bool:
        return bool(self.tickets or self.records)


def done_twice_or_missing(uow: UnitOfWork, ended: list[Ended]) -> Wrong:
    """tests/e2e/test_worker_kills.py's checks of tickets, on any database: each ticket closed
    after exactly its steps, by its agent, and projected so; each mail owed queued once and no
    other; a late ticket escalated once, no other escalated; each step once in the audit trail,
    from one run, in order."""
    wrong = Wrong()
    supervisors = [
        agent.code for agent in supervisors_on_duty(SqlDirectory(uow).agents()) if agent.email
    ]
    with uow.engine.connect() as db:

        def column(query: str, **parameters: object) -> list[Any]:
            return [row[0] for row in db.execute(text(query), parameters)]

        for done in ended:
            state, plan, ticket = done.state, done.plan, done.state["id"]
            steps = [step["kind"] for step in state["steps"]]
            if steps != plan.steps or state["assignee"] != plan.agent:
                wrong.tickets.append(f"{ticket}: steps {steps}, assignee {state['assignee']}")
            status = column("SELECT status FROM tickets WHERE id = :id", id=ticket)
            projected = column(
                "SELECT kind FROM ticket_steps WHERE ticket_id = :id ORDER BY seq", id=ticket
            )
            if status != ["closed"] or projected != steps:
                wrong.tickets.append(f"{ticket} projected as {status}, steps {projected}")
            # Mail: the requester's notices (its contact was given), the supervisors' breach.
            mails = column(
                "SELECT idempotency_key FROM outbox WHERE idempotency_key LIKE :p", p=f"{ticket}/%"
            )
            expected = [
                f"{ticket}/notice/{step['seq']}"
                for step in state["steps"]
                if step["kind"] in NOTICE_STEPS
            ] + [f"{ticket}/breach/mail/{code}" for code in supervisors if plan.late]
            if sorted(mails) != sorted(expected):
                wrong.records.append(f"{ticket} mails {sorted(mails)}, not {sorted(expected)}")
            escalated = column(
                "SELECT idempotency_key FROM escalations WHERE workflow_id = :id", id=ticket
            )
            if escalated != ([f"{ticket}/breach"] if plan.late else []):
                wrong.records.append(f"{ticket} escalations {escalated}")
            # The audit trail: each step once, in its order, from one run.
            entries = db.execute(
                text("SELECT source_key, action FROM audit_trail WHERE source_key LIKE :p"),
                {"p": f"{ticket}/%"},
            ).all()
            runs = {source.rsplit("/", 2)[1] for source, _ in entries}
            ordered = sorted(entries, key=lambda entry: int(entry[0].rsplit("/", 1)[1]))
            numbers = [int(source.rsplit("/", 1)[1]) for source, _ in ordered]
            kinds = [action.split(".", 1)[1] for _, action in ordered]
            if len(runs) != 1 or numbers != list(range(len(steps))) or kinds != steps:
                wrong.records.append(f"{ticket} in the audit trail: {ordered}, steps {steps}")
    return wrong


async def settled(uow: UnitOfWork, ended: list[Ended]) -> Wrong:
    """The checks, once the projections, the mails and the trail have caught up (or SETTLE
    has passed)."""
    deadline = time.monotonic() + SETTLE
    while True:
        wrong = await asyncio.to_thread(done_twice_or_missing, uow, ended)
        if not wrong or time.monotonic() > deadline:
            return wrong
        await asyncio.sleep(0.5)


async def chain_breaks(doors: Doors) -> int:
    """How many breaks `GET /audit/trail/verify` finds in the audit chain."""
    for _ in range(10):
        response = await doors.call(AUDITOR, "GET", "/audit/trail/verify")
        if response is not None and response.status_code == 200:
            return len(response.json()["breaks"])
        if response is not None:
            raise RuntimeError(f"GET /audit/trail/verify: {response.status_code} {response.text}")
    raise RuntimeError("GET /audit/trail/verify: no answer in 10 tries")


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Measured:
    single: Round
    double: Round
    killed: Round
    wrong_single: Wrong
    wrong_double: Wrong
    breaks_single: int
    breaks_double: int


async def measure(
    url: str, tokens: dict[str, str], count: int, concurrency: int, warm: int
) -> Measured:
    payload_keys, audit_keys = format_keys([new_key()]), format_keys([new_key()])
    port, http_port, metrics_port = free_ports(3)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGIR_", "TEMPORAL_"))}
        env.update(
            SAGIR_HOME=str(home),
            SAGIR_DATABASE_URL=url,
            TEMPORAL_ADDRESS=f"127.0.0.1:{port}",
            SAGIR_PAYLOAD_KEYS=payload_keys,
            SAGIR_AUDIT_KEYS=audit_keys,
            SAGIR_API_WORKERS="1",
        )
        workers = [Service(f"worker {n}", "worker", env, home / f"worker-{n}.log") for n in (1, 2)]
        apis = []
        for n, api_port in enumerate(free_ports(2, avoid=[port, http_port, metrics_port]), 1):
            apis.append(
                Service(
                    f"API {n}",
                    "api",
                    {**env, "SAGIR_API_PORT": str(api_port)},
                    home / f"api-{n}.log",
                    port=api_port,
                )
            )
        async with await WorkflowEnvironment.start_local(
            port=port,
            dev_server_existing_path=str(BIN / "temporal"),
            data_converter=data_converter(parse_keys(payload_keys)),
            dev_server_extra_args=[
                "--log-level",
                "error",
                *engine_port_args(http_port, metrics_port),
            ],
        ):
            clients = [
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.port}", timeout=CALL_TIMEOUT)
                for api in apis
            ]
            uow = UnitOfWork(make_engine(url))
            try:
                return await rounds(uow, workers, apis, clients, tokens, count, concurrency, warm)
            finally:
                for client in clients:
                    await client.aclose()
                for service in [*apis, *workers]:
                    await asyncio.to_thread(service.stop)
                uow.engine.dispose()


async def rounds(
    uow: UnitOfWork,
    workers: list[Service],
    apis: list[Service],
    clients: list[httpx.AsyncClient],
    tokens: dict[str, str],
    count: int,
    concurrency: int,
    warm: int,
) -> Measured:
    # One worker and one API: the anchor.
    workers[0].start()
    apis[0].start()
    await asyncio.gather(workers[0].ready(), apis[0].ready())
    one = Doors(clients[:1], tokens)
    first = await run_round(one, plans(0, warm), concurrency)
    single = await run_round(one, plans(warm, count), concurrency)
    wrong_single = await settled(uow, first.tickets + single.tickets)
    breaks_single = await chain_breaks(one)

    # Two of each, every call to the next API.
    workers[1].start()
    apis[1].start()
    await asyncio.gather(workers[1].ready(), apis[1].ready())
    two = Doors(clients, tokens)
    start = warm + count
    warmed = await run_round(two, plans(start, warm), concurrency)
    double = await run_round(two, plans(start + warm, count), concurrency)

    began = time.perf_counter()
    killed = await run_round(
        two,
        plans(start + warm + count, count),
        concurrency,
        at_half=lambda: workers[1].kill_and_restart(began),
    )
    wrong_double = await settled(uow, warmed.tickets + double.tickets + killed.tickets)
    breaks_double = await chain_breaks(two)
    for surprise in one.surprises + two.surprises:
        print(f"scale-out: unexpected answer: {surprise}", file=sys.stderr)
    return Measured(
        single, double, killed, wrong_single, wrong_double, breaks_single, breaks_double
    )


def reachable(server: str) -> bool:
    try:
        with create_engine(server).connect():
            return True
    except OperationalError:
        return False


def figures(
    quick: bool,
    tickets: int | None = None,
    concurrency: int | None = None,
    postgres: str = POSTGRES,
) -> list[Figure]:
    if not reachable(postgres):
        print(f"scale-out: skipped, PostgreSQL not reachable at {postgres}", file=sys.stderr)
        return []
    count = tickets or (QUICK_TICKETS if quick else TICKETS)
    at_once = concurrency or (QUICK_CONCURRENCY if quick else CONCURRENCY)
    began = time.perf_counter()
    with terminated_as_interrupted():
        url = create_database(postgres)
        try:
            uow = UnitOfWork(make_engine(url))
            tokens = tokens_of(uow)
            uow.engine.dispose()
            warm = QUICK_WARM_UP if quick else WARM_UP
            run = asyncio.run(measure(url, tokens, count, at_once, warm))
        finally:
            drop_database(postgres, url)
    took = time.perf_counter() - began
    for label, wrong in (("1 + 1", run.wrong_single), ("2 + 2", run.wrong_double)):
        for problem in wrong.tickets + wrong.records:
            print(f"scale-out, {label}: {problem}", file=sys.stderr)
    wrong_tickets = len(run.wrong_double.tickets)
    wrong_records = len(run.wrong_double.records)
    interrupted = ", ".join(f"{n} {why}" for why, n in sorted(run.killed.interrupted.items()))
    return [
        Figure(
            "lifecycles/s, 2 workers + 2 APIs, PostgreSQL",
            run.double.rate,
            "/s",
            "1 worker + 1 API, same N",
            run.single.rate,
            note=f"{count} lifecycles a round, {at_once} at a time; whole run {took:.0f} s",
        ),
        Figure(
            "lifecycles/s, 2 + 2, a worker killed -9 mid-run",
            run.killed.rate,
            "/s",
            "2 + 2, none killed",
            run.double.rate,
            note=f"{'; '.join(run.killed.kills)}; calls interrupted: {interrupted or 'none'}",
        ),
        Figure(
            "slowest lifecycle, a worker killed mid-run",
            run.killed.slowest,
            "s",
            "2 + 2, none killed",
            run.double.slowest,
        ),
        Figure(
            "2 + 2: tickets not closed after exactly their steps",
            wrong_tickets,
            "",
            "1 + 1",
            len(run.wrong_single.tickets),
            target="0",
            met=wrong_tickets == 0 and not run.wrong_single.tickets,
        ),
        Figure(
            "2 + 2: mails, escalations, audit entries twice or missing",
            wrong_records,
            "",
            "1 + 1",
            len(run.wrong_single.records),
            target="0",
            met=wrong_records == 0 and not run.wrong_single.records,
        ),
        Figure(
            "2 + 2: audit chain breaks",
            run.breaks_double,
            "",
            "1 + 1",
            run.breaks_single,
            target="0",
            met=run.breaks_double == 0 and run.breaks_single == 0,
        ),
    ]


@contextlib.contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """SIGTERM (a bench stopped from outside) is taken as Ctrl-C, so the desk's processes are
    stopped and the database dropped on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, help=f"lifecycles a round ({TICKETS})")
    parser.add_argument("--concurrency", type=int, help=f"at a time ({CONCURRENCY})")
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few tickets")
    parser.add_argument("--postgres", default=POSTGRES, help="a server to make a database on")
    args = parser.parse_args()
    rows = figures(args.quick, args.tickets, args.concurrency, args.postgres)
    print_table(rows)
    if any(row.met is False for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
