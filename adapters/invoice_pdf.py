"""An invoice or a credit note as the MO receives it: one A4 page in French (fpdf2).

The same invoice always renders to the same bytes (the PDF's creation date is its day of issue),
so a PDF rendered again, for a reminder or a second download, is the very document first mailed.
The page uses the core font Helvetica, which holds latin-1 only: the few characters French
typography uses beyond it (the narrow no-break space, dashes, curly quotes) are written plainly,
so the text a reader or a test extracts is the text shown.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, time

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from models.billing import PAYMENT_DAYS, Invoice, InvoiceKind, money_fr, number_fr

TITLES = {
    InvoiceKind.monthly: "FACTURE",
    InvoiceKind.adjustment: "FACTURE D'AJUSTEMENT",
    InvoiceKind.credit_note: "NOTE DE CRÉDIT",
}
# Beyond latin-1, what each character is written as; anything else left becomes "?".
_PLAIN = str.maketrans(
    {
        "\u202f": " ",  # narrow no-break space
        "\u00a0": " ",  # no-break space: a plain one, so extracted text matches "16 250,00 $"
        "\u2014": "-",
        "\u2013": "-",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
    }
)


def _plain(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(invoice: Invoice, mo_name: str, issuer: str = "Centre d'assistance SAGIR") -> bytes:
    """The invoice's PDF: who issues it, to whom, for what period, how it is computed, what is
    owed (less any credit applied) and when."""
    credit_note = invoice.kind is InvoiceKind.credit_note
    lines: list[tuple[str, float, str]] = [  # (style, size, text); "" text: a blank line
        ("B", 11, issuer),
        ("", 8, ""),
        ("B", 18, TITLES[invoice.kind]),
        ("", 8, ""),
        ("", 11, f"Numéro : {invoice.number}"),
        ("", 11, f"Date d'émission : {invoice.issued_on.isoformat()}"),
    ]
    if credit_note:
        lines.append(("", 11, "Appliquée aux factures suivantes ou remboursée"))
    else:
        lines.append(("", 11, f"Date d'échéance : {invoice.due_on.isoformat()}"))
    lines += [
        ("", 8, ""),
        ("", 11, f"Client : {invoice.mo} - {mo_name}"),
        ("", 11, f"Période : {invoice.first_day.isoformat()} au {invoice.last_day.isoformat()}"),
        ("", 8, ""),
    ]
    estimated = number_fr(invoice.estimated_headcount, 0)
    if invoice.kind is InvoiceKind.monthly:
        calculation = f"Effectif estimé : {estimated} employés × {money_fr(invoice.rate)} / an ÷ 12"
    else:
        actual = number_fr(invoice.headcount, 2)
        calculation = f"Effectif moyen réel : {actual} ; effectif estimé : {estimated}"
    lines.append(("", 11, calculation))
    if invoice.kind is InvoiceKind.monthly:
        days = calendar.monthrange(invoice.first_day.year, invoice.first_day.month)[1]
        covered = (invoice.last_day - invoice.first_day).days + 1
        if covered < days:  # a first month begun mid-month: prorated by its days
            lines.append(("", 11, f"Mois partiel : {covered} jours sur {days}"))
    if credit_note:
        lines.append(("B", 12, f"Montant crédité : {money_fr(invoice.amount)}"))
    else:
        lines.append(("", 11, f"Montant : {money_fr(invoice.amount)}"))
        if invoice.credited > 0:
            applied = ", ".join(invoice.credits)
            lines.append(("", 11, f"Crédit appliqué ({applied}) : {money_fr(-invoice.credited)}"))
        lines.append(("B", 12, f"Montant dû : {money_fr(invoice.due)}"))
    lines.append(("", 8, ""))
    if not credit_note:
        lines.append(("", 10, f"Payable dans les {PAYMENT_DAYS} jours suivant la date d'émission."))
    lines.append(("", 10, f"Taux en vigueur : {money_fr(invoice.rate)} par employé par année."))
    return _render(lines, invoice, issuer)


def _render(lines: list[tuple[str, float, str]], invoice: Invoice, issuer: str) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    # A fixed creation date (and so a fixed document id): the same invoice, the same bytes.
    pdf.set_creation_date(datetime.combine(invoice.issued_on, time(), tzinfo=UTC))
    pdf.set_title(_plain(f"{TITLES[invoice.kind]} {invoice.number}"))
    pdf.set_author(_plain(issuer))
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    for style, size, text in lines:
        pdf.set_font("Helvetica", style, size)
        pdf.cell(0, size * 0.6, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
