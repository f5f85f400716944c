"""The ports: what the desk needs from the outside world. Adapters implement them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from models.directory import Agent, Mo, Person
from models.employee_requests import Escalation
from models.mail import Mail
from models.sagir import AccessSnapshot, Authority, Responsibility
from models.tickets import BreachEscalation, TicketRecord


class TicketRecords(Protocol):
    """The desk's own records of tickets, and the escalations they caused."""

    def next_ticket_number(self, year: int) -> int: ...

    def record(self, ticket: TicketRecord) -> None:
        """Store the ticket as of `ticket.version`; an older or repeated version changes nothing."""

    def get(self, ticket_id: str) -> TicketRecord | None: ...

    def escalate(self, escalation: BreachEscalation, supervisors: list[str]) -> list[str]:
        """Record an escalation once per key; returns who was notified (the first time's list)."""


class Directory(Protocol):
    """Client MOs and the CA's people."""

    def mo(self, code: str) -> Mo | None: ...

    def mos(self) -> list[Mo]: ...

    def agent(self, code: str) -> Agent | None: ...

    def agents(self) -> list[Agent]: ...


class Escalations(Protocol):
    def record_escalation(self, escalation: Escalation, supervisors: list[str]) -> list[str]:
        """Record once per key; returns who was notified (the first time's list)."""


class SagirErp(Protocol):
    """The SAGIR-like ERP. Every write takes an idempotency key and returns whether it wrote;
    a permanent refusal raises `ErpRefused`."""

    def person(self, mo: str, employee_number: str) -> Person | None: ...

    def catalogue(self) -> dict[str, Responsibility]: ...

    def default_responsibilities(self, mo: str) -> list[str]: ...

    def registre_responsibilities(self, mo: str) -> set[str]: ...

    def registre(self, mo: str) -> list[Authority]: ...

    def partition_group_exists(self, mo: str, name: str) -> bool: ...

    def access_of(self, mo: str, employee_number: str) -> AccessSnapshot: ...

    def create_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def delete_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def grant(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool: ...

    def revoke(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool: ...

    def set_partition(
        self, key: str, mo: str, employee_number: str, group: str, at: datetime
    ) -> bool: ...

    def clear_partition(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def set_parameter(
        self, key: str, mo: str, employee_number: str, name: str, value: str, at: datetime
    ) -> bool: ...

    def remove_parameter(
        self, key: str, mo: str, employee_number: str, name: str, at: datetime
    ) -> bool: ...

    def activate_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def remove_all_access(self, key: str, mo: str, employee_number: str, at: datetime) -> bool: ...

    def record_departure(
        self, key: str, mo: str, employee_number: str, departure_date: date, at: datetime
    ) -> bool: ...


class Mailer(Protocol):
    def send(self, mail: Mail, at: datetime) -> bool:
        """Queue a mail once per key; False when it was already queued."""


class Sga(Protocol):
    """The training system (système de gestion des apprentissages)."""

    def register(self, mo: str, employee_number: str, course: str, at: datetime) -> bool: ...

    def unregister(self, mo: str, employee_number: str, course: str) -> None: ...
