"""Ingest: read documents, extract their quotes, and store each source in one transaction.

The pipeline is readers → extraction → storage; linking runs afterwards over the
variants this run created (see `provenance.linking.store`). A source is either stored
whole or not at all, so an interrupted run never leaves half a document behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.errors import InputError
from provenance.extraction import ExtractedQuote, extract_quotes
from provenance.linking import normalise
from provenance.readers import Document, SourceMeta, iter_paths, load_manifest, read_document
from provenance.storage.db import Database
from provenance.storage.models import (
    SPEECH_KINDS,
    Occurrence,
    Quote,
    ReviewItem,
    Source,
    Variant,
)
from provenance.storage.speakers import SpeakerDirectory

# Attributions below this confidence go to an editor as "attribution" review items.
LOW_CONFIDENCE = 0.6


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


def ingest(
    database: Database,
    paths: Iterable[str | Path],
    *,
    manifest: str | Path | None = None,
    overrides: SourceMeta | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> IngestReport:
    """Store every readable document under `paths`; bad files are reported, not fatal."""
    files = collect_paths(paths)
    loaded_manifest = load_manifest(Path(manifest)) if manifest else None
    report = IngestReport()
    with database.sessions() as session:
        directory = SpeakerDirectory(session)
    for path in files:
        outcome = ingest_file(database, path, directory, loaded_manifest, overrides, report)
        report.files.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return report


def ingest_file(
    database: Database,
    path: Path,
    directory: SpeakerDirectory,
    manifest,  # type: ignore[no-untyped-def]
    overrides: SourceMeta | None,
    report: IngestReport,
) -> FileOutcome:
    shown = path.as_posix()
    try:
        document = read_document(path)
    except InputError as error:
        return FileOutcome(shown, "failed", message=error.line())
    meta = document.meta
    if manifest is not None:
        meta = meta.merged(manifest.lookup(path))
    if overrides is not None:
        meta = meta.merged(overrides)
    try:
        with database.session() as session:
            existing = session.scalar(select(Source.id).where(Source.sha256 == document.sha256))
            if existing is not None:
                return FileOutcome(
                    shown, "unchanged", source_id=existing, warnings=document.warnings
                )
            quotes = extract_quotes(document.text)
            source, new_speakers, variant_ids = store_document(
                session, document, meta, quotes, directory
            )
            source_id = source.id
    except BaseException:
        directory.forget_pending()
        raise
    directory.commit_pending()
    report.new_variant_ids.extend(variant_ids)
    speech = sum(1 for q in quotes if q.kind in SPEECH_KINDS and q.repeat_of is None)
    return FileOutcome(
        shown,
        "new",
        source_id=source_id,
        quotes=speech,
        new_speakers=new_speakers,
        warnings=document.warnings,
    )


def store_document(
    session: Session,
    document: Document,
    meta: SourceMeta,
    quotes: list[ExtractedQuote],
    directory: SpeakerDirectory,
) -> tuple[Source, int, list[int]]:
    """Write a source with its occurrences; returns (source, new speakers, new variant ids)."""
    source = Source(
        path=document.path,
        outlet=meta.outlet,
        title=meta.title,
        author=meta.author,
        url=meta.url,
        published_at=meta.published_at,
        sha256=document.sha256,
        text=document.text,
        language=meta.language,
    )
    session.add(source)
    session.flush()
    new_speakers = 0
    new_variants: list[int] = []
    occurrence_ids: list[int] = []
    variants_here: dict[tuple[int, str], Variant] = {}
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
                _flag_possible_alias(session, resolution.speaker_id, resolution.possible_matches)
            variant, created = _variant_for(
                session, resolution.speaker_id, quote.wording, variants_here
            )
            variant_id = variant.id
            if created:
                new_variants.append(variant.id)
        start = min(s for s, _ in quote.spans) if quote.spans else 0
        end = max(e for _, e in quote.spans) if quote.spans else 0
        repeat_of = occurrence_ids[quote.repeat_of] if quote.repeat_of is not None else None
        occurrence = Occurrence(
            source_id=source.id,
            variant_id=variant_id,
            wording=quote.wording,
            spans=spans_text(quote.spans),
            char_start=start,
            char_end=end,
            attributed_as=quote.attributed_as,
            cue=quote.cue,
            kind=quote.kind,
            confidence=max(0.0, min(1.0, quote.confidence)),
            sentence=quote.sentence,
            speaker_title=quote.speaker_title,
            speaker_affiliation=quote.speaker_affiliation,
            repeat_of_id=repeat_of,
        )
        session.add(occurrence)
        session.flush()
        occurrence_ids.append(occurrence.id)
        if (
            quote.kind in SPEECH_KINDS
            and repeat_of is None
            and (quote.confidence < LOW_CONFIDENCE or not quote.speaker)
        ):
            _flag_attribution(session, occurrence, quote)
    return source, new_speakers, new_variants


def _variant_for(
    session: Session, speaker_id: int, wording: str, cache: dict[tuple[int, str], Variant]
) -> tuple[Variant, bool]:
    """The speaker's existing variant with this normalised wording, or a new one-variant quote."""
    normalised = normalise(wording)
    key = (speaker_id, normalised)
    if key in cache:
        return cache[key], False
    variant = session.scalar(
        select(Variant)
        .where(Variant.speaker_id == speaker_id, Variant.normalised == normalised)
        .limit(1)
    )
    if variant is not None:
        cache[key] = variant
        return variant, False
    quote = Quote(speaker_id=speaker_id)
    session.add(quote)
    session.flush()
    variant = Variant(
        quote_id=quote.id, speaker_id=speaker_id, wording=wording, normalised=normalised
    )
    session.add(variant)
    session.flush()
    quote.canonical_variant_id = variant.id
    cache[key] = variant
    return variant, True


def _flag_possible_alias(session: Session, speaker_id: int, others: list[int]) -> None:
    for other in others:
        low, high = sorted((speaker_id, other))
        subject = f"alias:{low}:{high}"
        if session.scalar(select(ReviewItem.id).where(ReviewItem.subject == subject)) is None:
            session.add(
                ReviewItem(
                    kind="alias",
                    subject=subject,
                    payload={"speaker_ids": [low, high]},
                    priority=30.0,
                    speaker_id=low,
                )
            )


def _flag_attribution(session: Session, occurrence: Occurrence, quote: ExtractedQuote) -> None:
    session.add(
        ReviewItem(
            kind="attribution",
            subject=f"attribution:{occurrence.id}",
            payload={"occurrence_id": occurrence.id, "confidence": quote.confidence},
            priority=20.0 + (1.0 - quote.confidence),
        )
    )
