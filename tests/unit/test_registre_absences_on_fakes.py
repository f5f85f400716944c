"""The fake SAGIR keeps absences as the database does (tests/adapters/test_registre_keeping.py):
an absence ended sooner or cancelled is recorded in the registre's history, a cancelled one's
id is never given again, and the rules refuse the same."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.fakes import FakeSagirErp
from models.registre import AbsenceDeclaration, AbsenceEnd, RegistreAction
from models.sagir import Authority, AuthorityKind, RuleRefused

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)


@pytest.fixture
def erp() -> FakeSagirErp:
    erp = FakeSagirErp()
    for number, kind, of in (
        ("30001", AuthorityKind.personne_autorisee, None),
        ("30002", AuthorityKind.releve, "30001"),
    ):
        erp.add_authority(
            Authority(mo="MTQ", employee_number=number, kind=kind, releve_of=of, valid_from=TODAY)
        )
    return erp


def absent(erp: FakeSagirErp, start: date, end: date) -> int:
    declaration = AbsenceDeclaration(line_id=1, absent_from=start, absent_until=end, by="30001")
    return erp.declare_absence("MTQ", declaration, TODAY, NOW).id


def test_an_absence_ended_or_cancelled_on_the_fake_is_recorded_and_its_id_never_reused(
    erp: FakeSagirErp,
) -> None:
    december = absent(erp, date(2026, 12, 7), date(2026, 12, 18))
    january = absent(erp, date(2027, 1, 4), date(2027, 1, 8))
    erp.end_absence("MTQ", AbsenceEnd(absence_id=january, cancel=True, by="30001"), TODAY, NOW)
    ended = erp.end_absence(
        "MTQ",
        AbsenceEnd(absence_id=december, last_day=date(2026, 12, 10), by="30001"),
        TODAY,
        NOW,
    )
    assert absent(erp, date(2027, 2, 1), date(2027, 2, 5)) == 3
    assert [(a.id, a.absent_until) for a in erp.registre_absences("MTQ")] == [
        (ended.id, date(2026, 12, 10)),
        (3, date(2027, 2, 5)),
    ]
    assert [c.action for c in erp.registre_changes("MTQ")] == [
        RegistreAction.absence,
        RegistreAction.absence,
        RegistreAction.absence_cancel,
        RegistreAction.absence_end,
        RegistreAction.absence,
    ]
    with pytest.raises(RuleRefused, match="^cancel: absence 1 began on 2026-12-07"):
        erp.end_absence(
            "MTQ", AbsenceEnd(absence_id=december, cancel=True, by="30001"), date(2026, 12, 8), NOW
        )
