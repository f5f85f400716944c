"""The Directory (client MOs, the CA's agents) on SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import select

from adapters.database import AgentRow, MoRow, UnitOfWork
from models.directory import Agent, AgentRole, Mo


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
                    code=agent.code,
                    name=agent.name,
                    role=agent.role.value,
                    active=agent.active,
                    email=agent.email,
                )
            )


def _agent(row: AgentRow) -> Agent:
    return Agent(
        code=row.code,
        name=row.name,
        role=AgentRole(row.role),
        active=row.active,
        email=row.email,
    )
