"""Ingest: read documents, extract their quotes, and store each source in one transaction.

The pipeline is readers → extraction → storage; linking runs afterwards over the
variants this run created (see `provenance.linking.store`). A source is either stored
whole or not at all, so an interrupted run never leaves half a document behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from provenance.errors import InputError
from provenance.extraction import ExtractedQuote, extract_quotes
from provenance.linking import normalise
from provenance.readers import Document, SourceMeta, iter_paths, load_manifest, read_document
from provenance.review.queue import LOW_CONFIDENCE, flag_attribution, possible_alias_row
from provenance.storage.db import Database
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
    return ";".join(f"{start}:{end}" for start, end in spans)


def parse_spans(value: str) -> list[tuple[int, int]]:
    pairs = (part.split(":") for part in value.split(";") if part)
    return [(int(start), int(end)) for start, end in pairs]


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Resolve files and folders up front so a typo fails before anything is written."""
    return list(iter_paths(paths))


def prepare(path: Path) -> tuple[Document, list[ExtractedQuote]] | FileOutcome:
    """Read and extract one file: the CPU-bound half of ingest, safe to run in a worker."""
    try:
        document = read_document(path)
    except InputError as error:
        return FileOutcome(path.as_posix(), "failed", message=error.line())
    return document, extract_quotes(document.text)


