"""Training registration in SGA: the CA registers participants as the MO instructs or per an
employee's development plan. Each participant of a session gets a workflow that registers them
(or puts them on the waiting list), waits for a place and tells them; sessions and participants
are read from SGA."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from adapters.ports import Directory, SagirErp, Sga
from models.service_calendar import MONTREAL
from models.training import (
    CancelPlace,
    Enrol,
    Enrolment,
    SessionView,
    StartTraining,
    TrainingState,
    TrainingStatus,
    training_id,
)
from starter.desk_checks import require_agent, require_mo
from starter.errors import InvalidInput, NotFound
from starter.workflow_calls import execute_step, query_state
from workflows.search_attributes import training_attributes
from workflows.training import TrainingRegistrationWorkflow

TRAINING_ID = re.compile(r"^formation-[A-Z0-9][A-Z0-9_-]{1,39}-[A-Z][A-Z0-9]{1,11}-\d{3,12}$")


class TrainingDesk:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        directory: Directory,
        erp: SagirErp,
        sga: Sga,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._directory = directory
        self._erp = erp
        self._sga = sga
        self._clock = clock

    async def sessions(self) -> list[SessionView]:
        return self._sga.sessions()

    async def participants(self, session: str) -> list[Enrolment]:
        if self._sga.session(session) is None:
            raise NotFound(f"session {session} does not exist in SGA")
        return self._sga.enrolments(session)

    async def enrol(self, enrol: Enrol) -> TrainingState:
        """Start the participant's registration; enrolling someone already there changes
        nothing and shows where they stand."""
        now = self._clock()
        require_mo(self._directory, enrol.mo)
        require_agent(self._directory, enrol.by)
        if self._erp.person(enrol.mo, enrol.employee_number) is None:
            raise InvalidInput(
                f"employee_number: {enrol.employee_number} has no dossier personne in {enrol.mo}"
            )
        view = self._sga.session(enrol.session)
        if view is None:
            raise InvalidInput(f"session: {enrol.session} is not a session of SGA")
        begins = datetime.combine(view.session.starts_on, time(0), MONTREAL)
        if begins <= now:
            raise InvalidInput(
                f"session: {enrol.session} began on {view.session.starts_on}; choose a later one"
            )
        start = StartTraining(
            id=training_id(enrol.session, enrol.mo, enrol.employee_number),
            enrol=enrol,
            requested_at=now,
            session_starts_at=begins,
        )
        try:
            handle = await self._client.start_workflow(
                TrainingRegistrationWorkflow.run,
                start,
                id=start.id,
                task_queue=self._task_queue,
                # After a cancellation the person may be enrolled again (at the end of the line).
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    training_attributes(TrainingState.initial(start))
                ),
            )
        except WorkflowAlreadyStartedError:
            return await self.show(start.id)
        return await handle.query(TrainingRegistrationWorkflow.state)

    async def show(self, workflow_id: str) -> TrainingState:
        """The registration; a waiting participant's position is read live from SGA (the
        workflow learns of moves up the list only when a place comes to it)."""
        state: TrainingState = await query_state(
            self._handle(workflow_id), TrainingRegistrationWorkflow.state, workflow_id
        )
        if state.status is TrainingStatus.waiting:
            live = self._sga.enrolment(state.session, state.mo, state.employee_number)
            if live is not None and live.waiting_position is not None:
                state.waiting_position = live.waiting_position
        return state

    async def cancel(self, workflow_id: str, agent: str) -> TrainingState:
        """Cancel the place; the first on the waiting list gets it."""
        require_agent(self._directory, agent)
        return await execute_step(  # type: ignore[no-any-return]
            self._handle(workflow_id),
            TrainingRegistrationWorkflow.cancel,
            CancelPlace(agent=agent),
            workflow_id,
        )

    def _handle(self, workflow_id: str) -> WorkflowHandle[Any, TrainingState]:
        if not TRAINING_ID.match(workflow_id):
            raise InvalidInput(
                f"id: {workflow_id!r} is not a registration id like "
                "formation-RF101-2027-01-MTQ-52310"
            )
        return self._client.get_workflow_handle_for(TrainingRegistrationWorkflow.run, workflow_id)
