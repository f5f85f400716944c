"""How big a ticket's history grows over 100 steps on the dev server, beside a minimal workflow
with the same number of updates in the same run, and the targets of issue 17.

    make bench        (or: .venv/bin/python bench/ticket_history.py [--steps N])

The ticket is opened through the desk and taken through `--steps` steps, its `received` step
included: take, then questions to the client and their answers alternating with forwards to a
DGGIR pilot and their returns, then propose, check, return and close. Once it has settled (no
activity pending, the history still for a second), its history is fetched: the events, and the
bytes of the serialized history (protobuf, the payloads as the engine keeps them: sealed by the
codec). The anchor has the same start and as many updates (one per step after `received`),
each returning a small value and followed by one no-op activity, and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from table import Figure, at_most, print_table  # noqa: E402  (beside this script)

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
    AskClient,
    BringBack,
    CheckQuality,
    CloseTicket,
    ForwardTarget,
    ForwardTicket,
    ProposeSolution,
    RecordAnswer,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
)
from starter.client import data_converter, register_search_attributes  # noqa: E402
from starter.desks.auditor import run_histories  # noqa: E402
from starter.desks.engine import TemporalEngine  # noqa: E402
from starter.desks.tickets import TicketDesk  # noqa: E402
from starter.keys import new_key  # noqa: E402
from starter.ports import engine_port_args, free_ports  # noqa: E402
from starter.settings import Settings  # noqa: E402
from worker import activities_on, build_worker  # noqa: E402
from workflows.registry import WORKFLOWS  # noqa: E402

AGENT, CHECKER, PILOT = "agent-tremblay", "agent-gagnon", "pilote-dggir"
# Issue 17's targets for a 100-step ticket.
TARGET_EVENTS, TARGET_BYTES = 250, 150_000
QUIET = 1.0  # seconds the history must stay still to count as settled


@activity.defn
def noop_step(step: int) -> int:
    return step


# Unsandboxed: a workflow defined in a script cannot be re-imported by the sandbox.
@workflow.defn(sandboxed=False)
class MinimalSteps:
    """The anchor: `updates` updates, each returning a small value and followed by one no-op
    activity (or, for the engine's floor, by none)."""

    def __init__(self) -> None:
        self.steps = 0
        self.done = 0

    @workflow.run
    async def run(self, updates: int, activities: bool) -> int:
        while self.done < updates:
            await workflow.wait_condition(lambda: self.steps > self.done)
            if not activities:
                self.done = self.steps
                continue
            self.done = await workflow.execute_activity(
                noop_step, self.done + 1, start_to_close_timeout=timedelta(seconds=30)
            )
        return self.done

    @workflow.update
    def step(self) -> int:
        self.steps += 1
        return self.steps


@dataclass(frozen=True)
class Size:
    """A workflow's history over all its runs (a run continued-as-new starts a new history)."""

    runs: int
    events: int
    bytes: int
    largest_run: tuple[int, int]  # the events and bytes of its largest run
    largest_event: int  # bytes
    seconds: float  # wall time of the steps

    @classmethod
    async def of(cls, client: Client, workflow_id: str, seconds: float) -> Size:
        runs: list[tuple[int, int]] = []
        largest = 0
        for history in await run_histories(client, workflow_id):
            runs.append(
                (len(history.events), len(History(events=history.events).SerializeToString()))
            )
            largest = max(largest, *(event.ByteSize() for event in history.events))
        return cls(
            runs=len(runs),
            events=sum(events for events, _ in runs),
            bytes=sum(size for _, size in runs),
            largest_run=max(runs, key=lambda run: run[1]),
            largest_event=largest,
            seconds=seconds,
        )


def ticket_steps(count: int) -> list[tuple[str, Any]]:
    """`count` steps, `received` included: take, pairs of (ask, answer) and (forward, back)
    alternating, then propose, check, return and close."""
    pairs = (count - 6) // 2
    steps: list[tuple[str, Any]] = [("take", TakeTicket(agent=AGENT))]
    for n in range(pairs):
        if n % 2 == 0:
            steps += [
                ("ask_client", AskClient(agent=AGENT, question=f"Question {n}: which MO code?")),
                ("record_answer", RecordAnswer(by="client", answer=f"Answer {n}: MTQ.")),
            ]
        else:
            steps += [
                (
                    "forward",
                    ForwardTicket(
                        agent=AGENT,
                        target=ForwardTarget.dggir_pilot,
                        to=PILOT,
                        note=f"Forward {n}: please check the role.",
                    ),
                ),
                ("bring_back", BringBack(by=PILOT, note=f"Back {n}: the role is right.")),
            ]
    return steps + [
        ("propose", ProposeSolution(agent=AGENT, solution="The role was granted again.")),
        ("check_quality", CheckQuality(agent=CHECKER, approved=True)),
        ("return_to_client", ReturnToClient(agent=AGENT)),
        ("close", CloseTicket(agent=AGENT)),
    ]


async def settled(handle: WorkflowHandle[Any, Any], budget: float = 60.0) -> None:
    """Wait until no activity is pending and the history has not grown for QUIET seconds."""
    deadline, seen = time.monotonic() + budget, -1
    while time.monotonic() < deadline:
        described = await handle.describe()
        events = described.raw_description.workflow_execution_info.history_length
        if events == seen and not described.raw_description.pending_activities:
            return
        seen = events
        await asyncio.sleep(QUIET)
    raise SystemExit(f"{handle.id} did not settle in {budget:.0f} s")


async def one_ticket(desk: TicketDesk, client: Client, count: int) -> Size:
    ticket = await desk.open(
        TicketRequest(
            mo="MTQ",
            channel=Channel.email,
            requester="bench",
            subject="A role lost after a transfer",
            description="The employee cannot approve timesheets since their transfer.",
            module="RF",
        )
    )
    started = time.perf_counter()
    for name, step in ticket_steps(count):
        state = await desk.act(name, ticket.id, step)
    seconds = time.perf_counter() - started
    if state.version != count:
        raise SystemExit(f"{ticket.id} has {state.version} steps, not {count}")
    await settled(client.get_workflow_handle(ticket.id))
    return await Size.of(client, ticket.id, seconds)


async def one_minimal(client: Client, queue: str, updates: int, activities: bool) -> Size:
    handle = await client.start_workflow(
        MinimalSteps.run,
        args=[updates, activities],
        id=f"bench-{uuid.uuid4()}",
        task_queue=queue,
    )
    started = time.perf_counter()
    for _ in range(updates):
        await handle.execute_update(MinimalSteps.step)
    seconds = time.perf_counter() - started
    await handle.result()
    return await Size.of(client, handle.id, seconds)


def line(name: str, size: Size, anchor: Size | None = None) -> str:
    text = (
        f"  {name:<38}{size.events:>7,} {size.bytes:>11,} {size.largest_event:>9,} "
        f"{size.runs:>5} {size.seconds:>8.1f}"
    )
    if anchor is not None:
        text += (
            f"   {size.events / anchor.events:.1f}x events, {size.bytes / anchor.bytes:.1f}x bytes"
        )
    return text


def verdict(value: int, target: int) -> str:
    return "met" if value <= target else "missed"


async def measure(steps: int) -> tuple[Size, Size, Size]:
    """The ticket's history; the minimal workflow's with a no-op activity after each update;
    the minimal workflow's with none (the engine's floor)."""
    temporal = Path(sys.executable).parent / "temporal"
    payload_key = new_key()  # one run's key: nothing it seals outlives the run
    mail_keys = MailKeys.of([(payload_key.key_id, payload_key.secret)])
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
                    *activities_on(uow, ServiceCalendar(), Settings().audit_keys, mail_keys),
                    noop_step,
                ],
                workflows=[*WORKFLOWS, MinimalSteps],
            )
            desk = TicketDesk(
                TemporalEngine(env.client, queue),
                ServiceCalendar(),
                SqlDirectory(uow),
                SqlTicketRecords(uow, mail_keys),  # as deployed: tickets read from the records
                SqlCounters(uow),
                SqlContacts(uow, mail_keys),
            )
            async with both:
                ticket = await one_ticket(desk, env.client, steps)
                minimal = await one_minimal(env.client, queue, steps - 1, True)
                floor = await one_minimal(env.client, queue, steps - 1, False)
            uow.engine.dispose()
    return ticket, minimal, floor


