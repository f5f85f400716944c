"""`sagir-desk billing`: the MOs' agreements and the rate grid, the headcounts, the invoices
(issued by the Schedules, or by hand), their payments and PDFs, the statements and the year's
report, and the Schedules themselves. The token's holder is who acts: the CA's billing clerk
(ca_billing) changes things; supervisors, auditors and an MO's finance officer read."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from models.billing import Agreement, InvoiceKind, RecordPayment, cents, money_fr
from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import (
    json_option,
    print_model,
    print_models,
    print_rows,
    required_date,
)
from starter.desks.errors import InvalidInput, parse

if TYPE_CHECKING:
    from models.billing import Invoice, InvoiceState, InvoiceView, YearLine
    from starter.desks.billing import GuardedBilling, ScheduleStatus

    Paused = tuple[str, datetime]  # by whom, since when

T = TypeVar("T")


def _checked_mo(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """An MO code's shape, before anything is opened."""
    from starter.desks.checks import checked_mo

    return checked_mo(value)


mo_option = click.option(
    "--mo", default=None, callback=_checked_mo, help="Only this MO's (default: every MO you see)."
)
year_option = click.option(
    "--year",
    default=None,
    help="The fiscal year, by its first calendar year: 2026 is April 2026 to March 2027 "
    "(default: the one in progress).",
)


@click.group()
def billing() -> None:
    """Billing of the MOs: agreements, rates, headcounts, invoices, payments and schedules."""


# --- agreements -------------------------------------------------------------------------------


@billing.group()
def agreement() -> None:
    """The MOs' shared-services agreements (entente de services partagés)."""


@agreement.command("set", cls=session.Changing)
@click.option("--mo", required=True, callback=_checked_mo, help="A client MO of the CA.")
@click.option("--first-day", required=True, help="The first day billed, like 2026-04-01.")
@click.option(
    "--estimated",
    required=True,
    help="The estimated headcount: the monthly invoices are billed on it.",
)
@click.option("--contact", required=True, help="The billing contact's email (invoices go there).")
@json_option
def agreement_set(mo: str, first_day: str, estimated: str, contact: str, as_json: bool) -> None:
    """Record an MO's agreement, or replace its terms (one agreement per MO); invoices issued
    already keep the terms they were issued with."""
    terms = parse(
        Agreement,
        mo=mo,
        first_day=required_date("first_day", first_day),
        estimated_headcount=_count("estimated_headcount", estimated),
        billing_contact=_contact(contact),
    )
    kept = _on_database(lambda desk: desk.keep_agreement(terms))
    if as_json:
        return print_model(kept)
    _print_agreement(kept)


@agreement.command("show")
@click.option("--mo", required=True, callback=_checked_mo, help="The MO, like MTQ.")
@json_option
def agreement_show(mo: str, as_json: bool) -> None:
    """An MO's agreement: its first day, estimated headcount and billing contact."""
    found = _on_database(lambda desk: desk.agreement(mo))
    if as_json:
        return print_model(found)
    _print_agreement(found)


@agreement.command("list")
@json_option
def agreement_list(as_json: bool) -> None:
    """The agreements you see, by MO."""
    found = _on_database(lambda desk: desk.agreements())
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for one in found:
        click.echo(
            f"{one.mo:<8} from {one.first_day.isoformat()}  estimated {one.estimated_headcount:>7}"
            f"  {one.billing_contact}"
        )


# --- the rate grid ----------------------------------------------------------------------------


@billing.group()
def rate() -> None:
    """The rate grid: dollars per employee per year, each rate in force from its date."""


@rate.command("add", cls=session.Changing)
@click.option("--rate", "per_year", required=True, help="Dollars per employee per year: 204.00.")
@click.option("--from", "valid_from", required=True, help="The first day it applies: 2027-04-01.")
@json_option
def rate_add(per_year: str, valid_from: str, as_json: bool) -> None:
    """Add a rate from its date; it applies to the months that begin on or after it. A rate
    once in the grid is never changed (invoices were priced with it)."""
    amount = _money("rate", per_year, "204.00")
    start = required_date("valid_from", valid_from)
    added = _on_database(lambda desk: desk.add_rate(amount, start))
    if as_json:
        click.echo(json.dumps(_rate_json(added.per_employee_per_year, added.valid_from)))
        return
    click.echo(f"{money_fr(added.per_employee_per_year)} per employee per year from {start}")


