"""The registre d'autorité as the MO keeps it (issue 4): every change recorded with who and
when, and never a change that leaves the MO with nobody to authorise. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.registre import ChangeValidity, Declaration, RegistreAction, first_uncovered_day
from models.sagir import Authority, AuthorityKind
from starter.desks.errors import InvalidInput
from starter.desks.registre import RegistreDesk

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)


@pytest.fixture
def desk(uow: UnitOfWork) -> RegistreDesk:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    return RegistreDesk(SqlDirectory(uow), SqlSagirErp(uow), lambda: NOW)


def line_of(desk: RegistreDesk, mo: str, employee_number: str) -> int:
    [line] = [line for line in desk.show(mo) if line.employee_number == employee_number]
    return line.id


def authority(kind: AuthorityKind, start: date, end: date | None) -> Authority:
    return Authority(mo="MTQ", employee_number="1", kind=kind, valid_from=start, valid_until=end)


def test_first_uncovered_day_follows_consecutive_validity_spans() -> None:
    pa = AuthorityKind.personne_autorisee
    lines = [authority(pa, date(2026, 1, 1), date(2026, 12, 31))]
    assert first_uncovered_day(lines, TODAY) == date(2027, 1, 1)
    lines.append(authority(AuthorityKind.releve, date(2027, 1, 1), None))
    assert first_uncovered_day(lines, TODAY) is None
    assert first_uncovered_day([], TODAY) == TODAY
    assert first_uncovered_day([authority(pa, date(2026, 12, 1), None)], TODAY) == TODAY


def test_registre_change_that_would_leave_the_mo_with_nobody_is_refused_and_changes_nothing(
    desk: RegistreDesk,
) -> None:
    releve = line_of(desk, "MSSS", "30012")
    desk.end("MSSS", releve, TODAY, by="pa-msss")  # the personne autorisée remains: allowed
    before = desk.show("MSSS")
    changes = len(desk.history("MSSS"))
    with pytest.raises(InvalidInput, match="would leave MSSS with no valid personne autorisée"):
        desk.end("MSSS", line_of(desk, "MSSS", "30011"), TODAY, by="pa-msss")
    assert desk.show("MSSS") == before
    assert len(desk.history("MSSS")) == changes


def test_ending_a_personne_autorisee_is_allowed_once_a_new_one_covers_from_the_next_day(
    desk: RegistreDesk,
) -> None:
    desk.declare(
        Declaration(
            mo="MSSS",
            employee_number="30013",
            kind=AuthorityKind.personne_autorisee,
            valid_from=date(2026, 12, 1),
        ),
        by="pa-msss",
    )
    desk.end("MSSS", line_of(desk, "MSSS", "30012"), TODAY, by="pa-msss")
    ended = desk.end("MSSS", line_of(desk, "MSSS", "30011"), date(2026, 11, 30), by="pa-msss")
    assert ended.valid_until == date(2026, 11, 30)


def test_registre_changes_are_recorded_with_who_and_when(desk: RegistreDesk) -> None:
    declared = desk.declare(
        Declaration(
            mo="MTQ",
            employee_number="30003",
            kind=AuthorityKind.releve,
            releve_of="30001",
            valid_from=date(2026, 12, 1),
        ),
        by="pa-mtq",
    )
    desk.change(
        "MTQ",
        ChangeValidity(line_id=declared.id, valid_until=date(2027, 6, 30), by="pa-mtq"),
    )
    desk.end("MTQ", declared.id, date(2027, 3, 31), by="rh-mtq")
    history = [change for change in desk.history("MTQ") if change.line_id == declared.id]
    assert [(c.action, c.changed_by, c.changed_at) for c in history] == [
        (RegistreAction.declare, "pa-mtq", NOW),
        (RegistreAction.change, "pa-mtq", NOW),
        (RegistreAction.end, "rh-mtq", NOW),
    ]
    assert history[-1].detail == "releve 30003 (relève of 30001) valid 2026-12-01 to 2027-03-31"


def test_a_releve_is_the_releve_of_a_personne_autorisee_of_the_same_mo(
    desk: RegistreDesk,
) -> None:
    before = desk.show("MTQ")
    with pytest.raises(InvalidInput, match="releve_of: 30011 is not a personne autorisée of MTQ"):
        desk.declare(
            Declaration(
                mo="MTQ",
                employee_number="30004",
                kind=AuthorityKind.releve,
                releve_of="30011",
                valid_from=TODAY,
            ),
            by="pa-mtq",
        )
    assert desk.show("MTQ") == before


def test_another_mo_line_cannot_be_changed_through_this_mo(desk: RegistreDesk) -> None:
    with pytest.raises(InvalidInput, match="is not a line of MTQ's registre"):
        desk.end("MTQ", line_of(desk, "MSSS", "30012"), TODAY, by="pa-mtq")
