"""The password reset workflow: one per reset, id `motdepasse-<MO>-<year>-<n>`."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.dossiers import DossierActivities
    from activities.passwords import PasswordActivities
    from models.departures import BIRTH_MISMATCH, BirthMatch
    from models.passwords import (
        PasswordResetState,
        PasswordStatus,
        ResetPassword,
        StartPasswordReset,
    )
    from models.requests import Process
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import execute, failure_reason
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import password_attributes


@workflow.defn
class PasswordResetWorkflow:
    """Password help (RULES.md "Parameterisation, access and security requests").

    Checks the user's identity (employee number, birth day and month against the dossier
    personne), then resets the password in SAGIR; the temporary secret is made and mailed to the
    user's work email inside the activity and never comes back to the workflow.
    Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartPasswordReset) -> None:
        self._state = PasswordResetState.initial(start)

    @workflow.run
    async def run(self, start: StartPasswordReset) -> PasswordResetState:
        feed = AuditFeed(
            start.id,
            start.request.mo,
            Process.password,
            lambda: self._state.steps,
            listing=lambda: self._state.listing(),
        )
        state = await self._run(start)
        await feed.close()  # every step in the audit trail before the end
        return state

    async def _run(self, start: StartPasswordReset) -> PasswordResetState:
        request = start.request
        matched = await execute(
            DossierActivities.match_birth,
            BirthMatch(mo=request.mo, employee_number=request.employee_number, birth=request.birth),
        )
        if not matched:
            return self._end(PasswordStatus.refused, "refused", BIRTH_MISMATCH)
        self._state.log("identity_checked", SYSTEM, workflow.now())
        try:
            await execute(
                PasswordActivities.reset_password,
                ResetPassword(
                    idempotency_key=f"{start.id}/reset",
                    mo=request.mo,
                    employee_number=request.employee_number,
                ),
            )
        except ActivityError as error:
            return self._end(PasswordStatus.failed, "reset_failed", failure_reason(error))
        self._state.reset_at = workflow.now()
        return self._end(PasswordStatus.reset, "reset", "temporary password sent by mail")

    @workflow.query
    def state(self) -> PasswordResetState:
        return self._state

    def _end(self, status: PasswordStatus, kind: str, note: str) -> PasswordResetState:
        if status is not PasswordStatus.reset:
            self._state.reason = note
        self._state.status = status
        self._state.log(kind, SYSTEM, workflow.now(), note)
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in password_attributes(self._state)]
        )
        return self._state
