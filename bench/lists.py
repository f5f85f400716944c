"""How fast the desk reads under load: `GET /tickets/{id}`, `GET /queue` and `GET /tickets` with
5,000 open tickets in the desk's records, 10 and 50 clients at once, beside the anchor measured
in the same run: the bare `/health` route of the same app, same server, same clients.

The server is `sagir-desk api` as deployed (SAGIR_API_WORKERS processes) on a Temporal dev
server of its own, with the desk's worker running: a few tickets are opened for real through
`POST /tickets`, and `GET /tickets/{id}` reads one of them (its workflow runs, in case the read
asks it). The clients are wrk (in C, Debian's `wrk` package), so they cost the server little.

    python bench/lists.py [--tickets 5000] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desk_processes import desk_processes  # noqa: E402  (beside this script)
from table import Figure, at_most, print_table  # noqa: E402

from adapters.database import CounterRow, TicketRow, UnitOfWork, make_engine  # noqa: E402
from adapters.demo_data import load_demo_data  # noqa: E402
from adapters.schema import migrate  # noqa: E402
from adapters.sql_directory import SqlDirectory  # noqa: E402
from adapters.sql_sagir_erp import SqlSagirErp  # noqa: E402
from adapters.sql_sga import SqlSga  # noqa: E402
from adapters.sql_ticket_records import SqlTicketRecords  # noqa: E402
from adapters.sql_tokens import SqlTokens  # noqa: E402
from models.roles import Caller, Role  # noqa: E402
from models.sla import Channel  # noqa: E402
from models.tickets import TicketRecord, TicketStatus  # noqa: E402

REAL_TICKETS = 3
# Issue 17's targets.
SHOW_RATIO = 2.0  # GET /tickets/{id} p50 within 2x the bare route's
QUEUE_P99 = 0.100  # seconds, GET /queue at 50 clients


def seed(uow: UnitOfWork, count: int) -> str:
    """`count` tickets waiting to be taken, as their workflows' projection records them; the
    token of an agent."""
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    records = SqlTicketRecords(uow)
    now = datetime.now(UTC)
    for n in range(1, count + 1):
        records.record(
            TicketRecord(
                id=f"T-2026-{n:06d}",
                mo=("MTQ", "MSSS", "MELCCFP")[n % 3],
                channel=Channel.phone if n % 7 == 0 else Channel.email,
                urgent=n % 7 == 0,
                status=TicketStatus.received,
                received_at=now - timedelta(minutes=n),
                due=now + timedelta(minutes=count - n),
                taken_at=None,
                assignee=None,
                breached=False,
                version=1,
                steps=[],
                requester=f"user-{n % 40}",
            )
        )
    agent = Caller(role=Role.ca_agent, subject="agent-tremblay")
    return SqlTokens(uow).create(agent, "bench", now).token


def prepare(url: str, tickets: int) -> str:
    """The schema, `tickets` seeded records, the ticket counter moved past them (the tickets
    opened for real get numbers of their own); an agent's token."""
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    token = seed(uow, tickets)
    with uow.begin() as session:
        for year in {2026, datetime.now(UTC).year}:
            session.merge(CounterRow(series=f"T-{year}", last_number=tickets))
    uow.engine.dispose()
    return token


def recorded(url: str, ticket_ids: list[str], budget: float = 60.0) -> None:
    """Wait until the desk's records hold every one of `ticket_ids` (their projection)."""
    engine = make_engine(url)
    deadline = time.monotonic() + budget
    try:
        while True:
            with engine.connect() as connection:
                found = connection.execute(
                    select(func.count()).select_from(TicketRow).where(TicketRow.id.in_(ticket_ids))
                ).scalar_one()
            if found == len(ticket_ids):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(ticket_ids) - found} tickets never recorded")
            time.sleep(0.2)
    finally:
        engine.dispose()


def open_real_tickets(base: str, token: str, count: int) -> list[str]:
    """Tickets opened through the API (on a caller's behalf), their workflows run by the
    worker; their numbers."""
    with httpx.Client(base_url=base, timeout=60) as http:
        opened = []
        for n in range(count):
            answer = http.post(
                "/tickets",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "mo": "MTQ",
                    "channel": "email",
                    "requester": "user-mtq",
                    "subject": f"Accès LSA refusé ({n + 1})",
                    "description": "Le portail LSA refuse mon mot de passe depuis ce matin.",
                    "module": "LS",
                },
            )
            if answer.status_code != 201:
                raise RuntimeError(f"POST /tickets answered {answer.status_code}: {answer.text}")
            opened.append(str(answer.json()["id"]))
    return opened


