"""Tickets: opening them and acting on them, the one path the command line, the API and the
console take. The desk checks what the workflow cannot (the MO and the agents exist, the receipt
is not in the future), computes the take-in-charge deadline once, and speaks to the workflows;
its guarded form applies the roles: an MO user opens and reads their own tickets, a DGGIR pilot
reads and brings back the ones forwarded to them, the CA works them all."""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.ports import Contacts, Counters, Directory, TicketRecords
from models import ticket_lifecycle as lifecycle
from models.mail import Contact, UnreadableMail
from models.requests import Load, Order, Page
from models.roles import Action, Caller, Role
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, check_urgency, take_in_charge_deadline
from models.tickets import (
    TICKET_ID_PATTERN,
    OpenTicket,
    StepDone,
    TicketRequest,
    TicketState,
    TicketStatus,
    ticket_number,
)
from starter.desks.access import acting_as_self, authorize, listing_scope, own_mo
from starter.desks.checks import (
    RecentPages,
    checked_id,
    checked_mo,
    paged,
    require_agent,
    require_mo,
)
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import AlreadyRunning, Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from workflows.tickets import TicketWorkflow

# Steps only a CA agent (or supervisor) may take; the others may come from a client or a pilot.
AGENT_STEPS = {
    "take",
    "forward",
    "ask_client",
    "propose",
    "check_quality",
    "return_to_client",
    "close",
}
STEP_ACTIONS = {
    **{name: Action.ticket_work for name in AGENT_STEPS},
    "bring_back": Action.ticket_back,
    "record_answer": Action.ticket_answer,
    "reopen": Action.ticket_reopen,
    "client_message": Action.ticket_answer,
}
LIMIT = 100  # a page; the doors ask for more, up to MAX_PAGE
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketDesk:
    engine: Engine
    calendar: ServiceCalendar
    directory: Directory
    records: TicketRecords
    counters: Counters
    contacts: Contacts
    clock: Clock = utc_now
    # How far back a receipt time may be given (a voicemail heard late, a fax found on Monday).
    max_receipt_age: timedelta = timedelta(days=30)
    # Follow-ups: open days a question waits for the client before the ticket is closed, and
    # open days between reminders of a forwarded ticket (SAGIR_ANSWER_WAIT_OPEN_DAYS,
    # SAGIR_FORWARD_REMINDER_OPEN_DAYS).
    answer_wait_open_days: int = 5
    forward_reminder_open_days: int = 2
    # A ticket's run hands over to a new one at this many events
    # (SAGIR_TICKET_CONTINUE_AFTER_EVENTS).
    continue_after_events: int = 200
    # The queue, as read in the last second (many agents refresh it at once).
    recent: RecentPages = field(default_factory=lambda: RecentPages(1.0))

    async def open(self, request: TicketRequest, number: str | None = None) -> TicketState:
        """Check the request, compute its deadline once, and start its workflow; `number` is
        given by a door that reserved it first (the mail intake, so a message received twice
        opens one ticket)."""
        now = self.clock()
        received = request.received_at or now
        if received > now:
            raise InvalidInput(
                f"received_at: {received.isoformat()} is in the future; a request cannot be "
                "received later than now"
            )
        if received < now - self.max_receipt_age:
            raise InvalidInput(
                f"received_at: {received.isoformat()} is more than "
                f"{self.max_receipt_age.days} days ago (SAGIR_MAX_RECEIPT_AGE_DAYS)"
            )
        require_mo(self.directory, request.mo)
        try:
            check_urgency(request.channel, request.urgent)
        except ValueError as error:
            raise InvalidInput(f"urgent: {error}") from None
        due = take_in_charge_deadline(request.channel, received, self.calendar)
        reserved = number is not None
        if number is None:
            year = received.astimezone(MONTREAL).year  # the service's year, not UTC's
            number = ticket_number(year, self.counters.next_number(f"T-{year}"))
        ticket = OpenTicket(
            ticket_id=_checked(number),
            # The contact stays out of the workflow's input: the notices read it from the desk.
            **request.model_dump(exclude={"received_at", "contact_email", "language"}),
            received_at=received,
            due=due,
            answer_wait_open_days=self.answer_wait_open_days,
            forward_reminder_open_days=self.forward_reminder_open_days,
            continue_after_events=self.continue_after_events,
        )
        state = lifecycle.open_ticket(ticket)
        if request.contact_email is not None:
            self.contacts.keep(
                number, Contact(address=request.contact_email, language=request.language)
            )
        from workflows.search_attributes import ticket_attributes

        try:
            # A ticket number is never given twice, even after its ticket has closed.
            await self.engine.start(
                _workflow().run, ticket, number, ticket_attributes(state), again=False
            )
        except AlreadyRunning:
            if not reserved:  # a reserved number's ticket runs already: it is this one's
                self._forget_contact(request, number)
            raise
        except BaseException:
            self._forget_contact(request, number)  # no contact left for a ticket never started
            raise
        return state

    def _forget_contact(self, request: TicketRequest, number: str) -> None:
        if request.contact_email is not None:
            self.contacts.forget(number)

    async def show(self, ticket_id: str) -> TicketState:
        """The ticket from the desk's records, which its workflow writes before a step answers:
        no engine call. The engine is asked only for a ticket the records do not hold whole
        (not yet recorded, or projected before the records kept every detail)."""
        number = _checked(ticket_id)
        recorded = self._recorded(number)
        if recorded is not None:
            return recorded
        state: TicketState = await self.engine.state(_workflow(), number)
        return state

    def _recorded(self, ticket_id: str, version: int = 0) -> TicketState | None:
        try:
            record = self.records.get(ticket_id)
        except UnreadableMail as unreadable:  # altered, or sealed with a key no longer given
            log.warning("ticket %s read from its workflow: %s", ticket_id, unreadable)
            return None
        state = None if record is None else record.state()
        return state if state is not None and state.version >= version else None

    async def act(
        self, step_name: str, ticket_id: str, step: Any, step_id: str | None = None
    ) -> TicketState:
        """Send one step (an update of TicketWorkflow) and return the state after it; a
        `step_id` given again (a retried delivery) is taken once."""
        if step_name not in STEP_ACTIONS:
            raise InvalidInput(f"step: {step_name} is not a step of a ticket")
        actor = getattr(step, "agent", None)
        if step_name in AGENT_STEPS and actor is not None:
            require_agent(self.directory, actor)
        update = getattr(_workflow(), step_name)
        number = _checked(ticket_id)
        done: TicketState | StepDone = await self.engine.step(update, step, number, step_id)
        if isinstance(done, TicketState):  # a ticket started before steps answered lean
            return done
        # Its record is written before the step answers; the engine only if the records lost
        # the race to a newer step (they then hold it) or do not hold the ticket whole.
        state = self._recorded(number, done.version)
        return state if state is not None else await self.show(number)

    async def list(
        self,
        mo: str | None = None,
        status: TicketStatus | None = None,
        breached: bool | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
        requester: str | None = None,
        forwarded_to: str | None = None,
        assignee: str | None = None,
    ) -> Page:
        """Tickets by number, from the desk's records (filtered by the database, a page at a
        time: none is ever left out)."""
        return paged(
            self.records.page,
            mo=checked_mo(mo),
            status=None if status is None else TicketStatus(status).value,
            breached=breached,
            requester=requester,
            forwarded_to=forwarded_to,
            assignee=assignee,
            limit=limit,
            cursor=cursor,
        )

    async def load(self) -> builtins.list[Load]:
        """Each agent's open tickets by status (none: waiting to be taken), from the records."""
        return self.records.load()

    async def queue(
        self, mo: str | None = None, limit: int = LIMIT, cursor: str | None = None
    ) -> Page:
        """Tickets not yet taken in charge, in the order agents serve them: urgent first, then
        the earliest deadline."""
        return paged(
            self.recent.read(self.records.page),
            mo=checked_mo(mo),
            status=TicketStatus.received.value,
            order=Order.queue,
            limit=limit,
            cursor=cursor,
        )


