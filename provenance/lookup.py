"""Read-side queries: speakers, a speaker's quotes, one quote, its timeline, drift, conflicts.

Each function returns plain dicts/lists ready for any front end (CLI, web, JSON). Queries
load a whole quote tree in a few statements rather than walking relationships per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session, aliased

from provenance.errors import NotFound
from provenance.storage.db import chunks
from provenance.storage.models import (
    SPEECH_KINDS,
    Link,
    Occurrence,
    Quote,
    Source,
    Speaker,
    SpeakerAlias,
    Variant,
)


def outlet_key(outlet: str | None, source_id: int) -> str:
    """Distinct outlets; a source with no known outlet stands for itself."""
    return f"outlet:{outlet.casefold()}" if outlet else f"source:{source_id}"


def list_speakers(session: Session) -> list[dict[str, Any]]:
    aliases: dict[int, list[str]] = defaultdict(list)
    for speaker_id, alias in session.execute(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias).order_by(SpeakerAlias.id)
    ):
        if alias not in aliases[speaker_id]:
            aliases[speaker_id].append(alias)
    counts = {
        row.speaker_id: (row.quotes, row.sources)
        for row in session.execute(
            select(
                Variant.speaker_id,
                func.count(func.distinct(Variant.quote_id)).label("quotes"),
                func.count(func.distinct(Occurrence.source_id)).label("sources"),
            )
            .join(Occurrence, Occurrence.variant_id == Variant.id)
            .where(Occurrence.status != "not_a_quote")
            .group_by(Variant.speaker_id)
        )
    }
    rows = []
    for speaker in session.scalars(
        select(Speaker).where(Speaker.merged_into_id.is_(None)).order_by(Speaker.name)
    ):
        quotes, sources = counts.get(speaker.id, (0, 0))
        rows.append(
            {
                "speaker_id": speaker.id,
                "name": speaker.name,
                "kind": speaker.kind,
                "role": speaker.role,
                "affiliation": speaker.affiliation,
                "aliases": aliases.get(speaker.id, []),
                "quotes": quotes,
                "sources": sources,
            }
        )
    return rows


def _occurrence_dict(row: Any) -> dict[str, Any]:
    """One occurrence of `_OCCURRENCE_COLUMNS` (with its source's columns) as a tree node."""
    return {
        "occurrence_id": row.id,
        "source_id": row.source_id,
        "source_path": row.path,
        "outlet": row.outlet,
        "title": row.title,
        "author": row.author,
        "url": row.url,
        "published_at": row.published_at,
        "spans": row.spans,
        "attributed_as": row.attributed_as,
        "cue": row.cue,
        "quote_kind": row.kind,
        "confidence": row.confidence,
        "sentence": row.sentence,
        "repeat_of": row.repeat_of_id,
        "status": row.status,
    }


# What a quote tree shows of an occurrence and its source: named columns, not ORM entities,
# so a lookup never reads a source's full text (an entity load would fetch every column).
_OCCURRENCE_COLUMNS = (
    Occurrence.id,
    Occurrence.variant_id,
    Occurrence.source_id,
    Source.path,
    Source.outlet,
    Source.title,
    Source.author,
    Source.url,
    Source.published_at,
    Occurrence.spans,
    Occurrence.attributed_as,
    Occurrence.cue,
    Occurrence.kind,
    Occurrence.confidence,
    Occurrence.sentence,
    Occurrence.repeat_of_id,
    Occurrence.status,
)
_VARIANT_COLUMNS = (
    Variant.id,
    Variant.quote_id,
    Variant.wording,
    Variant.relation,
    Variant.similarity,
    Variant.misquote,
)


FLAG_ORDER = ("conflict", "drift", "misquote", "single_source", "unreviewed")
FLAG_RELATIONS = ("drift", "conflict")


def evidence_flags(session: Session, quote_ids: Iterable[int] | None = None) -> dict[int, set[str]]:
    """conflict / drift (from links) and misquote (from variants), per quote that has one.

    `quote_ids=None` means every quote, in one pass over links and variants (what bulk
    exports use); the result holds only the quotes that have such a flag.
    """
    if quote_ids is not None:
        quote_of: dict[int, int] = {}
        misquoted: set[int] = set()
        for chunk in chunks(sorted(set(quote_ids))):
            for variant_id, quote_id, misquote in session.execute(
                select(Variant.id, Variant.quote_id, Variant.misquote).where(
                    Variant.quote_id.in_(chunk)
                )
            ):
                quote_of[variant_id] = quote_id
                if misquote:
                    misquoted.add(quote_id)
        return _variant_evidence(session, quote_of, misquoted)
    found: dict[int, set[str]] = defaultdict(set)
    variant_a, variant_b = aliased(Variant), aliased(Variant)
    links = (
        select(Link.relation, variant_a.quote_id, variant_b.quote_id)
        .join(variant_a, variant_a.id == Link.variant_a_id)
        .join(variant_b, variant_b.id == Link.variant_b_id)
        .where(Link.relation.in_(FLAG_RELATIONS), Link.status != "rejected")
    )
    for relation, quote_a, quote_b in session.execute(links):
        found[quote_a].add(relation)
        found[quote_b].add(relation)
    for (quote_id,) in session.execute(select(Variant.quote_id).where(Variant.misquote)):
        found[quote_id].add("misquote")
    return dict(found)


def _variant_evidence(
    session: Session, quote_of: Mapping[int, int], misquoted: Iterable[int]
) -> dict[int, set[str]]:
    """Evidence flags of the quotes whose every wording is in `quote_of` (variant id ->
    quote id): drift/conflict links touching those wordings, found by variant id through
    `ix_link_variant_a_id` and `ix_link_variant_b_id` (one statement per chunk, one branch
    per index; an OR across joined variants would scan every link), and `misquoted`."""
    found: dict[int, set[str]] = defaultdict(set)
    for quote_id in misquoted:
        found[quote_id].add("misquote")
    for chunk in chunks(sorted(quote_of)):
        query = union_all(
            *(
                select(Link.relation, Link.variant_a_id, Link.variant_b_id).where(
                    end.in_(chunk), Link.relation.in_(FLAG_RELATIONS), Link.status != "rejected"
                )
                for end in (Link.variant_a_id, Link.variant_b_id)
            )
        )
        for relation, variant_a, variant_b in session.execute(query):
            for variant_id in (variant_a, variant_b):
                quote_id = quote_of.get(variant_id)
                if quote_id is not None:
                    found[quote_id].add(relation)
    return dict(found)


def ordered_flags(found: Iterable[str], outlet_count: int, status: str) -> list[str]:
    """All of a quote's flags in display order, from its evidence flags and quote columns."""
    flags = set(found)
    if outlet_count <= 1:
        flags.add("single_source")
    if status == "unreviewed":
        flags.add("unreviewed")
    return [f for f in FLAG_ORDER if f in flags]


def quote_flags(session: Session, quote_ids: Iterable[int]) -> dict[int, list[str]]:
    """drift / conflict / single_source / unreviewed / misquote, per quote."""
    ids = list(quote_ids)
    if not ids:
        return {}
    evidence = evidence_flags(session, ids)
    flags: dict[int, list[str]] = {quote_id: [] for quote_id in ids}
    for chunk in chunks(ids):
        for quote_id, outlet_count, status in session.execute(
            select(Quote.id, Quote.outlet_count, Quote.status).where(Quote.id.in_(chunk))
        ):
            flags[quote_id] = ordered_flags(evidence.get(quote_id, ()), outlet_count, status)
    return flags


def quote_trees(session: Session, quote_ids: list[int]) -> list[dict[str, Any]]:
    """Full quote → variants → occurrences → source trees, in the order given.

    Four statements per chunk of quotes, each through an index (quote and speaker by
    primary key, variants by `quote_id`, occurrences by `variant_id` with their sources by
    primary key, flag links by either end's variant id), reading named columns only.
    """
    if not quote_ids:
        return []
    quotes: dict[int, Any] = {}
    variants: dict[int, list[Any]] = defaultdict(list)
    occurrences: dict[int, list[dict[str, Any]]] = defaultdict(list)
    quote_of: dict[int, int] = {}
    misquoted: set[int] = set()
    for chunk in chunks(list(dict.fromkeys(quote_ids))):
        for quote in session.execute(
            select(
                Quote.id,
                Quote.speaker_id,
                Speaker.name,
                Quote.canonical_variant_id,
                Quote.canonical_pinned,
                Quote.status,
                Quote.story_id,
                Quote.first_seen_at,
                Quote.outlet_count,
            )
            .join(Speaker, Speaker.id == Quote.speaker_id)
            .where(Quote.id.in_(chunk))
        ):
            quotes[quote.id] = quote
        for variant in session.execute(
            select(*_VARIANT_COLUMNS).where(Variant.quote_id.in_(chunk)).order_by(Variant.id)
        ):
            variants[variant.quote_id].append(variant)
            quote_of[variant.id] = variant.quote_id
            if variant.misquote:
                misquoted.add(variant.quote_id)
    for chunk in chunks(list(quote_of)):
        for row in session.execute(
            select(*_OCCURRENCE_COLUMNS)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Occurrence.variant_id.in_(chunk), Occurrence.status != "not_a_quote")
            .order_by(Source.published_at, Source.id, Occurrence.char_start)
        ):
            occurrences[row.variant_id].append(_occurrence_dict(row))
    evidence = _variant_evidence(session, quote_of, misquoted)
    trees = []
    for quote_id in quote_ids:
        quote = quotes.get(quote_id)
        if quote is None:
            continue
        canonical = next(
            (v for v in variants[quote_id] if v.id == quote.canonical_variant_id),
            variants[quote_id][0] if variants[quote_id] else None,
        )
        outlets = sorted(
            {
                outlet_key(o["outlet"], o["source_id"])
                for v in variants[quote_id]
                for o in occurrences[v.id]
            }
        )
        variant_rows = []
        ordered = sorted(
            variants[quote_id], key=lambda v: (v.id != quote.canonical_variant_id, v.id)
        )
        for variant in ordered:
            variant_rows.append(
                {
                    "variant_id": variant.id,
                    "wording": variant.wording,
                    "relation": variant.relation,
                    "similarity": round(variant.similarity, 1),
                    "misquote": variant.misquote,
                    "occurrences": occurrences[variant.id],
                }
            )
        trees.append(
            {
                "quote_id": quote.id,
                "speaker_id": quote.speaker_id,
                "speaker": quote.name,
                "canonical": canonical.wording if canonical else None,
                "canonical_variant_id": canonical.id if canonical else None,
                "canonical_pinned": quote.canonical_pinned,
                "status": quote.status,
                "story_id": quote.story_id,
                "first_seen_at": quote.first_seen_at,
                "variants": variant_rows,
                "flags": ordered_flags(
                    evidence.get(quote.id, ()), quote.outlet_count, quote.status
                ),
                "outlets": len(outlets),
                "sources": len(
                    {o["source_id"] for v in variants[quote_id] for o in occurrences[v.id]}
                ),
            }
        )
    return trees


