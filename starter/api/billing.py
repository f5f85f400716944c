"""Billing over HTTP (issue 15): the MOs' agreements and the rate grid, the headcounts, the
invoices (issued by hand or backfilled; their PDFs and payments), the year's report in JSON and
CSV, and billing's Schedules paused, resumed and backfilled. The CA's billing clerk
(`ca_billing`) manages; an MO's finance officer (`mo_finance`) reads its own MO's; the CA's
supervisors and the auditors read everything. A payment's author is the caller."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field, PlainValidator, WithJsonSchema, computed_field

from models.billing import (
    Agreement,
    InvoiceState,
    InvoiceView,
    Rate,
    RecordPayment,
    YearLine,
)
from models.roles import Action
from models.tickets import MO_CODE_PATTERN, Contract, MoCode, ServiceDate
from starter.api.deps import GuardDep, GuardedRoute, allow, body_without, with_actor
from starter.api.params import Mo
from starter.api.params import MoCode as MoPath
from starter.desks.billing import (
    MONTH,
    Headcount,
    ScheduleStatus,
    parse_month,
    period_of_year,
    report_csv,
)

router = APIRouter(prefix="/billing", tags=["billing"], route_class=GuardedRoute)

_MO = MO_CODE_PATTERN.strip("^$")
# An invoice as people name it: its number, or the key it was issued under.
INVOICE_REF = (
    rf"^(F-\d{{4}}-\d{{6}}|facture-{_MO}-\d{{4}}-\d\d|ajustement-{_MO}-\d{{4}}-\d\d-\d{{4}}-\d\d)$"
)
InvoiceRef = Annotated[
    str,
    Path(
        pattern=INVOICE_REF,
        description="The invoice's number, or its key.",
        examples=["F-2026-000001", "facture-MTQ-2026-11"],
    ),
]
FISCAL_YEAR = r"^20\d\d$"
_FISCAL = "A fiscal year by the year it begins: 2026 is April 2026 to March 2027"
Year = Annotated[
    str | None,
    Query(
        pattern=FISCAL_YEAR,
        description=f"{_FISCAL}; the current one when absent.",
        examples=["2026"],
    ),
]
AnyYear = Annotated[
    str | None,
    Query(pattern=FISCAL_YEAR, description=f"{_FISCAL}; every one when absent.", examples=["2026"]),
]
PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
CSV = {"text/csv": {"schema": {"type": "string"}}}


def _month(value: Any) -> date:
    """`2026-11` -> 2026-11-01 (exactly that form: what the schema's pattern says)."""
    if isinstance(value, str) and MONTH.fullmatch(value):
        return parse_month(value)
    shown = f"{value!r} is not" if isinstance(value, str) and len(value) <= 20 else "give"
    raise ValueError(f"{shown} a month like 2026-11")


# A month as requests give it, `YYYY-MM`; the first day of it once read.
Month = Annotated[
    date,
    PlainValidator(_month),
    WithJsonSchema({"type": "string", "pattern": MONTH.pattern, "examples": ["2026-11"]}),
]


def _fiscal_year(year: str | None) -> date | None:
    return None if year is None else period_of_year(year)


AgreementBody = body_without(Agreement, "mo")
PaymentBody = body_without(RecordPayment, "by")


class RateBody(Contract):
    """A rate added to the grid: dollars per employee per year, in force from `valid_from`
    (from a month's first day on; never changed once added)."""

    per_employee_per_year: Decimal = Field(gt=0, max_digits=9, decimal_places=2)
    valid_from: ServiceDate


class IssueBody(Contract):
    """The MO's invoice of a month, issued now (once per MO and month, whoever asks)."""

    mo: MoCode
    month: Month


class AdjustmentBody(Contract):
    """The MO's year-end adjustment for an ended fiscal year (`2026`: April 2026 to March
    2027): an invoice, or a credit note when the actual average was below the estimate."""

    mo: MoCode
    year: str = Field(pattern=FISCAL_YEAR, examples=["2026"])


class PauseBody(Contract):
    """One MO's monthly invoices; none: the invoices' schedules (never the daily headcount)."""

    mo: MoCode | None = None


class BackfillBody(Contract):
    """A missed month: one MO's invoice, or (no MO) the monthly run as of the month's first day."""

    month: Month
    mo: MoCode | None = None


class InvoiceAnswer(InvoiceState):
    """The invoice's workflow state, with what was paid and what is still owed."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def paid(self) -> Decimal:
        return InvoiceState.paid.fget(self)  # type: ignore[attr-defined,no-any-return]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outstanding(self) -> Decimal:
        return InvoiceState.outstanding.fget(self)  # type: ignore[attr-defined,no-any-return]


class PausedMo(Contract):
    mo: str
    by: str
    since: datetime


class BillingSchedules(Contract):
    """Billing's Schedules (monthly, year-end adjustment, headcount) and the MOs paused."""

    schedules: list[ScheduleStatus]
    paused: list[PausedMo]


class StepDone(Contract):
    """What a step on the schedules did, in one sentence."""

    message: str


def _answer(state: InvoiceState) -> InvoiceAnswer:
    return InvoiceAnswer(**state.model_dump())


# --- agreements and rates -----------------------------------------------------------------


@router.get("/agreements", dependencies=[allow(Action.billing_read)])
async def agreements(guard: GuardDep) -> list[Agreement]:
    """The agreements the caller sees: every MO's, or (an MO's finance officer) its own."""
    return await run_in_threadpool(guard.billing.agreements)


@router.get("/agreements/{mo}", dependencies=[allow(Action.billing_read)])
async def agreement(mo: MoPath, guard: GuardDep) -> Agreement:
    return await run_in_threadpool(guard.billing.agreement, mo)


@router.put("/agreements/{mo}", dependencies=[allow(Action.billing_manage)])
async def keep_agreement(mo: MoPath, body: AgreementBody, guard: GuardDep) -> Agreement:  # type: ignore[valid-type]
    """Record or change the MO's agreement: its first day, estimated headcount and billing
    contact (invoices issued before keep what they were issued with)."""
    return await run_in_threadpool(guard.billing.keep_agreement, with_actor(Agreement, body, mo=mo))


@router.get("/rates", dependencies=[allow(Action.billing_read)])
async def rates(guard: GuardDep) -> list[Rate]:
    """The rate grid: each rate and the day it is in force from."""
    return await run_in_threadpool(guard.billing.grid)


@router.post("/rates", status_code=201, dependencies=[allow(Action.billing_manage)])
async def add_rate(body: RateBody, guard: GuardDep) -> Rate:
    """Add a rate from a day on (409 when the grid has one from that day: a rate is never
    changed, invoices were priced with it)."""
    return await run_in_threadpool(
        guard.billing.add_rate, body.per_employee_per_year, body.valid_from
    )


@router.get("/headcounts/{mo}", dependencies=[allow(Action.billing_read)])
async def headcounts(mo: MoPath, guard: GuardDep, year: Year = None) -> Headcount:
    """The MO's headcount snapshots over a fiscal year, its month-end counts and their mean
    (what the year-end adjustment bills against the estimate)."""
    return await run_in_threadpool(guard.billing.headcount, mo, _fiscal_year(year))


# --- invoices -----------------------------------------------------------------------------


@router.get("/invoices", dependencies=[allow(Action.billing_read)])
async def invoices(
    guard: GuardDep,
    mo: Mo = None,
    year: AnyYear = None,
    open_only: Annotated[bool, Query(alias="open", description="Only those still owed.")] = False,
) -> list[InvoiceView]:
    """The invoices and credit notes the caller sees, oldest first."""
    return await run_in_threadpool(guard.billing.invoices, mo, _fiscal_year(year), open_only)


@router.post("/invoices", status_code=201, dependencies=[allow(Action.billing_manage)])
async def issue(body: IssueBody, request: Request, guard: GuardDep) -> InvoiceAnswer:
    """Issue the MO's invoice of a month now (a missed month, or by hand): numbered, recorded
    in SAGIR's accounts receivable and mailed; 409 when that month's was issued already."""
    state = await guard.billing.issue(body.mo, body.month)
    request.state.record = state.key  # the trail names the invoice's workflow
    return _answer(state)


@router.post("/adjustments", status_code=201, dependencies=[allow(Action.billing_manage)])
async def adjust(body: AdjustmentBody, request: Request, guard: GuardDep) -> InvoiceAnswer:
    """Issue the MO's year-end adjustment once its fiscal year has ended (the Schedule does it
    on April 2): once per MO and year; 409 when issued already or the year has not ended."""
    state = await guard.billing.issue_adjustment(body.mo, period_of_year(body.year))
    request.state.record = state.key
    return _answer(state)


@router.get("/invoices/{number_or_key}", dependencies=[allow(Action.billing_read)])
async def invoice(number_or_key: InvoiceRef, guard: GuardDep) -> InvoiceView:
    return await run_in_threadpool(guard.billing.invoice, number_or_key)


@router.get(
    "/invoices/{number_or_key}/pdf",
    dependencies=[allow(Action.billing_read)],
    response_class=Response,
    responses={200: {"content": PDF, "description": "The invoice's PDF as issued."}},
)
async def invoice_pdf(number_or_key: InvoiceRef, guard: GuardDep) -> Response:
    name, data = await run_in_threadpool(guard.billing.pdf, number_or_key)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/invoices/{number_or_key}/payments", dependencies=[allow(Action.billing_manage)])
async def pay(number_or_key: InvoiceRef, body: PaymentBody, guard: GuardDep) -> InvoiceAnswer:
    """Record a payment, full or partial (409 for more than what is outstanding, or an invoice
    paid already); sent again with the same `reference`, it is recorded once."""
    step = with_actor(RecordPayment, body, by=guard.caller.subject)
    return _answer(await guard.billing.pay(number_or_key, step))


# --- the year's report --------------------------------------------------------------------


@router.get("/report", dependencies=[allow(Action.billing_read)])
async def report(guard: GuardDep, year: Year = None, mo: Mo = None) -> list[YearLine]:
    """Per MO, the fiscal year: invoiced, paid, outstanding and the year-end adjustment."""
    return await run_in_threadpool(guard.billing.report, _fiscal_year(year), mo)


@router.get(
    "/report.csv",
    dependencies=[allow(Action.billing_read)],
    response_class=Response,
    responses={200: {"content": CSV, "description": "One row per MO, amounts with a dot."}},
)
async def report_as_csv(guard: GuardDep, year: Year = None, mo: Mo = None) -> Response:
    lines = await run_in_threadpool(guard.billing.report, _fiscal_year(year), mo)
    return Response(report_csv(lines), media_type="text/csv")


# --- the schedules ------------------------------------------------------------------------


@router.get("/schedules", dependencies=[allow(Action.billing_read)])
async def schedules(guard: GuardDep) -> BillingSchedules:
    """Billing's Schedules (paused or not, their next runs) and the MOs whose billing is
    paused (the CA's; an MO's finance officer is answered 404)."""
    found = await guard.billing.schedule_status()
    paused = [
        PausedMo(mo=mo, by=by, since=since)
        for mo, (by, since) in sorted((await run_in_threadpool(guard.billing.paused_mos)).items())
    ]
    return BillingSchedules(schedules=found, paused=paused)


@router.post("/schedules/pause", dependencies=[allow(Action.billing_manage)])
async def pause(guard: GuardDep, body: PauseBody | None = None) -> StepDone:
    """Pause one MO's monthly invoices, or (no MO) the invoices' schedules; the daily
    headcount goes on (a day's count cannot be taken afterwards)."""
    return StepDone(message=await guard.billing.pause(body.mo if body else None))


@router.post("/schedules/resume", dependencies=[allow(Action.billing_manage)])
async def resume(guard: GuardDep, body: PauseBody | None = None) -> StepDone:
    """Resume one MO's monthly invoices, or (no MO) the invoices' schedules; the months missed
    meanwhile are backfilled."""
    return StepDone(message=await guard.billing.resume(body.mo if body else None))


@router.post("/schedules/backfill", dependencies=[allow(Action.billing_manage)])
async def backfill(body: BackfillBody, guard: GuardDep) -> StepDone:
    """Issue a missed month: one MO's invoice, or the monthly run as it would have run on the
    month's first day (every MO's; one issued already is left as it is)."""
    return StepDone(message=await guard.billing.backfill(body.month, body.mo))
