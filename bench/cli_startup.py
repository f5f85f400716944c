"""How fast the command line starts: the median wall time of 10 runs of `sagir-desk --help` and
of one deadline (`sla deadline`), each beside its anchor measured in the same run, a bare
`python -c pass` (what no Python program can beat on this machine).

    python bench/cli_startup.py                 # this checkout
    python bench/cli_startup.py --checkout DIR  # another checkout (an older commit, say),
                                                # run by this venv's Python: before and after
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10
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


def median_seconds(command: list[str], runs: int = RUNS) -> float:
    subprocess.run(command, capture_output=True, check=False)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    sagir_desk = [sys.executable, "-c", ENTRY.format(checkout=str(args.checkout.resolve()))]
    anchor = median_seconds([sys.executable, "-c", "pass"])
    rows = [
        ("python -c pass (anchor)", anchor),
        ("sagir-desk --help", median_seconds([*sagir_desk, "--help"])),
        (
            "sagir-desk sla deadline",
            median_seconds(
                [*sagir_desk, "sla", "deadline", "--channel", "phone", "2026-11-24T11:50"]
            ),
        ),
    ]
    print(f"command line start-up, {args.checkout.resolve()}, median of {RUNS} runs")
    for label, seconds in rows:
        print(f"  {label:<26} {seconds:6.3f} s   {seconds / anchor:5.1f}x the anchor")


if __name__ == "__main__":
    main()
