"""The auditor's tools: a workflow's history as a readable timeline with its payloads opened,
the workflows found by MO, process, status, breach, late notice and dates (the engine's
visibility), a replay of a stored history against the current code, and the audit trail with
the check of its chain. Auditors (and the CA) read; nobody changes anything here."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from google.protobuf import json_format
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from adapters.ports import AuditTrail, Checkpoints
from models.audit import AuditEntry, AuditEvent, ChainBreak, Checkpoint, Outcome
from models.requests import Listed, Process
from models.roles import Action, Caller
from models.service_calendar import ServiceCalendar
from models.story import StoryLine, story
from starter.desks.access import authorize
from starter.desks.engine import TemporalEngine, visibility_query
from starter.desks.errors import InvalidInput, NotFound, Unavailable
from workflows.audit_checkpoints import AuditCheckpointWorkflow
from workflows.registry import WORKFLOWS, workflow_for, workflow_runner

WORKFLOW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,119}$")


class TimelineEvent(BaseModel):
    """One event of a workflow's history, its payloads opened."""

    event_id: int
    at: datetime
    kind: str
    detail: dict[str, Any]


class Verification(BaseModel):
    """What `audit verify` found: every break (none: intact), how many entries, the checkpoints
    the trail was checked against, and any place checkpoints could not be read from."""

    entries: int
    breaks: list[ChainBreak]
    checkpoints: list[Checkpoint]
    unread: list[str]

    @property
    def intact(self) -> bool:
        return not self.breaks


class ReplayVerdict(BaseModel):
    id: str
    events: int
    same_decisions: bool
    problem: str | None = None


# How many of the newest checkpoints of each place a verification reads: each one covers the
# whole chain up to it, so the newest few are enough; a few more catch a tampered newest one.
CHECKPOINTS_READ = 10


@dataclass(frozen=True)
class AuditorDesk:
    engine: TemporalEngine
    trail: AuditTrail
    calendar: ServiceCalendar
    checkpoints: Checkpoints | None = None

    async def story(self, workflow_id: str) -> list[StoryLine]:
        """The request's story: each business step with who, role, outcome and the rule it met,
        and the attempts refused or failed on the way (from the audit trail)."""
        kind = workflow_for(_checked(workflow_id))
        if kind is None:
            raise InvalidInput(
                f"id: {workflow_id!r} is not a request's id (ask for its raw history instead)"
            )
        state = await self.engine.state(kind, workflow_id)
        return story(
            state.steps,
            self.trail.entries(workflow_id),
            getattr(state, "received_at", None) or getattr(state, "first_notice_at", None),
            getattr(state, "due", None),
            self.calendar,
        )

    async def history(self, workflow_id: str) -> list[TimelineEvent]:
        """Every event of every run of the workflow, the first run first (a long ticket's runs
        hand over to one another: `workflow_execution_continued_as_new` ends each but the last)."""
        codec = self.engine.client.data_converter.payload_codec
        timeline = []
        events = [event for run in await self._fetch(workflow_id) for event in run.events]
        for event in events:
            raw = json_format.MessageToDict(event)
            payloads: list[tuple[dict[str, Any], Payload]] = []
            _collect_payloads(raw, payloads)
            opened = [payload for _, payload in payloads]
            if codec is not None and opened:
                opened = list(await codec.decode(opened))
            for (node, _), payload in zip(payloads, opened, strict=True):
                node.clear()
                node["value"] = _readable(payload)
            kind = str(raw.pop("eventType", "")).removeprefix("EVENT_TYPE_").lower()
            at = event.event_time.ToDatetime().replace(tzinfo=UTC)
            detail = {
                name: value
                for name, value in raw.items()
                if name.endswith("Attributes") and isinstance(value, dict)
            }
            timeline.append(
                TimelineEvent(
                    event_id=event.event_id,
                    at=at,
                    kind=kind,
                    detail=next(iter(detail.values()), {}),
                )
            )
        return timeline

    async def find(
        self,
        mo: str | None = None,
        process: str | None = None,
        status: str | None = None,
        breached: bool | None = None,
        late_notice: bool | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 500,
    ) -> list[Listed]:
        query = visibility_query(
            _process(process), mo, status, breached, late_notice, since=since, until=until
        )
        found = await self.engine.list(query, limit)
        return found

    async def replay(self, workflow_id: str) -> ReplayVerdict:
        """Replay the stored history on the current workflow code: does it still lead to the
        same decisions?"""
        runs = await self._fetch(workflow_id)
        replayer = Replayer(
            workflows=WORKFLOWS,
            data_converter=self.engine.client.data_converter,
            workflow_runner=workflow_runner(),
        )
        problem = None
        for number, history in enumerate(runs, start=1):
            if not _decided(history):
                continue  # no decision made yet (a run just begun): nothing to replay
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
            if result.replay_failure is not None:
                where = f"run {number} of {len(runs)}: " if len(runs) > 1 else ""
                problem = f"{where}{result.replay_failure}"
                break
        return ReplayVerdict(
            id=workflow_id,
            events=sum(len(history.events) for history in runs),
            same_decisions=problem is None,
            problem=problem,
        )

    async def _fetch(self, workflow_id: str) -> list[WorkflowHistory]:
        """The histories of the workflow's runs, the first first: each run's start names the
        run it continues."""
        try:
            return await run_histories(self.engine.client, _checked(workflow_id))
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"{workflow_id} does not exist") from None
            raise

    def entries(self, record: str | None = None) -> list[AuditEntry]:
        return self.trail.entries(record)

    async def verify(self) -> Verification:
        """Check every seal and link, and the chain against the newest checkpoints kept outside
        the database (the engine's, the file's). An intact trail is checkpointed again."""
        found: list[Checkpoint] = []
        unread: list[str] = []
        if self.checkpoints is not None:
            found += self.checkpoints.latest(CHECKPOINTS_READ)
        try:
            found += await self._engine_checkpoints()
        except (Unavailable, RPCError) as error:
            unread.append(f"the engine's checkpoints: {_reason(error)}")
        breaks = self.trail.verify(found)
        if not breaks:
            await self._checkpoint_now(unread)
        return Verification(
            entries=len(self.trail.entries()), breaks=breaks, checkpoints=found, unread=unread
        )

    async def _engine_checkpoints(self) -> list[Checkpoint]:
        client = self.engine.client
        query = (
            f"WorkflowType = '{AuditCheckpointWorkflow.__name__}' AND ExecutionStatus = 'Completed'"
        )
        found = []
        async for execution in client.list_workflows(query, limit=CHECKPOINTS_READ):
            handle = client.get_workflow_handle(
                execution.id, run_id=execution.run_id, result_type=Checkpoint
            )
            checkpoint: Checkpoint = await handle.result()
            found.append(checkpoint.model_copy(update={"where": f"engine, {execution.id}"}))
        return found

    async def _checkpoint_now(self, unread: list[str]) -> None:
        """A checkpoint of the trail as verified: in the engine (its workflow also writes the
        file), or straight into the file when the engine cannot be reached."""
        try:
            await self.engine.client.start_workflow(
                AuditCheckpointWorkflow.run,
                id=f"audit-checkpoint-verify-{uuid.uuid4().hex[:12]}",
                task_queue=self.engine.task_queue,
            )
        except (Unavailable, RPCError):
            if self.checkpoints is not None:
                self.checkpoints.record(self.trail.head())


