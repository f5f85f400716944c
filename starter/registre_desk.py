"""The registre d'autorité as the MO keeps it: show, declare, change, end, and the history of
changes. No workflow: each change is one database transaction that checks the rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from adapters.ports import Directory, SagirErp
from models.registre import (
    ChangeValidity,
    Declaration,
    RegistreAction,
    RegistreChange,
    RegistreLine,
)
from models.sagir import ErpRefused, RuleRefused
from models.service_calendar import MONTREAL
from starter.desk_checks import require_mo
from starter.errors import InvalidInput


class RegistreDesk:
    def __init__(
        self,
        directory: Directory,
        erp: SagirErp,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._directory = directory
        self._erp = erp
        self._clock = clock

    def show(self, mo: str) -> list[RegistreLine]:
        require_mo(self._directory, mo)
        return self._erp.registre_lines(mo)

    def history(self, mo: str) -> list[RegistreChange]:
        require_mo(self._directory, mo)
        return self._erp.registre_changes(mo)

    def declare(self, declaration: Declaration, by: str) -> RegistreLine:
        require_mo(self._directory, declaration.mo)
        try:
            return self._erp.declare_authority(declaration, by, self._clock())
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
        require_mo(self._directory, mo)
        now = self._clock()
        try:
            return self._erp.change_authority(
                mo, change, now.astimezone(MONTREAL).date(), now, action
            )
        except (RuleRefused, ErpRefused) as refused:
            raise InvalidInput(str(refused)) from None
