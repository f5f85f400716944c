"""How every desk speaks to the Temporal engine: start a workflow (or say it already runs), read
its state, send it a step whose refusal becomes the caller's one sentence, and find workflows
through the engine's visibility. `Engine` is the port the desks depend on; `TemporalEngine` is
the engine itself, and the desks' unit tests put a fake in its place.

The engine's SDK is imported when a call is made: a desk that answers from its own records (a
ticket's `show`, most often) costs the command line neither the SDK's client nor a connection.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from models.requests import Listed, Process
from starter.desks.errors import AlreadyRunning, InvalidInput, NotFound, Refused, Unavailable

if TYPE_CHECKING:
    from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
    from temporalio.common import SearchAttributePair
    from temporalio.service import RPCError

WorkflowMethod = Callable[..., Any]


class Engine(Protocol):
    async def start(
        self,
        run: WorkflowMethod,
        argument: Any,
        workflow_id: str,
        attributes: list[SearchAttributePair[Any]],
        again: bool = True,
        after_failure: bool = False,
    ) -> None:
        """Start a workflow; `AlreadyRunning` if one with this id runs. `again`: whether the id
        may be started anew once its workflow has finished; `after_failure`: only once it has
        failed (the id names a thing done once, an invoice, whose failed attempt did nothing)."""

    async def state(self, workflow: type, workflow_id: str) -> Any:
        """The workflow's state (its `state` query; its result once it has completed: the same
        final state); `NotFound`."""

    async def step(
        self,
        update: WorkflowMethod,
        argument: Any,
        workflow_id: str,
        update_id: str | None = None,
    ) -> Any:
        """Send one step (an update); its validator's refusal is `Refused`, in its words. An
        `update_id` makes a step sent again (a retried delivery) the same step, taken once."""

    async def signal(self, signal: WorkflowMethod, workflow_id: str) -> None: ...

    async def result(self, workflow: type, workflow_id: str) -> Any:
        """Wait for the workflow's end and return its result."""

    async def list(self, query: str | None, limit: int) -> list[Listed]: ...


class TemporalEngine:
    """The engine through `client`, or through the client `connect` makes at the first call
    (the command line's: a command that never calls the engine never connects; one that does
    and finds it down says so in the same sentence). Neither: a command that needs only the
    database, which fails clearly if it reaches for the engine."""

    def __init__(
        self,
        client: Client | None,
        task_queue: str,
        connect: Callable[[], Awaitable[Client]] | None = None,
    ) -> None:
        self._client = client
        self._connect = connect
        self._connecting = asyncio.Lock()
        self.task_queue = task_queue

    @property
    def reachable(self) -> bool:
        """Whether this engine has, or can make, a connection (else every call is refused)."""
        return self._client is not None or self._connect is not None

    @property
    def client(self) -> Client:
        """The engine's client, once connected (`connected`); a command that needs only the
        database has none."""
        if self._client is None:
            raise Unavailable("this command was given no connection to the Temporal engine")
        return self._client

    async def connected(self) -> Client:
        """The client, connecting now if this is the first call (once, however many calls
        wait for it); `Unavailable` if the engine cannot be reached."""
        if self._client is None and self._connect is not None:
            async with self._connecting:
                if self._client is None:
                    self._client = await self._connect()
        return self.client

    async def start(
        self,
        run: WorkflowMethod,
        argument: Any,
        workflow_id: str,
        attributes: list[SearchAttributePair[Any]],
        again: bool = True,
        after_failure: bool = False,
    ) -> None:
        from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
        from temporalio.exceptions import WorkflowAlreadyStartedError
        from temporalio.service import RPCError

        client = await self.connected()
        reuse = (
            WorkflowIDReusePolicy.ALLOW_DUPLICATE
            if again
            else WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
            if after_failure
            else WorkflowIDReusePolicy.REJECT_DUPLICATE
        )
        try:
            await client.start_workflow(
                run,
                argument,
                id=workflow_id,
                task_queue=self.task_queue,
                id_reuse_policy=reuse,
                search_attributes=TypedSearchAttributes(attributes),
            )
        except WorkflowAlreadyStartedError:
            raise AlreadyRunning(workflow_id) from None
        except RPCError as error:
            if (down := unreachable(error)) is not None:
                raise down from None
            raise

    async def state(self, workflow: type, workflow_id: str) -> Any:
        from temporalio.client import WorkflowExecutionStatus
        from temporalio.service import RPCError, RPCStatusCode

        handle = self._handle(await self.connected(), workflow, workflow_id)
        try:
            return await handle.query(
                workflow.state,  # type: ignore[attr-defined]
                rpc_timeout=QUERY_TIMEOUT,
            )
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"{workflow_id} does not exist") from None
            if (down := unreachable(error)) is not None:
                raise down from None
            # A completed workflow whose query cannot be answered (the time-skipping test
            # server answers none): its result is the same final state.
            if (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED:
                return await handle.result()
            raise

    async def step(
        self,
        update: WorkflowMethod,
        argument: Any,
        workflow_id: str,
        update_id: str | None = None,
    ) -> Any:
        from temporalio.client import WorkflowUpdateFailedError
        from temporalio.service import RPCError, RPCStatusCode

        client = await self.connected()
        try:
            handle = client.get_workflow_handle(workflow_id)
            return await handle.execute_update(cast(Any, update), argument, id=update_id)
        except WorkflowUpdateFailedError as failed:
            raise Refused(refusal_reason(failed)) from None
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"{workflow_id} does not exist or is finished") from None
            if (down := unreachable(error)) is not None:
                raise down from None
            raise

    async def signal(self, signal: WorkflowMethod, workflow_id: str) -> None:
        from temporalio.service import RPCError, RPCStatusCode

        client = await self.connected()
        try:
            await client.get_workflow_handle(workflow_id).signal(signal)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"{workflow_id} does not exist or is finished") from None
            if (down := unreachable(error)) is not None:
                raise down from None
            raise

    async def result(self, workflow: type, workflow_id: str) -> Any:
        return await self._handle(await self.connected(), workflow, workflow_id).result()

    async def list(self, query: str | None, limit: int) -> list[Listed]:
        from temporalio.service import RPCError

        client = await self.connected()
        try:
            return await self._list(client, query, limit)
        except RPCError as error:
            if (down := unreachable(error)) is not None:
                raise down from None
            raise

    async def _list(self, client: Client, query: str | None, limit: int) -> builtins.list[Listed]:
        from workflows import search_attributes as sa

        found = []
        async for execution in client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            found.append(
                Listed(
                    id=execution.id,
                    process=attrs.get(sa.PROCESS) or "",
                    mo=attrs.get(sa.MO) or "",
                    channel=attrs.get(sa.CHANNEL) or "",
                    status=attrs.get(sa.STATUS) or "",
                    urgent=bool(attrs.get(sa.URGENT)),
                    breached=bool(attrs.get(sa.BREACHED)),
                    late_notice=bool(attrs.get(sa.LATE_NOTICE)),
                    due=attrs.get(sa.DUE),
                    started_at=execution.start_time,
                    closed_at=execution.close_time,
                )
            )
        return sorted(found, key=lambda item: item.id)

    @staticmethod
    def _handle(client: Client, workflow: type, workflow_id: str) -> WorkflowHandle[Any, Any]:
        """A handle whose result is read as the workflow's `run` returns it."""
        return client.get_workflow_handle_for(workflow.run, workflow_id)  # type: ignore[attr-defined]


