"""The SAGIR-like ERP on SQLAlchemy: dossier personne, catalogue, registre d'autorité, accounts.

Every write takes an idempotency key (workflow id + step). The key is stored in `erp_writes` in
the same transaction as the change, so a retried write finds it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.database import (
    AccountPartitionRow,
    AccountResponsibilityRow,
    DefaultResponsibilityRow,
    ErpWriteRow,
    PartitionGroupRow,
    PersonRow,
    RegistrePersonRow,
    RegistreResponsibilityRow,
    ResponsibilityRow,
    UnitOfWork,
    UserAccountRow,
    UserParameterRow,
)
from models.directory import Person
from models.sagir import (
    AccessSnapshot,
    AccountStatus,
    Authority,
    AuthorityKind,
    ErpRefused,
    Module,
    Responsibility,
)


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
        with self._uow.begin() as session:
            rows = session.scalars(
                select(RegistrePersonRow)
                .where(RegistrePersonRow.mo_code == mo)
                .order_by(RegistrePersonRow.id)
            )
            return [
                Authority(
                    mo=row.mo_code,
                    employee_number=row.employee_number,
                    kind=AuthorityKind(row.kind),
                    releve_of=row.releve_of,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                )
                for row in rows
            ]

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
    def _require_account(session: Session, mo: str, employee_number: str) -> UserAccountRow:
        row = session.get(UserAccountRow, (mo, employee_number))
        if row is None or row.status == AccountStatus.removed.value:
            raise ErpRefused(f"{mo}/{employee_number} has no SAGIR account to change")
        return row


def _of(table: type, mo: str, employee_number: str) -> tuple[object, object]:
    return (table.mo_code == mo, table.employee_number == employee_number)  # type: ignore[attr-defined]
