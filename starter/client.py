"""The one client factory: every worker, starter, test and replayer gets its client and data
converter here, so they can never disagree on the converter or the payload codec. The desk's
search attributes and Schedules are set up here too; their workflows are imported only there,
so that a command line reaching the engine loads no workflow it does not run."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RetryConfig, RPCError, RPCStatusCode

from starter.desks.errors import Unavailable
from starter.keys import Key
from starter.payload_codec import EncryptionCodec
from starter.settings import Settings


def data_converter(keys: Sequence[Key]) -> DataConverter:
    """pydantic payloads, sealed by the codec; failures' messages and stack traces are moved
    into encoded attributes so they are sealed too."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


# A person waits at the doors: a call to an engine that is down gives up within a second or
# two (the caller gets a 503 or exit code 1), where a worker's client keeps trying for longer.
IMPATIENT = RetryConfig(max_elapsed_time_millis=1200, max_retries=4, max_interval_millis=400)


async def connect(
    settings: Settings,
    retry: RetryConfig | None = None,
    lazy: bool = False,
    runtime: Runtime | None = None,
) -> Client:
    """The client; `lazy`: it connects at its first call (the mail intake starts, and takes
    mail in, while the engine is down); `runtime`: the worker's, which serves its metrics."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings.payload_keys),
        retry_config=retry,
        lazy=lazy,
        runtime=runtime,
    )


def metrics_runtime(settings: Settings) -> Runtime | None:
    """A runtime serving the SDK's Prometheus metrics on SAGIR_WORKER_METRICS_PORT (None when
    it is not set: the default runtime, no metrics endpoint)."""
    if settings.worker_metrics_port is None:
        return None
    address = f"{settings.metrics_host}:{settings.worker_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def reach_engine(settings: Settings) -> Client:
    """The doors' client (`connect`, impatient), or one sentence saying the engine cannot be
    reached."""
    try:
        return await connect(settings, IMPATIENT)
    except RuntimeError:
        raise Unavailable(
            f"cannot reach the Temporal engine at {settings.temporal_address}; "
            "is `sagir-desk dev` running?"
        ) from None


async def register_search_attributes(client: Client) -> None:
    """Register the desk's search attributes on the namespace; those already there are kept."""
    from workflows import search_attributes

    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        existing = set(listed.custom_attributes)
    except RPCError as error:
        # The time-skipping test server can add search attributes but not list them.
        if error.status is not RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {
        key.name: IndexedValueType.ValueType(_indexed_type(key.indexed_value_type))
        for key in search_attributes.ALL
        if key.name not in existing
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )


def _indexed_type(kind: SearchAttributeIndexedValueType) -> int:
    return int(kind)


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """The desk's Schedules (Temporal's, not cron): the audit trail's checkpoint every
    SAGIR_AUDIT_CHECKPOINT_MINUTES, and, when SAGIR_SMTP_URL is set, the mail relay's round every
    SAGIR_MAIL_RELAY_SECONDS. Creating one that exists changes nothing, so every worker may call
    this when it starts."""
    from workflows import mail_relay, registre
    from workflows.audit_checkpoints import SCHEDULE_ID, AuditCheckpointWorkflow
    from workflows.mail_relay import MailRelayWorkflow

    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            AuditCheckpointWorkflow.run, id="audit-checkpoint", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.checkpoint_minutes))]
        ),
        # One checkpoint at a time; one missed while the engine was down is not made up.
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=1)
        ),
    )
    await _create_once(client, SCHEDULE_ID, schedule)
    await ensure_billing_schedules(client, settings)
    await _create_once(client, registre.EXPIRY_SCHEDULE, registre_schedule(settings))
    if settings.smtp_url is None:
        return
    relay = Schedule(
        action=ScheduleActionStartWorkflow(
            MailRelayWorkflow.run, id=mail_relay.WORKFLOW_ID, task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.mail_relay_seconds))]
        ),
        # One round at a time (a slow server makes a round long); the next round takes what a
        # missed one would have: nothing to catch up.
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=1)
        ),
    )
    await _create_once(client, mail_relay.SCHEDULE_ID, relay)


