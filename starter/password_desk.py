"""Password help: an agent starts a reset for a user who called; the identity is checked before
anything starts, and the temporary password goes only to the user's work email."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import TypedSearchAttributes

from adapters.ports import Directory, SagirErp
from models.departures import BIRTH_MISMATCH
from models.passwords import (
    PasswordResetRequest,
    PasswordResetState,
    StartPasswordReset,
    password_reset_id,
)
from models.sagir import AccountStatus
from models.service_calendar import MONTREAL
from starter.desk_checks import require_agent, require_mo
from starter.errors import InvalidInput
from starter.workflow_calls import query_state
from workflows.password_reset import PasswordResetWorkflow
from workflows.search_attributes import password_attributes

RESET_ID = re.compile(r"^motdepasse-[A-Z][A-Z0-9]{1,11}-\d{4}-\d{6}$")


class PasswordDesk:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        directory: Directory,
        erp: SagirErp,
        next_number: Callable[[str], int],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._directory = directory
        self._erp = erp
        self._next_number = next_number
        self._clock = clock

    async def reset(self, request: PasswordResetRequest) -> PasswordResetState:
        """Start a reset once the identity matches; the answer never holds the password."""
        now = self._clock()
        require_mo(self._directory, request.mo)
        require_agent(self._directory, request.agent)
        person = self._erp.person(request.mo, request.employee_number)
        if person is None or (person.birth_day, person.birth_month) != (
            request.birth.birth_day,
            request.birth.birth_month,
        ):
            # The same sentence whether the employee or the date is wrong: it reveals nothing.
            raise InvalidInput(BIRTH_MISMATCH)
        account = self._erp.access_of(request.mo, request.employee_number).account
        if account is not AccountStatus.active:
            raise InvalidInput(
                f"employee_number: {request.employee_number} has no active SAGIR account to reset"
            )
        year = now.astimezone(MONTREAL).year
        number = self._next_number(f"motdepasse-{request.mo}-{year}")
        start = StartPasswordReset(
            id=password_reset_id(request.mo, year, number), request=request, received_at=now
        )
        handle = await self._client.start_workflow(
            PasswordResetWorkflow.run,
            start,
            id=start.id,
            task_queue=self._task_queue,
            search_attributes=TypedSearchAttributes(
                password_attributes(PasswordResetState.initial(start))
            ),
        )
        # The reset takes a moment; wait for it so the agent can tell the user it is done.
        return await handle.result()

    async def show(self, workflow_id: str) -> PasswordResetState:
        return await query_state(
            self._handle(workflow_id), PasswordResetWorkflow.state, workflow_id
        )  # type: ignore[no-any-return]

    def _handle(self, workflow_id: str) -> WorkflowHandle[Any, PasswordResetState]:
        if not RESET_ID.match(workflow_id):
            raise InvalidInput(
                f"id: {workflow_id!r} is not a password reset id like motdepasse-MTQ-2026-000001"
            )
        return self._client.get_workflow_handle_for(PasswordResetWorkflow.run, workflow_id)
