"""escalations_by_kind: the API's /metrics counts escalations by kind at each scrape, from an
index rather than the whole table

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("escalations_by_kind", "escalations", ["kind"])


def downgrade() -> None:
    op.drop_index("escalations_by_kind", table_name="escalations")
