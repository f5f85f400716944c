"""The communiqué's activities: the agent's check, the recipients resolved and recorded at the
release, their mail queued in batches through the outbox (the relay delivers it), the delivery
counts, and the desk's records kept current. Ids and counts in and out: no content, no person,
so the engine's history stays small whatever the number of recipients."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import CommuniqueRecords, SagirUsers
from models.communiques import (
    DGGIR,
    CheckOutcome,
    Communique,
    CommuniqueNote,
    DeliveryCounts,
    GroupKind,
    Resolution,
    Side,
)
from models.service_calendar import MONTREAL
from models.tickets import Contract


class ResolveRecipients(Contract):
    id: str
    at: datetime


class QueueDeliveries(Contract):
    id: str
    at: datetime


class CommuniqueActivities:
    def __init__(self, records: CommuniqueRecords, users: SagirUsers) -> None:
        self._records = records
        self._users = users

    @activity.defn
    def check_communique(self, workflow_id: str) -> CheckOutcome:
        """The CA agent's check: every group exists, the author may address it, and together
        they reach at least one person today."""
        communique = self._communique(workflow_id)
        problems = self.problems(communique)
        if problems:
            return CheckOutcome(problems=problems)
        today = activity.info().current_attempt_scheduled_time.astimezone(MONTREAL).date()
        reached = len(self._users.users(communique.mos, communique.groups, today))
        if reached == 0:
            return CheckOutcome(
                problems=["groups: together they reach no SAGIR user today; choose other groups"]
            )
        return CheckOutcome(recipients=reached)

    def problems(self, communique: Communique) -> list[str]:
        """Each problem in one sentence naming the field and the rule."""
        problems = []
        unknown = sorted(set(communique.mos) - self._users.mos_known(communique.mos))
        if unknown:
            problems.append(f"mos: {', '.join(unknown)} is not a client MO of the service")
        for group in communique.groups:
            if group.kind is GroupKind.responsibility:
                exists, owner = self._users.responsibility_owner(group.value or "")
                if not exists:
                    problems.append(f"groups: {group} is not a responsibility of SAGIR's catalogue")
                elif owner is not None and communique.side is Side.mo and owner != communique.mo:
                    problems.append(f"groups: {group} belongs to {owner}, not to {communique.mo}")
            elif group.kind is GroupKind.list:
                if communique.side is Side.dggir:
                    problems.append(
                        f"groups: {group} is an MO's own list; the {DGGIR} addresses SAGIR's "
                        "groups (all, responsibility, module, managers, self-service)"
                    )
                elif not self._users.list_exists(communique.mo or "", group.value or ""):
                    problems.append(f"groups: {group} is not a list {communique.mo} keeps")
        return problems

    @activity.defn
    def resolve_recipients(self, resolve: ResolveRecipients) -> Resolution:
        """Who it goes to, resolved now (the release) and recorded once: a retry, or a worker
        killed after the commit, finds the recorded list and returns it unchanged."""
        recorded = self._records.resolution(resolve.id)
        if recorded is not None:
            return recorded
        communique = self._communique(resolve.id)
        day = resolve.at.astimezone(MONTREAL).date()
        found = self._users.users(communique.mos, communique.groups, day)
        return self._records.record_recipients(resolve.id, found, resolve.at)

    @activity.defn
    def queue_deliveries(self, queue: QueueDeliveries) -> DeliveryCounts:
        """Every recipient's mail into the outbox, a batch per transaction, each mail once by
        its key; a retried attempt goes on after the last batch committed. Beats after each
        batch, so a killed worker is noticed and another goes on."""
        last = self._records.queued_until(queue.id)
        while True:
            queued = self._records.queue_batch(queue.id, last, queue.at)
            if queued is None:
                break
            last = queued
            activity.heartbeat(last)
        return self._records.counts(queue.id)

    @activity.defn
    def delivery_counts(self, workflow_id: str) -> DeliveryCounts:
        return self._records.counts(workflow_id)

    @activity.defn
    def note_communique(self, note: CommuniqueNote) -> None:
        self._records.note(note)

    def _communique(self, workflow_id: str) -> Communique:
        communique = self._records.get(workflow_id)
        if communique is None:
            raise ApplicationError(
                f"{workflow_id} is not in the desk's records",
                type="UnknownCommunique",
                non_retryable=True,
            )
        return communique
