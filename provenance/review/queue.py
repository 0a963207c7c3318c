"""Deriving the review queue from what the machine proposed.

Every item has a stable `subject` (``drift:<a>:<b>``, ``conflict:<a>:<b>``, ``alias:<s1>:<s2>``,
``attribution:<occurrence>``, ``single_source:<quote>``) so a relink never duplicates it, and an
evidence fingerprint so new evidence reopens an item an editor already decided. Items whose
subject vanished are closed, never deleted: decisions point at them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.storage.models import (
    SPEECH_KINDS,
    Link,
    Occurrence,
    Quote,
    ReviewItem,
    Source,
    Speaker,
    SpeakerAlias,
    Variant,
    utcnow,
)

# Attributions below this confidence go to an editor.
LOW_CONFIDENCE = 0.6
# Queue order: conflicts, drift (by drift score), aliases, attributions, single-source quotes.
KIND_ORDER = ("conflict", "drift", "alias", "attribution", "single_source")
KIND_BASE = {"conflict": 500.0, "drift": 400.0, "alias": 300.0, "attribution": 200.0}
KIND_BASE["single_source"] = 100.0
CHUNK = 500


@dataclass
class Wanted:
    kind: str
    subject: str
    payload: dict[str, Any]
    evidence: str
    priority: float
    speaker_id: int | None = None
    quote_id: int | None = None
    link_id: int | None = None


def _chunks(values: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def fingerprint(*parts: Any) -> str:
    blob = json.dumps(jsonable(list(parts)), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def drift_priority(score: float | None) -> float:
    return KIND_BASE["drift"] + max(0.0, min(99.0, float(score or 0.0)))


def attribution_priority(confidence: float) -> float:
    return KIND_BASE["attribution"] + round((1.0 - confidence) * 50.0, 3)


# --- loading what a screen shows ------------------------------------------------------------


def _speaker_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    names: dict[int, str] = {}
    for chunk in _chunks(wanted):
        names.update(
            (row.id, row.name)
            for row in session.execute(
                select(Speaker.id, Speaker.name).where(Speaker.id.in_(chunk))
            )
        )
    return dict(names)


def _occurrences_of(session: Session, variant_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(variant_ids))):
        rows = session.execute(
            select(Occurrence, Source.outlet, Source.published_at, Source.title, Source.path)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Occurrence.variant_id.in_(chunk), Occurrence.repeat_of_id.is_(None))
            .order_by(Source.published_at, Source.id, Occurrence.char_start)
        )
        for occurrence, outlet, published_at, title, path in rows:
            found[occurrence.variant_id].append(
                _occurrence_view(occurrence, outlet, published_at, title, path)
            )
    return found


def _occurrence_view(occurrence: Occurrence, outlet, published_at, title, path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "occurrence_id": occurrence.id,
        "source_id": occurrence.source_id,
        "outlet": outlet,
        "published_at": jsonable(published_at),
        "title": title,
        "source_path": path,
        "sentence": occurrence.sentence,
        "attributed_as": occurrence.attributed_as,
        "confidence": occurrence.confidence,
        "status": occurrence.status,
    }


def quote_views(session: Session, quote_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each quote with its variants and their occurrences, as a review screen shows them."""
    ids = sorted(set(quote_ids))
    quotes: dict[int, Quote] = {}
    variants: dict[int, list[Variant]] = defaultdict(list)
    for chunk in _chunks(ids):
        quotes.update((q.id, q) for q in session.scalars(select(Quote).where(Quote.id.in_(chunk))))
        for variant in session.scalars(
            select(Variant).where(Variant.quote_id.in_(chunk)).order_by(Variant.id)
        ):
            variants[variant.quote_id].append(variant)
    occurrences = _occurrences_of(session, [v.id for vs in variants.values() for v in vs])
    names = _speaker_names(session, (q.speaker_id for q in quotes.values()))
    views = {}
    for quote_id, quote in quotes.items():
        views[quote_id] = {
            "quote_id": quote_id,
            "speaker_id": quote.speaker_id,
            "speaker": names.get(quote.speaker_id),
            "canonical_variant_id": quote.canonical_variant_id,
            "canonical_pinned": quote.canonical_pinned,
            "outlet_count": quote.outlet_count,
            "variants": [
                {
                    "variant_id": v.id,
                    "wording": v.wording,
                    "misquote": v.misquote,
                    "occurrences": occurrences.get(v.id, []),
                }
                for v in variants[quote_id]
            ],
        }
    return views


