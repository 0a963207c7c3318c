"""Per-file source metadata supplied by the editor: a CSV, TOML or JSON manifest keyed by path.

Accepted shapes (unknown columns/keys inside an entry are ignored; empty values mean "unknown"):

CSV   header ``path,outlet,title,author,url,published_at`` (``language`` too); one row per file.
TOML  ``[files."a.txt"]`` tables keyed by path, and/or ``[[source]]`` entries with a ``path`` key;
      ``published_at`` may be a TOML date/datetime or an ISO string.
JSON  an object keyed by path (``{"a.txt": {"outlet": …}}``) or a list of objects with ``"path"``.

Paths in a manifest may be written as they will be passed to ingest, relative to the manifest's
folder, or as a bare file name (used only when that name is unique in the manifest).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path, PurePath

from provenance.errors import InputError
from provenance.readers.documents import RealPaths, has_parent_step
from provenance.readers.meta import DATE_FORMAT_HINT, SourceMeta, parse_date

FIELDS = ("outlet", "title", "author", "url", "published_at", "language")
CSV_HEADER = "path,outlet,title,author,url,published_at"
_FORMATS = {".csv": "csv", ".toml": "toml", ".json": "json"}


@dataclass(frozen=True)
class Manifest:
    """Metadata per path; ``lookup`` never raises and returns ``SourceMeta()`` for unknown files.

    A desk may keep one manifest of 100k files and ingest a few hundred of them, so nothing
    is done per entry up front: a lookup first tries the path's spelling relative to the
    manifest's folder (string work), and only a path that misses (reached through a linked
    folder, or not listed) makes the manifest resolve every entry's real path, once.
    """

    path: Path
    entries: Mapping[str, SourceMeta] = field(default_factory=dict)
    _base: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # fixed now: a relative manifest path means the folder it named when it was loaded
        object.__setattr__(self, "_base", os.path.abspath(os.fspath(self.path.parent)))

    def lookup(self, path: Path | str) -> SourceMeta:
        """Exact path as given, then path relative to the manifest's folder, then file name."""
        key = _key(path)
        if key in self.entries:
            return self.entries[key]
        raw = os.fspath(path)
        if not has_parent_step(raw):  # "link/../x" is only right when resolved for real
            absolute = os.path.abspath(raw)
            for spelling in (_relative_key(absolute, self._base), _key(absolute)):
                if spelling is not None and (meta := self.entries.get(spelling)) is not None:
                    return meta
        if (meta := self._by_location.get(self._real(path))) is not None:
            return meta
        return self._by_name.get(_name(key), SourceMeta())

    @cached_property
    def _real(self) -> RealPaths:
        return RealPaths()

    @cached_property
    def _by_location(self) -> dict[str, SourceMeta]:
        """Real path of every entry -> its metadata (the first entry wins a shared file)."""
        by_location: dict[str, SourceMeta] = {}
        for key, meta in self.entries.items():  # string work: a manifest can list 100k files
            by_location.setdefault(self._real(os.path.join(self._base, key)), meta)
        return by_location

    @cached_property
    def _by_name(self) -> dict[str, SourceMeta]:
        """File name -> metadata, for names listed once only."""
        names: dict[str, list[SourceMeta]] = {}
        for key, meta in self.entries.items():
            names.setdefault(_name(key), []).append(meta)
        return {n: m[0] for n, m in names.items() if len(m) == 1}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)


def load_manifest(path: Path | str) -> Manifest:
    """Load a .csv, .toml or .json manifest; malformed files raise InputError naming line/field."""
    path = Path(path)
    shown = path.as_posix()
    kind = _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{shown}: unknown manifest format {path.suffix or '(no suffix)'!r}",
            fix="use a .csv, .toml or .json manifest",
        )
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{shown}: manifest not found", fix="check the --manifest path") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{shown}: manifest is a folder", fix="pass the manifest file") from exc
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot read manifest ({exc.strerror or exc})", fix="make it readable"
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{shown}:{line}: manifest is not UTF-8 text", fix="re-save the manifest as UTF-8"
        ) from exc
    parse = {"csv": _parse_csv, "toml": _parse_toml, "json": _parse_json}[kind]
    entries = parse(text, shown)
    if not entries:
        raise InputError(f"{shown}: manifest has no entries", fix=_fix(kind))
    return Manifest(path=path, entries=entries)


# --- formats -------------------------------------------------------------------------------


def _parse_csv(text: str, shown: str) -> dict[str, SourceMeta]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return {}
        columns = [name.strip().lower() for name in header]
        if "path" not in columns:
            raise InputError(f"{shown}:1: CSV header has no 'path' column", fix=_fix("csv"))
        entries: dict[str, SourceMeta] = {}
        lines: dict[str, int] = {}
        for row in reader:
            where = f"{shown}:{reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                raise InputError(
                    f"{where}: {len(row)} cells but the header has {len(columns)}",
                    fix="quote cells that contain commas",
                )
            record = {col: cell for col, cell in zip(columns, row, strict=False)}
            _add(entries, lines, record, where, reader.line_num)
    except csv.Error as exc:
        raise InputError(
            f"{shown}:{reader.line_num}: malformed CSV ({exc})", fix="check the quoting"
        ) from exc
    return entries


