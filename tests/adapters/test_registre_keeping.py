"""The registre d'autorité as the MO keeps it (issue 4): every change recorded with who and
when, and never a change that leaves the MO with nobody to authorise; each personne autorisée
has a valid relève at every moment, who authorises in their place while they are absent, an
absence being declared from today on and ended sooner or cancelled (issue 16). SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from activities.arrivals import ArrivalActivities
from activities.parameterisation import sagir_view
from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.arrivals import ArrivalCheck, ArrivalRequest
from models.parameterisation import ParamKind, ParamRequest, check_param_request
from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    RegistreAction,
    first_uncovered_day,
)
from models.sagir import Absence, Authority, AuthorityKind, RuleRefused, check_authoriser
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
    personne = line_of(desk, "MSSS", "30011")
    desk.end("MSSS", personne, TODAY, by="pa-msss")  # the relève remains: allowed
    before = desk.show("MSSS")
    changes = len(desk.history("MSSS"))
    with pytest.raises(InvalidInput, match="would leave MSSS with no valid personne autorisée"):
        desk.end("MSSS", line_of(desk, "MSSS", "30012"), TODAY, by="pa-msss")
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
            releve="30014",
            valid_from=date(2026, 12, 1),
        ),
        by="pa-msss",
    )
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


# --- a relève at every moment (issue 16) -----------------------------------------------------


def test_a_registre_change_leaving_a_personne_autorisee_without_releve_is_refused(
    desk: RegistreDesk,
) -> None:
    before, changes = desk.show("MTQ"), len(desk.history("MTQ"))
    alone = Declaration(
        mo="MTQ",
        employee_number="30005",
        kind=AuthorityKind.personne_autorisee,
        valid_from=date(2026, 12, 1),
    )
    with pytest.raises(
        InvalidInput,
        match=r"^releve: this change would leave personne autorisée 30005 of MTQ without a "
        r"valid relève from 2026-12-01; declare a relève for that day first$",
    ):
        desk.declare(alone, by="pa-mtq")
    # The only relève of 30001 (open-ended) may not end, nor start later, while 30001 stays.
    releve = line_of(desk, "MTQ", "30002")
    with pytest.raises(InvalidInput, match="leave personne autorisée 30001 of MTQ without a "):
        desk.end("MTQ", releve, date(2027, 6, 30), by="pa-mtq")
    with pytest.raises(InvalidInput, match="without a valid relève from 2026-11-26"):
        desk.change("MTQ", ChangeValidity(line_id=releve, valid_from=TODAY.replace(day=27), by="x"))
    assert desk.show("MTQ") == before
    assert len(desk.history("MTQ")) == changes
    # A second relève taking over from July lets the first one end in June.
    desk.declare(
        Declaration(
            mo="MTQ",
            employee_number="30003",
            kind=AuthorityKind.releve,
            releve_of="30001",
            valid_from=date(2027, 7, 1),
        ),
        by="pa-mtq",
    )
    assert desk.end("MTQ", releve, date(2027, 6, 30), by="pa-mtq").valid_until == date(2027, 6, 30)


def test_a_personne_autorisee_is_declared_with_their_first_releve_in_one_transaction(
    desk: RegistreDesk,
) -> None:
    declared = desk.declare(
        Declaration(
            mo="MTQ",
            employee_number="30005",
            kind=AuthorityKind.personne_autorisee,
            releve="30006",
            valid_from=date(2026, 12, 1),
            valid_until=date(2027, 11, 30),
        ),
        by="pa-mtq",
    )
    [releve] = [line for line in desk.show("MTQ") if line.employee_number == "30006"]
    assert (declared.employee_number, declared.kind) == ("30005", AuthorityKind.personne_autorisee)
    assert (releve.kind, releve.releve_of) == (AuthorityKind.releve, "30005")
    assert (releve.valid_from, releve.valid_until) == (date(2026, 12, 1), date(2027, 11, 30))
    assert [(c.line_id, c.action) for c in desk.history("MTQ")] == [
        (declared.id, RegistreAction.declare),
        (releve.id, RegistreAction.declare),
    ]
    [coverage] = [one for one in desk.coverage("MTQ") if one.employee_number == "30005"]
    assert coverage.uncovered_from is None and coverage.releves_today == []


# --- absences (issue 16) ------------------------------------------------------------------------


def absent(desk: RegistreDesk, line: int, start: date, end: date) -> AbsenceDeclaration:
    return AbsenceDeclaration(line_id=line, absent_from=start, absent_until=end, by="30001")


def arrival_authorised_by(authoriser: str) -> ArrivalRequest:
    return ArrivalRequest(
        mo="MTQ",
        employee_number="52310",
        start_date=date(2026, 12, 14),
        authorised_by=authoriser,
        requested_by="rh-mtq",
    )


def access_authorised_by(authoriser: str) -> ParamRequest:
    return ParamRequest(
        mo="MTQ",
        kind=ParamKind.access,
        description="Acheteur pour Annie Morin",
        beneficiary="52310",
        grant=["RM-ACHETEUR"],
        authorised_by=authoriser,
        requested_by=authoriser,
        mo_email="rh@mtq.example",
    )


def test_an_absence_routes_authorisation_to_the_releve(desk: RegistreDesk, uow: UnitOfWork) -> None:
    personne = line_of(desk, "MTQ", "30001")
    absence = desk.declare_absence(
        "MTQ", absent(desk, personne, date(2026, 12, 7), date(2026, 12, 18))
    )
    assert (absence.employee_number, absence.line_id) == ("30001", personne)
    [change] = [c for c in desk.history("MTQ") if c.action is RegistreAction.absence]
    assert (change.line_id, change.changed_by, change.changed_at) == (personne, "30001", NOW)
    assert change.detail == "absence of 30001 from 2026-12-07 to 2026-12-18"

    arrivals = ArrivalActivities(desk.erp, SqlSga(uow))
    during, after = date(2026, 12, 10), date(2026, 12, 21)
    with pytest.raises(ApplicationError) as refused:
        arrivals.check_arrival(ArrivalCheck(request=arrival_authorised_by("30001"), day=during))
    assert refused.value.type == "AuthoriserAbsent"
    assert refused.value.message == (
        "authorised_by: 30001 is absent from 2026-12-07 to 2026-12-18; their relève (30002) "
        "authorises in their place"
    )
    arrivals.check_arrival(ArrivalCheck(request=arrival_authorised_by("30002"), day=during))
    arrivals.check_arrival(ArrivalCheck(request=arrival_authorised_by("30001"), day=after))

    access = access_authorised_by("30001")
    with pytest.raises(RuleRefused, match="30001 is absent from 2026-12-07"):
        check_param_request(access, during, sagir_view(desk.erp, access))
    by_releve = access_authorised_by("30002")
    check_param_request(by_releve, during, sagir_view(desk.erp, by_releve))
    [coverage] = desk.coverage("MTQ")
    assert coverage.releves_today == ["30002"] and not coverage.absent_today


def test_an_absence_without_a_valid_releve_over_its_whole_period_is_refused(
    desk: RegistreDesk, uow: UnitOfWork
) -> None:
    # A registre kept before the rule: the relève of 30021 stops on December 15.
    erp = SqlSagirErp(uow)
    for line in (
        Authority(
            mo="MTQ",
            employee_number="30021",
            kind=AuthorityKind.personne_autorisee,
            valid_from=date(2026, 1, 1),
        ),
        Authority(
            mo="MTQ",
            employee_number="30022",
            kind=AuthorityKind.releve,
            releve_of="30021",
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 15),
        ),
    ):
        erp.add_authority(line)
    personne = line_of(desk, "MTQ", "30021")
    changes = len(desk.history("MTQ"))
    with pytest.raises(
        InvalidInput,
        match=r"^releve: 30021 has no valid relève on 2026-12-16; an absence needs a relève "
        r"over its whole period$",
    ):
        desk.declare_absence("MTQ", absent(desk, personne, date(2026, 12, 7), date(2026, 12, 18)))
    with pytest.raises(InvalidInput, match="is a relève's line; only a personne autorisée"):
        desk.declare_absence(
            "MTQ", absent(desk, line_of(desk, "MTQ", "30022"), TODAY, date(2026, 12, 1))
        )
    assert desk.absences("MTQ") == []
    assert len(desk.history("MTQ")) == changes
    # Within the relève's validity it is accepted; the relève may then not end before it does.
    desk.declare_absence("MTQ", absent(desk, personne, date(2026, 12, 7), date(2026, 12, 11)))
    with pytest.raises(
        InvalidInput,
        match=r"^releve: this change would leave 30021 absent on 2026-12-11 with no valid "
        r"relève; an absence needs a relève over its whole period$",
    ):
        desk.end("MTQ", line_of(desk, "MTQ", "30022"), date(2026, 12, 10), by="30021")


def add_lines(uow: UnitOfWork, *lines: Authority) -> None:
    """Lines as a registre kept before the relève rule may hold them."""
    erp = SqlSagirErp(uow)
    for line in lines:
        erp.add_authority(line)


def mtq(
    employee_number: str,
    kind: AuthorityKind,
    start: date,
    end: date | None = None,
    releve_of: str | None = None,
) -> Authority:
    return Authority(
        mo="MTQ",
        employee_number=employee_number,
        kind=kind,
        releve_of=releve_of,
        valid_from=start,
        valid_until=end,
    )


def test_an_absence_begins_today_or_later_so_requests_received_before_stay_authorised(
    desk: RegistreDesk, uow: UnitOfWork
) -> None:
    personne, yesterday = line_of(desk, "MTQ", "30001"), TODAY - timedelta(days=1)
    received_yesterday = ArrivalCheck(request=arrival_authorised_by("30001"), day=yesterday)
    # What a backdated absence would do: a request received yesterday, authorised by 30001
    # while present, refused when checked again against the registre as of its day.
    backdated = Absence(
        id=1,
        mo="MTQ",
        line_id=personne,
        employee_number="30001",
        absent_from=yesterday,
        absent_until=date(2026, 12, 4),
        declared_by="30001",
        declared_at=NOW,
    )
    with pytest.raises(RuleRefused, match="30001 is absent from 2026-11-25"):
        check_authoriser("MTQ", "30001", "52310", yesterday, desk.erp.registre("MTQ"), [backdated])
    # So it is refused, and the request stays authorised.
    with pytest.raises(
        InvalidInput,
        match=r"^absent_from: an absence begins today or later, since the requests already "
        r"received were checked against the registre as it stood$",
    ):
        desk.declare_absence("MTQ", absent(desk, personne, yesterday, date(2026, 12, 4)))
    assert desk.absences("MTQ") == []
    ArrivalActivities(desk.erp, SqlSga(uow)).check_arrival(received_yesterday)
    assert desk.declare_absence("MTQ", absent(desk, personne, TODAY, TODAY)).absent_from == TODAY


def test_an_absence_is_ended_sooner_or_cancelled_before_it_begins_each_recorded(
    desk: RegistreDesk, uow: UnitOfWork
) -> None:
    personne = line_of(desk, "MTQ", "30001")
    december = desk.declare_absence(
        "MTQ", absent(desk, personne, date(2026, 12, 7), date(2026, 12, 18))
    )
    january = desk.declare_absence(
        "MTQ", absent(desk, personne, date(2027, 1, 4), date(2027, 1, 8))
    )
    ended = desk.end_absence(
        "MTQ", AbsenceEnd(absence_id=december.id, last_day=date(2026, 12, 10), by="30001")
    )
    assert (ended.absent_from, ended.absent_until) == (date(2026, 12, 7), date(2026, 12, 10))
    cancelled = desk.end_absence("MTQ", AbsenceEnd(absence_id=january.id, cancel=True, by="30001"))
    assert cancelled == january
    assert desk.absences("MTQ") == [ended]
    assert [
        (c.action, c.line_id, c.changed_by, c.changed_at, c.detail)
        for c in desk.history("MTQ")
        if c.action in (RegistreAction.absence_end, RegistreAction.absence_cancel)
    ] == [
        (
            RegistreAction.absence_end,
            personne,
            "30001",
            NOW,
            "absence of 30001 from 2026-12-07 to 2026-12-18 ended on 2026-12-10",
        ),
        (
            RegistreAction.absence_cancel,
            personne,
            "30001",
            NOW,
            "absence of 30001 from 2027-01-04 to 2027-01-08 cancelled",
        ),
    ]
    # 30001 authorises again from the day after the absence's new last day.
    arrivals = ArrivalActivities(desk.erp, SqlSga(uow))
    with pytest.raises(ApplicationError, match="30001 is absent from 2026-12-07 to 2026-12-10"):
        arrivals.check_arrival(
            ArrivalCheck(request=arrival_authorised_by("30001"), day=date(2026, 12, 10))
        )
    for day in (date(2026, 12, 11), date(2027, 1, 5)):
        arrivals.check_arrival(ArrivalCheck(request=arrival_authorised_by("30001"), day=day))


def test_an_absence_is_ended_only_sooner_from_today_on_and_cancelled_only_before_it_begins(
    desk: RegistreDesk, uow: UnitOfWork
) -> None:
    personne = line_of(desk, "MTQ", "30001")
    begun = desk.declare_absence("MTQ", absent(desk, personne, TODAY, date(2026, 11, 30)))
    coming = desk.declare_absence(
        "MTQ", absent(desk, personne, date(2026, 12, 7), date(2026, 12, 18))
    )
    absences, changes = desk.absences("MTQ"), len(desk.history("MTQ"))

    def end(absence: int, last_day: date | None = None) -> AbsenceEnd:
        return AbsenceEnd(
            absence_id=absence, last_day=last_day, cancel=last_day is None, by="30001"
        )

    refusals = [
        (
            end(begun.id),
            "cancel: absence 1 began on 2026-11-26; end it on a day from today on instead",
        ),
        (end(begun.id, TODAY - timedelta(days=1)), "last_day: an absence ends today or later"),
        (
            end(coming.id, date(2026, 12, 6)),
            "last_day: absence 2 begins on 2026-12-07; end it on that day or later, or cancel it",
        ),
        (
            end(coming.id, date(2026, 12, 18)),
            "last_day: absence 2 already ends on 2026-12-18; ending it makes it shorter",
        ),
        (end(99), "absence_id: 99 is not an absence in MTQ's registre"),
    ]
    assert (begun.id, coming.id) == (1, 2)
    for step, sentence in refusals:
        with pytest.raises(InvalidInput) as refused:
            desk.end_absence("MTQ", step)
        assert str(refused.value) == sentence
    with pytest.raises(InvalidInput, match="absence_id: 2 is not an absence in MSSS's registre"):
        desk.end_absence("MSSS", end(coming.id, date(2026, 12, 10)))
    # Once over, an absence stays as it was.
    later = RegistreDesk(desk.directory, desk.erp, lambda: NOW + timedelta(days=30))
    with pytest.raises(
        InvalidInput,
        match=r"^absence_id: absence 1 ended on 2026-11-30; a past absence stays as it was$",
    ):
        later.end_absence("MTQ", end(begun.id, date(2026, 12, 26)))
    assert desk.absences("MTQ") == absences
    assert len(desk.history("MTQ")) == changes
    # Ending a begun absence today: 30001 authorises again from tomorrow.
    assert desk.end_absence("MTQ", end(begun.id, TODAY)).absent_until == TODAY


def test_an_absence_needs_a_releve_only_on_the_days_its_person_is_still_a_valid_personne_autorisee(
    desk: RegistreDesk, uow: UnitOfWork
) -> None:
    pa, releve = AuthorityKind.personne_autorisee, AuthorityKind.releve
    add_lines(
        uow,
        mtq("30021", pa, date(2026, 1, 1)),
        mtq("30022", releve, date(2026, 1, 1), releve_of="30021"),
    )
    personne = line_of(desk, "MTQ", "30021")
    desk.declare_absence("MTQ", absent(desk, personne, date(2026, 12, 7), date(2026, 12, 18)))
    # 30021 leaves the registre on December 10, during their absence, and their relève with
    # them: nobody authorises in the place of someone no longer a personne autorisée.
    desk.end("MTQ", personne, date(2026, 12, 10), by="30001")
    ended = desk.end("MTQ", line_of(desk, "MTQ", "30022"), date(2026, 12, 10), by="30001")
    assert ended.valid_until == date(2026, 12, 10)
    # Before they leave, the absence's days still need the relève.
    with pytest.raises(InvalidInput, match="leave 30021 absent on 2026-12-10 with no valid relève"):
        desk.end("MTQ", ended.id, date(2026, 12, 9), by="30001")


def test_a_change_may_not_uncover_a_day_that_was_covered_even_when_the_registre_has_a_gap(
    desk: RegistreDesk, uow: UnitOfWork
) -> None:
    pa, releve = AuthorityKind.personne_autorisee, AuthorityKind.releve
    # Kept before the rule: 30021 has no relève from December 16 to 31.
    add_lines(
        uow,
        mtq("30021", pa, date(2026, 1, 1)),
        mtq("30022", releve, date(2026, 1, 1), date(2026, 12, 15), releve_of="30021"),
        mtq("30023", releve, date(2027, 1, 1), releve_of="30021"),
    )
    later_releve = line_of(desk, "MTQ", "30023")
    # Ending the January relève would add new uncovered days after the known gap: refused.
    with pytest.raises(
        InvalidInput,
        match="leave personne autorisée 30021 of MTQ without a valid relève from 2027-07-01",
    ):
        desk.end("MTQ", later_releve, date(2027, 6, 30), by="30001")
    with pytest.raises(InvalidInput, match="without a valid relève from 2027-01-01"):
        desk.change(
            "MTQ", ChangeValidity(line_id=later_releve, valid_from=date(2027, 1, 2), by="30001")
        )
    # The known gap may remain, and a change that narrows it is welcome.
    narrowed = desk.change(
        "MTQ",
        ChangeValidity(line_id=later_releve, valid_from=date(2026, 12, 20), by="30001"),
    )
    assert narrowed.valid_from == date(2026, 12, 20)
    [coverage] = [one for one in desk.coverage("MTQ") if one.employee_number == "30021"]
    assert coverage.uncovered_from == date(2026, 12, 16)
