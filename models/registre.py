"""The registre d'autorité as the MO keeps it: declaring, changing and ending personnes autorisées
and relèves, and declaring, ending or cancelling a personne autorisée's absences, each change
recorded. The MO must never be left without one, and each personne autorisée has a valid relève
on every day of their validity (RULES.md glossary), who authorises in their place while they are
absent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self, TypeVar

from pydantic import model_validator

from models.sagir import (
    Absence,
    Authority,
    AuthorityKind,
    EmployeeNumber,
    Responsibility,
    RuleRefused,
)
from models.tickets import ActorCode, Contract, MoCode, ServiceDate


class RegistreLine(Authority):
    """One line of the registre, with the id people use to change or end it."""

    id: int


# The MO is warned this many days before a line of its registre stops being valid.
EXPIRY_WARNING_DAYS = 30


class Declaration(Contract):
    """A new line. A new personne autorisée has no relève yet, so their declaration names their
    first one (`releve`): both lines are written together, on the same validity."""

    mo: MoCode
    employee_number: EmployeeNumber
    kind: AuthorityKind
    releve_of: EmployeeNumber | None = None
    releve: EmployeeNumber | None = None
    valid_from: ServiceDate
    valid_until: ServiceDate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is AuthorityKind.releve and self.releve_of is None:
            raise ValueError("releve_of: a relève is the relève of a personne autorisée")
        if self.kind is AuthorityKind.personne_autorisee and self.releve_of is not None:
            raise ValueError("releve_of: only a relève is the relève of someone")
        if self.kind is AuthorityKind.releve and self.releve is not None:
            raise ValueError("releve: only a personne autorisée is declared with a relève")
        if self.employee_number == self.releve:
            raise ValueError("releve: a relève is another person than the personne autorisée")
        if self.employee_number == self.releve_of:
            raise ValueError("releve_of: a relève is another person than the personne autorisée")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until: must be on or after valid_from")
        return self

    def releve_declaration(self) -> Declaration | None:
        """The line of the first relève this declaration names, if it names one."""
        if self.releve is None:
            return None
        return Declaration(
            mo=self.mo,
            employee_number=self.releve,
            kind=AuthorityKind.releve,
            releve_of=self.employee_number,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
        )


class RegistreAction(StrEnum):
    declare = "declare"
    change = "change"
    end = "end"
    absence = "absence"
    absence_end = "absence_end"
    absence_cancel = "absence_cancel"


class AbsenceDeclaration(Contract):
    """A personne autorisée absent from one day to another (both included), declared on their
    line of the registre."""

    line_id: int
    absent_from: ServiceDate
    absent_until: ServiceDate
    by: ActorCode

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.absent_until < self.absent_from:
            raise ValueError("absent_until: must be on or after absent_from")
        return self


class AbsenceEnd(Contract):
    """Ending an absence sooner (its new last day), or cancelling one not yet begun."""

    absence_id: int
    last_day: ServiceDate | None = None
    cancel: bool = False
    by: ActorCode

    @model_validator(mode="after")
    def _one_or_the_other(self) -> Self:
        if self.cancel and self.last_day is not None:
            raise ValueError("last_day: a cancelled absence has no last day; give one or the other")
        if not self.cancel and self.last_day is None:
            raise ValueError("last_day: give the absence's new last day, or cancel it")
        return self


def absence_detail(absence: Absence) -> str:
    """How the registre's history words an absence."""
    return (
        f"absence of {absence.employee_number} from {absence.absent_from} to {absence.absent_until}"
    )


def absence_end_detail(absence: Absence, end: AbsenceEnd) -> str:
    """How the registre's history words an absence ended (or cancelled): as it was, then what
    became of it."""
    then = "cancelled" if end.last_day is None else f"ended on {end.last_day}"
    return f"{absence_detail(absence)} {then}"


class RegistreChange(Contract):
    id: int
    mo: str
    line_id: int
    action: RegistreAction
    changed_by: str
    changed_at: datetime
    detail: str


class ChangeValidity(Contract):
    """New validity dates for a line (`end` is a change of `valid_until` to the last day)."""

    line_id: int
    valid_from: ServiceDate | None = None  # unchanged when None
    valid_until: ServiceDate | None = None
    open_ended: bool = False  # clear `valid_until`
    by: ActorCode


def first_uncovered_day(lines: list[Authority], today: date) -> date | None:
    """The first day from `today` on which nobody in `lines` may authorise (None: never)."""
    day = today
    for _ in range(len(lines) + 1):
        covering = [line for line in lines if line.valid_on(day)]
        if not covering:
            return day
        if any(line.valid_until is None for line in covering):
            return None
        day = max(line.valid_until for line in covering if line.valid_until) + timedelta(days=1)
    return day


