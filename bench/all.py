"""Every figure of issue 17 beside its anchor, measured in the same run, in one table.

    make bench                                  (or: .venv/bin/python bench/all.py)
    .venv/bin/python bench/all.py --quick       a smoke run: small sizes, the table's shape
    .venv/bin/python bench/all.py --only lists,cli_startup

Each bench module's `figures(quick)` runs in turn, one after the other (the machines have two
cores: two benches at once would measure each other). A module that fails gives a row saying so
and the table still prints (its traceback goes to stderr); the exit code is then 1. Progress goes
to stderr, the table to stdout. A missed target is a figure, not a failure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from table import NOT_MEASURED, Figure, failed, print_table  # noqa: E402

# In the table's order: issue 17's figures first, then the other issues' benches.
MODULES = (
    "ticket_throughput",
    "deadlines",
    "ticket_history",
    "breach_burst",
    "lists",
    "worker_memory",
    "cli_startup",
    "scale_out",  # written beside the others; run when it is there
    "console_pages",
    "communique_fanout",
)
OPTIONAL = {"scale_out"}


def chosen(only: str | None) -> list[str]:
    if not only:
        return list(MODULES)
    names = [name.strip().removesuffix(".py") for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        raise ValueError(
            f"--only: {', '.join(unknown)} is not a bench module (one of: {', '.join(MODULES)})"
        )
    return names


@contextmanager
def output_to_stderr() -> Iterator[None]:
    """What a module and its processes print (a dev server's banner, a worker's log) goes to
    stderr: stdout holds the table alone."""
    sys.stdout.flush()
    table_out = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(table_out, 1)
        os.close(table_out)


def nothing(module: str) -> Figure:
    """The row of a module that chose not to measure (what it needs is not there)."""
    return Figure(
        f"{module}: not measured",
        NOT_MEASURED,
        "",
        "",
        NOT_MEASURED,
        note="the module gave no figure; stderr says why",
    )


def run_module(name: str, quick: bool) -> tuple[list[Figure], bool]:
    """The module's figures, or one row saying why there are none; whether it measured. The
    environment is put back as it was afterwards: a module's settings never reach the next."""
    environment = dict(os.environ)
    try:
        module = importlib.import_module(name)
        measure: Callable[[bool], list[Figure]] = module.figures
        found = measure(quick)
        if not found:
            return [nothing(name)], True
        return found, True
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit too: a bench that gives up says why in a row
        traceback.print_exc()
        return [failed(name, error)], False
    finally:
        os.environ.clear()
        os.environ.update(environment)


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", help="run only these modules, comma-separated")
    args = parser.parse_args()
    try:
        names = chosen(args.only)
    except ValueError as error:
        parser.error(str(error))
    started, began_at = time.monotonic(), datetime.now(UTC)
    rows: list[Figure] = []
    took: list[str] = []
    failures = 0
    for number, name in enumerate(names, 1):
        if name in OPTIONAL and not (BENCH / f"{name}.py").exists():
            progress(f"{name}: not there, skipped")
            continue
        progress(f"{name} ({number}/{len(names)}){' quick' if args.quick else ''}...")
        began = time.monotonic()
        with output_to_stderr():
            found, measured = run_module(name, args.quick)
        failures += not measured
        seconds = time.monotonic() - began
        took.append(f"{name} {seconds:.0f} s")
        progress(f"{name} done in {seconds:.0f} s")
        rows += found
    print(
        f"sagir-desk bench{' (--quick: smoke sizes, targets not judged)' if args.quick else ''}"
        f", {began_at:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; each figure beside its anchor measured in the same run"
    )
    print_table(rows)
    print(f"run time {time.monotonic() - started:.0f} s ({', '.join(took)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
