"""Who is who: client MOs, the CA's agents, and SAGIR's dossier personne."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from models.tickets import Language


class AgentRole(StrEnum):
    agent = "agent"
    supervisor = "supervisor"


class Mo(BaseModel):
    """A ministère ou organisme: a client organisation."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str


class Agent(BaseModel):
    """A person of the Centre d'assistance."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    role: AgentRole
    active: bool = True
    # Where escalations reach a supervisor by mail (a work address of the CA).
    email: str | None = None


def active_supervisors(agents: Iterable[Agent]) -> list[str]:
    """The active CA supervisors: who receives escalations."""
    return [agent.code for agent in agents if agent.role is AgentRole.supervisor and agent.active]


class Person(BaseModel):
    """A dossier personne in SAGIR. Holds personal data: never log it or put it in history."""

    model_config = ConfigDict(frozen=True)

    mo: str
    employee_number: str
    first_name: str
    last_name: str
    work_email: str
    email_works: bool
    birth_day: int
    birth_month: int
    status: str = "active"
    language: Language = Language.fr  # of the notices this person receives

    def __repr__(self) -> str:  # keeps personal data out of tracebacks and logs
        return f"Person(mo={self.mo!r}, employee_number={self.employee_number!r})"

    __str__ = __repr__
