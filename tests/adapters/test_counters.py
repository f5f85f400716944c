"""Every number the desk hands out comes from one counter mechanism; several processes taking
numbers at once (a CLI, the API, two workers) never get the same one. SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from collections import Counter

from adapters.database import UnitOfWork, make_engine
from adapters.sql_counters import SqlCounters

SERIES = ("T-2026", "param-MTQ-2026", "acces-MTQ-2026", "motdepasse-MTQ-2026")
PROCESSES, EACH = 4, 150


def take_numbers(url: str, count: int) -> list[tuple[str, int]]:
    """In a process of its own: `count` numbers, cycling through the series."""
    uow = UnitOfWork(make_engine(url))
    counters = SqlCounters(uow)
    try:
        return [
            (SERIES[i % len(SERIES)], counters.next_number(SERIES[i % len(SERIES)]))
            for i in range(count)
        ]
    finally:
        uow.engine.dispose()


def test_numbers_taken_by_four_processes_at_once_are_never_given_twice(uow: UnitOfWork) -> None:
    url = uow.engine.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        results = pool.starmap(take_numbers, [(url, EACH)] * PROCESSES)
    taken = [pair for result in results for pair in result]
    repeated = [pair for pair, times in Counter(taken).items() if times > 1]
    assert repeated == []
    for series in SERIES:
        numbers = sorted(number for name, number in taken if name == series)
        assert numbers == list(range(1, len(numbers) + 1))  # no gap either
    assert len(taken) == PROCESSES * EACH
