"""Stories: sources covering the same event, as connected components of a source graph.

Edges: two sources share a substantive quote cluster (within a time window when dates are
known), or they quote at least two of the same speakers on the same day. A single shared
speaker is not enough: a prime minister is quoted about many unrelated events every day.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta

from .model import ClusterPlan, SourceInput, VariantInput
from .normalise import normalise
from .runtime import without_gc

STORY_WINDOW = timedelta(days=3)
MIN_SHARED_SPEAKERS = 2
MAX_BUCKET = 80  # a (speaker, day) bucket larger than this is too generic to link sources
MIN_CLUSTER_WORDS = 4


def _enough_words(text: str) -> bool:
    """``len(normalise(text).split()) >= MIN_CLUSTER_WORDS``, mostly without normalising:
    every whitespace-separated token holding a letter or digit leaves at least one word."""
    n = 0
    for tok in text.split():
        if any(ch.isalnum() for ch in tok):
            n += 1
            if n >= MIN_CLUSTER_WORDS:
                return True
    return len(normalise(text).split()) >= MIN_CLUSTER_WORDS


class _UF:
    def __init__(self) -> None:
        self.p: dict[int, int] = {}

    def find(self, x: int) -> int:
        p = self.p
        p.setdefault(x, x)
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra > rb:
                ra, rb = rb, ra
            self.p[rb] = ra


def source_day(source: SourceInput | None) -> object:
    """The day a (speaker, day) bucket files a source under; None when undated or unknown."""
    return source.published_at.date() if source is not None and source.published_at else None


@without_gc
def plan_stories(
    clusters: Iterable[ClusterPlan],
    variants: Mapping[int, VariantInput],
    sources: Mapping[int, SourceInput],
) -> dict[int, int]:
    """source_id -> story id (the lowest source id in the story)."""
    uf = _UF()
    for sid in sources:
        uf.find(sid)
    speaker_day: dict[tuple[int, object], set[int]] = defaultdict(set)

    for c in clusters:
        sids: set[int] = set()
        substantive = False
        for vid in c.variant_ids:
            v = variants[vid]
            sids.update(v.source_ids)
            if not substantive and v.kind == "full" and _enough_words(v.wording):
                substantive = True
        for sid in sids:
            uf.find(sid)
            speaker_day[(c.speaker_id, source_day(sources.get(sid)))].add(sid)
        if not substantive or len(sids) < 2:
            continue
        dated = sorted(
            (sources[s].published_at, s)
            for s in sids
            if s in sources and sources[s].published_at is not None
        )
        undated = sorted(s for s in sids if s not in sources or sources[s].published_at is None)
        for (d1, s1), (d2, s2) in itertools.pairwise(dated):
            if d2 - d1 <= STORY_WINDOW:
                uf.union(s1, s2)
        anchor = dated[0][1] if dated else undated[0]
        for s in undated:
            uf.union(anchor, s)

    pair_count: dict[tuple[int, int], int] = defaultdict(int)
    for sids in speaker_day.values():
        if len(sids) < 2 or len(sids) > MAX_BUCKET:
            continue
        ordered = sorted(sids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pair_count[(a, b)] += 1
    for (a, b), n in pair_count.items():
        if n >= MIN_SHARED_SPEAKERS:
            uf.union(a, b)
    return {sid: uf.find(sid) for sid in sorted(uf.p)}
