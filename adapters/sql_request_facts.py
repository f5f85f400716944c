"""The SLA facts of requests that are not tickets, kept from their workflows' steps: when each
was received, its deadline, when it was taken in charge, whether it was breached."""

from __future__ import annotations

from datetime import datetime

from adapters.database import RequestFactRow, UnitOfWork


class SqlRequestFacts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def note(
        self,
        workflow_id: str,
        run_id: str,
        process: str,
        mo: str,
        due: datetime,
        received_at: datetime | None = None,
        taken_at: datetime | None = None,
        breached: bool = False,
    ) -> None:
        """Fold what the steps said into the request's facts; saying it again changes nothing."""
        with self._uow.begin() as session:
            row = session.get(RequestFactRow, (workflow_id, run_id), with_for_update=True)
            if row is None:
                row = RequestFactRow(
                    workflow_id=workflow_id,
                    run_id=run_id,
                    process=process,
                    mo_code=mo,
                    received_at=received_at or due,
                    due_at=due,
                    breached=False,
                )
                session.add(row)
            if received_at is not None and received_at < row.received_at:
                row.received_at = received_at
            if taken_at is not None and row.taken_at is None:
                row.taken_at = taken_at
            row.breached = row.breached or breached