def _occurrence_ids(view: dict[str, Any] | None) -> list[int]:
    if view is None:
        return []
    return sorted(o["occurrence_id"] for v in view["variants"] for o in v["occurrences"])


# --- deriving the wanted items ---------------------------------------------------------------


def _pair_items(session: Session, scope_variants: set[int] | None) -> list[Wanted]:
    query = select(Link).where(Link.relation.in_(("drift", "conflict")))
    links = list(session.scalars(query))
    variant_ids = {v for link in links for v in (link.variant_a_id, link.variant_b_id)}
    rows: dict[int, Variant] = {}
    for chunk in _chunks(sorted(variant_ids)):
        rows.update(
            (v.id, v) for v in session.scalars(select(Variant).where(Variant.id.in_(chunk)))
        )
    if scope_variants is not None:
        scope_quotes = {rows[v].quote_id for v in scope_variants if v in rows}
        links = [
            link
            for link in links
            if {link.variant_a_id, link.variant_b_id} & scope_variants
            or {rows[link.variant_a_id].quote_id, rows[link.variant_b_id].quote_id} & scope_quotes
        ]
    views = quote_views(
        session,
        {rows[v].quote_id for link in links for v in (link.variant_a_id, link.variant_b_id)},
    )
    from provenance.linking.diff import word_diff

    wanted = []
    for link in links:
        a, b = rows[link.variant_a_id], rows[link.variant_b_id]
        low, high = sorted((a.id, b.id))
        kind = link.relation
        quote_a, quote_b = views.get(a.quote_id), views.get(b.quote_id)
        occurrence_ids = sorted(set(_occurrence_ids(quote_a)) | set(_occurrence_ids(quote_b)))
        payload = {
            "variant_ids": [a.id, b.id],
            "wordings": [a.wording, b.wording],
            "diff": [list(op) for op in word_diff(a.wording, b.wording)],
            "quotes": [q for q in (quote_a, quote_b) if q is not None]
            if a.quote_id != b.quote_id
            else [quote_a],
            "similarity": round(link.similarity, 2),
            "scores": link.scores or {},
            "link_status": link.status,
        }
        if kind == "drift":
            payload["drift_score"] = link.drift_score
            payload["likely_original_id"] = link.likely_original_id
            priority = drift_priority(link.drift_score)
        else:
            priority = KIND_BASE["conflict"]
            payload["speaker_ids"] = [a.speaker_id, b.speaker_id]
        wanted.append(
            Wanted(
                kind=kind,
                subject=f"{kind}:{low}:{high}",
                payload=payload,
                evidence=fingerprint(kind, occurrence_ids),
                priority=priority,
                speaker_id=a.speaker_id,
                quote_id=a.quote_id,
                link_id=link.id,
            )
        )
    return wanted


def _single_source_items(session: Session, scope_quotes: set[int] | None) -> list[Wanted]:
    query = (
        select(Quote.id)
        .where(
            Quote.outlet_count <= 1,
            select(Occurrence.id)
            .join(Variant, Variant.id == Occurrence.variant_id)
            .where(
                Variant.quote_id == Quote.id,
                Occurrence.kind.in_(SPEECH_KINDS),
                Occurrence.status != "not_a_quote",
            )
            .exists(),
        )
        .order_by(Quote.id)
    )
    ids = list(session.scalars(query))
    if scope_quotes is not None:
        ids = [q for q in ids if q in scope_quotes]
    views = quote_views(session, ids)
    wanted = []
    for quote_id in ids:
        view = views[quote_id]
        speech = sum(len(v["occurrences"]) for v in view["variants"])
        wanted.append(
            Wanted(
                kind="single_source",
                subject=f"single_source:{quote_id}",
                payload={"quotes": [view]},
                evidence=fingerprint("single_source", _occurrence_ids(view)),
                priority=KIND_BASE["single_source"] + min(speech, 50),
                speaker_id=view["speaker_id"],
                quote_id=quote_id,
            )
        )
    return wanted


