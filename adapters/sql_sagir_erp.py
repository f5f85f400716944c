"""The SAGIR-like ERP on SQLAlchemy: dossier personne, catalogue, registre d'autorité, accounts.

Every write takes an idempotency key (workflow id + step). The key is stored in `erp_writes` in
the same transaction as the change, so a retried write finds it and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.database import (
    AccountPartitionRow,
    AccountResponsibilityRow,
    ApprovalLimitRow,
    ApprovalPowerRow,
    DefaultResponsibilityRow,
    ErpWriteRow,
    PartitionGroupRow,
    PersonRow,
    RegistreAbsenceRow,
    RegistreChangeRow,
    RegistrePersonRow,
    RegistreResponsibilityRow,
    ResponsibilityRow,
    UnitOfWork,
    UserAccountRow,
    UserParameterRow,
    UserPasswordRow,
)
from models.directory import Person
from models.parameterisation import ApprovalPowers, PowerScope, ResponsibilityTemplate
from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    RegistreAction,
    RegistreChange,
    RegistreLine,
    absence_detail,
    absence_end_detail,
    check_absence,
    check_absence_end,
    check_declaration,
    check_releves_kept,
    check_still_covered,
)
from models.sagir import (
    Absence,
    AccessSnapshot,
    AccountStatus,
    Authority,
    AuthorityKind,
    ErpRefused,
    Module,
    Responsibility,
)
from models.service_calendar import MONTREAL
from models.tickets import Language


class SqlSagirErp:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # --- reads -------------------------------------------------------------------------------

    def person(self, mo: str, employee_number: str) -> Person | None:
        with self._uow.begin() as session:
            row = session.get(PersonRow, (mo, employee_number))
            if row is None:
                return None
            return Person(
                mo=row.mo_code,
                employee_number=row.employee_number,
                first_name=row.first_name,
                last_name=row.last_name,
                work_email=row.work_email,
                email_works=row.email_works,
                birth_day=row.birth_day,
                birth_month=row.birth_month,
                status=row.status,
                language=Language(row.language),
            )

    def catalogue(self) -> dict[str, Responsibility]:
        with self._uow.begin() as session:
            return {
                row.code: Responsibility(code=row.code, name=row.name, module=Module(row.module))
                for row in session.scalars(select(ResponsibilityRow))
            }

    def default_responsibilities(self, mo: str) -> list[str]:
        with self._uow.begin() as session:
            return list(
                session.scalars(
                    select(DefaultResponsibilityRow.responsibility_code)
                    .where(DefaultResponsibilityRow.mo_code == mo)
                    .order_by(DefaultResponsibilityRow.responsibility_code)
                )
            )

    def registre_responsibilities(self, mo: str) -> set[str]:
        with self._uow.begin() as session:
            return set(
                session.scalars(
                    select(RegistreResponsibilityRow.responsibility_code).where(
                        RegistreResponsibilityRow.mo_code == mo
                    )
                )
            )

    def registre(self, mo: str) -> list[Authority]:
        return [Authority(**line.model_dump(exclude={"id"})) for line in self.registre_lines(mo)]

    def registre_lines(self, mo: str) -> list[RegistreLine]:
        with self._uow.begin() as session:
            return _registre_lines(session, mo)

    def registre_changes(self, mo: str) -> list[RegistreChange]:
        with self._uow.begin() as session:
            rows = session.scalars(
                select(RegistreChangeRow)
                .where(RegistreChangeRow.mo_code == mo)
                .order_by(RegistreChangeRow.id)
            )
            return [
                RegistreChange(
                    id=row.id,
                    mo=row.mo_code,
                    line_id=row.line_id,
                    action=RegistreAction(row.action),
                    changed_by=row.changed_by,
                    changed_at=row.changed_at,
                    detail=row.detail,
                )
                for row in rows
            ]

    def approval_limit(self, mo: str) -> Decimal | None:
        with self._uow.begin() as session:
            row = session.get(ApprovalLimitRow, mo)
            return None if row is None else row.max_amount

    def approval_powers_of(self, mo: str, employee_number: str) -> list[ApprovalPowers]:
        with self._uow.begin() as session:
            rows = session.scalars(
                select(ApprovalPowerRow)
                .where(*_of(ApprovalPowerRow, mo, employee_number))
                .order_by(ApprovalPowerRow.scope_code)
            )
            return [
                ApprovalPowers(
                    scope=PowerScope(row.scope),
                    scope_code=row.scope_code,
                    amount_limit=row.amount_limit,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                )
                for row in rows
            ]

    def responsibility_template(self, code: str) -> ResponsibilityTemplate | None:
        """An MO's own responsibility as its template was completed (None for SAGIR's own)."""
        with self._uow.begin() as session:
            row = session.get(ResponsibilityRow, code)
            if row is None or row.owner_mo is None:
                return None
            return ResponsibilityTemplate(
                code=row.code,
                name=row.name,
                module=Module(row.module),
                transactions=(row.transactions or "").split(),
                data_scope=row.data_scope or "",
            )

    def password_matches(self, mo: str, employee_number: str, secret: str) -> bool:
        with self._uow.begin() as session:
            row = session.get(UserPasswordRow, (mo, employee_number))
            return row is not None and _verify(secret, row.secret_hash)

    def partition_group_exists(self, mo: str, name: str) -> bool:
        with self._uow.begin() as session:
            return session.get(PartitionGroupRow, (mo, name)) is not None

    def access_of(self, mo: str, employee_number: str) -> AccessSnapshot:
        who = (mo, employee_number)
        with self._uow.begin() as session:
            account = session.get(UserAccountRow, who)
            partition = session.get(AccountPartitionRow, who)
            return AccessSnapshot(
                mo=mo,
                employee_number=employee_number,
                account=None if account is None else AccountStatus(account.status),
                responsibilities=list(
                    session.scalars(
                        select(AccountResponsibilityRow.responsibility_code)
                        .where(*_of(AccountResponsibilityRow, mo, employee_number))
                        .order_by(AccountResponsibilityRow.responsibility_code)
                    )
                ),
                partition_group=None if partition is None else partition.group_name,
                parameters={
                    row.name: row.value
                    for row in session.scalars(
                        select(UserParameterRow).where(*_of(UserParameterRow, mo, employee_number))
                    )
                },
            )

    def write_done(self, key: str) -> bool:
        with self._uow.begin() as session:
            return session.get(ErpWriteRow, key) is not None

    # --- idempotent writes ------------------------------------------------------------------

    def create_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        with self._write(key, "create_account", mo, employee_number, at) as session:
            if session is None:
                return False
            row = session.get(UserAccountRow, (mo, employee_number))
            if row is not None and row.status == AccountStatus.active.value:
                raise ErpRefused(f"{mo}/{employee_number} already has an active SAGIR account")
            session.merge(
                UserAccountRow(
                    mo_code=mo,
                    employee_number=employee_number,
                    status=AccountStatus.prepared.value,
                    changed_at=at,
                )
            )
            return True

    def grant(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool:
        with self._write(key, "grant", mo, employee_number, at) as session:
            if session is None:
                return False
            if session.get(ResponsibilityRow, responsibility) is None:
                raise ErpRefused(f"responsibility {responsibility} is not in SAGIR's catalogue")
            self._require_account(session, mo, employee_number)
            session.merge(
                AccountResponsibilityRow(
                    mo_code=mo,
                    employee_number=employee_number,
                    responsibility_code=responsibility,
                    granted_at=at,
                )
            )
            return True

    def revoke(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool:
        with self._write(key, "revoke", mo, employee_number, at) as session:
            if session is None:
                return False
            session.execute(
                delete(AccountResponsibilityRow).where(
                    *_of(AccountResponsibilityRow, mo, employee_number),
                    AccountResponsibilityRow.responsibility_code == responsibility,
                )
            )
            return True

    def set_partition(
        self, key: str, mo: str, employee_number: str, group: str, at: datetime
    ) -> bool:
        with self._write(key, "set_partition", mo, employee_number, at) as session:
            if session is None:
                return False
            if session.get(PartitionGroupRow, (mo, group)) is None:
                raise ErpRefused(f"partition group {group} does not exist for {mo}")
            self._require_account(session, mo, employee_number)
            session.merge(
                AccountPartitionRow(mo_code=mo, employee_number=employee_number, group_name=group)
            )
            return True

    def clear_partition(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        with self._write(key, "clear_partition", mo, employee_number, at) as session:
            if session is None:
                return False
            session.execute(
                delete(AccountPartitionRow).where(*_of(AccountPartitionRow, mo, employee_number))
            )
            return True

    def set_parameter(
        self, key: str, mo: str, employee_number: str, name: str, value: str, at: datetime
    ) -> bool:
        with self._write(key, "set_parameter", mo, employee_number, at) as session:
            if session is None:
                return False
            self._require_account(session, mo, employee_number)
            session.merge(
                UserParameterRow(
                    mo_code=mo, employee_number=employee_number, name=name, value=value
                )
            )
            return True

    def remove_parameter(
        self, key: str, mo: str, employee_number: str, name: str, at: datetime
    ) -> bool:
        with self._write(key, "remove_parameter", mo, employee_number, at) as session:
            if session is None:
                return False
            session.execute(
                delete(UserParameterRow).where(
                    *_of(UserParameterRow, mo, employee_number), UserParameterRow.name == name
                )
            )
            return True

    def activate_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        with self._write(key, "activate_account", mo, employee_number, at) as session:
            if session is None:
                return False
            row = self._require_account(session, mo, employee_number)
            row.status = AccountStatus.active.value
            row.changed_at = at
            return True

    def delete_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        """Undo a prepared account (the saga's compensation); an active one is only removed."""
        with self._write(key, "delete_account", mo, employee_number, at) as session:
            if session is None:
                return False
            row = session.get(UserAccountRow, (mo, employee_number))
            if row is not None and row.status == AccountStatus.prepared.value:
                session.delete(row)
            return True

    def remove_all_access(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        """Remove every responsibility, the partition and every parameter; disable the account."""
        with self._write(key, "remove_all_access", mo, employee_number, at) as session:
            if session is None:
                return False
            for table in (AccountResponsibilityRow, AccountPartitionRow, UserParameterRow):
                session.execute(delete(table).where(*_of(table, mo, employee_number)))
            row = session.get(UserAccountRow, (mo, employee_number))
            if row is not None:
                row.status = AccountStatus.removed.value
                row.changed_at = at
            return True

    def record_departure(
        self, key: str, mo: str, employee_number: str, departure_date: date, at: datetime
    ) -> bool:
        with self._write(key, "record_departure", mo, employee_number, at) as session:
            if session is None:
                return False
            row = session.get(PersonRow, (mo, employee_number))
            if row is None:
                raise ErpRefused(f"no dossier personne {mo}/{employee_number}")
            row.status = "departed"
            row.departure_date = departure_date
            row.departure_recorded_at = at
            return True

    def create_responsibility(
        self, key: str, mo: str, template: ResponsibilityTemplate, at: datetime
    ) -> bool:
        """Add an MO's responsibility to the catalogue; its registre then allows it."""
        with self._write(key, "create_responsibility", mo, "-", at) as session:
            if session is None:
                return False
            if session.get(ResponsibilityRow, template.code) is not None:
                raise ErpRefused(f"template.code: {template.code} already exists in SAGIR")
            session.add(
                ResponsibilityRow(
                    code=template.code,
                    name=template.name,
                    module=template.module.value,
                    owner_mo=mo,
                    transactions=" ".join(template.transactions),
                    data_scope=template.data_scope,
                )
            )
            session.flush()
            session.add(RegistreResponsibilityRow(mo_code=mo, responsibility_code=template.code))
            return True

    def modify_responsibility(
        self, key: str, mo: str, template: ResponsibilityTemplate, at: datetime
    ) -> bool:
        with self._write(key, "modify_responsibility", mo, "-", at) as session:
            if session is None:
                return False
            row = session.get(ResponsibilityRow, template.code)
            if row is None or row.owner_mo != mo:
                raise ErpRefused(f"template.code: {template.code} is not a responsibility of {mo}")
            row.name = template.name
            row.module = template.module.value
            row.transactions = " ".join(template.transactions)
            row.data_scope = template.data_scope
            return True

    def set_approval_powers(
        self,
        key: str,
        mo: str,
        employee_number: str,
        powers: ApprovalPowers,
        at: datetime,
        replace: bool,
    ) -> bool:
        """Grant (`replace=False`: none may exist yet on that scope) or change powers."""
        with self._write(key, "set_approval_powers", mo, employee_number, at) as session:
            if session is None:
                return False
            self._require_account(session, mo, employee_number)
            row = session.get(ApprovalPowerRow, (mo, employee_number, powers.scope_code))
            if row is None and replace:
                raise ErpRefused(
                    f"powers.scope_code: {employee_number} has no powers on "
                    f"{powers.scope_code} to change"
                )
            if row is not None and not replace:
                raise ErpRefused(
                    f"powers.scope_code: {employee_number} already has powers on "
                    f"{powers.scope_code}; ask for a change instead"
                )
            session.merge(
                ApprovalPowerRow(
                    mo_code=mo,
                    employee_number=employee_number,
                    scope_code=powers.scope_code,
                    scope=powers.scope.value,
                    amount_limit=powers.amount_limit,
                    valid_from=powers.valid_from,
                    valid_until=powers.valid_until,
                )
            )
            return True

    def withdraw_approval_powers(
        self, key: str, mo: str, employee_number: str, scope_code: str, at: datetime
    ) -> bool:
        with self._write(key, "withdraw_approval_powers", mo, employee_number, at) as session:
            if session is None:
                return False
            row = session.get(ApprovalPowerRow, (mo, employee_number, scope_code))
            if row is None:
                raise ErpRefused(f"withdraw_scope: {employee_number} has no powers on {scope_code}")
            session.delete(row)
            return True

    def reset_password(
        self, key: str, mo: str, employee_number: str, secret: str, at: datetime
    ) -> bool:
        """Store a salted hash of a temporary secret, to be changed at the next sign-in."""
        with self._write(key, "reset_password", mo, employee_number, at) as session:
            if session is None:
                return False
            self._require_account(session, mo, employee_number)
            session.merge(
                UserPasswordRow(
                    mo_code=mo,
                    employee_number=employee_number,
                    secret_hash=_hash(secret),
                    must_change=True,
                    reset_at=at,
                )
            )
            return True

    # --- the registre as the MO keeps it ------------------------------------------------------

    def registre_absences(self, mo: str) -> list[Absence]:
        with self._uow.begin() as session:
            return _absences(session, mo)

    def declare_authority(self, declaration: Declaration, by: str, at: datetime) -> RegistreLine:
        """Declare a line (and a new personne autorisée's first relève, in the same
        transaction); refused when a personne autorisée would be left without a relève."""
        with self._uow.begin() as session:
            lines = _registre_lines(session, declaration.mo, lock=True)
            after: list[RegistreLine] = list(lines)
            declared: RegistreLine | None = None
            for each in filter(None, [declaration, declaration.releve_declaration()]):
                check_declaration(each, list(after))
                row = RegistrePersonRow(
                    mo_code=each.mo,
                    employee_number=each.employee_number,
                    kind=each.kind.value,
                    releve_of=each.releve_of,
                    valid_from=each.valid_from,
                    valid_until=each.valid_until,
                )
                session.add(row)
                session.flush()
                line = _line(row)
                after.append(line)
                declared = declared or line
                self._log_change(session, line, RegistreAction.declare, by, at)
            assert declared is not None
            check_releves_kept(
                declaration.mo,
                list(lines),
                after,
                _absences(session, declaration.mo),
                at.astimezone(MONTREAL).date(),
            )
            return declared

    def change_authority(
        self,
        mo: str,
        change: ChangeValidity,
        today: date,
        at: datetime,
        action: RegistreAction = RegistreAction.change,
    ) -> RegistreLine:
        """Change a line's validity (ending it is a change of `valid_until`); refused when the
        MO would be left with nobody to authorise sooner than before, or a personne autorisée
        (or an absence) without a relève."""
        with self._uow.begin() as session:
            lines = _registre_lines(session, mo, lock=True)
            row = session.get(RegistrePersonRow, change.line_id)
            if row is None or row.mo_code != mo:
                raise ErpRefused(f"line: {change.line_id} is not a line of {mo}'s registre")
            valid_from = change.valid_from or row.valid_from
            valid_until = None if change.open_ended else (change.valid_until or row.valid_until)
            if valid_until is not None and valid_until < valid_from:
                raise ErpRefused("valid_until: must be on or after valid_from")
            after = [
                line.model_copy(update={"valid_from": valid_from, "valid_until": valid_until})
                if line.id == row.id
                else line
                for line in lines
            ]
            check_still_covered(mo, list(lines), list(after), today)
            check_releves_kept(mo, lines, after, _absences(session, mo), today)
            row.valid_from, row.valid_until = valid_from, valid_until
            line = _line(row)
            self._log_change(session, line, action, change.by, at)
            return line

    def declare_absence(
        self, mo: str, declaration: AbsenceDeclaration, today: date, at: datetime
    ) -> Absence:
        """A personne autorisée's absence, recorded in the registre's history; refused unless a
        relève is valid on each of its days."""
        with self._uow.begin() as session:
            lines = _registre_lines(session, mo, lock=True)
            line = next((line for line in lines if line.id == declaration.line_id), None)
            if line is None:
                raise ErpRefused(f"line: {declaration.line_id} is not a line of {mo}'s registre")
            check_absence(declaration, line, lines, _absences(session, mo), today)
            row = RegistreAbsenceRow(
                mo_code=mo,
                line_id=line.id,
                employee_number=line.employee_number,
                absent_from=declaration.absent_from,
                absent_until=declaration.absent_until,
                declared_by=declaration.by,
                declared_at=at,
            )
            session.add(row)
            session.flush()
            absence = _absence(row)
            session.add(
                RegistreChangeRow(
                    mo_code=mo,
                    line_id=line.id,
                    action=RegistreAction.absence.value,
                    changed_by=declaration.by,
                    changed_at=at,
                    detail=absence_detail(absence),
                )
            )
            return absence

    def end_absence(self, mo: str, end: AbsenceEnd, today: date, at: datetime) -> Absence:
        """End an absence sooner, or cancel one not yet begun, recorded in the registre's
        history (which keeps a cancelled one: its row goes)."""
        with self._uow.begin() as session:
            _registre_lines(session, mo, lock=True)  # one change of the registre at a time
            row = session.get(RegistreAbsenceRow, end.absence_id)
            if row is None or row.mo_code != mo:
                raise ErpRefused(
                    f"absence_id: {end.absence_id} is not an absence in {mo}'s registre"
                )
            absence = _absence(row)
            check_absence_end(end, absence, today)
            if end.last_day is None:
                session.delete(row)
                action = RegistreAction.absence_cancel
            else:
                row.absent_until = end.last_day
                action = RegistreAction.absence_end
            session.add(
                RegistreChangeRow(
                    mo_code=mo,
                    line_id=absence.line_id,
                    action=action.value,
                    changed_by=end.by,
                    changed_at=at,
                    detail=absence_end_detail(absence, end),
                )
            )
            return absence if end.last_day is None else _absence(row)

    # --- set-up (demo data, tests, and later the registre commands) --------------------------

    def add_person(self, person: Person) -> None:
        with self._uow.begin() as session:
            session.merge(PersonRow(mo_code=person.mo, **person.model_dump(exclude={"mo"})))

    def add_responsibility(self, responsibility: Responsibility) -> None:
        with self._uow.begin() as session:
            session.merge(
                ResponsibilityRow(
                    code=responsibility.code,
                    name=responsibility.name,
                    module=responsibility.module.value,
                )
            )

    def set_defaults(self, mo: str, codes: list[str]) -> None:
        with self._uow.begin() as session:
            for code in codes:
                session.merge(DefaultResponsibilityRow(mo_code=mo, responsibility_code=code))

    def allow(self, mo: str, codes: list[str]) -> None:
        with self._uow.begin() as session:
            for code in codes:
                session.merge(RegistreResponsibilityRow(mo_code=mo, responsibility_code=code))

    def add_authority(self, authority: Authority) -> None:
        with self._uow.begin() as session:
            session.add(
                RegistrePersonRow(
                    mo_code=authority.mo,
                    employee_number=authority.employee_number,
                    kind=authority.kind.value,
                    releve_of=authority.releve_of,
                    valid_from=authority.valid_from,
                    valid_until=authority.valid_until,
                )
            )

    def set_approval_limit(self, mo: str, amount: Decimal) -> None:
        with self._uow.begin() as session:
            session.merge(ApprovalLimitRow(mo_code=mo, max_amount=amount))

    def add_partition_group(self, mo: str, name: str) -> None:
        with self._uow.begin() as session:
            session.merge(PartitionGroupRow(mo_code=mo, name=name))

    # --- helpers --------------------------------------------------------------------------------

    @contextmanager
    def _write(
        self, key: str, operation: str, mo: str, employee_number: str, at: datetime
    ) -> Iterator[Session | None]:
        """A session for a write not yet done under `key` (None when it was: do nothing)."""
        try:
            with self._uow.begin() as session:
                if session.get(ErpWriteRow, key) is not None:
                    yield None
                    return
                session.add(
                    ErpWriteRow(
                        idempotency_key=key,
                        operation=operation,
                        mo_code=mo,
                        employee_number=employee_number,
                        written_at=at,
                    )
                )
                yield session
        except IntegrityError:
            # A concurrent attempt under the same key committed first: that write stands.
            if not self.write_done(key):
                raise

    @staticmethod
    def _log_change(
        session: Session, line: RegistreLine, action: RegistreAction, by: str, at: datetime
    ) -> None:
        detail = (
            f"{line.kind.value} {line.employee_number}"
            + (f" (relève of {line.releve_of})" if line.releve_of else "")
            + f" valid {line.valid_from} to {line.valid_until or 'open'}"
        )
        session.add(
            RegistreChangeRow(
                mo_code=line.mo,
                line_id=line.id,
                action=action.value,
                changed_by=by,
                changed_at=at,
                detail=detail,
            )
        )

    @staticmethod
    def _require_account(session: Session, mo: str, employee_number: str) -> UserAccountRow:
        row = session.get(UserAccountRow, (mo, employee_number))
        if row is None or row.status == AccountStatus.removed.value:
            raise ErpRefused(f"{mo}/{employee_number} has no SAGIR account to change")
        return row


def _of(table: Any, mo: str, employee_number: str) -> tuple[ColumnElement[bool], ...]:
    """The rows of one user in a per-user table (its `mo_code` and `employee_number`)."""
    return (table.mo_code == mo, table.employee_number == employee_number)


def _line(row: RegistrePersonRow) -> RegistreLine:
    return RegistreLine(
        id=row.id,
        mo=row.mo_code,
        employee_number=row.employee_number,
        kind=AuthorityKind(row.kind),
        releve_of=row.releve_of,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def _absence(row: RegistreAbsenceRow) -> Absence:
    return Absence(
        id=row.id,
        mo=row.mo_code,
        line_id=row.line_id,
        employee_number=row.employee_number,
        absent_from=row.absent_from,
        absent_until=row.absent_until,
        declared_by=row.declared_by,
        declared_at=row.declared_at,
    )


def _absences(session: Session, mo: str) -> list[Absence]:
    query = select(RegistreAbsenceRow).where(RegistreAbsenceRow.mo_code == mo)
    return [_absence(row) for row in session.scalars(query.order_by(RegistreAbsenceRow.id))]


def _registre_lines(session: Session, mo: str, lock: bool = False) -> list[RegistreLine]:
    """The MO's lines; `lock` serialises concurrent changes of one registre (PostgreSQL)."""
    query = select(RegistrePersonRow).where(RegistrePersonRow.mo_code == mo)
    if lock:
        query = query.with_for_update()
    return [_line(row) for row in session.scalars(query.order_by(RegistrePersonRow.id))]


def _hash(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _verify(secret: str, stored: str) -> bool:
    _, salt, digest = stored.split("$")
    found = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(found.hex(), digest)
