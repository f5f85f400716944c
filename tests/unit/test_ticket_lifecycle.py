"""RULES.md "Ticket lifecycle" as pure transitions: what each step allows and refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import ticket_lifecycle as lifecycle
from models.sla import Channel
from models.ticket_lifecycle import StepRefused
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    CloseTicket,
    ForwardTarget,
    ForwardTicket,
    OpenTicket,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketState,
    TicketStatus,
)

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def opened() -> TicketState:
    return lifecycle.open_ticket(
        OpenTicket(
            ticket_id="T-2026-000001",
            mo="MTQ",
            channel=Channel.email,
            requester="jdoe",
            subject="Accès LSA",
            description="Cannot log in",
            module="LSA",
            received_at=T0,
            due=T0 + timedelta(days=1),
        )
    )


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def proposed(by: str = "agent-a") -> TicketState:
    state = lifecycle.take(opened(), TakeTicket(agent=by), at(1))
    return lifecycle.propose(state, ProposeSolution(agent=by, solution="reset"), at(2))


def returned() -> TicketState:
    state = lifecycle.check_quality(proposed(), CheckQuality(agent="agent-b", approved=True), at(3))
    return lifecycle.return_to_client(state, ReturnToClient(agent="agent-a"), at(4), at(60))


def test_every_step_records_who_did_it_and_when() -> None:
    state = returned()
    assert [(s.kind.value, s.actor, s.at) for s in state.steps] == [
        ("received", "jdoe", T0),
        ("take", "agent-a", at(1)),
        ("propose", "agent-a", at(2)),
        ("check", "agent-b", at(3)),
        ("return", "agent-a", at(4)),
    ]


def test_a_ticket_can_be_taken_in_charge_only_once() -> None:
    state = lifecycle.take(opened(), TakeTicket(agent="agent-a"), at(1))
    with pytest.raises(StepRefused, match="is in_charge; only a received ticket can be taken"):
        lifecycle.take(state, TakeTicket(agent="agent-b"), at(2))


def test_forwarded_ticket_comes_back_in_charge() -> None:
    state = lifecycle.take(opened(), TakeTicket(agent="agent-a"), at(1))
    state = lifecycle.forward(
        state,
        ForwardTicket(agent="agent-a", target=ForwardTarget.dggir_pilot, to="pilote-rf", note="n"),
        at(2),
    )
    assert (state.status, state.forwarded_to) == (TicketStatus.forwarded, "pilote-rf")
    with pytest.raises(StepRefused, match="only a in_charge ticket can be given a solution"):
        lifecycle.propose(state, ProposeSolution(agent="agent-a", solution="x"), at(3))
    state = lifecycle.bring_back(state, BringBack(by="pilote-rf", note="done"), at(4))
    assert (state.status, state.forwarded_to) == (TicketStatus.in_charge, None)


def test_waiting_on_the_client_ends_with_the_answer() -> None:
    state = lifecycle.take(opened(), TakeTicket(agent="agent-a"), at(1))
    state = lifecycle.ask_client(state, AskClient(agent="agent-a", question="Which user?"), at(2))
    assert state.status is TicketStatus.waiting_client
    state = lifecycle.record_answer(state, RecordAnswer(by="jdoe", answer="u123"), at(3))
    assert state.status is TicketStatus.in_charge


def test_quality_check_refuses_the_agent_who_proposed() -> None:
    with pytest.raises(StepRefused, match="must be done by another CA agent"):
        lifecycle.check_quality(
            proposed("agent-a"), CheckQuality(agent="agent-a", approved=True), at(3)
        )


def test_rejected_quality_check_sends_the_ticket_back_in_charge() -> None:
    state = lifecycle.check_quality(
        proposed(), CheckQuality(agent="agent-b", approved=False, note="wrong"), at(3)
    )
    assert (state.status, state.proposal) == (TicketStatus.in_charge, None)


def test_no_return_to_the_client_before_the_quality_check() -> None:
    with pytest.raises(StepRefused, match="has not passed the quality check"):
        lifecycle.return_to_client(proposed(), ReturnToClient(agent="agent-a"), at(3), at(60))


def test_only_a_returned_ticket_can_be_closed() -> None:
    with pytest.raises(StepRefused, match="only a returned ticket can be closed"):
        lifecycle.close(proposed(), CloseTicket(agent="agent-a"), at(3))
    assert lifecycle.close(returned(), CloseTicket(agent="agent-a"), at(5)).status is (
        TicketStatus.closed
    )


def test_reopen_is_allowed_until_the_window_end_and_refused_after() -> None:
    closed = lifecycle.close(returned(), CloseTicket(agent="agent-a"), at(5))
    reopened = lifecycle.reopen(closed, ReopenTicket(by="jdoe", reason="again"), at(60))
    assert reopened.status is TicketStatus.in_charge
    with pytest.raises(StepRefused, match="only within 10 open days of its return"):
        lifecycle.reopen(closed, ReopenTicket(by="jdoe", reason="again"), at(61))


def test_a_refused_step_leaves_the_state_as_it_was() -> None:
    state = proposed()
    before = state.model_dump()
    with pytest.raises(StepRefused):
        lifecycle.take(state, TakeTicket(agent="agent-b"), at(3))
    assert state.model_dump() == before


def test_breach_marks_and_keeps_the_ticket_takeable() -> None:
    state = lifecycle.breach(opened(), T0 + timedelta(days=1))
    assert state.breached and state.status is TicketStatus.received
    assert not lifecycle.breach_is_due(state, T0 + timedelta(days=2))
    taken = lifecycle.take(state, TakeTicket(agent="agent-a"), T0 + timedelta(days=2))
    assert taken.status is TicketStatus.in_charge and taken.breached