def figures_of(steps: int, ticket: Size, minimal: Size) -> list[Figure]:
    """The targets hold for 100 steps: another count's rows say so and are not judged. They are
    judged on the largest run (what the engine replays and limits: a long ticket continues as
    new, so no run grows with its steps); the sums over every run are shown beside, unjudged."""
    judged = steps == 100
    anchor = f"minimal, {steps - 1} updates + no-op activity"
    run_events, run_bytes = ticket.largest_run
    return [
        Figure(
            f"{steps}-step ticket's history, largest run, events",
            run_events,
            "events",
            anchor,
            minimal.events,
            target=f"≤ {TARGET_EVENTS} events (100 steps)",
            met=at_most(run_events, TARGET_EVENTS, judged),
        ),
        Figure(
            f"{steps}-step ticket's history, largest run, bytes",
            run_bytes / 1000,
            "KB",
            anchor,
            minimal.bytes / 1000,
            target=f"≤ {TARGET_BYTES // 1000} KB (100 steps)",
            met=at_most(run_bytes, TARGET_BYTES, judged),
            note=f"{ticket.runs} run(s) (continued as new)",
        ),
        Figure(
            f"{steps}-step ticket's history, all runs, events",
            ticket.events,
            "events",
            anchor,
            minimal.events,
        ),
        Figure(
            f"{steps}-step ticket's history, all runs, bytes",
            ticket.bytes / 1000,
            "KB",
            anchor,
            minimal.bytes / 1000,
        ),
    ]


