"""A small demo data set for `sagir-desk dev`: a few MOs, agents, a supervisor, some persons.

The persons are invented; their dates are not anyone's.
"""

from __future__ import annotations

from adapters.sql_directory import SqlDirectory, SqlSagirErp
from models.directory import Agent, AgentRole, Mo, Person

MOS = [
    Mo(code="MTQ", name="Ministère des Transports et de la Mobilité durable"),
    Mo(code="MSSS", name="Ministère de la Santé et des Services sociaux"),
    Mo(code="MELCCFP", name="Ministère de l'Environnement"),
]

AGENTS = [
    Agent(code="agent-tremblay", name="Julie Tremblay", role=AgentRole.agent),
    Agent(code="agent-gagnon", name="Marc Gagnon", role=AgentRole.agent),
    Agent(code="agent-roy", name="Nadia Roy", role=AgentRole.agent),
    Agent(code="super-cote", name="Louise Côté", role=AgentRole.supervisor),
]

PERSONS = [
    Person(
        mo="MTQ",
        employee_number="45871",
        first_name="Éric",
        last_name="Bouchard",
        work_email="eric.bouchard@mtq.example",
        email_works=True,
        birth_day=14,
        birth_month=3,
    ),
    Person(
        mo="MSSS",
        employee_number="10233",
        first_name="Sophie",
        last_name="Lavoie",
        work_email="sophie.lavoie@msss.example",
        email_works=True,
        birth_day=2,
        birth_month=11,
    ),
]


def load_demo_data(directory: SqlDirectory, erp: SqlSagirErp) -> bool:
    """Load the demo set when the database has no MO yet; returns whether it loaded."""
    if directory.mos():
        return False
    for mo in MOS:
        directory.add_mo(mo)
    for agent in AGENTS:
        directory.add_agent(agent)
    for person in PERSONS:
        erp.add_person(person)
    return True
