"""The invoices' records (issue 15): each invoice or credit note issued once per key, its number
taken from its year's series in the same transaction (so the numbers have no gaps), its PDF
kept as mailed, the credit notes applied to later invoices, the payments and reminders its
workflow notes, its mail and reminders queued in the outbox, and the year's report. SQLite and
PostgreSQL."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.database import (
    BillingAgreementRow,
    CreditApplicationRow,
    InvoicePaymentRow,
    InvoiceRow,
    MoRow,
    OutboxRow,
    UnitOfWork,
)
from adapters.jinja_notices import NoticeTemplates
from adapters.outbox_mailer import DEFAULT_MAIL_DOMAIN, queue_in
from adapters.ports import Wordings
from adapters.sealed_mail import MailKeys, MailSeal
from adapters.sql_billing import SqlBilling
from adapters.sql_counters import next_number_in
from models.billing import (
    OWED,
    Agreement,
    Invoice,
    InvoiceKind,
    InvoiceNote,
    InvoiceStatus,
    InvoiceView,
    IssuedInvoice,
    IssueInvoice,
    NotBillable,
    Payment,
    Period,
    Snapshot,
    YearLine,
    actual_headcount,
    cents,
    due_date,
    fiscal_year_of,
    invoice_number,
    money_fr,
    month_end_counts,
    monthly_amounts,
    period_amount,
    rate_on,
)
from models.communiques import CommuniqueContent, NewFile
from models.mail import Language, Mail
from models.notices import RenderedNotice, Template, Wording

Render = Callable[[Invoice, str], bytes]
ZERO = Decimal("0.00")


class SqlInvoices:
    def __init__(
        self,
        uow: UnitOfWork,
        keys: MailKeys,
        render: Render,
        domain: str = DEFAULT_MAIL_DOMAIN,
        wordings: Wordings | None = None,
    ) -> None:
        self._uow = uow
        # The mails' wording: notice templates the supervisors may change.
        self._wordings = wordings or NoticeTemplates()
        self._billing = SqlBilling(uow, keys)
        self._seal = MailSeal(keys)
        self._render = render
        self._domain = domain

    # --- issuing -----------------------------------------------------------------------------

    def issue(self, asked: IssueInvoice, issued_on: date, at: datetime) -> IssuedInvoice:
        """The invoice under `asked.key`, issued now if it was not: priced from the agreement,
        the rate grid (and, for the adjustment, the month-end headcounts), numbered in its
        year's series, the MO's open credit notes applied to it, its PDF rendered and kept;
        all in one transaction, so a number is taken with its invoice or not at all."""
        existing = self._issued(asked.key)
        if existing is not None:
            return existing
        priced = self.price(asked, issued_on)
        try:
            with self._uow.begin() as session:
                if session.get(InvoiceRow, asked.key) is not None:
                    raise IntegrityError("issued meanwhile", None, Exception())
                number = invoice_number(
                    issued_on.year, next_number_in(session, f"facture-{issued_on.year}")
                )
                invoice = priced.model_copy(update={"number": number})
                applications: list[CreditApplicationRow] = []
                if invoice.kind is not InvoiceKind.credit_note:
                    invoice, applications = _apply_credits(session, invoice)
                mo_name = _mo_name(session, invoice.mo)
                status = (
                    InvoiceStatus.credit_open
                    if invoice.kind is InvoiceKind.credit_note
                    else (InvoiceStatus.paid if invoice.due <= 0 else InvoiceStatus.issued)
                )
                session.add(
                    InvoiceRow(
                        key=invoice.key,
                        number=invoice.number,
                        mo_code=invoice.mo,
                        kind=invoice.kind.value,
                        first_day=invoice.first_day,
                        last_day=invoice.last_day,
                        issued_on=invoice.issued_on,
                        due_on=invoice.due_on,
                        headcount=invoice.headcount,
                        estimated_headcount=invoice.estimated_headcount,
                        rate=invoice.rate,
                        amount=invoice.amount,
                        credited=invoice.credited,
                        status=status.value,
                        paid=ZERO,
                        reminders="",
                        pdf=self._render(invoice, mo_name),
                        issued_by=asked.by,
                        issued_at=at,
                    )
                )
                session.flush()  # the invoice first: its credits' rows point to it
                session.add_all(applications)
        except IntegrityError:
            # Another attempt under the same key committed first: that invoice stands.
            existing = self._issued(asked.key)
            if existing is None:
                raise
            return existing
        issued = self._issued(asked.key)
        assert issued is not None
        return issued

    def price(self, asked: IssueInvoice, issued_on: date) -> Invoice:
        """What the invoice would be if issued on `issued_on` (unnumbered); `NotBillable`
        when it cannot be issued. Writes nothing."""
        agreement = self._billing.agreement(asked.mo)
        if agreement is None:
            raise NotBillable(f"mo: {asked.mo} has no shared-services agreement; record one first")
        if asked.last_day < agreement.first_day:
            raise NotBillable(
                f"month: {asked.mo}'s agreement begins on {agreement.first_day.isoformat()}; "
                f"there is nothing to bill before it"
            )
        grid = self._billing.grid()
        period = agreement.period_of(max(asked.first_day, agreement.first_day))
        estimate = Decimal(agreement.estimated_headcount)
        try:
            if asked.kind is InvoiceKind.monthly:
                month = asked.first_day.replace(day=1)
                line = next(
                    one for one in monthly_amounts(estimate, period, grid) if one.month == month
                )
                amount, headcount, rate = line.amount, estimate, line.rate
            else:
                counts = month_end_counts(self._billing.snapshots(asked.mo, period), period)
                headcount = actual_headcount(counts)
                # What the actual average costs, less what the period's monthly invoices
                # billed (an estimate changed mid-year, a month paused and never made up).
                amount = period_amount(headcount, period, grid) - self._billed(asked.mo, period)
                rate = rate_on(period.first_day.replace(day=1), grid)
        except ValueError as error:
            field, _, rule = str(error).rpartition(": ")
            named = "headcount" if field == "month_end_counts" else "rate"
            raise NotBillable(f"{named}: {rule}") from None
        kind = asked.kind
        if kind is InvoiceKind.adjustment and amount < 0:
            kind, amount = InvoiceKind.credit_note, -amount
        return Invoice(
            key=asked.key,
            number="",
            mo=asked.mo,
            kind=kind,
            first_day=max(asked.first_day, period.first_day),
            last_day=asked.last_day if kind is InvoiceKind.monthly else period.last_day,
            issued_on=issued_on,
            due_on=due_date(issued_on),
            headcount=headcount.quantize(Decimal("0.0001")),
            estimated_headcount=estimate,
            rate=rate,
            amount=cents(amount),
        )

    def _billed(self, mo: str, period: Period) -> Decimal:
        """What the MO's monthly invoices of the period billed."""
        with self._uow.begin() as session:
            total = session.scalar(
                select(func.sum(InvoiceRow.amount)).where(
                    InvoiceRow.mo_code == mo,
                    InvoiceRow.kind == InvoiceKind.monthly.value,
                    InvoiceRow.first_day >= period.first_day,
                    InvoiceRow.first_day <= period.last_day,
                )
            )
            return Decimal(total or 0)

    def last_billed_month(self) -> date | None:
        """The latest month a monthly invoice was issued for (any MO): a new rate may not
        reach back to it."""
        with self._uow.begin() as session:
            return session.scalar(
                select(func.max(InvoiceRow.first_day)).where(
                    InvoiceRow.kind == InvoiceKind.monthly.value
                )
            )

    def _issued(self, key: str) -> IssuedInvoice | None:
        with self._uow.begin() as session:
            row = session.get(InvoiceRow, key)
            if row is None:
                return None
            invoice = _invoice(session, row)
            return IssuedInvoice(
                **invoice.model_dump(),
                status=InvoiceStatus(row.status),
                payments=_payments(session, key),
                reminders=_days(row.reminders),
                note_version=row.note_version,
            )

    # --- what the workflow notes --------------------------------------------------------------

    def note(self, note: InvoiceNote) -> None:
        """The workflow's state, kept unless a newer version is there already."""
        with self._uow.begin() as session:
            updated = session.execute(
                update(InvoiceRow)
                .where(InvoiceRow.key == note.key, InvoiceRow.note_version < note.version)
                .values(
                    note_version=note.version,
                    status=note.status.value,
                    paid=sum((one.amount for one in note.payments), ZERO),
                    reminders=",".join(day.isoformat() for day in note.reminders),
                    recorded_in_erp=note.recorded_in_erp,
                    mailed=note.mailed,
                )
                .returning(InvoiceRow.key)
            ).first()
            if updated is None:
                return
            session.execute(
                delete(InvoicePaymentRow).where(InvoicePaymentRow.invoice_key == note.key)
            )
            for seq, payment in enumerate(note.payments, start=1):
                session.add(
                    InvoicePaymentRow(
                        invoice_key=note.key,
                        seq=seq,
                        amount=payment.amount,
                        paid_on=payment.paid_on,
                        reference=payment.reference,
                        recorded_by=payment.by,
                        recorded_at=payment.at,
                    )
                )

    # --- mail ---------------------------------------------------------------------------------

    def mail_invoice(self, key: str, at: datetime) -> bool:
        """Queue the invoice's mail to the MO's billing contact (its PDF attached when the relay
        sends it); False when it was queued before."""
        with self._uow.begin() as session:
            row = self._row(session, key)
            contact = self._contact(row.mo_code)
            mail = Mail(
                idempotency_key=f"{key}/envoi",
                to=contact.billing_contact,
                subject=self._issued_notice(row).subject,
                body="",
            )
            if not queue_in(session, self._seal, mail, at, self._domain):
                return False
            session.get_one(OutboxRow, mail.idempotency_key).invoice_key = key
            return True

    def remind(self, key: str, seq: int, at: datetime) -> bool:
        """Queue the `seq`th reminder of an unpaid invoice to the MO's billing contact."""
        with self._uow.begin() as session:
            row = self._row(session, key)
            contact = self._contact(row.mo_code)
            owed = Decimal(row.amount) - Decimal(row.credited) - Decimal(row.paid)
            values = {
                "number": row.number,
                "issued_on": row.issued_on.isoformat(),
                "due_on": row.due_on.isoformat(),
                "outstanding": money_fr(owed),
                "reminder": str(seq),
            }
            notice = self._wordings.render(
                Wording(template=Template.invoice_reminder, values=values), Language.fr
            )
            mail = Mail(
                idempotency_key=f"{key}/rappel/{seq}",
                to=contact.billing_contact,
                subject=notice.subject,
                body=notice.body,
            )
            return queue_in(session, self._seal, mail, at, self._domain)

    def content(self, key: str) -> CommuniqueContent:
        """What an invoice's mail carries: its notice's text and the PDF as issued (the relay
        reads it at delivery, as it reads a communiqué's content)."""
        with self._uow.begin() as session:
            row = self._row(session, key)
            return CommuniqueContent(
                id=key,
                title=row.number,
                body=self._issued_notice(row).body,
                language=Language.fr,
                digest="",
                files=[
                    NewFile(name=f"{row.number}.pdf", content_type="application/pdf", data=row.pdf)
                ],
            )

    def _issued_notice(self, row: InvoiceRow) -> RenderedNotice:
        kind = InvoiceKind(row.kind)
        values = {
            "number": row.number,
            "document": f"la {_title(kind).lower()}",
            "mo": row.mo_code,
            "first_day": row.first_day.isoformat(),
            "last_day": row.last_day.isoformat(),
            "due": money_fr(Decimal(row.amount) - Decimal(row.credited)),
            "due_on": row.due_on.isoformat(),
            "credit_note": "oui" if kind is InvoiceKind.credit_note else "",
        }
        # The billing contact's language is not kept: the service's.
        return self._wordings.render(
            Wording(template=Template.invoice_issued, values=values), Language.fr
        )

    # --- reading ------------------------------------------------------------------------------

    def view(self, key_or_number: str) -> InvoiceView | None:
        with self._uow.begin() as session:
            row = (
                session.get(InvoiceRow, key_or_number)
                or session.scalars(
                    select(InvoiceRow).where(InvoiceRow.number == key_or_number)
                ).first()
            )
            return None if row is None else _view(session, row)

    def views(
        self, mo: str | None = None, year_of: date | None = None, open_only: bool = False
    ) -> list[InvoiceView]:
        """The invoices, oldest first: of one MO, of the fiscal year holding `year_of`, owed."""
        query = select(InvoiceRow).order_by(InvoiceRow.issued_on, InvoiceRow.number)
        if mo is not None:
            query = query.where(InvoiceRow.mo_code == mo)
        if year_of is not None:
            first, last = fiscal_year_of(year_of)
            query = query.where(InvoiceRow.first_day >= first, InvoiceRow.first_day <= last)
        if open_only:
            query = query.where(InvoiceRow.status.in_([status.value for status in OWED]))
        with self._uow.begin() as session:
            return [_view(session, row) for row in session.scalars(query)]

    def pdf(self, key_or_number: str) -> tuple[str, bytes] | None:
        """The PDF as issued, with its file name."""
        with self._uow.begin() as session:
            row = (
                session.get(InvoiceRow, key_or_number)
                or session.scalars(
                    select(InvoiceRow).where(InvoiceRow.number == key_or_number)
                ).first()
            )
            return None if row is None else (f"{row.number}.pdf", row.pdf)

    def year_report(self, year_of: date, mo: str | None = None) -> list[YearLine]:
        """Per MO, the fiscal year holding `year_of`: invoiced (the invoices, monthly and
        adjustment), paid, outstanding, and the adjustment (+ invoice, - credit note)."""
        first, last = fiscal_year_of(year_of)
        lines: dict[str, dict[str, Decimal]] = {}
        for view in self.views(mo, year_of):
            line = lines.setdefault(
                view.invoice.mo,
                {
                    "invoiced": ZERO,
                    "credited": ZERO,
                    "paid": ZERO,
                    "outstanding": ZERO,
                    "adjustment": ZERO,
                },
            )
            invoice = view.invoice
            if invoice.kind is InvoiceKind.credit_note:
                line["adjustment"] -= invoice.amount
                continue
            line["invoiced"] += invoice.amount
            line["credited"] += invoice.credited
            line["paid"] += view.paid
            line["outstanding"] += view.outstanding
            if invoice.kind is InvoiceKind.adjustment:
                line["adjustment"] += invoice.amount
        return [
            YearLine(mo=code, year=f"{first.year}-{last.year}", **figures)
            for code, figures in sorted(lines.items())
        ]

    # --- billing paused per MO ----------------------------------------------------------------

    def pause(self, mo: str, by: str, at: datetime) -> bool:
        """Pause the MO's monthly invoices; False when it has no agreement."""
        with self._uow.begin() as session:
            row = session.get(BillingAgreementRow, mo)
            if row is None:
                return False
            row.paused_by, row.paused_at = by, at
            return True

    def resume(self, mo: str) -> bool:
        with self._uow.begin() as session:
            row = session.get(BillingAgreementRow, mo)
            if row is None:
                return False
            row.paused_by, row.paused_at = None, None
            return True

    def paused(self) -> dict[str, tuple[str, datetime]]:
        """The MOs whose billing is paused: by whom, since when."""
        with self._uow.begin() as session:
            return {
                row.mo_code: (row.paused_by or "", row.paused_at)
                for row in session.scalars(
                    select(BillingAgreementRow).where(BillingAgreementRow.paused_at.is_not(None))
                )
                if row.paused_at is not None
            }

    def billable(self, kind: InvoiceKind, on: date, by: str) -> list[IssueInvoice]:
        """What a run owes on `on`: each MO's invoice for the month holding `on` (monthly; MOs
        paused left out), or for the period that ended before it (adjustment)."""
        # A pause holds the monthly invoices only: the year-end adjustment bills what was
        # consumed, paused months included.
        paused = self.paused() if kind is InvoiceKind.monthly else {}
        owed = []
        for agreement in self._billing.agreements():
            if agreement.mo in paused:
                continue
            asked = _owed(agreement, kind, on, by)
            if asked is not None:
                owed.append(asked)
        return owed

    def agreement_mos(self) -> list[str]:
        """The MOs with an agreement, whose headcounts are taken."""
        return [agreement.mo for agreement in self._billing.agreements()]

    def take_snapshot(self, mo: str, day: date, count: int, at: datetime) -> Snapshot:
        return self._billing.take_snapshot(mo, day, count, at)

    # --- helpers ------------------------------------------------------------------------------

    def _row(self, session: Session, key: str) -> InvoiceRow:
        row = session.get(InvoiceRow, key)
        if row is None:
            raise LookupError(f"no invoice {key}")
        return row

    def _contact(self, mo: str) -> Agreement:
        agreement = self._billing.agreement(mo)
        if agreement is None:
            raise LookupError(f"{mo} has no shared-services agreement, so no billing contact")
        return agreement