@dataclass(frozen=True)
class GuardedTickets:
    desk: TicketDesk
    caller: Caller

    async def open(self, request: TicketRequest) -> TicketState:
        caller = self.caller
        authorize(caller, Action.ticket_open)
        own_mo(caller, request.mo)
        if caller.role is Role.mo_user:
            acting_as_self(caller, "requester", request.requester)
            _as_the_outil_requete(request)
        return await self.desk.open(request)

    async def show(self, ticket_id: str, action: Action = Action.ticket_read) -> TicketState:
        """The ticket, if the caller may see it: its MO's users see their own, a DGGIR pilot the
        ones forwarded to them; any other answers 404 as if it did not exist."""
        caller = self.caller
        authorize(caller, action)
        state = await self.desk.show(ticket_id)
        hidden = (
            not caller.sees(state.mo)
            or (caller.role is Role.mo_user and state.requester != caller.subject)
            or (caller.role is Role.dggir_pilot and state.forwarded_to != caller.subject)
        )
        if hidden:
            raise NotFound(f"{ticket_id} does not exist")
        return state

    async def act(self, step_name: str, ticket_id: str, step: Any) -> TicketState:
        action = STEP_ACTIONS.get(step_name)
        if action is None:
            raise InvalidInput(f"step: {step_name} is not a step of a ticket")
        await self.show(ticket_id, action)
        actor_field = "agent" if hasattr(step, "agent") else "by"
        acting_as_self(self.caller, actor_field, getattr(step, actor_field))
        return await self.desk.act(step_name, ticket_id, step)

    async def list(
        self,
        mo: str | None = None,
        status: TicketStatus | None = None,
        breached: bool | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
        mine: bool = False,
    ) -> Page:
        """Every ticket for the CA and the auditors; an MO user's own; a pilot's forwarded;
        `mine`: an agent's own (the ones they took in charge)."""
        caller = self.caller
        authorize(caller, Action.ticket_read)
        show, scope = listing_scope(caller, mo)
        if not show:
            return Page(items=[], total=0)
        return await self.desk.list(
            scope,
            status,
            breached,
            limit,
            cursor,
            requester=caller.subject if caller.role is Role.mo_user else None,
            forwarded_to=caller.subject if caller.role is Role.dggir_pilot else None,
            assignee=caller.subject if mine else None,
        )

    async def load(self) -> builtins.list[Load]:
        """A supervisor's view of the agents' load (and the auditors', who read reports)."""
        authorize(self.caller, Action.report_read)
        return await self.desk.load()

    async def queue(
        self, mo: str | None = None, limit: int = LIMIT, cursor: str | None = None
    ) -> Page:
        authorize(self.caller, Action.queue_read)
        return await self.desk.queue(mo, limit, cursor)


def _as_the_outil_requete(request: TicketRequest) -> None:
    """An MO user's request comes through the Outil Requête: channel web, received now, not
    urgent. Only the CA, who takes calls, faxes and voicemail, sets those (no queue jumping)."""
    if request.channel is not Channel.web:
        raise Forbidden("channel: an MO user's request comes through the Outil Requête (web)")
    if request.urgent:
        raise Forbidden("urgent: only the CA marks a request urgent")
    if request.received_at is not None:
        raise Forbidden("received_at: only the CA gives a receipt time; yours is now")


def _workflow() -> type[TicketWorkflow]:
    """The ticket's workflow class, imported when the engine is spoken to: it brings the
    engine's SDK, which `ticket show` from the records does without (issue 17: start fast)."""
    from workflows.tickets import TicketWorkflow

    return TicketWorkflow


def _checked(ticket_id: str) -> str:
    return checked_id(TICKET_ID_PATTERN, ticket_id, "a ticket number", "T-2026-000123")
