"""Delivering the outbox: each due mail claimed, handed to the mail server, and marked with its
answer; a passing failure tried again later (30 s doubling, at most an hour apart), a refusal for
good or the last attempt escalated to the CA supervisors. A round takes the due mail in batches
until none is left or its time is spent, on one connection to the server when the server offers
a session. Counts only in and out of the activity: no address, subject or body enters a history
or a log."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import Directory, Escalations, MailServer, MailSessions, Outbox
from models.communiques import COMMUNIQUE_ID
from models.directory import active_supervisors
from models.escalations import EscalationKind
from models.mail import (
    Delivery,
    MailRefused,
    RelayReport,
    next_attempt,
    without_addresses,
    workflow_of_key,
)
from models.requests import Escalation

log = logging.getLogger(__name__)

# A claim older than this is a relay that died: its mail is tried again (the same Message-ID).
# Far above one delivery's longest wait on the server (adapters/smtp_mail_server.py).
LEASE = timedelta(minutes=5)
BATCH = 100  # mails read from the outbox at a time; a round reads again until none is due
# A round stops taking new mails after this, well within the activity's timeout; the next round
# goes on with the rest.
ROUND_BUDGET = timedelta(minutes=3)
DEFAULT_MAX_ATTEMPTS = 8
ESCALATION_KEY_LENGTH = 120  # the escalations table's


def utc_now() -> datetime:
    return datetime.now(UTC)


class MailRelayActivities:
    def __init__(
        self,
        outbox: Outbox,
        server: MailServer | None,
        escalations: Escalations,
        directory: Directory,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._outbox = outbox
        self._server = server  # None: SAGIR_SMTP_URL is not set on this worker
        self._escalations = escalations
        self._directory = directory
        self._max_attempts = max_attempts
        self._clock = clock

    @activity.defn
    def relay_due(self) -> RelayReport:
        """Deliver the mails that are due (the `sagir-mail-relay` Schedule's round)."""
        return self.deliver_due(beat=activity.heartbeat)

    def deliver_due(self, beat: Callable[[], None] = lambda: None) -> RelayReport:
        """The round itself, `beat` after each mail (the activity's heartbeat)."""
        if self._server is None:
            raise ApplicationError(
                "SAGIR_SMTP_URL is not set on this worker: set it to the mail relay "
                "(smtp://host:port) so the outbox is delivered",
                type="NoMailServer",
                non_retryable=True,
            )
        started = self._clock()
        counts = {"sent": 0, "retried": 0, "failed": 0, "skipped": 0}
        tried: set[str] = set()  # each mail once a round: one tried again waits for the next
        with session_of(self._server) as server:
            while self._clock() - started <= ROUND_BUDGET:
                # Read at the time of each batch: mail queued during the round goes too.
                due = self._outbox.due(self._clock(), LEASE, BATCH)
                batch = [key for key in due if key not in tried]
                if not batch:
                    break
                for key in batch:
                    if self._clock() - started > ROUND_BUDGET:
                        break  # the next round goes on
                    tried.add(key)
                    counts[self._deliver(server, key)] += 1
                    beat()
        report = RelayReport(**counts)
        if report != RelayReport():
            log.info(
                "mail relay: %d sent, %d to try again, %d failed, %d held by another relay",
                report.sent,
                report.retried,
                report.failed,
                report.skipped,
            )
        return report

    def _deliver(self, server: MailServer, key: str) -> str:
        """One mail: claimed (committed before the server is spoken to), delivered, marked."""
        now = self._clock()
        delivery = self._outbox.claim(key, now, LEASE)
        if delivery is None:
            return "skipped"
        if delivery.unreadable is not None:
            return self._not_taken(delivery, MailRefused(delivery.unreadable, False), now)
        try:
            handed = server.deliver(delivery, now)
        except MailRefused as refused:
            return self._not_taken(delivery, refused, now)
        # Killed here, the server has the mail and the outbox says `sending`: once the lease
        # runs out it goes again, with the same Message-ID (the one unavoidable duplicate).
        self._outbox.mark_sent(
            delivery, without_addresses(handed.reply), self._clock(), handed.content_digest
        )
        return "sent"

    def _not_taken(self, delivery: Delivery, refused: MailRefused, now: datetime) -> str:
        reply = without_addresses(refused.reply)
        key = delivery.mail.idempotency_key
        if not refused.permanent and delivery.attempts < self._max_attempts:
            self._outbox.mark_retry(delivery, reply, next_attempt(delivery.attempts, now))
            log.warning(
                "mail %s not taken (attempt %d of %d), tried again later: %s",
                key,
                delivery.attempts,
                self._max_attempts,
                reply,
            )
            return "retried"
        if refused.permanent:
            reason = f"mail {key} refused for good by the mail server: {reply}"
        else:
            reason = (
                f"mail {key} not taken by the mail server after {delivery.attempts} attempts; "
                f"its last answer: {reply}"
            )
        # Escalated before it is marked: a relay killed in between escalates again on the next
        # round (once per key), where the other order could lose the escalation.
        workflow_id = workflow_of_key(key)
        supervisors = active_supervisors(self._directory.agents())
        self._escalations.record_escalation(
            Escalation(
                idempotency_key=escalation_key(key),
                workflow_id=workflow_id[:80],
                mo=self._outbox.mo_of(workflow_id) or "",
                reason=reason,
                at=now,
                kind=EscalationKind.mail_failed,
            ),
            supervisors,
        )
        self._outbox.mark_failed(delivery, reply)
        log.warning("%s escalated to %s", reason, ", ".join(supervisors) or "no supervisor on file")
        return "failed"


def session_of(server: MailServer) -> AbstractContextManager[MailServer]:
    """The server's session for a round when it offers one (one connection for the round's
    mail), else the server itself."""
    if isinstance(server, MailSessions):
        return server.session()
    return contextlib.nullcontext(server)


def escalation_key(mail_key: str) -> str:
    """`<mail key>/mail-failed`; a mail key too long for the escalations table is shortened to
    its workflow and a digest, which stays one per mail. A communiqué's recipients' mails are
    escalated once per communiqué (`<communiqué id>/mail-failed`): a fan-out to thousands with
    a few hundred stale addresses is one thing for the supervisors to see, its failures counted
    on the communiqué's page."""
    workflow_id = workflow_of_key(mail_key)
    if COMMUNIQUE_ID.match(workflow_id) and mail_key.startswith(f"{workflow_id}/r/"):
        return f"{workflow_id}/mail-failed"
    key = f"{mail_key}/mail-failed"
    if len(key) <= ESCALATION_KEY_LENGTH:
        return key
    digest = hashlib.sha256(mail_key.encode()).hexdigest()[:16]
    return f"{workflow_of_key(mail_key)[:80]}/mail-{digest}/mail-failed"
