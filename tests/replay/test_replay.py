"""Every workflow type replays its recorded histories against the current code, so a deploy
never breaks a request in flight (STYLE.md habit 7)."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.payload_keys import TEST_CONVERTER
from worker import WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"


def load(name: str) -> WorkflowHistory:
    text = (HISTORIES / name).read_text()
    workflow_id = json.loads(text)["events"][0]["workflowExecutionStartedEventAttributes"].get(
        "workflowId", "replayed"
    )
    return WorkflowHistory.from_json(workflow_id, text)


async def test_ticket_lifecycle_history_replays_on_current_code() -> None:
    history = load("ticket_lifecycle.json")
    assert len(history.events) > 50  # the whole lifecycle, breach and reopen included
    replayer = Replayer(workflows=WORKFLOWS, data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


def test_every_workflow_type_has_a_recorded_history() -> None:
    recorded = {
        json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"][
            "workflowType"
        ]["name"]
        for path in HISTORIES.glob("*.json")
    }
    assert {workflow.__name__ for workflow in WORKFLOWS} <= recorded
