"""sealed audit trail: each entry names the audit key that sealed it

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Entries already there keep no key id: they are checked as they were written (SHA-256),
    # and the first sealed entry after them seals their chain in turn.
    with op.batch_alter_table("audit_trail") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_trail") as batch:
        batch.drop_column("key_id")
