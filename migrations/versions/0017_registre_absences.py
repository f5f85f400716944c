"""registre absences: a personne autorisée absent for a period, their relève authorising meanwhile

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registre_absences",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("mo_code", sa.String(length=12), sa.ForeignKey("mos.code"), nullable=False),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("registre_persons.id"), nullable=False),
        sa.Column("employee_number", sa.String(length=20), nullable=False),
        sa.Column("absent_from", sa.Date(), nullable=False),
        sa.Column("absent_until", sa.Date(), nullable=False),
        sa.Column("declared_by", sa.String(length=64), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_registre_absences_mo_code", "registre_absences", ["mo_code"])


def downgrade() -> None:
    op.drop_index("ix_registre_absences_mo_code", table_name="registre_absences")
    op.drop_table("registre_absences")