def _parse_toml(text: str, shown: str) -> dict[str, SourceMeta]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{shown}: invalid TOML — {exc}", fix=_fix("toml")) from exc
    entries: dict[str, SourceMeta] = {}
    seen: dict[str, int] = {}
    for top in data:
        if top not in ("files", "source"):
            raise InputError(f"{shown}: unknown top-level key {top!r}", fix=_fix("toml"))
    files = data.get("files", {})
    if not isinstance(files, dict):
        raise InputError(f"{shown}: 'files' must be a table of tables", fix=_fix("toml"))
    for number, (key, table) in enumerate(files.items(), start=1):
        where = f'{shown}: [files."{key}"]'
        if not isinstance(table, dict):
            raise InputError(f"{where} must be a table", fix=_fix("toml"))
        _add(entries, seen, {**table, "path": key}, where, number)
    sources = data.get("source", [])
    if not isinstance(sources, list):
        raise InputError(f"{shown}: 'source' must be an array of tables", fix=_fix("toml"))
    for number, table in enumerate(sources, start=1):
        where = f"{shown}: [[source]] #{number}"
        if not isinstance(table, dict):
            raise InputError(f"{where} must be a table", fix=_fix("toml"))
        _add(entries, seen, table, where, len(files) + number)
    return entries


def _parse_json(text: str, shown: str) -> dict[str, SourceMeta]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})", fix=_fix("json")
        ) from exc
    entries: dict[str, SourceMeta] = {}
    seen: dict[str, int] = {}
    if isinstance(data, dict):
        for number, (key, obj) in enumerate(data.items(), start=1):
            where = f"{shown}: entry {key!r}"
            if not isinstance(obj, dict):
                raise InputError(f"{where} must be an object", fix=_fix("json"))
            _add(entries, seen, {**obj, "path": key}, where, number)
    elif isinstance(data, list):
        for number, obj in enumerate(data, start=1):
            where = f"{shown}: entry #{number}"
            if not isinstance(obj, dict):
                raise InputError(f"{where} must be an object", fix=_fix("json"))
            _add(entries, seen, obj, where, number)
    else:
        raise InputError(f"{shown}: top level must be an object or a list", fix=_fix("json"))
    return entries


# --- shared --------------------------------------------------------------------------------


def _add(
    entries: dict[str, SourceMeta],
    seen: dict[str, int],
    record: Mapping[str, object],
    where: str,
    number: int,
) -> None:
    raw_path = record.get("path")
    if not isinstance(raw_path, str) or not raw_path.strip():
        raise InputError(f"{where}: missing 'path'", fix="give every entry the article's path")
    key = _key(raw_path.strip())
    if key in seen:
        raise InputError(
            f"{where}: duplicate entry for {key!r} (first at entry/line {seen[key]})",
            fix="keep one entry per file",
        )
    values: dict[str, object] = {}
    for name in FIELDS:
        value = record.get(name)
        if value is None:
            continue
        if name == "published_at" and isinstance(value, date):
            values[name] = parse_date(value)
            continue
        if not isinstance(value, str):
            raise InputError(
                f"{where}: field {name!r} must be text, not {type(value).__name__}",
                fix="quote the value",
            )
        value = value.strip()
        if not value:
            continue
        if name == "published_at":
            try:
                values[name] = parse_date(value)
            except InputError as exc:
                raise InputError(
                    f"{where}: field 'published_at' has invalid date {value!r}",
                    fix=DATE_FORMAT_HINT,
                ) from exc
        else:
            values[name] = value
    seen[key] = number
    entries[key] = SourceMeta(**values)  # type: ignore[arg-type]


def _key(path: Path | str) -> str:
    """A path as manifests and lookups key it: normalised, with "/" between folders."""
    text = os.path.normpath(os.fspath(path))
    return text if os.sep == "/" else PurePath(text).as_posix()


def _relative_key(absolute: str, base: str) -> str | None:
    """`absolute` as a manifest in folder `base` would key it, if it can (another drive)."""
    try:
        return _key(os.path.relpath(absolute, base))
    except ValueError:
        return None


def _name(key: str) -> str:
    """The file name of a `_key`."""
    return key.rpartition("/")[2]


def _fix(kind: str) -> str:
    return {
        "csv": f"start the CSV with the header {CSV_HEADER}",
        "toml": 'use [files."name.txt"] tables or [[source]] entries with a path key',
        "json": 'use {"name.txt": {"outlet": ...}} or [{"path": "name.txt", ...}]',
    }[kind]
