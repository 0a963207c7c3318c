"""Deriving the review queue from what the machine proposed.

Every item has a stable `subject` (``drift:<a>:<b>``, ``conflict:<a>:<b>``, ``alias:<s1>:<s2>``,
``attribution:<occurrence>``, ``single_source:<quote>``) so a relink never duplicates it, and an
evidence fingerprint so new evidence reopens an item an editor already decided. Items whose
subject vanished are closed, never deleted: decisions point at them.

A stored item is lean: its payload holds ids and the link's scores, nothing a screen can
read from the data itself (wordings, diffs, occurrences, speaker details are computed by
`display_payload` when an item is shown). The quotes an item is about are columns
(`quote_id`, `other_quote_id`), so exports find review statuses with indexed queries.

Refreshing works on subjects, in chunks, with a few bulk queries per chunk and Core
inserts/updates: `refresh_scope` re-derives the items around what a link run or a decision
changed; `refresh_queue` re-derives every item, streaming (bounded memory).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from provenance.storage.db import chunks
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
PAIR_KINDS = ("drift", "conflict")
# Subjects derived and written per round of a refresh: what a refresh holds in memory.
SUBJECT_CHUNK = 2000
EVIDENCE_HELD = 500_000  # occurrence ids a refresh keeps between batches (a few MB per 100k)

ITEM = ReviewItem.__table__
# Columns a refresh derives; any difference means the item is updated.
DATA_COLUMNS = (
    "payload",
    "evidence",
    "priority",
    "speaker_id",
    "quote_id",
    "other_quote_id",
    "other_speaker_id",
    "link_id",
)
STATE_COLUMNS = ("state", "opened_at", "claimed_by", "claimed_at", "updated_at")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


# What `json.dumps(..., sort_keys=True, default=_json_default)` builds on every call.
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, default=_json_default)


def fingerprint(*parts: Any) -> str:
    """Digest of an item's evidence; the JSON encoder's own hook turns dates into ISO text,
    exactly as ``jsonable`` would (stored fingerprints stay valid), without walking every
    value in Python first."""
    blob = _FINGERPRINT_JSON.encode(list(parts))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def alias_evidence(low: int, high: int, names: Sequence[str]) -> str:
    """A possible-alias item's evidence: the pair and the names they go by now."""
    return fingerprint("alias", low, high, list(names))


def drift_priority(score: float | None) -> float:
    return KIND_BASE["drift"] + max(0.0, min(99.0, float(score or 0.0)))


def attribution_priority(confidence: float) -> float:
    return KIND_BASE["attribution"] + round((1.0 - confidence) * 50.0, 3)


def subject_parts(subject: str) -> tuple[str, list[int]]:
    kind, _, rest = subject.partition(":")
    return kind, [int(p) for p in rest.split(":") if p.lstrip("-").isdigit()]


# --- what a screen shows (computed on display) -----------------------------------------------


def _speaker_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    names: dict[int, str] = {}
    for chunk in chunks(wanted):
        names.update(
            (row.id, row.name)
            for row in session.execute(
                select(Speaker.id, Speaker.name).where(Speaker.id.in_(chunk))
            )
        )
    return dict(names)


