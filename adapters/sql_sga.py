"""The SGA port's local adapter: training registrations in the desk's database."""

from __future__ import annotations

from datetime import datetime

from adapters.database import TrainingRegistrationRow, UnitOfWork


class SqlSga:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def register(self, mo: str, employee_number: str, course: str, at: datetime) -> bool:
        """Register once: a retried registration finds the row and changes nothing."""
        with self._uow.begin() as session:
            if session.get(TrainingRegistrationRow, (mo, employee_number, course)) is not None:
                return False
            session.add(
                TrainingRegistrationRow(
                    mo_code=mo, employee_number=employee_number, course=course, registered_at=at
                )
            )
            return True

    def unregister(self, mo: str, employee_number: str, course: str) -> None:
        with self._uow.begin() as session:
            row = session.get(TrainingRegistrationRow, (mo, employee_number, course))
            if row is not None:
                session.delete(row)
