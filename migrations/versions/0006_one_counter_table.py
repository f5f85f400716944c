"""one counter table: ticket numbers join the request ids' series

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.rename_table("request_counters", "counters")
    # Each year's ticket numbers carry on where they were, as the series `T-<year>`.
    op.execute(
        sa.text(
            "INSERT INTO counters (series, last_number) "
            "SELECT 'T-' || CAST(year AS VARCHAR(4)), last_number FROM ticket_counters"
        )
    )
    op.drop_table("ticket_counters")


def downgrade() -> None:
    op.create_table(
        "ticket_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.execute(
        sa.text(
            "INSERT INTO ticket_counters (year, last_number) "
            "SELECT CAST(SUBSTR(series, 3) AS INTEGER), last_number FROM counters "
            "WHERE series LIKE 'T-%'"
        )
    )
    op.execute(sa.text("DELETE FROM counters WHERE series LIKE 'T-%'"))
    op.rename_table("counters", "request_counters")
