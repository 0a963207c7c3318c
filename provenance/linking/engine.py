"""Linking engine: variants in, a ``LinkPlan`` out (clusters, links, drift, conflicts, stories).

Pure functions over plain dataclasses; the storage layer persists the plan. Pairs are only
compared when they share a candidate key (see ``candidates``), so work grows with the number
of variants, not its square, even inside a prolific speaker's block.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping

from .candidates import DEFAULT_BLOCK_CAP, DEFAULT_GLOBAL_CAP, DEFAULT_LIMIT, keys_tuple
from .clusters import (
    _close,
    _contained_strength,
    choose_canonical,
    cluster_speaker,
    edge_strength,
    outlet_keys,
)
from .compare import Comparison, Scorer, compare
from .drift import plan_drift
from .model import (
    ClusterPlan,
    Conflict,
    EditorConstraints,
    LinkPlan,
    PlannedLink,
    SourceInput,
    VariantInput,
)
from .normalise import normalise
from .stories import plan_stories

CONFLICT_MIN_SPEC_EXACT = 1.9  # identical/minor edit: at least two content words' worth
CONFLICT_MIN_SPEC_CONTAINED = 3.5  # containment across speakers needs a more specific wording
CONFLICT_MIN_WORDS_CONTAINED = 6
RARE_KEYS = 3  # conflict candidates come from a wording's rarest keys


def _keys(v: VariantInput) -> tuple[str, ...]:
    return keys_tuple(normalise(v.wording))


def _as_sources(sources: Iterable[SourceInput] | Mapping[int, SourceInput]
                ) -> dict[int, SourceInput]:
    if isinstance(sources, Mapping):
        return dict(sources)
    return {s.source_id: s for s in sources}


def _span(v: VariantInput, sources: Mapping[int, SourceInput]) -> tuple | None:
    dates = [s.published_at for sid in v.source_ids
             if (s := sources.get(sid)) is not None and s.published_at is not None]
    return (min(dates), max(dates)) if dates else None


def _cmp(by_id: Mapping[int, VariantInput], a: int, b: int) -> Comparison:
    return compare(by_id[a].wording, by_id[b].wording)


def is_conflict(cmp: Comparison, close_in_time: bool = True) -> bool:
    """Same (or nearly the same) specific words under two speakers.

    Identical wordings with >= 2 content words always count. Near matches (minor edit with at
    most two content words replaced, or containment of a >= 6-word specific wording) count
    only for sources published close together: a shared sentence frame months apart is more
    often two people using a common phrase than one remark attributed to the wrong person.
    """
    spec = cmp.scores.get("specificity", 0.0)
    if cmp.relation == "identical":
        return spec >= CONFLICT_MIN_SPEC_EXACT
    if not close_in_time:
        return False
    if cmp.relation == "minor_edit":
        # nearly the same words (a synonym swap), not a shared frame with another subject
        sub = cmp.scores.get("content_substituted", 0)
        n_content = cmp.scores.get("content_min", 0)
        return spec >= CONFLICT_MIN_SPEC_EXACT and sub <= max(1.0, 0.25 * n_content)
    if cmp.relation in ("truncation", "extension"):
        shorter = min(cmp.scores.get("len_a", 0.0), cmp.scores.get("len_b", 0.0))
        return spec >= CONFLICT_MIN_SPEC_CONTAINED and shorter >= CONFLICT_MIN_WORDS_CONTAINED
    return False


class _Index:
    """Speaker-blocked and global posting lists; ``blocked`` keys are treated as too common."""

    def __init__(self, variants: list[VariantInput], block_cap: int, global_cap: int,
                 blocked: set[tuple[Hashable, str]] | None = None,
                 blocked_global: set[str] | None = None) -> None:
        self.block: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.glob: dict[str, list[int]] = defaultdict(list)
        self.speaker: dict[int, int] = {}
        self.keyset: dict[int, frozenset[str]] = {}
        for v in variants:
            self.speaker[v.variant_id] = v.speaker_id
            self.keyset[v.variant_id] = frozenset(_keys(v))
            for k in _keys(v):
                self.block[(v.speaker_id, k)].append(v.variant_id)
                self.glob[k].append(v.variant_id)
        self.block_cap, self.global_cap = block_cap, global_cap
        self.blocked = blocked or set()
        self.blocked_global = blocked_global or set()

    def same_speaker(self, v: VariantInput, limit: int) -> list[int]:
        counts: dict[int, int] = defaultdict(int)
        for k in _keys(v):
            bk = (v.speaker_id, k)
            post = self.block.get(bk, ())
            if len(post) > self.block_cap or bk in self.blocked:
                continue
            for i in post:
                counts[i] += 1
        counts.pop(v.variant_id, None)
        return [i for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    def other_speakers(self, v: VariantInput, limit: int) -> list[int]:
        """Other speakers' variants sharing at least half of the smaller key set.

        A conflict needs (nearly) the same words, so a true match shares the wording's
        rarest keys too: candidates come from the ``RARE_KEYS`` shortest posting lists only
        (prefix filtering), then the full key overlap is checked on sets. This keeps the
        cost flat when boilerplate keys have long posting lists.
        """
        kv = _keys(v)
        usable = sorted(
            (len(self.glob.get(k, ())), k) for k in kv
            if k not in self.blocked_global and len(self.glob.get(k, ())) <= self.global_cap
        )
        cand: set[int] = set()
        for _, k in usable[:RARE_KEYS]:
            cand.update(self.glob[k])
        kset = set(kv)
        hits = []
        for i in cand:
            if self.speaker[i] == v.speaker_id:
                continue
            ku = self.keyset[i]
            n = len(kset & ku) if len(ku) > 1 or len(kset) > 1 else int(bool(kset & ku))
            if 2 * n >= min(len(kset), len(ku)):
                hits.append((i, n))
        return [i for i, _ in sorted(hits, key=lambda t: (-t[1], t[0]))[:limit]]


def _cluster_all(
    variants: list[VariantInput],
    sources: Mapping[int, SourceInput],
    constraints: EditorConstraints,
    index: _Index,
    limit: int,
) -> tuple[list[ClusterPlan], list[PlannedLink]]:
    by_id = {v.variant_id: v for v in variants}
    per_speaker: dict[int, list[VariantInput]] = defaultdict(list)
    for v in variants:
        per_speaker[v.speaker_id].append(v)
    must_pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for p in constraints.same_utterance:
        if len(p) == 2 and p <= by_id.keys():
            a, b = sorted(p)
            if by_id[a].speaker_id == by_id[b].speaker_id:
                must_pairs[by_id[a].speaker_id].append((a, b))
    n_outlets = {v.variant_id: len(outlet_keys(v, sources)) for v in variants}
    spans = {v.variant_id: _span(v, sources) for v in variants}
    clusters: list[ClusterPlan] = []
    links: list[PlannedLink] = []
    # One speaker at a time: comparisons are dropped once that speaker is clustered, so
    # memory stays bounded by the largest speaker block.
    for speaker in sorted(per_speaker):
        members = per_speaker[speaker]
        comps: dict[tuple[int, int], Comparison] = {}
        for v in members:
            for u in index.same_speaker(v, limit):
                pair = (min(u, v.variant_id), max(u, v.variant_id))
                if pair not in comps:
                    comps[pair] = _cmp(by_id, *pair)
        # Editor must-links always get a comparison so the resulting link keeps its scores.
        for pair in must_pairs[speaker]:
            comps.setdefault(pair, _cmp(by_id, *pair))
        groups = cluster_speaker(members, comps, constraints, n_outlets, spans)
        where = {vid: g[0] for g in groups for vid in g}
        for g in groups:
            gv = [by_id[i] for i in g]
            outs: set[str] = set()
            for m in gv:
                outs |= outlet_keys(m, sources)
            clusters.append(ClusterPlan(
                cluster_id=g[0], speaker_id=speaker, variant_ids=tuple(g),
                canonical_id=choose_canonical(gv, sources, constraints),
                outlet_count=len(outs),
            ))
        must = constraints.same_utterance
        for (a, b), cmp in sorted(comps.items()):
            if where[a] != where[b]:
                continue
            if (edge_strength(cmp) or _contained_strength(a, b, cmp)
                    or _contained_strength(b, a, cmp) or frozenset((a, b)) in must):
                links.append(PlannedLink(a, b, cmp.relation, round(cmp.similarity, 2),
                                         cmp.scores, cmp.alignment))
    clusters.sort(key=lambda c: c.cluster_id)
    return clusters, links


def _conflicts(
    targets: Iterable[VariantInput],
    by_id: Mapping[int, VariantInput],
    index: _Index,
    limit: int,
    sources: Mapping[int, SourceInput],
) -> list[Conflict]:
    seen: set[tuple[int, int]] = set()
    out: list[Conflict] = []
    spans: dict[int, tuple | None] = {}

    def span(vid: int) -> tuple | None:
        if vid not in spans:
            spans[vid] = _span(by_id[vid], sources)
        return spans[vid]

    for v in targets:
        for u in index.other_speakers(v, limit):
            pair = (min(u, v.variant_id), max(u, v.variant_id))
            if pair in seen:
                continue
            seen.add(pair)
            close = _close(span(pair[0]), span(pair[1]))
            if not close and normalise(by_id[u].wording) != normalise(v.wording):
                continue  # far apart in time only identical words count (is_conflict)
            cmp = _cmp(by_id, *pair)
            if is_conflict(cmp, close):
                a, b = by_id[pair[0]], by_id[pair[1]]
                out.append(Conflict(a.variant_id, b.variant_id, a.speaker_id, b.speaker_id,
                                    round(cmp.similarity, 2), cmp.relation, cmp.scores))
    out.sort(key=lambda c: (c.a, c.b))
    return out


def plan_links(
    variants: Iterable[VariantInput],
    sources: Iterable[SourceInput] | Mapping[int, SourceInput],
    constraints: EditorConstraints = EditorConstraints(),
    *,
    scorer: Scorer | None = None,
    block_cap: int = DEFAULT_BLOCK_CAP,
    global_cap: int = DEFAULT_GLOBAL_CAP,
    limit: int = DEFAULT_LIMIT,
) -> LinkPlan:
    """Link a full set of variants from scratch (rebuild)."""
    vs = sorted({v.variant_id: v for v in variants}.values(), key=lambda v: v.variant_id)
    src = _as_sources(sources)
    by_id = {v.variant_id: v for v in vs}
    index = _Index(vs, block_cap, global_cap)
    clusters, links = _cluster_all(vs, src, constraints, index, limit)
    conflicts = _conflicts(vs, by_id, index, limit, src)
    stories = plan_stories(clusters, by_id, src)
    drift = plan_drift(clusters, by_id, src, stories, constraints, scorer)
    return LinkPlan(tuple(clusters), tuple(links), tuple(drift), tuple(conflicts), stories)


def link_new(
    new_variants: Iterable[VariantInput],
    lookup_candidates: Callable[[list[str]], Iterable[VariantInput]],
    sources: Iterable[SourceInput] | Mapping[int, SourceInput],
    constraints: EditorConstraints = EditorConstraints(),
    *,
    scorer: Scorer | None = None,
    block_cap: int = DEFAULT_BLOCK_CAP,
    global_cap: int = DEFAULT_GLOBAL_CAP,
    limit: int = DEFAULT_LIMIT,
) -> LinkPlan:
    """Link new variants against stored ones, fetching only what is needed.

    ``lookup_candidates(keys)`` must return every stored variant (any speaker) having at least
    one of ``keys`` (keys from ``candidate_keys``). The function expands, per speaker, the
    connected component of the candidate graph around the new variants and re-clusters that
    component, which is exactly what a rebuild computes for those variants. The returned plan
    covers that component: its ``clusters`` replace every stored cluster containing one of its
    variants; ``conflicts`` are those involving a new variant; ``stories``/``drift`` cover the
    sources of the component only (re-run ``plan_stories``/``plan_drift`` per story for a
    global view). ``sources`` must include the sources of every returned variant.
    """
    known: dict[int, VariantInput] = {}
    new = sorted({v.variant_id: v for v in new_variants}.values(), key=lambda v: v.variant_id)
    for v in new:
        known[v.variant_id] = v
    fetched: set[str] = set()
    component = {v.variant_id for v in new}
    frontier = list(new)
    # (speaker, key) -> variant ids; complete for every fetched key (stored + new variants)
    posting: dict[tuple[int, str], set[int]] = defaultdict(set)
    new_by_key: dict[str, list[VariantInput]] = defaultdict(list)
    for v in new:
        for k in _keys(v):
            new_by_key[k].append(v)
    while frontier:
        need = sorted({k for v in frontier for k in _keys(v)} - fetched)
        if need:
            need_set = set(need)
            hits = list(lookup_candidates(need))
            for u in hits:
                known.setdefault(u.variant_id, u)
            for u in hits + [v for k in need for v in new_by_key.get(k, ())]:
                for k in need_set.intersection(_keys(u)):
                    posting[(u.speaker_id, k)].add(u.variant_id)
            fetched.update(need)
        nxt = []
        for v in frontier:
            for k in _keys(v):
                post = posting.get((v.speaker_id, k), ())
                if len(post) > block_cap:
                    continue
                for uid in sorted(post):
                    if uid not in component:
                        component.add(uid)
                        nxt.append(known[uid])
        frontier = nxt

    blocked: set[tuple[Hashable, str]] = set()
    gcount: dict[str, int] = defaultdict(int)
    bcount: dict[tuple[int, str], int] = defaultdict(int)
    for u in known.values():
        for k in _keys(u):
            if k in fetched:
                gcount[k] += 1
                bcount[(u.speaker_id, k)] += 1
    blocked = {bk for bk, n in bcount.items() if n > block_cap}
    blocked_global = {k for k, n in gcount.items() if n > global_cap}

    src = _as_sources(sources)
    comp_vs = sorted((known[i] for i in component), key=lambda v: v.variant_id)
    index = _Index(comp_vs, block_cap, global_cap, blocked, blocked_global)
    clusters, links = _cluster_all(comp_vs, src, constraints, index, limit)
    all_vs = sorted(known.values(), key=lambda v: v.variant_id)
    gindex = _Index(all_vs, block_cap, global_cap, blocked, blocked_global)
    conflicts = _conflicts(new, known, gindex, limit, src)
    by_id = {v.variant_id: v for v in comp_vs}
    stories = plan_stories(clusters, by_id, {s: src[s] for v in comp_vs for s in v.source_ids
                                             if s in src})
    drift = plan_drift(clusters, by_id, src, stories, constraints, scorer)
    return LinkPlan(tuple(clusters), tuple(links), tuple(drift), tuple(conflicts), stories)