@rate.command("list")
@json_option
def rate_list(as_json: bool) -> None:
    """The rate grid, oldest first."""
    found = _on_database(lambda desk: desk.grid())
    if as_json:
        rates = [_rate_json(one.per_employee_per_year, one.valid_from) for one in found]
        click.echo(json.dumps(rates, indent=2))
        return
    if not found:
        click.echo("none: add the rate in force with `sagir-desk billing rate add`")
    for one in sorted(found, key=lambda one: one.valid_from):
        click.echo(f"from {one.valid_from.isoformat()}  {money_fr(one.per_employee_per_year):>14}")


# --- headcounts -------------------------------------------------------------------------------


@billing.command("headcount")
@click.option("--mo", required=True, callback=_checked_mo, help="The MO, like MTQ.")
@year_option
@json_option
def billing_headcount(mo: str, year: str | None, as_json: bool) -> None:
    """An MO's headcounts over a fiscal year: the daily snapshots from the dossier personne,
    the month-end counts, their average (what the year-end adjustment bills) and the
    estimate (what the monthly invoices bill)."""
    year_of = _year(year)
    found = _on_database(lambda desk: desk.headcount(mo, year_of))
    if as_json:
        return print_model(found)
    average = "-" if found.average is None else f"{found.average}"
    print_rows(
        [
            ("MO", found.mo),
            ("period", f"{found.first_day.isoformat()} to {found.last_day.isoformat()}"),
            ("estimated", str(found.estimated)),
            ("month ends", ", ".join(str(count) for count in found.month_ends) or "none yet"),
            ("average", average),
            ("snapshots", str(len(found.snapshots))),
        ]
    )
    for snapshot in found.snapshots:
        click.echo(f"  {snapshot.day.isoformat()}  {snapshot.count:>7}")


# --- invoices ---------------------------------------------------------------------------------


@billing.command("invoices")
@mo_option
@click.option(
    "--year",
    default=None,
    help="Only the fiscal year's, by its first calendar year: 2026 is April 2026 to March "
    "2027 (default: every year).",
)
@click.option("--open", "open_only", is_flag=True, help="Only those still owed.")
@json_option
def billing_invoices(mo: str | None, year: str | None, open_only: bool, as_json: bool) -> None:
    """The invoices and credit notes you see, oldest first: of one MO, of a fiscal year
    (by the months they bill), still owed."""
    year_of = _year(year)
    found = _on_database(lambda desk: desk.invoices(mo, year_of, open_only))
    if as_json:
        return print_models(found)
    _print_table(found)


@billing.group()
def invoice() -> None:
    """One invoice: show it, issue one by hand, issue a year-end adjustment."""


@invoice.command("show")
@click.argument("number")
@json_option
def invoice_show(number: str, as_json: bool) -> None:
    """An invoice by its number (F-2026-000001) or its key (facture-MTQ-2026-11): what it
    bills, where it stands, its payments and reminders."""
    found = _on_database(lambda desk: desk.invoice(number))
    if as_json:
        return print_model(found)
    _print_invoice(found)


@invoice.command("issue", cls=session.Changing)
@click.option("--mo", required=True, callback=_checked_mo, help="The MO, like MTQ.")
@click.option("--month", default=None, help="The month billed, like 2026-11 (default: this one).")
@json_option
def invoice_issue(mo: str, month: str | None, as_json: bool) -> None:
    """Issue an MO's monthly invoice now (a missed month, or by hand): one invoice per MO and
    month, whoever asks; one issued already is refused with its number."""
    asked = _month(month) if month is not None else None

    def issued(desk: GuardedBilling) -> Awaitable[InvoiceState]:
        return desk.issue(mo, asked or desk.desk.today().replace(day=1))

    _print_state(_run(issued), as_json)


@invoice.command("adjust", cls=session.Changing)
@click.option("--mo", required=True, callback=_checked_mo, help="The MO, like MTQ.")
@click.option("--year", required=True, help="The fiscal year ended, like 2026 (April to March).")
@json_option
def invoice_adjust(mo: str, year: str, as_json: bool) -> None:
    """Issue an MO's year-end adjustment for an ended fiscal year: an invoice when the actual
    average headcount cost more than the estimate, a credit note when it cost less (applied
    to the MO's next invoices)."""
    year_of = _year(year)
    assert year_of is not None
    _print_state(_run(lambda desk: desk.issue_adjustment(mo, year_of)), as_json)


