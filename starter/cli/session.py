"""What a command needs before it can act: the settings, the engine's client and the database,
and the desks as the holder of SAGIR_TOKEN may use them (checked exactly as the HTTP API checks
its callers). Each failure to reach something is one clear line.

A command that may change something is declared with `cls=Changing`: what it did, or the
refusal it met, goes to the audit trail, as the API's requests do; it reaches the engine before
it begins, so an engine that is down stops it before anything is half made. Any other command
connects when its desk first calls the engine, and never when the desk answers from its own
records. Everything heavy (the engine's SDK, SQLAlchemy, the desks a command does not use) is
imported when a command runs, never when the command line starts.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import click

from starter.desks.errors import DeskError, InvalidInput, Unauthenticated, Unavailable

if TYPE_CHECKING:
    from temporalio.client import Client

    from adapters.database import UnitOfWork
    from adapters.jinja_notices import NoticeTemplates
    from adapters.mail_sink import MailSink
    from models.mail import DeliveryStatus, OpenedSinkMessage, OutboxEntry, SinkMessage
    from starter.desks.compose import Desks, GuardedDesks
    from starter.settings import Settings

Desk = TypeVar("Desk")
T = TypeVar("T")


class Changing(click.Command):
    """A command that may change something: it goes to the audit trail, refusals included.
    Its record is its first argument (a workflow id, a line), else the id of what it made."""


def settings() -> Settings:
    """The settings; a bad value in the environment is one sentence (exit code 2)."""
    from pydantic import ValidationError

    from starter.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"configuration: {message}") from None


def notice_templates() -> NoticeTemplates:
    """The notices' templates as configured (SAGIR_NOTICE_TEMPLATES); no engine, no database."""
    from adapters.jinja_notices import NoticeTemplates

    return NoticeTemplates(settings().notice_templates)


def run(
    pick: Callable[[GuardedDesks], Desk],
    action: Callable[[Desk], Awaitable[T]],
    engine_optional: bool = False,
    engine_first: bool = False,
) -> T:
    """Run one action on the guarded desk `pick` chooses, as the holder of SAGIR_TOKEN, on fresh
    connections to the engine and the database, and close them. The engine is reached before
    the action for a `Changing` command and with `engine_first` (a desk that uses the engine's
    client itself, the auditor's), else when the desk first calls it. With `engine_optional`,
    an engine that cannot be reached leaves the desk without one (it says what it could not
    do)."""
    return _as_token_holder(
        pick, action, engine=True, engine_optional=engine_optional, engine_first=engine_first
    )


def run_on_database(pick: Callable[[GuardedDesks], Desk], action: Callable[[Desk], T]) -> T:
    """`run` for a desk that needs only the database (the registre, the trail, the reports)."""

    async def settled(desk: Desk) -> T:
        return action(desk)

    return _as_token_holder(pick, settled, engine=False)


def run_without_engine(
    pick: Callable[[GuardedDesks], Desk], action: Callable[[Desk], Awaitable[T]]
) -> T:
    """`run` for a desk's action that needs only the database (the mail domains, the triage's
    list), as a coroutine."""
    return _as_token_holder(pick, action, engine=False)


def _as_token_holder(
    pick: Callable[[GuardedDesks], Desk],
    action: Callable[[Desk], Awaitable[T]],
    engine: bool,
    engine_optional: bool = False,
    engine_first: bool = False,
) -> T:
    import asyncio

    config = settings()
    if not config.token:
        raise Unauthenticated(
            "SAGIR_TOKEN: set it to your token (`sagir-desk token create`); the command line "
            "acts as its holder"
        )
    token = config.token

    async def act(desks: Desks) -> T:
        guarded = desks.authenticate(f"Bearer {token}")
        try:
            result = await action(pick(guarded))
        except DeskError as refused:
            _record(desks, guarded, "refused", str(refused), None)
            raise
        except Exception as error:
            # The desk's own failure (the engine gone, a bug): in the trail as failed, when the
            # trail itself can still be written; the error is what the person sees either way.
            with contextlib.suppress(Exception):
                _record(desks, guarded, "failed", type(error).__name__, None)
            raise
        _record(desks, guarded, "done", "", result)
        return result

    context = click.get_current_context(silent=True)
    changing = context is not None and isinstance(context.command, Changing)
    first = engine_first or engine_optional or changing
    return asyncio.run(_with_desks(config, engine, act, engine_optional, first))


