"""The invoice's PDF (issue 15): one French page whose text holds what the MO pays and why,
the same bytes every time it is rendered."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from adapters.invoice_pdf import invoice_pdf, money_fr
from models.billing import Invoice, InvoiceKind

MONTHLY = Invoice(
    key="facture-MTQ-2026-11",
    number="F-2026-000123",
    mo="MTQ",
    kind=InvoiceKind.monthly,
    first_day=date(2026, 11, 1),
    last_day=date(2026, 11, 30),
    issued_on=date(2026, 11, 1),
    due_on=date(2026, 12, 1),
    headcount=Decimal("1000"),
    estimated_headcount=Decimal("1000"),
    rate=Decimal("195.00"),
    amount=Decimal("16250.00"),
)
CREDIT_NOTE = MONTHLY.model_copy(
    update={
        "key": "ajustement-MTQ-2026-04-2027-03",
        "number": "F-2027-000004",
        "kind": InvoiceKind.credit_note,
        "first_day": date(2026, 4, 1),
        "last_day": date(2027, 3, 31),
        "issued_on": date(2027, 4, 1),
        "due_on": date(2027, 5, 1),
        "headcount": Decimal("958"),
        "amount": Decimal("8190.00"),
    }
)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_the_invoice_pdf_text_holds_the_number_the_mo_the_amounts_and_the_due_date() -> None:
    text = text_of(invoice_pdf(MONTHLY, "Ministère des Transports"))

    assert "FACTURE" in text
    assert "Numéro : F-2026-000123" in text
    assert "Date d'émission : 2026-11-01" in text
    assert "Date d'échéance : 2026-12-01" in text
    assert "Client : MTQ - Ministère des Transports" in text
    assert "Période : 2026-11-01 au 2026-11-30" in text
    assert "Effectif estimé : 1 000 employés × 195,00 $ / an ÷ 12" in text
    assert "Montant : 16 250,00 $" in text
    assert "Montant dû : 16 250,00 $" in text
    assert "Payable dans les 30 jours suivant la date d'émission." in text
    assert "Taux en vigueur : 195,00 $ par employé par année." in text


def test_a_first_month_begun_mid_month_shows_its_days_on_the_invoice() -> None:
    # An agreement from October 15: 17 days of October's 31, 1,000 x 195.00 $ / 12 x 17 / 31.
    first = MONTHLY.model_copy(
        update={
            "first_day": date(2026, 10, 15),
            "last_day": date(2026, 10, 31),
            "amount": Decimal("8911.29"),
        }
    )

    text = text_of(invoice_pdf(first, "Ministère des Transports"))

    assert "Mois partiel : 17 jours sur 31" in text
    assert "Montant dû : 8 911,29 $" in text
    assert "Mois partiel" not in text_of(invoice_pdf(MONTHLY, "Ministère des Transports"))


def test_a_credit_applied_to_an_invoice_is_taken_off_what_is_due() -> None:
    credited = MONTHLY.model_copy(
        update={"credited": Decimal("8190.00"), "credits": ["F-2027-000004"]}
    )
    text = text_of(invoice_pdf(credited, "Ministère des Transports"))

    assert "Crédit appliqué (F-2027-000004) : -8 190,00 $" in text
    assert "Montant dû : 8 060,00 $" in text


def test_an_adjustment_invoice_shows_the_actual_average_beside_the_estimate() -> None:
    adjustment = CREDIT_NOTE.model_copy(
        update={"kind": InvoiceKind.adjustment, "headcount": Decimal("1042")}
    )
    text = text_of(invoice_pdf(adjustment, "Ministère des Transports"))

    assert "FACTURE D'AJUSTEMENT" in text
    assert "Effectif moyen réel : 1 042,00 ; effectif estimé : 1 000" in text
    assert "Date d'échéance : 2027-05-01" in text


def test_a_credit_note_has_no_due_date_and_is_applied_to_later_invoices_or_refunded() -> None:
    text = text_of(invoice_pdf(CREDIT_NOTE, "Ministère des Transports"))

    assert "NOTE DE CRÉDIT" in text
    assert "échéance" not in text
    assert "Payable" not in text
    assert "Appliquée aux factures suivantes ou remboursée" in text
    assert "Effectif moyen réel : 958,00 ; effectif estimé : 1 000" in text
    assert "Montant crédité : 8 190,00 $" in text


def test_characters_beyond_latin_1_are_written_plainly() -> None:
    text = text_of(invoice_pdf(MONTHLY, "Ministère de l\u2019Économie\u202f\u2014 Québec"))

    assert "Client : MTQ - Ministère de l'Économie - Québec" in text


def test_an_invoice_renders_to_the_same_bytes_every_time() -> None:
    first = invoice_pdf(MONTHLY, "Ministère des Transports")

    assert invoice_pdf(MONTHLY, "Ministère des Transports") == first
    assert first.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("16250"), "16 250,00 $"),
        (Decimal("-8190"), "-8 190,00 $"),
        (Decimal("0"), "0,00 $"),
        (Decimal("195.005"), "195,01 $"),  # to the cent, half up
        (Decimal("1234567.8"), "1 234 567,80 $"),
    ],
)
def test_money_is_shown_the_quebec_french_way(amount: Decimal, shown: str) -> None:
    assert money_fr(amount) == shown
