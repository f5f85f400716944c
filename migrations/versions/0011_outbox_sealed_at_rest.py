"""the outbox seals every mail's address and subject (personal data): their columns become Text,
as a sealed value is longer than the text it holds

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Mail queued before this revision keeps its address and subject as written (no key here to
    # seal them with); the relay delivers it as before.
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("to_address", type_=sa.Text(), existing_type=sa.String(length=200))
        batch.alter_column("subject", type_=sa.Text(), existing_type=sa.String(length=200))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("subject", type_=sa.String(length=200), existing_type=sa.Text())
        batch.alter_column("to_address", type_=sa.String(length=200), existing_type=sa.Text())
