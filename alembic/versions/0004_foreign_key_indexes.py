"""index the foreign keys that deleting a variant checks

`quote.canonical_variant_id` (ON DELETE SET NULL) and `link.likely_original_id` reference
`variant`; neither PostgreSQL nor SQLite indexes a foreign key's referencing column, so
every variant an editor's split or merge deletes scanned the whole quote and link tables.
No data changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quote_canonical_variant_id"), ["canonical_variant_id"], unique=False
        )
    with op.batch_alter_table("link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_likely_original_id"), ["likely_original_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_likely_original_id"))
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_canonical_variant_id"))
