"""In-memory fakes of the ports (adapters/ports.py), for the desks' and activities' unit tests:
each keeps what its SQL adapter keeps, in dicts, and answers by the same rules (the same
idempotency, the same refusals), so a test on a fake proves what it would prove on the database,
in microseconds. Set-up methods mirror the SQL adapters' own (`add_mo`, `add_person`...)."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from models.audit import (
    GENESIS,
    AuditEntry,
    AuditEvent,
    ChainBreak,
    Checkpoint,
    SealKeys,
    WorkflowSteps,
    seal,
    verify_chain,
)
from models.directory import Agent, Mo, Person
from models.mail import Contact, Mail
from models.parameterisation import ApprovalPowers, ResponsibilityTemplate
from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    RegistreAction,
    RegistreChange,
    RegistreLine,
    absence_detail,
    absence_end_detail,
    check_absence,
    check_absence_end,
    check_declaration,
    check_releves_kept,
    check_still_covered,
)
from models.reports import LateNotice, TicketFact, month_bounds
from models.requests import Escalation, Listed, ListQuery, Load, Order, Page
from models.roles import Caller
from models.sagir import (
    Absence,
    AccessSnapshot,
    AccountStatus,
    Authority,
    ErpRefused,
    Responsibility,
)
from models.service_calendar import MONTREAL
from models.tickets import BreachEscalation, TicketRecord
from models.tokens import TOKEN_PREFIX, IssuedToken, TokenInfo

Who = tuple[str, str]  # (MO, employee number)
# An audit key for tests: a fake's, not a secret.
FAKE_AUDIT_KEYS = SealKeys.of([("fake-audit", b"fake audit key of 32 bytes, ok!!")])


class FakeDirectory:
    """The Directory: client MOs and the CA's agents, from lists."""

    def __init__(self, mos: Iterable[Mo] = (), agents: Iterable[Agent] = ()) -> None:
        self._mos = {mo.code: mo for mo in mos}
        self._agents = {agent.code: agent for agent in agents}

    def mo(self, code: str) -> Mo | None:
        return self._mos.get(code)

    def mos(self) -> list[Mo]:
        return [self._mos[code] for code in sorted(self._mos)]

    def agent(self, code: str) -> Agent | None:
        return self._agents.get(code)

    def agents(self) -> list[Agent]:
        return [self._agents[code] for code in sorted(self._agents)]

    def add_mo(self, mo: Mo) -> None:
        self._mos[mo.code] = mo

    def add_agent(self, agent: Agent) -> None:
        self._agents[agent.code] = agent


class FakeTicketRecords:
    """TicketRecords (and Escalations): the ticket projection and escalations once per key."""

    def __init__(self) -> None:
        self._tickets: dict[str, TicketRecord] = {}
        self._escalations: dict[str, tuple[Escalation, list[str]]] = {}

    def record(self, ticket: TicketRecord) -> None:
        """Keep the newest version; steps are kept by number, without their notes (the SQL
        table keeps no note), so `get` answers what the database would."""
        known = self._tickets.get(ticket.id)
        steps = {step.seq: step for step in known.steps} if known is not None else {}
        for step in ticket.steps:
            steps.setdefault(step.seq, step.model_copy(update={"note": None}))
        newest = ticket if known is None or known.version < ticket.version else known
        self._tickets[ticket.id] = newest.model_copy(
            update={"steps": [steps[seq] for seq in sorted(steps)]}
        )

    def get(self, ticket_id: str) -> TicketRecord | None:
        return self._tickets.get(ticket_id)

    def tickets(self) -> list[TicketRecord]:
        """Every ticket, by id (what the fake reports read)."""
        return [self._tickets[key] for key in sorted(self._tickets)]

    def page(self, query: ListQuery) -> Page:
        wanted = [
            ticket
            for ticket in self._tickets.values()
            if query.mo in (None, ticket.mo)
            and query.status in (None, ticket.status.value)
            and query.breached in (None, ticket.breached)
            and query.requester in (None, ticket.requester)
            and query.forwarded_to in (None, ticket.forwarded_to)
            and query.assignee in (None, ticket.assignee)
        ]
        if query.order is Order.queue:
            wanted.sort(key=lambda t: (not t.urgent, t.due, t.id))
        else:
            wanted.sort(key=lambda t: t.id)
        return _page(
            [
                Listed(
                    id=t.id,
                    process="ticket",
                    mo=t.mo,
                    channel=t.channel.value,
                    status=t.status.value,
                    urgent=t.urgent,
                    breached=t.breached,
                    due=t.due,
                    started_at=t.received_at,
                    assignee=t.assignee,
                )
                for t in wanted
            ],
            query,
        )

    def load(self) -> builtins.list[Load]:
        counted: dict[tuple[str | None, str], list[int]] = {}
        for t in self._tickets.values():
            if t.status.value != "closed":
                tally = counted.setdefault((t.assignee, t.status.value), [0, 0])
                tally[0] += 1
                tally[1] += int(t.breached)
        return [
            Load(assignee=who, status=status, count=count, breached=breached)
            for (who, status), (count, breached) in sorted(
                counted.items(), key=lambda item: (item[0][0] or "", item[0][1])
            )
        ]

    def escalate(self, escalation: BreachEscalation, supervisors: list[str]) -> list[str]:
        return self.record_escalation(
            Escalation(
                idempotency_key=escalation.idempotency_key,
                workflow_id=escalation.ticket_id,
                mo=escalation.mo,
                reason=f"not taken in charge by {escalation.due.isoformat()}",
                at=escalation.breached_at,
            ),
            supervisors,
        )

    def record_escalation(self, escalation: Escalation, supervisors: list[str]) -> list[str]:
        """Record once per key; returns who was notified (the first time's list)."""
        first = self._escalations.setdefault(
            escalation.idempotency_key, (escalation, list(supervisors))
        )
        return list(first[1])

    def escalations_of(self, workflow_id: str) -> list[str]:
        return [key for key, (e, _) in self._escalations.items() if e.workflow_id == workflow_id]

    def escalations(self) -> list[Escalation]:
        return [escalation for escalation, _ in self._escalations.values()]


