"""The one table `make bench` prints: each figure beside its anchor, measured in the same run.

A bench module exposes `figures(quick: bool) -> list[Figure]`; `bench/all.py` runs them one
after the other and prints every row. `quick` shrinks each measurement to a smoke run (seconds,
not minutes): the numbers mean little, the table's shape is checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NOT_MEASURED = math.nan


@dataclass(frozen=True)
class Figure:
    """One row: what was measured, its value, its anchor from the same run, and the target.

    `ratio` is value / anchor unless given; `target` says the issue's goal in words ("≥ 0.8×
    the anchor", "≤ 150 KB"); `met` is None when the target is not a ratio or a bound we can
    check here. `note` says what the row's numbers cannot: a module that failed, a figure a
    smoke run cannot judge."""

    name: str
    value: float
    unit: str
    anchor_name: str
    anchor: float
    target: str = ""
    met: bool | None = None
    ratio: float | None = None
    note: str = ""

    @property
    def times_anchor(self) -> float | None:
        if self.ratio is not None:
            return self.ratio
        if math.isnan(self.value) or math.isnan(self.anchor):
            return None
        return self.value / self.anchor if self.anchor else None


def at_most(value: float, bound: float, judged: bool = True) -> bool | None:
    """Whether `value` is within `bound`; None when it cannot be judged (a smoke run's sizes,
    a figure not measured)."""
    if not judged or math.isnan(value) or math.isnan(bound):
        return None
    return value <= bound


def at_least(value: float, bound: float, judged: bool = True) -> bool | None:
    if not judged or math.isnan(value) or math.isnan(bound):
        return None
    return value >= bound


def failed(module: str, error: BaseException) -> Figure:
    """The row of a module that could not measure: the table still prints."""
    reason = str(error).strip().splitlines()
    said = reason[-1] if reason else ""
    return Figure(
        name=f"{module}: FAILED",
        value=NOT_MEASURED,
        unit="",
        anchor_name="",
        anchor=NOT_MEASURED,
        note=f"{type(error).__name__}: {said}"[:200],
    )


def number(value: float) -> str:
    """A count as it is; a measure to three significant digits or so; thousands separated."""
    if math.isnan(value):
        return "—"
    if isinstance(value, int):  # a count
        return f"{value:,}"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def quantity(value: float, unit: str) -> str:
    shown = number(value)
    return shown if shown == "—" or not unit else f"{shown} {unit}"


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "no")


HEADERS = ("figure", "value", "anchor", "anchor value", "×anchor", "target", "met")


def rows_of(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for figure in figures:
        ratio = figure.times_anchor
        rows.append(
            (
                figure.name,
                quantity(figure.value, figure.unit),
                figure.anchor_name,
                quantity(figure.anchor, figure.unit),
                "—" if ratio is None else f"{ratio:.2f}×",
                figure.target,
                verdict(figure.met),
            )
        )
    return rows


def render(figures: Sequence[Figure]) -> str:
    """The table as text: one line a figure, its note (if any) on the line below."""
    rows = rows_of(figures)
    widths = [max(len(cells[n]) for cells in [HEADERS, *rows]) for n in range(len(HEADERS))]
    right = {1, 3, 4}  # numbers

    def line(cells: Sequence[str]) -> str:
        shown = (
            cell.rjust(width) if n in right else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(shown).rstrip()

    lines = [line(HEADERS), line(["-" * width for width in widths])]
    for figure, cells in zip(figures, rows, strict=True):
        lines.append(line(cells))
        if figure.note:
            lines.append(f"    {figure.note}")
    return "\n".join(lines)


def print_table(figures: Sequence[Figure]) -> None:
    print(render(figures), flush=True)
