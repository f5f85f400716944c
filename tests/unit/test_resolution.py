"""Resolution time (issue 16): from receipt to the solution returned, in open time, the wait on
the client left out and shown apart with the time at the DGGIR; the targets' setting; a quality
check's verdict read from the steps the records keep."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models import ticket_lifecycle as lifecycle
from models.committee import quality_verdicts
from models.resolution import parse_targets, resolution_time
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    ForwardTarget,
    ForwardTicket,
    OpenTicket,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketState,
)

CALENDAR = ServiceCalendar()
UNTIL = datetime(2026, 12, 31, tzinfo=MONTREAL)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


def opened(received: str) -> TicketState:
    return lifecycle.open_ticket(
        OpenTicket(
            ticket_id="T-2026-000001",
            mo="MTQ",
            channel=Channel.email,
            requester="u-mtq-1",
            subject="Rapport",
            description="Le rapport ne sort pas",
            module="RF",
            received_at=at(received),
            due=at(received) + timedelta(days=1),
        )
    )


def solved(state: TicketState, proposed: str, checked: str, returned: str) -> TicketState:
    state = lifecycle.propose(
        state, ProposeSolution(agent="agent-roy", solution="Ok"), at(proposed)
    )
    state = lifecycle.check_quality(
        state, CheckQuality(agent="agent-tremblay", approved=True), at(checked)
    )
    return lifecycle.return_to_client(state, ReturnToClient(agent="agent-roy"), at(returned), UNTIL)


def test_resolution_time_excludes_waiting_on_the_client() -> None:
    # Monday 10:00 to Tuesday 15:40: 120 + 210 + 210 + 100 = 640 open minutes (Tuesday's
    # afternoon opens at 14:00), of which Monday 11:00 to Tuesday 14:30 waiting on the client:
    # 60 + 210 + 210 + 30 = 510. The resolution time is the 130 minutes the CA had it.
    state = opened("2026-11-23 10:00")
    state = lifecycle.take(state, TakeTicket(agent="agent-roy"), at("2026-11-23 10:30"))
    state = lifecycle.ask_client(
        state, AskClient(agent="agent-roy", question="Quel rapport ?"), at("2026-11-23 11:00")
    )
    state = lifecycle.record_answer(
        state, RecordAnswer(by="u-mtq-1", answer="Le RF-201"), at("2026-11-24 14:30")
    )
    state = solved(state, "2026-11-24 15:00", "2026-11-24 15:30", "2026-11-24 15:40")
    found = resolution_time(state.received_at, state.steps, CALENDAR)
    assert found is not None
    assert found.elapsed == timedelta(minutes=640)
    assert found.waiting_client == timedelta(minutes=510)
    assert found.resolution == timedelta(minutes=130)
    assert found.at_dggir == timedelta(0)


def test_time_at_the_dggir_is_shown_apart_and_stays_in_the_resolution_time() -> None:
    # Tuesday 14:20 forwarded, back Wednesday 10:00: 130 + 90 open minutes at the DGGIR.
    state = opened("2026-11-24 14:00")
    state = lifecycle.take(state, TakeTicket(agent="agent-roy"), at("2026-11-24 14:10"))
    state = lifecycle.forward(
        state,
        ForwardTicket(
            agent="agent-roy", target=ForwardTarget.dggir_pilot, to="pilote-rf", note="RF"
        ),
        at("2026-11-24 14:20"),
    )
    state = lifecycle.bring_back(
        state, BringBack(by="pilote-rf", note="Corrigé"), at("2026-11-25 10:00")
    )
    state = solved(state, "2026-11-25 10:30", "2026-11-25 10:40", "2026-11-25 11:00")
    found = resolution_time(state.received_at, state.steps, CALENDAR)
    assert found is not None
    assert found.at_dggir == timedelta(minutes=220)
    assert found.resolution == timedelta(minutes=150 + 150)  # Tuesday 14:00-16:30, Wed to 11:00


def test_a_reopened_ticket_counts_until_its_last_return_and_is_unresolved_meanwhile() -> None:
    state = opened("2026-11-23 09:00")
    state = lifecycle.take(state, TakeTicket(agent="agent-roy"), at("2026-11-23 09:10"))
    state = solved(state, "2026-11-23 09:20", "2026-11-23 09:30", "2026-11-23 09:40")
    assert resolution_time(state.received_at, state.steps, CALENDAR) is not None
    state = lifecycle.reopen(
        state, ReopenTicket(by="u-mtq-1", reason="Encore"), at("2026-11-25 09:00")
    )
    assert resolution_time(state.received_at, state.steps, CALENDAR) is None
    state = solved(state, "2026-11-25 09:10", "2026-11-25 09:20", "2026-11-25 09:30")
    found = resolution_time(state.received_at, state.steps, CALENDAR)
    assert found is not None
    # Monday 09:00 to Wednesday 09:30: 390 + 360 (Tuesday: 210 + 150) + 60.
    assert found.resolution == timedelta(minutes=390 + 360 + 60)


def test_a_ticket_never_returned_has_no_resolution_time() -> None:
    state = lifecycle.take(
        opened("2026-11-23 09:00"), TakeTicket(agent="agent-roy"), at("2026-11-23 09:10")
    )
    assert resolution_time(state.received_at, state.steps, CALENDAR) is None


def test_a_rejected_quality_check_is_read_from_the_step_after_it() -> None:
    state = lifecycle.take(
        opened("2026-11-23 09:00"), TakeTicket(agent="agent-roy"), at("2026-11-23 09:10")
    )
    state = lifecycle.propose(
        state, ProposeSolution(agent="agent-roy", solution="A"), at("2026-11-23 09:20")
    )
    state = lifecycle.check_quality(
        state, CheckQuality(agent="agent-tremblay", approved=False), at("2026-11-23 09:30")
    )
    assert quality_verdicts(state.steps, state.status) == [True]  # rejected, nothing after
    state = solved(state, "2026-11-23 09:40", "2026-11-23 09:50", "2026-11-23 10:00")
    assert quality_verdicts(state.steps, state.status) == [True, False]


def test_resolution_targets_are_module_channel_and_open_hours_and_none_by_default() -> None:
    assert parse_targets("") == {}
    assert parse_targets("RF:email=14, RH:phone=3.5") == {
        ("RF", "email"): timedelta(hours=14),
        ("RH", "phone"): timedelta(hours=3.5),
    }
    with pytest.raises(ValueError, match="'RF=14' is not MODULE:CHANNEL=HOURS"):
        parse_targets("RF=14")
    with pytest.raises(ValueError, match="'mail' is not a channel"):
        parse_targets("RF:mail=14")
    with pytest.raises(ValueError, match="'0' for RF:email must be a number of open hours"):
        parse_targets("RF:email=0")
