"""warnings: a ticket or request whose take-in-charge deadline nears is marked once the CA is told;
a ticket's SAGIR module kept in its projection (the committee's report counts by it); an
escalation's list of who was told unbounded (a warning tells every agent on duty)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("tickets", "requests"):
        op.add_column(
            table,
            sa.Column("warned", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.add_column(
        "tickets", sa.Column("module", sa.String(length=200), nullable=False, server_default="")
    )
    with op.batch_alter_table("escalations") as batch:
        batch.alter_column(
            "notified",
            type_=sa.Text(),
            existing_type=sa.String(length=400),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.alter_column(
            "notified",
            type_=sa.String(length=400),
            existing_type=sa.Text(),
            existing_nullable=False,
        )
    op.drop_column("tickets", "module")
    for table in ("tickets", "requests"):
        op.drop_column(table, "warned")
