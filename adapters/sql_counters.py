"""Every number the desk hands out (ticket numbers `T-2026`, request ids `param-MTQ-2026`...),
one series per name, by one mechanism: a single `UPDATE ... RETURNING`, which takes the row's
write lock for its read and its write together, so no two processes ever get the same number
(SQLite and PostgreSQL alike)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from adapters.database import CounterRow, UnitOfWork

ATTEMPTS = 3


class SqlCounters:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def next_number(self, series: str) -> int:
        """The next number of `series`, starting at 1."""
        for _ in range(ATTEMPTS):
            with self._uow.begin() as session:
                bumped = session.execute(
                    update(CounterRow)
                    .where(CounterRow.series == series)
                    .values(last_number=CounterRow.last_number + 1)
                    .returning(CounterRow.last_number)
                ).scalar_one_or_none()
                if bumped is not None:
                    return bumped
            try:
                with self._uow.begin() as session:
                    session.add(CounterRow(series=series, last_number=1))
                return 1
            except IntegrityError:
                continue  # another process started the series first: bump it instead
        raise RuntimeError(f"could not hand out a number of {series}")