def attribution_payload(session: Session, occurrence: Occurrence) -> dict[str, Any]:
    source = session.get(Source, occurrence.source_id)
    variant = session.get(Variant, occurrence.variant_id) if occurrence.variant_id else None
    speaker = session.get(Speaker, variant.speaker_id) if variant else None
    return {
        "occurrence": _occurrence_view(
            occurrence,
            source.outlet if source else None,
            source.published_at if source else None,
            source.title if source else None,
            source.path if source else None,
        ),
        "wording": occurrence.wording,
        "speaker_id": speaker.id if speaker else None,
        "speaker": speaker.name if speaker else None,
        "quote_id": variant.quote_id if variant else None,
        "variant_id": variant.id if variant else None,
        "confidence": occurrence.confidence,
    }


def _attribution_items(session: Session) -> list[Wanted]:
    occurrences = session.scalars(
        select(Occurrence)
        .where(
            Occurrence.kind.in_(SPEECH_KINDS),
            Occurrence.repeat_of_id.is_(None),
            (Occurrence.confidence < LOW_CONFIDENCE) | Occurrence.variant_id.is_(None),
        )
        .order_by(Occurrence.id)
    )
    wanted = []
    for occurrence in occurrences:
        payload = attribution_payload(session, occurrence)
        wanted.append(
            Wanted(
                kind="attribution",
                subject=f"attribution:{occurrence.id}",
                payload=payload,
                evidence=fingerprint(
                    "attribution", occurrence.id, occurrence.wording, occurrence.confidence
                ),
                priority=attribution_priority(occurrence.confidence),
                speaker_id=payload["speaker_id"],
                quote_id=payload["quote_id"],
            )
        )
    return wanted


def alias_payload(session: Session, speaker_ids: list[int]) -> dict[str, Any]:
    speakers = []
    for speaker_id in speaker_ids:
        speaker = session.get(Speaker, speaker_id)
        if speaker is None:
            continue
        aliases = list(
            session.scalars(
                select(SpeakerAlias.alias)
                .where(SpeakerAlias.speaker_id == speaker_id)
                .order_by(SpeakerAlias.id)
            )
        )
        samples = list(
            session.scalars(
                select(Variant.wording)
                .where(Variant.speaker_id == speaker_id)
                .order_by(Variant.id)
                .limit(3)
            )
        )
        speakers.append(
            {
                "speaker_id": speaker.id,
                "name": speaker.name,
                "role": speaker.role,
                "affiliation": speaker.affiliation,
                "aliases": aliases,
                "merged_into_id": speaker.merged_into_id,
                "sample_quotes": samples,
            }
        )
    return {"speaker_ids": speaker_ids, "speakers": speakers}


def _alias_items(session: Session) -> list[Wanted]:
    wanted = []
    for item in session.scalars(select(ReviewItem).where(ReviewItem.kind == "alias")):
        low, high = (int(part) for part in item.subject.split(":")[1:3])
        payload = alias_payload(session, [low, high])
        merged = any(s["merged_into_id"] is not None for s in payload["speakers"])
        if len(payload["speakers"]) < 2 or (merged and item.state != "decided"):
            continue  # one of them was merged away elsewhere: the question is gone
        names = [s["name"] for s in payload["speakers"]]
        wanted.append(
            Wanted(
                kind="alias",
                subject=item.subject,
                payload=payload,
                evidence=fingerprint("alias", low, high, names),
                priority=KIND_BASE["alias"],
                speaker_id=low,
            )
        )
    return wanted


def flag_possible_alias(session: Session, speaker_id: int, others: Iterable[int]) -> None:
    """Ingest found a name that might be a stored speaker: ask an editor, never merge silently."""
    for other in others:
        if other == speaker_id:
            continue
        low, high = sorted((speaker_id, other))
        subject = f"alias:{low}:{high}"
        if session.scalar(select(ReviewItem.id).where(ReviewItem.subject == subject)) is None:
            session.add(
                ReviewItem(
                    kind="alias",
                    subject=subject,
                    payload={"speaker_ids": [low, high]},
                    priority=KIND_BASE["alias"],
                    speaker_id=low,
                )
            )


def flag_attribution(session: Session, occurrence: Occurrence) -> None:
    """A low-confidence or speakerless attribution, queued as soon as it is stored."""
    subject = f"attribution:{occurrence.id}"
    if session.scalar(select(ReviewItem.id).where(ReviewItem.subject == subject)) is not None:
        return
    payload = attribution_payload(session, occurrence)
    session.add(
        ReviewItem(
            kind="attribution",
            subject=subject,
            payload=jsonable(payload),
            evidence=fingerprint(
                "attribution", occurrence.id, occurrence.wording, occurrence.confidence
            ),
            priority=attribution_priority(occurrence.confidence),
            speaker_id=payload["speaker_id"],
            quote_id=payload["quote_id"],
        )
    )


