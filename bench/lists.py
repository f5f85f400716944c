"""How fast the lists answer under load: `GET /queue` and `GET /tickets` with 5,000 open tickets
in the desk's records and 50 clients at once, beside the anchor measured in the same run: the
bare `/health` route of the same app, same server, same clients. The server is `sagir-desk api`
as deployed (on a Temporal dev server of its own, SAGIR_API_WORKERS processes); the clients are
wrk (in C, Debian's `wrk` package), so they cost the server little.

    python bench/lists.py [--tickets 5000] [--clients 50] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.database import UnitOfWork, make_engine  # noqa: E402
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
from starter.ports import engine_port_args, free_ports  # noqa: E402


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
    assert "Non-2xx" not in done, done
    found = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", done, re.MULTILINE))
    return _seconds(found["50"]), _seconds(found["99"])


def _seconds(text: str) -> float:
    for unit, factor in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if text.endswith(unit):
            return float(text.removesuffix(unit)) * factor
    raise ValueError(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    args = parser.parse_args()
    bin_folder = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{home}/sagir.db"
        uow = UnitOfWork(make_engine(url))
        migrate(uow.engine)
        token = seed(uow, args.tickets)
        uow.engine.dispose()
        port, engine_port, http_port, metrics_port = free_ports(4)
        engine = subprocess.Popen(
            [
                str(bin_folder / "temporal"),
                "server",
                "start-dev",
                "--headless",
                "--port",
                str(engine_port),
                *engine_port_args(http_port, metrics_port),
                "--log-level",
                "error",
            ],
            stdout=subprocess.DEVNULL,
        )
        env = {
            **os.environ,
            "SAGIR_HOME": home,
            "SAGIR_DATABASE_URL": url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{engine_port}",
            "SAGIR_API_PORT": str(port),
            "SAGIR_API_WORKERS": str(args.workers),
        }
        time.sleep(3)  # the dev server starts in a second or two
        server = subprocess.Popen([str(bin_folder / "sagir-desk"), "api"], env=env)
        try:
            for _ in range(100):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            wrk(port, "/queue", token, args.clients, 2)  # warm-up
            rows = [
                (label, *wrk(port, path, token, args.clients, args.seconds))
                for label, path in (
                    ("/health (anchor)", "/health"),
                    ("/queue", "/queue"),
                    ("/tickets", "/tickets"),
                )
            ]
        finally:
            server.terminate()
            server.wait()
            engine.terminate()
            engine.wait()
    print(
        f"lists under load: {args.tickets} open tickets, {args.clients} clients, "
        f"{args.seconds} s each (wrk), {args.workers} API process(es) on SQLite"
    )
    anchor = rows[0][2]
    for label, p50, p99 in rows:
        print(
            f"  {label:<18} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
            f"(p99 {p99 / anchor:4.1f}x the anchor's)"
        )


if __name__ == "__main__":
    if shutil.which("wrk") is None:
        print("lists under load: skipped, wrk is missing (Debian: apt-get install -y wrk)")
    else:
        main()
