"""Linking against the database: feed stored variants to the engine and persist its plan.

New variants are those without blocking keys yet; `link_pending` links only them against
the candidates their keys find (incremental), `rebuild` recomputes every cluster. Editor
decisions enter both as constraints and are never overwritten: links an editor decided are
kept, a pinned canonical wording stays canonical, and quote ids stay stable (a cluster
keeps the lowest id of the quotes its variants came from).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, true, union_all, update
from sqlalchemy.orm import Session

from provenance.linking import (
    ClusterPlan,
    EditorConstraints,
    SourceInput,
    VariantInput,
    compare,
    link_new,
    plan_drift,
    plan_links,
    plan_stories,
)
from provenance.linking.candidates import KEY_VERSION
from provenance.linking.compare import DRIFT_SCORERS, Scorer, scorer_named
from provenance.linking.model import Conflict, DriftCandidate, PlannedLink, Scores
from provenance.linking.stories import source_day
from provenance.storage.db import Database, bulk_load_rows, chunks, insert_rows
from provenance.storage.maintenance import refresh_statistics
from provenance.storage.models import (
    RELATIONS,
    Link,
    Occurrence,
    Quote,
    ReviewDecision,
    Setting,
    Source,
    Variant,
    VariantKey,
    utcnow,
)

# Relations of links inside one cluster (drift and conflict links run between clusters).
PAIR_RELATIONS = ("drift", "conflict")
CLUSTER_RELATIONS = tuple(r for r in RELATIONS if r not in PAIR_RELATIONS)


@dataclass
class LinkReport:
    mode: str
    variants_linked: int = 0
    quotes: int = 0
    links: int = 0
    drift_candidates: int = 0
    conflicts: int = 0
    drift_scorer: str = DRIFT_SCORERS[0]

    def summary(self) -> dict[str, int | str]:
        return {
            "link_mode": self.mode,
            "drift_scorer": self.drift_scorer,
            "variants_linked": self.variants_linked,
            "quotes": self.quotes,
            "drift_candidates": self.drift_candidates,
            "conflicts": self.conflicts,
        }


@dataclass
class Touched:
    """What a link run changed, so that only the review items around it are refreshed:
    wordings re-clustered, quotes they left or joined (or whose occurrences changed), and
    the subjects (``relation:low:high``) of drift/conflict links added, changed or removed."""

    variants: set[int] = field(default_factory=set)
    quotes: set[int] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)

    def pair(self, a: int, b: int) -> None:
        low, high = sorted((a, b))
        self.subjects.update(f"{kind}:{low}:{high}" for kind in ("drift", "conflict"))


def load_variants(
    session: Session, variant_ids: Iterable[int] | None = None
) -> dict[int, VariantInput]:
    """Stored wordings as engine input; a wording whose every occurrence an editor rejected
    as "not a quote", or that only repeats inside one source, carries no evidence."""
    base = (
        select(
            Variant.id,
            Variant.speaker_id,
            Variant.wording,
            Occurrence.source_id,
            Occurrence.kind,
            Occurrence.sentence,
        )
        .join(Occurrence, Occurrence.variant_id == Variant.id)
        .where(Occurrence.status != "not_a_quote", Occurrence.repeat_of_id.is_(None))
        .order_by(Variant.id, Occurrence.id)
    )
    if variant_ids is None:
        batches: Iterable = [session.execute(base)]
    else:
        ids = sorted(set(variant_ids))
        batches = (session.execute(base.where(Variant.id.in_(chunk))) for chunk in chunks(ids))
    rows: dict[int, dict] = {}  # type: ignore[type-arg]
    for batch in batches:
        for variant_id, speaker_id, wording, source_id, kind, sentence in batch:
            row = rows.setdefault(
                variant_id,
                {
                    "speaker": speaker_id,
                    "wording": wording,
                    "sources": [],
                    "kind": kind,
                    "context": sentence,
                },
            )
            if source_id not in row["sources"]:
                row["sources"].append(source_id)
            if kind == "full":
                row["kind"] = "full"
    return {
        variant_id: VariantInput(
            variant_id=variant_id,
            speaker_id=row["speaker"],
            wording=row["wording"],
            kind=row["kind"] if row["kind"] in ("full", "partial") else "partial",
            source_ids=tuple(row["sources"]),
            context=row["context"],
        )
        for variant_id, row in rows.items()
    }


def load_sources(
    session: Session, source_ids: Iterable[int] | None = None
) -> dict[int, SourceInput]:
    query = select(Source.id, Source.outlet, Source.published_at)
    if source_ids is None:
        results: Iterable = session.execute(query)
    else:
        ids = sorted(set(source_ids))
        results = (
            row
            for chunk in chunks(ids)
            for row in session.execute(query.where(Source.id.in_(chunk)))
        )
    return {
        source_id: SourceInput(source_id, outlet, published_at)
        for source_id, outlet, published_at in results
    }


def load_constraints(session: Session) -> EditorConstraints:
    """Editor decisions as the engine understands them."""
    same: set[frozenset[int]] = set()
    different: set[frozenset[int]] = set()
    for a, b, _relation, status in session.execute(
        select(Link.variant_a_id, Link.variant_b_id, Link.relation, Link.status).where(
            Link.status != "proposed", Link.relation != "conflict"
        )
    ):
        (same if status == "confirmed" else different).add(frozenset((a, b)))
    canonical = set(
        session.scalars(
            select(Quote.canonical_variant_id).where(
                Quote.canonical_pinned, Quote.canonical_variant_id.is_not(None)
            )
        )
    )
    misquotes = set(session.scalars(select(Variant.id).where(Variant.misquote)))
    return EditorConstraints(
        same_utterance=frozenset(same),
        different_utterance=frozenset(different),
        canonical=frozenset(canonical),
        misquotes=frozenset(misquotes),
    )


def _outlet_key(source: SourceInput) -> str:
    return f"outlet:{source.outlet.casefold()}" if source.outlet else f"source:{source.source_id}"


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None and value.tzinfo else value


def _update_by_id(table: Any, **columns: str) -> Any:
    """A Core UPDATE of `table` by primary key (bound as ``row_id``), each column bound to
    the named parameter: executemany updates, without the ORM bulk update's per-row work."""
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(**{column: bindparam(name) for column, name in columns.items()})
    )


