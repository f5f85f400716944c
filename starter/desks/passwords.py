"""Password help: an agent starts a reset for a user who called; the identity is checked before
anything starts, and the temporary password goes only to the user's work email."""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.ports import Counters, Directory, RequestRecords, SagirErp
from models.departures import BIRTH_MISMATCH
from models.passwords import (
    PasswordResetRequest,
    PasswordResetState,
    StartPasswordReset,
    password_reset_id,
)
from models.requests import Page, Process
from models.roles import Action, Caller
from models.sagir import AccountStatus
from models.service_calendar import MONTREAL
from starter.desks.access import acting_as_self, authorize
from starter.desks.checks import checked_id, checked_mo, paged, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import InvalidInput
from workflows.passwords import PasswordResetWorkflow
from workflows.search_attributes import password_attributes

RESET_ID = re.compile(r"^motdepasse-[A-Z][A-Z0-9]{1,11}-\d{4}-\d{6}$")


LIMIT = 100  # a page; the doors ask for more, up to MAX_PAGE


@dataclass(frozen=True)
class PasswordDesk:
    engine: Engine
    directory: Directory
    erp: SagirErp
    counters: Counters
    requests: RequestRecords
    clock: Clock = utc_now

    async def list(
        self, mo: str | None = None, limit: int = LIMIT, cursor: str | None = None
    ) -> Page:
        """Resets by id, from the desk's records (which hold no birth data and no secret)."""
        return paged(
            self.requests.page,
            process=Process.password,
            mo=checked_mo(mo),
            limit=limit,
            cursor=cursor,
        )

    async def reset(self, request: PasswordResetRequest) -> PasswordResetState:
        """Start a reset once the identity matches; the answer never holds the password."""
        now = self.clock()
        require_mo(self.directory, request.mo)
        require_agent(self.directory, request.agent)
        person = self.erp.person(request.mo, request.employee_number)
        if person is None or (person.birth_day, person.birth_month) != (
            request.birth.birth_day,
            request.birth.birth_month,
        ):
            # The same sentence whether the employee or the date is wrong: it reveals nothing.
            raise InvalidInput(BIRTH_MISMATCH)
        account = self.erp.access_of(request.mo, request.employee_number).account
        if account is not AccountStatus.active:
            raise InvalidInput(
                f"employee_number: {request.employee_number} has no active SAGIR account to reset"
            )
        year = now.astimezone(MONTREAL).year
        number = self.counters.next_number(f"{Process.password.value}-{request.mo}-{year}")
        start = StartPasswordReset(
            id=password_reset_id(request.mo, year, number), request=request, received_at=now
        )
        initial = PasswordResetState.initial(start)
        await self.engine.start(
            PasswordResetWorkflow.run, start, start.id, password_attributes(initial)
        )
        # The reset takes a moment; wait for it so the agent can tell the user it is done.
        done: PasswordResetState = await self.engine.result(PasswordResetWorkflow, start.id)
        return done

    async def show(self, workflow_id: str) -> PasswordResetState:
        state: PasswordResetState = await self.engine.state(
            PasswordResetWorkflow, _checked(workflow_id)
        )
        return state


@dataclass(frozen=True)
class GuardedPasswords:
    desk: PasswordDesk
    caller: Caller

    async def list(
        self, mo: str | None = None, limit: int = LIMIT, cursor: str | None = None
    ) -> Page:
        authorize(self.caller, Action.password_read)
        return await self.desk.list(mo, limit, cursor)

    async def reset(self, request: PasswordResetRequest) -> PasswordResetState:
        authorize(self.caller, Action.password_reset)
        acting_as_self(self.caller, "agent", request.agent)
        return await self.desk.reset(request)

    async def show(self, workflow_id: str) -> PasswordResetState:
        authorize(self.caller, Action.password_read)
        return await self.desk.show(workflow_id)


def _checked(workflow_id: str) -> str:
    return checked_id(RESET_ID, workflow_id, "a password reset id", "motdepasse-MTQ-2026-000001")
