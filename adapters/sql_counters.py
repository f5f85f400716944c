"""Every number the desk hands out (ticket numbers `T-2026`, request ids `param-MTQ-2026`...),
one series per name, by one mechanism: a single `UPDATE ... RETURNING`, which takes the row's
write lock for its read and its write together, so no two processes ever get the same number
(SQLite and PostgreSQL alike)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.database import CounterRow, UnitOfWork

ATTEMPTS = 3


class SqlCounters:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def next_number(self, series: str) -> int:
        """The next number of `series`, starting at 1."""
        with self._uow.begin() as session:
            return next_number_in(session, series)


def next_number_in(session: Session, series: str) -> int:
    """The next number of `series` in the caller's transaction (so a number is reserved with
    the row that needs it, or not at all)."""
    for _ in range(ATTEMPTS):
        bumped = session.execute(
            update(CounterRow)
            .where(CounterRow.series == series)
            .values(last_number=CounterRow.last_number + 1)
            .returning(CounterRow.last_number)
        ).scalar_one_or_none()
        if bumped is not None:
            return bumped
        try:
            with session.begin_nested():
                session.add(CounterRow(series=series, last_number=1))
            return 1
        except IntegrityError:
            continue  # another process started the series first: bump it instead
    raise RuntimeError(f"could not hand out a number of {series}")