class FakeCounters:
    """Counters: one number series per name, never giving a number twice."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next_number(self, series: str) -> int:
        self._last[series] = self._last.get(series, 0) + 1
        return self._last[series]


class FakeAuditTrail:
    """The AuditTrail: entries sealed and chained in a list, once per source key; `verify`
    checks the chain with the same functions as the SQL trail."""

    def __init__(self, keys: SealKeys = FAKE_AUDIT_KEYS) -> None:
        self._keys = keys
        self._entries: list[AuditEntry] = []
        self._source_keys: set[str] = set()
        self._head: tuple[int, str] = (0, GENESIS)

    def append(self, event: AuditEvent, source_key: str | None = None) -> AuditEntry | None:
        if source_key is not None:
            if source_key in self._source_keys:
                return None
            self._source_keys.add(source_key)
        seq, prev_hash = self._head
        entry = seal(self._keys, seq + 1, event, prev_hash, source_key)
        self._entries.append(entry)
        self._head = (entry.seq, entry.hash)
        return entry

    def entries(self, workflow_id: str | None = None) -> list[AuditEntry]:
        return [e for e in self._entries if workflow_id in (None, e.workflow_id)]

    def head(self) -> Checkpoint:
        return Checkpoint(seq=self._head[0], hash=self._head[1], at=datetime.now(UTC))

    def verify(self, checkpoints: Sequence[Checkpoint] = ()) -> list[ChainBreak]:
        entries = sorted(self._entries, key=lambda e: e.seq)
        return verify_chain(entries, *self._head, self._keys, checkpoints)


class FakeCheckpoints:
    """Checkpoints: kept in a list, newest last."""

    def __init__(self) -> None:
        self.kept: list[Checkpoint] = []

    def record(self, checkpoint: Checkpoint) -> None:
        self.kept.append(checkpoint)

    def latest(self, count: int) -> list[Checkpoint]:
        return self.kept[-count:][::-1]


class FakeRequestRecords:
    """RequestRecords: each request's newest listing, by id."""

    def __init__(self) -> None:
        self._listed: dict[str, tuple[int, Listed]] = {}

    def note(self, batch: WorkflowSteps) -> None:
        if batch.listing is None:
            return
        known = self._listed.get(batch.workflow_id)
        if known is not None and known[0] >= batch.sent:
            return
        listing = batch.listing
        self._listed[batch.workflow_id] = (
            batch.sent,
            Listed(
                id=batch.workflow_id,
                process=batch.process,
                mo=batch.mo,
                status=listing.status,
                breached=listing.breached,
                late_notice=listing.late_notice,
                due=listing.due,
            ),
        )

    def page(self, query: ListQuery) -> Page:
        wanted = sorted(
            (
                listed
                for _, listed in self._listed.values()
                if (query.process is None or listed.process == query.process.value)
                and query.mo in (None, listed.mo)
                and query.status in (None, listed.status)
                and query.breached in (None, listed.breached)
                and query.late_notice in (None, listed.late_notice)
            ),
            key=lambda listed: listed.id,
        )
        return _page(wanted, query)