# What an engine that is down or overloaded answers (the SDK's `RPCStatusCode` names): not the
# caller's doing.
_UNREACHABLE = frozenset(
    {
        "UNAVAILABLE",
        "DEADLINE_EXCEEDED",
        "RESOURCE_EXHAUSTED",
        # A query held by a worker that died or froze: the engine gives up on it.
        "CANCELLED",
    }
)
# A read waits no longer than this for a worker to answer (one that died is replaced, and its
# tasks go to another after the engine's sticky timeout): then 503, try again.
QUERY_TIMEOUT = timedelta(seconds=10)


def unreachable(error: RPCError) -> Unavailable | None:
    """The engine's error as `Unavailable` when it says the engine cannot answer now."""
    # A query while the workflow's last task failed (its worker was killed, or starved, in the
    # middle of it): the engine retries the task on a live worker, so this too passes; the
    # worker-kill chaos test met it once as a 500.
    from temporalio.service import RPCStatusCode

    task_failed = (
        error.status is RPCStatusCode.FAILED_PRECONDITION
        and "Workflow Task in failed state" in error.message
    )
    if error.status.name in _UNREACHABLE or task_failed:
        return Unavailable(
            "the Temporal engine or its workers are not answering; try again in a moment"
        )
    return None


def refusal_reason(failed: WorkflowUpdateFailedError) -> str:
    """The refusal's own sentence, as the workflow's validator or handler wrote it."""
    cause = failed.cause
    return getattr(cause, "message", None) or str(cause or failed)


def visibility_query(
    process: Process | None = None,
    mo: str | None = None,
    status: str | None = None,
    breached: bool | None = None,
    late_notice: bool | None = None,
    since: date | None = None,
    until: date | None = None,
) -> str | None:
    """The search attributes' clauses joined by AND (None: every workflow), each value checked
    before it goes into the query's text."""
    from workflows import search_attributes as sa

    clauses = []
    if process is not None:
        clauses.append(f"{sa.PROCESS.name} = '{Process(process).value}'")
    if mo is not None:
        if not mo.isalnum():
            raise InvalidInput(f"mo: {mo!r} is not an MO code")
        clauses.append(f"{sa.MO.name} = '{mo}'")
    if status is not None:
        if not status.replace("_", "").isalnum():
            raise InvalidInput(f"status: {status!r} is not a status")
        clauses.append(f"{sa.STATUS.name} = '{status}'")
    if breached is not None:
        clauses.append(f"{sa.BREACHED.name} = {str(breached).lower()}")
    if late_notice is not None:
        clauses.append(f"{sa.LATE_NOTICE.name} = {str(late_notice).lower()}")
    if since is not None:
        clauses.append(f"StartTime >= '{since.isoformat()}T00:00:00Z'")
    if until is not None:
        clauses.append(f"StartTime < '{until.isoformat()}T23:59:59Z'")
    return " AND ".join(clauses) or None
