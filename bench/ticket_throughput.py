"""How fast one worker runs ticket lifecycles on the dev server, beside a minimal workflow of the
same shape in the same run (issue 17's target: at least 0.8x its rate). bench/deadlines.py
measures the deadlines.

    make bench        (or: .venv/bin/python bench/ticket_throughput.py [--tickets N])

A lifecycle is: open, take, propose, check, return, close (a start and five updates, each step
projected to SQLite by an activity). The minimal workflow has the same start and five updates,
each followed by a no-op activity, and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from table import Figure, at_least, print_table  # noqa: E402  (beside this script)

from adapters.database import UnitOfWork, make_engine  # noqa: E402
from adapters.demo_data import load_demo_data  # noqa: E402
from adapters.schema import migrate  # noqa: E402
from adapters.sealed_mail import MailKeys  # noqa: E402
from adapters.sql_contacts import SqlContacts  # noqa: E402
from adapters.sql_counters import SqlCounters  # noqa: E402
from adapters.sql_directory import SqlDirectory  # noqa: E402
from adapters.sql_sagir_erp import SqlSagirErp  # noqa: E402
from adapters.sql_ticket_records import SqlTicketRecords  # noqa: E402
from models.service_calendar import ServiceCalendar  # noqa: E402
from models.sla import Channel  # noqa: E402
from models.tickets import (  # noqa: E402
    CheckQuality,
    CloseTicket,
    ProposeSolution,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
)
from starter.client import data_converter, register_search_attributes  # noqa: E402
from starter.desks.engine import TemporalEngine  # noqa: E402
from starter.desks.tickets import TicketDesk  # noqa: E402
from starter.keys import new_key  # noqa: E402
from starter.ports import engine_port_args, free_ports  # noqa: E402
from starter.settings import Settings  # noqa: E402
from worker import activities_on, build_worker  # noqa: E402
from workflows.registry import WORKFLOWS  # noqa: E402

TARGET_RATIO = 0.8  # issue 17: lifecycles at least 0.8x the minimal workflow's rate


@activity.defn
def noop_step(step: int) -> int:
    return step


# Unsandboxed: a workflow defined in a script cannot be re-imported by the sandbox. That makes
# the baseline a little faster than a sandboxed one would be.
@workflow.defn(sandboxed=False)
class MinimalFiveStep:
    def __init__(self) -> None:
        self.steps = 0
        self.done = 0

    @workflow.run
    async def run(self) -> int:
        while self.done < 5:
            await workflow.wait_condition(lambda: self.steps > self.done)
            self.done = await workflow.execute_activity(
                noop_step, self.done + 1, start_to_close_timeout=timedelta(seconds=30)
            )
        return self.done

    @workflow.update
    def step(self) -> int:
        self.steps += 1
        return self.steps


async def lifecycles(desk: TicketDesk, count: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            t = await desk.open(
                TicketRequest(
                    mo="MTQ",
                    channel=Channel.email,
                    requester="bench",
                    subject="bench",
                    description="bench",
                    module="RF",
                )
            )
            await desk.act("take", t.id, TakeTicket(agent="agent-tremblay"))
            await desk.act("propose", t.id, ProposeSolution(agent="agent-tremblay", solution="s"))
            await desk.act("check_quality", t.id, CheckQuality(agent="agent-gagnon", approved=True))
            await desk.act("return_to_client", t.id, ReturnToClient(agent="agent-tremblay"))
            await desk.act("close", t.id, CloseTicket(agent="agent-tremblay"))

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started)


async def minimal(env: WorkflowEnvironment, queue: str, count: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            handle = await env.client.start_workflow(
                MinimalFiveStep.run, id=f"bench-{uuid.uuid4()}", task_queue=queue
            )
            for _ in range(5):
                await handle.execute_update(MinimalFiveStep.step)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started)


async def measure(tickets: int, concurrency: int, warm_up: int = 20) -> tuple[float, float]:
    """Lifecycles per second, and the minimal workflows' per second."""
    temporal = Path(sys.executable).parent / "temporal"
    payload_key = new_key()  # one run's key: nothing it seals outlives the run
    port, http_port, metrics_port = free_ports(3)
    env = await WorkflowEnvironment.start_local(
        port=port,
        dev_server_existing_path=str(temporal),
        data_converter=data_converter([payload_key]),
        dev_server_extra_args=["--log-level", "error", *engine_port_args(http_port, metrics_port)],
    )
    async with env:
        await register_search_attributes(env.client)
        with tempfile.TemporaryDirectory() as folder:
            uow = UnitOfWork(make_engine(f"sqlite:///{folder}/bench.db"))
            migrate(uow.engine)
            load_demo_data(SqlDirectory(uow), SqlSagirErp(uow))
            queue = f"bench-{uuid.uuid4()}"
            both = build_worker(
                env.client,
                queue,
                [
                    *activities_on(
                        uow,
                        ServiceCalendar(),
                        Settings().audit_keys,
                        MailKeys.of([(payload_key.key_id, payload_key.secret)]),
                    ),
                    noop_step,
                ],
                workflows=[*WORKFLOWS, MinimalFiveStep],
            )
            desk = TicketDesk(
                TemporalEngine(env.client, queue),
                ServiceCalendar(),
                SqlDirectory(uow),
                # With the payload keys, as deployed: tickets are read from the records.
                SqlTicketRecords(uow, MailKeys.of([(payload_key.key_id, payload_key.secret)])),
                SqlCounters(uow),
                SqlContacts(uow, MailKeys.of([(payload_key.key_id, payload_key.secret)])),
            )
            async with both:
                await lifecycles(desk, warm_up, concurrency)
                await minimal(env, queue, warm_up, concurrency)
                ticket_rate = await lifecycles(desk, tickets, concurrency)
                minimal_rate = await minimal(env, queue, tickets, concurrency)
            uow.engine.dispose()
    return ticket_rate, minimal_rate


def figures_of(ticket_rate: float, minimal_rate: float, judged: bool = True) -> list[Figure]:
    return [
        Figure(
            "ticket lifecycles (open..close), one worker",
            ticket_rate,
            "/s",
            "minimal five-update workflow",
            minimal_rate,
            target=f"≥ {TARGET_RATIO}× the anchor",
            met=at_least(ticket_rate, TARGET_RATIO * minimal_rate, judged),
        )
    ]


def figures(quick: bool) -> list[Figure]:
    if quick:
        return figures_of(*asyncio.run(measure(10, 5, warm_up=3)), judged=False)
    return figures_of(*asyncio.run(measure(300, 20)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    ticket_rate, minimal_rate = asyncio.run(measure(args.tickets, args.concurrency))
    print(f"ticket lifecycles (open..close) per second, one worker: {ticket_rate:.1f}")
    print(f"minimal five-update workflows per second, same run:   {minimal_rate:.1f}")
    print_table(figures_of(ticket_rate, minimal_rate))


if __name__ == "__main__":
    main()
