"""`export csv`: one row per occurrence of speech, streamed straight from the database.

Same columns as `provenance quotes --format csv` (`rows.OCCURRENCE_COLUMNS`, built there
from quote trees), but produced by one Core `SELECT` of occurrence ⋈ variant, streamed in
partitions (fetchmany on SQLite, a server-side cursor on PostgreSQL): no ORM objects, no
trees, no query per quote or per row. Everything that is per variant, per quote or per
source is read once before the first row (`_variant_rows`, `_source_rows`, speaker names,
`lookup.evidence_flags`, `review_statuses`) and encoded once when first needed: a row is
one string built from cached pieces (quote and wording cells, the source's cells, the
attributed name and cue) and the occurrence's own numbers.

Row order: quote by quote (by id: the index on variant.quote_id gives this order without
sorting the whole result), and within a quote as `quote_trees` shows it: canonical
wording first then the other variants by id, occurrences by publication date, source and
position. Repeated passages (the same quote printed twice in one document) are rows of
their own with `repeat_of` set to the first occurrence's `occurrence_id`; pass
`include_repeats=False` to leave them out.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from itertools import count, groupby
from operator import itemgetter
from typing import Any, TextIO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from provenance.export.formats import FORMULA_PREFIXES, csv_writer
from provenance.export.rows import OCCURRENCE_COLUMNS
from provenance.lookup import FLAG_RELATIONS, evidence_flags, ordered_flags
from provenance.storage.models import Link, Occurrence, Quote, Source, Speaker, Variant

EXPORT_COLUMNS = OCCURRENCE_COLUMNS

_FORMULA_FIRST = frozenset(prefix[0] for prefix in FORMULA_PREFIXES)

FETCH_ROWS = 5000  # rows per round trip (SQLite fetchmany; a server-side cursor on PostgreSQL)
WRITE_LINES = 2000  # records per write to the output
# SQLite reads the database through a memory map of up to this many bytes during an export
# (capped by the library's own limit, 2 GiB by default): its scans then read pages in place
# instead of copying each one out of the OS cache with a system call.
EXPORT_MMAP_BYTES = 1 << 31


def review_statuses(session: Session) -> Mapping[int, str]:
    """THE place review decisions plug into every export (csv, json and prov).

    Returns {quote_id: review status} for the quotes review has something to say about;
    a quote not in the mapping shows its own `Quote.status`. Called ONCE per export, before
    the first row, so it must work in bulk (a few queries, never one per quote) and
    should stay sparse: its size is what the export holds in memory.
    """
    from provenance.export.reviews import decided_statuses

    return decided_statuses(session, None)


# Positions in a `_speech_query` row.
(
    _QUOTE,
    _VARIANT,
    _OCCURRENCE,
    _SOURCE,
    _SPANS,
    _START,
    _END,
    _ATTRIBUTED,
    _CUE,
    _KIND,
    _CONFIDENCE,
    _REPEAT,
) = range(12)
# Positions in a `_variant_rows` value.
(
    _V_SPEAKER,
    _V_CANONICAL,
    _V_WORDING,
    _V_RELATION,
    _V_SIMILARITY,
    _V_MISQUOTE,
    _V_STATUS,
    _V_OUTLET_COUNT,
    _V_QUOTE,
) = range(1, 10)
# Positions in a `_source_rows` value.
_S_PUBLISHED, _S_PATH, _S_OUTLET, _S_TITLE, _S_AUTHOR, _S_URL = range(1, 7)


def _speech_query(speaker_id: int | None) -> Select[Any]:
    """Speech occurrences grouped by quote (`variant.quote_id` order), occurrence columns
    only: the wording's and quote's cells come from `_variant_rows` (read once per variant,
    not once per occurrence), the source's from `_source_rows`, and the rows of one quote
    are put in display order in Python (`_in_display_order`), which spares the database a
    sort of the whole joined result."""
    query = (
        select(
            Variant.quote_id,
            Occurrence.variant_id,
            Occurrence.id,
            Occurrence.source_id,
            Occurrence.spans,
            Occurrence.char_start,
            Occurrence.char_end,
            Occurrence.attributed_as,
            Occurrence.cue,
            Occurrence.kind,
            Occurrence.confidence,
            Occurrence.repeat_of_id,
        )
        .select_from(Occurrence)
        .join(Variant, Variant.id == Occurrence.variant_id)
        .where(Occurrence.status != "not_a_quote")
        .order_by(Variant.quote_id)
    )
    if speaker_id is not None:
        query = query.where(Variant.speaker_id == speaker_id)
    return query


_cursor_names = count()


def _plain_rows(session: Session, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """`query`'s rows as the DBAPI returns them, plain tuples fetched FETCH_ROWS at a time
    (a server-side cursor on PostgreSQL), on the session's connection and transaction.

    Only for columns that need no result processing (integers, floats, strings; a boolean
    arrives as 0/1 on SQLite). Tuples are what makes the per-row code fast: SQLAlchemy's
    rows cost a Python-level iteration for every unpacking."""
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    if connection.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"provenance_export_{next(_cursor_names)}")
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(str(compiled), params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield from batch
    finally:
        cursor.close()


@contextmanager
def _mapped_reads(session: Session) -> Iterator[None]:
    """On SQLite, memory-map the database file for the export's reads (`EXPORT_MMAP_BYTES`)
    and put the connection's own setting back afterwards; elsewhere, nothing."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    found = dbapi.execute("PRAGMA mmap_size").fetchone()
    before = found[0] if found else 0
    if before >= EXPORT_MMAP_BYTES:
        yield
        return
    dbapi.execute(f"PRAGMA mmap_size={EXPORT_MMAP_BYTES}").fetchall()
    try:
        yield
    finally:
        with suppress(sqlite3.Error):  # never hide the export's own error
            dbapi.execute(f"PRAGMA mmap_size={int(before)}").fetchall()


