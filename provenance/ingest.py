"""Ingest: read documents, extract their quotes, and store each source in one transaction.

The pipeline is readers → extraction → storage; linking runs afterwards over the
variants this run created (see `provenance.linking.store`). A source is either stored
whole or not at all, so an interrupted run never leaves half a document behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.orm import Session

from provenance.errors import InputError
from provenance.extraction import ExtractedQuote, extract_quotes
from provenance.linking import normalise
from provenance.readers import Document, SourceMeta, iter_paths, load_manifest, read_document
from provenance.readers.manifest import Manifest
from provenance.review.queue import (
    LOW_CONFIDENCE,
    attribution_priority,
    fingerprint,
    possible_alias_row,
    refresh_scope,
)
from provenance.storage.db import Database, IdAllocator, insert_rows, select_matching
from provenance.storage.maintenance import refresh_statistics
from provenance.storage.models import (
    SPEECH_KINDS,
    Occurrence,
    Quote,
    ReviewItem,
    Source,
    Variant,
    utcnow,
)
from provenance.storage.speakers import SpeakerDirectory


@dataclass
class FileOutcome:
    path: str
    status: str  # "new" | "unchanged" | "failed"
    source_id: int | None = None
    quotes: int = 0
    new_speakers: int = 0
    message: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    new_variant_ids: list[int] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.files if outcome.status == status)

    @property
    def quotes(self) -> int:
        return sum(outcome.quotes for outcome in self.files)

    @property
    def new_speakers(self) -> int:
        return sum(outcome.new_speakers for outcome in self.files)

    @property
    def failed(self) -> bool:
        return any(outcome.status == "failed" for outcome in self.files)

    def summary(self) -> dict[str, int]:
        return {
            "sources_new": self.count("new"),
            "sources_unchanged": self.count("unchanged"),
            "sources_failed": self.count("failed"),
            "quotes_found": self.quotes,
            "new_speakers": self.new_speakers,
        }


def spans_text(spans: Sequence[tuple[int, int]]) -> str:
    if len(spans) == 1:  # most quotes: no generator and join for one pair
        return f"{spans[0][0]}:{spans[0][1]}"
    return ";".join([f"{start}:{end}" for start, end in spans])


def spans_extent(spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """(first start, last end) of the spans; (0, 0) for none."""
    if len(spans) == 1:
        return spans[0][0], spans[0][1]
    if not spans:
        return 0, 0
    starts, ends = zip(*spans, strict=True)  # min and max over tuples, not generators
    return min(starts), max(ends)


def parse_spans(value: str) -> list[tuple[int, int]]:
    pairs = (part.split(":") for part in value.split(";") if part)
    return [(int(start), int(end)) for start, end in pairs]


class CollectedPaths(list[Path]):
    """What `collect_paths` returns: `ingest` takes it as it is instead of walking and
    resolving every path a second time (a stat and a realpath per file)."""


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Resolve files and folders up front so a typo fails before anything is written."""
    if isinstance(paths, CollectedPaths):
        return paths
    return CollectedPaths(iter_paths(paths))


SOURCE_COLUMNS = (
    "path",
    "outlet",
    "title",
    "author",
    "url",
    "published_at",
    "sha256",
    "text",
    "language",
)
# What a worker prepares per occurrence, in this order; the writer adds id, source_id,
# variant_id, status and repeat_of_id.
OCCURRENCE_FIELDS = (
    "wording",
    "spans",
    "char_start",
    "char_end",
    "attributed_as",
    "cue",
    "kind",
    "confidence",
    "sentence",
    "speaker_title",
    "speaker_affiliation",
)
OCCURRENCE_COLUMNS = ("id", "source_id", "variant_id", *OCCURRENCE_FIELDS, "status", "repeat_of_id")
QUOTE_COLUMNS = (
    "id",
    "speaker_id",
    "status",
    "canonical_pinned",
    "outlet_count",
    "source_count",
    "created_at",
)
VARIANT_COLUMNS = (
    "id",
    "quote_id",
    "speaker_id",
    "wording",
    "normalised",
    "normalised_hash",
    "relation",
    "similarity",
    "misquote",
    "created_at",
)
ITEM_COLUMNS = (
    "kind",
    "subject",
    "payload",
    "evidence",
    "priority",
    "state",
    "speaker_id",
    "quote_id",
    "other_speaker_id",
    "required_decisions",
    "opened_at",
    "created_at",
    "updated_at",
)