def quotes_by_speaker(session: Session, name: str | None = None) -> list[dict[str, Any]]:
    """A speaker's quotes (or everyone's), most widely attested first."""
    query = (
        select(Quote.id)
        .join(Speaker, Speaker.id == Quote.speaker_id)
        .where(select(Variant.id).where(Variant.quote_id == Quote.id).exists())
        .order_by(Speaker.name, Quote.outlet_count.desc(), Quote.id)
    )
    if name is not None:
        from provenance.storage.speakers import find_speaker  # imports name handling

        speaker = find_speaker(session, name)
        query = query.where(Quote.speaker_id == speaker.id)
    return quote_trees(session, list(session.scalars(query)))


def show_quote(session: Session, quote_id: int) -> dict[str, Any]:
    trees = quote_trees(session, [quote_id])
    if not trees:
        raise NotFound(f"no quote with id {quote_id}", fix="`provenance quotes` lists quote ids")
    return trees[0]


def timeline(session: Session, quote_id: int) -> dict[str, Any]:
    """First appearance, then the spread by date and outlet."""
    tree = show_quote(session, quote_id)
    events = []
    for variant in tree["variants"]:
        for occurrence in variant["occurrences"]:
            if occurrence["repeat_of"] is not None:
                continue
            events.append(
                {
                    "published_at": occurrence["published_at"],
                    "outlet": occurrence["outlet"],
                    "source_path": occurrence["source_path"],
                    "variant_id": variant["variant_id"],
                    "relation": variant["relation"],
                    "wording": variant["wording"],
                }
            )
    undated_last = datetime.max.replace(tzinfo=None)
    events.sort(
        key=lambda e: (
            e["published_at"] is None,
            (e["published_at"].replace(tzinfo=None) if e["published_at"] else undated_last),
            e["source_path"],
        )
    )
    for position, event in enumerate(events, 1):
        event["position"] = position
    return {
        "quote_id": tree["quote_id"],
        "speaker": tree["speaker"],
        "canonical": tree["canonical"],
        "first_appearance": events[0] if events else None,
        "outlets": tree["outlets"],
        "events": events,
    }


