"""lists from the desk's records: requests' listing, tickets' requester and pilot, queue index

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("process", sa.String(length=20), nullable=False),
        sa.Column("mo_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("breached", sa.Boolean(), nullable=False),
        sa.Column("late_notice", sa.Boolean(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_index("ix_requests_mo_code", "requests", ["mo_code"])
    op.create_index("requests_by_process", "requests", ["process", "mo_code", "workflow_id"])
    # Tickets opened before these columns get them at their next step.
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("requester", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("forwarded_to", sa.String(length=200), nullable=True))
        batch.create_index("ix_tickets_requester", ["requester"])
        batch.create_index("ix_tickets_forwarded_to", ["forwarded_to"])
        batch.create_index("tickets_queue", ["status", sa.text("urgent DESC"), "due_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("tickets_queue")
        batch.drop_index("ix_tickets_forwarded_to")
        batch.drop_index("ix_tickets_requester")
        batch.drop_column("forwarded_to")
        batch.drop_column("requester")
    op.drop_index("requests_by_process", table_name="requests")
    op.drop_index("ix_requests_mo_code", table_name="requests")
    op.drop_table("requests")
