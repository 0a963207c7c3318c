"""review rounds and decision effects

Items can now be closed when their subject disappears (an editor merged the pair), a
reopened item remembers when its current round began, and each decision records what it
changed so that an undo can restore exactly that.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
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
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_review_item_state"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_review_item_state"), "state IN ('open', 'decided', 'closed')"
        )
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effects", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.drop_column("effects")
    # Closed items cannot exist before this revision; they go back to "decided".
    op.execute("UPDATE review_item SET state = 'decided' WHERE state = 'closed'")
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_review_item_state"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_review_item_state"), "state IN ('open', 'decided')"
        )
        batch_op.drop_column("opened_at")