def wrk(port: int, path: str, token: str, clients: int, seconds: int) -> tuple[float, float]:
    """p50 and p99, in seconds."""
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in done:
        raise RuntimeError(f"GET {path} answered other than 2xx under load:\n{done}")
    found = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", done, re.MULTILINE))
    return _seconds(found["50"]), _seconds(found["99"])


def _seconds(text: str) -> float:
    for unit, factor in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if text.endswith(unit):
            return float(text.removesuffix(unit)) * factor
    raise ValueError(text)


@dataclass(frozen=True)
class Latency:
    label: str
    clients: int
    p50: float
    p99: float


@dataclass(frozen=True)
class Lists:
    tickets: int
    seconds: int
    workers: int
    ticket: str  # the ticket GET /tickets/{id} read
    rows: list[Latency]

    def of(self, label: str, clients: int) -> Latency:
        return next(row for row in self.rows if row.label == label and row.clients == clients)


ROUTES = (
    # label, path (the ticket's number in place of {id}), client counts
    ("/health", "/health", (10, 50)),
    ("/tickets/{id}", "/tickets/{id}", (10, 50)),
    ("/queue", "/queue", (10, 50)),
    ("/tickets", "/tickets", (50,)),
)


def measure(tickets: int, seconds: int, workers: int) -> Lists:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        url = f"sqlite:///{home}/sagir.db"
        token = prepare(url, tickets)
        with desk_processes(home, url, worker=True, api_workers=workers) as desk:
            opened = open_real_tickets(desk.base, token, REAL_TICKETS)
            recorded(url, opened)
            ticket = opened[0]
            wrk(desk.api_port, "/queue", token, 50, 2)  # warm-up
            wrk(desk.api_port, f"/tickets/{ticket}", token, 10, 2)
            rows = [
                Latency(
                    label,
                    clients,
                    *wrk(desk.api_port, path.replace("{id}", ticket), token, clients, seconds),
                )
                for clients in (10, 50)
                for label, path, counts in ROUTES
                if clients in counts
            ]
    return Lists(tickets, seconds, workers, ticket, rows)


def figures_of(found: Lists, judged: bool = True) -> list[Figure]:
    ms = 1000
    on = f"{found.tickets:,} tickets"
    rows = []
    for clients in (10, 50):
        bare = found.of("/health", clients)
        show = found.of("/tickets/{id}", clients)
        rows.append(
            Figure(
                f"GET /tickets/{{id}} p50, {clients} clients, {on}",
                show.p50 * ms,
                "ms",
                f"GET /health p50, {clients} clients",
                bare.p50 * ms,
                target=f"≤ {SHOW_RATIO:.0f}× the anchor",
                met=at_most(show.p50, SHOW_RATIO * bare.p50, judged),
            )
        )
    for clients in (10, 50):
        bare, queue = found.of("/health", clients), found.of("/queue", clients)
        rows.append(
            Figure(
                f"GET /queue p50, {clients} clients, {on}",
                queue.p50 * ms,
                "ms",
                f"GET /health p50, {clients} clients",
                bare.p50 * ms,
            )
        )
    bare, queue = found.of("/health", 50), found.of("/queue", 50)
    rows.append(
        Figure(
            f"GET /queue p99, 50 clients, {on}",
            queue.p99 * ms,
            "ms",
            "GET /health p99, 50 clients",
            bare.p99 * ms,
            target=f"≤ {QUEUE_P99 * ms:.0f} ms",
            met=at_most(queue.p99, QUEUE_P99, judged),
        )
    )
    listed = found.of("/tickets", 50)
    rows.append(
        Figure(
            f"GET /tickets p99, 50 clients, {on}",
            listed.p99 * ms,
            "ms",
            "GET /health p99, 50 clients",
            bare.p99 * ms,
        )
    )
    return rows


def figures(quick: bool) -> list[Figure]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing (Debian: apt-get install -y wrk)")
    if quick:
        return figures_of(measure(tickets=300, seconds=1, workers=1), judged=False)
    return figures_of(measure(tickets=5000, seconds=10, workers=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    args = parser.parse_args()
    found = measure(args.tickets, args.seconds, args.workers)
    print(
        f"reads under load: {found.tickets:,} open tickets in the records, {REAL_TICKETS} opened "
        f"through the API (GET /tickets/{{id}} reads {found.ticket}); {found.seconds} s each "
        f"(wrk), {found.workers} API process(es) on SQLite, the worker running"
    )
    for row in found.rows:
        print(
            f"  {row.label:<16}{row.clients:>3} clients   p50 {row.p50 * 1000:7.1f} ms   "
            f"p99 {row.p99 * 1000:7.1f} ms"
        )
    print_table(figures_of(found))


if __name__ == "__main__":
    if shutil.which("wrk") is None:
        print("reads under load: skipped, wrk is missing (Debian: apt-get install -y wrk)")
    else:
        main()
