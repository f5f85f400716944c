"""The Temporal engine in memory, for the desks' unit tests: it keeps what the desks sent it
(every call, the workflows started, the steps, the signals) and answers as `TemporalEngine`
answers, in its sentences, without a server.

- `start` refuses an id that runs (and a finished one when `again` is False) with `AlreadyRunning`;
  otherwise it derives the workflow's first state from its input with the same pure function the
  workflow starts from (`INITIAL_STATES`), and lists it under the search attributes it was given.
- `state` answers that state, or one a test seeded (`seed`); an unknown id is `NotFound`.
- `step` answers what the test seeded for that update and id (`answer`; an exception is raised,
  as a validator's refusal would be); the answer becomes the state `state` reports next.
- `list` reads the query `visibility_query` builds (clauses `Key = 'text'`, `Key = true|false`,
  `StartTime >= '…'` or `< '…'`, joined by AND) and filters the listed rows by it, so a desk that
  asks for the wrong process or status finds the wrong rows; a clause it cannot read fails loudly.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio.common import SearchAttributePair

from models.arrivals import ArrivalState, StartArrival
from models.departures import DepartureNotice, DepartureState
from models.employee_changes import EmployeeChangeState, StartEmployeeChange
from models.parameterisation import ParamState, StartParameterisation
from models.passwords import PasswordResetState, StartPasswordReset
from models.ticket_lifecycle import open_ticket
from models.tickets import OpenTicket
from models.training import StartTraining, TrainingState
from starter.desks.engine import Listed, WorkflowMethod
from starter.desks.errors import AlreadyRunning, NotFound
from workflows import search_attributes as sa

# Each workflow's input, and how its workflow computes its first state from it.
INITIAL_STATES: dict[type[BaseModel], Callable[[Any], Any]] = {
    OpenTicket: open_ticket,
    StartArrival: ArrivalState.initial,
    DepartureNotice: DepartureState.initial,
    StartParameterisation: ParamState.initial,
    StartPasswordReset: PasswordResetState.initial,
    StartTraining: TrainingState.initial,
    StartEmployeeChange: EmployeeChangeState.initial,
}

# The search attributes as `Listed` names them; StartTime is the engine's own.
LISTED_FIELDS = {
    sa.MO.name: "mo",
    sa.PROCESS.name: "process",
    sa.CHANNEL.name: "channel",
    sa.STATUS.name: "status",
    sa.URGENT.name: "urgent",
    sa.BREACHED.name: "breached",
    sa.DUE.name: "due",
    sa.LATE_NOTICE.name: "late_notice",
    "StartTime": "started_at",
}
CLAUSE = re.compile(r"^(\w+) (=|>=|<) ('[^']*'|true|false)$")


@dataclass(frozen=True)
class Started:
    run: WorkflowMethod
    argument: Any
    workflow_id: str
    attributes: list[SearchAttributePair[Any]]
    again: bool


@dataclass(frozen=True)
class Sent:
    """A step (an update) or a signal sent to a workflow."""

    method: WorkflowMethod
    argument: Any
    workflow_id: str


class FakeEngine:
    """The `Engine` port in memory (see the module's docstring for what it answers)."""

    def __init__(self) -> None:
        self.calls: builtins.list[str] = []  # every call, e.g. "start T-2026-000001"
        self.started: builtins.list[Started] = []
        self.steps: builtins.list[Sent] = []
        self.signals: builtins.list[Sent] = []
        self.queries: builtins.list[str | None] = []
        self._states: dict[str, Any] = {}
        self._running: set[str] = set()
        self._finished: set[str] = set()
        self._answers: dict[tuple[str, WorkflowMethod], builtins.list[Any]] = {}
        self._results: dict[str, Any] = {}
        self._listed: dict[str, Listed] = {}

    # --- what a test sets up ------------------------------------------------------------------

    def seed(self, workflow_id: str, state: Any, running: bool = True) -> None:
        """A workflow that exists already, in `state`."""
        self._states[workflow_id] = state
        (self._running if running else self._finished).add(workflow_id)

    def answer(self, update: WorkflowMethod, workflow_id: str, answer: Any) -> None:
        """What the next `update` of `workflow_id` answers (an exception: raised)."""
        self._answers.setdefault((workflow_id, update), []).append(answer)

    def will_return(self, workflow_id: str, result: Any) -> None:
        """What `result` answers for `workflow_id`, once it has started."""
        self._results[workflow_id] = result

    def finish(self, workflow_id: str) -> None:
        self._running.discard(workflow_id)
        self._finished.add(workflow_id)

    def show_in_list(self, *rows: Listed) -> None:
        for row in rows:
            self._listed[row.id] = row

    # --- the Engine protocol ------------------------------------------------------------------

    async def start(
        self,
        run: WorkflowMethod,
        argument: Any,
        workflow_id: str,
        attributes: builtins.list[SearchAttributePair[Any]],
        again: bool = True,
        after_failure: bool = False,
    ) -> None:
        self.calls.append(f"start {workflow_id}")
        if workflow_id in self._running or (workflow_id in self._finished and not again):
            raise AlreadyRunning(workflow_id)
        self.started.append(Started(run, argument, workflow_id, attributes, again))
        self._running.add(workflow_id)
        self._finished.discard(workflow_id)
        initial = INITIAL_STATES.get(type(argument))
        if initial is not None:
            self._states[workflow_id] = initial(argument)
        fields = {LISTED_FIELDS[pair.key.name]: pair.value for pair in attributes}
        self._listed[workflow_id] = Listed(id=workflow_id, **fields)

    async def state(self, workflow: type, workflow_id: str) -> Any:
        self.calls.append(f"state {workflow_id}")
        if workflow_id not in self._states:
            if self._exists(workflow_id):
                raise LookupError(f"FakeEngine: seed the state of {workflow_id} ({workflow})")
            raise NotFound(f"{workflow_id} does not exist")
        return _copy(self._states[workflow_id])

    async def step(
        self,
        update: WorkflowMethod,
        argument: Any,
        workflow_id: str,
        update_id: str | None = None,
    ) -> Any:
        self.calls.append(f"step {update.__name__} {workflow_id}")
        self.steps.append(Sent(update, argument, workflow_id))
        if workflow_id not in self._running:
            raise NotFound(f"{workflow_id} does not exist or is finished")
        answers = self._answers.get((workflow_id, update))
        if not answers:
            raise LookupError(f"FakeEngine: no answer seeded for {update.__name__} {workflow_id}")
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        self._states[workflow_id] = answer
        return _copy(answer)

    async def signal(self, signal: WorkflowMethod, workflow_id: str) -> None:
        self.calls.append(f"signal {signal.__name__} {workflow_id}")
        # The real engine raises its RPCError here; the desks read the state before they signal.
        if workflow_id not in self._running:
            raise NotFound(f"{workflow_id} does not exist or is finished")
        self.signals.append(Sent(signal, None, workflow_id))

    async def result(self, workflow: type, workflow_id: str) -> Any:
        self.calls.append(f"result {workflow_id}")
        if not self._exists(workflow_id):
            raise NotFound(f"{workflow_id} does not exist")
        if workflow_id not in self._results:
            raise LookupError(f"FakeEngine: {workflow_id} never ends; seed it with will_return")
        return _copy(self._results[workflow_id])

    async def list(self, query: str | None, limit: int) -> builtins.list[Listed]:
        self.calls.append(f"list {query}")
        self.queries.append(query)
        clauses = [] if query is None else [_clause(text) for text in query.split(" AND ")]
        found = [row for row in self._listed.values() if all(match(row) for match in clauses)]
        # The engine gives the newest `limit` first; the desk's port sorts them by id.
        return sorted(found[::-1][:limit], key=lambda row: row.id)

    def _exists(self, workflow_id: str) -> bool:
        return workflow_id in self._running or workflow_id in self._finished


def _copy(value: Any) -> Any:
    """A fresh copy, as the engine's answers are: a desk cannot change the fake's state."""
    return value.model_copy(deep=True) if isinstance(value, BaseModel) else value


def _clause(text: str) -> Callable[[Listed], bool]:
    found = CLAUSE.match(text)
    if found is None or found[1] not in LISTED_FIELDS:
        raise ValueError(f"FakeEngine cannot read the visibility clause {text!r}")
    name, operator, literal = found[1], found[2], found[3]
    field = LISTED_FIELDS[name]
    wanted: Any = literal == "true" if literal in ("true", "false") else literal.strip("'")
    if name == "StartTime":
        since = datetime.fromisoformat(wanted)

        def started(row: Listed) -> bool:
            at = row.started_at
            return at is not None and (at >= since if operator == ">=" else at < since)

        return started
    if operator != "=":
        raise ValueError(f"FakeEngine cannot compare {name} with {operator}")
    return lambda row: bool(getattr(row, field) == wanted)
