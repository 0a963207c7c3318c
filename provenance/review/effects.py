"""Recorded data changes: every row a decision sets, inserts or deletes, with its before image.

A decision's effects are stored on its (append-only) ReviewDecision row, so an undo, even
after a restart, can put back exactly what the decision changed and nothing else: a value
somebody changed since is left alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from provenance.storage.models import Base


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$dt"}:
        return datetime.fromisoformat(value["$dt"])
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _load(a), _load(b)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return bool(a == b)


def _pk_clause(table: Table, pk: dict[str, Any]):  # type: ignore[no-untyped-def]
    clause = None
    for name, value in pk.items():
        part = table.c[name] == value
        clause = part if clause is None else clause & part
    return clause


class Changes:
    """Applies changes through SQL and remembers how to revert them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ops: list[dict[str, Any]] = []

    def row(self, table: str, pk: dict[str, Any]) -> dict[str, Any] | None:
        t = _table(table)
        found = self.session.execute(select(t).where(_pk_clause(t, pk))).mappings().first()
        return dict(found) if found is not None else None

    def set(self, table: str, row_id: int, **values: Any) -> None:
        pk = {"id": row_id}
        current = self.row(table, pk)
        if current is None:
            return
        before = {k: current[k] for k, v in values.items() if not _same(current[k], v)}
        if not before:
            return
        after = {k: values[k] for k in before}
        t = _table(table)
        self.session.execute(update(t).where(_pk_clause(t, pk)).values(**after))
        self.ops.append(
            {
                "op": "set",
                "table": table,
                "pk": pk,
                "before": {k: _dump(v) for k, v in before.items()},
                "after": {k: _dump(v) for k, v in after.items()},
            }
        )

    def insert(self, table: str, **values: Any) -> int:
        t = _table(table)
        result = self.session.execute(insert(t).values(**values))
        row_id = result.inserted_primary_key[0]
        self.ops.append({"op": "insert", "table": table, "pk": {"id": row_id}})
        return int(row_id)

    def delete(self, table: str, pk: dict[str, Any]) -> None:
        current = self.row(table, pk)
        if current is None:
            return
        t = _table(table)
        self.session.execute(delete(t).where(_pk_clause(t, pk)))
        self.ops.append(
            {
                "op": "delete",
                "table": table,
                "pk": pk,
                "row": {k: _dump(v) for k, v in current.items()},
            }
        )

    def as_json(self) -> list[dict[str, Any]]:
        return list(self.ops)


def revert(session: Session, ops: list[dict[str, Any]]) -> int:
    """Undo recorded operations, last first; returns how many were reverted."""
    reverted = 0
    for op in reversed(ops):
        t = _table(op["table"])
        where = _pk_clause(t, op["pk"])
        current = session.execute(select(t).where(where)).mappings().first()
        if op["op"] == "set":
            if current is None:
                continue
            restore = {
                k: _load(before)
                for k, before in op["before"].items()
                if _same(current[k], op["after"][k])
            }
            if restore:
                session.execute(update(t).where(where).values(**restore))
                reverted += 1
        elif op["op"] == "insert":
            if current is not None:
                session.execute(delete(t).where(where))
                reverted += 1
        elif op["op"] == "delete" and current is None:
            session.execute(insert(t).values(**{k: _load(v) for k, v in op["row"].items()}))
            reverted += 1
    return reverted
