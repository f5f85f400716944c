"""RequestRecords on SQLAlchemy: how each request that is not a ticket lists, kept from its
workflow's feed (a batch older than the one kept changes nothing), and its lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from adapters.database import RequestRow, UnitOfWork
from adapters.listing import page
from models.audit import WorkflowSteps
from models.requests import Listed, ListQuery, Page


class SqlRequestRecords:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def note(self, batch: WorkflowSteps) -> None:
        """Keep how the request lists as of `batch`; a stale or repeated batch changes nothing;
        a newer run of the same id (an arrival sent again) takes its place."""
        listing = batch.listing
        if listing is None:
            return
        received = batch.steps[0].at if batch.first_index == 0 and batch.steps else None
        with self._uow.begin() as session:
            row = session.get(RequestRow, batch.workflow_id, with_for_update=True)
            if row is None:
                row = RequestRow(workflow_id=batch.workflow_id, run_id=batch.run_id, sent=0)
                session.add(row)
            elif row.run_id != batch.run_id:
                if received is None or received < row.received_at:
                    return  # a batch of an older run, late: the newer run is kept
                row.run_id, row.sent = batch.run_id, 0
            if batch.sent <= row.sent:
                return
            row.process = batch.process
            row.mo_code = batch.mo
            row.status = listing.status
            row.breached = listing.breached
            row.warned = listing.warned
            row.late_notice = listing.late_notice
            row.due_at = listing.due
            # Every run's first batch holds its first step (its receipt): that is its time.
            first_seen = received or (batch.steps[0].at if batch.steps else None)
            if first_seen is not None and (received is not None or row.received_at is None):
                row.received_at = first_seen
            row.sent = batch.sent

    def page(self, query: ListQuery) -> Page:
        found = select(
            RequestRow.workflow_id,
            RequestRow.process,
            RequestRow.mo_code,
            RequestRow.status,
            RequestRow.warned,
            RequestRow.breached,
            RequestRow.late_notice,
            RequestRow.due_at,
            RequestRow.received_at,
        )
        if query.process is not None:
            found = found.where(RequestRow.process == query.process.value)
        if query.mo is not None:
            found = found.where(RequestRow.mo_code == query.mo)
        if query.status is not None:
            found = found.where(RequestRow.status == query.status)
        if query.breached is not None:
            found = found.where(RequestRow.breached == query.breached)
        if query.late_notice is not None:
            found = found.where(RequestRow.late_notice == query.late_notice)
        with self._uow.engine.connect() as connection:  # a read: no ORM objects, no unit of work
            return page(connection, found, query, [(RequestRow.workflow_id, True)], _listed)


def _listed(row: Any) -> Listed:
    return Listed(
        id=row.workflow_id,
        process=row.process,
        mo=row.mo_code,
        status=row.status,
        warned=row.warned,
        breached=row.breached,
        late_notice=row.late_notice,
        due=row.due_at,
        started_at=row.received_at,
    )
