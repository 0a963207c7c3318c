"""Rendering command results as table, json or csv: data on stdout, nothing else."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from provenance.export.formats import json_default, write_csv


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def default_format(chosen: Format | None) -> Format:
    """A table for people at a terminal, JSON for programs reading a pipe."""
    if chosen is not None:
        return chosen
    return Format.table if sys.stdout.isatty() else Format.json


def dumps_json(data: Any) -> str:
    return json.dumps(data, default=json_default, ensure_ascii=False, indent=2)


def _table_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)


def render(
    rows: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    fmt: Format,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    out: TextIO | None = None,
) -> None:
    out = out or sys.stdout
    if fmt is Format.json:
        out.write(dumps_json(rows) + "\n")
        return
    records = [rows] if isinstance(rows, Mapping) else list(rows)
    if isinstance(rows, Mapping) and fmt is Format.table and columns is None:
        # One record reads best as a two-column list on a terminal, not one wide row.
        records = [{"field": key, "value": value} for key, value in rows.items()]
        columns = ["field", "value"]
    columns = list(columns or (records[0].keys() if records else []))
    if fmt is Format.csv:
        write_csv(records, columns, out)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, expand=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(*(_table_cell(record.get(column)) for column in columns))
    Console(file=out, soft_wrap=False).print(table)
