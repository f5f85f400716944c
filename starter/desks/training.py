"""Training registration in SGA: the CA registers participants as the MO instructs or per an
employee's development plan. Each participant of a session gets a workflow that registers them
(or puts them on the waiting list), waits for a place and tells them; sessions and participants
are read from SGA."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from adapters.ports import Directory, SagirErp, Sga
from models.roles import Action, Caller
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
from starter.desks.access import acting_as_self, authorize
from starter.desks.checks import checked_id, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import AlreadyRunning, InvalidInput, NotFound
from workflows.search_attributes import training_attributes
from workflows.training import TrainingRegistrationWorkflow

TRAINING_ID = re.compile(r"^formation-[A-Z0-9][A-Z0-9_-]{1,39}-[A-Z][A-Z0-9]{1,11}-\d{3,12}$")


@dataclass(frozen=True)
class TrainingDesk:
    engine: Engine
    directory: Directory
    erp: SagirErp
    sga: Sga
    clock: Clock = utc_now

    async def sessions(self) -> list[SessionView]:
        return self.sga.sessions()

    async def participants(self, session: str) -> list[Enrolment]:
        if self.sga.session(session) is None:
            raise NotFound(f"session {session} does not exist in SGA")
        return self.sga.enrolments(session)

    async def enrol(self, enrol: Enrol) -> TrainingState:
        """Start the participant's registration; enrolling someone already there changes
        nothing and shows where they stand."""
        now = self.clock()
        require_mo(self.directory, enrol.mo)
        require_agent(self.directory, enrol.by)
        if self.erp.person(enrol.mo, enrol.employee_number) is None:
            raise InvalidInput(
                f"employee_number: {enrol.employee_number} has no dossier personne in {enrol.mo}"
            )
        view = self.sga.session(enrol.session)
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
        # After a cancellation the person may be enrolled again (at the end of the line).
        initial = TrainingState.initial(start)
        try:
            await self.engine.start(
                TrainingRegistrationWorkflow.run, start, start.id, training_attributes(initial)
            )
        except AlreadyRunning:
            pass  # already there: where they stand
        return await self.show(start.id)

    async def show(self, workflow_id: str) -> TrainingState:
        """The registration; a waiting participant's position is read live from SGA (the
        workflow learns of moves up the list only when a place comes to it)."""
        state: TrainingState = await self.engine.state(
            TrainingRegistrationWorkflow, _checked(workflow_id)
        )
        if state.status is TrainingStatus.waiting:
            live = self.sga.enrolment(state.session, state.mo, state.employee_number)
            if live is not None and live.waiting_position is not None:
                state.waiting_position = live.waiting_position
        return state

    async def cancel(self, workflow_id: str, agent: str) -> TrainingState:
        """Cancel the place; the first on the waiting list gets it."""
        require_agent(self.directory, agent)
        state: TrainingState = await self.engine.step(
            TrainingRegistrationWorkflow.cancel, CancelPlace(agent=agent), _checked(workflow_id)
        )
        return state


@dataclass(frozen=True)
class GuardedTraining:
    desk: TrainingDesk
    caller: Caller

    async def sessions(self) -> list[SessionView]:
        authorize(self.caller, Action.training_read)
        return await self.desk.sessions()

    async def participants(self, session: str) -> list[Enrolment]:
        authorize(self.caller, Action.training_read)
        found = await self.desk.participants(session)
        return [enrolment for enrolment in found if self.caller.sees(enrolment.mo)]

    async def enrol(self, enrol: Enrol) -> TrainingState:
        authorize(self.caller, Action.training_enrol)
        acting_as_self(self.caller, "by", enrol.by)
        return await self.desk.enrol(enrol)

    async def show(self, workflow_id: str) -> TrainingState:
        authorize(self.caller, Action.training_read)
        state = await self.desk.show(workflow_id)
        authorize(self.caller, Action.training_read, state.mo, workflow_id)
        return state

    async def cancel(self, workflow_id: str, agent: str) -> TrainingState:
        authorize(self.caller, Action.training_enrol)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.cancel(workflow_id, agent)


def _checked(workflow_id: str) -> str:
    return checked_id(
        TRAINING_ID, workflow_id, "a registration id", "formation-RF101-2027-01-MTQ-52310"
    )