def administer(action: Callable[[Desks], T]) -> T:
    """The desk's own administration (tokens), on its own machine: the database only, no token."""
    import asyncio

    async def act(desks: Desks) -> T:
        return action(desks)

    return asyncio.run(_with_desks(settings(), False, act))


def migrated_database(config: Settings, demo: bool = False) -> tuple[UnitOfWork, bool]:
    """The database at the newest schema; with `demo`, the demo data loaded when it is empty
    (whether it was loaded now)."""
    from adapters.database import UnitOfWork, make_engine
    from adapters.demo_data import load_demo_data
    from adapters.schema import migrate
    from adapters.sql_billing import SqlBilling
    from adapters.sql_directory import SqlDirectory
    from adapters.sql_mail_domains import SqlMailDomains
    from adapters.sql_sagir_erp import SqlSagirErp
    from adapters.sql_sga import SqlSga

    uow = UnitOfWork(make_engine(config.database_url))
    migrate(uow.engine)
    loaded = demo and load_demo_data(
        SqlDirectory(uow),
        SqlSagirErp(uow),
        SqlSga(uow),
        SqlMailDomains(uow),
        SqlBilling(uow, config.mail_keys),
    )
    return uow, loaded


async def operator_token(config: Settings) -> str:
    """The token of the person running the desk on their own machine (`sagir-desk dev`): an
    auditor's, kept in SAGIR_HOME/operator-token (0600) and issued again if it stopped working.
    The Temporal UI opens payloads with it, so each opening is in the trail under its name."""
    import getpass
    import os

    from models.roles import Caller, Role

    path = config.home / "operator-token"

    async def valid_or_new(desks: Desks) -> str:
        if path.exists():
            known = path.read_text().strip()
            try:
                desks.tokens.authenticate(f"Bearer {known}")
                return known
            except Unauthenticated:
                pass
        user = "".join(c for c in getpass.getuser() if c.isalnum() or c in "-_.") or "local"
        caller = Caller(role=Role.auditor, subject=f"operateur-{user}"[:64])
        issued = desks.tokens.issue(caller, "sagir-desk dev: the Temporal UI's codec").token
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(issued + "\n")
        return issued

    return await _with_desks(config, False, valid_or_new)


def mail_sink(config: Settings, host: str, port: int) -> MailSink:
    """`sagir-desk dev`'s local mail server, keeping what it receives in SAGIR_HOME/mail."""
    from adapters.mail_sink import MailSink

    return MailSink(config.mail_folder.resolve(), host, port)


def sink_messages(config: Settings) -> list[SinkMessage]:
    """The messages `sagir-desk dev`'s mail sink kept, oldest first."""
    from adapters.mail_sink import sink_messages as kept

    return kept(config.mail_folder)