@dataclass(frozen=True)
class GuardedAuditor:
    desk: AuditorDesk
    caller: Caller

    async def story(self, workflow_id: str) -> list[StoryLine]:
        """The story, its people's notes read: the reading is in the trail, with who."""
        authorize(self.caller, Action.audit_read)
        lines = await self.desk.story(workflow_id)
        self._opened(workflow_id, f"story of {len(lines)} steps read, their notes with them")
        return lines

    async def history(self, workflow_id: str) -> list[TimelineEvent]:
        """The raw timeline, its sealed payloads opened: the opening is in the trail, with who."""
        authorize(self.caller, Action.audit_read)
        timeline = await self.desk.history(workflow_id)
        self._opened(workflow_id, f"history of {len(timeline)} events read, payloads opened")
        return timeline

    def _opened(self, workflow_id: str, detail: str) -> None:
        self.desk.trail.append(
            AuditEvent(
                at=datetime.now(UTC),
                workflow_id=workflow_id,
                mo=None,
                actor=self.caller.subject,
                role=self.caller.role.value,
                action=Action.payload_decode.value,
                outcome=Outcome.done,
                detail=detail,
            )
        )

    async def find(self, **filters: Any) -> list[Listed]:
        authorize(self.caller, Action.audit_read)
        return await self.desk.find(**filters)

    async def replay(self, workflow_id: str) -> ReplayVerdict:
        authorize(self.caller, Action.audit_read)
        return await self.desk.replay(workflow_id)

    def entries(self, record: str | None = None) -> list[AuditEntry]:
        authorize(self.caller, Action.audit_read)
        return self.desk.entries(record)

    async def verify(self) -> Verification:
        authorize(self.caller, Action.audit_read)
        return await self.desk.verify()


def _process(name: str | None) -> Process | None:
    if name is None:
        return None
    try:
        return Process(name)
    except ValueError:
        names = ", ".join(process.value for process in Process)
        raise InvalidInput(f"process: {name!r} is not one of {names}") from None


def timeline_csv(timeline: list[TimelineEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["event_id", "at", "kind", "detail"])
    for event in timeline:
        detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True, default=str)
        writer.writerow([event.event_id, event.at.isoformat(), event.kind, detail])
    return out.getvalue()


def _collect_payloads(node: Any, found: list[tuple[dict[str, Any], Payload]]) -> None:
    if isinstance(node, dict):
        if "data" in node and "metadata" in node and isinstance(node["metadata"], dict):
            found.append((node, json_format.ParseDict(node, Payload())))
            return
        for value in node.values():
            _collect_payloads(value, found)
    elif isinstance(node, list):
        for value in node:
            _collect_payloads(value, found)


def _readable(payload: Payload) -> Any:
    """A payload as the auditor reads it: JSON when it is JSON, else its text."""
    text = payload.data.decode(errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _checked(workflow_id: str) -> str:
    if not WORKFLOW_ID.match(workflow_id):
        raise InvalidInput(f"id: {workflow_id!r} is not a workflow id")
    return workflow_id


def story_csv(lines: list[StoryLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "who", "role", "what", "outcome", "detail", "rule"])
    for line in lines:
        writer.writerow(
            [
                line.at.isoformat(),
                line.who,
                line.role,
                line.what,
                line.outcome.value,
                line.detail,
                line.rule,
            ]
        )
    return out.getvalue()


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, RPCError) else str(error)


def _decided(history: WorkflowHistory) -> bool:
    """Whether the run has completed a workflow task (the replayer waits forever on one that
    has not: a run just handed over to holds its start alone)."""
    completed = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    return any(event.event_type == completed for event in history.events)


async def run_histories(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """The histories of every run of a workflow, the first first (a long ticket's runs hand
    over to one another: each run's start names the run it continues)."""
    runs = [await client.get_workflow_handle(workflow_id).fetch_history()]
    while runs[0].events:
        started = runs[0].events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            break
        handle = client.get_workflow_handle(workflow_id, run_id=started.continued_execution_run_id)
        runs.insert(0, await handle.fetch_history())
    return runs