_MOVE_VARIANT = _update_by_id(
    Variant.__table__, quote_id="to_quote", relation="new_relation", similarity="new_similarity"
)
_QUOTE_FIGURES = _update_by_id(
    Quote.__table__,
    canonical_variant_id="new_canonical",
    outlet_count="new_outlets",
    source_count="new_sources",
    first_seen_at="new_first_seen",
    story_id="new_story",
)
_SOURCE_STORY = _update_by_id(Source.__table__, story_id="new_story")
_QUOTE_STORY = _update_by_id(Quote.__table__, story_id="new_story")


def apply_clusters(
    session: Session,
    clusters: Iterable[ClusterPlan],
    variants: Mapping[int, VariantInput],
    sources: Mapping[int, SourceInput],
    stories: Mapping[int, int],
    touched: Touched | None = None,
) -> int:
    """Move variants into their clusters' quotes and refresh each quote's figures."""
    clusters = list(clusters)
    ids = [v for c in clusters for v in c.variant_ids]
    current: dict[int, int] = {}
    wording: dict[int, str] = {}
    for chunk in chunks(ids):
        for variant_id, quote_id, text in session.execute(
            select(Variant.id, Variant.quote_id, Variant.wording).where(Variant.id.in_(chunk))
        ):
            current[variant_id] = quote_id
            wording[variant_id] = text
    touched_quotes = set(current.values())
    if touched is not None:
        touched.variants.update(current)
        touched.quotes.update(touched_quotes)
    pinned: dict[int, int] = {}
    for chunk in chunks(sorted(touched_quotes)):
        for quote_id, canonical_id in session.execute(
            select(Quote.id, Quote.canonical_variant_id).where(
                Quote.id.in_(chunk), Quote.canonical_pinned
            )
        ):
            pinned[quote_id] = canonical_id
    variant_updates = []
    quote_updates = []
    kept_quotes: set[int] = set()
    for cluster in clusters:
        members = [v for v in cluster.variant_ids if v in current]
        if not members:
            continue
        pinned_here = [
            (q, pinned[q])
            for q in {current[v] for v in members}
            if q in pinned and pinned[q] in members
        ]
        if pinned_here:
            target, canonical_id = min(pinned_here)
        else:
            target, canonical_id = min(current[v] for v in members), cluster.canonical_id
        kept_quotes.add(target)
        if touched is not None:
            touched.quotes.add(target)
        canonical_text = wording[canonical_id]
        for variant_id in members:
            if variant_id == canonical_id:
                relation, similarity = "canonical", 100.0
            else:
                result = compare(canonical_text, wording[variant_id])
                relation = result.relation if result.relation in RELATIONS else "linked"
                similarity = round(result.similarity, 2)
            variant_updates.append(
                {
                    "row_id": variant_id,
                    "to_quote": target,
                    "new_relation": relation,
                    "new_similarity": similarity,
                }
            )
        member_sources = [
            sources[s]
            for v in members
            if v in variants
            for s in variants[v].source_ids
            if s in sources
        ]
        dates = [_naive(s.published_at) for s in member_sources if s.published_at is not None]
        story_ids = [stories[s.source_id] for s in member_sources if s.source_id in stories]
        quote_updates.append(
            {
                "row_id": target,
                "new_canonical": canonical_id,
                "new_outlets": len({_outlet_key(s) for s in member_sources}),
                "new_sources": len({s.source_id for s in member_sources}),
                "new_first_seen": min(dates) if dates else None,
                "new_story": min(story_ids) if story_ids else None,
            }
        )
    # Two passes keep the (quote, normalised) key unique while variants change quotes. Core
    # executemany updates, without the per-row bookkeeping of the ORM's bulk update.
    if variant_updates:
        session.execute(_MOVE_VARIANT, variant_updates)
    if quote_updates:
        session.execute(_QUOTE_FIGURES, quote_updates)
    emptied = sorted(touched_quotes - kept_quotes)
    for chunk in chunks(emptied):
        still_used = set(
            session.scalars(select(Variant.quote_id).where(Variant.quote_id.in_(chunk)))
        )
        doomed = [q for q in chunk if q not in still_used]
        if doomed:
            session.execute(delete(Quote).where(Quote.id.in_(doomed)))
    return len(clusters)


def _link_row(a: int, b: int, relation: str, similarity: float, scores: dict, **extra) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return {
        "variant_a_id": a,
        "variant_b_id": b,
        "relation": relation if relation in RELATIONS else "linked",
        "similarity": float(similarity),
        "scores": scores.rounded(3)
        if isinstance(scores, Scores)
        else {k: round(float(v), 3) for k, v in (scores or {}).items()},
        "origin": "auto",
        "status": "proposed",
        **extra,
    }


