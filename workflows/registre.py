"""The registre d'autorité's workflow: the daily warning, started by a Schedule, that lines of
an MO's registre stop being valid within 30 days (the registre's changes themselves are
database transactions in the desk, with no workflow)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.registre import RegistreActivities, WarnOfEndingLines
    from models.service_calendar import MONTREAL
    from workflows.activity_options import execute

# The Schedule that starts the run each morning (starter/client.py creates it), in Montréal.
EXPIRY_SCHEDULE = "sagir-registre-expiry"
WORKFLOW_ID = "registre-echeances"
TIME_ZONE = "America/Montreal"
# The Schedule's fire time, which a backfill or a late run carries: the day it warns for.
SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@workflow.defn
class RegistreExpiryWorkflow:
    """The day's warning of each MO's registre lines whose validity ends within 30 days, mailed
    to the MO's personnes autorisées and relèves once per line and end date. Returns how many
    mails were queued. No updates, signals or queries: it runs one idempotent activity."""

    @workflow.run
    async def run(self) -> int:
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_AT) or workflow.now()
        day = scheduled.astimezone(MONTREAL).date()
        return await execute(
            RegistreActivities.warn_of_ending_lines,
            WarnOfEndingLines(day=day, at=workflow.now()),
        )
