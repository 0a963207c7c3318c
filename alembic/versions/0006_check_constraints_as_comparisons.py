"""spell the one-of CHECK constraints as comparisons joined by OR

SQLite codes `column IN ('a', 'b', 'c')` with three or more values as a temporary table
that it builds again for every row it checks: about a sixth of the cost of inserting an
occurrence. `column = 'a' OR column = 'b' OR …` allows the same values and costs a few
comparisons. Every one-of constraint changes, so all of them read alike; PostgreSQL
gets the same text. No data changes (SQLite copies each table once to rewrite it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Values written out, not imported from the models: a migration describes the schema as it
# stood at its revision, whatever the models say later.
RELATIONS = (
    "canonical",
    "identical",
    "minor_edit",
    "truncation",
    "extension",
    "drift",
    "conflict",
    "linked",
)
# table -> {constraint name (without the table's prefix): (column, allowed values)}
CHECKS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "speaker": {"kind": ("kind", ("person", "organisation", "unknown"))},
    "speaker_alias": {"origin": ("origin", ("extracted", "editor"))},
    "quote": {"status": ("status", ("unreviewed", "reviewed"))},
    "variant": {"relation": ("relation", RELATIONS)},
    "link": {
        "relation": ("relation", RELATIONS),
        "origin": ("origin", ("auto", "editor")),
        "status": ("status", ("proposed", "confirmed", "rejected")),
    },
    "occurrence": {
        "kind": ("kind", ("full", "partial", "fragment", "headline")),
        "status": ("status", ("auto", "confirmed", "reattributed", "not_a_quote")),
    },
    "review_item": {
        "kind": ("kind", ("conflict", "drift", "alias", "attribution", "single_source")),
        "state": ("state", ("open", "decided", "closed")),
    },
}


def _comparisons(column: str, values: tuple[str, ...]) -> str:
    return " OR ".join(f"{column} = '{value}'" for value in values)


def _in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def _rewrite(spell) -> None:  # type: ignore[no-untyped-def]
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, (column, values) in checks.items():
                constraint = batch_op.f(f"ck_{table}_{name}")
                batch_op.drop_constraint(constraint, type_="check")
                batch_op.create_check_constraint(constraint, spell(column, values))


def upgrade() -> None:
    _rewrite(_comparisons)


def downgrade() -> None:
    _rewrite(_in_list)
