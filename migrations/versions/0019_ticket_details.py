"""ticket_details: the desk reads a whole ticket from its records (issue 17): the rest of each
ticket and each step's note, sealed at rest; empty for tickets projected before

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("details", sa.Text(), nullable=True))
    op.add_column("ticket_steps", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("ticket_steps", "note")
    op.drop_column("tickets", "details")
