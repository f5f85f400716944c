"""The registre d'autorité as the MO keeps it: declaring, changing and ending personnes autorisées
and relèves, each change recorded; the MO must never be left without one (RULES.md glossary:
each personne autorisée has a relève, so someone can always authorise)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self

from pydantic import model_validator

from models.sagir import Authority, AuthorityKind, EmployeeNumber, Responsibility, RuleRefused
from models.tickets import ActorCode, Contract, MoCode, ServiceDate


class RegistreLine(Authority):
    """One line of the registre, with the id people use to change or end it."""

    id: int


class Declaration(Contract):
    mo: MoCode
    employee_number: EmployeeNumber
    kind: AuthorityKind
    releve_of: EmployeeNumber | None = None
    valid_from: ServiceDate
    valid_until: ServiceDate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is AuthorityKind.releve and self.releve_of is None:
            raise ValueError("releve_of: a relève is the relève of a personne autorisée")
        if self.kind is AuthorityKind.personne_autorisee and self.releve_of is not None:
            raise ValueError("releve_of: only a relève is the relève of someone")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until: must be on or after valid_from")
        return self


class RegistreAction(StrEnum):
    declare = "declare"
    change = "change"
    end = "end"


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