@dataclass(slots=True)
class PreparedSource:
    """One file read, extracted and turned into row values: everything about a source that
    needs no database, done where the extraction ran (a worker process), so the writer
    only resolves speakers and wordings and writes rows.

    Per occurrence (`occurrences[i]`, values in `OCCURRENCE_FIELDS` order), `speech[i]` is
    (speaker as written, title, affiliation, normalised wording, wording hash, speaker kind
    as extraction read it or None) for speech with a speaker, else None; `repeats` holds
    (index, index of the passage it repeats); `flagged` the indexes an editor should check
    (low confidence or no speaker).
    """

    path: str  # as shown to the user
    sha256: str
    document_path: str
    text: str
    meta: SourceMeta  # the document's own; the writer merges the manifest's and overrides
    occurrences: list[tuple[Any, ...]]
    speech: list[tuple[str, str | None, str | None, str, str, str | None] | None]
    repeats: list[tuple[int, int]]
    flagged: list[int]
    quotes: int  # speech occurrences that are not repeats
    warnings: tuple[str, ...]

    def source_row(self) -> tuple[Any, ...]:
        """The values of `SOURCE_COLUMNS`."""
        meta = self.meta
        return (
            self.document_path,
            meta.outlet,
            meta.title,
            meta.author,
            meta.url,
            meta.published_at,
            self.sha256,
            self.text,
            meta.language,
        )


def prepare(path: Path) -> PreparedSource | FileOutcome:
    """Read, extract and prepare one file: the CPU-bound part of ingest, safe to run in a
    worker."""
    shown = path.as_posix()
    try:
        document = read_document(path)
    except InputError as error:
        return FileOutcome(shown, "failed", message=error.line())
    try:
        quotes = extract_quotes(document.text, strict=True)
    except Exception as error:  # a bug in extraction: this file, not the whole run
        what = " ".join(f"{type(error).__name__}: {error}".split())  # one line
        message = (
            f"{shown}: extracting its quotes failed ({what}); "
            "it was not stored — please report it with this file"
        )
        return FileOutcome(shown, "failed", message=message)
    return prepare_document(shown, document, document.meta, quotes)


def prepare_document(
    shown: str, document: Document, meta: SourceMeta, quotes: Sequence[ExtractedQuote]
) -> PreparedSource:
    occurrences: list[tuple[Any, ...]] = []
    speech: list[tuple[str, str | None, str | None, str, str, str | None] | None] = []
    repeats: list[tuple[int, int]] = []
    flagged: list[int] = []
    count = 0
    last = len(quotes)
    for index, quote in enumerate(quotes):
        # Each attribute read once: on the compiled extractor's objects every read is a
        # descriptor call. `_clip`, `spans_text` and `spans_extent` are inlined for the
        # common case (one span, values within their columns), where they return their
        # input as it is.
        kind = quote.kind
        spans = quote.spans
        confidence = quote.confidence
        speaker = quote.speaker
        title = quote.speaker_title
        affiliation = quote.speaker_affiliation
        attributed_as = quote.attributed_as
        cue = quote.cue
        repeat_of = quote.repeat_of
        wording = quote.wording
        if len(spans) == 1:
            start, end = spans[0]
            shown_spans = f"{start}:{end}"
        else:
            shown_spans = spans_text(spans)
            start, end = spans_extent(spans)
        occurrences.append(
            (
                wording,
                shown_spans,
                start,
                end,
                attributed_as
                if attributed_as is None or len(attributed_as) <= 255
                else _clip(attributed_as, 255),
                cue if cue is None or len(cue) <= 64 else _clip(cue, 64),
                kind,
                confidence if 0.0 < confidence < 1.0 else max(0.0, min(1.0, confidence)),
                quote.sentence,
                title if title is None or len(title) <= 255 else _clip(title, 255),
                affiliation
                if affiliation is None or len(affiliation) <= 255
                else _clip(affiliation, 255),
            )
        )
        is_speech = kind in SPEECH_KINDS
        if is_speech and speaker:
            normalised = normalise(wording)
            speech.append(
                (
                    speaker,
                    title,
                    affiliation,
                    normalised,
                    wording_hash(normalised),
                    quote.speaker_kind,
                )
            )
        else:
            speech.append(None)
        if repeat_of is not None:
            if 0 <= repeat_of < last:
                repeats.append((index, repeat_of))
        elif is_speech:
            count += 1
            if confidence < LOW_CONFIDENCE or not speaker:
                flagged.append(index)
    return PreparedSource(
        path=shown,
        sha256=document.sha256,
        document_path=document.path,
        text=document.text,
        meta=meta,
        occurrences=occurrences,
        speech=speech,
        repeats=repeats,
        flagged=flagged,
        quotes=count,
        warnings=document.warnings,
    )


