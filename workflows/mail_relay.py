"""The mail relay's round: one short workflow, started by the `sagir-mail-relay` Schedule every
SAGIR_MAIL_RELAY_SECONDS (overlap SKIP: one round at a time), that runs the activity delivering
the outbox's due mails. Its history holds counts only, never an address, subject or body.

Why a Schedule and not an activity per request workflow: the mail is written in the step's own
transaction, and delivering it apart keeps every workflow independent of the mail server's
availability, with one place for the backoff and the escalation of mail that never goes."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.mail_relay import MailRelayActivities
    from models.mail import RelayReport

SCHEDULE_ID = "sagir-mail-relay"
WORKFLOW_ID = "mail-relay"

# A round is a few minutes at most (activities/mail_relay.py ROUND_BUDGET) and beats after each
# mail: a worker killed mid-round is noticed within the heartbeat timeout.
ROUND_TIMEOUT = timedelta(minutes=5)
HEARTBEAT_TIMEOUT = timedelta(minutes=1)
# The Schedule is the retry: a round that fails (the database down) is the next round's work.
ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


@workflow.defn
class MailRelayWorkflow:
    """Delivers the due mails once and returns the counts. No updates, signals or queries."""

    @workflow.run
    async def run(self) -> RelayReport:
        return await workflow.execute_activity_method(
            MailRelayActivities.relay_due,
            start_to_close_timeout=ROUND_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=ONE_ATTEMPT,
        )
