"""Training registration in SGA (RULES.md "Training"; issue 4): places, the waiting list served
in order, and enrolments that happen once. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.directory import Person
from models.training import Basis, Enrol, EnrolmentStatus
from starter.errors import InvalidInput
from starter.training_desk import TrainingDesk

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
SESSION = "RF101-2027-01"  # two places in the demo data


@pytest.fixture
def desk(uow: UnitOfWork) -> TrainingDesk:
    erp = SqlSagirErp(uow)
    load_demo_data(SqlDirectory(uow), erp, SqlSga(uow))
    for number in ("60001", "60002", "60003", "60004"):
        erp.add_person(
            Person(
                mo="MTQ",
                employee_number=number,
                first_name="Participant",
                last_name=number,
                work_email=f"p{number}@mtq.example",
                email_works=True,
                birth_day=1,
                birth_month=1,
            )
        )
    return TrainingDesk(SqlDirectory(uow), erp, SqlSga(uow), OutboxMailer(uow), lambda: NOW)


def enrol(number: str, basis: Basis = Basis.mo_instruction) -> Enrol:
    return Enrol(session=SESSION, mo="MTQ", employee_number=number, basis=basis, by="agent-roy")


def test_full_session_puts_the_person_on_a_waiting_list_with_their_position(
    desk: TrainingDesk,
) -> None:
    assert desk.enrol(enrol("60001")).status is EnrolmentStatus.registered
    assert desk.enrol(enrol("60002", Basis.development_plan)).status is EnrolmentStatus.registered
    third = desk.enrol(enrol("60003"))
    fourth = desk.enrol(enrol("60004"))
    assert (third.status, third.waiting_position) == (EnrolmentStatus.waiting, 1)
    assert (fourth.status, fourth.waiting_position) == (EnrolmentStatus.waiting, 2)
    [view] = [view for view in desk.sessions() if view.session.code == SESSION]
    assert (view.registered, view.waiting, view.places_left) == (2, 2, 0)


def test_freed_place_goes_to_the_first_on_the_waiting_list_in_order(desk: TrainingDesk) -> None:
    for number in ("60001", "60002", "60003", "60004"):
        desk.enrol(enrol(number))
    cancellation = desk.cancel(SESSION, "MTQ", "60001", "agent-roy")
    assert cancellation.promoted is not None
    assert cancellation.promoted.employee_number == "60003"
    assert cancellation.promoted.status is EnrolmentStatus.registered
    by_number = {e.employee_number: e for e in desk.participants(SESSION)}
    assert by_number["60004"].waiting_position == 1
    desk.cancel(SESSION, "MTQ", "60004", "agent-roy")  # a waiting place frees no seat
    assert {
        e.employee_number
        for e in desk.participants(SESSION)
        if e.status is EnrolmentStatus.registered
    } == {"60002", "60003"}


def test_enrolling_someone_twice_changes_nothing(desk: TrainingDesk) -> None:
    first = desk.enrol(enrol("60001"))
    again = desk.enrol(enrol("60001", Basis.development_plan))
    assert again == first
    assert len(desk.participants(SESSION)) == 1


def test_registration_records_its_basis_and_tells_the_employee(
    desk: TrainingDesk, uow: UnitOfWork
) -> None:
    desk.enrol(enrol("60001", Basis.development_plan))
    [participant] = desk.participants(SESSION)
    assert participant.basis is Basis.development_plan
    assert participant.requested_by == "agent-roy"
    [mail] = OutboxMailer(uow).sent("formation/")
    assert mail.to == "p60001@mtq.example" and "registered" in mail.body


def test_enrolment_in_an_unknown_session_or_of_an_unknown_employee_is_refused(
    desk: TrainingDesk,
) -> None:
    with pytest.raises(InvalidInput, match="session: NOPE-1 is not a session of SGA"):
        desk.enrol(enrol("60001").model_copy(update={"session": "NOPE-1"}))
    with pytest.raises(InvalidInput, match="99999 has no dossier personne in MTQ"):
        desk.enrol(enrol("99999"))
    with pytest.raises(InvalidInput, match="agent: rh-mtq is not an active agent"):
        desk.enrol(enrol("60001").model_copy(update={"by": "rh-mtq"}))
    assert desk.participants(SESSION) == []