def _prepare_chunk(paths: list[Path]) -> list[PreparedSource | FileOutcome]:
    return [prepare(path) for path in paths]


def _prepared(
    paths: list[Path], workers: int, started: Callable[[], None], ahead: int = 64
) -> Iterator[PreparedSource | FileOutcome]:
    """Prepared files in input order, on `workers` processes in all: the calling process is
    one of them. It writes every batch and, whenever the next chunk of files is not ready
    yet, prepares a later chunk itself, so `workers` processes keep `workers` cores busy
    without a writer competing with them, and the writer never waits while it could work.
    About `ahead` files (a batch) plus a few chunks per helper are in flight, so helpers
    keep working while a batch is written, and prepared files never pile up in memory when
    writing is the slower side. `started` runs once the helpers have work (the caller loads
    the manifest meanwhile).
    """
    if workers <= 1 or len(paths) < 2:
        started()
        for path in paths:
            yield prepare(path)
        return
    from concurrent.futures import Future, ProcessPoolExecutor

    helpers = workers - 1
    size = max(1, min(16, len(paths) // (workers * 16)))
    chunks = [paths[start : start + size] for start in range(0, len(paths), size)]
    limit = 4 * helpers + -(-ahead // size)  # chunks handed out and not yet consumed
    pool = ProcessPoolExecutor(max_workers=helpers)
    futures: dict[int, Future[list[PreparedSource | FileOutcome]]] = {}
    local: dict[int, list[PreparedSource | FileOutcome]] = {}
    assigned = 0

    def hand_out() -> None:
        nonlocal assigned
        while assigned < len(chunks) and len(futures) < limit:
            futures[assigned] = pool.submit(_prepare_chunk, chunks[assigned])
            assigned += 1

    try:
        hand_out()
        started()
        for index in range(len(chunks)):
            while index not in local:
                hand_out()
                future = futures[index]  # handed out in order, so index < assigned
                if (
                    future.done()
                    or assigned >= len(chunks)  # nothing left to prepare here
                    or len(local) >= limit  # a helper is stuck: do not run far ahead of it
                ):
                    local[index] = futures.pop(index).result()
                else:  # the helpers are behind: prepare the next chunk here meanwhile
                    local[assigned] = _prepare_chunk(chunks[assigned])
                    assigned += 1
            yield from local.pop(index)
    except BaseException:  # including GeneratorExit: the consumer stopped early
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def ingest(
    database: Database,
    paths: Iterable[str | Path],
    *,
    manifest: str | Path | None = None,
    overrides: SourceMeta | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    workers: int = 1,
    batch_size: int | None = None,
) -> IngestReport:
    """Store every readable document under `paths`; bad files are reported, not fatal.

    Sources are committed in batches: each source is in exactly one transaction, so an
    interrupted run leaves every source either fully stored or absent. The default batch
    is 256 sources: each batch pays a fixed cost (a transaction, a lookup of the stored
    hashes, statements per table; on PostgreSQL each a round trip), and on SQLite 256
    instead of 64 took a tenth off the writer's CPU time for PolNeAR train. SQLite's write
    lock is then held about 0.1 s per batch, which a concurrent reviewer's write waits out
    (`busy_timeout`).
    """
    if batch_size is None:
        batch_size = 256
    files = collect_paths(paths)
    loaded: list[Manifest] = []

    def load() -> None:  # while the helpers start on the first files
        if manifest:
            loaded.append(load_manifest(Path(manifest)))

    report = IngestReport()
    with database.engine.connect() as connection:
        directory = SpeakerDirectory(connection)
    writer = _Writer(database, directory)
    batch: list[PreparedSource] = []

    def flush_batch() -> None:
        outcomes = writer.store(batch, report)
        batch.clear()
        # The next batches look wordings up by speaker and hash: on PostgreSQL, tables that
        # grew twofold without ANALYZE get whole-table scans (one catalog query when fresh).
        refresh_statistics(database)
        for outcome in outcomes:
            _finish(report, outcome, on_file)

    with closing(_prepared(files, workers, load, batch_size)) as prepared_files:
        for prepared in prepared_files:
            if isinstance(prepared, FileOutcome):
                _finish(report, prepared, on_file)
                continue
            if loaded:
                prepared.meta = prepared.meta.merged(loaded[0].lookup(Path(prepared.path)))
            if overrides is not None:
                prepared.meta = prepared.meta.merged(overrides)
            batch.append(prepared)
            if len(batch) >= batch_size:
                flush_batch()
        if batch:
            flush_batch()
    return report


def _finish(
    report: IngestReport, outcome: FileOutcome, on_file: Callable[[FileOutcome], None] | None
) -> None:
    report.files.append(outcome)
    if on_file is not None:
        on_file(outcome)


@dataclass
class RunState:
    """What one ingest run's writer keeps between its transactions."""

    directory: SpeakerDirectory
    ids: IdAllocator
    # (speaker id, wording hash) -> (variant id, its quote id when written or read):
    # wordings this run already knows are stored, so they are not looked up again.
    variants: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)
    pending_variants: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)

    def commit(self) -> None:
        self.directory.commit_pending()
        self.variants.update(self.pending_variants)
        self.pending_variants.clear()

    def rollback(self) -> None:
        self.directory.forget_pending()
        self.pending_variants.clear()


class _Writer:
    def __init__(self, database: Database, directory: SpeakerDirectory) -> None:
        self.database = database
        self.state = RunState(directory, IdAllocator(postgres=not database.is_sqlite))

    def store(self, batch: list[PreparedSource], report: IngestReport) -> list[FileOutcome]:
        """Store one batch of documents in one transaction, with a few statements per batch."""
        outcomes: list[FileOutcome] = []
        new_variants: list[int] = []
        state = self.state
        try:
            with self.database.writing() as connection:
                shas = sorted({item.sha256 for item in batch})
                stored: dict[str, int] = {
                    sha: source_id
                    for sha, source_id in select_matching(
                        connection, SOURCE, ("sha256", "id"), ("sha256",), [(s,) for s in shas]
                    )
                }
                fresh: list[PreparedSource] = []
                first_of: dict[str, int] = {}  # sha -> index in `fresh` (a file twice in a batch)
                for item in batch:
                    if item.sha256 not in stored and item.sha256 not in first_of:
                        first_of[item.sha256] = len(fresh)
                        fresh.append(item)
                results = store_documents(connection, fresh, state) if fresh else []
                for item in batch:
                    index = first_of.get(item.sha256)
                    if item.sha256 in stored:
                        outcomes.append(
                            FileOutcome(
                                item.path,
                                "unchanged",
                                source_id=stored[item.sha256],
                                warnings=item.warnings,
                            )
                        )
                    elif index is not None and fresh[index] is item:
                        source_id, new_speakers, variant_ids = results[index]
                        new_variants.extend(variant_ids)
                        outcomes.append(
                            FileOutcome(
                                item.path,
                                "new",
                                source_id=source_id,
                                quotes=item.quotes,
                                new_speakers=new_speakers,
                                warnings=item.warnings,
                            )
                        )
                    else:  # the same content again later in this batch
                        outcomes.append(
                            FileOutcome(
                                item.path,
                                "unchanged",
                                source_id=results[index][0],  # type: ignore[index]
                                warnings=item.warnings,
                            )
                        )
        except BaseException:
            state.rollback()
            raise
        state.commit()
        report.new_variant_ids.extend(new_variants)
        return outcomes


def wording_hash(normalised: str) -> str:
    """The wording's blake2b-160 in hex. Copying an initialised hash is about half the cost
    of initialising one (parameter block, keyword parsing): a third off every wording."""
    digest = _BLAKE2B_160.copy()
    digest.update(normalised.encode("utf-8"))
    return digest.hexdigest()


_BLAKE2B_160 = hashlib.blake2b(digest_size=20)  # never updated: only copied


SOURCE = Source.__table__
OCCURRENCE = Occurrence.__table__
QUOTE = Quote.__table__
VARIANT = Variant.__table__
ITEM = ReviewItem.__table__


def store_documents(
    connection: Connection, items: Sequence[PreparedSource], state: RunState
) -> list[tuple[int, int, list[int]]]:
    """Write prepared sources with their occurrences, in input order, inside the caller's
    transaction; per source returns (source id, new speakers, new variant ids).

    Ids are allocated up front (`IdAllocator`), so each table gets one bulk insert for the
    whole batch (COPY on PostgreSQL, executemany on SQLite) and nothing is read back: the
    per-row work left here is resolving speaker names and wordings, in memory.
    """
    now = utcnow()
    ids = state.ids.for_transaction()
    directory = state.directory
    # Speakers, in document order (a name's first appearance creates the speaker).
    new_speakers = [0] * len(items)
    alias_pairs: list[tuple[int, int]] = []  # (low, high) speaker ids that might be one person
    keyed: list[list[tuple[int, str] | None]] = []  # per occurrence: (speaker id, wording hash)
    for position, item in enumerate(items):
        keys: list[tuple[int, str] | None] = []
        for speech in item.speech:
            if speech is None:
                keys.append(None)
                continue
            name, title, affiliation, _, digest, kind = speech
            resolution = directory.resolve(
                connection, ids, name, title=title, affiliation=affiliation, kind=kind
            )
            new_speakers[position] += int(resolution.created)
            if resolution.possible_matches:
                for other in directory.not_yet_flagged(
                    resolution.speaker_id, resolution.possible_matches
                ):
                    if other != resolution.speaker_id:
                        low, high = sorted((resolution.speaker_id, other))
                        alias_pairs.append((low, high))
            keys.append((resolution.speaker_id, digest))
        keyed.append(keys)
    found, new = _find_variants(connection, items, keyed, state)
    total = sum(len(item.occurrences) for item in items)
    taken = ids.take_many(
        connection,
        {"source": len(items), "occurrence": total, "quote": len(new), "variant": len(new)},
    )
    renamed = directory.flush(connection, now)
    _flag_possible_aliases(connection, directory, alias_pairs, now)
    _refresh_renamed_aliases(connection, renamed)
    source_ids = taken["source"]
    insert_rows(
        connection,
        SOURCE,
        ("id", *SOURCE_COLUMNS, "ingested_at"),
        [
            (source_id, *item.source_row(), now)
            for source_id, item in zip(source_ids, items, strict=True)
        ],
    )
    created = _write_variants(connection, items, keyed, new, taken, found, now)
    # Occurrences of the whole batch in one statement; a repeat points at an earlier
    # occurrence of its source, so the reference is there when the row is checked.
    occurrence_ids = taken["occurrence"]
    rows = []
    late_repeats = []
    offset = 0
    for position, item in enumerate(items):
        repeat_of = dict(item.repeats)
        for index, values in enumerate(item.occurrences):
            key = keyed[position][index]
            target = repeat_of.get(index)
            repeat_id = None
            if target is not None:
                if target < index:
                    repeat_id = occurrence_ids[offset + target]
                else:
                    late_repeats.append(
                        (occurrence_ids[offset + index], occurrence_ids[offset + target])
                    )
            rows.append(
                (
                    occurrence_ids[offset + index],
                    source_ids[position],
                    found[key][0] if key is not None else None,
                    *values,
                    "auto",
                    repeat_id,
                )
            )
        offset += len(item.occurrences)
    insert_rows(connection, OCCURRENCE, OCCURRENCE_COLUMNS, rows)
    if late_repeats:
        connection.execute(
            OCCURRENCE.update()
            .where(OCCURRENCE.c.id == bindparam("row_id"))
            .values(repeat_of_id=bindparam("repeat_of")),
            [{"row_id": row, "repeat_of": target} for row, target in late_repeats],
        )
    _flag_attributions(connection, items, keyed, found, occurrence_ids, created, now)
    return [
        (source_ids[position], new_speakers[position], created[position])
        for position in range(len(items))
    ]


def _flag_attributions(
    connection: Connection,
    items: Sequence[PreparedSource],
    keyed: list[list[tuple[int, str] | None]],
    found: dict[tuple[int, str], tuple[int, int]],
    occurrence_ids: list[int],
    created: list[list[int]],
    now: datetime,
) -> None:
    """Queue each low-confidence or speakerless attribution as soon as it is stored, complete
    (the row `review.queue` would derive for it), with one lookup and one insert per batch."""
    flagged = []  # (occurrence id, variant key, prepared values)
    offset = 0
    for position, item in enumerate(items):
        for index in item.flagged:
            flagged.append(
                (occurrence_ids[offset + index], keyed[position][index], item.occurrences[index])
            )
        offset += len(item.occurrences)
    if not flagged:
        return
    # The quote a wording belongs to can change when a link regroups wordings: read it for
    # wordings stored before this transaction, take it as written for the new ones.
    new_ids = {variant_id for ids in created for variant_id in ids}
    older = sorted({found[key][0] for _, key, _ in flagged if key is not None} - new_ids)
    quote_of = {found[key][0]: found[key][1] for _, key, _ in flagged if key is not None}
    for variant_id, quote_id in select_matching(
        connection, VARIANT, ("id", "quote_id"), ("id",), [(i,) for i in older]
    ):
        quote_of[variant_id] = quote_id
    subjects = [f"attribution:{occurrence_id}" for occurrence_id, _, _ in flagged]
    known = _known_subjects(connection, subjects)
    wording_at = OCCURRENCE_FIELDS.index("wording")
    confidence_at = OCCURRENCE_FIELDS.index("confidence")
    rows = []
    for subject, (occurrence_id, key, values) in zip(subjects, flagged, strict=True):
        if subject in known:
            continue
        variant_id = found[key][0] if key is not None else None
        speaker_id = key[0] if key is not None else None
        quote_id = quote_of[variant_id] if variant_id is not None else None
        confidence = values[confidence_at]
        rows.append(
            (
                "attribution",
                subject,
                {
                    "occurrence_id": occurrence_id,
                    "variant_id": variant_id,
                    "quote_id": quote_id,
                    "speaker_id": speaker_id,
                    "confidence": confidence,
                },
                fingerprint("attribution", occurrence_id, values[wording_at], confidence),
                attribution_priority(confidence),
                "open",
                speaker_id,
                quote_id,
                None,
                1,
                now,
                now,
                now,
            )
        )
    insert_rows(connection, ITEM, ITEM_COLUMNS, rows)


def _known_subjects(connection: Connection, subjects: list[str]) -> set[str]:
    return {
        subject
        for (subject,) in select_matching(
            connection, ITEM, ("subject",), ("subject",), [(s,) for s in sorted(set(subjects))]
        )
    }


def _flag_possible_aliases(
    connection: Connection,
    directory: SpeakerDirectory,
    pairs: list[tuple[int, int]],
    now: datetime,
) -> None:
    """Ask an editor whether two speakers are one person, once per pair, with one insert for
    the whole batch; each item is written complete (evidence included). No stored item can
    name a pair: every pair holds a speaker this transaction created (only a new speaker
    gets possible matches) and `SpeakerDirectory.not_yet_flagged` asks once per run."""
    fresh = dict.fromkeys(pairs)
    if not fresh:
        return
    rows = []
    for low, high in fresh:
        names = (directory.name_of(connection, low), directory.name_of(connection, high))
        row = possible_alias_row(low, high, names)
        rows.append(
            (
                row["kind"],
                row["subject"],
                row["payload"],
                row["evidence"],
                row["priority"],
                "open",
                row["speaker_id"],
                None,
                row["other_speaker_id"],
                1,
                now,
                now,
                now,
            )
        )
    insert_rows(connection, ITEM, ITEM_COLUMNS, rows)


def _refresh_renamed_aliases(connection: Connection, renamed: set[int]) -> None:
    """A speaker's name is part of its alias items' evidence: re-derive them (a decided one
    reopens) in the batch's own transaction."""
    if not renamed:
        return
    with Session(bind=connection) as session:
        refresh_scope(session, speakers=renamed)


def _find_variants(
    connection: Connection,
    items: Sequence[PreparedSource],
    keyed: list[list[tuple[int, str] | None]],
    state: RunState,
) -> tuple[dict[tuple[int, str], tuple[int, int]], list[tuple[int, tuple[int, str]]]]:
    """Each speaker's existing variant per wording hash, and the wordings with none yet.

    Returns {(speaker id, hash): (variant id, quote id)} for the stored ones and, in order
    of first use, (source position, key) for the new ones.
    """
    found: dict[tuple[int, str], tuple[int, int]] = {}
    missing: set[tuple[int, str]] = set()
    for keys in keyed:
        for key in keys:
            if key is None or key in found:
                continue
            known = state.variants.get(key)
            if known is not None:
                found[key] = known
            else:
                missing.add(key)
    # A speaker created in this transaction has no stored wordings yet.
    pairs = sorted(pair for pair in missing if not state.directory.created_now(pair[0]))
    for variant_id, speaker_id, digest, quote_id in select_matching(
        connection,
        VARIANT,
        ("id", "speaker_id", "normalised_hash", "quote_id"),
        ("speaker_id", "normalised_hash"),
        pairs,
    ):
        pair = (speaker_id, digest)
        if pair not in found or variant_id < found[pair][0]:
            found[pair] = (variant_id, quote_id)
    for pair in missing & found.keys():
        state.pending_variants[pair] = found[pair]
    new: list[tuple[int, tuple[int, str]]] = []
    seen = set(found)
    for position, keys in enumerate(keyed):
        for key in keys:
            if key is not None and key not in seen:
                seen.add(key)
                new.append((position, key))
    return found, new


def _write_variants(
    connection: Connection,
    items: Sequence[PreparedSource],
    keyed: list[list[tuple[int, str] | None]],
    new: list[tuple[int, tuple[int, str]]],
    taken: dict[str, list[int]],
    found: dict[tuple[int, str], tuple[int, int]],
    now: datetime,
) -> list[list[int]]:
    """A one-variant quote per new wording (its first occurrence's wording); adds them to
    `found` and returns, per source, the variant ids it created."""
    created: list[list[int]] = [[] for _ in items]
    if not new:
        return created
    wanted = {key for _, key in new}
    first: dict[tuple[int, str], tuple[str, str]] = {}  # key -> (wording, normalised)
    for position, item in enumerate(items):
        for values, key, speech in zip(item.occurrences, keyed[position], item.speech, strict=True):
            if key is not None and key in wanted and key not in first:
                first[key] = (values[0], speech[3])  # type: ignore[index]
    quote_ids, variant_ids = taken["quote"], taken["variant"]
    insert_rows(
        connection,
        QUOTE,
        QUOTE_COLUMNS,
        [
            (quote_id, key[0], "unreviewed", False, 0, 0, now)
            for quote_id, (_, key) in zip(quote_ids, new, strict=True)
        ],
    )
    insert_rows(
        connection,
        VARIANT,
        VARIANT_COLUMNS,
        [
            (variant_id, quote_id, key[0], *first[key], key[1], "canonical", 100.0, False, now)
            for variant_id, quote_id, (_, key) in zip(variant_ids, quote_ids, new, strict=True)
        ],
    )
    # Each new quote's canonical is its only variant.
    if (
        connection.dialect.name == "sqlite"
        and _consecutive(quote_ids)
        and _consecutive(variant_ids)
    ):
        # SQLite's ids are consecutive (`IdAllocator`): one statement over the new quotes'
        # rowid range sets them all, without a statement execution per quote.
        connection.execute(
            QUOTE.update()
            .where(QUOTE.c.id.between(quote_ids[0], quote_ids[-1]))
            .values(canonical_variant_id=QUOTE.c.id + (variant_ids[0] - quote_ids[0]))
        )
    else:
        # A primary-key update per quote, sent as one executemany: no plan depends on table
        # statistics a bulk load leaves stale (PostgreSQL).
        connection.execute(
            QUOTE.update()
            .where(QUOTE.c.id == bindparam("row_id"))
            .values(canonical_variant_id=bindparam("canonical")),
            [
                {"row_id": quote_id, "canonical": variant_id}
                for quote_id, variant_id in zip(quote_ids, variant_ids, strict=True)
            ],
        )
    for (position, key), variant_id, quote_id in zip(new, variant_ids, quote_ids, strict=True):
        found[key] = (variant_id, quote_id)
        created[position].append(variant_id)
    return created


def _consecutive(ids: list[int]) -> bool:
    """Whether ascending, distinct `ids` (as `IdAllocator` hands them out) have no gap."""
    return bool(ids) and ids[-1] - ids[0] == len(ids) - 1


def _clip(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else value[: limit - 1] + "…"