def _variant_rows(session: Session, speaker_id: int | None) -> dict[int, Any]:
    """variant id -> (id, speaker id, canonical variant id, wording, relation, similarity,
    misquote, quote status, quote outlet count, quote id), fetched in one go; `misquote` is
    only read through `bool()`."""
    query = select(
        Variant.id,
        Quote.speaker_id,
        Quote.canonical_variant_id,
        Variant.wording,
        Variant.relation,
        Variant.similarity,
        Variant.misquote,
        Quote.status,
        Quote.outlet_count,
        Variant.quote_id,
    ).join(Quote, Quote.id == Variant.quote_id)
    if speaker_id is not None:
        query = query.where(Variant.speaker_id == speaker_id)
    return {row[0]: row for row in _plain_rows(session, query)}


def _source_rows(session: Session) -> tuple[dict[int, Any], dict[int, int]]:
    """source id -> (id, published_at, path, outlet, title, author, url), every source; and
    source id -> its rank in `quote_trees`' occurrence order (publication date, then id,
    with NULL dates where this database's ORDER BY puts them, as the trees have them)."""
    query = select(
        Source.id,
        Source.published_at,
        Source.path,
        Source.outlet,
        Source.title,
        Source.author,
        Source.url,
    ).order_by(Source.published_at, Source.id)
    dialect = session.connection().dialect
    # The one column that needs its type's conversion (SQLite stores date-times as text).
    when = Source.published_at.type.dialect_impl(dialect).result_processor(dialect, None)
    rows = [
        (row[0], when(row[1]) if when else row[1], *row[2:]) for row in _plain_rows(session, query)
    ]
    return {row[0]: row for row in rows}, {row[0]: rank for rank, row in enumerate(rows)}


def _evidence(session: Session, variants: Mapping[int, Any]) -> dict[int, set[str]]:
    """`lookup.evidence_flags(session)` from `variants` holding EVERY variant: the quotes
    of drift/conflict links' ends come from it instead of two joins per link."""
    found: dict[int, set[str]] = defaultdict(set)
    for variant in variants.values():
        if variant[_V_MISQUOTE]:
            found[variant[_V_QUOTE]].add("misquote")
    links = select(Link.relation, Link.variant_a_id, Link.variant_b_id).where(
        Link.relation.in_(FLAG_RELATIONS), Link.status != "rejected"
    )
    for relation, variant_a, variant_b in _plain_rows(session, links):
        found[variants[variant_a][_V_QUOTE]].add(relation)
        found[variants[variant_b][_V_QUOTE]].add(relation)
    return dict(found)