def sink_message(config: Settings, which: str) -> OpenedSinkMessage:
    """A kept message by its number in `sink_messages` or its file; one sentence if none."""
    from adapters.mail_sink import opened

    try:
        return opened(config.mail_folder, which)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def outbox_entries(
    config: Settings, status: DeliveryStatus | None, workflow_id: str | None, limit: int
) -> list[OutboxEntry]:
    """The outbox's delivery state, from the database alone."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from adapters.database import UnitOfWork, make_engine
    from adapters.sql_outbox import outbox_entries as entries

    uow = UnitOfWork(make_engine(config.database_url))
    try:
        return entries(uow, status, workflow_id, limit)
    except (OperationalError, ProgrammingError):
        raise Unavailable(
            f"the database {shown_url(config.database_url)} is not ready; run `sagir-desk dev` "
            "or `sagir-desk migrate` first"
        ) from None
    finally:
        uow.engine.dispose()


def console_demo_tokens(
    config: Settings, people: list[tuple[str, str | None, str]]
) -> dict[str, str]:
    """A token per demo person (role, MO, subject) for `dev`'s console sign-in, by subject:
    kept under SAGIR_HOME (readable by its owner only), issued again only when revoked."""
    import json

    from adapters.database import UnitOfWork, make_engine
    from models.roles import Caller, Role
    from starter.desks.compose import build_desks

    kept_at = config.home / "console-tokens.json"
    kept: dict[str, str] = json.loads(kept_at.read_text()) if kept_at.exists() else {}
    uow = UnitOfWork(make_engine(config.database_url))
    try:
        tokens = build_desks(config, None, uow, on_demand=True).tokens
        for role, mo, subject in people:
            token = kept.get(subject)
            if token is None or tokens.tokens.authenticate(token) is None:
                caller = Caller(role=Role(role), mo=mo, subject=subject)
                kept[subject] = tokens.issue(caller, "sagir-desk dev: console demo").token
    finally:
        uow.engine.dispose()
    kept_at.touch(mode=0o600)
    kept_at.write_text(json.dumps(kept, indent=2))
    return kept


def demo_directory() -> tuple[list[str], list[str]]:
    """The demo data's MOs and agents (`code (role)`), for `sagir-desk dev`'s banner."""
    from adapters.demo_data import AGENTS, MOS

    return [mo.code for mo in MOS], [f"{a.code} ({a.role.value})" for a in AGENTS]


def shown_url(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def _with_desks(
    config: Settings,
    engine: bool,
    act: Callable[[Desks], Awaitable[T]],
    engine_optional: bool = False,
    engine_first: bool = True,
) -> T:
    """`act` on the desks, each made when first used. `engine`: whether they may call the
    engine; `engine_first`: reached now, not at the desks' first call."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from adapters.database import UnitOfWork, make_engine
    from starter.desks.compose import build_desks

    async def reach() -> Client:
        from starter.client import reach_engine  # the engine's SDK, when it is needed

        return await reach_engine(config)

    client = None
    if engine and engine_first:
        try:
            client = await reach()
        except Unavailable:
            if not engine_optional:
                raise

    connect = reach if engine and not engine_first else None
    uow = UnitOfWork(make_engine(config.database_url))
    try:
        return await act(build_desks(config, client, uow, connect, on_demand=True))
    except (OperationalError, ProgrammingError):
        raise Unavailable(
            f"the database {shown_url(config.database_url)} is not ready; run `sagir-desk dev` "
            "or `sagir-desk migrate` first"
        ) from None
    except Exception as error:
        refused = _engine_refusal(error)
        if refused is None:
            raise
        raise refused from None
    finally:
        uow.engine.dispose()


def _engine_refusal(error: Exception) -> Unavailable | None:
    """The engine's refusal of a call (its SDK's `RPCError`) as one sentence. The SDK is looked
    up, not imported: a command that never loaded it cannot have met its errors."""
    service = sys.modules.get("temporalio.service")
    if service is None or not isinstance(error, service.RPCError):
        return None
    return Unavailable(f"the Temporal engine refused the call: {error.message}")


def _record(desks: Desks, guarded: GuardedDesks, outcome: str, detail: str, result: object) -> None:
    """A `Changing` command in the audit trail: who (the token's holder), what, on which
    record, and how it ended."""
    from models.audit import AuditEvent, Outcome

    context = click.get_current_context(silent=True)
    if context is None or not isinstance(context.command, Changing):
        return
    record = next(
        (
            str(context.params[param.name])
            for param in context.command.params
            if isinstance(param, click.Argument) and param.name and context.params.get(param.name)
        ),
        None,
    )
    record = record or str(
        getattr(result, "id", "") or getattr(result, "key", "") or context.command_path
    )
    caller = guarded.caller
    desks.trail.append(
        AuditEvent(
            at=datetime.now(UTC),
            workflow_id=record[:120],
            mo=getattr(result, "mo", None) or caller.mo,
            actor=caller.subject,
            role=caller.role.value,
            action=f"cli {context.command_path.removeprefix('sagir-desk ')}"[:60],
            outcome=Outcome(outcome),
            detail=detail[:400],
        )
    )