def _alignment_text(link: PlannedLink) -> str | None:
    alignment = link.alignment
    if alignment is None:
        return None
    return json.dumps(
        {
            "shorter": alignment.shorter,
            "words": [alignment.word_start, alignment.word_end],
            "chars": [alignment.char_start, alignment.char_end],
        }
    )


_LINK_FIELDS = (
    "variant_a_id",
    "variant_b_id",
    "relation",
    "similarity",
    "scores",
    "alignment",
    "drift_score",
    "likely_original_id",
)


def replace_auto_links(
    session: Session,
    variant_ids: Iterable[int],
    links: Iterable[PlannedLink],
    drift: Iterable[DriftCandidate],
    conflicts: Iterable[Conflict],
    *,
    relations: tuple[str, ...] | None = None,
    touched: Touched | None = None,
) -> tuple[int, int, int]:
    """Swap the machine's proposals touching `variant_ids` for new ones; editor links stay.

    Written as a difference: a proposal that is already stored as planned keeps its row (and
    id), a changed one is updated, and only vanished ones are deleted, so a relink that
    changes little writes little (and `touched` learns the drift/conflict pairs it changed).
    """
    ids = sorted(set(variant_ids))
    decided: set[frozenset[int]] = set()
    stored: dict[frozenset[int], dict] = {}  # type: ignore[type-arg]
    columns = [Link.id, *(getattr(Link, name) for name in _LINK_FIELDS), Link.origin, Link.status]
    for chunk in chunks(ids):
        # Every link touching the chunk, in one statement with one branch per end, each
        # through its own index (an OR of the two ends is planned as a scan of every link
        # by PostgreSQL whenever its statistics are missing, as during a first link).
        # Only rows that matter are read (their JSON scores decoded): editor-decided ones
        # of any relation, and the machine's own of the relations being replaced.
        wanted = (
            or_(Link.relation.in_(relations), Link.origin == "editor", Link.status != "proposed")
            if relations is not None
            else true()
        )
        query = union_all(
            *(
                select(*columns).where(end.in_(chunk), wanted)
                for end in (Link.variant_a_id, Link.variant_b_id)
            )
        )
        for row in session.execute(query):
            key = frozenset((row.variant_a_id, row.variant_b_id))
            if row.origin == "editor" or row.status != "proposed":
                decided.add(key)
            elif row.origin == "auto" and (relations is None or row.relation in relations):
                stored[key] = dict(row._mapping)
    rows: dict[frozenset[int], dict] = {}  # type: ignore[type-arg]
    for link in links:
        rows.setdefault(
            frozenset((link.a, link.b)),
            _link_row(
                link.a,
                link.b,
                link.relation,
                link.similarity,
                link.scores,
                alignment=_alignment_text(link),
            ),
        )
    drift_count = conflict_count = 0
    for candidate in drift:
        key = frozenset((candidate.a, candidate.b))
        rows[key] = _link_row(
            candidate.likely_original,
            candidate.outlier,
            "drift",
            candidate.similarity,
            candidate.scores,
            drift_score=float(candidate.drift_score),
            likely_original_id=candidate.likely_original,
        )
        drift_count += 1
    for conflict in conflicts:
        key = frozenset((conflict.a, conflict.b))
        rows[key] = _link_row(
            conflict.a, conflict.b, "conflict", conflict.similarity, conflict.scores
        )
        conflict_count += 1
    fresh = {key: row for key, row in rows.items() if key not in decided and len(key) == 2}
    changed: list[dict] = []  # type: ignore[type-arg]
    new_rows: list[dict] = []  # type: ignore[type-arg]
    kept = 0
    for key, row in fresh.items():
        old = stored.pop(key, None)
        if old is None:
            new_rows.append(row)
            continue
        wanted = {name: row.get(name) for name in _LINK_FIELDS}
        if any(old[name] != wanted[name] for name in _LINK_FIELDS):
            changed.append({"id": old["id"], **wanted})
            if touched is not None and (
                old["relation"] in PAIR_RELATIONS or row["relation"] in PAIR_RELATIONS
            ):
                touched.pair(*key)
        else:
            kept += 1
    doomed = sorted(old["id"] for old in stored.values())
    for chunk in chunks(doomed):
        session.execute(delete(Link).where(Link.id.in_(chunk)))
    if changed:
        session.execute(update(Link), changed)
    # A planned pair that already has another link (an editor's, another relation's) is
    # left alone: one link per pair.
    existing = set()
    for chunk in chunks(new_rows):
        ends = [row["variant_a_id"] for row in chunk] + [row["variant_b_id"] for row in chunk]
        for a, b in session.execute(
            select(Link.variant_a_id, Link.variant_b_id).where(Link.variant_a_id.in_(ends))
        ):
            existing.add(frozenset((a, b)))
    new_rows = [
        row
        for row in new_rows
        if frozenset((row["variant_a_id"], row["variant_b_id"])) not in existing
    ]
    _insert_links(session, new_rows)
    if touched is not None:
        for key, old in stored.items():
            if old["relation"] in PAIR_RELATIONS:
                touched.pair(*key)
        for row in new_rows:
            if row["relation"] in PAIR_RELATIONS:
                touched.pair(row["variant_a_id"], row["variant_b_id"])
    return len(new_rows) + len(changed) + kept, drift_count, conflict_count


# Every column a new link row is written with (`_link_row` leaves some out: NULL).
_LINK_INSERT = (*_LINK_FIELDS, "origin", "status", "created_at")