class _Cache(dict):  # type: ignore[type-arg]
    """A dict that fills itself: `cache[key]` computes a missing value once, `make(key)`."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class _Speech:
    """What every speech row needs besides its own columns, loaded before the first row."""

    def __init__(self, session: Session, speaker_id: int | None) -> None:
        self.session = session
        self.speakers = dict(_plain_rows(session, select(Speaker.id, Speaker.name)))
        self.review = review_statuses(session)
        self.sources, self.ranks = _source_rows(session)
        self.variants = _variant_rows(session, speaker_id)
        self.evidence = (
            evidence_flags(session) if speaker_id is not None else _evidence(session, self.variants)
        )
        # What makes two sources one outlet, as `lookup.outlet_key` has it: the same outlet
        # name up to case, or (no outlet) the same source. A name never equals an id.
        self.outlets = {
            source_id: row[_S_OUTLET].casefold() if row[_S_OUTLET] else source_id
            for source_id, row in self.sources.items()
        }

    def in_display_order(self, rows: list[Any]) -> tuple[list[Any], Any]:
        """A quote's rows as `quote_trees` shows them (canonical wording first, then the
        other variants by id; occurrences by date, source and position), and the quote's
        columns (a `_variant_rows` value)."""
        quote = self.variants[rows[0][_VARIANT]]
        if len(rows) > 1:
            canonical, ranks = quote[_V_CANONICAL], self.ranks
            rows.sort(key=lambda r: (r[1] != canonical, r[1], ranks[r[3]], r[5]))
        return rows, quote

    def canonical(self, rows: list[Any], quote: Any) -> str | None:
        """The canonical wording; a quote without one shows its first, as `quote_trees`
        does."""
        wanted = quote[_V_CANONICAL]
        if wanted is None:
            return self.variants[rows[0][_VARIANT]][_V_WORDING]
        found = self.variants.get(wanted)
        if found is not None:
            return found[_V_WORDING]
        return self.session.scalar(select(Variant.wording).where(Variant.id == wanted))

    def quote_cells(self, quote_id: int, rows: list[Any], quote: Any) -> tuple[int, str, str]:
        """The quote's outlet count (distinct outlets over every occurrence, repeats
        included, as `quote_trees` counts them), flags and review status."""
        outlets = 1 if len(rows) == 1 else len({self.outlets[r[_SOURCE]] for r in rows})
        status = quote[_V_STATUS]
        found = self.evidence.get(quote_id, ())
        flags = ";".join(ordered_flags(found, quote[_V_OUTLET_COUNT], status))
        return outlets, flags, self.review.get(quote_id, status)

    def quotes(self, result: Any) -> Iterator[tuple[int, list[Any], Any]]:
        """(quote id, its rows in display order, its `_variant_rows` value) per quote."""
        for quote_id, group in groupby(result, itemgetter(_QUOTE)):
            rows, quote = self.in_display_order(list(group))
            yield quote_id, rows, quote


def _fragment_query() -> Select[Any]:
    """Fragments (scare quotes) and headlines: stored text with no speaker and no quote."""
    return (
        select(
            Occurrence.id,
            Source.id,
            Source.path,
            Source.outlet,
            Source.title,
            Source.author,
            Source.url,
            Source.published_at,
            Occurrence.wording,
            Occurrence.spans,
            Occurrence.char_start,
            Occurrence.char_end,
            Occurrence.attributed_as,
            Occurrence.cue,
            Occurrence.kind,
            Occurrence.confidence,
            Occurrence.repeat_of_id,
        )
        .select_from(Occurrence)
        .join(Source, Source.id == Occurrence.source_id)
        .where(Occurrence.variant_id.is_(None), Occurrence.status != "not_a_quote")
        .order_by(Source.published_at, Source.id, Occurrence.char_start)
    )


def _text(value: Any) -> Any:
    """Spreadsheet safety (see `formats.neutralise_cell`), inlined for speed."""
    if value and value[0] in _FORMULA_FIRST:
        return "'" + value
    return value


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iter_occurrence_rows(
    session: Session,
    *,
    speaker: str | None = None,
    include_fragments: bool = False,
    include_repeats: bool = True,
) -> Iterator[list[Any]]:
    """Rows as lists in `EXPORT_COLUMNS` order, text cells neutralised for spreadsheets.

    `speaker` is matched like everywhere else (`find_speaker`, raising NotFound or
    Ambiguous right away, before any row); fragments and headlines are nobody's speech, so
    they come last, only with `include_fragments` and never for a single speaker.
    """
    return _rows(session, _speaker_id(session, speaker), include_fragments, include_repeats)


def _speaker_id(session: Session, speaker: str | None) -> int | None:
    if speaker is None:
        return None
    from provenance.storage.speakers import find_speaker

    return find_speaker(session, speaker).id


def _speech_result(session: Session, speaker_id: int | None) -> Iterator[tuple[Any, ...]]:
    """The speech rows, streamed as plain tuples on the session's connection."""
    return _plain_rows(session, _speech_query(speaker_id))