# A billing run missed while the engine was down is made up when it comes back, within a week.
BILLING_CATCHUP = timedelta(days=7)


def billing_schedules(settings: Settings) -> dict[str, Schedule]:
    """Billing's Schedules, in Montréal time: each MO's invoice of the month on the 1st at
    06:00; each MO's year-end adjustment on April 2 at 06:00 (once March 31's headcount is
    taken); every MO's headcount each evening at 23:30. A run fired twice, backfilled or
    triggered by hand issues nothing twice: each invoice is its own workflow, under its key."""
    from models.billing import InvoiceKind
    from workflows import billing
    from workflows.billing import BillingRunWorkflow, HeadcountWorkflow

    def at(
        hour: int, minute: int, day: int | None = None, month: int | None = None
    ) -> ScheduleSpec:
        every = ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)])
        calendar = dataclasses.replace(
            every,
            day_of_month=[ScheduleRange(day)] if day else every.day_of_month,
            month=[ScheduleRange(month)] if month else every.month,
        )
        return ScheduleSpec(calendars=[calendar], time_zone_name=billing.TIME_ZONE)

    # Overlaps allowed: a backfill of several months starts each month's run.
    policy = SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL, catchup_window=BILLING_CATCHUP)
    queue = settings.task_queue
    return {
        billing.MONTHLY_SCHEDULE: Schedule(
            action=ScheduleActionStartWorkflow(
                BillingRunWorkflow.run,
                InvoiceKind.monthly,
                id="facturation-mensuelle",
                task_queue=queue,
            ),
            spec=at(6, 0, day=1),
            policy=policy,
        ),
        billing.ADJUSTMENT_SCHEDULE: Schedule(
            action=ScheduleActionStartWorkflow(
                BillingRunWorkflow.run,
                InvoiceKind.adjustment,
                id="facturation-ajustement",
                task_queue=queue,
            ),
            spec=at(6, 0, day=2, month=4),
            policy=policy,
        ),
        billing.HEADCOUNT_SCHEDULE: Schedule(
            action=ScheduleActionStartWorkflow(
                HeadcountWorkflow.run, id="effectifs", task_queue=queue
            ),
            spec=at(23, 30),
            policy=SchedulePolicy(
                overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=12)
            ),
        ),
    }


def registre_schedule(settings: Settings) -> Schedule:
    """The registre d'autorité's warning of lines whose validity ends within 30 days: each
    morning at 07:00, Montréal time. A run missed while the engine was down is made up within
    a day; a run twice warns once (each mail has its key)."""
    from workflows import registre
    from workflows.registre import RegistreExpiryWorkflow

    every_morning = ScheduleCalendarSpec(hour=[ScheduleRange(7)], minute=[ScheduleRange(0)])
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RegistreExpiryWorkflow.run, id=registre.WORKFLOW_ID, task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(calendars=[every_morning], time_zone_name=registre.TIME_ZONE),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
    )


async def ensure_billing_schedules(client: Client, settings: Settings) -> None:
    """Create billing's Schedules that do not exist yet (every worker calls this at start-up;
    one paused by the CA stays paused)."""
    for schedule_id, schedule in billing_schedules(settings).items():
        await _create_once(client, schedule_id, schedule)


async def ensure_intake_schedule(client: Client, settings: Settings) -> None:
    """The intake's round every SAGIR_INTAKE_SWEEP_SECONDS: created by the intake process when
    it starts (where no intake is deployed, no round is scheduled); once, like the others."""
    from workflows import mail_intake
    from workflows.mail_intake import MailIntakeWorkflow

    rounds = Schedule(
        action=ScheduleActionStartWorkflow(
            MailIntakeWorkflow.run,
            settings.intake_queue,
            id=mail_intake.WORKFLOW_ID,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.intake_sweep_seconds))]
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=1)
        ),
    )
    await _create_once(client, mail_intake.SCHEDULE_ID, rounds)


async def _create_once(client: Client, schedule_id: str, schedule: Schedule) -> None:
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        pass
