"""The ports: what the desk needs from the outside world. Adapters implement them."""

from __future__ import annotations

from typing import Protocol

from models.directory import Agent, Mo, Person
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


class SagirErp(Protocol):
    """The SAGIR-like ERP: for now, its dossier personne."""

    def person(self, mo: str, employee_number: str) -> Person | None: ...
