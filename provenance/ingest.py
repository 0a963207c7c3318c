"""Ingest: read documents, extract their quotes, and store each source in one transaction.

The pipeline is readers → extraction → storage; linking runs afterwards over the
variants this run created (see `provenance.linking.store`). A source is either stored
whole or not at all, so an interrupted run never leaves half a document behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from provenance.errors import InputError
from provenance.extraction import ExtractedQuote, extract_quotes
from provenance.linking import normalise
from provenance.readers import Document, SourceMeta, iter_paths, load_manifest, read_document
from provenance.review.queue import LOW_CONFIDENCE, flag_attribution, flag_possible_alias
from provenance.storage.db import Database
from provenance.storage.models import (
    SPEECH_KINDS,
    Occurrence,
    Quote,
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
    outcomes: list[FileOutcome] = []
    new_variants: list[int] = []
    try:
        with database.session() as session:
            for path, document, quotes in batch:
                shown = path.as_posix()
                existing = session.scalar(select(Source.id).where(Source.sha256 == document.sha256))
                if existing is not None:
                    outcomes.append(
                        FileOutcome(
                            shown, "unchanged", source_id=existing, warnings=document.warnings
                        )
                    )
                    continue
                meta = document.meta
                if manifest is not None:
                    meta = meta.merged(manifest.lookup(path))
                if overrides is not None:
                    meta = meta.merged(overrides)
                source_id, new_speakers, variant_ids = store_document(
                    session, document, meta, quotes, directory
                )
                new_variants.extend(variant_ids)
                speech = sum(1 for q in quotes if q.kind in SPEECH_KINDS and q.repeat_of is None)
                outcomes.append(
                    FileOutcome(
                        shown,
                        "new",
                        source_id=source_id,
                        quotes=speech,
                        new_speakers=new_speakers,
                        warnings=document.warnings,
                    )
                )
    except BaseException:
        directory.forget_pending()
        raise
    directory.commit_pending()
    report.new_variant_ids.extend(new_variants)
    return outcomes


def wording_hash(normalised: str) -> str:
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=20).hexdigest()


def store_document(
    session: Session,
    document: Document,
    meta: SourceMeta,
    quotes: list[ExtractedQuote],
    directory: SpeakerDirectory,
) -> tuple[int, int, list[int]]:
    """Write a source with its occurrences; returns (source id, new speakers, new variant ids).

    Rows go in with a few multi-row statements per source, not one flush per row.
    """
    source_id = session.execute(
        insert(Source).returning(Source.id),
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
                "ingested_at": utcnow(),
            }
        ],
    ).scalar_one()
    new_speakers = 0
    new_variants: list[int] = []
    variant_of: list[int | None] = []
    for quote in quotes:
        variant_id: int | None = None
        if quote.kind in SPEECH_KINDS and quote.speaker:
            resolution = directory.resolve(
                session,
                quote.speaker,
                title=quote.speaker_title,
                affiliation=quote.speaker_affiliation,
            )
            new_speakers += int(resolution.created)
            if resolution.possible_matches:
                flag_possible_alias(session, resolution.speaker_id, resolution.possible_matches)
            variant_id, created = _variant_for(session, resolution.speaker_id, quote.wording)
            if created:
                new_variants.append(variant_id)
        variant_of.append(variant_id)
    rows = []
    for index, quote in enumerate(quotes):
        spans = quote.spans or ((0, 0),)
        rows.append(
            {
                "source_id": source_id,
                "variant_id": variant_of[index],
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
        ids = list(
            session.scalars(
                insert(Occurrence).returning(Occurrence.id, sort_by_parameter_order=True), rows
            )
        )
    repeats = [
        {"id": ids[index], "repeat_of_id": ids[quote.repeat_of]}
        for index, quote in enumerate(quotes)
        if quote.repeat_of is not None and 0 <= quote.repeat_of < len(ids)
    ]
    if repeats:
        session.execute(update(Occurrence), repeats)
    for index, quote in enumerate(quotes):
        if (
            quote.kind in SPEECH_KINDS
            and quote.repeat_of is None
            and (quote.confidence < LOW_CONFIDENCE or not quote.speaker)
        ):
            occurrence = session.get(Occurrence, ids[index])
            assert occurrence is not None
            flag_attribution(session, occurrence)
    return source_id, new_speakers, new_variants


def _clip(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else value[: limit - 1] + "…"


def _variant_for(session: Session, speaker_id: int, wording: str) -> tuple[int, bool]:
    """The speaker's existing variant with this normalised wording, or a new one-variant quote."""
    normalised = normalise(wording)
    digest = wording_hash(normalised)
    existing = session.scalar(
        select(Variant.id)
        .where(Variant.speaker_id == speaker_id, Variant.normalised_hash == digest)
        .limit(1)
    )
    if existing is not None:
        return existing, False
    now = utcnow()
    quote_id = session.execute(
        insert(Quote).returning(Quote.id),
        [
            {
                "speaker_id": speaker_id,
                "created_at": now,
                "status": "unreviewed",
                "canonical_pinned": False,
                "outlet_count": 0,
                "source_count": 0,
            }
        ],
    ).scalar_one()
    variant_id = session.execute(
        insert(Variant).returning(Variant.id),
        [
            {
                "quote_id": quote_id,
                "speaker_id": speaker_id,
                "wording": wording,
                "normalised": normalised,
                "normalised_hash": digest,
                "relation": "canonical",
                "similarity": 100.0,
                "misquote": False,
                "created_at": now,
            }
        ],
    ).scalar_one()
    session.execute(
        update(Quote).where(Quote.id == quote_id).values(canonical_variant_id=variant_id)
    )
    return variant_id, True