def speech_occurrence_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(Occurrence.kind.in_(SPEECH_KINDS), Occurrence.repeat_of_id.is_(None))
        )
        or 0
    )


def _variant_sources(session: Session, variant_ids: Iterable[int]) -> dict[int, list[str]]:
    paths: dict[int, list[str]] = defaultdict(list)
    ids = sorted(set(variant_ids))
    for chunk in chunks(ids):
        for variant_id, path in session.execute(
            select(Occurrence.variant_id, Source.path)
            .join(Source, Source.id == Occurrence.source_id)
            .where(
                Occurrence.variant_id.in_(chunk),
                Occurrence.repeat_of_id.is_(None),
                Occurrence.status != "not_a_quote",
            )
            .order_by(Source.path)
        ):
            if path not in paths[variant_id]:
                paths[variant_id].append(path)
    return paths


def drift_candidates(
    session: Session, speaker: str | None = None, min_score: float = 0.0
) -> list[dict[str, Any]]:
    """Proposed and decided drift pairs, largest drift first."""
    query = (
        select(Link, Variant)
        .join(Variant, Variant.id == Link.variant_a_id)
        .where(Link.relation == "drift", Link.drift_score >= min_score)
        .order_by(Link.drift_score.desc(), Link.id)
    )
    if speaker is not None:
        from provenance.storage.speakers import find_speaker

        query = query.where(Variant.speaker_id == find_speaker(session, speaker).id)
    pairs = session.execute(query).all()
    other_ids = {link.variant_b_id for link, _ in pairs}
    others = {v.id: v for v in session.scalars(select(Variant).where(Variant.id.in_(other_ids)))}
    names = dict(session.execute(select(Speaker.id, Speaker.name)).all())
    paths = _variant_sources(
        session, [v for link, _ in pairs for v in (link.variant_a_id, link.variant_b_id)]
    )
    rows = []
    for link, variant_a in pairs:
        variant_b = others[link.variant_b_id]
        original = variant_a if link.likely_original_id != variant_b.id else variant_b
        rows.append(
            {
                "link_id": link.id,
                "speaker": names.get(variant_a.speaker_id),
                "quote_id": original.quote_id,
                "a": {
                    "variant_id": variant_a.id,
                    "quote_id": variant_a.quote_id,
                    "wording": variant_a.wording,
                    "sources": paths.get(variant_a.id, []),
                },
                "b": {
                    "variant_id": variant_b.id,
                    "quote_id": variant_b.quote_id,
                    "wording": variant_b.wording,
                    "sources": paths.get(variant_b.id, []),
                },
                "similarity": round(link.similarity, 1),
                "drift_score": round(link.drift_score or 0.0, 1),
                "likely_original": original.wording,
                "likely_original_variant_id": original.id,
                "status": link.status,
            }
        )
    return rows


