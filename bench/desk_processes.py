"""The desk's processes for a bench, as deployed and each on ports of its own: the Temporal dev
server (in memory, the venv's `temporal`: never downloaded), the worker (`python -m worker`) and
the API (`sagir-desk api`). Their output goes to log files under the run's SAGIR_HOME; a process
that does not start ends the bench with its log's last lines.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from starter.ports import HOST, engine_port_args, free_ports
from starter.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT = 90.0  # seconds: the worker imports, migrates and registers in a few


def desk_env(home: Path, url: str, engine_port: int, **more: str) -> dict[str, str]:
    """The environment of the desk's processes: this process's, less any SAGIR_ or TEMPORAL_
    setting of the person running the bench, plus the run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGIR_", "TEMPORAL_"))}
    env.update(
        SAGIR_HOME=str(home),
        SAGIR_DATABASE_URL=url,
        TEMPORAL_ADDRESS=f"{HOST}:{engine_port}",
        **more,
    )
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """The settings the desk's processes read from `env`, for a desk in the bench's process
    (which leaves its own environment alone)."""
    return Settings.model_validate(
        {k: v for k, v in env.items() if k.startswith(("SAGIR_", "TEMPORAL_"))}
    )


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` running until the block ends (terminated, killed if it lingers)."""
    with log.open("wb") as out:
        running = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield running
        finally:
            running.terminate()
            try:
                running.wait(timeout=20)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait()


class DidNotStart(RuntimeError):
    """A process of the desk did not get ready in time; the message holds its log's tail."""


def wait_for(
    what: str,
    ready: Callable[[], bool],
    log: Path,
    running: subprocess.Popen[bytes] | None = None,
    seconds: float = START_TIMEOUT,
) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        ended = running is not None and running.poll() is not None
        if ended or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            said = "exited" if ended else f"did not start in {seconds:.0f} s"
            raise DidNotStart(f"{what} {said}; its log:\n{tail}")
        time.sleep(0.2)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health").status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Desk:
    """The running processes and how to reach them."""

    home: Path
    env: dict[str, str]
    engine: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes] | None
    api: subprocess.Popen[bytes] | None
    api_port: int

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.api_port}"


def engine_command(engine_port: int, http_port: int, metrics_port: int) -> list[str]:
    return [
        str(BIN / "temporal"),
        "server",
        "start-dev",
        "--headless",
        "--ip",
        HOST,
        "--port",
        str(engine_port),
        *engine_port_args(http_port, metrics_port),
        "--log-level",
        "error",
    ]


@contextmanager
def engine_only(home: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A dev server of its own, ready; with its gRPC port."""
    engine_port, http_port, metrics_port = free_ports(3)
    log = home / f"engine-{engine_port}.log"
    with process(engine_command(engine_port, http_port, metrics_port), dict(os.environ), log) as (
        engine
    ):
        wait_for("the dev server", lambda: listening(engine_port), log, engine)
        yield engine, engine_port


@contextmanager
def desk_processes(
    home: Path,
    url: str,
    worker: bool = True,
    api_workers: int = 0,
    **settings: str,
) -> Iterator[Desk]:
    """The dev server, then the worker (if `worker`), then the API with `api_workers`
    processes (none: no API), each waited for; all stopped in the reverse order."""
    engine_port, http_port, metrics_port, api_port = free_ports(4)
    env = desk_env(
        home,
        url,
        engine_port,
        SAGIR_API_PORT=str(api_port),
        SAGIR_API_WORKERS=str(max(api_workers, 1)),
        **settings,
    )
    with ExitStack() as running:
        log = home / "engine.log"
        engine = running.enter_context(
            process(engine_command(engine_port, http_port, metrics_port), env, log)
        )
        wait_for("the dev server", lambda: listening(engine_port), log, engine)
        worker_process = None
        if worker:
            log = home / "worker.log"
            worker_process = running.enter_context(
                process([sys.executable, "-m", "worker"], env, log)
            )
            wait_for(
                "the worker",
                lambda: "worker running" in log.read_text(errors="replace"),
                log,
                worker_process,
            )
        api = None
        if api_workers:
            log = home / "api.log"
            api = running.enter_context(process([str(BIN / "sagir-desk"), "api"], env, log))
            base = f"http://{HOST}:{api_port}"
            wait_for("the API", lambda: answers(base), log, api)
        yield Desk(home, env, engine, worker_process, api, api_port)


def rss_mb(pid: int) -> float:
    """A process's resident memory (VmRSS), in MB (10^6 bytes), read from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"process {pid} has no VmRSS")


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user and system), read from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, quiet: float = 3.0, budget: float = 600.0) -> float:
    """Wait until the process has used almost no CPU (under 2%) for `quiet` seconds; the
    seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < budget:
        before = cpu_seconds(pid)
        time.sleep(quiet)
        if cpu_seconds(pid) - before < 0.02 * quiet:
            return time.monotonic() - began
    raise RuntimeError(f"process {pid} was still busy after {budget:.0f} s")