def check_still_covered(
    mo: str, before: list[Authority], after: list[Authority], today: date
) -> None:
    """Refuse a change that leaves the MO with nobody to authorise sooner than before."""
    gap_after = first_uncovered_day(after, today)
    if gap_after is None:
        return
    gap_before = first_uncovered_day(before, today)
    if gap_before is not None and gap_before <= gap_after:
        return  # the change does not make things worse (a new MO filling its registre, say)
    raise RuleRefused(
        "RegistreLeftEmpty",
        f"registre: this change would leave {mo} with no valid personne autorisée or relève "
        f"from {gap_after}; declare another one first",
    )


Span = tuple[date, date | None]


def _on(span: Span, day: date) -> bool:
    start, end = span
    return start <= day and (end is None or day <= end)


def _boundaries(spans: Sequence[Span], since: date) -> list[date]:
    """`since` and each later day on which being in one of `spans` may change (a span's first
    day, the day after its last): between two of these days nothing changes, so they stand for
    every day from `since` on."""
    days = {since}
    days |= {start for start, _ in spans if start > since}
    days |= {end + timedelta(days=1) for _, end in spans if end is not None and end >= since}
    return sorted(days)


# What a personne autorisée needs covered (their validity, or their absences within it) and
# the spans of the relèves covering them.
Coverage = tuple[Sequence[Span], Sequence[Span]]


def _uncovered(coverage: Coverage, day: date) -> bool:
    needed, covering = coverage
    return any(_on(span, day) for span in needed) and not any(_on(s, day) for s in covering)


def _first_gap(coverage: Coverage, since: date) -> date | None:
    """The first day from `since` that lies in a needed span and in no covering one (None:
    never)."""
    days = _boundaries([*coverage[0], *coverage[1]], since)
    return next((day for day in days if _uncovered(coverage, day)), None)


def _first_new_gap(before: Coverage, after: Coverage, since: date) -> date | None:
    """The first day from `since` uncovered after a change that was not before it (None: the
    change uncovers no day). The boundaries of both stand for every day of both."""
    days = _boundaries([*before[0], *before[1], *after[0], *after[1]], since)
    return next(
        (day for day in days if _uncovered(after, day) and not _uncovered(before, day)), None
    )


def _releve_spans(lines: Sequence[Authority], employee_number: str) -> list[Span]:
    return [
        (line.valid_from, line.valid_until)
        for line in lines
        if line.kind is AuthorityKind.releve and line.releve_of == employee_number
    ]


def _validity_spans(lines: Sequence[Authority], employee_number: str) -> list[Span]:
    """The spans on which `employee_number` is a valid personne autorisée."""
    return [
        (line.valid_from, line.valid_until)
        for line in lines
        if line.kind is AuthorityKind.personne_autorisee and line.employee_number == employee_number
    ]


def _absent_while_valid(
    employee_number: str, absent_from: date, absent_until: date, lines: Sequence[Authority]
) -> list[Span]:
    """The days of an absence on which the person is still a valid personne autorisée: only
    those need a relève (nobody authorises in the place of someone no longer in the registre)."""
    spans: list[Span] = []
    for start, end in _validity_spans(lines, employee_number):
        first, last = (
            max(absent_from, start),
            absent_until if end is None else min(absent_until, end),
        )
        if first <= last:
            spans.append((first, last))
    return spans


def first_day_without_releve(
    employee_number: str, lines: Sequence[Authority], today: date
) -> date | None:
    """The first day from `today` on which `employee_number` is a valid personne autorisée and
    none of their relèves is valid (None: never)."""
    coverage = (_validity_spans(lines, employee_number), _releve_spans(lines, employee_number))
    return _first_gap(coverage, today)


class ReleveCoverage(Contract):
    """A personne autorisée's relèves: who is valid today, and the first day from today on
    when none is (None: covered on every day of their validity)."""

    employee_number: str
    releves_today: list[str]
    uncovered_from: date | None
    absent_today: bool = False


def releve_coverage(
    lines: Sequence[Authority], absences: Sequence[Absence], today: date
) -> list[ReleveCoverage]:
    """Each personne autorisée's coverage by their relèves, as of `today`."""
    people = dict.fromkeys(
        line.employee_number for line in lines if line.kind is AuthorityKind.personne_autorisee
    )
    return [
        ReleveCoverage(
            employee_number=who,
            releves_today=sorted(
                {
                    line.employee_number
                    for line in lines
                    if line.kind is AuthorityKind.releve
                    and line.releve_of == who
                    and line.valid_on(today)
                }
            ),
            uncovered_from=first_day_without_releve(who, lines, today),
            absent_today=any(a.employee_number == who and a.covers(today) for a in absences),
        )
        for who in people
    ]


def check_releves_kept(
    mo: str,
    before: Sequence[Authority],
    after: Sequence[Authority],
    absences: Sequence[Absence],
    today: date,
) -> None:
    """Refuse a change that leaves a personne autorisée without a valid relève on any day of
    their validity, from today on, that had one before (their absences lie within it). The
    days a registre kept before this rule already left uncovered may stay so."""
    for who in sorted(
        {line.employee_number for line in after if line.kind is AuthorityKind.personne_autorisee}
    ):
        gap = _first_new_gap(
            (_validity_spans(before, who), _releve_spans(before, who)),
            (_validity_spans(after, who), _releve_spans(after, who)),
            today,
        )
        if gap is None:
            continue
        if any(a.employee_number == who and a.covers(gap) for a in absences):
            raise RuleRefused(
                "AbsenceWithoutReleve",
                f"releve: this change would leave {who} absent on {gap} with no valid relève; "
                "an absence needs a relève over its whole period",
            )
        raise RuleRefused(
            "NoReleve",
            f"releve: this change would leave personne autorisée {who} of {mo} without a valid "
            f"relève from {gap}; declare a relève for that day first",
        )