def _rows(
    session: Session, speaker_id: int | None, include_fragments: bool, include_repeats: bool
) -> Iterator[list[Any]]:
    """Row lists for the speech, then the fragments."""
    speech = _Speech(session, speaker_id)
    sources = speech.sources
    for quote_id, rows, quote in speech.quotes(_speech_result(session, speaker_id)):
        outlets, flags, review_status = speech.quote_cells(quote_id, rows, quote)
        speaker = _text(speech.speakers.get(quote[_V_SPEAKER]))
        canonical = _text(speech.canonical(rows, quote))
        flags, review_status = _text(flags), _text(review_status)
        for r in rows:
            if not include_repeats and r[_REPEAT] is not None:
                continue
            variant = speech.variants[r[_VARIANT]]
            source = sources[r[_SOURCE]]
            yield [
                quote_id,
                speaker,
                canonical,
                r[_VARIANT],
                _text(variant[_V_WORDING]),
                variant[_V_RELATION],
                round(variant[_V_SIMILARITY], 1),
                bool(variant[_V_MISQUOTE]),
                r[_OCCURRENCE],
                r[_SOURCE],
                _text(source[_S_PATH]),
                _text(source[_S_OUTLET]),
                _text(source[_S_TITLE]),
                _text(source[_S_AUTHOR]),
                _text(source[_S_URL]),
                _when(source[_S_PUBLISHED]),
                r[_SPANS],
                r[_START],
                r[_END],
                _text(r[_ATTRIBUTED]),
                _text(r[_CUE]),
                r[_KIND],
                r[_CONFIDENCE],
                r[_REPEAT],
                outlets,
                flags,
                review_status,
            ]
    if include_fragments and speaker_id is None:
        yield from _fragment_rows(session, include_repeats)


def _fragment_rows(session: Session, include_repeats: bool) -> Iterator[list[Any]]:
    """Fragments and headlines as row lists (no quote, speaker or variant cells)."""
    fragments = session.connection().execute(
        _fragment_query().execution_options(yield_per=FETCH_ROWS)
    )
    for r in fragments:
        if not include_repeats and r[16] is not None:
            continue
        yield [
            None,
            None,
            None,
            None,
            _text(r[8]),
            None,
            None,
            None,
            r[0],
            r[1],
            _text(r[2]),
            _text(r[3]),
            _text(r[4]),
            _text(r[5]),
            _text(r[6]),
            _when(r[7]),
            r[9],
            r[10],
            r[11],
            _text(r[12]),
            _text(r[13]),
            r[14],
            r[15],
            r[16],
            None,
            None,
            None,
        ]


def occurrence_rows(session: Session, **options: Any) -> Iterator[dict[str, Any]]:
    """The same rows as dicts keyed by column name (convenient, a little slower)."""
    for row in iter_occurrence_rows(session, **options):
        yield dict(zip(EXPORT_COLUMNS, row, strict=True))


def _field(value: str | None) -> str:
    """One RFC 4180 field, quoted exactly when `csv.writer` (QUOTE_MINIMAL) would, after
    neutralising formulas: the row's bytes match a `csv.writer` row of neutralised cells."""
    if value is None:
        return ""
    if value and value[0] in _FORMULA_FIRST:
        value = "'" + value
    return _quoted(value)


def _line(cells: Sequence[Any]) -> str:
    """A record from cells that are already neutralised (`iter_occurrence_rows` rows)."""
    return (
        ",".join("" if c is None else _quoted(c) if isinstance(c, str) else str(c) for c in cells)
        + "\r\n"
    )