def _insert_links(session: Session, rows: list[dict]) -> None:  # type: ignore[type-arg]
    """Write new link rows with the backend's bulk path (`storage.db.insert_rows`: COPY on
    PostgreSQL, where an executemany of INSERTs cost a round trip per row), ids from the
    table's sequence or rowid; `created_at` is set here since Python-side defaults do not
    apply."""
    now = utcnow()
    insert_rows(
        session.connection(),
        Link.__table__,
        _LINK_INSERT,
        [[now if name == "created_at" else row.get(name) for name in _LINK_INSERT] for row in rows],
    )


def store_keys(
    session: Session, keys: Mapping[int, Iterable[str]], *, all_ids: Iterable[int] = ()
) -> None:
    """Persist blocking keys (``LinkPlan.keys``); a variant with keys counts as linked."""
    rows = [(variant_id, key) for variant_id, ks in keys.items() for key in ks]
    # Wordings with no usable evidence still get a marker so they are not retried forever.
    rows.extend((variant_id, "none") for variant_id in all_ids if variant_id not in keys)
    bulk_load_rows(session.connection(), VariantKey.__table__, ("variant_id", "key"), rows)


# A run that re-clustered at least this share of the wordings refreshes the whole review
# queue (streaming) instead of the items around what it touched.
FULL_REFRESH_SHARE = 0.5


def _refresh_review_queue(session: Session, touched: Touched | None = None) -> None:
    """Items around what the run changed (every item after a large run). Alias items are
    ingest's: it writes them complete and refreshes those of a renamed speaker, and a link
    run never changes speakers."""
    from provenance.review.queue import refresh_queue, refresh_scope

    if touched is not None:
        total = session.scalar(select(func.count()).select_from(Variant)) or 0
        if not total or len(touched.variants) < FULL_REFRESH_SHARE * total:
            refresh_scope(
                session,
                variants=touched.variants,
                quotes=touched.quotes,
                subjects=touched.subjects,
            )
            return
    refresh_queue(session, aliases=False)


def _all_variants(
    session: Session, loaded: Mapping[int, VariantInput] | None, every: Iterable[int]
) -> dict[int, VariantInput]:
    """Every stored wording (ids ``every``) as engine input, reusing what the run already
    loaded (a first link loaded them all) when that is most of them: a second full load
    costs time and holds two copies in memory."""
    if loaded:
        missing = set(every).difference(loaded)
        if len(missing) <= len(loaded):
            return {**loaded, **load_variants(session, missing)}
    return load_variants(session)


def _refresh_stories_and_drift(
    session: Session,
    constraints: EditorConstraints,
    scorer: Scorer,
    touched: Touched | None = None,
    loaded: Mapping[int, VariantInput] | None = None,
) -> tuple[int, int]:
    """Stories are connected components over every source. A rebuild recomputes them whole
    (one pass over the stored variants, no pairwise comparison across stories); an
    incremental run recomputes only the stories its changes can reach (`_scoped_refresh`),
    falling back to the whole pass when that cannot be shown exact. Drift is recomputed for
    every story when `touched` is None (rebuild), else only for the stories whose sources
    changed story or hold a wording the run touched (`plan_drift(only_stories=…)`: drift
    never looks outside its story), widened to every story their clusters reach.

    Quotes whose stored source count no longer matches their wordings' occurrences (ingest
    added an occurrence of a wording that was already linked) get their figures recomputed
    and count as touched. ``loaded``: wordings the run already loaded (``_all_variants``)."""
    mark = _decision_mark(session)
    if touched is not None:
        scoped = _scoped_refresh(session, constraints, scorer, touched, mark)
        if scoped is not None:
            return scoped
    session.merge(Setting(key=STORIES_MARK_KEY, value=mark))
    placement = session.execute(select(Variant.id, Variant.quote_id)).all()
    variants = _all_variants(session, loaded, (row[0] for row in placement))
    sources = load_sources(session)
    members: dict[int, list[int]] = defaultdict(list)
    for variant_id, quote_id in placement:
        if variant_id in variants:
            members[quote_id].append(variant_id)
    del placement
    state = _quote_state(session, None)
    before = dict(session.execute(select(Source.id, Source.story_id)).all())
    if touched is not None:
        _refresh_stale_figures(session, members, variants, sources, state, touched)
    clusters = _cluster_plans(members, variants, state)
    stories = plan_stories(clusters, variants, sources)
    only: set[int] | None = None
    scope_ids: Iterable[int] = list(variants)
    if touched is not None:
        only, scope_ids = _touched_stories(clusters, variants, stories, touched, before)
    drift = plan_drift(clusters, variants, sources, stories, constraints, scorer, only_stories=only)
    _write_stories(session, stories, before, members, variants, state)
    _, drift_count, _ = replace_auto_links(
        session, scope_ids, [], drift, [], relations=("drift",), touched=touched
    )
    return len(set(stories.values())), drift_count


# The newest editor decision when stories were last computed. Stored stories are the
# components of the source graph as of that run only while no decision has changed the
# data since (decisions reject occurrences, reattribute wordings, merge speakers): a scoped
# refresh relies on that, so a new decision makes the next run recompute every story.
STORIES_MARK_KEY = "stories_decision_mark"
# A scope (sources whose story is recomputed) above this share of all sources goes to the
# whole-corpus pass instead, which reads everything in a few statements.
SCOPED_STORIES_SHARE = 0.25


@dataclass(slots=True)
class _QuoteState:
    """A quote's stored canonical wording, figures and story."""

    canonical_id: int | None
    outlet_count: int
    source_count: int | None
    story_id: int | None


