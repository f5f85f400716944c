"""The figures operations scrape (issue 17) are counted by the database, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from adapters.database import UnitOfWork
from adapters.sql_figures import SqlFigures
from tests.api.test_metrics import seed


def test_the_desks_figures_count_the_queue_escalations_and_outbox(uow: UnitOfWork) -> None:
    seed(uow)
    figures = SqlFigures(uow).now()
    assert (figures.queue_depth, figures.urgent_waiting) == (2, 1)
    assert figures.escalations == {"warning": 2, "breach": 1}
    assert figures.outbox == {"queued": 2, "failed": 1}


def test_an_empty_desk_counts_nothing(uow: UnitOfWork) -> None:
    figures = SqlFigures(uow).now()
    assert (figures.queue_depth, figures.escalations, figures.outbox) == (0, {}, {})
