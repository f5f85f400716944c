"""Directory and SagirErp on SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import select

from adapters.database import AgentRow, MoRow, PersonRow, UnitOfWork
from models.directory import Agent, AgentRole, Mo, Person


class SqlDirectory:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def mo(self, code: str) -> Mo | None:
        with self._uow.begin() as session:
            row = session.get(MoRow, code)
            return None if row is None else Mo(code=row.code, name=row.name)

    def mos(self) -> list[Mo]:
        with self._uow.begin() as session:
            rows = session.scalars(select(MoRow).order_by(MoRow.code))
            return [Mo(code=row.code, name=row.name) for row in rows]

    def agent(self, code: str) -> Agent | None:
        with self._uow.begin() as session:
            row = session.get(AgentRow, code)
            return None if row is None else _agent(row)

    def agents(self) -> list[Agent]:
        with self._uow.begin() as session:
            return [
                _agent(row) for row in session.scalars(select(AgentRow).order_by(AgentRow.code))
            ]

    def add_mo(self, mo: Mo) -> None:
        with self._uow.begin() as session:
            session.merge(MoRow(code=mo.code, name=mo.name))

    def add_agent(self, agent: Agent) -> None:
        with self._uow.begin() as session:
            session.merge(
                AgentRow(
                    code=agent.code, name=agent.name, role=agent.role.value, active=agent.active
                )
            )


class SqlSagirErp:
    """The SAGIR-like ERP's dossier personne."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

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

    def add_person(self, person: Person) -> None:
        with self._uow.begin() as session:
            session.merge(PersonRow(mo_code=person.mo, **person.model_dump(exclude={"mo"})))


def _agent(row: AgentRow) -> Agent:
    return Agent(code=row.code, name=row.name, role=AgentRole(row.role), active=row.active)
