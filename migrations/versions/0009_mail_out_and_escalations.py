"""mail out and escalations: the outbox's delivery state, escalation kinds and acknowledgement,
supervisors' addresses, people's language, ticket contacts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Mail queued before the relay existed is owed: it stays `queued` and the relay sends it.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("workflow_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=250), nullable=True))
        batch.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="queued")
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("server_reply", sa.String(length=500), nullable=True))
        batch.create_index("outbox_due", ["status", "next_attempt_at"])
        batch.create_index("ix_outbox_workflow_id", ["workflow_id"])
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="breach")
        )
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("escalations_by_time", ["escalated_at", "idempotency_key"])
    # The kinds of the escalations recorded before this column, read from their keys.
    op.execute("UPDATE escalations SET kind = 'late_notice' WHERE idempotency_key LIKE '%/late'")
    op.execute(
        "UPDATE escalations SET kind = 'removal_failed' WHERE idempotency_key LIKE '%/removal'"
    )
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("email", sa.String(length=200), nullable=True))
    with op.batch_alter_table("persons") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=2), nullable=False, server_default="fr")
        )
    op.create_table(
        "ticket_contacts",
        sa.Column("ticket_id", sa.String(length=20), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("ticket_contacts")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("email")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index("escalations_by_time")
        batch.drop_column("acknowledged_at")
        batch.drop_column("acknowledged_by")
        batch.drop_column("kind")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_workflow_id")
        batch.drop_index("outbox_due")
        for column in (
            "server_reply",
            "sent_at",
            "sending_since",
            "next_attempt_at",
            "attempts",
            "status",
            "message_id",
            "workflow_id",
        ):
            batch.drop_column(column)
