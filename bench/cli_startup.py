"""How fast the command line starts: the median wall time of 10 runs of `sagir-desk --help`, of
one deadline (`sla deadline`) and of `ticket show` on a real ticket, each beside its anchor
measured in the same run, a bare `python -c pass` (what no Python program can beat on this
machine).

`ticket show` reads a ticket opened by `sagir-desk ticket open` on a dev server of its own with
the desk's worker running, once its record is in the desk's SQLite database: the command runs
with SAGIR_* pointing at that database and engine, as a person's would.

    python bench/cli_startup.py                 # this checkout
    python bench/cli_startup.py --checkout DIR  # another checkout (an older commit, say),
                                                # run by this venv's Python: before and after
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desk_processes import desk_processes  # noqa: E402  (beside this script)
from lists import prepare, recorded  # noqa: E402
from table import Figure, at_most, print_table  # noqa: E402

RUNS = 10
# Issue 17's targets, wall time.
HELP_TARGET, SHOW_TARGET = 0.3, 0.6
# The entry point of a checkout: today's, or the one before the command line was split.
ENTRY = """
import sys
sys.path.insert(0, {checkout!r})
try:
    from starter.cli.main import entry
except ImportError:
    from starter.cli import entry
sys.argv = ["sagir-desk", *sys.argv[1:]]
entry()
"""


def median_seconds(
    command: list[str], runs: int = RUNS, env: dict[str, str] | None = None
) -> float:
    subprocess.run(command, capture_output=True, check=False, env=env)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@dataclass(frozen=True)
class Startup:
    checkout: Path
    runs: int
    anchor: float  # python -c pass
    help: float
    deadline: float
    show: float
    ticket: str


def checked(command: list[str], env: dict[str, str]) -> str:
    """Run `command` once; its output, or the failure with what it said."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(command[3:])}` exited {done.returncode}: {done.stderr.strip()}"
        )
    return done.stdout.strip()


def measure(checkout: Path, runs: int) -> Startup:
    sagir_desk = [sys.executable, "-c", ENTRY.format(checkout=str(checkout.resolve()))]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        url = f"sqlite:///{home}/sagir.db"
        token = prepare(url, 0)
        with desk_processes(home, url, worker=True) as desk:
            env = {**desk.env, "SAGIR_TOKEN": token}
            ticket = checked(
                [
                    *sagir_desk,
                    "ticket",
                    "open",
                    "--mo",
                    "MTQ",
                    "--channel",
                    "email",
                    "--requester",
                    "user-mtq",
                    "--subject",
                    "Accès LSA refusé",
                    "--description",
                    "Le portail LSA refuse mon mot de passe depuis ce matin.",
                    "--module",
                    "LS",
                ],
                env,
            )
            recorded(url, [ticket])
            show = [*sagir_desk, "ticket", "show", ticket]
            checked(show, env)
            anchor = median_seconds([sys.executable, "-c", "pass"], runs, env)
            help_seconds = median_seconds([*sagir_desk, "--help"], runs, env)
            deadline = [*sagir_desk, "sla", "deadline", "--channel", "phone", "2026-11-24T11:50"]
            deadline_seconds = median_seconds(deadline, runs, env)
            show_seconds = median_seconds(show, runs, env)
    return Startup(
        checkout.resolve(), runs, anchor, help_seconds, deadline_seconds, show_seconds, ticket
    )


def figures_of(found: Startup) -> list[Figure]:
    anchor = f"python -c pass, median of {found.runs}"
    return [
        Figure(
            "sagir-desk --help, wall time",
            found.help,
            "s",
            anchor,
            found.anchor,
            target=f"≤ {HELP_TARGET} s",
            met=at_most(found.help, HELP_TARGET),
        ),
        Figure(
            "sagir-desk ticket show T-..., wall time",
            found.show,
            "s",
            anchor,
            found.anchor,
            target=f"≤ {SHOW_TARGET} s",
            met=at_most(found.show, SHOW_TARGET),
        ),
        Figure("sagir-desk sla deadline, wall time", found.deadline, "s", anchor, found.anchor),
    ]


def figures(quick: bool) -> list[Figure]:
    return figures_of(measure(ROOT, 2 if quick else RUNS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    found = measure(args.checkout, args.runs)
    print(
        f"command line start-up, {found.checkout}, median of {found.runs} runs "
        f"(ticket show: {found.ticket}, on a dev server with the worker running)"
    )
    print_table(figures_of(found))


if __name__ == "__main__":
    main()