@billing.command("pay", cls=session.Changing)
@click.argument("number")
@click.option("--amount", required=True, help="What was paid, in dollars: 16250.00.")
@click.option(
    "--paid-on", default=None, help="The day it was paid, like 2026-12-20 (default: today)."
)
@click.option(
    "--reference",
    default="",
    help="The payment's reference (a cheque, a transfer); the same reference is recorded once.",
)
@json_option
def billing_pay(
    number: str, amount: str, paid_on: str | None, reference: str, as_json: bool
) -> None:
    """Record a payment (full or partial) against an invoice, by its number or key; paid in
    full, its reminders stop."""
    paid = _money("amount", amount, "16250.00")
    day = required_date("paid_on", paid_on) if paid_on is not None else None

    def recorded(desk: GuardedBilling) -> Awaitable[InvoiceState]:
        payment = parse(
            RecordPayment,
            amount=paid,
            paid_on=day or desk.desk.today(),
            reference=reference,
            by=desk.caller.subject,
        )
        return desk.pay(number, payment)

    _print_state(_run(recorded), as_json)


@billing.command("pdf")
@click.argument("number")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Where to write it (default: NUMBER.pdf in this folder).",
)
def billing_pdf(number: str, out: Path | None) -> None:
    """Write an invoice's PDF, as it was issued and mailed; prints where."""
    name, data = _on_database(lambda desk: desk.pdf(number))
    target = out if out is not None else Path(name)
    target.write_bytes(data)
    click.echo(str(target))


# --- statements and the report ----------------------------------------------------------------


@billing.command("report")
@year_option
@mo_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (amounts with a dot).")
@json_option
def billing_report(year: str | None, mo: str | None, as_csv: bool, as_json: bool) -> None:
    """The fiscal year per MO: invoiced, paid, outstanding, and the year-end adjustment
    (+ an invoice, - a credit note)."""
    from starter.desks.billing import report_csv

    year_of = _year(year)
    lines = _on_database(lambda desk: desk.report(year_of, mo))
    if as_json:
        return print_models(lines)
    if as_csv:
        click.echo(report_csv(lines), nl=False)
        return
    if not lines:
        click.echo("none")
        return
    click.echo(
        f"{'MO':<8} {'year':<9} {'invoiced':>16} {'paid':>16} {'outstanding':>16} "
        f"{'adjustment':>16} {'credited':>16}"
    )
    for line in lines:
        click.echo(_year_line(line))


@billing.command("statement")
@click.option("--mo", required=True, callback=_checked_mo, help="The MO, like MTQ.")
@year_option
@json_option
def billing_statement(mo: str, year: str | None, as_json: bool) -> None:
    """An MO's statement for a fiscal year: its invoices and credit notes, and its totals
    invoiced, paid and outstanding."""
    year_of = _year(year)

    def statement(desk: GuardedBilling) -> tuple[list[InvoiceView], list[YearLine]]:
        day = year_of or desk.desk.today()
        return desk.invoices(mo, day), desk.report(day, mo)

    found, lines = _on_database(statement)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "mo": mo,
                    "invoices": [one.model_dump(mode="json") for one in found],
                    "totals": [line.model_dump(mode="json") for line in lines],
                },
                indent=2,
            )
        )
        return
    _print_table(found)
    click.echo("")
    totals = lines[0] if lines else None
    zero = Decimal("0.00")
    print_rows(
        [
            ("MO", mo),
            ("year", totals.year if totals else "-"),
            ("invoiced", money_fr(totals.invoiced if totals else zero)),
            ("paid", money_fr(totals.paid if totals else zero)),
            ("outstanding", money_fr(totals.outstanding if totals else zero)),
            ("adjustment", money_fr(totals.adjustment if totals else zero)),
            ("credited", money_fr(totals.credited if totals else zero)),
        ]
    )


# --- the schedules ----------------------------------------------------------------------------


@billing.group()
def schedule() -> None:
    """Billing's Temporal Schedules: the monthly invoices, the year-end adjustment and the
    daily headcount, in Montréal time."""


