"""The registre d'autorité as the MO keeps it: show, declare, change, end, declare and end an
absence, the relèves' coverage and the history of changes. No workflow: each change is one database
transaction that checks the rules. A personne autorisée (or relève) keeps their own MO's; the
CA and the auditors read them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.ports import Directory, SagirErp
from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    MoResponsibilities,
    RegistreAction,
    RegistreChange,
    RegistreLine,
    ReleveCoverage,
    releve_coverage,
)
from models.roles import Action, Caller
from models.sagir import Absence, ErpRefused, RuleRefused
from models.service_calendar import MONTREAL
from starter.desks.access import acting_as_self, authorize
from starter.desks.checks import require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class RegistreDesk:
    directory: Directory
    erp: SagirErp
    clock: Clock = utc_now

    def show(self, mo: str) -> list[RegistreLine]:
        require_mo(self.directory, mo)
        return self.erp.registre_lines(mo)

    def history(self, mo: str) -> list[RegistreChange]:
        require_mo(self.directory, mo)
        return self.erp.registre_changes(mo)

    def absences(self, mo: str) -> list[Absence]:
        require_mo(self.directory, mo)
        return self.erp.registre_absences(mo)

    def coverage(self, mo: str) -> list[ReleveCoverage]:
        """Each personne autorisée's relèves today, and the first day none is valid."""
        require_mo(self.directory, mo)
        return releve_coverage(
            self.erp.registre_lines(mo), self.erp.registre_absences(mo), self._today()
        )

    def responsibilities(self, mo: str) -> MoResponsibilities:
        """What the MO's people may be given: everyone's default responsibilities, and the
        others its registre d'autorité allows (the forms' choices)."""
        require_mo(self.directory, mo)
        catalogue = self.erp.catalogue()
        defaults = self.erp.default_responsibilities(mo)
        allowed = sorted(self.erp.registre_responsibilities(mo) - set(defaults))
        return MoResponsibilities(
            defaults=[catalogue[code] for code in defaults if code in catalogue],
            allowed=[catalogue[code] for code in allowed if code in catalogue],
        )

    def declare(self, declaration: Declaration, by: str) -> RegistreLine:
        require_mo(self.directory, declaration.mo)
        try:
            return self.erp.declare_authority(declaration, by, self.clock())
        except (RuleRefused, ErpRefused) as refused:
            raise InvalidInput(str(refused)) from None

    def change(self, mo: str, change: ChangeValidity) -> RegistreLine:
        return self._change(mo, change, RegistreAction.change)

    def end(self, mo: str, line_id: int, last_day: date, by: str) -> RegistreLine:
        """End a line: it is valid up to and including `last_day`."""
        return self._change(
            mo, ChangeValidity(line_id=line_id, valid_until=last_day, by=by), RegistreAction.end
        )

    def declare_absence(self, mo: str, declaration: AbsenceDeclaration) -> Absence:
        """A personne autorisée absent for a period: meanwhile their relève authorises."""
        require_mo(self.directory, mo)
        try:
            return self.erp.declare_absence(mo, declaration, self._today(), self.clock())
        except (RuleRefused, ErpRefused) as refused:
            raise InvalidInput(str(refused)) from None

    def end_absence(self, mo: str, end: AbsenceEnd) -> Absence:
        """End an absence sooner, or cancel one not yet begun: the person authorises again
        from the day after (the absence as it now stands, or as it was if cancelled)."""
        require_mo(self.directory, mo)
        try:
            return self.erp.end_absence(mo, end, self._today(), self.clock())
        except (RuleRefused, ErpRefused) as refused:
            raise InvalidInput(str(refused)) from None

    def _today(self) -> date:
        return self.clock().astimezone(MONTREAL).date()

    def _change(self, mo: str, change: ChangeValidity, action: RegistreAction) -> RegistreLine:
        require_mo(self.directory, mo)
        now = self.clock()
        try:
            return self.erp.change_authority(
                mo, change, now.astimezone(MONTREAL).date(), now, action
            )
        except (RuleRefused, ErpRefused) as refused:
            raise InvalidInput(str(refused)) from None


@dataclass(frozen=True)
class GuardedRegistre:
    desk: RegistreDesk
    caller: Caller

    def show(self, mo: str) -> list[RegistreLine]:
        self._registre_of(mo, Action.registre_read)
        return self.desk.show(mo)

    def history(self, mo: str) -> list[RegistreChange]:
        self._registre_of(mo, Action.registre_read)
        return self.desk.history(mo)

    def responsibilities(self, mo: str) -> MoResponsibilities:
        self._registre_of(mo, Action.registre_read)
        return self.desk.responsibilities(mo)

    def absences(self, mo: str) -> list[Absence]:
        self._registre_of(mo, Action.registre_read)
        return self.desk.absences(mo)

    def coverage(self, mo: str) -> list[ReleveCoverage]:
        self._registre_of(mo, Action.registre_read)
        return self.desk.coverage(mo)

    def declare_absence(self, mo: str, declaration: AbsenceDeclaration) -> Absence:
        self._registre_of(mo, Action.registre_change)
        acting_as_self(self.caller, "by", declaration.by)
        return self.desk.declare_absence(mo, declaration)

    def end_absence(self, mo: str, end: AbsenceEnd) -> Absence:
        self._registre_of(mo, Action.registre_change)
        acting_as_self(self.caller, "by", end.by)
        return self.desk.end_absence(mo, end)

    def declare(self, declaration: Declaration, by: str) -> RegistreLine:
        self._registre_of(declaration.mo, Action.registre_change)
        acting_as_self(self.caller, "by", by)
        return self.desk.declare(declaration, by)

    def change(self, mo: str, change: ChangeValidity) -> RegistreLine:
        self._registre_of(mo, Action.registre_change)
        acting_as_self(self.caller, "by", change.by)
        return self.desk.change(mo, change)

    def end(self, mo: str, line_id: int, last_day: date, by: str) -> RegistreLine:
        self._registre_of(mo, Action.registre_change)
        acting_as_self(self.caller, "by", by)
        return self.desk.end(mo, line_id, last_day, by)

    def _registre_of(self, mo: str, action: Action) -> None:
        """The MO must be one the caller sees, and a client of the CA (404 otherwise, like any
        record that does not exist)."""
        authorize(self.caller, action, mo, f"the registre of {mo}")
        if self.desk.directory.mo(mo) is None:
            raise NotFound(f"the registre of {mo} does not exist")
