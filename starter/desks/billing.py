"""Billing (issue 15): the MOs' agreements and the rate grid, the headcounts, the invoices
(issued by the Schedules, backfilled or issued by hand, one per MO and month under its key),
their payments, PDFs and statements, the year's report, and the Schedules paused, resumed and
backfilled. The rules live in `models/billing.py`; the invoices' life in their workflows."""

from __future__ import annotations

import asyncio
import builtins
import csv
import io
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from temporalio.client import (
    Client,
    ScheduleBackfill,
    ScheduleOverlapPolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from adapters.ports import Agreements, BillingRecords, Directory
from models.billing import (
    Agreement,
    InvoiceState,
    InvoiceView,
    IssueInvoice,
    NotBillable,
    Period,
    Rate,
    RecordPayment,
    Snapshot,
    YearLine,
    actual_headcount,
    cents,
    fiscal_year_of,
    month_end_counts,
)
from models.roles import Action, Caller, Role
from models.service_calendar import MONTREAL
from models.tickets import Contract
from starter.desks.access import acting_as_self, authorize, own_mo
from starter.desks.checks import require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine, unreachable
from starter.desks.errors import (
    AlreadyRunning,
    InvalidInput,
    NotFound,
    Refused,
)
from workflows import billing
from workflows.billing import InvoiceWorkflow

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
# How long `issue` waits for the workflow's first step (the number) before answering.
ISSUE_WAIT = timedelta(seconds=15)


def parse_month(text: str) -> date:
    """`2026-11` -> 2026-11-01; one sentence otherwise."""
    found = MONTH.match(text.strip())
    if found is None:
        raise InvalidInput(f"month: {text!r} is not a month like 2026-11")
    return date(int(found[1]), int(found[2]), 1)


class Headcount(Contract):
    """An MO's headcounts over a period: the snapshots, the month-end counts and their mean."""

    mo: str
    first_day: date
    last_day: date
    estimated: int
    snapshots: list[Snapshot]
    month_ends: list[int]
    average: Decimal | None


class ScheduleStatus(Contract):
    id: str
    paused: bool
    note: str
    next_runs: list[datetime]


class Schedules(Protocol):
    """Billing's Temporal Schedules, as the CA's billing clerk controls them."""

    async def pause(self, schedule_id: str, note: str) -> None: ...

    async def resume(self, schedule_id: str, note: str) -> None: ...

    async def backfill(self, schedule_id: str, at: datetime) -> None: ...

    async def status(self, schedule_id: str) -> ScheduleStatus: ...


class TemporalSchedules:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def pause(self, schedule_id: str, note: str) -> None:
        await self._call(self._client.get_schedule_handle(schedule_id).pause(note=note))

    async def resume(self, schedule_id: str, note: str) -> None:
        await self._call(self._client.get_schedule_handle(schedule_id).unpause(note=note))

    async def backfill(self, schedule_id: str, at: datetime) -> None:
        """Run the schedule's action as it would have run at `at` (its scheduled time is `at`,
        so the run bills `at`'s month)."""
        await self._call(
            self._client.get_schedule_handle(schedule_id).backfill(
                ScheduleBackfill(
                    start_at=at - timedelta(seconds=1),
                    end_at=at + timedelta(seconds=1),
                    overlap=ScheduleOverlapPolicy.ALLOW_ALL,
                )
            )
        )

    async def status(self, schedule_id: str) -> ScheduleStatus:
        described = await self._call(self._client.get_schedule_handle(schedule_id).describe())
        state = described.schedule.state
        return ScheduleStatus(
            id=schedule_id,
            paused=state.paused,
            note=state.note or "",
            next_runs=list(described.info.next_action_times[:3]),
        )

    @staticmethod
    async def _call(pending: Awaitable[Any]) -> Any:
        try:
            return await pending
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(
                    "the billing schedule does not exist yet; start the worker once "
                    "(`sagir-desk dev` or `sagir-desk worker`), it creates them"
                ) from None
            if (down := unreachable(error)) is not None:
                raise down from None
            raise


SCHEDULES = (billing.MONTHLY_SCHEDULE, billing.ADJUSTMENT_SCHEDULE, billing.HEADCOUNT_SCHEDULE)
# What `pause` holds: the invoices. The headcount is never paused, since a day's count cannot
# be taken afterwards (the average would silently miss months).
PAUSABLE = (billing.MONTHLY_SCHEDULE, billing.ADJUSTMENT_SCHEDULE)


@dataclass
class BillingDesk:
    engine: Engine
    agreements: Agreements
    records: BillingRecords
    directory: Directory
    schedules: Schedules | None = None
    clock: Clock = utc_now

    def today(self) -> date:
        return self.clock().astimezone(MONTREAL).date()

    # --- agreements and rates -------------------------------------------------------------

    def keep_agreement(self, agreement: Agreement, by: str) -> Agreement:
        require_mo(self.directory, agreement.mo)
        return self.agreements.keep_agreement(agreement, by, self.clock())

    def agreement(self, mo: str) -> Agreement:
        found = self.agreements.agreement(mo)
        if found is None:
            raise NotFound(f"{mo}'s agreement does not exist")
        return found

    def all_agreements(self) -> builtins.list[Agreement]:
        return self.agreements.agreements()

    def add_rate(self, per_employee_per_year: Decimal, valid_from: date, by: str) -> Rate:
        if per_employee_per_year <= 0 or per_employee_per_year != cents(per_employee_per_year):
            raise InvalidInput("rate: give dollars per employee per year, above 0, to the cent")
        if valid_from.day != 1:
            raise InvalidInput(
                f"valid_from: {valid_from.isoformat()} is not a month's first day; a rate "
                "prices whole months"
            )
        billed = self.records.last_billed_month()
        if billed is not None and valid_from <= billed:
            raise Refused(
                f"valid_from: invoices of {billed:%Y-%m} were issued at the rate then in force; "
                "a new rate applies from a later month, never to an issued invoice"
            )
        rate = Rate(per_employee_per_year=per_employee_per_year, valid_from=valid_from)
        if not self.agreements.add_rate(rate, by, self.clock()):
            raise Refused(
                f"valid_from: the grid has a rate from {valid_from.isoformat()} already; a rate "
                "once in the grid is never changed (invoices were priced with it): add one "
                "from a later date"
            )
        return rate

    def grid(self) -> builtins.list[Rate]:
        return self.agreements.grid()

    def headcount(self, mo: str, year_of: date | None = None) -> Headcount:
        agreement = self.agreement(mo)
        period = self._period(agreement, year_of or max(self.today(), agreement.first_day))
        snapshots = self.agreements.snapshots(mo, period)
        ends = month_end_counts(snapshots, period)
        return Headcount(
            mo=mo,
            first_day=period.first_day,
            last_day=period.last_day,
            estimated=agreement.estimated_headcount,
            snapshots=snapshots,
            month_ends=ends,
            average=actual_headcount(ends).quantize(Decimal("0.01")) if ends else None,
        )

    @staticmethod
    def _period(agreement: Agreement, year_of: date) -> Period:
        """The agreement's period in the fiscal year holding `year_of`."""
        first, last = fiscal_year_of(year_of)
        if last < agreement.first_day:
            raise InvalidInput(
                f"year: {agreement.mo}'s agreement begins on {agreement.first_day.isoformat()}, "
                f"after the fiscal year {first.year}-{last.year}"
            )
        return agreement.period_of(max(year_of, agreement.first_day))

    # --- invoices -------------------------------------------------------------------------

    async def issue(self, mo: str, month: date, by: str) -> InvoiceState:
        """Issue the MO's invoice of `month` now (a missed month, or by hand): once per MO and
        month, whoever asks; the state once numbered."""
        if month.replace(day=1) > self.today():
            raise InvalidInput(
                f"month: {month:%Y-%m} has not begun; it is billed from its first day"
            )
        asked = IssueInvoice.monthly(mo, month, by)
        return await self._issue(asked)

    async def issue_adjustment(self, mo: str, year_of: date, by: str) -> InvoiceState:
        """Issue the MO's year-end adjustment for the period holding `year_of` (ended)."""
        agreement = self.agreement(mo)
        period = self._period(agreement, year_of)
        if period.last_day >= self.today():
            raise Refused(
                f"year: the period {period.first_day.isoformat()} to "
                f"{period.last_day.isoformat()} has not ended; its adjustment follows its end"
            )
        return await self._issue(IssueInvoice.year_end(mo, period, by))

    async def _issue(self, asked: IssueInvoice) -> InvoiceState:
        require_mo(self.directory, asked.mo)
        self._check_billable(asked)
        try:
            await self.engine.start(
                InvoiceWorkflow.run, asked, asked.key, [], again=False, after_failure=True
            )
        except AlreadyRunning:
            existing = self.records.view(asked.key)
            number = existing.invoice.number if existing else asked.key
            raise Refused(
                f"{asked.key}: this invoice was issued already ({number}); one invoice per MO "
                "and month"
            ) from None
        waited = timedelta(0)
        while True:
            state: InvoiceState = await self.engine.state(InvoiceWorkflow, asked.key)
            if state.invoice is not None or waited >= ISSUE_WAIT:
                return state
            await asyncio.sleep(0.2)
            waited += timedelta(seconds=0.2)

    def _check_billable(self, asked: IssueInvoice) -> None:
        """Refuse at the door what the workflow could not issue (no agreement, a month before
        it, no rate in force, no headcount snapshot): nothing is started."""
        try:
            self.records.price(asked, self.today())
        except NotBillable as refused:
            raise InvalidInput(str(refused)) from None

    def invoice(self, key_or_number: str) -> InvoiceView:
        found = self.records.view(key_or_number.strip())
        if found is None:
            raise NotFound(f"{key_or_number} does not exist")
        return found

    def invoices(
        self, mo: str | None = None, year_of: date | None = None, open_only: bool = False
    ) -> builtins.list[InvoiceView]:
        return self.records.views(mo, year_of, open_only)

    def pdf(self, key_or_number: str) -> tuple[str, bytes]:
        found = self.records.pdf(key_or_number.strip())
        if found is None:
            raise NotFound(f"{key_or_number} does not exist")
        return found

    async def pay(self, key_or_number: str, payment: RecordPayment) -> InvoiceState:
        """Record a payment (full or partial); a payment sent again with the same reference is
        recorded once."""
        view = self.invoice(key_or_number)
        key = view.invoice.key
        if payment.paid_on > self.today():
            raise InvalidInput(f"paid_on: {payment.paid_on.isoformat()} has not come yet")
        if payment.paid_on < view.invoice.issued_on:
            raise InvalidInput(
                f"paid_on: {payment.paid_on.isoformat()} is before {view.invoice.number} was "
                f"issued ({view.invoice.issued_on.isoformat()})"
            )
        for recorded in view.payments:
            if payment.reference and recorded.reference == payment.reference:
                if (recorded.amount, recorded.paid_on) != (payment.amount, payment.paid_on):
                    raise Refused(
                        f"reference: {payment.reference} was recorded already for "
                        f"{recorded.amount:,.2f} $ paid on {recorded.paid_on.isoformat()}; "
                        "give another payment its own reference"
                    )
        # The same payment sent twice (a retried request) is one step, taken once.
        update_id = (
            f"{key}/paiement/{payment.reference}/{payment.amount}/{payment.paid_on.isoformat()}"
            if payment.reference
            else None
        )
        try:
            state: InvoiceState = await self.engine.step(
                InvoiceWorkflow.pay, payment, key, update_id=update_id
            )
        except NotFound:
            raise Refused(
                f"{view.invoice.number} is {view.status.value}: there is nothing left to pay"
            ) from None
        return state

    def report(self, year_of: date | None = None, mo: str | None = None) -> builtins.list[YearLine]:
        return self.records.year_report(year_of or self.today(), mo)

    # --- the schedules --------------------------------------------------------------------

    def _schedules(self) -> Schedules:
        if self.schedules is None:
            raise Refused("this door has no connection to the engine's schedules")
        return self.schedules

    async def schedule_status(self) -> builtins.list[ScheduleStatus]:
        return [await self._schedules().status(one) for one in SCHEDULES]

    def paused_mos(self) -> dict[str, tuple[str, datetime]]:
        return self.records.paused()

    async def pause(self, mo: str | None, by: str) -> str:
        """Pause one MO's monthly invoices, or (no MO) every billing schedule."""
        if mo is not None:
            if not self.records.pause(mo, by, self.clock()):
                raise InvalidInput(f"mo: {mo} has no shared-services agreement")
            return f"billing of {mo} paused: its monthly invoices are not issued until resumed"
        for one in PAUSABLE:
            await self._schedules().pause(one, f"paused by {by}")
        return "billing schedules paused (the daily headcount goes on)"

    async def resume(self, mo: str | None, by: str) -> str:
        if mo is not None:
            if not self.records.resume(mo):
                raise InvalidInput(f"mo: {mo} has no shared-services agreement")
            return (
                f"billing of {mo} resumed; issue the months missed with "
                f"`sagir-desk billing schedule backfill --mo {mo} --month YYYY-MM`"
            )
        for one in PAUSABLE:
            await self._schedules().resume(one, f"resumed by {by}")
        return "billing schedules resumed"

    async def backfill(self, month: date, mo: str | None, by: str) -> str:
        """Issue a missed month: one MO's invoice, or the monthly run as it would have run on
        the month's first day (every MO's; those issued already are left as they are)."""
        if month > self.today():
            raise InvalidInput(f"month: {month:%Y-%m} has not begun; nothing to backfill yet")
        if mo is not None:
            state = await self.issue(mo, month, by)
            number = state.invoice.number if state.invoice else state.key
            return f"{number} issued for {mo}, {month:%Y-%m}"
        fire = datetime(month.year, month.month, 1, 6, 0, tzinfo=MONTREAL)
        await self._schedules().backfill(billing.MONTHLY_SCHEDULE, fire)
        return f"monthly run of {month:%Y-%m} backfilled: each MO's invoice is issued once"


def report_csv(lines: builtins.list[YearLine]) -> str:
    """The year's report for the CA's finance team: one row per MO, amounts with a dot."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["mo", "annee", "facture", "paye", "du", "ajustement", "credite"])
    for line in lines:
        writer.writerow(
            [
                line.mo,
                line.year,
                line.invoiced,
                line.paid,
                line.outstanding,
                line.adjustment,
                line.credited,
            ]
        )
    return out.getvalue()


def period_of_year(text: str) -> date:
    """`2026` (the fiscal year 2026-2027) -> 2026-04-01; one sentence otherwise."""
    if not re.fullmatch(r"20\d\d", text.strip()):
        raise InvalidInput(
            f"year: {text!r} is not a fiscal year like 2026 (April 2026 to March 2027)"
        )
    return fiscal_year_of(date(int(text), 4, 1))[0]


@dataclass
class GuardedBilling:
    """Who may: the CA's billing clerk (ca_billing) manages and reads everything; the CA's
    supervisors and the auditors read everything; an MO's finance officer (mo_finance) reads
    its own MO's agreement, invoices, PDFs, headcounts and statement."""

    desk: BillingDesk
    caller: Caller

    def _manage(self) -> None:
        authorize(self.caller, Action.billing_manage)

    def _read(self, mo: str | None = None, record: str = "") -> None:
        authorize(self.caller, Action.billing_read, mo, record)

    def _scope(self, mo: str | None) -> str | None:
        """The MO a reading is limited to: an MO's role reads its own only."""
        self._read()
        if self.caller.spans_mos:
            return mo
        if mo is not None:
            own_mo(self.caller, mo)
        return self.caller.mo

    def keep_agreement(self, agreement: Agreement) -> Agreement:
        self._manage()
        return self.desk.keep_agreement(agreement, self.caller.subject)

    def agreement(self, mo: str) -> Agreement:
        self._read(mo, f"{mo}'s agreement")
        return self.desk.agreement(mo)

    def agreements(self) -> builtins.list[Agreement]:
        scope = self._scope(None)
        return [one for one in self.desk.all_agreements() if scope is None or one.mo == scope]

    def add_rate(self, per_employee_per_year: Decimal, valid_from: date) -> Rate:
        self._manage()
        return self.desk.add_rate(per_employee_per_year, valid_from, self.caller.subject)

    def grid(self) -> builtins.list[Rate]:
        self._read()
        return self.desk.grid()

    def headcount(self, mo: str, year_of: date | None = None) -> Headcount:
        self._read(mo, f"{mo}'s headcount")
        return self.desk.headcount(mo, year_of)

    async def issue(self, mo: str, month: date) -> InvoiceState:
        self._manage()
        return await self.desk.issue(mo, month, self.caller.subject)

    async def issue_adjustment(self, mo: str, year_of: date) -> InvoiceState:
        self._manage()
        return await self.desk.issue_adjustment(mo, year_of, self.caller.subject)

    def invoice(self, key_or_number: str) -> InvoiceView:
        self._read()
        found = self.desk.invoice(key_or_number)
        self._read(found.invoice.mo, key_or_number)
        return found

    def invoices(
        self, mo: str | None = None, year_of: date | None = None, open_only: bool = False
    ) -> builtins.list[InvoiceView]:
        return self.desk.invoices(self._scope(mo), year_of, open_only)

    def pdf(self, key_or_number: str) -> tuple[str, bytes]:
        self.invoice(key_or_number)  # who may see it
        return self.desk.pdf(key_or_number)

    async def pay(self, key_or_number: str, payment: RecordPayment) -> InvoiceState:
        self._manage()
        acting_as_self(self.caller, "by", payment.by)
        return await self.desk.pay(key_or_number, payment)

    def report(self, year_of: date | None = None, mo: str | None = None) -> builtins.list[YearLine]:
        return self.desk.report(year_of, self._scope(mo))

    async def schedule_status(self) -> builtins.list[ScheduleStatus]:
        self._read()
        if self.caller.role is Role.mo_finance:
            raise NotFound("the billing schedules are the CA's")
        return await self.desk.schedule_status()

    def paused_mos(self) -> dict[str, tuple[str, datetime]]:
        scope = self._scope(None)
        return {mo: why for mo, why in self.desk.paused_mos().items() if scope in (None, mo)}

    async def pause(self, mo: str | None) -> str:
        self._manage()
        return await self.desk.pause(mo, self.caller.subject)

    async def resume(self, mo: str | None) -> str:
        self._manage()
        return await self.desk.resume(mo, self.caller.subject)

    async def backfill(self, month: date, mo: str | None) -> str:
        self._manage()
        return await self.desk.backfill(month, mo, self.caller.subject)