def _quoted(value: str) -> str:
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def _speech_lines(
    session: Session, speaker_id: int | None, include_repeats: bool
) -> Iterator[tuple[list[str], int]]:
    """Finished CSV records of the speech rows, a batch of whole quotes at a time, with the
    number of records: the cells of `_rows`, each encoded once (`_field`) where it is first
    needed: the quote's cells once per quote, a wording's once per variant, a source's once
    per export (`sources`), attributed names and cues once per export (`who`, `said`)."""
    speech = _Speech(session, speaker_id)
    raw = speech.sources

    def source_cells(source_id: int) -> str:
        _id, published, path, outlet, title, author, url = raw[source_id]
        return (
            f"{source_id},{_field(path)},{outlet_cells[outlet]},{_field(title)},"
            f"{author_cells[author]},{_field(url)},"
            f"{published.isoformat() if published is not None else ''}"
        )

    sources, who, said = _Cache(source_cells), _Cache(_field), _Cache(_field)
    outlet_cells, author_cells = _Cache(_field), _Cache(_field)  # few values, many sources
    speakers = _Cache(lambda speaker_id: _field(speech.speakers.get(speaker_id)))
    statuses = _Cache(_field)  # review statuses
    # Flags of the many quotes without drift/conflict/misquote evidence, by (single outlet
    # per the quote's figures, status).
    plain_flags = _Cache(
        lambda key: _field(";".join(ordered_flags((), 1 if key[0] else 2, key[1])))
    )
    variants, ranks, outlet_of = speech.variants, speech.ranks, speech.outlets
    evidence, review = speech.evidence, speech.review
    lines: list[str] = []
    append = lines.append
    # Inlined `_Speech.quotes`, `in_display_order` and `quote_cells` (this loop runs per quote).
    for quote_id, group in groupby(_speech_result(session, speaker_id), itemgetter(_QUOTE)):
        rows = list(group)
        quote = variants[rows[0][_VARIANT]]
        if len(rows) > 1:
            canonical_id = quote[_V_CANONICAL]
            rows.sort(key=lambda r: (r[1] != canonical_id, r[1], ranks[r[3]], r[5]))
            outlets = len({outlet_of[r[_SOURCE]] for r in rows})
        else:
            outlets = 1
        status = quote[_V_STATUS]
        found = evidence.get(quote_id)
        if found is None:
            flags = plain_flags[(quote[_V_OUTLET_COUNT] <= 1, status)]
        else:
            flags = _field(";".join(ordered_flags(found, quote[_V_OUTLET_COUNT], status)))
        head = f"{quote_id},{speakers[quote[_V_SPEAKER]]},{_field(speech.canonical(rows, quote))},"
        tail = f",{outlets},{flags},{statuses[review.get(quote_id, status)]}\r\n"
        variant_id = None
        prefix = ""
        for (
            _quote,
            this_variant,
            occurrence_id,
            source_id,
            spans,
            start,
            end,
            attributed,
            cue,
            kind,
            confidence,
            repeat_of,
        ) in rows:
            if repeat_of is None:
                repeat_of = ""
            elif not include_repeats:
                continue
            if this_variant != variant_id:
                variant_id = this_variant
                v = variants[variant_id]
                prefix = (
                    f"{head}{variant_id},{_field(v[_V_WORDING])},{v[_V_RELATION]},"
                    f"{round(v[_V_SIMILARITY], 1)},{bool(v[_V_MISQUOTE])},"
                )
            append(
                f"{prefix}{occurrence_id},{sources[source_id]},{spans},{start},{end},"
                f"{who[attributed]},{said[cue]},{kind},{confidence},{repeat_of}{tail}"
            )
        if len(lines) >= WRITE_LINES:
            yield lines, len(lines)
            lines = []
            append = lines.append
    if lines:
        yield lines, len(lines)


def export_occurrences_csv(
    session: Session,
    out: TextIO,
    *,
    speaker: str | None = None,
    include_fragments: bool = False,
    include_repeats: bool = True,
) -> int:
    """Write the header and one RFC 4180 row per occurrence to `out`; returns the row count.

    `out` should be opened with `newline=""` (see `export.output.open_output`): every
    record ends with CRLF as written.
    """
    speaker_id = _speaker_id(session, speaker)  # before the header: no header, then error
    with _mapped_reads(session):
        return _write_csv(session, out, speaker_id, include_fragments, include_repeats)


def _write_csv(
    session: Session,
    out: TextIO,
    speaker_id: int | None,
    include_fragments: bool,
    include_repeats: bool,
) -> int:
    batches = _speech_lines(session, speaker_id, include_repeats)
    csv_writer(out).writerow(EXPORT_COLUMNS)
    count = 0
    for lines, records in batches:
        out.write("".join(lines))
        count += records
    if include_fragments and speaker_id is None:
        lines = []
        for row in _fragment_rows(session, include_repeats):
            lines.append(_line(row))
            if len(lines) >= WRITE_LINES:
                out.write("".join(lines))
                count += len(lines)
                lines = []
        out.write("".join(lines))
        count += len(lines)
    return count
