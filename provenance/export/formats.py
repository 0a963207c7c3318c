"""Cell-level serialisation shared by every CSV and JSON writer (CLI views and exports).

One rule for spreadsheet safety lives here: a text cell that a spreadsheet would run as a
formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`,
as OWASP advises for CSV injection.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        value = ";".join(str(item) for item in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return neutralise_cell(value)


def csv_writer(out: TextIO) -> Any:
    """RFC 4180: CRLF after every record, fields quoted only when they need it."""
    return csv.writer(out, lineterminator="\r\n")


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    """RFC 4180 (CRLF rows, quoted as needed) with formula cells neutralised."""
    writer = csv_writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
        count += 1
    return count


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")
