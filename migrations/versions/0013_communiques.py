"""communiqués: their content and digest, attachments, recipients resolved at the release, the
MOs' named lists, questions; the outbox learns which mail is a communiqué's and the digest of
what was sent

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "communiques",
        sa.Column("id", sa.String(length=30), primary_key=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("mo_code", sa.String(length=12), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("target_mos", sa.Text(), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("release_at", WHEN, nullable=True),
        sa.Column("corrects", sa.String(length=30), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", WHEN, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("checked_by", sa.String(length=64), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", WHEN, nullable=True),
        sa.Column("refusal", sa.String(length=400), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("recipients_digest", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", WHEN, nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("questions_until", WHEN, nullable=True),
    )
    op.create_index("ix_communiques_mo_code", "communiques", ["mo_code"])
    op.create_index("ix_communiques_corrects", "communiques", ["corrects"])
    op.create_index("ix_communiques_submitted_at", "communiques", ["submitted_at"])
    op.create_index("ix_communiques_status", "communiques", ["status"])
    op.create_table(
        "communique_files",
        sa.Column(
            "communique_id", sa.String(length=30), sa.ForeignKey("communiques.id"), primary_key=True
        ),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )
    op.create_table(
        "communique_recipients",
        sa.Column(
            "communique_id", sa.String(length=30), sa.ForeignKey("communiques.id"), primary_key=True
        ),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("mo_code", sa.String(length=12), nullable=False),
        sa.Column("employee_number", sa.String(length=20), nullable=False),
    )
    op.create_table(
        "communique_lists",
        sa.Column("mo_code", sa.String(length=12), sa.ForeignKey("mos.code"), primary_key=True),
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("employee_number", sa.String(length=20), primary_key=True),
    )
    op.create_table(
        "communique_questions",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column(
            "communique_id", sa.String(length=30), sa.ForeignKey("communiques.id"), nullable=False
        ),
        sa.Column("asked_at", WHEN, nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("mo_code", sa.String(length=12), nullable=True),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.String(length=20), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
    )
    op.create_index(
        "ix_communique_questions_communique_id", "communique_questions", ["communique_id"]
    )
    op.create_index("ix_communique_questions_ticket_id", "communique_questions", ["ticket_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("communique_id", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("content_digest", sa.String(length=64), nullable=True))
    op.create_index("ix_outbox_communique_id", "outbox", ["communique_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_communique_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("content_digest")
        batch.drop_column("communique_id")
    op.drop_index("ix_communique_questions_ticket_id", table_name="communique_questions")
    op.drop_index("ix_communique_questions_communique_id", table_name="communique_questions")
    op.drop_table("communique_questions")
    op.drop_table("communique_lists")
    op.drop_table("communique_recipients")
    op.drop_table("communique_files")
    for index in ("status", "submitted_at", "corrects", "mo_code"):
        op.drop_index(f"ix_communiques_{index}", table_name="communiques")
    op.drop_table("communiques")
