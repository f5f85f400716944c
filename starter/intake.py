"""The desk's door for incoming mail: an SMTP server (aiosmtpd) that receives the mail sent to
the desk's address and hands each message to the intake's desk (starter/desks/intake.py), which
decides, records and reaches the engine. It answers at DATA time:
- 250 once the message is recorded (its step taken, or owed and retried by the sweep);
- 552 for a message over SAGIR_INTAKE_MAX_BYTES (advertised as SIZE) or a file over
  SAGIR_INTAKE_MAX_ATTACHMENT_BYTES; 554 for a file of a type not in
  SAGIR_INTAKE_ATTACHMENT_TYPES; 550/554 for a malformed message (no sender): nothing of a
  refused message is kept, and the sender's bounce tells the person why (in French, ASCII as
  SMTP wants it);
- 451 when the desk itself cannot record it (its database down): the sender's server tries
  again later, as SMTP servers do.

The server runs on the caller's event loop (not aiosmtpd's Controller thread), so the desk's
engine client and database are used from one loop. The messages whose step the engine could not
take when they came are delivered at start, then by the rounds of the `sagir-mail-intake`
Schedule (workflows/mail_intake.py), whose activity this process runs on its own task queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

from models.inbound import MailRefused, size_text
from starter.client import ensure_intake_schedule
from starter.desks.intake import IntakeDesk
from starter.settings import Settings
from workflows.mail_intake import DELIVER_OWED

log = logging.getLogger("sagir_desk.intake")
# aiosmtpd logs every command it reads (MAIL FROM:<address>) at INFO: personal data.
logging.getLogger("mail.log").setLevel(logging.WARNING)

# How long the intake waits before trying the engine again for its rounds' worker.
RECONNECT_SECONDS = 5.0

TRY_LATER = "451 4.3.0 Erreur temporaire du centre d'assistance ; reessayez plus tard"


class IntakeHandler:
    """aiosmtpd's handler: the desk's address only, and each message to the desk."""

    def __init__(self, desk: IntakeDesk, address: str, max_bytes: int) -> None:
        self._desk = desk
        self._address = address.strip().lower()
        self._max_bytes = max_bytes

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.strip().lower() != self._address:
            return f"550 5.1.1 Adresse inconnue ici : ecrivez a {self._address}"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self._max_bytes:
            return too_large(self._max_bytes)
        try:
            receipt = await self._desk.receive(raw)
        except MailRefused as refused:
            log.info("message refused: %s", refused.code)
            return refused.reply
        except Exception as error:  # not recorded: the sender's server will try again
            log.error("message not recorded (%s); answered 451", type(error).__name__)
            return TRY_LATER
        return receipt.reply


def too_large(limit: int) -> str:
    return f"552 5.3.4 Message trop volumineux : la limite est de {size_text(limit)}"


class FrenchSMTP(SMTP):
    """aiosmtpd's server, its own refusals of a message too large said as the desk says them."""

    def __init__(self, handler: IntakeHandler, data_size_limit: int, **kwargs: Any) -> None:
        super().__init__(handler, data_size_limit=data_size_limit, **kwargs)
        self._too_large = too_large(data_size_limit)

    async def push(self, status: Any) -> None:
        if isinstance(status, str) and status.startswith("552 Error"):
            status = self._too_large
        elif isinstance(status, str) and status.startswith("500 Line too long"):
            status = "500 5.5.2 Ligne trop longue : 1000 caracteres au plus (RFC 5321)"
        await super().push(status)


@contextlib.asynccontextmanager
async def intake_server(
    desk: IntakeDesk, host: str, port: int, address: str, max_bytes: int
) -> AsyncIterator[asyncio.Server]:
    """The SMTP server listening on `host`:`port` (0: a free port, read from the server's
    sockets) until the block ends."""
    handler = IntakeHandler(desk, address, max_bytes)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: FrenchSMTP(
            handler, data_size_limit=max_bytes, hostname="sagir-desk", ident="sagir-desk intake"
        ),
        host=host,
        port=port,
    )
    try:
        yield server
    finally:
        server.close()
        await server.wait_closed()


def bound_port(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


class IntakeRounds:
    """The activity of the intake's round, run here (the intake's task queue)."""

    def __init__(self, desk: IntakeDesk) -> None:
        self._desk = desk

    @activity.defn(name=DELIVER_OWED)
    async def deliver_owed_mail(self) -> int:
        """Deliver every message still owed to the engine; how many were."""
        delivered = await self._desk.sweep()
        if delivered:
            log.info("round delivered %d owed message(s)", delivered)
        return delivered


async def serve_rounds(
    settings: Settings,
    desk: IntakeDesk,
    stop: asyncio.Event,
    connect_rounds: Callable[[], Awaitable[Client]],
) -> None:
    """Deliver what is owed now, then run the rounds' activity until `stop`: the Schedule made
    once, a worker on the intake's task queue. The engine unreachable, try again shortly (mail
    is still taken in meanwhile, and kept)."""
    with contextlib.suppress(Exception):  # the engine or database down: the rounds will do it
        await desk.sweep()
    while not stop.is_set():
        try:
            client = await connect_rounds()
            await ensure_intake_schedule(client, settings)
        except (RuntimeError, RPCError) as error:
            log.warning(
                "intake rounds: engine not reached (%s); trying again", type(error).__name__
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECONNECT_SECONDS)
            continue
        rounds = IntakeRounds(desk)
        async with Worker(
            client, task_queue=settings.intake_queue, activities=[rounds.deliver_owed_mail]
        ):
            await stop.wait()


async def serve_intake(
    settings: Settings,
    stop: asyncio.Event,
    desk: IntakeDesk,
    connect_rounds: Callable[[], Awaitable[Client]],
) -> None:
    """Receive the desk's mail, and run the rounds that deliver what is owed, until `stop`."""
    async with intake_server(
        desk,
        settings.intake_host,
        settings.intake_port,
        settings.intake_address,
        settings.intake_max_bytes,
    ):
        log.info(
            "intake receiving mail for %s on %s:%d",
            settings.intake_address,
            settings.intake_host,
            settings.intake_port,
        )
        await serve_rounds(settings, desk, stop, connect_rounds)


def run_intake(settings: Settings) -> None:
    """`sagir-desk intake`: the intake alone, against TEMPORAL_ADDRESS and the database, until
    SIGINT or SIGTERM. It starts, and takes mail in, while the engine is down."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for chatty in ("temporalio", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    asyncio.run(_run_intake(settings))


async def _run_intake(settings: Settings) -> None:
    import signal

    from adapters.database import make_engine
    from adapters.schema import migrate
    from starter.client import IMPATIENT, connect

    migrate(make_engine(settings.database_url))
    # Impatient: a message whose step the engine cannot take now is answered 250 at once, and
    # owed; lazy: the intake starts while the engine is down.
    client = await connect(settings, IMPATIENT, lazy=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve_on_database(settings, client, stop)


async def serve_on_database(settings: Settings, client: Client, stop: asyncio.Event) -> None:
    """The intake on the settings' database and an engine client, until `stop` (`sagir-desk
    intake`, and `sagir-desk dev` beside its API)."""
    from adapters.database import UnitOfWork, make_engine
    from starter.client import connect
    from starter.desks.compose import build_desks

    uow = UnitOfWork(make_engine(settings.database_url))
    try:
        desk = build_desks(settings, client, uow).intake
        # The rounds' worker needs a client of its own, connected (a lazy one cannot serve).
        await serve_intake(settings, stop, desk, lambda: connect(settings))
    finally:
        uow.engine.dispose()