def _occurrences_of(session: Session, variant_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for chunk in chunks(sorted(set(variant_ids))):
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
    for chunk in chunks(ids):
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


def _pair_display(session: Session, item: ReviewItem, stored: dict[str, Any]) -> dict[str, Any]:
    from provenance.linking.diff import word_diff

    a_id, b_id = stored["variant_ids"]
    a, b = session.get(Variant, a_id), session.get(Variant, b_id)
    if a is None or b is None:  # a wording was removed since: show what was stored
        return stored
    views = quote_views(session, {a.quote_id, b.quote_id})
    quote_a, quote_b = views.get(a.quote_id), views.get(b.quote_id)
    payload: dict[str, Any] = {
        "variant_ids": [a.id, b.id],
        "wordings": [a.wording, b.wording],
        "diff": [list(op) for op in word_diff(a.wording, b.wording)],
        "quotes": [q for q in (quote_a, quote_b) if q is not None]
        if a.quote_id != b.quote_id
        else [quote_a],
    }
    for key in ("similarity", "scores", "link_status", "drift_score", "likely_original_id"):
        if key in stored:
            payload[key] = stored[key]
    if item.kind == "conflict":
        payload["speaker_ids"] = [a.speaker_id, b.speaker_id]
    return payload


def display_payload(session: Session, item: ReviewItem) -> dict[str, Any]:
    """What a screen shows for an item: its stored ids and scores, with the wordings, diff,
    quotes, occurrences and speakers read from the data as they are now."""
    stored = dict(item.payload or {})
    kind, numbers = subject_parts(item.subject)
    if kind in PAIR_KINDS and len(stored.get("variant_ids") or ()) == 2:
        return jsonable(_pair_display(session, item, stored))
    if kind == "alias" and len(numbers) == 2:
        return jsonable(alias_payload(session, numbers))
    if kind == "attribution" and numbers:
        occurrence = session.get(Occurrence, numbers[0])
        if occurrence is not None:
            return jsonable(attribution_payload(session, occurrence))
    if kind == "single_source" and numbers:
        view = quote_views(session, numbers[:1]).get(numbers[0])
        if view is not None:
            return jsonable({"quotes": [view]})
    return stored


# --- deriving what each subject should be (bulk) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteEvidence:
    """What an item about a quote needs from its wordings' occurrences."""

    occurrence_ids: tuple[int, ...]  # every occurrence but repeated passages (sorted)
    speech: bool  # some occurrence is speech (full or partial) not ruled out as a quote


class _QuoteEvidenceReader:
    """Each quote's `QuoteEvidence`, read once per refresh rather than once per batch: a
    quote with many wordings is an end of many drift and conflict pairs spread over many
    batches (at 100k articles the batches asked for 2.2 times as many quotes as there are,
    and for the biggest quotes 20 times). Holds up to `EVIDENCE_HELD` occurrence ids; the quotes
    read first are dropped first (pairs stream in link order, so a quote's pairs are
    mostly close together)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._held: dict[int, QuoteEvidence] = {}
        self._size = 0

    def get(self, quote_ids: Iterable[int]) -> dict[int, QuoteEvidence]:
        wanted = set(quote_ids)
        missing = wanted.difference(self._held)
        if missing:
            self._read(sorted(missing))
        found = {q: self._held[q] for q in wanted}
        while self._size > EVIDENCE_HELD and self._held:
            dropped = self._held.pop(next(iter(self._held)))
            self._size -= len(dropped.occurrence_ids)
        return found

    def _read(self, quote_ids: list[int]) -> None:
        ids: dict[int, list[int]] = {q: [] for q in quote_ids}
        speech: set[int] = set()
        for chunk in chunks(quote_ids):
            for quote_id, occurrence_id, kind, status, repeat_of in self._session.execute(
                select(
                    Variant.quote_id,
                    Occurrence.id,
                    Occurrence.kind,
                    Occurrence.status,
                    Occurrence.repeat_of_id,
                )
                .join(Variant, Variant.id == Occurrence.variant_id)
                .where(Variant.quote_id.in_(chunk))
            ):
                if repeat_of is None:
                    ids[quote_id].append(occurrence_id)
                if kind in SPEECH_KINDS and status != "not_a_quote":
                    speech.add(quote_id)
        for quote_id, found in ids.items():
            found.sort()
            self._held[quote_id] = QuoteEvidence(tuple(found), quote_id in speech)
            self._size += len(found)


def _want(kind: str, subject: str, payload: dict[str, Any], evidence: str, priority: float,
          **columns: Any) -> dict[str, Any]:  # fmt: skip
    row = {c: None for c in DATA_COLUMNS}
    row.update(
        kind=kind, subject=subject, payload=payload, evidence=evidence, priority=priority, **columns
    )
    return row


def _pairs_wanted(
    session: Session, subjects: dict[str, list[int]], evidence: _QuoteEvidenceReader
) -> dict[str, dict[str, Any] | None]:
    wanted: dict[str, dict[str, Any] | None] = dict.fromkeys(subjects)
    ends = sorted({n for numbers in subjects.values() for n in numbers})
    links: dict[str, Any] = {}
    for chunk in chunks(ends):
        for link in session.execute(
            select(
                Link.id,
                Link.variant_a_id,
                Link.variant_b_id,
                Link.relation,
                Link.similarity,
                Link.scores,
                Link.status,
                Link.drift_score,
                Link.likely_original_id,
            ).where(Link.variant_a_id.in_(chunk), Link.relation.in_(PAIR_KINDS))
        ):
            low, high = sorted((link.variant_a_id, link.variant_b_id))
            subject = f"{link.relation}:{low}:{high}"
            if subject in wanted:
                links[subject] = link
    variants: dict[int, tuple[int, int]] = {}
    ids = sorted({v for link in links.values() for v in (link.variant_a_id, link.variant_b_id)})
    for chunk in chunks(ids):
        for variant_id, quote_id, speaker_id in session.execute(
            select(Variant.id, Variant.quote_id, Variant.speaker_id).where(Variant.id.in_(chunk))
        ):
            variants[variant_id] = (quote_id, speaker_id)
    by_quote = evidence.get({q for q, _ in variants.values()})
    for subject, link in links.items():
        if link.variant_a_id not in variants or link.variant_b_id not in variants:
            continue
        (quote_a, speaker_a), (quote_b, speaker_b) = (
            variants[link.variant_a_id],
            variants[link.variant_b_id],
        )
        kind = link.relation
        evidence_ids = set(by_quote[quote_a].occurrence_ids)
        evidence_ids.update(by_quote[quote_b].occurrence_ids)
        payload: dict[str, Any] = {
            "variant_ids": [link.variant_a_id, link.variant_b_id],
            "similarity": round(link.similarity, 2),
            "scores": link.scores or {},
            "link_status": link.status,
        }
        if kind == "drift":
            payload["drift_score"] = link.drift_score
            payload["likely_original_id"] = link.likely_original_id
            priority = drift_priority(link.drift_score)
        else:
            payload["speaker_ids"] = [speaker_a, speaker_b]
            priority = KIND_BASE["conflict"]
        wanted[subject] = _want(
            kind,
            subject,
            payload,
            fingerprint(kind, sorted(evidence_ids)),
            priority,
            speaker_id=speaker_a,
            quote_id=quote_a,
            other_quote_id=quote_b if quote_b != quote_a else None,
            link_id=link.id,
        )
    return wanted


def _single_sources_wanted(
    session: Session, subjects: dict[str, list[int]], evidence: _QuoteEvidenceReader
) -> dict[str, dict[str, Any] | None]:
    wanted: dict[str, dict[str, Any] | None] = dict.fromkeys(subjects)
    ids = sorted({numbers[0] for numbers in subjects.values() if numbers})
    quotes: dict[int, tuple[int, int]] = {}
    for chunk in chunks(ids):
        for quote_id, speaker_id, outlet_count in session.execute(
            select(Quote.id, Quote.speaker_id, Quote.outlet_count).where(
                Quote.id.in_(chunk), Quote.outlet_count <= 1
            )
        ):
            quotes[quote_id] = (speaker_id, outlet_count)
    by_quote = evidence.get(quotes)
    for quote_id, (speaker_id, _) in quotes.items():
        if not by_quote[quote_id].speech:
            continue
        evidence_ids = list(by_quote[quote_id].occurrence_ids)
        subject = f"single_source:{quote_id}"
        wanted[subject] = _want(
            "single_source",
            subject,
            {"quote_id": quote_id},
            fingerprint("single_source", evidence_ids),
            KIND_BASE["single_source"] + min(len(evidence_ids), 50),
            speaker_id=speaker_id,
            quote_id=quote_id,
        )
    return wanted


def _attributions_wanted(
    session: Session, subjects: dict[str, list[int]], _: _QuoteEvidenceReader
) -> dict[str, dict[str, Any] | None]:
    wanted: dict[str, dict[str, Any] | None] = dict.fromkeys(subjects)
    ids = sorted({numbers[0] for numbers in subjects.values() if numbers})
    for chunk in chunks(ids):
        for row in session.execute(
            select(
                Occurrence.id,
                Occurrence.wording,
                Occurrence.confidence,
                Occurrence.variant_id,
                Variant.speaker_id,
                Variant.quote_id,
            )
            .outerjoin(Variant, Variant.id == Occurrence.variant_id)
            .where(
                Occurrence.id.in_(chunk),
                Occurrence.kind.in_(SPEECH_KINDS),
                Occurrence.repeat_of_id.is_(None),
                (Occurrence.confidence < LOW_CONFIDENCE) | Occurrence.variant_id.is_(None),
            )
        ):
            subject = f"attribution:{row.id}"
            wanted[subject] = _want(
                "attribution",
                subject,
                {
                    "occurrence_id": row.id,
                    "variant_id": row.variant_id,
                    "quote_id": row.quote_id,
                    "speaker_id": row.speaker_id,
                    "confidence": row.confidence,
                },
                fingerprint("attribution", row.id, row.wording, row.confidence),
                attribution_priority(row.confidence),
                speaker_id=row.speaker_id,
                quote_id=row.quote_id,
            )
    return wanted


def _aliases_wanted(
    session: Session, subjects: dict[str, list[int]], _: _QuoteEvidenceReader
) -> dict[str, dict[str, Any] | None]:
    """Alias items exist only where ingest asked; `_merged` marks a pair one of whose speakers
    was merged away elsewhere (the question is gone unless the item was decided)."""
    wanted: dict[str, dict[str, Any] | None] = dict.fromkeys(subjects)
    ids = sorted({n for numbers in subjects.values() for n in numbers})
    speakers: dict[int, tuple[str, int | None]] = {}
    for chunk in chunks(ids):
        for speaker_id, name, merged_into in session.execute(
            select(Speaker.id, Speaker.name, Speaker.merged_into_id).where(Speaker.id.in_(chunk))
        ):
            speakers[speaker_id] = (name, merged_into)
    for subject, numbers in subjects.items():
        if len(numbers) != 2 or not all(n in speakers for n in numbers):
            continue
        low, high = numbers
        row = _want(
            "alias",
            subject,
            {"speaker_ids": [low, high]},
            alias_evidence(low, high, (speakers[low][0], speakers[high][0])),
            KIND_BASE["alias"],
            speaker_id=low,
            other_speaker_id=high,
        )
        row["_merged"] = any(speakers[n][1] is not None for n in numbers)
        wanted[subject] = row
    return wanted


DERIVE = {
    "drift": _pairs_wanted,
    "conflict": _pairs_wanted,
    "single_source": _single_sources_wanted,
    "attribution": _attributions_wanted,
    "alias": _aliases_wanted,
}


# --- writing ---------------------------------------------------------------------------------


@dataclass
class RefreshReport:
    created: int = 0
    updated: int = 0
    reopened: int = 0
    closed: int = 0

    def add(self, other: RefreshReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.reopened += other.reopened
        self.closed += other.closed


def _existing(session: Session, subjects: list[str]) -> dict[str, Any]:
    columns = [ITEM.c.id, ITEM.c.subject, ITEM.c.kind, *(ITEM.c[c] for c in DATA_COLUMNS)]
    columns += [ITEM.c[c] for c in STATE_COLUMNS]
    found = {}
    for chunk in chunks(subjects):
        for row in session.execute(select(*columns).where(ITEM.c.subject.in_(chunk))):
            found[row.subject] = row
    return found


_UPDATE = (
    update(ITEM)
    .where(ITEM.c.id == bindparam("item_id"))
    .values({c: bindparam(c) for c in (*DATA_COLUMNS, *STATE_COLUMNS)})
)


def refresh_subjects(
    session: Session, subjects: Iterable[str], *, reopen: bool = True
) -> RefreshReport:
    """Derive each subject's item from the data as it is now and write what differs: create
    it, update it (reopening a decided item whose evidence changed when `reopen`), or close
    it when its subject vanished. Works in chunks; each chunk costs a few queries."""
    report = RefreshReport()
    batch: list[str] = []
    seen: set[str] = set()
    evidence = _QuoteEvidenceReader(session)
    for subject in subjects:
        if subject in seen:
            continue
        seen.add(subject)
        batch.append(subject)
        if len(batch) >= SUBJECT_CHUNK:
            report.add(_refresh_batch(session, batch, reopen, evidence))
            batch, seen = [], set()
    if batch:
        report.add(_refresh_batch(session, batch, reopen, evidence))
    return report


def _refresh_batch(
    session: Session, subjects: list[str], reopen: bool, evidence: _QuoteEvidenceReader
) -> RefreshReport:
    by_kind: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for subject in subjects:
        kind, numbers = subject_parts(subject)
        if kind in DERIVE:
            by_kind[kind][subject] = numbers
    wanted: dict[str, dict[str, Any] | None] = {}
    pairs = {**by_kind.pop("drift", {}), **by_kind.pop("conflict", {})}
    if pairs:
        wanted.update(_pairs_wanted(session, pairs, evidence))
    for kind, group in by_kind.items():
        wanted.update(DERIVE[kind](session, group, evidence))
    return _write(session, wanted, reopen)


def _write(
    session: Session, wanted: dict[str, dict[str, Any] | None], reopen: bool
) -> RefreshReport:
    report = RefreshReport()
    now = utcnow()
    existing = _existing(session, list(wanted))
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for subject, want in wanted.items():
        row = existing.get(subject)
        if want is not None and want["kind"] == "alias":
            merged = want.pop("_merged")
            if row is None or (merged and row.state != "decided"):
                want = None  # alias items come from ingest only; a merged-away pair is gone
        if want is None:
            if row is not None and row.state == "open":
                values = {c: row._mapping[c] for c in (*DATA_COLUMNS, *STATE_COLUMNS)}
                values.update(state="closed", claimed_by=None, claimed_at=None, updated_at=now)
                updates.append({"item_id": row.id, **values})
                report.closed += 1
            continue
        if row is None:
            inserts.append(
                {**want, "state": "open", "opened_at": now, "created_at": now, "updated_at": now}
            )
            report.created += 1
            continue
        values = {c: row._mapping[c] for c in (*DATA_COLUMNS, *STATE_COLUMNS)}
        changed_state = False
        changed_evidence = row.evidence is not None and row.evidence != want["evidence"]
        if row.state == "decided" and changed_evidence and reopen:
            values.update(state="open", opened_at=now, claimed_by=None, claimed_at=None)
            report.reopened += 1
            changed_state = True
        elif row.state == "closed":
            values.update(state="open", opened_at=now)
            report.reopened += 1
            changed_state = True
        changed_data = any(values[c] != want[c] for c in DATA_COLUMNS)
        if changed_data:
            values.update({c: want[c] for c in DATA_COLUMNS}, updated_at=now)
            report.updated += 1
        if changed_data or changed_state:
            updates.append({"item_id": row.id, **values})
    for chunk in chunks(inserts, 1000):
        session.execute(insert(ITEM), chunk)
    for chunk in chunks(updates, 1000):
        session.execute(_UPDATE, chunk)
    if inserts or updates:
        _expire_items(session)
    return report


def _expire_items(session: Session) -> None:
    """Rows were written with Core: loaded ReviewItem objects must read them again."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ReviewItem):
            session.expire(obj)


# --- what to refresh -------------------------------------------------------------------------


def _pair_subjects(rows: Iterable[Any]) -> Iterator[str]:
    for relation, a, b in rows:
        low, high = sorted((a, b))
        yield f"{relation}:{low}:{high}"


def _scope_subjects(
    session: Session,
    variants: set[int],
    quotes: set[int],
    speakers: set[int],
) -> Iterator[str]:
    # Every wording of every quote in scope: an item's evidence is its quotes' occurrences.
    for chunk in chunks(sorted(variants)):
        quotes.update(session.scalars(select(Variant.quote_id).where(Variant.id.in_(chunk))))
    for chunk in chunks(sorted(quotes)):
        variants.update(session.scalars(select(Variant.id).where(Variant.quote_id.in_(chunk))))
    for chunk in chunks(sorted(variants)):
        for end in (Link.variant_a_id, Link.variant_b_id):
            yield from _pair_subjects(
                session.execute(
                    select(Link.relation, Link.variant_a_id, Link.variant_b_id).where(
                        end.in_(chunk), Link.relation.in_(PAIR_KINDS)
                    )
                )
            )
        for occurrence_id in session.scalars(
            select(Occurrence.id).where(
                Occurrence.variant_id.in_(chunk),
                Occurrence.kind.in_(SPEECH_KINDS),
                Occurrence.repeat_of_id.is_(None),
                Occurrence.confidence < LOW_CONFIDENCE,
            )
        ):
            yield f"attribution:{occurrence_id}"
    for chunk in chunks(sorted(quotes)):
        yield from (f"single_source:{q}" for q in chunk)
        # Items stored about these quotes (their link or wording may be gone by now).
        yield from session.scalars(
            select(ITEM.c.subject).where(
                or_(ITEM.c.quote_id.in_(chunk), ITEM.c.other_quote_id.in_(chunk))
            )
        )
    for chunk in chunks(sorted(speakers)):
        yield from session.scalars(
            select(ITEM.c.subject).where(
                ITEM.c.kind == "alias",
                or_(ITEM.c.speaker_id.in_(chunk), ITEM.c.other_speaker_id.in_(chunk)),
            )
        )


def refresh_scope(
    session: Session,
    *,
    variants: Iterable[int] = (),
    quotes: Iterable[int] = (),
    speakers: Iterable[int] = (),
    subjects: Iterable[str] = (),
    reopen: bool = True,
) -> RefreshReport:
    """Refresh the items around what changed: drift/conflict items of links touching the
    wordings of `quotes` and `variants`, their attribution items, the quotes' single-source
    items and the items stored about them, alias items of `speakers`, and `subjects` (e.g.
    the pairs of links a run deleted)."""
    session.flush()
    variant_set = {v for v in variants if v is not None}
    quote_set = {q for q in quotes if q is not None}
    speaker_set = {s for s in speakers if s is not None}

    def everything() -> Iterator[str]:
        yield from subjects
        yield from _scope_subjects(session, variant_set, quote_set, speaker_set)

    return refresh_subjects(session, everything(), reopen=reopen)


def _paged(session: Session, query: Any, key: Any, size: int = SUBJECT_CHUNK) -> Iterator[Any]:
    """Rows of `query` in pages ordered by the integer `key` (keyset pagination)."""
    last = None
    while True:
        page = query.order_by(key).limit(size)
        if last is not None:
            page = page.where(key > last)
        rows = session.execute(page).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def refresh_queue(session: Session, *, aliases: bool = True) -> RefreshReport:
    """Bring every review item in line with the stored links, quotes and occurrences.

    New evidence on a decided item reopens it; a subject that vanished closes an open item.
    Streams subjects in chunks: every drift/conflict link, low-confidence attribution and
    single-source candidate, then every stored item that could have vanished (open ones) and
    every alias item (``aliases=False`` leaves alias items alone: a link run, which never
    changes speakers, has nothing to say about them). Memory holds the set of subjects
    derived from the data (so the stored items that still have one are not derived twice),
    never the items themselves.
    """
    session.flush()
    derived: set[str] = set()

    def from_data() -> Iterator[str]:
        links = select(Link.id, Link.relation, Link.variant_a_id, Link.variant_b_id).where(
            Link.relation.in_(PAIR_KINDS)
        )
        for _, relation, a, b in _paged(session, links, Link.id):
            low, high = sorted((a, b))
            yield f"{relation}:{low}:{high}"
        occurrences = select(Occurrence.id).where(
            Occurrence.kind.in_(SPEECH_KINDS),
            Occurrence.repeat_of_id.is_(None),
            (Occurrence.confidence < LOW_CONFIDENCE) | Occurrence.variant_id.is_(None),
        )
        for (occurrence_id,) in _paged(session, occurrences, Occurrence.id):
            yield f"attribution:{occurrence_id}"
        quotes = select(Quote.id).where(Quote.outlet_count <= 1)
        for (quote_id,) in _paged(session, quotes, Quote.id):
            yield f"single_source:{quote_id}"

    def everything() -> Iterator[str]:
        for subject in from_data():
            derived.add(subject)
            yield subject
        stored = (
            or_(ITEM.c.state == "open", ITEM.c.kind == "alias")
            if aliases
            else and_(ITEM.c.state == "open", ITEM.c.kind != "alias")
        )
        items = select(ITEM.c.id, ITEM.c.subject).where(stored)
        for _, subject in _paged(session, items, ITEM.c.id):
            if subject not in derived:
                yield subject

    return refresh_subjects(session, everything(), reopen=True)


def resync_after_decision(
    session: Session,
    *,
    quote_ids: Iterable[int],
    variant_ids: Iterable[int],
    speaker_ids: Iterable[int] = (),
    subjects: Iterable[str] = (),
) -> RefreshReport:
    """After an editor changed the data, refresh the items it touched without reopening any:
    the change came from a decision, not from new evidence."""
    return refresh_scope(
        session,
        variants=variant_ids,
        quotes=quote_ids,
        speakers=speaker_ids,
        subjects=subjects,
        reopen=False,
    )


def scope_of_ops(session: Session, ops: Iterable[dict[str, Any]]) -> dict[str, set[Any]]:
    """What a decision's recorded data changes (`effects.Changes` ops) touched: quotes,
    variants, speakers, and the subjects of links and occurrences it set, added or removed."""
    scope: dict[str, set[Any]] = {
        "quote_ids": set(),
        "variant_ids": set(),
        "speaker_ids": set(),
        "subjects": set(),
    }
    link_ids = set()
    for op in ops:
        table, pk = op["table"], op.get("pk", {})
        images = [op.get("row") or {}, op.get("before") or {}, op.get("after") or {}]
        if table == "quote":
            scope["quote_ids"].add(pk.get("id"))
        elif table == "variant":
            scope["variant_ids"].add(pk.get("id"))
        elif table == "speaker":
            scope["speaker_ids"].add(pk.get("id"))
        elif table == "occurrence":
            scope["subjects"].add(f"attribution:{pk.get('id')}")
        elif table == "link":
            link_ids.add(pk.get("id"))
        for image in images:
            for key in ("variant_id", "variant_a_id", "variant_b_id", "likely_original_id"):
                if isinstance(image.get(key), int):
                    scope["variant_ids"].add(image[key])
            for key in ("quote_id",):
                if isinstance(image.get(key), int):
                    scope["quote_ids"].add(image[key])
            for key in ("speaker_id", "merged_into_id"):
                if isinstance(image.get(key), int):
                    scope["speaker_ids"].add(image[key])
        row = op.get("row") or {}
        if table == "link" and "variant_a_id" in row:
            low, high = sorted((row["variant_a_id"], row["variant_b_id"]))
            scope["subjects"].update(f"{k}:{low}:{high}" for k in PAIR_KINDS)
    ids = sorted(i for i in link_ids if i is not None)
    for chunk in chunks(ids):
        for a, b in session.execute(
            select(Link.variant_a_id, Link.variant_b_id).where(Link.id.in_(chunk))
        ):
            low, high = sorted((a, b))
            scope["variant_ids"].update((a, b))
            scope["subjects"].update(f"{k}:{low}:{high}" for k in PAIR_KINDS)
    for values in scope.values():
        values.discard(None)
    return scope


# --- queued at ingest ------------------------------------------------------------------------


def possible_alias_row(low: int, high: int, names: Sequence[str]) -> dict[str, Any]:
    """The row of a new possible-alias item (ingest writes these in bulk), complete with its
    evidence: linking never changes speakers, so it never needs to derive these again."""
    return {
        "kind": "alias",
        "subject": f"alias:{low}:{high}",
        "payload": {"speaker_ids": [low, high]},
        "evidence": alias_evidence(low, high, names),
        "priority": KIND_BASE["alias"],
        "speaker_id": low,
        "other_speaker_id": high,
    }
