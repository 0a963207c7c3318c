"""review items say which quotes and speakers they are about in columns

`review_item.other_quote_id` (the second quote of a drift/conflict pair) and
`other_speaker_id` (the second speaker of an alias pair), so that exports and queue
refreshes find an item's quotes and speakers through indexes instead of decoding every
payload. Existing rows are filled in from their payloads and subjects.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("other_quote_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("other_speaker_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_review_item_other_quote_id_quote"),
            "quote",
            ["other_quote_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_review_item_other_speaker_id_speaker"),
            "speaker",
            ["other_speaker_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_review_item_other_quote_id"), ["other_quote_id"], unique=False
        )
        batch_op.create_index(
            "ix_review_item_kind_other_speaker", ["kind", "other_speaker_id"], unique=False
        )
    _backfill()


def _backfill() -> None:
    """Second quote of pair items (from the payload's quote views), second speaker of alias
    items (from the subject); rows whose quote or speaker is gone stay NULL."""
    connection = op.get_bind()
    item = sa.table(
        "review_item",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("subject", sa.String),
        sa.column("payload", sa.Text),
        sa.column("quote_id", sa.Integer),
        sa.column("other_quote_id", sa.Integer),
        sa.column("other_speaker_id", sa.Integer),
    )
    quotes = {row[0] for row in connection.execute(sa.text("SELECT id FROM quote"))}
    speakers = {row[0] for row in connection.execute(sa.text("SELECT id FROM speaker"))}
    updates = []
    rows = connection.execute(
        sa.select(item.c.id, item.c.kind, item.c.subject, item.c.payload, item.c.quote_id).where(
            item.c.kind.in_(("drift", "conflict", "alias"))
        )
    ).all()
    for item_id, kind, subject, payload, quote_id in rows:
        if kind == "alias":
            parts = subject.split(":")
            high = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else None
            if high in speakers:
                updates.append({"row_id": item_id, "quote": None, "speaker": high})
            continue
        data = json.loads(payload) if isinstance(payload, str) else (payload or {})
        found = [q.get("quote_id") for q in data.get("quotes") or [] if isinstance(q, dict)]
        other = next((q for q in found if q != quote_id and q in quotes), None)
        if other is not None:
            updates.append({"row_id": item_id, "quote": other, "speaker": None})
    statement = (
        item.update()
        .where(item.c.id == sa.bindparam("row_id"))
        .values(other_quote_id=sa.bindparam("quote"), other_speaker_id=sa.bindparam("speaker"))
    )
    for start in range(0, len(updates), 1000):
        connection.execute(statement, updates[start : start + 1000])


def downgrade() -> None:
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.drop_index("ix_review_item_kind_other_speaker")
        batch_op.drop_index(batch_op.f("ix_review_item_other_quote_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_review_item_other_speaker_id_speaker"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_review_item_other_quote_id_quote"), type_="foreignkey"
        )
        batch_op.drop_column("other_speaker_id")
        batch_op.drop_column("other_quote_id")