def _page(items: list[Listed], query: ListQuery) -> Page:
    """A page of `items` after the query's cursor (in the fakes, a plain offset)."""
    start = int(query.cursor or 0)
    end = start + query.limit
    more = end < len(items)
    return Page(items=items[start:end], total=len(items), next_cursor=str(end) if more else None)


class FakeRequestFacts:
    """RequestFacts: the SLA facts of requests that are not tickets, one per workflow run."""

    def __init__(self) -> None:
        self._facts: dict[tuple[str, str], TicketFact] = {}

    def note(
        self,
        workflow_id: str,
        run_id: str,
        process: str,
        mo: str,
        due: datetime,
        received_at: datetime | None = None,
        taken_at: datetime | None = None,
        breached: bool = False,
    ) -> None:
        key = (workflow_id, run_id)
        fact = self._facts.get(key) or TicketFact(
            id=workflow_id,
            mo=mo,
            # These requests all come through the web request tool (as SqlReports reads them).
            channel="web",
            received_at=received_at or due,
            due=due,
            taken_at=None,
            breached=False,
        )
        self._facts[key] = fact.model_copy(
            update={
                "received_at": min(fact.received_at, received_at or fact.received_at),
                "taken_at": fact.taken_at or taken_at,
                "breached": fact.breached or breached,
            }
        )

    def facts(self) -> list[TicketFact]:
        """Every request's facts, by workflow id."""
        return [self._facts[key] for key in sorted(self._facts)]


class FakeReports:
    """Reports: read from the fake ticket records and request facts, as SqlReports reads the
    tables those fill."""

    def __init__(self, records: FakeTicketRecords, facts: FakeRequestFacts) -> None:
        self._records = records
        self._facts = facts

    def request_facts(self, month: str | None = None, mo: str | None = None) -> list[TicketFact]:
        tickets = [
            TicketFact(
                id=t.id,
                mo=t.mo,
                channel=t.channel.value,
                received_at=t.received_at,
                due=t.due,
                taken_at=t.taken_at,
                breached=t.breached,
            )
            for t in self._records.tickets()
        ]
        return [
            fact
            for fact in tickets + self._facts.facts()
            if _in(fact.received_at, month) and mo in (None, fact.mo)
        ]

    def late_notices(self, month: str | None = None, mo: str | None = None) -> list[LateNotice]:
        return [
            LateNotice(mo=e.mo, at=e.at)
            for e in self._records.escalations()
            if e.idempotency_key.endswith("/late") and _in(e.at, month) and mo in (None, e.mo)
        ]


def _in(instant: datetime, month: str | None) -> bool:
    if month is None:
        return True
    start, after = month_bounds(month)
    return start <= instant < after


