"""SAGIR as the desk sees it: responsibilities, the registre d'autorité, and a user's accesses.

Pure rules (no I/O) that the arrival, departure and (later) parameterisation workflows share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

from models.tickets import Contract

ResponsibilityCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
]
EmployeeNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{3,12}$")]
GroupName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^\S+$")
]


class Module(StrEnum):
    """SAGIR's modules; LS is the self-service portals (LSCD, LSA, LSH)."""

    RF = "RF"
    RM = "RM"
    RH = "RH"
    EI = "EI"
    LS = "LS"


class Responsibility(Contract):
    code: str
    name: str
    module: Module


class AuthorityKind(StrEnum):
    personne_autorisee = "personne_autorisee"
    releve = "releve"


class Authority(Contract):
    """One line of an MO's registre d'autorité: a personne autorisée, or the relève of one."""

    mo: str
    employee_number: str
    kind: AuthorityKind
    releve_of: str | None = None
    valid_from: date
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Absence(Contract):
    """A personne autorisée absent from one day to another (both included), as the MO declared
    it on the person's line of the registre: meanwhile their relève authorises in their place."""

    id: int
    mo: str
    line_id: int
    employee_number: str
    absent_from: date
    absent_until: date
    declared_by: str
    declared_at: datetime

    def covers(self, day: date) -> bool:
        return self.absent_from <= day <= self.absent_until


class ErpRefused(ValueError):
    """SAGIR refuses a write for good (unknown responsibility, no account...)."""


class RuleRefused(ValueError):
    """A request breaks a service rule; the message names the rule and the field."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def check_authoriser(
    mo: str,
    authoriser: str,
    beneficiary: str,
    day: date,
    register: list[Authority],
    absences: Sequence[Absence] = (),
) -> Authority:
    """The authoriser must be a personne autorisée or relève of `mo` valid on `day`, not absent
    that day (their relève authorises in their place), and may not authorise a request for
    themselves (RULES.md "Parameterisation, access and security")."""
    if authoriser == beneficiary:
        raise RuleRefused(
            "SelfAuthorisation", "authorised_by: nobody may authorise a request for themselves"
        )
    lines = [line for line in register if line.mo == mo and line.employee_number == authoriser]
    if not lines:
        raise RuleRefused(
            "NotAuthorised",
            f"authorised_by: {authoriser} is not a personne autorisée or relève of {mo}",
        )
    absent = next(
        (a for a in absences if a.mo == mo and a.employee_number == authoriser and a.covers(day)),
        None,
    )
    if absent is not None:
        releves = sorted(
            {
                line.employee_number
                for line in register
                if line.mo == mo and line.releve_of == authoriser and line.valid_on(day)
            }
        )
        raise RuleRefused(
            "AuthoriserAbsent",
            f"authorised_by: {authoriser} is absent from {absent.absent_from} to "
            f"{absent.absent_until}; their relève ({', '.join(releves) or 'none valid'}) "
            "authorises in their place",
        )
    for line in lines:
        if line.valid_on(day):
            return line
    spans = "; ".join(
        f"{line.kind.value} from {line.valid_from} to {line.valid_until or 'open'}"
        for line in lines
    )
    raise RuleRefused(
        "AuthorityNotValid",
        f"authorised_by: {authoriser} is not valid for {mo} on {day} ({spans})",
    )


def responsibilities_to_grant(
    requested: list[str],
    defaults: list[str],
    allowed: set[str],
    catalogue: dict[str, Responsibility],
    partition_group: str | None,
) -> list[str]:
    """The MO's defaults plus the requested ones, each allowed by the register; an EI
    responsibility needs a partition group (whose existence the caller checks)."""
    for code in requested:
        if code not in catalogue:
            raise RuleRefused(
                "UnknownResponsibility", f"responsibilities: {code} is not in SAGIR's catalogue"
            )
        if code not in allowed and code not in defaults:
            raise RuleRefused(
                "NotInRegistre",
                f"responsibilities: {code} is not allowed by the MO's registre d'autorité",
            )
    granted = list(dict.fromkeys([*defaults, *requested]))
    needs_group = [code for code in granted if catalogue[code].module is Module.EI]
    if needs_group and partition_group is None:
        raise RuleRefused(
            "EiNeedsCloisonnement",
            f"partition_group: {', '.join(needs_group)} is an EI responsibility and needs a "
            "partition group (cloisonnement)",
        )
    return granted


class AccountStatus(StrEnum):
    prepared = "prepared"
    active = "active"
    removed = "removed"


class AccessSnapshot(Contract):
    """What SAGIR holds for one user: read back to prove a grant or a removal."""

    mo: str
    employee_number: str
    account: AccountStatus | None
    responsibilities: list[str]
    partition_group: str | None
    parameters: dict[str, str]

    @property
    def is_empty(self) -> bool:
        return (
            self.account in (None, AccountStatus.removed)
            and not self.responsibilities
            and self.partition_group is None
            and not self.parameters
        )