def _owed(agreement: Agreement, kind: InvoiceKind, on: date, by: str) -> IssueInvoice | None:
    if kind is InvoiceKind.monthly:
        month = on.replace(day=1)
        if agreement.first_day > _last_of(month):
            return None  # its agreement begins later
        return IssueInvoice.monthly(agreement.mo, month, by)
    # The adjustment of the period that ended before `on`.
    first, _ = fiscal_year_of(on)
    ended = date(first.year, 3, 31)
    if agreement.first_day > ended:
        return None
    return IssueInvoice.year_end(agreement.mo, agreement.period_of(ended), by)


def _last_of(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _apply_credits(
    session: Session, invoice: Invoice
) -> tuple[Invoice, list[CreditApplicationRow]]:
    """Settle the MO's open credit notes, oldest first, against this invoice (up to its
    amount); what is left of a credit goes to the next invoice. The rows to add once the
    invoice's own row is in."""
    owed = invoice.amount
    credited, numbers = ZERO, []
    applications = []
    credits = session.scalars(
        select(InvoiceRow)
        .where(
            InvoiceRow.mo_code == invoice.mo,
            InvoiceRow.kind == InvoiceKind.credit_note.value,
            InvoiceRow.status == InvoiceStatus.credit_open.value,
        )
        .order_by(InvoiceRow.issued_on, InvoiceRow.number)
        # Two invoices of the MO issued at once wait for each other here, so a credit is never
        # applied twice (the second reads what the first applied).
        .with_for_update()
    ).all()
    for credit in credits:
        if owed <= 0:
            break
        left = Decimal(credit.amount) - _applied(session, credit.key)
        taken = min(left, owed)
        if taken <= 0:
            continue
        applications.append(
            CreditApplicationRow(credit_key=credit.key, invoice_key=invoice.key, amount=taken)
        )
        owed -= taken
        credited += taken
        numbers.append(credit.number)
        if taken == left:
            credit.status = InvoiceStatus.credit_settled.value
    return invoice.model_copy(update={"credited": credited, "credits": numbers}), applications


def _applied(session: Session, credit_key: str) -> Decimal:
    return sum(
        (
            Decimal(row.amount)
            for row in session.scalars(
                select(CreditApplicationRow).where(CreditApplicationRow.credit_key == credit_key)
            )
        ),
        ZERO,
    )


def _invoice(session: Session, row: InvoiceRow) -> Invoice:
    credits = session.scalars(
        select(InvoiceRow.number)
        .join(CreditApplicationRow, CreditApplicationRow.credit_key == InvoiceRow.key)
        .where(CreditApplicationRow.invoice_key == row.key)
        .order_by(InvoiceRow.number)
    ).all()
    return Invoice(
        key=row.key,
        number=row.number,
        mo=row.mo_code,
        kind=InvoiceKind(row.kind),
        first_day=row.first_day,
        last_day=row.last_day,
        issued_on=row.issued_on,
        due_on=row.due_on,
        headcount=Decimal(row.headcount),
        estimated_headcount=Decimal(row.estimated_headcount),
        rate=Decimal(row.rate),
        amount=Decimal(row.amount),
        credited=Decimal(row.credited),
        credits=list(credits),
    )


def _payments(session: Session, key: str) -> list[Payment]:
    return [
        Payment(
            amount=Decimal(row.amount),
            paid_on=row.paid_on,
            reference=row.reference,
            by=row.recorded_by,
            at=row.recorded_at,
        )
        for row in session.scalars(
            select(InvoicePaymentRow)
            .where(InvoicePaymentRow.invoice_key == key)
            .order_by(InvoicePaymentRow.seq)
        )
    ]


def _view(session: Session, row: InvoiceRow) -> InvoiceView:
    invoice = _invoice(session, row)
    payments = _payments(session, row.key)
    paid = sum((payment.amount for payment in payments), ZERO)
    applied_to: Sequence[str] = []
    credit_left = ZERO
    if invoice.kind is InvoiceKind.credit_note:
        applied_to = session.scalars(
            select(InvoiceRow.number)
            .join(CreditApplicationRow, CreditApplicationRow.invoice_key == InvoiceRow.key)
            .where(CreditApplicationRow.credit_key == row.key)
            .order_by(InvoiceRow.number)
        ).all()
        credit_left = invoice.amount - _applied(session, row.key)
    status = InvoiceStatus(row.status)
    if invoice.kind is InvoiceKind.credit_note:
        # Its workflow notes it open; the invoices it is applied to settle it.
        status = InvoiceStatus.credit_open if credit_left > 0 else InvoiceStatus.credit_settled
    return InvoiceView(
        invoice=invoice,
        mo_name=_mo_name(session, row.mo_code),
        status=status,
        paid=paid,
        outstanding=max(invoice.due - paid, ZERO),
        payments=payments,
        reminders=_days(row.reminders),
        applied_to=list(applied_to),
        credit_left=credit_left,
    )


def _mo_name(session: Session, mo: str) -> str:
    row = session.get(MoRow, mo)
    return mo if row is None else row.name


def _days(text: str) -> list[date]:
    return [date.fromisoformat(day) for day in text.split(",") if day]


def _title(kind: InvoiceKind) -> str:
    return {
        InvoiceKind.monthly: "Facture",
        InvoiceKind.adjustment: "Facture d'ajustement",
        InvoiceKind.credit_note: "Note de crédit",
    }[kind]