class FakeTokens:
    """Tokens: `sdk_<id>.<secret>`, kept as the SHA-256 of the secret, as SqlTokens keeps them."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, TokenInfo]] = {}

    def create(self, caller: Caller, note: str, at: datetime) -> IssuedToken:
        token_id, secret = secrets.token_hex(5), secrets.token_urlsafe(32)
        info = TokenInfo(id=token_id, caller=caller, note=note, created_at=at)
        self._tokens[token_id] = (_digest(secret), info)
        return IssuedToken(info=info, token=f"{TOKEN_PREFIX}{token_id}.{secret}")

    def authenticate(self, token: str) -> Caller | None:
        holder = self.holder(token)
        return None if holder is None else holder.caller

    def holder(self, token: str) -> TokenInfo | None:
        token_id, dot, secret = token.removeprefix(TOKEN_PREFIX).partition(".")
        kept = self._tokens.get(token_id)
        if not token.startswith(TOKEN_PREFIX) or not dot or not secret or kept is None:
            return None
        digest, info = kept
        if info.revoked_at is not None or not hmac.compare_digest(digest, _digest(secret)):
            return None
        return info

    def revoke(self, token_id: str, at: datetime) -> TokenInfo | None:
        kept = self._tokens.get(token_id)
        if kept is None:
            return None
        digest, info = kept
        if info.revoked_at is None:
            info = info.model_copy(update={"revoked_at": at})
            self._tokens[token_id] = (digest, info)
        return info

    def list(self) -> builtins.list[TokenInfo]:
        return sorted((info for _, info in self._tokens.values()), key=lambda i: i.created_at)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class FakeContacts:
    def __init__(self) -> None:
        self.contacts: dict[str, Contact] = {}

    def keep(self, ticket_id: str, contact: Contact) -> None:
        self.contacts[ticket_id] = contact

    def forget(self, ticket_id: str) -> None:
        self.contacts.pop(ticket_id, None)

    def of(self, ticket_id: str) -> Contact | None:
        return self.contacts.get(ticket_id)


class FakeMailer:
    """The Mailer: an outbox in a dict, once per idempotency key. Memory only, so nothing to
    seal; a secret body is still removed once delivered, as the outbox does."""

    def __init__(self) -> None:
        self._outbox: dict[str, tuple[datetime, Mail]] = {}
        self._removed: set[str] = set()  # secret bodies removed after delivery

    def send(self, mail: Mail, at: datetime) -> bool:
        if mail.idempotency_key in self._outbox:
            return False
        self._outbox[mail.idempotency_key] = (at, mail)
        return True

    def sent(self, key_prefix: str = "") -> list[Mail]:
        queued = sorted((at, key) for key, (at, _) in self._outbox.items())
        return [self._outbox[key][1] for _, key in queued if key.startswith(key_prefix)]

    def delivered(self, idempotency_key: str) -> bool:
        queued = self._outbox.get(idempotency_key)
        if queued is None or not queued[1].secret or idempotency_key in self._removed:
            return False
        at, mail = queued
        self._outbox[idempotency_key] = (at, mail.model_copy(update={"body": ""}))
        self._removed.add(idempotency_key)
        return True


class FakeSagirErp:
    """The SAGIR-like ERP: dossiers personne, catalogue, registres and accounts in dicts. A write
    under a key already written changes nothing and answers False; a refused write changes
    nothing, its key included (as the SQL transaction rolls back), and raises `ErpRefused`."""

    def __init__(self) -> None:
        self._persons: dict[Who, Person] = {}
        self._catalogue: dict[str, Responsibility] = {}
        self._templates: dict[str, tuple[str, ResponsibilityTemplate]] = {}  # code: (owner, …)
        self._defaults: dict[str, set[str]] = {}
        self._allowed: dict[str, set[str]] = {}
        self._groups: set[tuple[str, str]] = set()
        self._accounts: dict[Who, AccountStatus] = {}
        self._granted: dict[Who, set[str]] = {}
        self._partitions: dict[Who, str] = {}
        self._parameters: dict[Who, dict[str, str]] = {}
        self._limits: dict[str, Decimal] = {}
        self._powers: dict[Who, dict[str, ApprovalPowers]] = {}
        self._passwords: dict[Who, str] = {}
        self._lines: dict[int, RegistreLine] = {}
        self._changes: list[RegistreChange] = []
        self._absences: list[Absence] = []
        self.writes: dict[str, str] = {}  # idempotency key: operation

    # --- reads -------------------------------------------------------------------------------

    def person(self, mo: str, employee_number: str) -> Person | None:
        return self._persons.get((mo, employee_number))

    def catalogue(self) -> dict[str, Responsibility]:
        return dict(self._catalogue)

    def default_responsibilities(self, mo: str) -> list[str]:
        return sorted(self._defaults.get(mo, set()))

    def registre_responsibilities(self, mo: str) -> set[str]:
        return set(self._allowed.get(mo, set()))

    def registre(self, mo: str) -> list[Authority]:
        return [Authority(**line.model_dump(exclude={"id"})) for line in self.registre_lines(mo)]

    def registre_lines(self, mo: str) -> list[RegistreLine]:
        return [line for _, line in sorted(self._lines.items()) if line.mo == mo]

    def registre_changes(self, mo: str) -> list[RegistreChange]:
        return [change for change in self._changes if change.mo == mo]

    def registre_absences(self, mo: str) -> list[Absence]:
        return [absence for absence in self._absences if absence.mo == mo]

    def approval_limit(self, mo: str) -> Decimal | None:
        return self._limits.get(mo)

    def approval_powers_of(self, mo: str, employee_number: str) -> list[ApprovalPowers]:
        powers = self._powers.get((mo, employee_number), {})
        return [powers[code] for code in sorted(powers)]

    def responsibility_template(self, code: str) -> ResponsibilityTemplate | None:
        owned = self._templates.get(code)
        return None if owned is None else owned[1]

    def partition_group_exists(self, mo: str, name: str) -> bool:
        return (mo, name) in self._groups

    def access_of(self, mo: str, employee_number: str) -> AccessSnapshot:
        who = (mo, employee_number)
        return AccessSnapshot(
            mo=mo,
            employee_number=employee_number,
            account=self._accounts.get(who),
            responsibilities=sorted(self._granted.get(who, set())),
            partition_group=self._partitions.get(who),
            parameters=dict(self._parameters.get(who, {})),
        )

    def password_matches(self, mo: str, employee_number: str, secret: str) -> bool:
        kept = self._passwords.get((mo, employee_number))
        return kept is not None and hmac.compare_digest(kept, _digest(secret))

    def write_done(self, key: str) -> bool:
        return key in self.writes

    # --- idempotent writes: each checks everything before it changes anything ----------------

    def create_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        if self._done(key):
            return False
        if self._accounts.get((mo, employee_number)) is AccountStatus.active:
            raise ErpRefused(f"{mo}/{employee_number} already has an active SAGIR account")
        self._accounts[(mo, employee_number)] = AccountStatus.prepared
        return self._wrote(key, "create_account")

    def delete_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        """Undo a prepared account (the saga's compensation); an active one is only removed."""
        if self._done(key):
            return False
        if self._accounts.get((mo, employee_number)) is AccountStatus.prepared:
            del self._accounts[(mo, employee_number)]
        return self._wrote(key, "delete_account")

    def grant(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        if responsibility not in self._catalogue:
            raise ErpRefused(f"responsibility {responsibility} is not in SAGIR's catalogue")
        self._require_account(mo, employee_number)
        self._granted.setdefault((mo, employee_number), set()).add(responsibility)
        return self._wrote(key, "grant")

    def revoke(
        self, key: str, mo: str, employee_number: str, responsibility: str, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        self._granted.get((mo, employee_number), set()).discard(responsibility)
        return self._wrote(key, "revoke")

    def set_partition(
        self, key: str, mo: str, employee_number: str, group: str, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        if (mo, group) not in self._groups:
            raise ErpRefused(f"partition group {group} does not exist for {mo}")
        self._require_account(mo, employee_number)
        self._partitions[(mo, employee_number)] = group
        return self._wrote(key, "set_partition")

    def clear_partition(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        if self._done(key):
            return False
        self._partitions.pop((mo, employee_number), None)
        return self._wrote(key, "clear_partition")

    def set_parameter(
        self, key: str, mo: str, employee_number: str, name: str, value: str, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        self._require_account(mo, employee_number)
        self._parameters.setdefault((mo, employee_number), {})[name] = value
        return self._wrote(key, "set_parameter")

    def remove_parameter(
        self, key: str, mo: str, employee_number: str, name: str, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        self._parameters.get((mo, employee_number), {}).pop(name, None)
        return self._wrote(key, "remove_parameter")

    def activate_account(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        if self._done(key):
            return False
        self._require_account(mo, employee_number)
        self._accounts[(mo, employee_number)] = AccountStatus.active
        return self._wrote(key, "activate_account")

    def remove_all_access(self, key: str, mo: str, employee_number: str, at: datetime) -> bool:
        """Remove every responsibility, the partition and every parameter; disable the account."""
        if self._done(key):
            return False
        who = (mo, employee_number)
        self._granted.pop(who, None)
        self._partitions.pop(who, None)
        self._parameters.pop(who, None)
        if who in self._accounts:
            self._accounts[who] = AccountStatus.removed
        return self._wrote(key, "remove_all_access")

    def record_departure(
        self, key: str, mo: str, employee_number: str, departure_date: date, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        person = self._persons.get((mo, employee_number))
        if person is None:
            raise ErpRefused(f"no dossier personne {mo}/{employee_number}")
        self._persons[(mo, employee_number)] = person.model_copy(update={"status": "departed"})
        return self._wrote(key, "record_departure")

    def create_responsibility(
        self, key: str, mo: str, template: ResponsibilityTemplate, at: datetime
    ) -> bool:
        """Add an MO's responsibility to the catalogue; its registre then allows it."""
        if self._done(key):
            return False
        if template.code in self._catalogue:
            raise ErpRefused(f"template.code: {template.code} already exists in SAGIR")
        self._keep_template(mo, template)
        self._allowed.setdefault(mo, set()).add(template.code)
        return self._wrote(key, "create_responsibility")

    def modify_responsibility(
        self, key: str, mo: str, template: ResponsibilityTemplate, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        owned = self._templates.get(template.code)
        if owned is None or owned[0] != mo:
            raise ErpRefused(f"template.code: {template.code} is not a responsibility of {mo}")
        self._keep_template(mo, template)
        return self._wrote(key, "modify_responsibility")

    def set_approval_powers(
        self,
        key: str,
        mo: str,
        employee_number: str,
        powers: ApprovalPowers,
        at: datetime,
        replace: bool,
    ) -> bool:
        """Grant (`replace=False`: none may exist yet on that scope) or change powers."""
        if self._done(key):
            return False
        self._require_account(mo, employee_number)
        held = self._powers.setdefault((mo, employee_number), {})
        if powers.scope_code not in held and replace:
            raise ErpRefused(
                f"powers.scope_code: {employee_number} has no powers on "
                f"{powers.scope_code} to change"
            )
        if powers.scope_code in held and not replace:
            raise ErpRefused(
                f"powers.scope_code: {employee_number} already has powers on "
                f"{powers.scope_code}; ask for a change instead"
            )
        held[powers.scope_code] = powers
        return self._wrote(key, "set_approval_powers")

    def withdraw_approval_powers(
        self, key: str, mo: str, employee_number: str, scope_code: str, at: datetime
    ) -> bool:
        if self._done(key):
            return False
        held = self._powers.get((mo, employee_number), {})
        if scope_code not in held:
            raise ErpRefused(f"withdraw_scope: {employee_number} has no powers on {scope_code}")
        del held[scope_code]
        return self._wrote(key, "withdraw_approval_powers")

    def reset_password(
        self, key: str, mo: str, employee_number: str, secret: str, at: datetime
    ) -> bool:
        """Keep a hash of the temporary secret (unsalted here: a fake holds no real secret)."""
        if self._done(key):
            return False
        self._require_account(mo, employee_number)
        self._passwords[(mo, employee_number)] = _digest(secret)
        return self._wrote(key, "reset_password")

    # --- the registre as the MO keeps it ------------------------------------------------------

    def declare_authority(self, declaration: Declaration, by: str, at: datetime) -> RegistreLine:
        """As SqlSagirErp's: a new personne autorisée's first relève is written with them, and
        a refusal writes neither."""
        lines = self.registre_lines(declaration.mo)
        after = list(lines)
        for each in filter(None, [declaration, declaration.releve_declaration()]):
            check_declaration(each, list(after))
            after.append(
                RegistreLine(
                    id=len(self._lines) + len(after) - len(lines) + 1,
                    **each.model_dump(exclude={"releve"}),
                )
            )
        today = at.astimezone(MONTREAL).date()
        check_releves_kept(
            declaration.mo, lines, after, self.registre_absences(declaration.mo), today
        )
        for line in after[len(lines) :]:
            self._lines[line.id] = line
            self._log_change(line, RegistreAction.declare, by, at)
        return after[len(lines)]

    def change_authority(
        self,
        mo: str,
        change: ChangeValidity,
        today: date,
        at: datetime,
        action: RegistreAction = RegistreAction.change,
    ) -> RegistreLine:
        """Change a line's validity; refused when the MO would be left with nobody to authorise
        sooner than before."""
        lines = self.registre_lines(mo)
        line = self._lines.get(change.line_id)
        if line is None or line.mo != mo:
            raise ErpRefused(f"line: {change.line_id} is not a line of {mo}'s registre")
        valid_from = change.valid_from or line.valid_from
        valid_until = None if change.open_ended else (change.valid_until or line.valid_until)
        if valid_until is not None and valid_until < valid_from:
            raise ErpRefused("valid_until: must be on or after valid_from")
        changed = line.model_copy(update={"valid_from": valid_from, "valid_until": valid_until})
        after = [changed if other.id == line.id else other for other in lines]
        check_still_covered(mo, list(lines), list(after), today)
        check_releves_kept(mo, lines, after, self.registre_absences(mo), today)
        self._lines[line.id] = changed
        self._log_change(changed, action, change.by, at)
        return changed

    def declare_absence(
        self, mo: str, declaration: AbsenceDeclaration, today: date, at: datetime
    ) -> Absence:
        lines = self.registre_lines(mo)
        line = next((line for line in lines if line.id == declaration.line_id), None)
        if line is None:
            raise ErpRefused(f"line: {declaration.line_id} is not a line of {mo}'s registre")
        check_absence(declaration, line, lines, self.registre_absences(mo), today)
        absence = Absence(
            # Ids are never reused, a cancelled absence's included (as a database sequence).
            id=sum(c.action is RegistreAction.absence for c in self._changes) + 1,
            mo=mo,
            line_id=line.id,
            employee_number=line.employee_number,
            absent_from=declaration.absent_from,
            absent_until=declaration.absent_until,
            declared_by=declaration.by,
            declared_at=at,
        )
        self._absences.append(absence)
        self._changes.append(
            RegistreChange(
                id=len(self._changes) + 1,
                mo=mo,
                line_id=line.id,
                action=RegistreAction.absence,
                changed_by=declaration.by,
                changed_at=at,
                detail=absence_detail(absence),
            )
        )
        return absence

    def end_absence(self, mo: str, end: AbsenceEnd, today: date, at: datetime) -> Absence:
        absence = next((a for a in self._absences if a.id == end.absence_id and a.mo == mo), None)
        if absence is None:
            raise ErpRefused(f"absence_id: {end.absence_id} is not an absence in {mo}'s registre")
        check_absence_end(end, absence, today)
        kept = self._absences.index(absence)
        if end.last_day is None:
            del self._absences[kept]
            standing = absence
        else:
            standing = absence.model_copy(update={"absent_until": end.last_day})
            self._absences[kept] = standing
        self._changes.append(
            RegistreChange(
                id=len(self._changes) + 1,
                mo=mo,
                line_id=absence.line_id,
                action=RegistreAction.absence_cancel
                if end.last_day is None
                else RegistreAction.absence_end,
                changed_by=end.by,
                changed_at=at,
                detail=absence_end_detail(absence, end),
            )
        )
        return standing

    # --- set-up, as SqlSagirErp's -------------------------------------------------------------

    def add_person(self, person: Person) -> None:
        self._persons[(person.mo, person.employee_number)] = person

    def add_responsibility(self, responsibility: Responsibility) -> None:
        self._catalogue[responsibility.code] = responsibility

    def set_defaults(self, mo: str, codes: list[str]) -> None:
        self._defaults.setdefault(mo, set()).update(codes)

    def allow(self, mo: str, codes: list[str]) -> None:
        self._allowed.setdefault(mo, set()).update(codes)

    def add_authority(self, authority: Authority) -> None:
        line = RegistreLine(id=len(self._lines) + 1, **authority.model_dump())
        self._lines[line.id] = line

    def set_approval_limit(self, mo: str, amount: Decimal) -> None:
        self._limits[mo] = amount

    def add_partition_group(self, mo: str, name: str) -> None:
        self._groups.add((mo, name))

    # --- helpers --------------------------------------------------------------------------------

    def _done(self, key: str) -> bool:
        return key in self.writes

    def _wrote(self, key: str, operation: str) -> bool:
        self.writes[key] = operation
        return True

    def _require_account(self, mo: str, employee_number: str) -> None:
        status = self._accounts.get((mo, employee_number))
        if status is None or status is AccountStatus.removed:
            raise ErpRefused(f"{mo}/{employee_number} has no SAGIR account to change")

    def _keep_template(self, mo: str, template: ResponsibilityTemplate) -> None:
        self._templates[template.code] = (mo, template)
        self._catalogue[template.code] = Responsibility(
            code=template.code, name=template.name, module=template.module
        )

    def _log_change(
        self, line: RegistreLine, action: RegistreAction, by: str, at: datetime
    ) -> None:
        detail = (
            f"{line.kind.value} {line.employee_number}"
            + (f" (relève of {line.releve_of})" if line.releve_of else "")
            + f" valid {line.valid_from} to {line.valid_until or 'open'}"
        )
        self._changes.append(
            RegistreChange(
                id=len(self._changes) + 1,
                mo=line.mo,
                line_id=line.id,
                action=action,
                changed_by=by,
                changed_at=at,
                detail=detail,
            )
        )
