"""The auditor's tools: a workflow's history as a readable timeline with its payloads opened,
the workflows found by MO, process, status, breach, late notice and dates (the engine's
visibility), and a replay of a stored history against the current code."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from google.protobuf import json_format
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from starter.errors import InvalidInput, NotFound
from starter.visibility import visibility_query
from workflows import search_attributes as sa

WORKFLOW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,119}$")


class TimelineEvent(BaseModel):
    """One event of a workflow's history, its payloads opened."""

    event_id: int
    at: datetime
    kind: str
    detail: dict[str, Any]


class WorkflowFound(BaseModel):
    id: str
    process: str
    mo: str
    status: str
    breached: bool
    late_notice: bool
    started_at: datetime | None
    closed_at: datetime | None


class ReplayVerdict(BaseModel):
    id: str
    events: int
    same_decisions: bool
    problem: str | None = None


class AuditDesk:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def history(self, workflow_id: str) -> list[TimelineEvent]:
        history = await self._fetch(workflow_id)
        codec = self._client.data_converter.payload_codec
        timeline = []
        for event in history.events:
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
    ) -> list[WorkflowFound]:
        query = visibility_query(
            process, mo, status, breached, late_notice, since=since, until=until
        )
        found = []
        async for execution in self._client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            found.append(
                WorkflowFound(
                    id=execution.id,
                    process=attrs.get(sa.PROCESS) or "",
                    mo=attrs.get(sa.MO) or "",
                    status=attrs.get(sa.STATUS) or "",
                    breached=bool(attrs.get(sa.BREACHED)),
                    late_notice=bool(attrs.get(sa.LATE_NOTICE)),
                    started_at=execution.start_time,
                    closed_at=execution.close_time,
                )
            )
        return sorted(found, key=lambda item: item.id)

    async def replay(self, workflow_id: str) -> ReplayVerdict:
        """Replay the stored history on the current workflow code: does it still lead to the
        same decisions?"""
        from worker import WORKFLOWS, workflow_runner  # the same workflows and sandbox

        history = await self._fetch(workflow_id)
        replayer = Replayer(
            workflows=WORKFLOWS,
            data_converter=self._client.data_converter,
            workflow_runner=workflow_runner(),
        )
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        failure = result.replay_failure
        return ReplayVerdict(
            id=workflow_id,
            events=len(history.events),
            same_decisions=failure is None,
            problem=None if failure is None else str(failure),
        )

    async def _fetch(self, workflow_id: str) -> WorkflowHistory:
        if not WORKFLOW_ID.match(workflow_id):
            raise InvalidInput(f"id: {workflow_id!r} is not a workflow id")
        try:
            return await self._client.get_workflow_handle(workflow_id).fetch_history()
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"{workflow_id} does not exist") from None
            raise


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
