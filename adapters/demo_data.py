"""A small demo data set for `sagir-desk dev`: a few MOs, agents, a supervisor, some persons.

The persons are invented; their dates are not anyone's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, select

from adapters.database import PersonRow, UnitOfWork, UserAccountRow
from adapters.sql_billing import SqlBilling
from adapters.sql_directory import SqlDirectory
from adapters.sql_mail_domains import SqlMailDomains
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.billing import CURRENT_RATE, Agreement, Rate
from models.directory import Agent, AgentRole, Mo, Person
from models.sagir import AccountStatus, Authority, AuthorityKind, Module, Responsibility
from models.training import Course, Session

MOS = [
    Mo(code="MTQ", name="Ministère des Transports et de la Mobilité durable"),
    Mo(code="MSSS", name="Ministère de la Santé et des Services sociaux"),
    Mo(code="MELCCFP", name="Ministère de l'Environnement"),
]

AGENTS = [
    Agent(code="agent-tremblay", name="Julie Tremblay", role=AgentRole.agent),
    Agent(code="agent-gagnon", name="Marc Gagnon", role=AgentRole.agent),
    Agent(code="agent-roy", name="Nadia Roy", role=AgentRole.agent),
    Agent(
        code="super-cote",
        name="Louise Côté",
        role=AgentRole.supervisor,
        email="louise.cote@assistance-sagir.example",
    ),
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
    Person(
        mo="MTQ",
        employee_number="52310",
        first_name="Annie",
        last_name="Morin",
        work_email="annie.morin@mtq.example",
        email_works=True,
        birth_day=9,
        birth_month=8,
    ),
]
# SAGIR users already working, whom communiqués reach (and who may write the MTQ's).
USERS = [
    Person(
        mo="MTQ",
        employee_number="52311",
        first_name="Luc",
        last_name="Pelletier",
        work_email="luc.pelletier@mtq.example",
        email_works=True,
        birth_day=30,
        birth_month=1,
    ),
    Person(
        mo="MTQ",
        employee_number="52330",
        first_name="Mélanie",
        last_name="Girard",
        work_email="melanie.girard@mtq.example",
        email_works=True,
        birth_day=17,
        birth_month=6,
    ),
    Person(
        mo="MSSS",
        employee_number="10240",
        first_name="Chantal",
        last_name="Dubé",
        work_email="chantal.dube@msss.example",
        email_works=True,
        birth_day=8,
        birth_month=12,
    ),
    Person(
        mo="MELCCFP",
        employee_number="20301",
        first_name="Hugo",
        last_name="Bélanger",
        work_email="hugo.belanger@environnement.example",
        email_works=True,
        birth_day=25,
        birth_month=9,
    ),
]
# Employees already working, with an active SAGIR account: (MO, employee, responsibilities).
ACTIVE_ACCOUNTS = [
    ("MTQ", "52310", ["LS-EMPLOYE", "RF-CONSULTATION"]),
    ("MTQ", "52311", ["LS-EMPLOYE", "RM-ACHETEUR"]),
    ("MTQ", "52330", ["LS-EMPLOYE"]),
    ("MSSS", "10240", ["LS-EMPLOYE"]),
    ("MELCCFP", "20301", ["LS-EMPLOYE", "RF-CONSULTATION"]),
]
# The people who write communiqués in the demo: the DGGIR's (a code) and the MTQ's (52330).
DGGIR_AUTHOR = "dggir-redaction"
MO_AUTHOR = ("MTQ", "52330")


RESPONSIBILITIES = [
    Responsibility(code="LS-EMPLOYE", name="Libre-service employé (LSCD, LSA)", module=Module.LS),
    Responsibility(code="RF-CONSULTATION", name="Consultation financière", module=Module.RF),
    Responsibility(code="RF-APPROBATEUR", name="Approbation des dépenses", module=Module.RF),
    Responsibility(code="RM-ACHETEUR", name="Acheteur", module=Module.RM),
    Responsibility(code="RH-GESTIONNAIRE", name="Gestionnaire RH (LSH)", module=Module.RH),
    Responsibility(code="EI-RAPPORTS-FIN", name="Rapports financiers (EI)", module=Module.EI),
]

# Each MO's positionnement ministériel (defaults) and what its registre d'autorité allows.
DEFAULTS = {"MTQ": ["LS-EMPLOYE"], "MSSS": ["LS-EMPLOYE"], "MELCCFP": ["LS-EMPLOYE"]}
ALLOWED = {
    "MTQ": ["RF-CONSULTATION", "RF-APPROBATEUR", "RM-ACHETEUR", "EI-RAPPORTS-FIN"],
    "MSSS": ["RF-CONSULTATION", "RH-GESTIONNAIRE"],
    "MELCCFP": ["RF-CONSULTATION"],
}
PARTITION_GROUPS = {"MTQ": ["MTQ-DGF", "MTQ-REGION-EST"], "MSSS": ["MSSS-CENTRAL"]}
# Personnes autorisées (employee numbers 3000x) and their relèves: each personne autorisée has a
# valid relève on every day of their validity (models/registre.py `check_releves_kept`).
REGISTRE = [
    Authority(
        mo="MTQ",
        employee_number="30001",
        kind=AuthorityKind.personne_autorisee,
        valid_from=date(2026, 1, 1),
    ),
    Authority(
        mo="MTQ",
        employee_number="30002",
        kind=AuthorityKind.releve,
        releve_of="30001",
        valid_from=date(2026, 1, 1),
    ),
    Authority(
        mo="MSSS",
        employee_number="30011",
        kind=AuthorityKind.personne_autorisee,
        valid_from=date(2026, 1, 1),
    ),
    Authority(
        mo="MSSS",
        employee_number="30012",
        kind=AuthorityKind.releve,
        releve_of="30011",
        valid_from=date(2026, 1, 1),
    ),
]


# The highest approval limit each MO's registre lets it delegate.
APPROVAL_LIMITS = {"MTQ": Decimal("250000.00"), "MSSS": Decimal("100000.00")}

COURSES = [
    Course(code="SAGIR-RF-101", title="Initiation aux finances dans SAGIR"),
    Course(code="SAGIR-EI-201", title="Rapports de l'environnement informationnel"),
]
# Small sessions, so the waiting list shows quickly in a demo.
SESSIONS = [
    Session(code="RF101-2027-01", course="SAGIR-RF-101", starts_on=date(2027, 1, 19), capacity=2),
    Session(code="EI201-2027-02", course="SAGIR-EI-201", starts_on=date(2027, 2, 9), capacity=10),
]


def load_sga_reference(sga: SqlSga) -> None:
    for course in COURSES:
        sga.add_course(course)
    for session in SESSIONS:
        sga.add_session(session)


def load_sagir_reference(erp: SqlSagirErp) -> None:
    """The catalogue, positionnements, registres and partition groups of the demo MOs."""
    for responsibility in RESPONSIBILITIES:
        erp.add_responsibility(responsibility)
    for mo, codes in DEFAULTS.items():
        erp.set_defaults(mo, codes)
    for mo, codes in ALLOWED.items():
        erp.allow(mo, codes)
    for mo, groups in PARTITION_GROUPS.items():
        for group in groups:
            erp.add_partition_group(mo, group)
    for authority in REGISTRE:
        erp.add_authority(authority)
    for mo, amount in APPROVAL_LIMITS.items():
        erp.set_approval_limit(mo, amount)


def load_active_accounts(erp: SqlSagirErp) -> None:
    at = datetime(2026, 1, 5, 13, 30, tzinfo=UTC)
    for mo, number, codes in ACTIVE_ACCOUNTS:
        erp.create_account(f"demo/{mo}/{number}/account", mo, number, at)
        for code in codes:
            erp.grant(f"demo/{mo}/{number}/{code}", mo, number, code, at)
        erp.activate_account(f"demo/{mo}/{number}/activate", mo, number, at)


def load_demo_data(
    directory: SqlDirectory,
    erp: SqlSagirErp,
    sga: SqlSga | None = None,
    domains: SqlMailDomains | None = None,
    billing: SqlBilling | None = None,
) -> bool:
    """Load the demo set when the database has no MO yet; returns whether it loaded."""
    if directory.mos():
        return False
    for mo in MOS:
        directory.add_mo(mo)
    for agent in AGENTS:
        directory.add_agent(agent)
    for person in [*PERSONS, *USERS]:
        erp.add_person(person)
    load_sagir_reference(erp)
    load_active_accounts(erp)
    if sga is not None:
        load_sga_reference(sga)
    if domains is not None:
        load_mail_domains(domains)
    if billing is not None:
        load_billing(billing)
    return True


DECLARED = datetime(2026, 1, 5, 13, 30, tzinfo=UTC)
# Billing: the rate in force, and an agreement for the MTQ, so `sagir-desk dev` has an MO to
# bill (the other MOs' agreements are the clerk's to record).
RATE = Rate(per_employee_per_year=CURRENT_RATE, valid_from=date(2020, 4, 1))
AGREEMENTS = [
    Agreement(
        mo="MTQ",
        first_day=date(2026, 4, 1),
        estimated_headcount=1000,
        billing_contact="finances@mtq.gouv.qc.ca",
    )
]


def load_billing(billing: SqlBilling) -> None:
    billing.add_rate(RATE, "demo", DECLARED)
    for agreement in AGREEMENTS:
        billing.keep_agreement(agreement, "demo", DECLARED)


# The MOs' mail domains: their people's mail opens tickets of their MO.
MAIL_DOMAINS = {
    "mtq.gouv.qc.ca": "MTQ",
    "msss.gouv.qc.ca": "MSSS",
    "environnement.gouv.qc.ca": "MELCCFP",
}


def load_mail_domains(domains: SqlMailDomains) -> None:
    for domain, mo in MAIL_DOMAINS.items():
        domains.declare(domain, mo, "demo", DECLARED)


def add_many_users(uow: UnitOfWork, count: int) -> int:
    """SAGIR users in bulk, for the fan-out's bench and tests: a dossier personne and an active
    account each, spread over the demo's MOs, so that the group `all` reaches `count` people
    with the demo's own (two INSERTs in one transaction); how many `all` then reaches."""
    mos = [mo.code for mo in MOS]
    with uow.begin() as session:
        existing = int(session.scalar(select(func.count()).select_from(UserAccountRow)) or 0)
        people = [
            {
                "mo_code": mos[n % len(mos)],
                "employee_number": f"9{n:07d}",
                "first_name": "Claude",
                "last_name": f"Fortin {n}",
                "work_email": f"claude.fortin.{n}@{mos[n % len(mos)].lower()}.example",
                "email_works": True,
                "birth_day": 1 + n % 28,
                "birth_month": 1 + n % 12,
                "status": "active",
                "language": "fr",
            }
            for n in range(max(0, count - existing))
        ]
        if people:
            session.execute(insert(PersonRow), people)
            session.execute(
                insert(UserAccountRow),
                [
                    {
                        "mo_code": person["mo_code"],
                        "employee_number": person["employee_number"],
                        "status": AccountStatus.active.value,
                        "changed_at": DECLARED,
                    }
                    for person in people
                ],
            )
    return existing + len(people)
