"""The bench's one table: each figure beside its anchor with the ratio, the target and whether
it is met; a module that failed is a row saying so; `--only` names known modules only."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import all as bench_all  # noqa: E402
from table import Figure, at_least, at_most, failed, render  # noqa: E402


def test_a_row_shows_the_value_its_anchor_the_ratio_the_target_and_the_verdict() -> None:
    figure = Figure(
        "ticket lifecycles", 4.5, "/s", "minimal workflow", 18.0, "≥ 0.8× the anchor", False
    )

    row = render([figure]).splitlines()[2]

    assert row.split() == (
        "ticket lifecycles 4.50 /s minimal workflow 18.0 /s 0.25× ≥ 0.8× the anchor no".split()
    )


def test_a_module_that_failed_is_a_row_saying_why_and_the_table_still_prints() -> None:
    table = render([failed("lists", RuntimeError("wrk is missing")), Figure("x", 1, "s", "y", 2)])

    assert "lists: FAILED" in table
    assert "RuntimeError: wrk is missing" in table
    assert table.splitlines()[-1].split()[-1] == "—"  # the next row: no target, not judged


def test_a_bound_is_not_judged_on_a_smoke_run_or_a_figure_not_measured() -> None:
    assert at_most(90, 100) is True
    assert at_least(90, 100) is False
    assert at_most(90, 100, judged=False) is None
    assert at_most(math.nan, 100) is None


def test_only_names_known_modules() -> None:
    assert bench_all.chosen("lists,cli_startup.py") == ["lists", "cli_startup"]
    with pytest.raises(ValueError, match="--only: nope is not a bench module"):
        bench_all.chosen("lists,nope")


def test_a_count_shows_as_a_whole_number() -> None:
    row = render([Figure("history", 1269, "events", "minimal", 205)]).splitlines()[2]

    assert "1,269 events" in row
    assert "205 events" in row
