"""How much memory the desk's worker holds with 5,000 open tickets parked on their timers, beside
the anchor measured in the same run: a worker of the SDK alone holding as many minimal workflows
parked on a long timer (bench/parked_sleeper.py).

Each side has a dev server of its own (in memory) and its worker as its own process, as
deployed. The tickets are opened through the desk (email requests, so no deadline falls during
the run); once the desk's records hold them all and the worker has used no CPU for a few
seconds, they are parked, and the worker's resident memory (VmRSS) is read from /proc. The
minimal workflows are started straight on the engine and read the same way. Both workers keep
the SDK's default cache (1,000 workflows): the others wait on the engine, not in memory.

    python bench/worker_memory.py [--tickets 5000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desk_processes import (  # noqa: E402  (beside this script)
    desk_env,
    desk_processes,
    engine_only,
    process,
    rss_mb,
    settings_of,
    wait_for,
    wait_until_idle,
)
from lists import prepare  # noqa: E402
from parked_sleeper import ParkedSleeper  # noqa: E402
from table import Figure, at_most, print_table  # noqa: E402

from adapters.database import TicketRow, UnitOfWork, make_engine  # noqa: E402
from models.sla import Channel  # noqa: E402
from models.tickets import TicketRequest  # noqa: E402
from starter.client import connect  # noqa: E402
from starter.desks.compose import build_desks  # noqa: E402
from starter.settings import Settings  # noqa: E402

TARGET_RATIO = 1.5  # issue 17: the desk's worker within 1.5x the minimal one's
BENCH = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Memory:
    """Megabytes resident (VmRSS) once every workflow is parked."""

    count: int
    worker_idle: float  # the worker before any workflow
    worker: float
    engine: float
    seconds: float  # to start them all


async def at_most_together(starts: list[Callable[[], Awaitable[object]]], together: int) -> float:
    gate = asyncio.Semaphore(together)

    async def one(start: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            await start()

    began = time.perf_counter()
    await asyncio.gather(*(one(start) for start in starts))
    return time.perf_counter() - began


def ticket_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(TicketRow)).scalar_one())
    finally:
        engine.dispose()


async def open_tickets(settings: Settings, count: int, together: int) -> float:
    client = await connect(settings)
    uow = UnitOfWork(make_engine(settings.database_url))
    desk = build_desks(settings, client, uow).tickets
    request = TicketRequest(
        mo="MTQ",
        channel=Channel.email,
        requester="user-mtq",
        subject="Accès LSA refusé",
        description="Le portail LSA refuse mon mot de passe depuis ce matin.",
        module="LS",
    )
    try:
        return await at_most_together([lambda: desk.open(request)] * count, together)
    finally:
        uow.engine.dispose()


def tickets_parked(count: int, together: int) -> Memory:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        url = f"sqlite:///{home}/sagir.db"
        prepare(url, 0)
        with desk_processes(home, url, worker=True) as desk:
            assert desk.worker is not None
            wait_until_idle(desk.worker.pid)
            idle = rss_mb(desk.worker.pid)
            seconds = asyncio.run(open_tickets(settings_of(desk.env), count, together))
            deadline = time.monotonic() + 600
            while ticket_count(url) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{count - ticket_count(url)} tickets never recorded")
                time.sleep(0.5)
            wait_until_idle(desk.worker.pid)
            return Memory(count, idle, rss_mb(desk.worker.pid), rss_mb(desk.engine.pid), seconds)


async def start_sleepers(address: str, queue: str, count: int, together: int) -> float:
    from temporalio.client import Client

    client = await Client.connect(address)

    def start() -> Awaitable[object]:
        return client.start_workflow(
            ParkedSleeper.run, id=f"parked-{uuid.uuid4()}", task_queue=queue
        )

    return await at_most_together([start] * count, together)


def minimal_parked(count: int, together: int) -> Memory:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        with engine_only(home) as (engine, engine_port):
            address, queue = f"127.0.0.1:{engine_port}", f"parked-{uuid.uuid4()}"
            env = desk_env(home, "", engine_port)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH")]))
            command = [
                sys.executable,
                "-c",
                "import parked_sleeper; parked_sleeper.main()",
                address,
                queue,
            ]
            log = home / "parked-worker.log"
            with process(command, env, log) as worker:
                wait_for(
                    "the minimal worker",
                    lambda: "worker running" in log.read_text(errors="replace"),
                    log,
                    worker,
                )
                wait_until_idle(worker.pid)
                idle = rss_mb(worker.pid)
                seconds = asyncio.run(start_sleepers(address, queue, count, together))
                wait_until_idle(worker.pid)
                return Memory(count, idle, rss_mb(worker.pid), rss_mb(engine.pid), seconds)


def measure(count: int, together: int) -> tuple[Memory, Memory]:
    return tickets_parked(count, together), minimal_parked(count, 50)


def figures_of(tickets: Memory, minimal: Memory, judged: bool = True) -> list[Figure]:
    on = f"{tickets.count:,} parked"
    return [
        Figure(
            f"worker RSS, {tickets.count:,} open tickets parked",
            tickets.worker,
            "MB",
            f"minimal worker RSS, {on}",
            minimal.worker,
            target=f"≤ {TARGET_RATIO}× the anchor",
            met=at_most(tickets.worker, TARGET_RATIO * minimal.worker, judged),
        ),
        Figure(
            f"dev server RSS, {tickets.count:,} open tickets",
            tickets.engine,
            "MB",
            f"dev server RSS, {minimal.count:,} minimal",
            minimal.engine,
        ),
    ]


def figures(quick: bool) -> list[Figure]:
    count = 100 if quick else 5000
    return figures_of(*measure(count, 20), judged=not quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=20, help="tickets opened at once")
    args = parser.parse_args()
    tickets, minimal = measure(args.tickets, args.concurrency)
    print(
        f"worker memory: {tickets.count:,} email tickets opened through the desk in "
        f"{tickets.seconds:.0f} s ({tickets.count / tickets.seconds:.0f}/s), beside "
        f"{minimal.count:,} minimal sleepers started in {minimal.seconds:.0f} s; the workers "
        f"before any workflow: {tickets.worker_idle:.0f} MB (desk), {minimal.worker_idle:.0f} "
        "MB (minimal)"
    )
    print_table(figures_of(tickets, minimal))


if __name__ == "__main__":
    main()
