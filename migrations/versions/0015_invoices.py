"""invoices: numbered invoices and credit notes with their PDF, payments, credit applied,
billing paused per MO, SAGIR's accounts receivable, the outbox's invoice mails

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("key", sa.String(length=60), primary_key=True),
        sa.Column("number", sa.String(length=20), nullable=False, unique=True),
        sa.Column("mo_code", sa.String(length=12), sa.ForeignKey("mos.code"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("headcount", sa.Numeric(14, 4), nullable=False),
        sa.Column("estimated_headcount", sa.Numeric(14, 4), nullable=False),
        sa.Column("rate", sa.Numeric(10, 2), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("credited", MONEY, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("paid", MONEY, nullable=False, server_default="0"),
        sa.Column("reminders", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_in_erp", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("mailed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", WHEN, nullable=False),
    )
    op.create_index("invoices_by_mo", "invoices", ["mo_code", "first_day"])
    op.create_table(
        "invoice_payments",
        sa.Column(
            "invoice_key", sa.String(length=60), sa.ForeignKey("invoices.key"), primary_key=True
        ),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
    )
    op.create_table(
        "credit_applications",
        sa.Column(
            "credit_key", sa.String(length=60), sa.ForeignKey("invoices.key"), primary_key=True
        ),
        sa.Column(
            "invoice_key", sa.String(length=60), sa.ForeignKey("invoices.key"), primary_key=True
        ),
        sa.Column("amount", MONEY, nullable=False),
    )
    with op.batch_alter_table("billing_agreements") as table:
        table.add_column(sa.Column("paused_by", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("paused_at", WHEN, nullable=True))
    op.create_table(
        "sagir_receivables",
        sa.Column("idempotency_key", sa.String(length=160), primary_key=True),
        sa.Column("document", sa.String(length=20), nullable=False),
        sa.Column("mo_code", sa.String(length=12), nullable=False),
        sa.Column("operation", sa.String(length=12), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=False),
    )
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("invoice_key", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_column("invoice_key")
    op.drop_table("sagir_receivables")
    with op.batch_alter_table("billing_agreements") as table:
        table.drop_column("paused_at")
        table.drop_column("paused_by")
    op.drop_table("credit_applications")
    op.drop_table("invoice_payments")
    op.drop_index("invoices_by_mo", "invoices")
    op.drop_table("invoices")
