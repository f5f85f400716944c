"""The supervisors' list of escalations on SQLAlchemy: filtered, newest first, a page at a time,
and each acknowledged once (the first supervisor's acknowledgement stands)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from adapters.database import EscalationRow, UnitOfWork
from adapters.listing import rows_page
from models.escalations import (
    EscalationKind,
    EscalationPage,
    EscalationQuery,
    EscalationView,
)
from models.service_calendar import MONTREAL

COLUMNS = (
    EscalationRow.idempotency_key,
    EscalationRow.kind,
    EscalationRow.workflow_id,
    EscalationRow.mo_code,
    EscalationRow.reason,
    EscalationRow.escalated_at,
    EscalationRow.notified,
    EscalationRow.acknowledged_by,
    EscalationRow.acknowledged_at,
)
NEWEST_FIRST = ((EscalationRow.escalated_at, False), (EscalationRow.idempotency_key, False))


class SqlEscalations:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def page(self, query: EscalationQuery) -> EscalationPage:
        """`ValueError` (BadCursor) for a cursor this list did not give."""
        selected = select(*COLUMNS)
        if query.mo is not None:
            selected = selected.where(EscalationRow.mo_code == query.mo)
        if query.kind is not None:
            selected = selected.where(EscalationRow.kind == query.kind.value)
        if query.since is not None:
            start = datetime.combine(query.since, time(0), MONTREAL)
            selected = selected.where(EscalationRow.escalated_at >= start)
        if query.until is not None:
            after = datetime.combine(query.until + timedelta(days=1), time(0), MONTREAL)
            selected = selected.where(EscalationRow.escalated_at < after)
        if query.acknowledged is not None:
            acknowledged = EscalationRow.acknowledged_by.is_not(None)
            selected = selected.where(acknowledged if query.acknowledged else ~acknowledged)
        with self._uow.engine.connect() as connection:
            items, total, next_cursor = rows_page(
                connection, selected, query.limit, query.cursor, NEWEST_FIRST, _view
            )
        return EscalationPage(items=items, total=total, next_cursor=next_cursor)

    def get(self, key: str) -> EscalationView | None:
        with self._uow.engine.connect() as connection:
            row = connection.execute(
                select(*COLUMNS).where(EscalationRow.idempotency_key == key)
            ).first()
        return None if row is None else _view(row)

    def acknowledge(self, key: str, by: str, at: datetime) -> EscalationView | None:
        """Acknowledge once: a second acknowledgement changes nothing (the first stands)."""
        with self._uow.begin() as session:
            session.execute(
                update(EscalationRow)
                .where(
                    EscalationRow.idempotency_key == key,
                    EscalationRow.acknowledged_by.is_(None),
                )
                .values(acknowledged_by=by, acknowledged_at=at)
            )
        return self.get(key)


def _view(row: Any) -> EscalationView:
    return EscalationView(
        key=row.idempotency_key,
        kind=EscalationKind(row.kind),
        workflow_id=row.workflow_id,
        mo=row.mo_code,
        reason=row.reason,
        at=row.escalated_at,
        notified=[name for name in row.notified.split(",") if name],
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
    )
