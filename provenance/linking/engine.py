"""Linking engine: variants in, a ``LinkPlan`` out (clusters, links, drift, conflicts, stories).

Pure functions over plain dataclasses; the storage layer persists the plan. Pairs are only
compared when they share a candidate key (see ``candidates``), so work grows with the number
of variants, not its square, even inside a prolific speaker's block. Each variant is
normalised and keyed once per run; a pair is fully compared only when cheap bounds
(``compare.could_link``) leave the relation open; cross-speaker search only walks variants
published close together (``_TimeIndex``).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz.distance import LCSseq

from .candidates import (
    DEFAULT_BLOCK_CAP,
    DEFAULT_GLOBAL_CAP,
    DEFAULT_LIMIT,
    is_container_key,
    prepared_keys,
    probed_keys,
)
from .clusters import (
    WEAK_EDGE_WINDOW,
    _close,
    _contained_strength,
    choose_canonical,
    cluster_speaker,
    edge_strength,
    outlet_keys,
    shape,
)
from .compare import (
    Comparison,
    Scorer,
    compare,
    compare_features,
    could_link,
    normalised_features,
)
from .drift import plan_drift
from .model import (
    ClusterPlan,
    Conflict,
    EditorConstraints,
    LinkPlan,
    PlannedLink,
    Scores,
    SourceInput,
    VariantInput,
)
from .normalise import normalise
from .runtime import without_gc as _without_gc
from .stories import plan_stories

CONFLICT_MIN_SPEC_EXACT = 1.9  # identical/minor edit: at least two content words' worth
CONFLICT_MIN_SPEC_CONTAINED = 3.5  # containment across speakers needs a more specific wording
CONFLICT_MIN_WORDS_CONTAINED = 6
# A shared unbroken run this long, with this many content words, published close in time, is
# one remark under two speakers even when the rest differs (longer than any sentence frame).
CONFLICT_MIN_RUN_WORDS = 16
CONFLICT_MIN_RUN_CONTENT = 8
# A rephrasing with nearly all content words kept, published close in time (``is_conflict``).
CONFLICT_MIN_SHARED_CONTENT = 6
CONFLICT_MIN_CONTENT_JACCARD = 75.0
CONFLICT_MIN_RATIO = 85.0
RARE_KEYS = 3  # a near conflict shares one of a wording's rarest keys
MAX_NEAR_SPEAKERS = 4  # a wording nearly matching more other speakers is a stock phrase


@dataclass(slots=True)
class _Var:
    """Per-variant facts computed once per run (normalised text, keys, date span)."""

    v: VariantInput
    norm: str
    keys: tuple[str, ...]
    ckeys: tuple[str, ...]  # container keys (``candidates``), only paired with fragment probes
    probe: str | None  # container key a one-content-word fragment looks up
    span: tuple | None  # (earliest, latest) publication or None when undated
    lo: float  # span as POSIX seconds (-inf/inf when undated)
    hi: float


def _prepare(
    variants: Iterable[VariantInput], sources: Mapping[int, SourceInput]
) -> dict[int, _Var]:
    """variant_id -> ``_Var``, keys shared between variants (one string object per key)."""
    pool: dict[str, str] = {}
    out: dict[int, _Var] = {}
    for v in variants:
        if v.variant_id in out:
            continue
        norm = normalise(v.wording)
        ks, cks, probe = prepared_keys(norm)
        keys = tuple(map(pool.setdefault, ks, ks))
        ckeys = tuple(map(pool.setdefault, cks, cks)) if cks else ()
        span = _span(v, sources)
        lo, hi = (_ts(span[0]), _ts(span[1])) if span else (-math.inf, math.inf)
        out[v.variant_id] = _Var(v, norm, keys, ckeys, probe, span, lo, hi)
    return out


def _ts(d: datetime) -> float:
    if d.tzinfo is None:
        return (d - _EPOCH).total_seconds()
    return d.timestamp()


_EPOCH = datetime(1970, 1, 1)


def _as_sources(
    sources: Iterable[SourceInput] | Mapping[int, SourceInput],
) -> dict[int, SourceInput]:
    if isinstance(sources, Mapping):
        return dict(sources)
    return {s.source_id: s for s in sources}


def _span(v: VariantInput, sources: Mapping[int, SourceInput]) -> tuple | None:
    dates = [
        s.published_at
        for sid in v.source_ids
        if (s := sources.get(sid)) is not None and s.published_at is not None
    ]
    return (min(dates), max(dates)) if dates else None


def is_conflict(cmp: Comparison, close_in_time: bool = True) -> bool:
    """Same (or nearly the same) specific words under two speakers.

    Identical wordings with >= 2 content words count when published close together; a long
    specific identical wording (>= 6 words, the specificity a cross-speaker containment needs)
    counts at any date. Near matches (minor edit with at most two content words replaced, or
    containment of a >= 6-word specific wording, or an unbroken run of >= 16 words sharing
    8 content words, ``CONFLICT_MIN_RUN_WORDS``) count only for sources published close
    together: a shared phrase or sentence frame weeks apart ("young families", "an open
    door") is more often two people using common words than one remark attributed to the
    wrong person.
    """
    spec = cmp.scores.get("specificity", 0.0)
    if cmp.relation == "identical":
        if close_in_time:
            return spec >= CONFLICT_MIN_SPEC_EXACT
        return (
            spec >= CONFLICT_MIN_SPEC_CONTAINED
            and cmp.scores.get("len_a", 0.0) >= CONFLICT_MIN_WORDS_CONTAINED
        )
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
    # A long unbroken passage in common (a remark whose sentences one outlet reordered, with a
    # word swapped elsewhere): longer than a sentence frame, it spans the remark's own words.
    if cmp.relation != "drift":
        return False
    if (
        cmp.scores.get("anchor_words", 0.0) >= CONFLICT_MIN_RUN_WORDS
        and cmp.scores.get("anchor_content", 0.0) >= CONFLICT_MIN_RUN_CONTENT
    ):
        return True
    # A rephrasing that keeps nearly every content word ("is simple: the rule must protect
    # fishermen first" / "is a simple one. The rule has to put fishermen first"): the words
    # of one remark with the function words changed, as a translation or a sub-editor does.
    return (
        cmp.scores.get("shared_content", 0.0) >= CONFLICT_MIN_SHARED_CONTENT
        and cmp.scores.get("content_jaccard", 0.0) >= CONFLICT_MIN_CONTENT_JACCARD
        and cmp.scores.get("ratio", 0.0) >= CONFLICT_MIN_RATIO
    )


def _same_speaker_candidates(
    members: list[_Var],
    speaker: int,
    block_cap: int,
    blocked: set[tuple[Hashable, str]],
    limit: int,
) -> Iterable[tuple[int, int]]:
    """(lower id, higher id) pairs: each variant with its ``limit`` best key-sharing others.

    Posting lists longer than ``block_cap`` (or ``blocked`` by the caller) are skipped;
    ranking is by shared usable keys, then lower id. A one-content-word fragment is also
    paired with every wording holding its probe as a container key, unless more than
    ``limit`` do (then it could sit in too many places to tell).
    """
    post: dict[str, list[int]] = defaultdict(list)
    for x in members:
        for k in x.keys:
            post[k].append(x.v.variant_id)
    usable = {
        k: p
        for k, p in post.items()
        if len(p) > 1 and len(p) <= block_cap and (speaker, k) not in blocked
    }
    seen: set[tuple[int, int]] = set()
    for x in members:
        vid = x.v.variant_id
        counts: Counter[int] = Counter()
        for k in x.keys:
            p = usable.get(k)
            if p is not None:
                counts.update(p)  # counted in C
        counts.pop(vid, None)
        if not counts:
            continue
        if len(counts) > limit:
            best = heapq.nsmallest(limit, counts.items(), key=lambda kv: (-kv[1], kv[0]))
        else:
            best = counts.items()
        for u, _ in best:
            pair = (u, vid) if u < vid else (vid, u)
            if pair not in seen:
                seen.add(pair)
                yield pair
    probes = [x for x in members if x.probe is not None]
    if not probes:
        return
    cpost: dict[str, list[int]] = defaultdict(list)
    for x in members:
        for k in x.ckeys:
            cpost[k].append(x.v.variant_id)
    for x in probes:
        p = cpost.get(x.probe)
        if not p or len(p) > limit or (speaker, x.probe) in blocked:
            continue
        vid = x.v.variant_id
        for u in p:
            pair = (u, vid) if u < vid else (vid, u)
            if pair not in seen:
                seen.add(pair)
                yield pair


def _cluster_all(
    facts: Mapping[int, _Var],
    sources: Mapping[int, SourceInput],
    constraints: EditorConstraints,
    limit: int,
    block_cap: int,
    blocked: set[tuple[Hashable, str]] | None = None,
) -> tuple[list[ClusterPlan], list[PlannedLink]]:
    blocked = blocked or set()
    per_speaker: dict[int, list[_Var]] = defaultdict(list)
    for vid in sorted(facts):
        per_speaker[facts[vid].v.speaker_id].append(facts[vid])
    must_pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for p in constraints.same_utterance:
        if len(p) == 2 and p <= facts.keys():
            a, b = sorted(p)
            if facts[a].v.speaker_id == facts[b].v.speaker_id:
                must_pairs[facts[a].v.speaker_id].append((a, b))
    must = constraints.same_utterance
    clusters: list[ClusterPlan] = []
    links: list[PlannedLink] = []
    # One speaker at a time: features and comparisons are dropped once that speaker is
    # clustered, so memory stays bounded by the largest speaker block.
    for speaker in sorted(per_speaker):
        members = per_speaker[speaker]
        gv_all = [x.v for x in members]
        if len(members) == 1 and not must_pairs[speaker]:
            x = members[0]
            clusters.append(
                ClusterPlan(
                    cluster_id=x.v.variant_id,
                    speaker_id=speaker,
                    variant_ids=(x.v.variant_id,),
                    canonical_id=choose_canonical(gv_all, sources, constraints),
                    outlet_count=len(outlet_keys(x.v, sources)),
                )
            )
            continue
        feats = {x.v.variant_id: normalised_features(x.norm) for x in members}
        comps: dict[tuple[int, int], Comparison] = {}
        # Weak evidence (shared opening, rewording) only counts between renderings published
        # close together (``cluster_speaker``): far-apart pairs need a strong relation to
        # matter. Their weak links are only needed if the pair ends up in one cluster anyway.
        far_weak: list[tuple[int, int]] = []
        for a, b in _same_speaker_candidates(members, speaker, block_cap, blocked, limit):
            fa, fb = feats[a], feats[b]
            close = _close(facts[a].span, facts[b].span)
            if could_link(fa, fb, weak=close):
                comps[(a, b)] = compare_features(fa, fb)
            elif not close:
                far_weak.append((a, b))
        # Editor must-links always get a comparison so the resulting link keeps its scores.
        for pair in must_pairs[speaker]:
            if pair not in comps:
                comps[pair] = compare_features(feats[pair[0]], feats[pair[1]])
        okeys = {x.v.variant_id: outlet_keys(x.v, sources) for x in members}
        n_outlets = {vid: len(o) for vid, o in okeys.items()}
        lengths = {x.v.variant_id: len(x.norm) for x in members}
        spans = {x.v.variant_id: x.span for x in members}
        shapes = {x.v.variant_id: shape(x.v, feats[x.v.variant_id][1]) for x in members}
        groups = cluster_speaker(gv_all, comps, constraints, n_outlets, spans, shapes)
        where = {vid: g[0] for g in groups for vid in g}
        for g in groups:
            gv = [facts[i].v for i in g]
            outs: set[str] = set()
            for i in g:
                outs |= okeys[i]
            clusters.append(
                ClusterPlan(
                    cluster_id=g[0],
                    speaker_id=speaker,
                    variant_ids=tuple(g),
                    canonical_id=choose_canonical(
                        gv, sources, constraints, outlets=okeys, lengths=lengths
                    ),
                    outlet_count=len(outs),
                )
            )
        for a, b in far_weak:
            if where[a] == where[b]:
                comps[(a, b)] = compare_features(feats[a], feats[b])
        for (a, b), cmp in sorted(comps.items()):
            if where[a] != where[b]:
                continue
            if (
                edge_strength(cmp)
                or _contained_strength(a, b, cmp)
                or _contained_strength(b, a, cmp)
                or frozenset((a, b)) in must
            ):
                links.append(
                    PlannedLink(
                        a,
                        b,
                        cmp.relation,
                        round(cmp.similarity, 2),
                        Scores(cmp.scores),
                        cmp.alignment,
                    )
                )
    clusters.sort(key=lambda c: c.cluster_id)
    return clusters, links


_WINDOW = WEAK_EDGE_WINDOW.total_seconds()
_LONG_SPAN = 2 * _WINDOW


class _TimeIndex:
    """key -> variants having it, sorted by earliest publication, for conflict search.

    A near (non-identical) conflict needs sources published within ``WEAK_EDGE_WINDOW``, so a
    probe only walks the part of a posting list whose spans can come that close: cost grows
    with how many variants share a key in a few weeks, not in the whole archive. Undated
    variants are close to everything and kept apart (probed always; their own probes walk
    whole posting lists up to ``global_cap``).
    """

    def __init__(self, facts: Collection[_Var]) -> None:
        counts = Counter(k for x in facts for k in x.keys)
        # A key only one variant has pairs nobody: not indexed (df 1 is implied).
        self.df: dict[str, int] = {k: n for k, n in counts.items() if n > 1}
        del counts
        df = self.df
        dated: dict[str, list[_Var]] = defaultdict(list)
        # Variants quoted over a long period would widen every probe of their keys: kept
        # apart and checked one by one (few of them).
        self.long: dict[str, list[_Var]] = defaultdict(list)
        self.undated: dict[str, list[_Var]] = defaultdict(list)
        for x in sorted(facts, key=lambda x: (x.lo, x.v.variant_id)):
            for k in x.keys:
                if k not in df:
                    continue
                if x.span is None:
                    self.undated[k].append(x)
                elif x.hi - x.lo > _LONG_SPAN:
                    self.long[k].append(x)
                else:
                    dated[k].append(x)
        self.post: dict[str, tuple[list[float], list[_Var]]] = {}
        while dated:
            k, xs = dated.popitem()
            self.post[k] = ([x.lo for x in xs], xs)

    def probe(self, x: _Var, keys: Iterable[str], global_cap: int) -> Iterable[_Var]:
        window = _WINDOW
        lo, hi = x.lo - window, x.hi + window
        for k in keys:
            los, xs = self.post.get(k, ((), ()))
            longs = self.long.get(k, ())
            if x.span is None:
                if len(xs) + len(longs) <= global_cap:
                    yield from xs
                    yield from longs
            else:
                i = bisect_left(los, lo - _LONG_SPAN)
                j = bisect_right(los, hi)
                for u in xs[i:j]:
                    if u.hi >= lo:
                        yield u
                for u in longs:
                    if u.hi >= lo and u.lo <= hi:
                        yield u
            yield from self.undated.get(k, ())


class _SweepFeatures:
    """``normalised_features`` of the wordings a time-ordered conflict sweep still needs.

    A probe at ``x.lo`` only meets wordings with ``hi >= x.lo - _WINDOW`` (``_TimeIndex``),
    so an entry is dropped once the sweep passes its last requester's ``hi + _WINDOW``:
    each wording is computed about once, and memory holds a few weeks of wordings (a
    fixed-size LRU missed 53% of requests at 100k articles). ``cap`` bounds memory when the
    sweep never moves on (one day's or undated wordings). A miss only costs time.
    """

    def __init__(self, cap: int = 65_536) -> None:
        self.cap = cap
        self.found: dict[str, tuple] = {}
        self.until: dict[str, float] = {}  # norm -> sweep position after which it is unused
        self.expiring: list[tuple[float, str]] = []  # (until, norm), stale entries included

    def get(self, x: _Var) -> tuple:
        norm, until = x.norm, x.hi + _WINDOW
        found = self.found.get(norm)
        if found is None:
            found = self.found[norm] = normalised_features(norm)
            self.until[norm] = until
            heapq.heappush(self.expiring, (until, norm))
            if len(self.found) > self.cap:
                self._drop_oldest()
        elif until > self.until[norm]:
            self.until[norm] = until
            heapq.heappush(self.expiring, (until, norm))
        return found

    def advance(self, lo: float) -> None:
        """The sweep reached ``lo``: drop what no later probe meets."""
        expiring, until = self.expiring, self.until
        while expiring and expiring[0][0] < lo:
            last, norm = heapq.heappop(expiring)
            if until.get(norm) == last:
                del until[norm], self.found[norm]

    def _drop_oldest(self) -> None:
        for norm in list(self.found)[: max(1, len(self.found) // 4)]:
            del self.found[norm], self.until[norm]


def _could_conflict(fa: tuple, fb: tuple) -> bool:
    """Cheap necessary condition for ``is_conflict(compare_features(fa, fb))`` (non-identical):
    a minor edit replacing few content words, containment of a long specific wording, or a
    long shared run."""
    ca, cb = fa[5], fb[5]
    la, lb = len(fa[1]), len(fb[1])
    shorter = fb if (lb, len(fb[0])) <= (la, len(fa[0])) else fa
    spec = shorter[6]
    if (
        spec >= CONFLICT_MIN_SPEC_EXACT
        and min(len(ca - cb), len(cb - ca)) <= max(1.0, 0.25 * min(len(ca), len(cb)))
        and could_link(fa, fb, weak=False, contain=False)
    ):
        return True
    if (
        min(la, lb) >= CONFLICT_MIN_WORDS_CONTAINED
        and spec >= CONFLICT_MIN_SPEC_CONTAINED
        and could_link(fa, fb, weak=False, minor=False)
    ):
        return True
    shared = len(ca & cb)
    if (
        shared >= CONFLICT_MIN_SHARED_CONTENT
        and 100.0 * shared >= CONFLICT_MIN_CONTENT_JACCARD * len(ca | cb)
    ):
        return True  # a rephrasing keeping nearly every content word
    # a shared run (the anchor) is one matched block: at most the stem LCS long
    return (
        min(la, lb) >= CONFLICT_MIN_RUN_WORDS
        and LCSseq.similarity(fa[2], fb[2]) >= CONFLICT_MIN_RUN_WORDS
    )


class _Conflicts:
    """Cross-speaker pairs with (nearly) the same words (see ``_conflicts``)."""

    def __init__(
        self,
        facts: Mapping[int, _Var],
        limit: int,
        global_cap: int,
        features: _SweepFeatures | None = None,
    ) -> None:
        self.facts, self.limit, self.global_cap = facts, limit, global_cap
        self.index = _TimeIndex(list(facts.values()))
        self.rare_memo: dict[int, tuple[str, ...]] = {}
        self.seen: set[tuple[int, int]] = set()
        self.near: list[tuple[_Var, _Var, _Found]] = []
        self.spread: dict[int, set[int]] = defaultdict(set)
        self.features = features if features is not None else _SweepFeatures()

    def rare(self, x: _Var) -> tuple[str, ...]:
        r = self.rare_memo.get(x.v.variant_id)
        if r is None:
            df = self.index.df
            r = tuple(sorted(x.keys, key=lambda k: (df.get(k, 1), k))[:RARE_KEYS])
            self.rare_memo[x.v.variant_id] = r
        return r

    def probe(self, x: _Var, *, rare_only: bool) -> None:
        """Record ``x``'s near (non-identical) conflicts with variants not yet paired."""
        vid, speaker = x.v.variant_id, x.v.speaker_id
        rx = self.rare(x)
        kset = set(x.keys)
        fx = None
        walked: set[int] = set()  # u comes once per shared key
        for u in self.index.probe(x, rx if rare_only else x.keys, self.global_cap):
            uid = u.v.variant_id
            if uid in walked or u.v.speaker_id == speaker or u.norm == x.norm:
                continue
            walked.add(uid)
            shared = kset.intersection(u.keys)
            if 2 * len(shared) < min(len(kset), len(u.keys)):
                continue
            if not rare_only and shared.isdisjoint(rx) and shared.isdisjoint(self.rare(u)):
                continue
            # Only pairs past the cheap key test are remembered (the other side may probe
            # them again and reach the same verdict).
            pair = (vid, uid) if vid < uid else (uid, vid)
            if pair in self.seen:
                continue
            self.seen.add(pair)
            if not _close(x.span, u.span):
                continue
            fx = fx or self.features.get(x)
            fu = self.features.get(u)
            fa, fb = (fx, fu) if vid < uid else (fu, fx)
            if not _could_conflict(fa, fb):
                continue
            cmp = compare_features(fa, fb)
            if is_conflict(cmp, True):
                self.near.append((x, u, _Found(cmp)))
                self.spread[vid].add(u.v.speaker_id)
                self.spread[uid].add(speaker)

    def identical(self, targets: list[_Var]) -> list[Conflict]:
        by_text: dict[str, list[_Var]] = defaultdict(list)
        texts = {x.norm for x in targets}
        for vid in sorted(self.facts):
            x = self.facts[vid]
            if x.norm in texts:
                by_text[x.norm].append(x)
        out = []
        seen: set[tuple[int, int]] = set()
        for x in targets:
            vid, speaker = x.v.variant_id, x.v.speaker_id
            same = by_text[x.norm]
            if len({u.v.speaker_id for u in same}) - 1 > MAX_NEAR_SPEAKERS:
                continue  # words many people use: a stock phrase, not one remark
            others = [u for u in same if u.v.speaker_id != speaker][: self.limit]
            for u in others:
                pair = (min(vid, u.v.variant_id), max(vid, u.v.variant_id))
                if pair not in seen:
                    seen.add(pair)
                    cmp = compare(self.facts[pair[0]].v.wording, self.facts[pair[1]].v.wording)
                    if is_conflict(cmp, _close(x.span, u.span)):
                        out.append(_conflict(x, u, _Found(cmp)))
        return out

    def partners(self) -> set[int]:
        return {vid for x, u, _ in self.near for vid in (x.v.variant_id, u.v.variant_id)}

    def result(self, targets: set[int]) -> list[Conflict]:
        out = []
        for x, u, found in self.near:
            if x.v.variant_id not in targets and u.v.variant_id not in targets:
                continue
            spread = max(len(self.spread[x.v.variant_id]), len(self.spread[u.v.variant_id]))
            if spread <= MAX_NEAR_SPEAKERS:
                out.append(_conflict(x, u, found))
        return out


class _Found:
    """What a conflict keeps of its comparison (not the whole ``Comparison``)."""

    __slots__ = ("relation", "scores", "similarity")

    def __init__(self, cmp: Comparison) -> None:
        self.relation, self.similarity = cmp.relation, round(cmp.similarity, 2)
        self.scores = Scores(cmp.scores)


def _conflict(x: _Var, u: _Var, found: _Found) -> Conflict:
    a, b = (x, u) if x.v.variant_id < u.v.variant_id else (u, x)
    return Conflict(
        a.v.variant_id,
        b.v.variant_id,
        a.v.speaker_id,
        b.v.speaker_id,
        found.similarity,
        found.relation,
        found.scores,
    )


def _conflicts(
    targets: Iterable[_Var],
    facts: Mapping[int, _Var],
    limit: int,
    global_cap: int,
    *,
    everyone: bool,
    also: Iterable[_Var] = (),
    features: _SweepFeatures | None = None,
) -> list[Conflict]:
    """Cross-speaker pairs with (nearly) the same words, each involving a target.

    Identical normalised text counts (at most ``limit`` partners per variant; at any date
    only when long and specific, ``is_conflict``) unless more than ``MAX_NEAR_SPEAKERS`` other
    speakers use it. A near match (minor edit,
    containment; ``is_conflict``) needs sources close in time (``_close``), at least half of
    the smaller key set shared, including one of the ``RARE_KEYS`` rarest keys (fewest
    variants) of either wording, and neither wording may nearly match more than
    ``MAX_NEAR_SPEAKERS`` other speakers: one remark put in a wrong mouth meets one or two
    other speakers, a stock phrase or sentence frame meets many.
    With ``everyone`` (every variant is a target) each variant probes only its rarest keys;
    else targets, and ``also`` (their stored partners, so the spread rule sees every
    partner), probe all their keys. Probes only walk posting lists within the time window
    (``_TimeIndex``), so cost stays flat with archive size. ``features``: a cache an earlier
    probe of the same run (``_near_partners``) filled.
    """
    targets = list(targets)
    c = _Conflicts(facts, limit, global_cap, features)
    out = c.identical(targets)
    # In publication order, partners of consecutive probes overlap: feature caches hit.
    for x in sorted(targets, key=lambda x: (x.lo, x.v.variant_id)):
        c.features.advance(x.lo)
        c.probe(x, rare_only=everyone)
    for x in also:
        c.probe(x, rare_only=False)
    out += c.result({x.v.variant_id for x in targets})
    out.sort(key=lambda c: (c.a, c.b))
    return out


def _near_partners(
    targets: list[_Var], facts: Mapping[int, _Var], global_cap: int, features: _SweepFeatures
) -> set[int]:
    """Variants (besides the targets) nearly matching a target under another speaker."""
    c = _Conflicts(facts, 0, global_cap, features)
    for x in targets:
        c.probe(x, rare_only=False)
    return c.partners() - {x.v.variant_id for x in targets}


@_without_gc
def plan_links(
    variants: Iterable[VariantInput],
    sources: Iterable[SourceInput] | Mapping[int, SourceInput],
    constraints: EditorConstraints = EditorConstraints(),
    *,
    scorer: Scorer | None = None,
    block_cap: int = DEFAULT_BLOCK_CAP,
    global_cap: int = DEFAULT_GLOBAL_CAP,
    limit: int = DEFAULT_LIMIT,
    drift: bool = True,
) -> LinkPlan:
    """Link a full set of variants from scratch (rebuild); ``drift`` as in ``link_new``."""
    src = _as_sources(sources)
    facts = _prepare(sorted(variants, key=lambda v: v.variant_id), src)
    clusters, links = _cluster_all(facts, src, constraints, limit, block_cap)
    conflicts = _conflicts(facts.values(), facts, limit, global_cap, everyone=True)
    by_id = {vid: x.v for vid, x in facts.items()}
    keys = {vid: x.keys + x.ckeys for vid, x in facts.items()}
    del facts
    stories = plan_stories(clusters, by_id, src)
    planned = plan_drift(clusters, by_id, src, stories, constraints, scorer) if drift else []
    return LinkPlan(tuple(clusters), tuple(links), tuple(planned), tuple(conflicts), stories, keys)


@_without_gc
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
    drift: bool = True,
) -> LinkPlan:
    """Link new variants against stored ones, fetching only what is needed.

    ``lookup_candidates(keys)`` must return every stored variant (any speaker) having at least
    one of ``keys`` (keys from ``candidate_keys``). The function expands, per speaker, the
    connected component of the candidate graph around the new variants and re-clusters that
    component, which is exactly what a rebuild computes for those variants. The returned plan
    covers that component: its ``clusters`` replace every stored cluster containing one of its
    variants; ``conflicts`` are those involving a new variant; ``stories``/``drift`` cover the
    sources of the component only (re-run ``plan_stories`` and then ``plan_drift`` with
    ``only_stories`` for a global view). ``sources`` must include the sources of every
    returned variant: a mapping is read (``.get``) without being copied, so the caller may add
    the sources of the variants ``lookup_candidates`` returns during that call (a source
    missing when its variant arrives counts as undated). ``drift=False`` leaves ``drift``
    empty, for callers that re-plan drift over the global stories anyway (the store does).
    """
    src = sources if isinstance(sources, Mapping) else _as_sources(sources)
    new = sorted({v.variant_id: v for v in new_variants}.values(), key=lambda v: v.variant_id)
    known: dict[int, _Var] = {}

    def learn(vs: Iterable[VariantInput]) -> None:
        fresh = [v for v in vs if v.variant_id not in known]
        known.update(_prepare(fresh, src))

    learn(new)
    fetched: set[str] = set()
    component = {v.variant_id for v in new}
    frontier = [v.variant_id for v in new]
    # (speaker, key) -> variant ids; complete for every fetched key (stored + new variants)
    posting: dict[tuple[int, str], set[int]] = defaultdict(set)
    expanded: set[tuple[tuple[int, str], float]] = set()
    new_by_key: dict[str, list[int]] = defaultdict(list)
    for v in new:
        x = known[v.variant_id]
        for k in x.keys + x.ckeys:
            new_by_key[k].append(v.variant_id)

    def walk(x: _Var) -> list[tuple[str, float]]:
        """(key, cap) pairs whose (speaker) posting lists hold ``x``'s candidates in a
        rebuild: its own keys (capped at ``block_cap``), a fragment's probe (the wordings
        that may contain it; a probe with more than ``limit`` pairs with none) and, for a
        wording with container keys, the "u" keys of the fragments that may probe it
        (uncapped: a fragment pairs with its containers however common its own key is)."""
        ks: list[tuple[str, float]] = [(k, block_cap) for k in x.keys]
        if x.probe is not None:
            ks.append((x.probe, limit))
        if x.ckeys:
            ks.extend((k, math.inf) for k in probed_keys(x.norm))
        return ks

    while frontier:
        walks = {vid: walk(known[vid]) for vid in frontier}
        need = sorted({k for ks in walks.values() for k, _ in ks} - fetched)
        if need:
            need_set = set(need)
            hits = list(lookup_candidates(need))
            learn(hits)
            ids = {u.variant_id for u in hits}
            for k in need:
                ids.update(new_by_key.get(k, ()))
            for vid in ids:
                x = known[vid]
                for k in need_set.intersection(x.keys + x.ckeys):
                    posting[(x.v.speaker_id, k)].add(vid)
            fetched.update(need)
        nxt = []
        for vid in frontier:
            x = known[vid]
            for k, cap in walks[vid]:
                bk = (x.v.speaker_id, k)
                if (bk, cap) in expanded:
                    continue  # every member of a posting list joins when it is first walked
                expanded.add((bk, cap))
                post = posting.get(bk, ())
                if len(post) > cap:
                    continue
                for uid in sorted(post):
                    if uid not in component:
                        component.add(uid)
                        nxt.append(uid)
        frontier = nxt
    del new_by_key
    # Speaker postings that are long over everything fetched count as common for the
    # component too (as in a rebuild, which sees the whole posting list).
    blocked = {
        bk
        for bk, ids in posting.items()
        if len(ids) > (limit if is_container_key(bk[1]) else block_cap)
    }
    del posting

    comp = {vid: known[vid] for vid in sorted(component)}
    clusters, links = _cluster_all(comp, src, constraints, limit, block_cap, blocked)
    targets = [known[v.variant_id] for v in new]
    everyone = len(targets) == len(known)
    also: list[_Var] = []
    features = _SweepFeatures()  # one cache for both probes of the targets
    if not everyone:
        # The spread rule needs every near match of the stored partners too: fetch them.
        partners = sorted(_near_partners(targets, known, global_cap, features))
        need = sorted({k for vid in partners for k in known[vid].keys} - fetched)
        if need:
            learn(lookup_candidates(need))
        also = [known[vid] for vid in partners]
    conflicts = _conflicts(
        targets, known, limit, global_cap, everyone=everyone, also=also, features=features
    )
    by_id = {vid: x.v for vid, x in comp.items()}
    del comp
    stories = plan_stories(
        clusters,
        by_id,
        {s: x for v in by_id.values() for s in v.source_ids if (x := src.get(s)) is not None},
    )
    planned = plan_drift(clusters, by_id, src, stories, constraints, scorer) if drift else []
    keys = {v.variant_id: known[v.variant_id].keys + known[v.variant_id].ckeys for v in new}
    return LinkPlan(tuple(clusters), tuple(links), tuple(planned), tuple(conflicts), stories, keys)
