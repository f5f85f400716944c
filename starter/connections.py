"""What every command needs before it can speak to a workflow: the settings, a client of the
engine and the database, with one clear line when either cannot be reached."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar, cast

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from temporalio.client import Client

from adapters.database import UnitOfWork, make_engine
from models.audit import AuditEvent, Outcome
from starter.client import connect
from starter.errors import DeskError, Unauthenticated, Unavailable
from starter.settings import Settings

if TYPE_CHECKING:
    from starter.guard import Guard

Desk = TypeVar("Desk")
T = TypeVar("T")


async def engine_client(settings: Settings) -> Client:
    try:
        return await connect(settings)
    except RuntimeError:
        raise Unavailable(
            f"cannot reach the Temporal engine at {settings.temporal_address}; "
            "is `sagir-desk dev` running?"
        ) from None


@asynccontextmanager
async def connected() -> AsyncIterator[tuple[Settings, Client, UnitOfWork]]:
    settings = Settings()
    client = await engine_client(settings)
    uow = UnitOfWork(make_engine(settings.database_url))
    try:
        yield settings, client, uow
    except (OperationalError, ProgrammingError):
        raise _database_not_ready(settings) from None
    finally:
        uow.engine.dispose()


def with_database(build: Callable[[Settings, UnitOfWork], Desk], action: Callable[[Desk], T]) -> T:
    """Build a desk service that needs only the database, run one action on it, and close."""
    settings = Settings()
    uow = UnitOfWork(make_engine(settings.database_url))
    try:
        return action(build(settings, uow))
    except (OperationalError, ProgrammingError):
        raise _database_not_ready(settings) from None
    finally:
        uow.engine.dispose()


def _database_not_ready(settings: Settings) -> Unavailable:
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    return Unavailable(
        f"the database {shown} is not ready; run `sagir-desk dev` or `sagir-desk migrate` first"
    )


def run_with(
    build: Callable[[Settings, Client, UnitOfWork], Desk],
    action: Callable[[Desk], Awaitable[T]],
) -> T:
    """Build a desk service on fresh connections, run one action on it, and close them."""

    async def run() -> T:
        async with connected() as (settings, client, uow):
            return await action(build(settings, client, uow))

    return asyncio.run(run())


def guarded(settings: Settings, client: Client | None, uow: UnitOfWork) -> Guard:
    """Every desk service as the command line's caller may use it: the holder of SAGIR_TOKEN,
    checked exactly as the HTTP API checks its callers (`starter/guard.py`)."""
    from starter.guard import Guard
    from starter.services import build_services

    services = build_services(settings, cast(Client, client), uow)
    if not settings.token:
        raise Unauthenticated(
            "SAGIR_TOKEN: set it to your token (`sagir-desk token create`); the command line "
            "acts as its holder"
        )
    return Guard(services, services.access.authenticate(f"Bearer {settings.token}"))


# Commands that only read: not in the audit trail (as the API records only what may change).
READ_COMMANDS = frozenset(
    {"show", "list", "history", "trail", "verify", "sessions", "participants", "queue", "sla"}
)
ID_OPTIONS = ("workflow_id", "ticket_id", "request_id", "reset_id", "record_id", "line_id")


def run_guarded(pick: Callable[[Guard], Desk], action: Callable[[Desk], Awaitable[T]]) -> T:
    """`run_with` on the guarded desk `pick` chooses (engine and database); what the command
    does, or the refusal it meets, goes to the audit trail as the API's requests do."""

    async def act(guard: Guard) -> T:
        try:
            result = await action(pick(guard))
        except DeskError as refused:
            _record(guard, Outcome.refused, str(refused), None)
            raise
        _record(guard, Outcome.done, "", result)
        return result

    return run_with(guarded, act)


def with_guarded_database(pick: Callable[[Guard], Desk], action: Callable[[Desk], T]) -> T:
    """`with_database` on the guarded desk `pick` chooses (the database only); audited too."""

    def act(guard: Guard) -> T:
        try:
            result = action(pick(guard))
        except DeskError as refused:
            _record(guard, Outcome.refused, str(refused), None)
            raise
        _record(guard, Outcome.done, "", result)
        return result

    return with_database(lambda settings, uow: guarded(settings, None, uow), act)


def _record(guard: Guard, outcome: Outcome, detail: str, result: object) -> None:
    """The command in the audit trail: who (the token's holder), what, on which record."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name in READ_COMMANDS:
        return
    params = context.params
    record = next((str(params[name]) for name in ID_OPTIONS if params.get(name)), None)
    record = record or str(getattr(result, "id", "") or context.command_path)
    caller = guard.caller
    guard.services.audit.append(
        AuditEvent(
            at=datetime.now(UTC),
            workflow_id=record[:120],
            mo=getattr(result, "mo", None) or caller.mo,
            actor=caller.subject,
            role=caller.role.value,
            action=f"cli {context.command_path.removeprefix('sagir-desk ')}"[:60],
            outcome=outcome,
            detail=detail[:400],
        )
    )