# --- refreshing ------------------------------------------------------------------------------


@dataclass
class RefreshReport:
    created: int = 0
    updated: int = 0
    reopened: int = 0
    closed: int = 0


def refresh_queue(session: Session) -> RefreshReport:
    """Bring every review item in line with the stored links, quotes and occurrences.

    New evidence on a decided item reopens it; a subject that vanished closes an open item.
    Called at the end of every link run, inside its transaction.
    """
    wanted = (
        _pair_items(session, None)
        + _alias_items(session)
        + _attribution_items(session)
        + _single_source_items(session, None)
    )
    existing = {item.subject: item for item in session.scalars(select(ReviewItem))}
    return _apply(session, wanted, existing, reopen=True, close_kinds=set(KIND_ORDER))


def resync_after_decision(
    session: Session, *, quote_ids: Iterable[int], variant_ids: Iterable[int]
) -> RefreshReport:
    """After an editor changed the data, refresh the items it touched without reopening any:
    the change came from a decision, not from new evidence."""
    quotes = {q for q in quote_ids if q is not None}
    variants = {v for v in variant_ids if v is not None}
    for chunk in _chunks(sorted(quotes)):
        variants.update(session.scalars(select(Variant.id).where(Variant.quote_id.in_(chunk))))
    wanted = (
        _pair_items(session, variants)
        + _alias_items(session)
        + _attribution_items(session)
        + _single_source_items(session, quotes)
    )
    in_scope = {}
    for item in session.scalars(select(ReviewItem)):
        kind, _, rest = item.subject.partition(":")
        numbers = {int(p) for p in rest.split(":") if p.isdigit()}
        if (
            (kind in ("drift", "conflict") and numbers & variants)
            or (kind == "single_source" and numbers & quotes)
            or kind in ("alias", "attribution")
        ):
            in_scope[item.subject] = item
    wanted_subjects = {w.subject for w in wanted}
    existing = {s: i for s, i in in_scope.items()}
    existing.update(
        {
            item.subject: item
            for item in session.scalars(
                select(ReviewItem).where(ReviewItem.subject.in_(wanted_subjects - set(existing)))
            )
        }
        if wanted_subjects - set(existing)
        else {}
    )
    return _apply(session, wanted, existing, reopen=False, close_kinds=set(KIND_ORDER))


def _apply(
    session: Session,
    wanted: list[Wanted],
    existing: dict[str, ReviewItem],
    *,
    reopen: bool,
    close_kinds: set[str],
) -> RefreshReport:
    report = RefreshReport()
    now = utcnow()
    seen: set[str] = set()
    for want in wanted:
        if want.subject in seen:
            continue
        seen.add(want.subject)
        payload = jsonable(want.payload)
        item = existing.get(want.subject)
        if item is None:
            session.add(
                ReviewItem(
                    kind=want.kind,
                    subject=want.subject,
                    payload=payload,
                    priority=want.priority,
                    evidence=want.evidence,
                    speaker_id=want.speaker_id,
                    quote_id=want.quote_id,
                    link_id=want.link_id,
                    opened_at=now,
                    updated_at=now,
                )
            )
            report.created += 1
            continue
        changed_evidence = item.evidence is not None and item.evidence != want.evidence
        if item.state == "decided" and changed_evidence and reopen:
            item.state = "open"
            item.opened_at = now
            item.claimed_by = None
            item.claimed_at = None
            report.reopened += 1
        elif item.state == "closed":
            item.state = "open"
            item.opened_at = now
            report.reopened += 1
        if (
            item.payload != payload
            or item.evidence != want.evidence
            or item.priority != want.priority
            or item.link_id != want.link_id
        ):
            item.payload = payload
            item.evidence = want.evidence
            item.priority = want.priority
            item.speaker_id = want.speaker_id
            item.quote_id = want.quote_id
            item.link_id = want.link_id
            item.updated_at = now
            report.updated += 1
    for subject, item in existing.items():
        if subject not in seen and item.state == "open" and item.kind in close_kinds:
            item.state = "closed"
            item.claimed_by = None
            item.claimed_at = None
            item.updated_at = now
            report.closed += 1
    session.flush()
    return report
