"""Billing in the console (issue 15): the CA billing clerk's « Facturation » page (the MOs'
agreements, the rate grid, this month's invoices, the Schedules, and the forms that add a rate,
issue an MO's invoice of a month, backfill a month, pause and resume an MO's billing), the
agreement's form, the invoices with their filters, an invoice's page (its PDF, its payments and
reminders, and the clerk's payment form), an MO's statement for a fiscal year, and the year's
report with its CSV. Every step goes through the guarded billing desk, as the API's and the
command line's do: an MO's finance officer reads its own MO only, the supervisors and the
auditors read everything, the clerk alone changes anything."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from models.billing import (
    OWED,
    Agreement,
    InvoiceKind,
    InvoiceStatus,
    InvoiceView,
    RecordPayment,
    fiscal_year_of,
    money_fr,
    number_fr,
)
from models.roles import Action, Role
from models.tickets import Contract, MoCode, ServiceDate
from starter.console.french import MONTHS, in_french
from starter.console.pages import render, templates
from starter.console.session import ConsoleGuard, Form, desks_of, may
from starter.console.steps import status_of
from starter.desks.billing import parse_month, period_of_year, report_csv
from starter.desks.compose import GuardedDesks
from starter.desks.errors import (
    DeskError,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    Unavailable,
    parse,
)
from workflows import billing as schedules

router = APIRouter(prefix="/console", include_in_schema=False)

HOME = "/console/facturation"
INVOICES = "/console/factures"
STATEMENTS = "/console/releve"
REPORT = "/console/facturation/rapport"

STATUS_NAMES = {
    InvoiceStatus.issued: "Émise",
    InvoiceStatus.overdue: "En retard",
    InvoiceStatus.paid: "Payée",
    InvoiceStatus.credit_open: "Crédit ouvert",
    InvoiceStatus.credit_settled: "Crédit appliqué",
}
KIND_NAMES = {
    InvoiceKind.monthly: "Facture mensuelle",
    InvoiceKind.adjustment: "Facture d'ajustement",
    InvoiceKind.credit_note: "Note de crédit",
}
SCHEDULE_NAMES = {
    schedules.MONTHLY_SCHEDULE: "Factures du mois (le 1er de chaque mois, à 6 h)",
    schedules.ADJUSTMENT_SCHEDULE: "Ajustement de fin d'exercice (le 2 avril, à 6 h)",
    schedules.HEADCOUNT_SCHEDULE: "Effectifs du jour (chaque soir, à 23 h 30)",
}
# What each step of the « Facturation » page says once done (its MO and month, when it has
# them, come back in the address: `?fait=suspendu&mo=MTQ`).
DONE: dict[str, Callable[[str, str], str]] = {
    "entente": lambda mo, _: f"L'entente de services partagés de {mo} est enregistrée.",
    "tarif": lambda _, __: "Le tarif est ajouté à la grille.",
    "suspendu": lambda mo, _: (
        f"La facturation de {mo} est suspendue : ses factures mensuelles ne sont plus émises "
        "jusqu'à sa reprise."
    ),
    "repris": lambda mo, month: (
        f"La facturation de {mo} reprend. Rattrapez au besoin les mois manqués avec le "
        "formulaire « Rattraper un mois »."
    ),
    "planifications-suspendues": lambda _, __: (
        "Les planifications de facturation sont suspendues : aucune facture n'est émise "
        "jusqu'à leur reprise (le relevé quotidien des effectifs continue)."
    ),
    "planifications-reprises": lambda _, __: "Les planifications de facturation reprennent.",
    "rattrape": lambda mo, month: (
        f"Le mois de {month} est rattrapé pour {mo} : sa facture est émise."
        if mo
        else f"La facturation mensuelle de {month} est relancée : la facture de chaque "
        "organisme est émise une seule fois (celles déjà émises restent telles quelles)."
    ),
}
INVOICE_DONE = {
    "emise": (
        "La facture est émise : elle est inscrite aux comptes clients de SAGIR et envoyée par "
        "courriel au contact de facturation de l'organisme."
    ),
    "paiement": "Le paiement est enregistré.",
}
# The forms of the « Facturation » page, each with its own place for a refusal.
HOME_STEPS = ("tarif", "emettre", "rattraper", "suspendre", "reprendre")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_MO = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


# --- how billing reads in French --------------------------------------------------------------


def day_fr(day: date | None) -> str:
    """`1er avril 2026`, `26 novembre 2026`."""
    if day is None:
        return ""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def month_fr(month: date) -> str:
    """`novembre 2026`."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def period_fr(first: date, last: date) -> str:
    """A whole month as `novembre 2026`; any other period `du 1er avril 2026 au 31 mars 2027`."""
    next_day = date.fromordinal(last.toordinal() + 1)
    if (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and (next_day.day == 1)
    ):
        return month_fr(first)
    return f"du {day_fr(first)} au {day_fr(last)}"


