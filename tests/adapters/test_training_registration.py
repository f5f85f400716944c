"""The SGA adapter (RULES.md "Training"; issue 4): places, the waiting list served in order,
and enrolments and cancellations that happen once. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.sagir import ErpRefused
from models.training import Basis, Enrol, EnrolmentStatus

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
SESSION = "RF101-2027-01"  # two places in the demo data


@pytest.fixture
def sga(uow: UnitOfWork) -> SqlSga:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    return SqlSga(uow)


def enrol(number: str, basis: Basis = Basis.mo_instruction) -> Enrol:
    return Enrol(session=SESSION, mo="MTQ", employee_number=number, basis=basis, by="agent-roy")


def test_full_session_puts_the_person_on_a_waiting_list_with_their_position(sga: SqlSga) -> None:
    assert sga.enrol(enrol("60001"), NOW).status is EnrolmentStatus.registered
    assert sga.enrol(enrol("60002"), NOW).status is EnrolmentStatus.registered
    third, fourth = sga.enrol(enrol("60003"), NOW), sga.enrol(enrol("60004"), NOW)
    assert (third.status, third.waiting_position) == (EnrolmentStatus.waiting, 1)
    assert (fourth.status, fourth.waiting_position) == (EnrolmentStatus.waiting, 2)
    view = sga.session(SESSION)
    assert view is not None
    assert (view.registered, view.waiting, view.places_left) == (2, 2, 0)


def test_freed_place_goes_to_the_first_on_the_waiting_list_in_order(sga: SqlSga) -> None:
    for number in ("60001", "60002", "60003", "60004"):
        sga.enrol(enrol(number), NOW)
    cancellation = sga.cancel(SESSION, "MTQ", "60001", NOW)
    assert cancellation.promoted is not None
    assert cancellation.promoted.employee_number == "60003"
    assert cancellation.promoted.status is EnrolmentStatus.registered
    fourth = sga.enrolment(SESSION, "MTQ", "60004")
    assert fourth is not None and fourth.waiting_position == 1
    sga.cancel(SESSION, "MTQ", "60004", NOW)  # a waiting place frees no seat
    registered = {
        e.employee_number for e in sga.enrolments(SESSION) if e.status is EnrolmentStatus.registered
    }
    assert registered == {"60002", "60003"}


def test_cancelling_again_gives_the_same_answer_and_serves_nobody_else(sga: SqlSga) -> None:
    for number in ("60001", "60002", "60003", "60004"):
        sga.enrol(enrol(number), NOW)
    first = sga.cancel(SESSION, "MTQ", "60001", NOW)
    again = sga.cancel(SESSION, "MTQ", "60001", NOW)
    assert again == first
    fourth = sga.enrolment(SESSION, "MTQ", "60004")
    assert fourth is not None and fourth.status is EnrolmentStatus.waiting


def test_enrolling_someone_twice_changes_nothing(sga: SqlSga) -> None:
    first = sga.enrol(enrol("60001"), NOW)
    assert sga.enrol(enrol("60001", Basis.development_plan), NOW) == first
    assert len(sga.enrolments(SESSION)) == 1


def test_enrolling_again_after_a_cancellation_goes_to_the_end_of_the_line(sga: SqlSga) -> None:
    for number in ("60001", "60002", "60003"):
        sga.enrol(enrol(number), NOW)
    sga.cancel(SESSION, "MTQ", "60003", NOW)
    sga.enrol(enrol("60004"), NOW)
    back = sga.enrol(enrol("60003"), NOW)
    assert (back.status, back.waiting_position) == (EnrolmentStatus.waiting, 2)


def test_unknown_session_is_refused_and_changes_nothing(sga: SqlSga) -> None:
    with pytest.raises(ErpRefused, match="session: NOPE-1 is not a session of SGA"):
        sga.enrol(enrol("60001").model_copy(update={"session": "NOPE-1"}), NOW)
    with pytest.raises(ErpRefused, match="60001 is not enrolled in RF101-2027-01"):
        sga.cancel(SESSION, "MTQ", "60001", NOW)
    assert sga.enrolments(SESSION) == []