@schedule.command("status")
@json_option
def schedule_status(as_json: bool) -> None:
    """Each billing schedule: paused or running, why, its next runs; and the MOs whose
    billing is paused."""

    async def status(desk: GuardedBilling) -> tuple[list[ScheduleStatus], dict[str, Paused]]:
        return await desk.schedule_status(), desk.paused_mos()

    schedules, paused = _run(status)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "schedules": [one.model_dump(mode="json") for one in schedules],
                    "paused_mos": {
                        mo: {"by": by, "since": since.isoformat()}
                        for mo, (by, since) in paused.items()
                    },
                },
                indent=2,
            )
        )
        return
    for one in schedules:
        state = "paused" if one.paused else "running"
        note = f"  ({one.note})" if one.note else ""
        runs = ", ".join(local_text(at) for at in one.next_runs) or "-"
        click.echo(f"{one.id:<26} {state:<8} next {runs}{note}")
    if not paused:
        click.echo("no MO's billing is paused")
    for mo, (by, since) in sorted(paused.items()):
        click.echo(f"{mo:<8} paused by {by} since {local_text(since)}")


@schedule.command("pause", cls=session.Changing)
@click.option(
    "--mo",
    default=None,
    callback=_checked_mo,
    help="Only this MO's monthly invoices (default: the invoices' schedules).",
)
def schedule_pause(mo: str | None) -> None:
    """Pause the invoices' schedules (monthly and year-end; the daily headcount goes on), or
    one MO's monthly invoices; nothing is issued until resumed (a paused schedule stays paused
    through restarts)."""
    click.echo(_on_schedules(mo, lambda desk: desk.pause(mo)))


@schedule.command("resume", cls=session.Changing)
@click.option(
    "--mo",
    default=None,
    callback=_checked_mo,
    help="Only this MO's monthly invoices (default: the invoices' schedules).",
)
def schedule_resume(mo: str | None) -> None:
    """Resume the invoices' schedules, or one MO's monthly invoices; the months missed meanwhile
    are issued with `backfill`."""
    click.echo(_on_schedules(mo, lambda desk: desk.resume(mo)))


@schedule.command("backfill", cls=session.Changing)
@click.option("--month", required=True, help="The month missed, like 2026-10.")
@click.option(
    "--mo", default=None, callback=_checked_mo, help="Only this MO's invoice (default: every MO's)."
)
def schedule_backfill(month: str, mo: str | None) -> None:
    """Issue a missed month: the monthly run as it would have run on the month's first day
    (every MO's invoice), or one MO's; invoices issued already are left as they are, so a
    backfill run twice issues nothing twice."""
    missed = _month(month)
    click.echo(_run(lambda desk: desk.backfill(missed, mo)))


# --- helpers ----------------------------------------------------------------------------------


