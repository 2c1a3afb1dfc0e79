"""inbox events record the user they concern (owner_id), so each user's feed is a query of its own

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Rows stored before this revision keep a NULL owner; the feed reads their owner from the payload.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_events", sa.Column("owner_id", sa.String(255), nullable=True))
    op.create_index("ix_webhook_events_owner_id_id", "webhook_events", ["owner_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_events_owner_id_id", table_name="webhook_events")
    with op.batch_alter_table("webhook_events") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("owner_id")
