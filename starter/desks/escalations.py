"""Escalations, as the CA supervisors see them: breaches, late departure notices, accesses left
after a departure, requests given up, notices the mail server refused. Filtered by MO, kind and
day; a supervisor acknowledges each (who and when; the first acknowledgement stands). Read from
the desk's records: no engine needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.ports import Directory, EscalationList
from models.escalations import (
    Acknowledge,
    EscalationKind,
    EscalationPage,
    EscalationQuery,
    EscalationView,
)
from models.roles import Action, Caller
from starter.desks.access import acting_as_self, authorize
from starter.desks.checks import require_agent
from starter.desks.clock import Clock, utc_now
from starter.desks.errors import InvalidInput, NotFound, parse


@dataclass(frozen=True)
class EscalationDesk:
    escalations: EscalationList
    directory: Directory
    clock: Clock = utc_now

    def list(
        self,
        mo: str | None = None,
        kind: EscalationKind | str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        acknowledged: bool | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> EscalationPage:
        query = parse(
            EscalationQuery,
            mo=mo,
            kind=kind,
            since=since,
            until=until,
            acknowledged=acknowledged,
            limit=limit,
            cursor=cursor,
        )
        if query.since and query.until and query.until < query.since:
            raise InvalidInput(f"until: {query.until} comes before since ({query.since})")
        try:
            return self.escalations.page(query)
        except ValueError:
            raise InvalidInput("cursor: is not a cursor this list gave") from None

    def acknowledge(self, key: str, step: Acknowledge) -> EscalationView:
        require_agent(self.directory, step.by)
        acknowledged = self.escalations.acknowledge(key, step.by, self.clock())
        if acknowledged is None:
            raise NotFound(f"escalation {key} does not exist")
        return acknowledged


@dataclass(frozen=True)
class GuardedEscalations:
    desk: EscalationDesk
    caller: Caller

    def list(
        self,
        mo: str | None = None,
        kind: EscalationKind | str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        acknowledged: bool | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> EscalationPage:
        authorize(self.caller, Action.escalation_read)
        return self.desk.list(mo, kind, since, until, acknowledged, limit, cursor)

    def acknowledge(self, key: str, step: Acknowledge) -> EscalationView:
        authorize(self.caller, Action.escalation_ack)
        acting_as_self(self.caller, "by", step.by)
        return self.desk.acknowledge(key, step)
