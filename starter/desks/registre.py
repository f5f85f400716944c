"""The registre d'autorité as the MO keeps it: show, declare, change, end, and the history of
changes. No workflow: each change is one database transaction that checks the rules. A
personne autorisée (or relève) keeps their own MO's; the CA and the auditors read them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.ports import Directory, SagirErp
from models.registre import (
    ChangeValidity,
    Declaration,
    MoResponsibilities,
    RegistreAction,
    RegistreChange,
    RegistreLine,
)
from models.roles import Action, Caller
from models.sagir import ErpRefused, RuleRefused
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
