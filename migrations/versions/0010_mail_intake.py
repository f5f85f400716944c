"""mail intake: mail domains of the MOs, the messages received, their attachments

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("mo_code", sa.String(length=12), nullable=False),
        sa.Column("declared_by", sa.String(length=64), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mo_code"], ["mos.code"]),
        sa.PrimaryKeyConstraint("domain"),
    )
    op.create_index("ix_mail_domains_mo_code", "mail_domains", ["mo_code"])
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("ticket_id", sa.String(length=20), nullable=True),
        sa.Column("mo_code", sa.String(length=12), nullable=True),
        sa.Column("reopen", sa.Boolean(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sorted_by", sa.String(length=64), nullable=True),
        sa.Column("sorted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inbound_mail_ticket_id", "inbound_mail", ["ticket_id"])
    op.create_index("inbound_mail_pending", "inbound_mail", ["delivery", "received_at"])
    op.create_index("inbound_mail_by_outcome", "inbound_mail", ["outcome", "received_at"])
    op.create_table(
        "attachments",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=20), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["inbound_mail.id"]),
        sa.PrimaryKeyConstraint("message_id", "digest"),
    )
    op.create_index("ix_attachments_ticket_id", "attachments", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_ticket_id", table_name="attachments")
    op.drop_table("attachments")
    op.drop_index("inbound_mail_by_outcome", table_name="inbound_mail")
    op.drop_index("inbound_mail_pending", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_ticket_id", table_name="inbound_mail")
    op.drop_table("inbound_mail")
    op.drop_index("ix_mail_domains_mo_code", table_name="mail_domains")
    op.drop_table("mail_domains")