def year_fr(first_day: date) -> str:
    """The fiscal year holding `first_day`: `2026-2027`."""
    first, last = fiscal_year_of(first_day)
    return f"{first.year}-{last.year}"


def headcount_fr(value: Decimal | int) -> str:
    """`1 000`, `1 041,67`."""
    amount = Decimal(value)
    return number_fr(amount, 0 if amount == amount.to_integral_value() else 2)


def amount_given(text: str) -> str:
    """An amount as a person types it in Québec (`16 250,00 $`, `16250.00`), for the contract
    to read: spaces and the dollar sign left out, the decimal comma a dot."""
    return _SPACES.sub("", text).removesuffix("$").replace(",", ".")


def money(amount: Decimal | int) -> str:
    """`16 250,00 $`."""
    return money_fr(Decimal(amount))


templates.env.filters["argent"] = money
templates.env.filters["jour"] = day_fr
templates.env.filters["effectif"] = headcount_fr


class RateForm(Contract):
    """The rate form's fields as the desk takes them."""

    per_employee_per_year: Decimal
    valid_from: ServiceDate


class MoForm(Contract):
    mo: MoCode


def _mo(text: str, optional: bool = False) -> str | None:
    """The MO a form names (its code); none given is None where the form allows it."""
    code = text.strip().upper()
    if optional and not code:
        return None
    return parse(MoForm, mo=code).mo


def _year(text: str | None, default: date | None) -> date | None:
    """The fiscal year a filter names (`2026`), or `default` when none is given."""
    if not (text or "").strip():
        return default
    return period_of_year(str(text))


def _years(agreements: list[Agreement], today: date) -> list[tuple[str, str]]:
    """The fiscal years to choose from, newest first: from the earliest agreement's to this
    one (`2026`, `2026-2027`)."""
    first = min([one.first_day for one in agreements] or [today])
    since, _ = fiscal_year_of(first)
    now, _ = fiscal_year_of(today)
    return [(str(year), f"{year}-{year + 1}") for year in range(now.year, since.year - 1, -1)]


def _row(view: InvoiceView) -> dict[str, Any]:
    invoice = view.invoice
    return {
        "view": view,
        "invoice": invoice,
        "kind": KIND_NAMES[invoice.kind],
        "period": period_fr(invoice.first_day, invoice.last_day),
        "status": STATUS_NAMES[view.status],
        "late": view.status is InvoiceStatus.overdue,
    }


def _where(path: str, **query: str | None) -> str:
    kept = {name: value for name, value in query.items() if value}
    return f"{path}?{urlencode(kept)}" if kept else path


RefusedPage = Callable[[tuple[str, str], int], Awaitable[Response]]


async def _step(
    step: str, action: Callable[[], Awaitable[str]], refused_page: RefusedPage
) -> Response:
    """Take `action` (the guarded desk's step, returning where to go once done); or show the
    page again with the refusal in French beside the form that sent it. A role that may not
    is the app's 403 page."""
    try:
        done = await action()
    except Forbidden:
        raise
    except DeskError as refused:
        status = 404 if isinstance(refused, NotFound) else status_of(refused)
        return await refused_page((step, in_french(str(refused))), status)
    return RedirectResponse(done, status_code=303)