def figures(quick: bool) -> list[Figure]:
    steps = 20 if quick else 100
    ticket, minimal, _ = asyncio.run(measure(steps))
    return figures_of(steps, ticket, minimal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="an even number, at least 6")
    args = parser.parse_args()
    if args.steps < 6 or args.steps % 2:
        parser.error("--steps: an even number, at least 6 (received, take, ..., close)")
    ticket, minimal, floor = asyncio.run(measure(args.steps))
    updates = args.steps - 1
    print(
        f"history of one ticket through {args.steps} steps (received, take, "
        f"{(args.steps - 6) // 2} question/answer and forward/back pairs, propose, check, "
        "return, close), one worker, dev server; bytes: the serialized history (protobuf)"
    )
    print(f"  {'':<38}{'events':>7} {'bytes':>11} {'largest':>9} {'runs':>5} {'steps s':>8}")
    print(line("ticket", ticket, minimal))
    print(line(f"minimal, {updates} updates + no-op activity", minimal))
    print(line(f"minimal, {updates} updates, no activity", floor))
    run_events, run_bytes = ticket.largest_run
    if args.steps != 100:
        print("  target (issue 17, for 100 steps): run with --steps 100 to compare")
    else:
        print(
            f"  target (issue 17): <= {TARGET_EVENTS} events, <= {TARGET_BYTES // 1000} KB; "
            f"all runs: events {verdict(ticket.events, TARGET_EVENTS)}, bytes "
            f"{verdict(ticket.bytes, TARGET_BYTES)}; largest run: events "
            f"{verdict(run_events, TARGET_EVENTS)}, bytes {verdict(run_bytes, TARGET_BYTES)} "
            "(the engine stops a run at 51,200 events or 50 MB)"
        )
    print_table(figures_of(args.steps, ticket, minimal))


if __name__ == "__main__":
    main()
