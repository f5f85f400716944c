"""The real `sagir-desk dev` for end-to-end tests: started on free ports with a SAGIR_HOME of the
test's own, its worker child found by its process id, and the command line run as a person
would, with the token of the person who acts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from starter.ports import free_ports

BIN = Path(sys.executable).parent / "sagir-desk"
DEV_START_TIMEOUT = 90.0


def dev_environment(home: Path) -> dict[str, str]:
    """The environment of a dev server of its own: free ports, its own SAGIR_HOME, nothing of
    the caller's SAGIR_ or TEMPORAL_ settings."""
    port, ui_port, api_port, intake_port, sink_port = free_ports(5)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGIR_", "TEMPORAL_"))}
    env.update(
        SAGIR_HOME=str(home),
        TEMPORAL_ADDRESS=f"127.0.0.1:{port}",
        SAGIR_UI_PORT=str(ui_port),
        SAGIR_API_PORT=str(api_port),
        SAGIR_DEV_SMTP_PORT=str(sink_port),  # the local mail sink
        SAGIR_MAIL_RELAY_SECONDS="2",  # the relay's rounds, quick enough to wait for
        SAGIR_INTAKE_PORT=str(intake_port),
    )
    return env


class DevExited(AssertionError):
    """`sagir-desk dev` ended on its own: its exit code and its log say why."""


class Dev:
    """`sagir-desk dev`, started and waited for until its worker polls."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process = subprocess.Popen(
            [str(BIN), "dev"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        self.wait_for_workers(1, DEV_START_TIMEOUT)

    def workers_started(self) -> int:
        """How many worker processes have reported polling so far (the first and each
        restart)."""
        return self.log.read_text().count("worker running")

    def wait_for_workers(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.workers_started() < count:
            if self.process.poll() is not None:
                raise DevExited(f"exit code {self.process.returncode}: {self.log.read_text()}")
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def worker_pid(self) -> int | None:
        """The worker child (`python -m worker`) dev runs now, if one runs."""
        return worker_child_of(self.process.pid)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def worker_child_of(parent: int) -> int | None:
    """The child of `parent` whose command line is `... -m worker`, read from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # it ended while we looked
            continue
        # The parent id is the second field after the command name in parentheses.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"-m" in command and b"worker" in command:
            return int(entry.name)
    return None


# Who holds which role in the demo data, for the tokens the commands run with.
ROLES = {
    "agent-tremblay": ("ca_agent", None),
    "agent-gagnon": ("ca_agent", None),
    "agent-roy": ("ca_agent", None),
    "rh-mtq": ("mo_hr", "MTQ"),
    "rh-msss": ("mo_hr", "MSSS"),
    "30001": ("personne_autorisee", "MTQ"),
    "30011": ("personne_autorisee", "MSSS"),
    "verif-1": ("auditor", None),
}
TOKENS: dict[tuple[str, str], str] = {}


def cli(
    env: dict[str, str], *args: str, as_: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command as a person would: with their token in SAGIR_TOKEN. Who acts is `as_`, or
    the command's own actor option (`--authorised-by` for a submission, else `--agent`, else
    `--by`), else an agent; `token` commands run without one."""
    if args[0] != "token":
        env = {**env, "SAGIR_TOKEN": token_of(env, as_ or actor_of(args))}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=60)


def actor_of(args: tuple[str, ...]) -> str:
    options = ["--agent", "--by"]
    if args[:2] in (("param", "submit"), ("access", "request")):
        options = ["--authorised-by"]
    for option in options:
        if option in args:
            return args[args.index(option) + 1]
    return "agent-tremblay"


def token_of(env: dict[str, str], subject: str) -> str:
    """The token of `subject` (ROLES) on this dev server's database, made once."""
    key = (env["SAGIR_HOME"], subject)
    if key not in TOKENS:
        role, mo = ROLES[subject]
        made = cli(
            env,
            "token",
            "create",
            "--role",
            role,
            "--subject",
            subject,
            *(["--mo", mo] if mo else []),
        )
        assert made.returncode == 0, made.stderr
        TOKENS[key] = made.stdout.strip()
    return TOKENS[key]