def check_absence(
    declaration: AbsenceDeclaration,
    line: Authority,
    lines: Sequence[Authority],
    absences: Sequence[Absence],
    today: date,
) -> None:
    """Only a personne autorisée is declared absent, within their line's validity, from today
    on (never backdated: the requests already received were checked against the registre as it
    stood on the day each was received), and with a valid relève on every day of the absence
    on which they are a valid personne autorisée."""
    who, line_id = line.employee_number, declaration.line_id
    if line.kind is not AuthorityKind.personne_autorisee:
        raise RuleRefused(
            "NotPersonneAutorisee",
            f"line_id: {declaration.line_id} is a relève's line; only a personne autorisée is "
            "declared absent",
        )
    if declaration.absent_from < today:
        raise RuleRefused(
            "AbsenceBackdated",
            "absent_from: an absence begins today or later, since the requests already "
            "received were checked against the registre as it stood",
        )
    if declaration.absent_from < line.valid_from:
        raise RuleRefused(
            "AbsenceOutsideValidity",
            f"absent_from: line {line_id} is valid from {line.valid_from} only; the absence "
            "begins then or later",
        )
    if line.valid_until is not None and declaration.absent_until > line.valid_until:
        raise RuleRefused(
            "AbsenceOutsideValidity",
            f"absent_until: line {line_id} is valid until {line.valid_until} only; the absence "
            "ends then or sooner",
        )
    for other in absences:
        if (
            other.employee_number == who
            and other.absent_from <= declaration.absent_until
            and declaration.absent_from <= other.absent_until
        ):
            raise RuleRefused(
                "AbsenceOverlaps",
                f"absent_from: {who} is already absent from {other.absent_from} to "
                f"{other.absent_until}",
            )
    needed = _absent_while_valid(who, declaration.absent_from, declaration.absent_until, lines)
    gap = _first_gap((needed, _releve_spans(lines, who)), declaration.absent_from)
    if gap is not None:
        raise RuleRefused(
            "AbsenceWithoutReleve",
            f"releve: {who} has no valid relève on {gap}; an absence needs a relève over its "
            "whole period",
        )


def check_absence_end(end: AbsenceEnd, absence: Absence, today: date) -> None:
    """An absence still to come may be cancelled; one not yet over may be ended sooner, on a
    day from today on (the days already passed stay as they were: requests received then were
    checked against them)."""
    number = end.absence_id
    if absence.absent_until < today:
        raise RuleRefused(
            "AbsenceOver",
            f"absence_id: absence {number} ended on {absence.absent_until}; a past absence "
            "stays as it was",
        )
    if end.last_day is None:  # cancelled
        if absence.absent_from <= today:
            raise RuleRefused(
                "AbsenceBegun",
                f"cancel: absence {number} began on {absence.absent_from}; end it on a day "
                "from today on instead",
            )
        return
    if end.last_day < today:
        raise RuleRefused("AbsenceEndPast", "last_day: an absence ends today or later")
    if end.last_day < absence.absent_from:
        raise RuleRefused(
            "AbsenceEndBeforeStart",
            f"last_day: absence {number} begins on {absence.absent_from}; end it on that day or "
            "later, or cancel it",
        )
    if end.last_day >= absence.absent_until:
        raise RuleRefused(
            "AbsenceNotShortened",
            f"last_day: absence {number} already ends on {absence.absent_until}; ending it "
            "makes it shorter",
        )


Line = TypeVar("Line", bound=Authority)


def lines_ending_soon(lines: Sequence[Line], today: date) -> list[Line]:
    """The lines whose last day of validity is from today to `EXPIRY_WARNING_DAYS` days on."""
    last = today + timedelta(days=EXPIRY_WARNING_DAYS)
    return [
        line for line in lines if line.valid_until is not None and today <= line.valid_until <= last
    ]


def check_declaration(declaration: Declaration, lines: list[Authority]) -> None:
    """A relève is the relève of a personne autorisée of the same MO."""
    if declaration.kind is AuthorityKind.releve and not any(
        line.kind is AuthorityKind.personne_autorisee
        and line.employee_number == declaration.releve_of
        for line in lines
    ):
        raise RuleRefused(
            "UnknownPersonneAutorisee",
            f"releve_of: {declaration.releve_of} is not a personne autorisée of {declaration.mo}",
        )


class MoResponsibilities(Contract):
    """The responsibilities an MO's people may be given: everyone's defaults, and the others its
    registre d'autorité allows."""

    defaults: list[Responsibility]
    allowed: list[Responsibility]
