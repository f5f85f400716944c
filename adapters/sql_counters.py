"""Numbers for request ids (`param-MTQ-2026-000001`), one series per prefix, MO and year."""

from __future__ import annotations

from adapters.database import RequestCounterRow, UnitOfWork


class SqlCounters:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def next_number(self, series: str) -> int:
        """The next number of `series`; the row lock makes concurrent callers queue."""
        with self._uow.begin() as session:
            row = session.get(RequestCounterRow, series, with_for_update=True)
            if row is None:
                row = RequestCounterRow(series=series, last_number=0)
                session.add(row)
            row.last_number += 1
            return row.last_number
