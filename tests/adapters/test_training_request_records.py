"""What a training request needs of the database (issue 16 item 5), on SQLite and PostgreSQL:
SGA says whether a course exists, the request's number series, and its listing in the desk's
records (the process name `demande-formation` fits the records' column)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_request_records import SqlRequestRecords
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.audit import WorkflowStep, WorkflowSteps
from models.requests import Listing, ListQuery, Process
from models.training import Course

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_sga_says_which_courses_exist(uow: UnitOfWork) -> None:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    sga = SqlSga(uow)
    assert sga.course("SAGIR-RF-101") == Course(
        code="SAGIR-RF-101", title="Initiation aux finances dans SAGIR"
    )
    assert sga.course("NOPE-101") is None


def test_a_training_request_is_numbered_and_listed_with_its_warning_and_breach(
    uow: UnitOfWork,
) -> None:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    counters = SqlCounters(uow)
    series = f"{Process.training_request.value}-MTQ-2026"
    assert [counters.next_number(series), counters.next_number(series)] == [1, 2]
    records = SqlRequestRecords(uow)
    records.note(
        WorkflowSteps(
            workflow_id="demande-formation-MTQ-2026-000001",
            run_id="run-1",
            mo="MTQ",
            process=Process.training_request.value,
            first_index=0,
            steps=[WorkflowStep(kind="received", actor="rh-mtq", at=NOW)],
            due=DUE,
            listing=Listing(status="received", warned=True, breached=True, due=DUE),
            sent=1,
        )
    )
    page = records.page(ListQuery(process=Process.training_request, mo="MTQ"))
    [listed] = page.items
    assert (listed.id, listed.process, listed.status) == (
        "demande-formation-MTQ-2026-000001",
        "demande-formation",
        "received",
    )
    assert (listed.warned, listed.breached, listed.due) == (True, True, DUE)
    assert records.page(ListQuery(process=Process.training, mo="MTQ")).total == 0