# --- « Facturation » --------------------------------------------------------------------------


@router.get("/facturation", dependencies=[may(Action.billing_read)])
async def home(
    request: Request,
    guard: ConsoleGuard,
    fait: str | None = None,
    mo: str | None = None,
    mois: str | None = None,
) -> Response:
    done = None
    if fait in DONE:
        # Only what a step of this page puts in the address is said back.
        code = (mo or "").upper() if _MO.match((mo or "").upper()) else ""
        month = ""
        if mois:
            try:
                month = month_fr(parse_month(mois))
            except InvalidInput:
                month = ""
        done = DONE[fait](code, month)
    return await _home_page(request, guard, done=done)


async def _home_page(
    request: Request,
    guard: GuardedDesks,
    refused: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    caller = guard.caller
    desk = desks_of(request).billing
    today = desk.today()
    agreements = await run_in_threadpool(guard.billing.agreements)
    paused = guard.billing.paused_mos()
    month = today.replace(day=1)
    this_month = [
        _row(view)
        for view in await run_in_threadpool(guard.billing.invoices, None, today)
        if view.invoice.first_day == month
        or (view.invoice.issued_on.year, view.invoice.issued_on.month) == (today.year, today.month)
    ]
    schedule_rows: list[dict[str, Any]] = []
    schedules_note = None
    if caller.role is not Role.mo_finance:
        try:
            for status in await guard.billing.schedule_status():
                schedule_rows.append(
                    {
                        "status": status,
                        "name": SCHEDULE_NAMES.get(status.id, status.id),
                        "state": "Suspendue" if status.paused else "Active",
                    }
                )
        except (NotFound, Refused, Unavailable) as missing:
            # No worker started yet on this engine (it creates them), or no engine at all.
            schedules_note = in_french(str(missing))
    manages = caller.may(Action.billing_manage)
    return render(
        request,
        "billing/home.html",
        status_code=status_code,
        agreements=[
            {
                "agreement": one,
                "period": year_fr(max(today, one.first_day)),
                "paused": paused.get(one.mo),
            }
            for one in agreements
        ],
        grid=sorted(await run_in_threadpool(guard.billing.grid), key=lambda r: r.valid_from),
        this_month=this_month,
        month=month_fr(month),
        schedules=schedule_rows,
        schedules_note=schedules_note,
        manages=manages,
        mos=desk.directory.mos() if manages else [],
        values=values or {},
        defaults={"month": f"{today:%Y-%m}", "valid_from": today.isoformat()},
        steps=HOME_STEPS,
        refused=refused,
        done=done,
        title="Facturation",
    )


def _home_again(request: Request, guard: GuardedDesks, values: dict[str, str]) -> RefusedPage:
    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _home_page(request, guard, refused=refused, values=values, status_code=status)

    return again


@router.post("/facturation/tarifs", dependencies=[may(Action.billing_manage)])
async def add_rate(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """A rate added to the grid, from its date on (a rate in the grid never changes)."""

    async def take() -> str:
        given = parse(
            RateForm,
            per_employee_per_year=amount_given(form.get("per_employee_per_year", "")),
            valid_from=form.get("valid_from", ""),
        )
        guard.billing.add_rate(given.per_employee_per_year, given.valid_from)
        return _where(HOME, fait="tarif")

    return await _step("tarif", take, _home_again(request, guard, form))


@router.post("/facturation/emettre", dependencies=[may(Action.billing_manage)])
async def issue(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """The MO's invoice of a month, issued now (once per MO and month, whoever asks)."""

    async def take() -> str:
        mo = _mo(form.get("mo", ""))
        month = parse_month(form.get("month", ""))
        assert mo is not None
        state = await guard.billing.issue(mo, month)
        shown = state.invoice.number if state.invoice else state.key
        return _where(f"{INVOICES}/{quote(shown)}", fait="emise")

    return await _step("emettre", take, _home_again(request, guard, form))


@router.post("/facturation/rattraper", dependencies=[may(Action.billing_manage)])
async def backfill(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """A month missed (the engine down, a paused MO resumed): one MO's invoice, or the monthly
    run as it would have run on the month's first day."""

    async def take() -> str:
        mo = _mo(form.get("mo", ""), optional=True)
        month = parse_month(form.get("month", ""))
        await guard.billing.backfill(month, mo)
        return _where(HOME, fait="rattrape", mo=mo, mois=f"{month:%Y-%m}")

    return await _step("rattraper", take, _home_again(request, guard, form))


@router.post("/facturation/suspendre", dependencies=[may(Action.billing_manage)])
async def pause(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """One MO's monthly invoices paused; no MO named: the invoices' Schedules (the daily
    headcount goes on)."""
    return await _pause_or_resume(request, form, guard, "suspendre")


@router.post("/facturation/reprendre", dependencies=[may(Action.billing_manage)])
async def resume(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    return await _pause_or_resume(request, form, guard, "reprendre")


async def _pause_or_resume(
    request: Request, form: Form, guard: ConsoleGuard, step: str
) -> Response:
    pausing = step == "suspendre"

    async def take() -> str:
        mo = _mo(form.get("mo", ""), optional=True)
        await (guard.billing.pause(mo) if pausing else guard.billing.resume(mo))
        if mo is None:
            return _where(
                HOME, fait="planifications-suspendues" if pausing else "planifications-reprises"
            )
        return _where(HOME, fait="suspendu" if pausing else "repris", mo=mo)

    return await _step(step, take, _home_again(request, guard, {}))


# --- the agreement's form ---------------------------------------------------------------------


@router.get("/facturation/entente", dependencies=[may(Action.billing_manage)])
async def agreement_form(request: Request, guard: ConsoleGuard, mo: str | None = None) -> Response:
    values: dict[str, str] = {}
    code = (mo or "").strip().upper()
    if code:
        try:
            found = guard.billing.agreement(code)
        except NotFound:
            values = {"mo": code}
        else:
            values = {
                "mo": found.mo,
                "first_day": found.first_day.isoformat(),
                "estimated_headcount": str(found.estimated_headcount),
                "billing_contact": found.billing_contact,
            }
    return _agreement_page(request, guard, values)


def _agreement_page(
    request: Request,
    guard: GuardedDesks,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    desk = desks_of(request).billing
    known = {one.mo for one in guard.billing.agreements()}
    return render(
        request,
        "billing/agreement.html",
        status_code=status_code,
        values=values,
        mos=desk.directory.mos(),
        known=known,
        error=error,
        title="Entente de services partagés",
    )


@router.post("/facturation/entente", dependencies=[may(Action.billing_manage)])
async def keep_agreement(request: Request, form: Form, guard: ConsoleGuard) -> Response:
    """The MO's agreement recorded, or its terms replaced (one agreement per MO)."""
    values = {
        name: form.get(name, "")
        for name in ("mo", "first_day", "estimated_headcount", "billing_contact")
    }
    try:
        agreement = parse(
            Agreement,
            mo=values["mo"].strip().upper(),
            first_day=values["first_day"],
            estimated_headcount=_SPACES.sub("", values["estimated_headcount"]),
            billing_contact=values["billing_contact"],
        )
        guard.billing.keep_agreement(agreement)
    except Forbidden:
        raise
    except DeskError as refused:
        return _agreement_page(
            request, guard, values, error=in_french(str(refused)), status_code=status_of(refused)
        )
    return RedirectResponse(_where(HOME, fait="entente", mo=agreement.mo), status_code=303)


# --- the invoices -----------------------------------------------------------------------------


@router.get("/factures", dependencies=[may(Action.billing_read)])
async def invoices(
    request: Request,
    guard: ConsoleGuard,
    mo: str | None = None,
    exercice: str | None = None,
    impayees: str | None = None,
) -> Response:
    """The invoices the person may read, oldest first: of an MO, of a fiscal year, owed only."""
    caller = guard.caller
    desk = desks_of(request).billing
    code = (mo or "").strip().upper() or None
    values = {"mo": code or "", "exercice": (exercice or "").strip(), "impayees": impayees or ""}
    agreements = await run_in_threadpool(guard.billing.agreements)
    error = None
    rows: list[dict[str, Any]] = []
    try:
        year_of = _year(exercice, None)
        # An MO's role reads its own MO's: the MO filter is the CA's.
        found = await run_in_threadpool(
            guard.billing.invoices, code if caller.spans_mos else None, year_of, bool(impayees)
        )
        rows = [_row(view) for view in found]
    except (InvalidInput, NotFound) as refused:
        error = in_french(str(refused))
    outstanding = sum((row["view"].outstanding for row in rows), Decimal("0.00"))
    return render(
        request,
        "billing/invoices.html",
        status_code=422 if error else 200,
        rows=rows,
        outstanding=outstanding,
        values=values,
        mos=[one.mo for one in agreements] if caller.spans_mos else [],
        years=_years(agreements, desk.today()),
        error=error,
        title="Factures",
    )


@router.get("/factures/{invoice_id}", dependencies=[may(Action.billing_read)])
async def show(
    request: Request, invoice_id: str, guard: ConsoleGuard, fait: str | None = None
) -> Response:
    return await _invoice_page(request, guard, invoice_id, done=INVOICE_DONE.get(fait or ""))


async def _invoice_page(
    request: Request,
    guard: GuardedDesks,
    invoice_id: str,
    refused: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    caller = guard.caller
    view = await run_in_threadpool(guard.billing.invoice, invoice_id)
    invoice = view.invoice
    payable = (
        caller.may(Action.billing_manage)
        and invoice.kind is not InvoiceKind.credit_note
        and view.status in OWED
    )
    today = desks_of(request).billing.today()
    return render(
        request,
        "billing/invoice.html",
        status_code=status_code,
        view=view,
        invoice=invoice,
        row=_row(view),
        payable=payable,
        values=values or {"amount": number_fr(view.outstanding, 2), "paid_on": today.isoformat()},
        year=fiscal_year_of(invoice.first_day)[0].year,
        refused=refused,
        done=done,
        title=f"{KIND_NAMES[invoice.kind]} {invoice.number}",
    )


@router.get("/factures/{invoice_id}/pdf", dependencies=[may(Action.billing_read)])
async def pdf(invoice_id: str, guard: ConsoleGuard) -> Response:
    """The invoice's PDF as it was issued (and mailed), shown in the browser."""
    name, data = await run_in_threadpool(guard.billing.pdf, invoice_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/factures/{invoice_id}/paiement", dependencies=[may(Action.billing_manage)])
async def pay(request: Request, invoice_id: str, form: Form, guard: ConsoleGuard) -> Response:
    """A payment recorded against the invoice (full or partial); one sent again with the same
    reference is recorded once."""
    values = {name: form.get(name, "") for name in ("amount", "paid_on", "reference")}

    async def take() -> str:
        payment = parse(
            RecordPayment,
            amount=amount_given(values["amount"]),
            paid_on=values["paid_on"],
            reference=values["reference"].strip(),
            by=guard.caller.subject,
        )
        state = await guard.billing.pay(invoice_id, payment)
        shown = state.invoice.number if state.invoice else invoice_id
        return _where(f"{INVOICES}/{quote(shown)}", fait="paiement")

    async def again(refused: tuple[str, str], status: int) -> Response:
        return await _invoice_page(
            request, guard, invoice_id, refused=refused, values=values, status_code=status
        )

    return await _step("paiement", take, again)


# --- an MO's statement ------------------------------------------------------------------------


@router.get("/releve", dependencies=[may(Action.billing_read)])
async def statements(request: Request, guard: ConsoleGuard) -> Response:
    """An MO's finance officer goes to its own MO's statement; the CA chooses the MO."""
    caller = guard.caller
    if not caller.spans_mos:
        return RedirectResponse(f"{STATEMENTS}/{quote(str(caller.mo))}", status_code=303)
    agreements = await run_in_threadpool(guard.billing.agreements)
    return render(
        request,
        "billing/statements.html",
        agreements=agreements,
        title="Relevés des organismes",
    )


@router.get("/releve/{mo}", dependencies=[may(Action.billing_read)])
async def statement(
    request: Request, mo: str, guard: ConsoleGuard, exercice: str | None = None
) -> Response:
    """The MO's invoices of a fiscal year and their totals; another MO's does not exist for an
    MO's role."""
    code = mo.strip().upper()
    # The agreement first: another MO's is "not found" for an MO's role, as is an MO without one.
    agreement = guard.billing.agreement(code)
    desk = desks_of(request).billing
    today = desk.today()
    error = None
    rows: list[dict[str, Any]] = []
    totals = None
    chosen = max(today, agreement.first_day)
    try:
        chosen = _year(exercice, chosen) or chosen
        found = await run_in_threadpool(guard.billing.invoices, code, chosen)
        rows = [_row(view) for view in found]
        lines = await run_in_threadpool(guard.billing.report, chosen, code)
        totals = lines[0] if lines else None
    except InvalidInput as refused:
        error = in_french(str(refused))
    return render(
        request,
        "billing/statement.html",
        status_code=422 if error else 200,
        agreement=agreement,
        mo_name=_mo_name(request, code),
        rows=rows,
        totals=totals,
        year=year_fr(chosen),
        chosen=str(fiscal_year_of(chosen)[0].year),
        years=_years([agreement], today),
        error=error,
        title=f"Relevé de {code}, exercice {year_fr(chosen)}",
    )


def _mo_name(request: Request, code: str) -> str:
    found = desks_of(request).billing.directory.mo(code)
    return found.name if found else code


# --- the year's report ------------------------------------------------------------------------


@router.get("/facturation/rapport", dependencies=[may(Action.billing_read)])
async def report(request: Request, guard: ConsoleGuard, exercice: str | None = None) -> Response:
    """Per MO, the fiscal year: invoiced, paid, outstanding, the year-end adjustment."""
    today = desks_of(request).billing.today()
    agreements = await run_in_threadpool(guard.billing.agreements)
    error = None
    lines = []
    chosen = today
    try:
        chosen = _year(exercice, today) or today
        lines = await run_in_threadpool(guard.billing.report, chosen, None)
    except InvalidInput as refused:
        error = in_french(str(refused))
    totals = {
        name: sum((getattr(line, name) for line in lines), Decimal("0.00"))
        for name in ("invoiced", "credited", "paid", "outstanding", "adjustment")
    }
    first = fiscal_year_of(chosen)[0].year
    return render(
        request,
        "billing/report.html",
        status_code=422 if error else 200,
        lines=lines,
        totals=totals,
        year=year_fr(chosen),
        chosen=str(first),
        years=_years(agreements, today),
        error=error,
        title=f"Rapport annuel de facturation, exercice {year_fr(chosen)}",
    )


@router.get("/facturation/rapport.csv", dependencies=[may(Action.billing_read)])
async def report_download(
    request: Request, guard: ConsoleGuard, exercice: str | None = None
) -> Response:
    """The same CSV as the API's and `sagir-desk billing report --csv`."""
    chosen = _year(exercice, None) or desks_of(request).billing.today()
    lines = await run_in_threadpool(guard.billing.report, chosen, None)
    return Response(
        report_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="facturation-{year_fr(chosen)}.csv"'
        },
    )
