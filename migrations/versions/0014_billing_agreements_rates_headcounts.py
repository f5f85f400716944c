"""billing: the MOs' agreements (billing contact sealed), the rate grid, headcount snapshots

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "billing_agreements",
        sa.Column("mo_code", sa.String(length=12), sa.ForeignKey("mos.code"), primary_key=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("estimated_headcount", sa.Integer(), nullable=False),
        sa.Column("billing_contact", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
    )
    op.create_table(
        "billing_rates",
        sa.Column("valid_from", sa.Date(), primary_key=True),
        sa.Column("per_employee_per_year", sa.Numeric(10, 2), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
    )
    op.create_table(
        "headcount_snapshots",
        sa.Column("mo_code", sa.String(length=12), sa.ForeignKey("mos.code"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("taken_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("headcount_snapshots")
    op.drop_table("billing_rates")
    op.drop_table("billing_agreements")