def _quote_state(session: Session, quote_ids: Iterable[int] | None) -> dict[int, _QuoteState]:
    """Stored state of the quotes `quote_ids` (None: every quote)."""
    query = select(
        Quote.id, Quote.canonical_variant_id, Quote.outlet_count, Quote.source_count, Quote.story_id
    )
    if quote_ids is None:
        rows: Iterable = session.execute(query)
    else:
        rows = (
            row
            for chunk in chunks(sorted(set(quote_ids)))
            for row in session.execute(query.where(Quote.id.in_(chunk)))
        )
    return {row[0]: _QuoteState(*row[1:]) for row in rows}


def _cluster_plans(
    members: Mapping[int, list[int]],
    variants: Mapping[int, VariantInput],
    state: Mapping[int, _QuoteState],
) -> list[ClusterPlan]:
    """The stored quotes as the engine's clusters (their evidence wordings only)."""
    plans = []
    for quote_id, ids in members.items():
        found = state.get(quote_id)
        canonical = found.canonical_id if found is not None else None
        plans.append(
            ClusterPlan(
                cluster_id=min(ids),
                speaker_id=variants[ids[-1]].speaker_id,
                variant_ids=tuple(sorted(ids)),
                canonical_id=canonical if canonical in ids else min(ids),
                outlet_count=found.outlet_count if found is not None else 0,
            )
        )
    return plans


def _write_stories(
    session: Session,
    stories: Mapping[int, int],
    before: Mapping[int, int | None],
    members: Mapping[int, list[int]],
    variants: Mapping[int, VariantInput],
    state: Mapping[int, _QuoteState],
) -> None:
    """Store the story ids that changed: a source's, and a quote's (its sources' lowest).
    Only changes are written: one new article moves a few sources, and rewriting every row
    cost an incremental run at 100k articles 3 s."""
    moved = [
        {"row_id": s, "new_story": story} for s, story in stories.items() if before.get(s) != story
    ]
    for chunk in chunks(moved, 2000):
        session.execute(_SOURCE_STORY, chunk)
    quote_story = []
    for quote_id, ids in members.items():
        story_ids = [stories[s] for v in ids for s in variants[v].source_ids if s in stories]
        found = state.get(quote_id)
        stored = found.story_id if found is not None else None
        if story_ids and stored != (story := min(story_ids)):
            quote_story.append({"row_id": quote_id, "new_story": story})
    for chunk in chunks(quote_story, 2000):
        session.execute(_QUOTE_STORY, chunk)


def _decision_mark(session: Session) -> str:
    return str(session.scalar(select(func.max(ReviewDecision.id))) or 0)


EvidenceRow = tuple[int, int, int, int]  # speaker, quote, variant, source


def _evidence_rows(session: Session, column: Any, values: Iterable[int]) -> list[EvidenceRow]:
    """(speaker, quote, variant, source) of every evidence occurrence (not rejected, not a
    repeat inside its source: what `load_variants` reads) whose `column` is in `values`."""
    query = (
        select(Variant.speaker_id, Variant.quote_id, Variant.id, Occurrence.source_id)
        .join(Occurrence, Occurrence.variant_id == Variant.id)
        .where(Occurrence.status != "not_a_quote", Occurrence.repeat_of_id.is_(None))
    )
    return [
        (row[0], row[1], row[2], row[3])
        for chunk in chunks(sorted(set(values)))
        for row in session.execute(query.where(column.in_(chunk)))
    ]


def _stale_quotes(session: Session) -> set[int]:
    """Quotes whose stored source count differs from their evidence occurrences' distinct
    sources (ingest added an occurrence of a wording that was already linked): the quotes
    `_refresh_stale_figures` finds, found by the database."""
    return set(
        session.scalars(
            select(Variant.quote_id)
            .join(Occurrence, Occurrence.variant_id == Variant.id)
            .join(Quote, Quote.id == Variant.quote_id)
            .where(Occurrence.status != "not_a_quote", Occurrence.repeat_of_id.is_(None))
            .group_by(Variant.quote_id, Quote.source_count)
            .having(
                func.count(Occurrence.source_id.distinct()) != func.coalesce(Quote.source_count, -1)
            )
        )
    )


