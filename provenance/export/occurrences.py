"""`export csv`: one row per occurrence of speech, streamed straight from the database.

Same columns as `provenance quotes --format csv` (`rows.OCCURRENCE_COLUMNS`, built there
from quote trees), but produced by one Core `SELECT` over occurrence ⋈ variant ⋈ quote ⋈
source, fetched in partitions: no ORM objects, no trees, no query per quote or per row.
Quote-level columns come from data loaded once before the first row (speaker names,
`lookup.evidence_flags`, `review_statuses`) and from the quote's own rows as they stream
past (`outlets`, counted as `quote_trees` counts them).

Row order: quote by quote (by id: the index on variant.quote_id gives this order without
sorting the whole result), and within a quote as `quote_trees` shows it: canonical
wording first then the other variants by id, occurrences by publication date, source and
position. Repeated passages (the same quote printed twice in one document) are rows of
their own with `repeat_of` set to the first occurrence's `occurrence_id`; pass
`include_repeats=False` to leave them out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from provenance.export.formats import FORMULA_PREFIXES, csv_writer
from provenance.export.rows import OCCURRENCE_COLUMNS
from provenance.lookup import evidence_flags, ordered_flags, outlet_key
from provenance.storage.models import Occurrence, Quote, Source, Speaker, Variant

EXPORT_COLUMNS = OCCURRENCE_COLUMNS

_CANONICAL = OCCURRENCE_COLUMNS.index("canonical_wording")
_FORMULA_FIRST = frozenset(prefix[0] for prefix in FORMULA_PREFIXES)

FETCH_ROWS = 5000  # rows per round trip (SQLite fetchmany; a server-side cursor on PostgreSQL)


def review_statuses(session: Session) -> Mapping[int, str]:
    """THE place review decisions plug into every export (csv, json and prov).

    Returns {quote_id: review status} for the quotes review has something to say about;
    a quote not in the mapping shows its own `Quote.status`. Called ONCE per export, before
    the first row, so it must work in bulk (a few queries, never one per quote) and
    should stay sparse: its size is what the export holds in memory.
    """
    from provenance.export.reviews import decided_statuses

    return decided_statuses(session, None)


# Positions in a `_speech_query` result row.
(
    _QUOTE,
    _SPEAKER,
    _CANONICAL_ID,
    _VARIANT,
    _WORDING,
    _RELATION,
    _SIMILARITY,
    _MISQUOTE,
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
    _STATUS,
    _OUTLET_COUNT,
) = range(20)
# Positions in a `_source_rows` entry.
_S_PUBLISHED, _S_PATH, _S_OUTLET, _S_TITLE, _S_AUTHOR, _S_URL = range(6)


def _speech_query(speaker_id: int | None) -> Select[Any]:
    """Speech occurrences grouped by quote (`variant.quote_id` order), occurrence columns
    only: the wording's and quote's cells come from `_variant_rows` (read once per variant,
    not once per occurrence), the source's from `_source_rows`, and the rows of one quote
    are put in display order in Python (`_display_order`), which spares the database a sort
    of the whole joined result."""
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


def _variant_rows(session: Session, speaker_id: int | None) -> dict[int, tuple[Any, ...]]:
    """variant id -> (speaker id, canonical variant id, wording, relation, similarity,
    misquote, quote status, quote outlet count)."""
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
    ).join(Quote, Quote.id == Variant.quote_id)
    if speaker_id is not None:
        query = query.where(Variant.speaker_id == speaker_id)
    return {row[0]: tuple(row[1:]) for row in session.connection().execute(query)}


def _source_rows(session: Session) -> dict[int, tuple[Any, ...]]:
    """source id -> (published_at, path, outlet, title, author, url), for every source."""
    return {
        row[0]: tuple(row[1:])
        for row in session.connection().execute(
            select(
                Source.id,
                Source.published_at,
                Source.path,
                Source.outlet,
                Source.title,
                Source.author,
                Source.url,
            )
        )
    }


def _display_order(
    quote: list[Any], sources: Mapping[int, tuple[Any, ...]], nulls_first: bool
) -> list[Any]:
    """A quote's rows as `quote_trees` shows them: canonical wording first, then the other
    variants by id; occurrences by publication date (undated first on SQLite, last on
    PostgreSQL, as their ORDER BY puts NULLs), source and position."""
    if len(quote) == 1:
        return quote
    canonical = quote[0][_CANONICAL_ID]
    undated = (0, 0) if nulls_first else (1, 0)

    def key(r: Any) -> tuple[Any, ...]:
        published = sources[r[_SOURCE]][_S_PUBLISHED]
        when = undated if published is None else (1 if nulls_first else 0, published)
        return (r[_VARIANT] != canonical, r[_VARIANT], when, r[_SOURCE], r[_START])

    return sorted(quote, key=key)


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


def _quote_rows(
    quote: list[Any],
    speakers: Mapping[int, str],
    canonical: str | None,
    evidence: Mapping[int, set[str]],
    review: Mapping[int, str],
    include_repeats: bool,
    sources: Mapping[int, tuple[Any, ...]],
) -> Iterator[list[Any]]:
    """The CSV rows of one quote, from all of its result rows (in display order)."""
    first = quote[0]
    quote_id, status = first[_QUOTE], first[_STATUS]
    speaker = _text(speakers.get(first[_SPEAKER]))
    canonical = _text(canonical)
    # As in `quote_trees`: distinct outlets over every occurrence, repeats included.
    outlets = len({outlet_key(sources[r[_SOURCE]][_S_OUTLET], r[_SOURCE]) for r in quote})
    flags = _text(";".join(ordered_flags(evidence.get(quote_id, ()), first[_OUTLET_COUNT], status)))
    review_status = _text(review.get(quote_id, status))
    for r in quote:
        if not include_repeats and r[_REPEAT] is not None:
            continue
        source = sources[r[_SOURCE]]
        yield [
            quote_id,
            speaker,
            canonical,
            r[_VARIANT],
            _text(r[_WORDING]),
            r[_RELATION],
            round(r[_SIMILARITY], 1),
            bool(r[_MISQUOTE]),
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


def _rows(
    session: Session,
    speaker_id: int | None,
    include_fragments: bool,
    include_repeats: bool,
    *,
    as_lines: bool = False,
) -> Iterator[Any]:
    """Row lists, or (`as_lines`) finished CSV records, for the speech then the fragments."""
    speakers = dict(session.execute(select(Speaker.id, Speaker.name)).all())
    evidence = evidence_flags(session)
    review = review_statuses(session)
    sources = _source_rows(session)
    nulls_first = session.get_bind().dialect.name != "postgresql"
    # Core rows on the session's connection: no ORM loading layer between cursor and CSV.
    connection = session.connection()
    result = connection.execute(_speech_query(speaker_id).execution_options(yield_per=FETCH_ROWS))
    cells: dict[Any, str] = {}

    def finish(quote: list[Any]) -> Iterator[Any]:
        quote = _display_order(quote, sources, nulls_first)
        canonical = _canonical(session, quote)
        if as_lines:
            return _quote_lines(
                quote, speakers, canonical, evidence, review, include_repeats, sources, cells
            )
        return _quote_rows(quote, speakers, canonical, evidence, review, include_repeats, sources)

    variants = _variant_rows(session, speaker_id)
    quote: list[Any] = []
    current = None
    for raw in result:
        quote_id, variant_id = raw[0], raw[1]
        if quote_id != current:
            if quote:
                yield from finish(quote)
            quote = []
            current = quote_id
        v = variants[variant_id]
        # One row in the `_QUOTE` … `_OUTLET_COUNT` layout.
        quote.append((quote_id, v[0], v[1], variant_id, *v[2:6], *raw[2:], v[6], v[7]))
    if quote:
        yield from finish(quote)
    if not include_fragments or speaker_id is not None:
        return
    fragments = connection.execute(_fragment_query().execution_options(yield_per=FETCH_ROWS))
    for r in fragments:
        if not include_repeats and r[16] is not None:
            continue
        row = [
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
        yield _line(row) if as_lines else row


def _canonical(session: Session, quote: list[Any]) -> str | None:
    """The canonical wording: the first row's, since the canonical variant sorts first.

    Only when the canonical variant has no exported occurrence is it looked up (rare);
    a quote without a canonical shows its first wording, as `quote_trees` does.
    """
    first = quote[0]
    wanted = first[_CANONICAL_ID]
    if wanted is None or wanted == first[_VARIANT]:
        return first[_WORDING]
    return session.scalar(select(Variant.wording).where(Variant.id == wanted))


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


def _quote_lines(
    quote: list[Any],
    speakers: Mapping[int, str],
    canonical: str | None,
    evidence: Mapping[int, set[str]],
    review: Mapping[int, str],
    include_repeats: bool,
    sources: Mapping[int, tuple[Any, ...]],
    cells: dict[Any, str],
) -> Iterator[str]:
    """The CSV records of one quote, straight from its result rows: the same cells as
    `_quote_rows`, but each quote's, variant's and source's cells are encoded once, since
    the long texts (canonical wording, wording, title) repeat across rows; short repeated
    texts (attributed name, cue, source cells) are encoded once per export (`cells`)."""
    first = quote[0]
    quote_id, status = first[_QUOTE], first[_STATUS]
    outlets = len({outlet_key(sources[r[_SOURCE]][_S_OUTLET], r[_SOURCE]) for r in quote})
    flags = ";".join(ordered_flags(evidence.get(quote_id, ()), first[_OUTLET_COUNT], status))
    head = f"{quote_id},{_field(speakers.get(first[_SPEAKER]))},{_field(canonical)},"
    tail = f",{outlets},{_field(flags)},{_field(review.get(quote_id, status))}\r\n"
    variant_id = None
    variant = ""
    for (
        _q,
        _s,
        _c,
        this_variant,
        wording,
        relation,
        similarity,
        misquote,
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
        _status,
        _count,
    ) in quote:
        if repeat_of is None:
            repeat_of = ""
        elif not include_repeats:
            continue
        if this_variant != variant_id:
            variant_id = this_variant
            variant = (
                f"{variant_id},{_field(wording)},{relation},"
                f"{round(similarity, 1)},{bool(misquote)},"
            )
        source = cells.get(source_id)
        if source is None:
            published, path, outlet, title, author, url = sources[source_id]
            source = cells[source_id] = (
                f"{source_id},{_field(path)},{_field(outlet)},{_field(title)},"
                f"{_field(author)},{_field(url)},"
                f"{published.isoformat() if published is not None else ''}"
            )
        who = cells.get(("a", attributed))
        if who is None:
            who = cells[("a", attributed)] = _field(attributed)
        said = cells.get(("c", cue))
        if said is None:
            said = cells[("c", cue)] = _field(cue)
        yield (
            f"{head}{variant}{occurrence_id},{source},{spans},{start},"
            f"{end},{who},{said},{kind},{confidence},{repeat_of}{tail}"
        )


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
    lines_iter = _rows(session, speaker_id, include_fragments, include_repeats, as_lines=True)
    csv_writer(out).writerow(EXPORT_COLUMNS)
    count = 0
    lines: list[str] = []
    for line in lines_iter:
        lines.append(line)
        if len(lines) >= 2000:
            out.write("".join(lines))
            count += len(lines)
            lines = []
    out.write("".join(lines))
    return count + len(lines)
