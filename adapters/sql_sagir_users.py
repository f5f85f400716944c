"""SAGIR's users as the communiqués' groups see them (port `SagirUsers`), on the SAGIR-like
ERP's tables: a user is a dossier personne in service with an active account.

- `all`: every user of the MOs;
- `responsibility:CODE` / `module:RF`: holders of that responsibility / of any of the module's;
- `managers`: holders of approval powers valid on the day (the *pouvoirs d'approbation* are
  what makes a manager in SAGIR);
- `self-service`: holders of a self-service (LS) responsibility;
- `list:NAME`: the members of a named list the MO keeps (`communique_lists`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, delete, or_, select

from adapters.database import (
    AccountResponsibilityRow,
    ApprovalPowerRow,
    CommuniqueListRow,
    MoRow,
    PersonRow,
    ResponsibilityRow,
    UnitOfWork,
    UserAccountRow,
)
from models.communiques import Group, GroupKind, Recipient
from models.sagir import AccountStatus, Module


class SqlSagirUsers:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def mos_known(self, codes: Sequence[str]) -> set[str]:
        with self._uow.begin() as session:
            return set(session.scalars(select(MoRow.code).where(MoRow.code.in_(list(codes)))))

    def responsibility_owner(self, code: str) -> tuple[bool, str | None]:
        """Whether SAGIR's catalogue has `code`, and the MO that owns it (None: SAGIR's)."""
        with self._uow.begin() as session:
            row = session.get(ResponsibilityRow, code)
            return (False, None) if row is None else (True, row.owner_mo)

    def list_exists(self, mo: str, name: str) -> bool:
        with self._uow.begin() as session:
            return (
                session.scalars(
                    select(CommuniqueListRow.name)
                    .where(CommuniqueListRow.mo_code == mo, CommuniqueListRow.name == name)
                    .limit(1)
                ).first()
                is not None
            )

    def users(self, mos: Sequence[str], groups: Sequence[Group], day: date) -> list[Recipient]:
        """The users of `mos` (none: every MO) in any of `groups`, each once, sorted by MO and
        employee number."""
        found: set[tuple[str, str]] = set()
        with self._uow.begin() as session:
            for group in groups:
                query = self._group(group, day)
                if mos:
                    query = query.where(PersonRow.mo_code.in_(list(mos)))
                found.update((mo, number) for mo, number in session.execute(query))
        return [Recipient(mo=mo, employee_number=number) for mo, number in sorted(found)]

    def keep_list(self, mo: str, name: str, employee_numbers: Sequence[str]) -> int:
        """Replace the named list's members; returns how many it holds."""
        members = sorted(set(employee_numbers))
        with self._uow.begin() as session:
            session.execute(
                delete(CommuniqueListRow).where(
                    CommuniqueListRow.mo_code == mo, CommuniqueListRow.name == name
                )
            )
            session.add_all(
                CommuniqueListRow(mo_code=mo, name=name, employee_number=number)
                for number in members
            )
        return len(members)

    def lists(self, mo: str) -> dict[str, int]:
        """The MO's named lists and how many members each has."""
        with self._uow.begin() as session:
            counts: dict[str, int] = {}
            for name in session.scalars(
                select(CommuniqueListRow.name).where(CommuniqueListRow.mo_code == mo)
            ):
                counts[name] = counts.get(name, 0) + 1
            return dict(sorted(counts.items()))

    @staticmethod
    def _group(group: Group, day: date) -> Select[str, str]:
        users = (
            select(PersonRow.mo_code, PersonRow.employee_number)
            .join(
                UserAccountRow,
                (UserAccountRow.mo_code == PersonRow.mo_code)
                & (UserAccountRow.employee_number == PersonRow.employee_number),
            )
            .where(
                PersonRow.status == "active",
                UserAccountRow.status == AccountStatus.active.value,
            )
        )
        holders = users.join(
            AccountResponsibilityRow,
            (AccountResponsibilityRow.mo_code == PersonRow.mo_code)
            & (AccountResponsibilityRow.employee_number == PersonRow.employee_number),
        )
        match group.kind:
            case GroupKind.all:
                return users
            case GroupKind.responsibility:
                return holders.where(AccountResponsibilityRow.responsibility_code == group.value)
            case GroupKind.module | GroupKind.self_service:
                module = Module.LS.value if group.kind is GroupKind.self_service else group.value
                return holders.join(
                    ResponsibilityRow,
                    ResponsibilityRow.code == AccountResponsibilityRow.responsibility_code,
                ).where(ResponsibilityRow.module == module)
            case GroupKind.managers:
                return users.join(
                    ApprovalPowerRow,
                    (ApprovalPowerRow.mo_code == PersonRow.mo_code)
                    & (ApprovalPowerRow.employee_number == PersonRow.employee_number),
                ).where(
                    ApprovalPowerRow.valid_from <= day,
                    or_(
                        ApprovalPowerRow.valid_until.is_(None), ApprovalPowerRow.valid_until >= day
                    ),
                )
            case GroupKind.list:
                return users.join(
                    CommuniqueListRow,
                    (CommuniqueListRow.mo_code == PersonRow.mo_code)
                    & (CommuniqueListRow.employee_number == PersonRow.employee_number),
                ).where(CommuniqueListRow.name == group.value)
