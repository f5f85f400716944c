"""The ticket workflow: one durable workflow per support ticket, its id the ticket number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from activities.service_calendar import CalendarActivities
    from activities.tickets import TicketActivities
    from models import ticket_lifecycle as lifecycle
    from models.escalations import EscalationKind
    from models.notices import AgentNotice, Template, TicketNotice, Wording
    from models.requests import Escalation, Process
    from models.ticket_lifecycle import StepRefused
    from models.tickets import (
        AskClient,
        BreachEscalation,
        BringBack,
        CheckQuality,
        ClientMessage,
        CloseTicket,
        ForwardTicket,
        OpenTicket,
        ProposeSolution,
        RecordAnswer,
        ReopenTicket,
        ReopenUntilRequest,
        ReturnToClient,
        StepDone,
        StepKind,
        TakeTicket,
        TicketBreach,
        TicketCarried,
        TicketRecord,
        TicketState,
        TicketStatus,
        WarningRequest,
    )
    from models.tickets import Step as TicketStep
    from workflows.activity_options import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, execute
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import ticket_attributes
    from workflows.take_in_charge import escalate_warning

Step = TypeVar("Step")

# Tickets started before notices existed go on without them: the patch marks the ones with them.
NOTICES_PATCH = "ticket-notices"
# Tickets started before warnings existed are never warned: the patch marks the ones that are.
WARNING_PATCH = "ticket-warning"
# A breach is one activity (projection and escalation together); tickets that breached before
# this replay their two.
BREACH_PATCH = "ticket-breach-one-activity"
# Tickets started before follow-ups existed are never reminded nor closed for want of an answer.
FOLLOW_UP_PATCH = "ticket-follow-ups"
# One write per step: the projection's activity appends the new steps to the audit trail too (no
# audit feed beside it), and a step answers once its record is written, with what it did
# (`StepDone`): the desk reads the whole ticket from its records. Tickets started before keep
# their audit feed and answer with their whole state.
ONE_WRITE_PATCH = "ticket-one-write"
# How many of the newest steps' update ids a run hands to the next (a delivery retried after a
# hand-over is one of the last few).
CARRIED_UPDATE_IDS = 50
# The statuses in which the ticket waits on someone outside the CA, and is followed up.
FOLLOWED = (TicketStatus.waiting_client, TicketStatus.forwarded)
# The requester is reminded this long before their reopen window ends.
REOPEN_REMINDER_BEFORE = timedelta(days=1)
NOTICE_OF_STEP = {
    StepKind.received: Template.ticket_received,
    StepKind.ask: Template.ticket_question,
    StepKind.return_: Template.ticket_returned,
    StepKind.close: Template.ticket_closed,
}


@workflow.defn
class TicketWorkflow:
    """One support ticket, from receipt to closure (RULES.md "Ticket lifecycle").

    Updates (each validated; a refused step is answered with the reason and changes nothing):
    `take`, `forward`, `bring_back`, `ask_client`, `record_answer`, `propose`, `check_quality`,
    `return_to_client`, `close`, `reopen`, `client_message` (the client wrote: an answer, a
    reopening asked for, or a message). Each answers once the step is in the desk's records,
    with the step, the new status and version (`StepDone`; the whole state for tickets started
    before patch `ticket-one-write`).
    Queries: `state`. Signals: none.
    Timers: the warning before a breach (patch `ticket-warning`: at 75% of the ticket's open
    time, or 5 open minutes before a phone ticket's deadline, a ticket nobody took is marked
    warned and every agent on duty is told once, on the supervisors' list and by mail), the
    take-in-charge deadline (the ticket is marked breached and escalated to the CA
    supervisors once, on their list and by mail, and can still be taken), a reminder to the
    requester a day before the reopen window ends, and the end of that window (a returned
    ticket nobody reopened is closed; the workflow ends there).
    Follow-ups (patch `ticket-follow-ups`), durable timers at each open day's opening: a ticket
    waiting on the client reminds them each open day, and is closed after
    `answer_wait_open_days` open days without an answer (escalated as given up); a ticket
    forwarded to a DGGIR pilot or an intervenant is followed up every
    `forward_reminder_open_days` open days (a `follow_up` step the pilot sees, a mail to the
    agent who holds it).
    Notices to the requester (patch `ticket-notices`), once per step: the acknowledgement with
    the deadline, the CA's question, the solution returned, the closure, the window's reminder.
    """

    @workflow.init
    def __init__(self, ticket: OpenTicket) -> None:
        carried = ticket.carried
        self._state = lifecycle.open_ticket(ticket) if carried is None else carried.state
        self._recorded_version = 0
        self._busy = False
        self._notices = False
        self._owed: list[TicketNotice] = []  # notices of committed steps, not yet queued
        self._reminded_for: datetime | None = None  # the window whose reminder was queued
        self._warn_at: datetime | None = None  # when the CA is warned, if nobody takes it
        self._ticket = ticket.model_copy(update={"carried": None})
        self._follow_ups = False
        self._follow_at: datetime | None = None  # the next open day's opening, while followed
        self._follow_for: int | None = None  # the step that made the ticket wait (its seq)
        self._open_days = 0  # open days begun since that step
        self._audit_run: str | None = None  # the run the records' writes key the trail by
        # The ids of the steps taken by the runs before (the newest), and by this one.
        self._earlier_updates = frozenset(carried.update_ids if carried is not None else ())
        self._updates: list[str] = []
        if carried is not None:  # the run before chose all this: go on with it
            self._recorded_version, self._audit_run = carried.recorded_version, carried.audit_run
            self._notices, self._follow_ups = carried.notices, carried.follow_ups
            self._warn_at, self._reminded_for = carried.warn_at, carried.reminded_for
            self._follow_at, self._follow_for = carried.follow_at, carried.follow_for
            self._open_days = carried.open_days

    @workflow.run
    async def run(self, ticket: OpenTicket) -> TicketState:
        if ticket.carried is not None:
            return await self._run(ticket)  # a ticket that continued as new: all chosen before
        self._notices = workflow.patched(NOTICES_PATCH)
        if self._notices:
            self._owe(self._state, self._state.steps[-1])
        if workflow.patched(WARNING_PATCH):
            # In open time, which needs the holiday list: kept in the history once computed.
            self._warn_at = await workflow.execute_local_activity_method(
                CalendarActivities.warning_at,
                WarningRequest(
                    channel=ticket.channel,
                    received_at=ticket.received_at,
                    due=ticket.due,
                    now=workflow.now(),
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
        self._follow_ups = workflow.patched(FOLLOW_UP_PATCH)
        feed = None
        if workflow.patched(ONE_WRITE_PATCH):
            self._audit_run = workflow.info().run_id
        else:
            feed = AuditFeed(ticket.ticket_id, ticket.mo, Process.ticket, lambda: self._state.steps)
        state = await self._run(ticket)
        if feed is not None:
            await feed.close()  # every step in the audit trail before the end
        return state

    async def _run(self, ticket: OpenTicket) -> TicketState:
        while True:
            await self._record()
            await self._tell()
            if self._finished():
                if self._audit_run is None:
                    break  # tickets from before patch `ticket-one-write` end as they always did
                # A step that came while the last notices were queued (a client's late message)
                # waits for its record: record it (and tell) before the end.
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() or self._has_news()
                )
                if self._has_news():
                    continue
                break
            if self._history_is_long():
                # Between steps, every one recorded and told: hand the ticket to a new run.
                # (A step arriving meanwhile waits for its record: record it first.)
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() or self._has_news()
                )
                if not self._has_news() and workflow.all_handlers_finished():
                    workflow.continue_as_new(
                        self._ticket.model_copy(update={"carried": self._carried()})
                    )
                continue
            await self._plan_follow_up()
            deadline = self._next_deadline()
            if deadline is None:
                await workflow.wait_condition(self._has_news)
                continue
            remaining = deadline - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(self._has_news, timeout=remaining)
                    continue
                except TimeoutError:
                    pass
            await self._on_deadline()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query
    def state(self) -> TicketState:
        return self._state

    # --- the agents' steps ---------------------------------------------------------------

    @workflow.update
    async def take(self, step: TakeTicket) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.take, step))

    @take.validator
    def _validate_take(self, step: TakeTicket) -> None:
        self._validate(lifecycle.take, step)

    @workflow.update
    async def forward(self, step: ForwardTicket) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.forward, step))

    @forward.validator
    def _validate_forward(self, step: ForwardTicket) -> None:
        self._validate(lifecycle.forward, step)

    @workflow.update
    async def bring_back(self, step: BringBack) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.bring_back, step))

    @bring_back.validator
    def _validate_bring_back(self, step: BringBack) -> None:
        self._validate(lifecycle.bring_back, step)

    @workflow.update
    async def ask_client(self, step: AskClient) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.ask_client, step))

    @ask_client.validator
    def _validate_ask_client(self, step: AskClient) -> None:
        self._validate(lifecycle.ask_client, step)

    @workflow.update
    async def record_answer(self, step: RecordAnswer) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.record_answer, step))

    @record_answer.validator
    def _validate_record_answer(self, step: RecordAnswer) -> None:
        self._validate(lifecycle.record_answer, step)

    @workflow.update
    async def propose(self, step: ProposeSolution) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.propose, step))

    @propose.validator
    def _validate_propose(self, step: ProposeSolution) -> None:
        self._validate(lifecycle.propose, step)

    @workflow.update
    async def check_quality(self, step: CheckQuality) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.check_quality, step))

    @check_quality.validator
    def _validate_check_quality(self, step: CheckQuality) -> None:
        self._validate(lifecycle.check_quality, step)

    @workflow.update
    async def return_to_client(self, step: ReturnToClient) -> TicketState | StepDone:
        # The reopen window is counted in open days, which needs the holiday list: a local
        # activity computes it so the answer is kept in the history.
        if self._taken_before():
            return await self._answer(self._state)
        self._busy = True
        try:
            now = workflow.now()
            reopen_until = await workflow.execute_local_activity_method(
                CalendarActivities.reopen_until,
                ReopenUntilRequest(returned_at=now),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
            state = self._commit(
                _refusal_as_failure(
                    lifecycle.return_to_client, self._state, step, now, reopen_until
                )
            )
        finally:
            self._busy = False
        return await self._answer(state)

    @return_to_client.validator
    def _validate_return_to_client(self, step: ReturnToClient) -> None:
        if self._taken_before(noted=False):
            return
        self._refuse_while_busy()
        lifecycle.return_to_client(self._state, step, workflow.now(), None)

    @workflow.update
    async def close(self, step: CloseTicket) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.close, step))

    @close.validator
    def _validate_close(self, step: CloseTicket) -> None:
        self._validate(lifecycle.close, step)

    @workflow.update
    async def reopen(self, step: ReopenTicket) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.reopen, step))

    @reopen.validator
    def _validate_reopen(self, step: ReopenTicket) -> None:
        self._validate(lifecycle.reopen, step)

    @workflow.update
    async def client_message(self, step: ClientMessage) -> TicketState | StepDone:
        return await self._answer(self._apply(lifecycle.client_message, step))

    @client_message.validator
    def _validate_client_message(self, step: ClientMessage) -> None:
        self._validate(lifecycle.client_message, step)

    # --- orchestration ---------------------------------------------------------------------

    def _validate(
        self, transition: Callable[[TicketState, Step, datetime], TicketState], step: Step
    ) -> None:
        # A StepRefused raised here rejects the update before it reaches the history.
        if self._taken_before(noted=False):
            return  # answered again, as taken (below)
        self._refuse_while_busy()
        transition(self._state, step, workflow.now())

    def _apply(
        self, transition: Callable[[TicketState, Step, datetime], TicketState], step: Step
    ) -> TicketState:
        if self._taken_before():
            return self._state
        return self._commit(_refusal_as_failure(transition, self._state, step, workflow.now()))

    def _taken_before(self, noted: bool = True) -> bool:
        """Whether this update's id was taken by a run before this one: the engine keeps a
        step sent again (a retried delivery, `mail-<id>`) from being taken twice within a run,
        and the ids of the last steps are carried across, so not across runs either. A handler
        notes its id (`noted`; validators do not run on replay, so they note nothing)."""
        update = workflow.current_update_info()
        if update is None:
            return False
        if update.id in self._earlier_updates:
            return True
        if noted and self._audit_run is not None:
            self._updates.append(update.id)
        return False

    async def _answer(self, state: TicketState) -> TicketState | StepDone:
        """What a step answers: once its record is written, the step and the new status (the
        caller reads the rest from the records); the whole state for tickets started before."""
        if not workflow.patched(ONE_WRITE_PATCH):
            return state
        await workflow.wait_condition(lambda: self._recorded_version >= state.version)
        return StepDone.of(state)

    def _refuse_while_busy(self) -> None:
        if self._busy:
            raise StepRefused(
                f"ticket {self._state.id} is recording another step; try again in a moment"
            )

    def _commit(self, state: TicketState) -> TicketState:
        if self._notices:
            for step in state.steps[len(self._state.steps) :]:
                self._owe(state, step)
        self._state = state
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in ticket_attributes(state)]
        )
        return state

    def _history_is_long(self) -> bool:
        """Whether this run should hand over: its history holds the ticket's threshold of
        events, or the engine suggests it. Only tickets writing each step once do (patch
        `ticket-one-write`: their audit trail keys every step by the first run)."""
        if self._audit_run is None:
            return False
        info = workflow.info()
        length = info.get_current_history_length()
        return length >= self._ticket.continue_after_events or info.is_continue_as_new_suggested()

    def _carried(self) -> TicketCarried:
        assert self._audit_run is not None
        return TicketCarried(
            state=self._state,
            recorded_version=self._recorded_version,
            audit_run=self._audit_run,
            notices=self._notices,
            follow_ups=self._follow_ups,
            warn_at=self._warn_at,
            reminded_for=self._reminded_for,
            follow_at=self._follow_at,
            follow_for=self._follow_for,
            open_days=self._open_days,
            update_ids=[*self._earlier_updates, *self._updates][-CARRIED_UPDATE_IDS:],
        )

    def _has_news(self) -> bool:
        return self._state.version != self._recorded_version or bool(self._owed)

    def _owe(self, state: TicketState, step: TicketStep) -> None:
        """Note the notice a step owes the requester, with the values as they are now."""
        template = NOTICE_OF_STEP.get(step.kind)
        if template is None:
            return
        values = {"ticket": state.id, "subject": state.subject}
        if template is Template.ticket_received:
            values |= {
                "channel": state.channel.value,
                "received_at": state.received_at.isoformat(),
                "due": state.due.isoformat(),
            }
        elif template is Template.ticket_question:
            values["question"] = state.question or ""
        elif template is Template.ticket_returned:
            assert state.proposal is not None and state.reopen_until is not None
            values |= {
                "solution": state.proposal.solution,
                "reopen_until": state.reopen_until.isoformat(),
            }
        else:  # closed: say until when it may be reopened, if that time is still ahead
            until = state.reopen_until
            values |= {
                "closed_at": step.at.isoformat(),
                "reopen_until": until.isoformat() if until is not None and until > step.at else "",
            }
        self._owed.append(
            TicketNotice(
                idempotency_key=f"{state.id}/notice/{step.seq}",
                ticket_id=state.id,
                wording=Wording(template=template, values=values),
            )
        )

    async def _tell(self) -> None:
        """Queue the notices owed, in order, each once (the outbox keeps one per key)."""
        while self._owed:
            await workflow.execute_activity_method(
                TicketActivities.notify_requester,
                self._owed[0],
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self._owed.pop(0)

    async def _record(self) -> None:
        while self._state.version != self._recorded_version:
            snapshot = TicketRecord.of(
                self._state, since=self._recorded_version, audit_run=self._audit_run
            )
            await workflow.execute_activity_method(
                TicketActivities.record_ticket,
                snapshot,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self._recorded_version = snapshot.version

    def _next_deadline(self) -> datetime | None:
        state = self._state
        if state.taken_at is None and not state.breached:
            if self._warn_at is not None and state.warned_at is None:
                return min(self._warn_at, state.due)
            return state.due
        if state.status in FOLLOWED and self._follow_at is not None:
            return self._follow_at
        if state.status in (TicketStatus.returned, TicketStatus.closed):
            return self._reminder_at() or state.reopen_until
        return None

    async def _plan_follow_up(self) -> None:
        """While the ticket waits on the client or on a pilot: when to look again (the next
        open day's opening, from the calendar, kept in the history); the open days are counted
        from the step that made it wait."""
        state = self._state
        if not self._follow_ups or state.status not in FOLLOWED:
            self._follow_at = self._follow_for = None
            return
        entered = _waiting_since(state)
        if entered.seq != self._follow_for:
            self._follow_for, self._open_days, self._follow_at = entered.seq, 0, None
        if self._follow_at is None:
            self._follow_at = await workflow.execute_local_activity_method(
                CalendarActivities.next_open_day_start,
                workflow.now(),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )

    def _reminder_at(self) -> datetime | None:
        """When the requester is reminded their reopen window ends: None without notices, once
        reminded for this window, or for a window shorter than the reminder's lead."""
        state = self._state
        if not self._notices or state.reopen_until is None or state.returned_at is None:
            return None
        if self._reminded_for == state.reopen_until:
            return None
        at = state.reopen_until - REOPEN_REMINDER_BEFORE
        return at if at > state.returned_at else None

    def _finished(self) -> bool:
        state = self._state
        if state.status is not TicketStatus.closed:
            return False
        return state.reopen_until is None or workflow.now() >= state.reopen_until

    async def _on_deadline(self) -> None:
        now = workflow.now()
        state = self._state
        reminder = self._reminder_at()
        if reminder is not None and now >= reminder and state.reopen_until is not None:
            self._reminded_for = state.reopen_until
            self._owed.append(
                TicketNotice(
                    idempotency_key=f"{state.id}/notice/reopen-ending/{state.reopen_until:%Y%m%dT%H%M}",
                    ticket_id=state.id,
                    wording=Wording(
                        template=Template.ticket_reopen_window_ending,
                        values={
                            "ticket": state.id,
                            "subject": state.subject,
                            "reopen_until": state.reopen_until.isoformat(),
                        },
                    ),
                )
            )
        elif lifecycle.warning_is_due(state, self._warn_at, now):
            self._commit(lifecycle.warn(state, now))
            await escalate_warning(state.id, state.id, state.mo, state.due)
        elif lifecycle.breach_is_due(state, now):
            breached = self._commit(lifecycle.breach(state, now))
            escalation = BreachEscalation(
                idempotency_key=f"{state.id}/breach",
                ticket_id=state.id,
                mo=state.mo,
                due=state.due,
                breached_at=now,
                received_at=state.received_at,
            )
            if workflow.patched(BREACH_PATCH):
                record = TicketRecord.of(
                    breached, since=self._recorded_version, audit_run=self._audit_run
                )
                await execute(
                    TicketActivities.breach, TicketBreach(escalation=escalation, record=record)
                )
                self._recorded_version = max(self._recorded_version, record.version)
            else:
                await execute(TicketActivities.escalate_breach, escalation)
        elif state.status in FOLLOWED and self._follow_at is not None and now >= self._follow_at:
            self._follow_at = None  # the next opening is planned on the next turn
            if _waiting_since(state).seq != self._follow_for:
                return  # a new question or forward came with the timer: counted afresh
            self._open_days += 1
            if state.status is TicketStatus.waiting_client:
                await self._chase_client(state, now)
            else:
                await self._chase_forward(state, now)
        elif state.status is TicketStatus.returned:
            self._commit(lifecycle.close_when_window_ends(state, now))

    async def _chase_client(self, state: TicketState, now: datetime) -> None:
        """Remind the client of the question, or close the ticket once the open days ran out."""
        days = self._ticket.answer_wait_open_days
        values = {"ticket": state.id, "subject": state.subject, "days": str(days)}
        if self._open_days < days:
            state = self._commit(lifecycle.remind_client(state, now, self._open_days, days))
            template = Template.ticket_question_reminder
            values |= {"question": state.question or "", "day": str(self._open_days)}
        else:
            state = self._commit(lifecycle.close_without_answer(state, now, days))
            template = Template.ticket_closed_no_answer
        if self._notices:
            self._owed.append(
                TicketNotice(
                    idempotency_key=f"{state.id}/notice/{state.steps[-1].seq}",
                    ticket_id=state.id,
                    wording=Wording(template=template, values=values),
                )
            )
        if state.status is TicketStatus.closed:
            await execute(
                NoticeActivities.escalate,
                Escalation(
                    idempotency_key=f"{state.id}/given-up",
                    workflow_id=state.id,
                    mo=state.mo,
                    reason=f"no answer from the client after {days} open days",
                    at=now,
                    kind=EscalationKind.given_up,
                ),
            )

    async def _chase_forward(self, state: TicketState, now: datetime) -> None:
        """Every `forward_reminder_open_days` open days at the pilot: a follow-up step the pilot
        sees on the ticket, and a mail to the agent who holds it."""
        if self._open_days % self._ticket.forward_reminder_open_days:
            return
        forwarded = _waiting_since(state)
        state = self._commit(lifecycle.follow_up(state, now, self._open_days))
        if state.assignee is None:
            return
        await execute(
            TicketActivities.tell_agent,
            AgentNotice(
                idempotency_key=f"{state.id}/follow-up/{state.steps[-1].seq}",
                agent=state.assignee,
                wording=Wording(
                    template=Template.ticket_follow_up,
                    values={
                        "ticket": state.id,
                        "mo": state.mo,
                        "to": state.forwarded_to or "",
                        "forwarded_at": forwarded.at.isoformat(),
                        "days": str(self._open_days),
                    },
                ),
            ),
        )


def _waiting_since(state: TicketState) -> TicketStep:
    """The step that made the ticket wait: its latest question, or its latest forward."""
    kind = StepKind.ask if state.status is TicketStatus.waiting_client else StepKind.forward
    return next(step for step in reversed(state.steps) if step.kind is kind)


def _refusal_as_failure(transition: Callable[..., TicketState], *args: Any) -> TicketState:
    """In a handler (a race the validator could not see): fail the update, not the workflow."""
    try:
        return transition(*args)
    except StepRefused as refused:
        raise ApplicationError(str(refused), type="StepRefused", non_retryable=True) from None
