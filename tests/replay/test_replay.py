"""Every workflow type replays its recorded histories against the current code, so a deploy
never breaks a request in flight (STYLE.md habit 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.payload_keys import TEST_CONVERTER
from workflows.registry import WORKFLOWS, workflow_runner

HISTORIES = Path(__file__).parent / "histories"


def load(name: str) -> WorkflowHistory:
    text = (HISTORIES / name).read_text()
    workflow_id = json.loads(text)["events"][0]["workflowExecutionStartedEventAttributes"].get(
        "workflowId", "replayed"
    )
    return WorkflowHistory.from_json(workflow_id, text)


async def replays(name: str) -> WorkflowHistory:
    history = load(name)
    replayer = Replayer(
        workflows=WORKFLOWS, data_converter=TEST_CONVERTER, workflow_runner=workflow_runner()
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
    return history


async def test_ticket_lifecycle_history_replays_on_current_code() -> None:
    # Recorded before the payload codec: unsealed payloads must still replay.
    history = await replays("ticket_lifecycle.json")
    assert len(history.events) > 50  # the whole lifecycle, breach and reopen included


async def test_ticket_with_notices_and_client_messages_replays_on_current_code() -> None:
    # Recorded with the `ticket-notices` patch: acknowledged, breached (supervisors mailed),
    # asked, answered and written to by the client, returned, reminded, closed by its window.
    history = await replays("ticket_noticed.json")
    text = history.to_json()
    assert "EVENT_TYPE_MARKER_RECORDED" in text  # the patch (its id is sealed in the payload)
    assert text.count("notify_requester") == 5 and "client_message" in text


async def test_ticket_followed_up_and_closed_without_an_answer_replays_on_current_code() -> None:
    # Recorded with the `ticket-follow-ups` patch: warned, forwarded and followed up, asked,
    # reminded each open day, closed without an answer and escalated as given up.
    history = await replays("ticket_followed_up.json")
    text = history.to_json()
    assert text.count('"tell_agent"') >= 2 and '"escalate"' in text


async def test_a_ticket_breached_in_one_activity_replays_on_current_code() -> None:
    # Recorded with the `ticket-breach-one-activity` patch: the projection and the escalation
    # of its breach are one activity, where `ticket_noticed_warned.json` has two.
    history = await replays("ticket_breached_in_one.json")
    text = history.to_json()
    assert '"breach"' in text and '"escalate_breach"' not in text


async def test_a_ticket_writing_each_step_once_replays_on_current_code() -> None:
    # Recorded with the `ticket-one-write` patch: the projection's activity appends the steps
    # to the audit trail (no audit feed beside it), and each step answers once recorded.
    for name in ("ticket_lifecycle_one_write.json", "ticket_noticed_one_write.json"):
        text = (await replays(name)).to_json()
        assert '"record_ticket"' in text and '"append_steps"' not in text


async def test_a_ticket_whose_runs_handed_over_replays_on_current_code() -> None:
    # Recorded with runs continuing as new every 40 events: the first run (opened, handed over)
    # and the last (carried in, returned, closed by its window) both replay.
    first = (await replays("ticket_continued_first.json")).to_json()
    assert "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW" in first
    last = await replays("ticket_continued_last.json")
    started = last.events[0].workflow_execution_started_event_attributes
    assert started.continued_execution_run_id  # it continues a run before it


async def test_arrival_history_replays_on_current_code() -> None:
    # Dossier waited for (a reminder), taken after a breach, prepared, activated, notified.
    history = await replays("arrival_lifecycle.json")
    assert len(history.events) > 40


async def test_arrival_saga_history_replays_on_current_code() -> None:
    # A grant refused for good: the earlier grants undone in reverse order.
    history = await replays("arrival_undone.json")
    assert len(history.events) > 20


async def test_departure_history_replays_on_current_code() -> None:
    # A notice, a late second notice (escalated), taken, removal at the end of the day,
    # a refused early record, then the record 48 hours after the first notice.
    history = await replays("departure_lifecycle.json")
    assert len(history.events) > 30


@pytest.mark.parametrize(
    "name", ["arrival_lifecycle_keyed", "arrival_undone_keyed", "departure_lifecycle_keyed"]
)
async def test_arrival_and_departure_with_per_request_keys_replay_on_current_code(
    name: str,
) -> None:
    # Recorded with the per-request idempotency keys and the audit feed (`workflow.patched`
    # markers); the histories without the suffix, recorded before both, replay unpatched.
    history = await replays(f"{name}.json")
    assert len(history.events) > 20


async def test_parameterisation_history_replays_on_current_code() -> None:
    # Breached, taken, a question with a reminder, answered, completed with the template,
    # returned by the quality check, completed again, approved, applied, the MO told.
    history = await replays("param_lifecycle.json")
    assert len(history.events) > 60


async def test_parameterisation_closed_without_answer_replays_on_current_code() -> None:
    history = await replays("param_closed_no_answer.json")
    assert len(history.events) > 30


async def test_password_reset_history_replays_on_current_code() -> None:
    # Identity checked, password reset and mailed inside the activity.
    history = await replays("password_reset.json")
    assert len(history.events) > 10


async def test_training_registration_histories_replay_on_current_code() -> None:
    # Waiting, promoted by another's cancellation (a signal), registered, the session began.
    promoted = await replays("training_promoted.json")
    assert len(promoted.events) > 20
    # Registered, then cancelled by an agent (an update), signalling the next in line.
    cancelled = await replays("training_cancelled.json")
    assert len(cancelled.events) > 10


async def test_training_request_histories_replay_on_current_code() -> None:
    # Warned, breached, taken, registered in a full session: wait-listed, its registration
    # workflow started as a child.
    waiting = (await replays("training_request_wait_listed.json")).to_json()
    assert "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED" in waiting
    assert waiting.count('"escalate"') == 2 and '"notify"' in waiting
    # Taken and refused by the agent (an update), the authoriser told.
    refused = (await replays("training_request_refused.json")).to_json()
    assert '"notify"' in refused


async def test_a_training_request_registered_once_sga_answered_replays_on_current_code() -> None:
    # Recorded with `training-request-bounded-register`: SGA enrolled the employee in a first
    # session and lost every answer (three tries within 30 s, the update refused); registered in
    # a second once SGA answered; the first session's place withdrawn before the end.
    text = (await replays("training_request_unanswered.json")).to_json()
    assert '"maximumAttempts": 3' in text and '"scheduleToCloseTimeout": "30s"' in text
    assert text.count('"enrol"') == 2 and '"withdraw_unanswered"' in text
    assert "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED" in text


async def test_employee_change_histories_replay_on_current_code() -> None:
    # Warned, breached, taken, reviewed, returned by the quality check, proposed again,
    # approved, applied on its effective date (a timer) with the arrival's saga writes.
    applied = (await replays("employee_change_applied.json")).to_json()
    assert applied.count('"escalate"') == 2 and '"review_accesses"' in applied
    assert '"apply_grant"' in applied and '"undo_grant"' in applied
    assert '"tell_hr_of_change"' in applied
    # SAGIR refused the partition: the removal before it undone (granted back).
    undone = (await replays("employee_change_undone.json")).to_json()
    assert undone.count('"apply_grant"') >= 2 and '"tell_hr_of_change"' in undone
    # A move: linked to its departure and arrival, handed over at once.
    moved = await replays("employee_change_moved.json")
    assert len(moved.events) > 10


async def test_audit_checkpoint_history_replays_on_current_code() -> None:
    # The trail's head read by its activity and kept as the workflow's result.
    history = await replays("audit_checkpoint.json")
    assert len(history.events) > 5


async def test_mail_relay_history_replays_on_current_code() -> None:
    # A round on a real SMTP server: one mail sent, one refused for good (escalated).
    history = await replays("mail_relay.json")
    assert len(history.events) > 5


async def test_mail_intake_round_history_replays_on_current_code() -> None:
    # A round started on the desk's queue, its activity run on the intake's queue.
    history = await replays("mail_intake.json")
    assert len(history.events) > 5


async def test_communique_sent_in_full_replays_on_current_code() -> None:
    # Checked, released, its recipients resolved and their mail queued, the relay's deliveries
    # counted until every mail went, then the question period ran out (closed).
    history = await replays("communique_sent.json")
    text = history.to_json()
    assert all(step in text for step in ("resolve_recipients", "queue_deliveries", "release"))
    assert "delivery_counts" in text and "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED" in text


async def test_communique_cancelled_while_waiting_for_its_release_replays_on_current_code() -> None:
    # Checked, released for a later time (a durable timer), cancelled before it: nothing queued.
    history = await replays("communique_cancelled.json")
    text = history.to_json()
    assert '"cancel"' in text and "EVENT_TYPE_TIMER_CANCELED" in text
    assert "queue_deliveries" not in text


async def test_an_invoice_reminded_then_paid_replays_on_current_code() -> None:
    # Issued, recorded in SAGIR's accounts receivable, mailed; unpaid at its due date (a durable
    # timer): reminded with an escalation; paid in full by the `pay` update, which ends it.
    history = await replays("invoice_paid_after_reminder.json")
    text = history.to_json()
    assert all(step in text for step in ("issue_invoice", "record_receivable", "mail_invoice"))
    assert '"remind"' in text and "EVENT_TYPE_TIMER_FIRED" in text
    assert "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED" in text and "record_receipt" in text
    assert "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED" in text


async def test_a_credit_note_replays_on_current_code() -> None:
    # An actual average below the estimate: a credit note issued, recorded and mailed; it ends
    # there (settled against the MO's next invoices when they are issued).
    history = await replays("invoice_credit_note.json")
    text = history.to_json()
    assert "mail_invoice" in text and '"remind"' not in text
    assert "EVENT_TYPE_TIMER_STARTED" not in text


async def test_the_monthly_run_fired_twice_replays_on_current_code() -> None:
    # First: each MO's invoice started as a child; again: each found started, none issued twice.
    first = (await replays("billing_run.json")).to_json()
    assert first.count("EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED") == 2
    again = (await replays("billing_run_again.json")).to_json()
    assert again.count("EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED") == 2
    assert all("TemporalScheduledStartTime" in text for text in (first, again))


async def test_the_headcount_run_replays_on_current_code() -> None:
    history = await replays("headcount_run.json")
    assert "take_headcounts" in history.to_json()


LISTED = sorted(path.name for path in HISTORIES.glob("*_listed.json"))


@pytest.mark.parametrize("name", LISTED)
async def test_requests_recorded_with_their_listing_replay_on_current_code(name: str) -> None:
    # Recorded once requests send how they list (`workflow.patched("request-listing")`); the
    # histories above were recorded before it and replay without it.
    history = await replays(name)
    assert len(history.events) > 10


ESCALATED = sorted(path.name for path in HISTORIES.glob("*_escalated.json"))


@pytest.mark.parametrize("name", ESCALATED)
async def test_requests_recorded_with_templates_and_given_up_escalations_replay(name: str) -> None:
    # Recorded once notices name their template and a request given up is escalated
    # (`workflow.patched("escalate-given-up")`, in param_closed_no_answer).
    history = await replays(name)
    assert len(history.events) > 10


WARNED = sorted(path.name for path in HISTORIES.glob("*_warned.json"))


@pytest.mark.parametrize("name", WARNED)
async def test_requests_recorded_with_the_warning_before_a_breach_replay(name: str) -> None:
    # Recorded once a request nobody takes is warned before its deadline (patches
    # `ticket-warning` and `take-in-charge-warning`); the histories above replay without it.
    history = await replays(name)
    assert len(history.events) > 10


@pytest.mark.parametrize(
    "name",
    ["ticket_noticed_warned.json", "arrival_lifecycle_warned.json", "param_lifecycle_warned.json"],
)
def test_requests_left_untaken_were_recorded_warned_then_breached(name: str) -> None:
    text = (HISTORIES / name).read_text()
    # The patch and the local activity that computed the instant (their names are sealed).
    assert text.count("EVENT_TYPE_MARKER_RECORDED") >= 2
    assert text.count('"escalate') >= 2  # the warning, then the breach


def test_the_request_given_up_was_recorded_escalated() -> None:
    text = (HISTORIES / "param_closed_no_answer_escalated.json").read_text()
    assert "EVENT_TYPE_MARKER_RECORDED" in text and text.count('"escalate"') >= 1


def test_every_request_type_has_a_history_recorded_with_its_listing() -> None:
    assert len(LISTED) >= 8


def test_every_workflow_type_has_a_recorded_history() -> None:
    recorded = {
        json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"][
            "workflowType"
        ]["name"]
        for path in HISTORIES.glob("*.json")
    }
    assert {workflow.__name__ for workflow in WORKFLOWS} <= recorded


async def test_the_registre_expiry_warning_replays_on_current_code() -> None:
    history = await replays("registre_expiry.json")
    assert "warn_of_ending_lines" in history.to_json()
