"""Every step of every workflow reaches the audit trail through an activity, once, with who,
role, what and when (issue 5); the chain still verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from activities.audit import AuditActivities
from adapters.database import UnitOfWork
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_directory import SqlDirectory
from adapters.sql_reports import SqlReports
from adapters.sql_request_facts import SqlRequestFacts
from adapters.sql_request_records import SqlRequestRecords
from models.arrivals import ArrivalStatus
from models.audit import Outcome, WorkflowStep, WorkflowSteps
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import arrival_request, new_person, running_desks


async def test_every_step_of_an_arrival_reaches_the_audit_trail_with_its_actor_and_role(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        desk = harness.arrivals()
        harness.erp.add_person(new_person("50001"))
        today = await harness.today()
        state = await desk.start(arrival_request("50001", start_date=today + timedelta(days=3)))
        await desk.take(state.id, "agent-tremblay")
        await harness.move_to(state.activate_at)
        final = await time_skipping_env.client.get_workflow_handle(state.id).result()
    trail = SqlAuditTrail(demo_uow, TEST_AUDIT_KEYS)
    entries = trail.entries(state.id)
    logged = [(step["kind"], step["actor"]) for step in final["steps"]]
    assert [(e.action.removeprefix("arrivee."), e.actor) for e in entries] == logged
    roles = {e.action: e.role for e in entries}
    assert roles["arrivee.received"] == "mo"  # the MO's HR
    assert roles["arrivee.take"] == "ca_agent"
    assert roles["arrivee.activated"] == "system"
    assert final["status"] == ArrivalStatus.active.value
    assert all(e.outcome is Outcome.done and e.mo == "MTQ" for e in entries)
    assert trail.verify() == []
    # The SLA report's facts of the arrival, kept from the same steps.
    [fact] = SqlReports(demo_uow).request_facts()
    assert (fact.id, fact.channel, fact.due) == (state.id, "web", state.due)
    assert fact.received_at == state.received_at
    assert fact.taken_at is not None and fact.taken_at.isoformat() == final["taken_at"].replace(
        "Z", "+00:00"
    )


def test_a_retried_append_adds_each_step_once(demo_uow: UnitOfWork) -> None:
    activities = AuditActivities(
        SqlAuditTrail(demo_uow, TEST_AUDIT_KEYS),
        SqlDirectory(demo_uow),
        SqlRequestFacts(demo_uow),
        SqlRequestRecords(demo_uow),
    )
    at = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    batch = WorkflowSteps(
        workflow_id="depart-MTQ-52310",
        run_id="run-1",
        mo="MTQ",
        process="depart",
        first_index=0,
        steps=[
            WorkflowStep(kind="notice", actor="rh-mtq", at=at),
            WorkflowStep(kind="refused", actor="system", at=at, note="birth day and month"),
        ],
    )
    assert activities.append_steps(batch) == 2
    assert activities.append_steps(batch) == 0  # the retry finds every key
    entries = SqlAuditTrail(demo_uow, TEST_AUDIT_KEYS).entries("depart-MTQ-52310")
    assert [(e.action, e.outcome, e.detail) for e in entries] == [
        ("depart.notice", Outcome.done, ""),
        ("depart.refused", Outcome.refused, "birth day and month"),
    ]