def _run(action: Callable[[GuardedBilling], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.billing, action)


def _on_database(action: Callable[[GuardedBilling], T]) -> T:
    """What the desk's records answer alone (the engine may be down)."""
    return session.run_on_database(lambda desks: desks.billing, action)


def _on_schedules(mo: str | None, action: Callable[[GuardedBilling], Awaitable[str]]) -> str:
    """One MO's billing is in the database; the Schedules are the engine's."""
    if mo is None:
        return _run(action)
    return session.run_without_engine(lambda desks: desks.billing, action)


def _money(field: str, text: str, example: str) -> Decimal:
    """Dollars a person typed: above 0, to the cent."""
    try:
        amount = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0 or amount != cents(amount):
        raise InvalidInput(
            f"{field}: {text!r} is not an amount above 0 to the cent, like {example}"
        )
    return amount


def _contact(text: str) -> str:
    from pydantic import TypeAdapter, ValidationError

    from models.tickets import EmailAddress

    try:
        return TypeAdapter(EmailAddress).validate_python(text)
    except ValidationError:
        raise InvalidInput(
            # Not echoed: an address is personal data, and errors are logged.
            "billing_contact: give one email address, like finances@mtq.gouv.qc.ca"
        ) from None


def _count(field: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a whole number of employees") from None


def _month(text: str) -> date:
    from starter.desks.billing import parse_month

    return parse_month(text)


def _year(text: str | None) -> date | None:
    from starter.desks.billing import period_of_year

    return None if text is None else period_of_year(text)


def _rate_json(per_year: Decimal, valid_from: date) -> dict[str, str]:
    return {"per_employee_per_year": str(per_year), "valid_from": valid_from.isoformat()}


def _print_agreement(found: Agreement) -> None:
    print_rows(
        [
            ("MO", found.mo),
            ("first day", found.first_day.isoformat()),
            ("estimated", str(found.estimated_headcount)),
            ("contact", found.billing_contact),
        ]
    )


def _period(invoice: Invoice) -> str:
    if invoice.kind is InvoiceKind.monthly:
        return f"{invoice.first_day:%Y-%m}"
    return f"{invoice.first_day:%Y-%m}..{invoice.last_day:%Y-%m}"


def _signed(invoice: Invoice) -> Decimal:
    """A credit note counts against the MO: shown negative."""
    return -invoice.amount if invoice.kind is InvoiceKind.credit_note else invoice.amount


def _plain(count: Decimal) -> str:
    """A headcount without trailing zeros: 1000, 1042.5."""
    return f"{count.normalize():f}"


def _print_table(found: list[InvoiceView]) -> None:
    if not found:
        click.echo("none")
        return
    click.echo(
        f"{'number':<13} {'MO':<8} {'kind':<11} {'period':<15} {'issued':<10} {'due':<10} "
        f"{'amount':>15} {'paid':>15} {'outstanding':>15}  status"
    )
    for view in found:
        one = view.invoice
        click.echo(
            f"{one.number:<13} {one.mo:<8} {one.kind.value:<11} {_period(one):<15} "
            f"{one.issued_on.isoformat():<10} {one.due_on.isoformat():<10} "
            f"{money_fr(_signed(one)):>15} {money_fr(view.paid):>15} "
            f"{money_fr(view.outstanding):>15}  {view.status.value}"
        )


def _print_invoice(found: InvoiceView) -> None:
    one = found.invoice
    rows = [
        ("invoice", f"{one.number}  {one.key}"),
        ("MO", f"{one.mo}  {found.mo_name}"),
        ("kind", one.kind.value),
        ("period", f"{one.first_day.isoformat()} to {one.last_day.isoformat()}"),
        ("issued", one.issued_on.isoformat()),
        ("due", one.due_on.isoformat()),
        ("headcount", f"{_plain(one.headcount)} (estimated {_plain(one.estimated_headcount)})"),
        ("rate", f"{money_fr(one.rate)} per employee per year"),
        ("amount", money_fr(one.amount)),
    ]
    if one.credits:
        rows.append(("credited", f"{money_fr(one.credited)} ({', '.join(one.credits)})"))
    rows += [
        ("paid", money_fr(found.paid)),
        ("outstanding", money_fr(found.outstanding)),
        ("status", found.status.value),
    ]
    if one.kind is InvoiceKind.credit_note:
        rows.append(("applied to", ", ".join(found.applied_to) or "none yet"))
        rows.append(("credit left", money_fr(found.credit_left)))
    rows += [
        ("payment", f"{p.paid_on.isoformat()}  {money_fr(p.amount)}  {p.reference or '-'}  {p.by}")
        for p in found.payments
    ]
    rows += [("reminder", day.isoformat()) for day in found.reminders]
    print_rows(rows)


def _print_state(state: InvoiceState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    one = state.invoice
    if one is None:
        print_rows([("invoice", state.key), ("status", "being issued: show it in a moment")])
        return
    print_rows(
        [
            ("invoice", f"{one.number}  {one.key}"),
            ("MO", one.mo),
            ("kind", one.kind.value),
            ("period", _period(one)),
            ("amount", money_fr(one.amount)),
            ("due", one.due_on.isoformat()),
            ("paid", money_fr(state.paid)),
            ("outstanding", money_fr(state.outstanding)),
            ("status", state.status.value if state.status else "-"),
        ]
    )


def _year_line(line: YearLine) -> str:
    return (
        f"{line.mo:<8} {line.year:<9} {money_fr(line.invoiced):>16} {money_fr(line.paid):>16} "
        f"{money_fr(line.outstanding):>16} {money_fr(line.adjustment):>16} "
        f"{money_fr(line.credited):>16}"
    )