def conflicts(session: Session) -> list[dict[str, Any]]:
    """The same (or nearly the same) words under different speakers."""
    pairs = (
        session.execute(select(Link).where(Link.relation == "conflict").order_by(Link.id))
        .scalars()
        .all()
    )
    variant_ids = {v for link in pairs for v in (link.variant_a_id, link.variant_b_id)}
    variants = {
        v.id: v for v in session.scalars(select(Variant).where(Variant.id.in_(variant_ids)))
    }
    names = dict(session.execute(select(Speaker.id, Speaker.name)).all())
    occurrences: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for chunk in chunks(sorted(variant_ids)):
        for occurrence, path in session.execute(
            select(Occurrence, Source.path)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Occurrence.variant_id.in_(chunk), Occurrence.repeat_of_id.is_(None))
            .order_by(Source.path)
        ):
            occurrences[occurrence.variant_id].append(
                {
                    "source_path": path,
                    "attributed_as": occurrence.attributed_as,
                    "speaker": names.get(variants[occurrence.variant_id].speaker_id),
                    "variant_id": occurrence.variant_id,
                    "sentence": occurrence.sentence,
                }
            )
    rows = []
    for link in pairs:
        a, b = variants[link.variant_a_id], variants[link.variant_b_id]
        rows.append(
            {
                "link_id": link.id,
                "wording": a.wording,
                "other_wording": b.wording if b.normalised != a.normalised else None,
                "speakers": [names.get(a.speaker_id), names.get(b.speaker_id)],
                "similarity": round(link.similarity, 1),
                "status": link.status,
                "occurrences": occurrences[a.id] + occurrences[b.id],
            }
        )
    return rows