def _prepared(paths: list[Path], workers: int) -> Iterator[tuple[Path, object]]:
    """Prepared files in input order; extraction runs on `workers` processes."""
    if workers <= 1 or len(paths) < 2:
        for path in paths:
            yield path, prepare(path)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunk = max(1, min(64, len(paths) // (workers * 8) or 1))
        yield from zip(paths, pool.map(prepare, paths, chunksize=chunk), strict=True)


def ingest(
    database: Database,
    paths: Iterable[str | Path],
    *,
    manifest: str | Path | None = None,
    overrides: SourceMeta | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    workers: int = 1,
    batch_size: int = 32,
) -> IngestReport:
    """Store every readable document under `paths`; bad files are reported, not fatal.

    Sources are committed in small batches: each source is in exactly one transaction, so
    an interrupted run leaves every source either fully stored or absent.
    """
    files = collect_paths(paths)
    loaded_manifest = load_manifest(Path(manifest)) if manifest else None
    report = IngestReport()
    with database.sessions() as session:
        directory = SpeakerDirectory(session)
    batch: list[tuple[Path, Document, list[ExtractedQuote]]] = []

    def flush_batch() -> None:
        outcomes = _store_batch(database, batch, directory, loaded_manifest, overrides, report)
        batch.clear()
        for outcome in outcomes:
            _finish(report, outcome, on_file)

    for path, prepared in _prepared(files, workers):
        if isinstance(prepared, FileOutcome):
            _finish(report, prepared, on_file)
            continue
        document, quotes = prepared  # type: ignore[misc]
        batch.append((path, document, quotes))
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


def _store_batch(
    database: Database,
    batch: list[tuple[Path, Document, list[ExtractedQuote]]],
    directory: SpeakerDirectory,
    manifest,  # type: ignore[no-untyped-def]
    overrides: SourceMeta | None,
    report: IngestReport,
) -> list[FileOutcome]:
    """Store one batch of documents in one transaction, with a few statements per batch."""
    outcomes: list[FileOutcome | None] = []
    new_variants: list[int] = []
    try:
        with database.session() as session:
            shas = sorted({document.sha256 for _, document, _ in batch})
            stored: dict[str, int] = {
                sha: source_id
                for sha, source_id in session.execute(
                    select(Source.sha256, Source.id).where(Source.sha256.in_(shas))
                )
            }
            fresh: list[tuple[Document, SourceMeta, list[ExtractedQuote]]] = []
            first_of: dict[str, int] = {}  # sha -> index in `fresh` (a file twice in a batch)
            pending: list[tuple[int, str, Document, list[ExtractedQuote]]] = []
            for path, document, quotes in batch:
                shown = path.as_posix()
                if document.sha256 in stored or document.sha256 in first_of:
                    pending.append((len(outcomes), shown, document, quotes))
                    outcomes.append(None)
                    continue
                meta = document.meta
                if manifest is not None:
                    meta = meta.merged(manifest.lookup(path))
                if overrides is not None:
                    meta = meta.merged(overrides)
                first_of[document.sha256] = len(fresh)
                pending.append((len(outcomes), shown, document, quotes))
                outcomes.append(None)
                fresh.append((document, meta, quotes))
            results = store_documents(session, fresh, directory) if fresh else []
            for position, shown, document, quotes in pending:
                index = first_of.get(document.sha256)
                if document.sha256 in stored:
                    outcomes[position] = FileOutcome(
                        shown,
                        "unchanged",
                        source_id=stored[document.sha256],
                        warnings=document.warnings,
                    )
                elif outcomes[position] is None and fresh[index][0] is document:
                    source_id, new_speakers, variant_ids = results[index]
                    new_variants.extend(variant_ids)
                    speech = sum(
                        1 for q in quotes if q.kind in SPEECH_KINDS and q.repeat_of is None
                    )
                    outcomes[position] = FileOutcome(
                        shown,
                        "new",
                        source_id=source_id,
                        quotes=speech,
                        new_speakers=new_speakers,
                        warnings=document.warnings,
                    )
                else:  # the same content again later in this batch
                    outcomes[position] = FileOutcome(
                        shown, "unchanged", source_id=results[index][0], warnings=document.warnings
                    )
    except BaseException:
        directory.forget_pending()
        raise
    directory.commit_pending()
    report.new_variant_ids.extend(new_variants)
    return [outcome for outcome in outcomes if outcome is not None]


def wording_hash(normalised: str) -> str:
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=20).hexdigest()


def store_document(
    session: Session,
    document: Document,
    meta: SourceMeta,
    quotes: list[ExtractedQuote],
    directory: SpeakerDirectory,
) -> tuple[int, int, list[int]]:
    """Write one source with its occurrences; returns (source id, new speakers, new variant ids)."""
    return store_documents(session, [(document, meta, quotes)], directory)[0]


def store_documents(
    session: Session,
    items: Sequence[tuple[Document, SourceMeta, list[ExtractedQuote]]],
    directory: SpeakerDirectory,
) -> list[tuple[int, int, list[int]]]:
    """Write sources with their occurrences, in input order; per source returns
    (source id, new speakers, new variant ids).

    Each table gets one multi-row statement for the whole batch (sources, quotes, variants,
    occurrences, speaker changes and aliases), not one statement per row: the per-row
    work left is resolving speaker names, in memory.
    """
    now = utcnow()
    source_ids = list(
        _insert_returning_ids(
            session,
            Source,
            [
                {
                    "path": document.path,
                    "outlet": meta.outlet,
                    "title": meta.title,
                    "author": meta.author,
                    "url": meta.url,
                    "published_at": meta.published_at,
                    "sha256": document.sha256,
                    "text": document.text,
                    "language": meta.language,
                    "ingested_at": now,
                }
                for document, meta, _ in items
            ],
        )
    )
    # Speakers, in document order (a name's first appearance creates the speaker).
    new_speakers = [0] * len(items)
    alias_pairs: list[list[int]] = []  # (low, high) speaker ids that might be one person
    # per source: per quote, the (speaker id, normalised wording, hash) it is speech of
    keyed: list[list[tuple[int, str, str] | None]] = []
    for position, (_, _, quotes) in enumerate(items):
        keys: list[tuple[int, str, str] | None] = []
        for quote in quotes:
            if quote.kind in SPEECH_KINDS and quote.speaker:
                resolution = directory.resolve(
                    session,
                    quote.speaker,
                    title=quote.speaker_title,
                    affiliation=quote.speaker_affiliation,
                )
                new_speakers[position] += int(resolution.created)
                if resolution.possible_matches:
                    for other in directory.not_yet_flagged(
                        resolution.speaker_id, resolution.possible_matches
                    ):
                        if other != resolution.speaker_id:
                            alias_pairs.append(sorted((resolution.speaker_id, other)))
                normalised = normalise(quote.wording)
                keys.append((resolution.speaker_id, normalised, wording_hash(normalised)))
            else:
                keys.append(None)
        keyed.append(keys)
    directory.flush(session)
    _flag_possible_aliases(session, alias_pairs)
    variant_of, created = _variants_for(session, items, keyed, now)
    # Occurrences of the whole batch in one statement.
    rows = []
    for position, (_, _, quotes) in enumerate(items):
        for index, quote in enumerate(quotes):
            key = keyed[position][index]
            spans = quote.spans or ((0, 0),)
            rows.append(
                {
                    "source_id": source_ids[position],
                    "variant_id": variant_of[key[0], key[2]] if key is not None else None,
                    "wording": quote.wording,
                    "spans": spans_text(quote.spans),
                    "char_start": min(start for start, _ in spans),
                    "char_end": max(end for _, end in spans),
                    "attributed_as": _clip(quote.attributed_as, 255),
                    "cue": _clip(quote.cue, 64),
                    "kind": quote.kind,
                    "confidence": max(0.0, min(1.0, quote.confidence)),
                    "sentence": quote.sentence,
                    "speaker_title": _clip(quote.speaker_title, 255),
                    "speaker_affiliation": _clip(quote.speaker_affiliation, 255),
                    "status": "auto",
                    "repeat_of_id": None,
                }
            )
    ids: list[int] = []
    if rows:
        ids = list(_insert_returning_ids(session, Occurrence, rows))
    repeats = []
    flagged = []
    offset = 0
    for _, _, quotes in items:
        for index, quote in enumerate(quotes):
            if quote.repeat_of is not None and 0 <= quote.repeat_of < len(quotes):
                repeats.append(
                    {"id": ids[offset + index], "repeat_of_id": ids[offset + quote.repeat_of]}
                )
            if (
                quote.kind in SPEECH_KINDS
                and quote.repeat_of is None
                and (quote.confidence < LOW_CONFIDENCE or not quote.speaker)
            ):
                flagged.append(ids[offset + index])
        offset += len(quotes)
    if repeats:
        occurrence = Occurrence.__table__
        session.connection().execute(
            occurrence.update()
            .where(occurrence.c.id == bindparam("row_id"))
            .values(repeat_of_id=bindparam("repeat_of")),
            [{"row_id": r["id"], "repeat_of": r["repeat_of_id"]} for r in repeats],
        )
    for occurrence_id in flagged:
        occurrence = session.get(Occurrence, occurrence_id)
        assert occurrence is not None
        flag_attribution(session, occurrence)
    return [
        (source_ids[position], new_speakers[position], created[position])
        for position in range(len(items))
    ]


def _flag_possible_aliases(session: Session, pairs: list[list[int]]) -> None:
    """`review.queue.flag_possible_alias` for a whole batch: ask an editor whether two
    speakers are one person, once per pair, with one lookup and one insert for all pairs."""
    subjects = {f"alias:{low}:{high}": (low, high) for low, high in pairs}
    if not subjects:
        return
    known: set[str] = set()
    ordered = sorted(subjects)
    for start in range(0, len(ordered), 500):
        known.update(
            session.scalars(
                select(ReviewItem.subject).where(
                    ReviewItem.subject.in_(ordered[start : start + 500])
                )
            )
        )
    rows = [
        possible_alias_row(low, high)
        for subject, (low, high) in subjects.items()
        if subject not in known
    ]
    if rows:
        session.connection().execute(ReviewItem.__table__.insert(), rows)


def _variants_for(
    session: Session,
    items: Sequence[tuple[Document, SourceMeta, list[ExtractedQuote]]],
    keyed: list[list[tuple[int, str, str] | None]],
    now: datetime,
) -> tuple[dict[tuple[int, str], int], list[list[int]]]:
    """Each speaker's existing variant per normalised wording, or a new one-variant quote.

    Returns {(speaker id, hash): variant id} and, per source, the variant ids it created.
    """
    wanted: dict[tuple[int, str], tuple[int, str, str]] = {}
    for keys in keyed:
        for key in keys:
            if key is not None:
                wanted.setdefault((key[0], key[2]), key)
    found: dict[tuple[int, str], int] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        for variant_id, speaker_id, digest in session.execute(
            select(Variant.id, Variant.speaker_id, Variant.normalised_hash).where(
                Variant.speaker_id.in_({p[0] for p in chunk}),
                Variant.normalised_hash.in_({p[1] for p in chunk}),
            )
        ):
            pair = (speaker_id, digest)
            if pair in wanted and (pair not in found or variant_id < found[pair]):
                found[pair] = variant_id
    created: list[list[int]] = [[] for _ in items]
    new: list[tuple[int, tuple[int, str]]] = []  # (source position, key), first use order
    seen = set(found)
    for position, keys in enumerate(keyed):
        for key in keys:
            if key is not None and (key[0], key[2]) not in seen:
                seen.add((key[0], key[2]))
                new.append((position, (key[0], key[2])))
    if not new:
        return found, created
    quote_ids = list(
        _insert_returning_ids(
            session,
            Quote,
            [
                {
                    "speaker_id": pair[0],
                    "created_at": now,
                    "status": "unreviewed",
                    "canonical_pinned": False,
                    "outlet_count": 0,
                    "source_count": 0,
                }
                for _, pair in new
            ],
        )
    )
    wordings: dict[tuple[int, str], str] = {}
    for position, (_, _, quotes) in enumerate(items):
        for quote, key in zip(quotes, keyed[position], strict=True):
            if key is not None:
                wordings.setdefault((key[0], key[2]), quote.wording)
    variant_ids = list(
        _insert_returning_ids(
            session,
            Variant,
            [
                {
                    "quote_id": quote_id,
                    "speaker_id": pair[0],
                    "wording": wordings[pair],
                    "normalised": wanted[pair][1],
                    "normalised_hash": pair[1],
                    "relation": "canonical",
                    "similarity": 100.0,
                    "misquote": False,
                    "created_at": now,
                }
                for quote_id, (_, pair) in zip(quote_ids, new, strict=True)
            ],
        )
    )
    quote = Quote.__table__
    session.connection().execute(
        quote.update()
        .where(quote.c.id == bindparam("row_id"))
        .values(canonical_variant_id=bindparam("canonical")),
        [
            {"row_id": quote_id, "canonical": variant_id}
            for quote_id, variant_id in zip(quote_ids, variant_ids, strict=True)
        ],
    )
    for (position, pair), variant_id in zip(new, variant_ids, strict=True):
        found[pair] = variant_id
        created[position].append(variant_id)
    return found, created


def _insert_returning_ids(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` with one Core multi-row statement; their new ids, in input order."""
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(statement, rows).scalars())


def _clip(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else value[: limit - 1] + "…"