class _ScopeReader:
    """What a scoped refresh has read so far: wordings by quote, sources and stored stories,
    each read once, in IN-list chunks."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.members: dict[int, list[int]] = {}
        self.variants: dict[int, VariantInput] = {}
        self.sources: dict[int, SourceInput] = {}
        self.stored_story: dict[int, int | None] = {}
        self.by_speaker: dict[int, list[EvidenceRow]] = {}

    def speaker_rows(self, speakers: Iterable[int]) -> list[EvidenceRow]:
        """Every evidence row of these speakers, with their sources loaded."""
        missing = set(speakers) - set(self.by_speaker)
        if missing:
            for speaker in missing:
                self.by_speaker[speaker] = []
            for row in _evidence_rows(self.session, Variant.speaker_id, missing):
                self.by_speaker[row[0]].append(row)
            self.load_sources(row[3] for s in missing for row in self.by_speaker[s])
        return [row for s in set(speakers) for row in self.by_speaker[s]]

    def quotes(self, quote_ids: Iterable[int]) -> None:
        """Load every evidence wording of these quotes, and their sources."""
        wanted = set(quote_ids) - set(self.members)
        if not wanted:
            return
        found: dict[int, set[int]] = defaultdict(set)
        for _, quote_id, variant_id, _ in _evidence_rows(self.session, Variant.quote_id, wanted):
            found[quote_id].add(variant_id)
        ids = [v for variant_ids in found.values() for v in variant_ids]
        self.variants.update(load_variants(self.session, ids))
        for quote_id, variant_ids in found.items():
            self.members[quote_id] = sorted(variant_ids)
        self.load_sources({s for v in ids for s in self.variants[v].source_ids})

    def load_sources(self, source_ids: Iterable[int]) -> None:
        missing = set(source_ids) - set(self.sources)
        if missing:
            self.sources.update(load_sources(self.session, missing))

    def stories(self, source_ids: Iterable[int]) -> None:
        missing = sorted(set(source_ids) - set(self.stored_story))
        for chunk in chunks(missing):
            self.stored_story.update(
                (row[0], row[1])
                for row in self.session.execute(
                    select(Source.id, Source.story_id).where(Source.id.in_(chunk))
                )
            )

    def story_members(self, story_ids: Iterable[int]) -> set[int]:
        """Every source stored in these stories."""
        found: set[int] = set()
        for chunk in chunks(sorted(set(story_ids))):
            for source_id, story in self.session.execute(
                select(Source.id, Source.story_id).where(Source.story_id.in_(chunk))
            ):
                self.stored_story[source_id] = story
                found.add(source_id)
        return found


def _scoped_refresh(
    session: Session,
    constraints: EditorConstraints,
    scorer: Scorer,
    touched: Touched,
    mark: str,
) -> tuple[int, int] | None:
    """Stories and drift after an incremental run, reading only what its changes reach;
    None when the whole-corpus pass must run instead (the stored stories are not known to
    be the last graph's components, or the scope is much of the corpus).

    Why it is exact: an edge of the story graph (`plan_stories`) can change only at the
    sources of a changed cluster (a touched or stale quote) or of a changed (speaker, day)
    bucket (the speaker of such a quote, on one of its days). The scope is every stored
    story holding such a source, plus every source not linked yet. Its components are
    computed with every cluster that has a source in it and every cluster in its (speaker,
    day) buckets, so each edge at a scope source is the whole graph's. A component that
    leaves the scope proves the stored stories stale, and the whole pass runs instead.
    Stories outside the scope keep all their edges, hence their ids."""
    stored_mark = session.get(Setting, STORIES_MARK_KEY)
    if stored_mark is None or stored_mark.value != mark:
        return None
    read = _ScopeReader(session)
    # The scope holds every seed: a seed set already too large ends the attempt before the
    # reads that only the scope needs (a batch of a thousand articles into a large corpus).
    limit = SCOPED_STORIES_SHARE * (session.scalar(select(func.count()).select_from(Source)) or 0)
    changed_quotes = set(touched.quotes) | (_stale_quotes(session) - touched.quotes)
    changed_quotes.update(row[1] for row in _evidence_rows(session, Variant.id, touched.variants))
    changed = _evidence_rows(session, Variant.quote_id, changed_quotes)
    seeds = {row[3] for row in changed}
    if len(seeds) > limit:
        return None
    read.load_sources(seeds)
    buckets = {(speaker, source_day(read.sources.get(source))) for speaker, _, _, source in changed}
    seeds.update(row[3] for row in _bucket_rows(read, buckets))
    if len(seeds) > limit:
        return None
    read.stories(seeds)
    scope = set(seeds) | read.story_members(
        {story for s in seeds if (story := read.stored_story.get(s)) is not None}
    )
    unlinked = set(session.scalars(select(Source.id).where(Source.story_id.is_(None))))
    read.stored_story.update(dict.fromkeys(unlinked))
    scope |= unlinked
    if len(scope) > limit:
        return None

    # Every cluster with a source in the scope, and every cluster in its buckets.
    at_scope = _evidence_rows(session, Occurrence.source_id, scope)
    read.load_sources(scope)
    scope_buckets = {
        (speaker, source_day(read.sources.get(source))) for speaker, _, _, source in at_scope
    }
    read.quotes(
        {row[1] for row in at_scope} | {row[1] for row in _bucket_rows(read, scope_buckets)}
    )
    state = _quote_state(session, read.members)
    _refresh_stale_figures(session, read.members, read.variants, read.sources, state, touched)
    clusters = _cluster_plans(read.members, read.variants, state)
    computed = plan_stories(clusters, read.variants, read.sources)
    if any((source in scope) != (story in scope) for source, story in computed.items()):
        return None  # a component leaves the scope: the stored stories were stale
    stories = {source: computed[source] for source in scope}

    def story_of(source_id: int) -> int:
        found = stories.get(source_id)
        if found is not None:
            return found
        stored = read.stored_story.get(source_id)
        return stored if stored is not None else source_id

    # Drift: as `_touched_stories`, with the clusters of the wanted stories read as needed.
    read.stories(
        {s for v in touched.variants if v in read.variants for s in read.variants[v].source_ids}
    )
    wanted = _redrift_seed(stories, read.stored_story, touched, read.variants, story_of)
    while True:
        in_wanted = {s for s, story in stories.items() if story in wanted}
        in_wanted |= read.story_members(w for w in wanted if w not in scope)
        reaching = {row[1] for row in _evidence_rows(session, Occurrence.source_id, in_wanted)}
        read.quotes(reaching)
        reached_sources = {
            s for q in reaching for v in read.members[q] for s in read.variants[v].source_ids
        }
        read.stories(reached_sources - scope)
        reached = {story_of(s) for s in reached_sources}
        if reached <= wanted:
            break
        wanted |= reached
    state.update(_quote_state(session, set(reaching) - set(state)))
    drift_members = {q: read.members[q] for q in reaching}
    drift = plan_drift(
        _cluster_plans(drift_members, read.variants, state),
        read.variants,
        read.sources,
        {s: story_of(s) for s in reached_sources},
        constraints,
        scorer,
        only_stories=wanted,
    )
    # Quotes with a source in the scope may change story (their lowest source's story).
    at_scope_members = {q: read.members[q] for q in {row[1] for row in at_scope}}
    their_sources = {
        s for ids in at_scope_members.values() for v in ids for s in read.variants[v].source_ids
    }
    read.stories(their_sources - scope)
    _write_stories(
        session,
        {s: story_of(s) for s in scope | their_sources},
        read.stored_story,
        at_scope_members,
        read.variants,
        state,
    )
    scope_ids = [v for ids in drift_members.values() for v in ids]
    _, drift_count, _ = replace_auto_links(
        session, scope_ids, [], drift, [], relations=("drift",), touched=touched
    )
    session.merge(Setting(key=STORIES_MARK_KEY, value=mark))
    return len(set(stories.values())), drift_count


def _bucket_rows(read: _ScopeReader, buckets: set[tuple[int, object]]) -> list[EvidenceRow]:
    """Evidence rows of the buckets' speakers that fall in one of the buckets."""
    rows = read.speaker_rows({speaker for speaker, _ in buckets})
    return [row for row in rows if (row[0], source_day(read.sources.get(row[3]))) in buckets]


def _refresh_stale_figures(
    session: Session,
    members: Mapping[int, list[int]],
    variants: Mapping[int, VariantInput],
    sources: Mapping[int, SourceInput],
    state: dict[int, _QuoteState],
    touched: Touched,
) -> None:
    updates = []
    for quote_id, ids in members.items():
        # Touched quotes too: `apply_clusters` counts a re-clustered quote's sources over
        # the linked component only, and a wording an editor merged into the quote can lie
        # outside it; `members` holds every wording of the quote.
        source_ids = {s for v in ids for s in variants[v].source_ids}
        found_state = state.get(quote_id)
        if len(source_ids) == (found_state.source_count if found_state is not None else 0):
            continue
        found = [sources[s] for s in source_ids if s in sources]
        dates = [_naive(s.published_at) for s in found if s.published_at is not None]
        outlets = len({_outlet_key(s) for s in found})
        updates.append(
            {
                "id": quote_id,
                "outlet_count": outlets,
                "source_count": len(source_ids),
                "first_seen_at": min(dates) if dates else None,
            }
        )
        if found_state is None:
            state[quote_id] = _QuoteState(None, outlets, len(source_ids), None)
        else:
            found_state.outlet_count, found_state.source_count = outlets, len(source_ids)
        touched.quotes.add(quote_id)
        touched.variants.update(ids)
    for chunk in chunks(updates, 2000):
        session.execute(update(Quote), chunk)


def _redrift_seed(
    stories: Mapping[int, int],
    before: Mapping[int, int | None],
    touched: Touched,
    variants: Mapping[int, VariantInput],
    story_of: Callable[[int], int],
) -> set[int]:
    """Stories whose drift may have changed before widening: every story a source left or
    joined, and the stories (new and stored) of every touched wording's sources."""
    wanted: set[int] = set()
    for source_id, story in stories.items():
        old = before.get(source_id)
        if old != story:
            wanted.add(story)
            if old is not None:
                wanted.add(old)
    for variant_id in touched.variants:
        variant = variants.get(variant_id)
        if variant is None:
            continue
        for source_id in variant.source_ids:
            wanted.add(story_of(source_id))
            if before.get(source_id) is not None:
                wanted.add(before[source_id])  # type: ignore[arg-type]
    return wanted


def _touched_stories(
    clusters: list[ClusterPlan],
    variants: Mapping[int, VariantInput],
    stories: Mapping[int, int],
    touched: Touched,
    before: Mapping[int, int | None],
) -> tuple[set[int], list[int]]:
    """Stories whose drift may have changed, and the wordings of every cluster in them
    (``before``: each source's stored story)."""
    wanted = _redrift_seed(stories, before, touched, variants, lambda s: stories.get(s, s))
    cluster_stories = [
        (c, {stories.get(s, s) for v in c.variant_ids for s in variants[v].source_ids})
        for c in clusters
    ]
    # A cluster in a wanted story takes its other stories along (its drift links there
    # start at wordings whose stored proposals are replaced).
    while True:
        grown = set(wanted)
        for _, reached in cluster_stories:
            if reached & wanted:
                grown |= reached
        if grown == wanted:
            break
        wanted = grown
    scope = [v for c, reached in cluster_stories if reached & wanted for v in c.variant_ids]
    return wanted, scope


DRIFT_SCORER_KEY = "drift_scorer"


def rebuild(database: Database, drift_scorer: str | None = None) -> LinkReport:
    """Recompute every cluster, link, story and drift candidate from the stored wordings.

    ``drift_scorer`` (a name in ``DRIFT_SCORERS``) becomes the database's scorer for this
    and every later run; None keeps the stored one."""
    report = _rebuild(database, "rebuild", drift_scorer)
    refresh_statistics(database)
    return report


def link_pending(database: Database, drift_scorer: str | None = None) -> LinkReport:
    """Link the wordings stored since the last link against what is already there.

    Switching the drift scorer rebuilds instead: drift in the stories an incremental run
    does not touch would otherwise stay scored the old way. Both entry points refresh the
    planner's statistics once their writes have committed (`storage.maintenance`: on
    PostgreSQL, tables never analysed or grown twofold), since a link run is the bulk write
    after which editors look things up."""
    report = None
    if drift_scorer is not None and drift_scorer != configured_drift_scorer(database):
        report = _rebuild(database, "rebuild (drift scorer changed)", drift_scorer)
    elif _keys_stale(database):
        report = _rebuild(database, "rebuild (keys upgraded)")
    report = report or _link_pending(database)
    refresh_statistics(database)
    return report


def configured_drift_scorer(database: Database) -> str:
    """The database's drift scorer: the last one a link run was asked for, else lexical."""
    with database.session() as session:
        return _drift_scorer_name(session)


def _drift_scorer_name(session: Session) -> str:
    setting = session.get(Setting, DRIFT_SCORER_KEY)
    return setting.value if setting is not None else DRIFT_SCORERS[0]


def _drift_scorer(session: Session, name: str | None) -> Scorer:
    """The scorer for this run; a new ``name`` is stored in the run's own transaction."""
    if name is None:
        return scorer_named(_drift_scorer_name(session))
    scorer = scorer_named(name)  # fails (unknown name, missing extra) before any write
    session.merge(Setting(key=DRIFT_SCORER_KEY, value=name))
    return scorer


def _keys_stale(database: Database) -> bool:
    """True when stored candidate keys come from another ``KEY_VERSION``.

    Keys carry their version as second character; new wordings' keys would not meet
    stale stored ones, so an incremental run would silently miss links. Relinking once
    from scratch (editor decisions survive it) keeps incremental equal to a rebuild.
    """
    with database.session() as session:
        stale = session.scalar(
            select(VariantKey.key).where(func.substr(VariantKey.key, 2, 1) != KEY_VERSION).limit(1)
        )
    return stale is not None


def _rebuild(database: Database, mode: str, drift_scorer: str | None = None) -> LinkReport:
    with database.session(immediate=True) as session:
        scorer = _drift_scorer(session, drift_scorer)
        variants = load_variants(session)
        sources = load_sources(session)
        constraints = load_constraints(session)
        plan = plan_links(variants.values(), sources, constraints, drift=False)
        apply_clusters(session, plan.clusters, variants, sources, plan.stories)
        every = list(session.scalars(select(Variant.id)))
        replace_auto_links(session, every, plan.links, [], [], relations=CLUSTER_RELATIONS)
        _, _, conflicts = replace_auto_links(
            session, every, [], [], plan.conflicts, relations=("conflict",)
        )
        session.execute(delete(VariantKey))
        store_keys(session, plan.keys, all_ids=every)
        _, drift = _refresh_stories_and_drift(session, constraints, scorer, loaded=variants)
        _refresh_review_queue(session)
        return LinkReport(
            mode,
            len(variants),
            len(plan.clusters),
            len(plan.links),
            drift,
            conflicts,
            scorer.name,
        )


def _link_known_wordings(session: Session) -> LinkReport:
    """A run with no new wording. Sources ingested since the last link may still hold
    stored wordings (a syndicated copy): their quotes' figures, stories and drift change,
    and the review items around them."""
    unlinked = session.scalar(select(Source.id).where(Source.story_id.is_(None)).limit(1))
    if unlinked is None:
        return LinkReport("incremental", drift_scorer=_drift_scorer_name(session))
    scorer = _drift_scorer(session, None)
    touched = Touched()
    _, drift = _refresh_stories_and_drift(session, load_constraints(session), scorer, touched)
    _refresh_review_queue(session, touched)
    return LinkReport("incremental", drift_candidates=drift, drift_scorer=scorer.name)


def _link_pending(database: Database) -> LinkReport:
    with database.session(immediate=True) as session:
        pending = list(
            session.scalars(
                select(Variant.id).where(
                    ~select(VariantKey.variant_id)
                    .where(VariantKey.variant_id == Variant.id)
                    .exists()
                )
            )
        )
        if not pending:
            return _link_known_wordings(session)
        scorer = _drift_scorer(session, None)  # a missing extra fails before any work
        new = load_variants(session, pending)
        constraints = load_constraints(session)
        fetched: dict[int, VariantInput] = dict(new)

        source_ids = {s for v in new.values() for s in v.source_ids}
        sources = load_sources(session, source_ids)

        def lookup(keys: list[str]) -> list[VariantInput]:
            """Stored variants sharing a key, with their sources loaded before the engine
            sees them: it reads dates through `sources.get`, and an undated source would
            switch off time gating."""
            ids: set[int] = set()
            for chunk in chunks(keys):
                ids.update(
                    session.scalars(select(VariantKey.variant_id).where(VariantKey.key.in_(chunk)))
                )
            missing = ids - set(fetched)
            if missing:
                loaded = load_variants(session, missing)
                fetched.update(loaded)
                unseen = {s for v in loaded.values() for s in v.source_ids} - set(sources)
                if unseen:
                    sources.update(load_sources(session, unseen))
            return [fetched[i] for i in ids if i in fetched]

        # Drift is planned below over the global stories, not over the component's.
        plan = link_new(new.values(), lookup, sources, constraints, drift=False)
        component = {v for c in plan.clusters for v in c.variant_ids}
        touched = Touched()
        apply_clusters(session, plan.clusters, fetched, sources, plan.stories, touched)
        replace_auto_links(
            session, component, plan.links, [], [], relations=CLUSTER_RELATIONS, touched=touched
        )
        _, _, conflicts = replace_auto_links(
            session, set(new), [], [], plan.conflicts, relations=("conflict",), touched=touched
        )
        store_keys(session, plan.keys, all_ids=pending)
        _, drift = _refresh_stories_and_drift(session, constraints, scorer, touched, fetched)
        _refresh_review_queue(session, touched)
        return LinkReport(
            "incremental",
            len(new),
            len(plan.clusters),
            len(plan.links),
            drift,
            conflicts,
            scorer.name,
        )
