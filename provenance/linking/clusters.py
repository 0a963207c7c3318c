"""Utterance clustering for one speaker, and canonical-variant choice.

Only long, specific "full" variants may bridge: they are merged by union-find over strong
edges (identical, minor edit, containment, shared specific anchor). Short or partial variants
never bridge: each is attached to the single best cluster it is contained in / a minor edit
of, so a fragment like "a card" cannot glue two different utterances together.
Editor constraints win: must-links are merged first, cannot-links veto every merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from .compare import MIN_SPECIFICITY, REWORD_MIN_WORD_RATIO, Comparison
from .model import EditorConstraints, SourceInput, VariantInput
from .normalise import is_content, normalise

BRIDGE_MIN_WORDS = 8
BRIDGE_MIN_CONTENT = 3
REWORD_JACCARD = 45.0
REWORD_WORD_RATIO = 60.0
WEAK_EDGE_WINDOW = timedelta(days=7)
FRAGMENT_WORDS = 5  # below this, a wording contained in two clusters is ambiguous
_STRENGTH = {"identical": 4, "minor_edit": 3, "truncation": 2, "extension": 2}


def is_bridge(v: VariantInput) -> bool:
    """Long, specific full quotes are the only variants allowed to connect clusters."""
    if v.kind != "full":
        return False
    return _bridge_shape(normalise(v.wording).split())


def _bridge_shape(toks: list[str]) -> bool:
    return len(toks) >= BRIDGE_MIN_WORDS and sum(map(is_content, toks)) >= BRIDGE_MIN_CONTENT


def shape(v: VariantInput, tokens: list[str]) -> tuple[int, bool]:
    """(word count, may bridge) of a variant whose normalised tokens are ``tokens``."""
    return len(tokens), v.kind == "full" and _bridge_shape(tokens)


def swaps_content(cmp: Comparison) -> bool:
    """A minor edit that replaces content words (not only typography, order or stopwords).

    Within days that is an outlet's word swap; a speaker saying the same sentence frame about
    another subject months later ("an inquiry into the pension reform" / "... the vaccine
    order") looks the same, so such an edit only counts within ``WEAK_EDGE_WINDOW``.
    """
    return cmp.relation == "minor_edit" and cmp.scores.get("content_substituted", 0) > 0


def _timed(strength: int, cmp: Comparison) -> bool:
    """Is this evidence only trusted between renderings published close together?"""
    return strength == 1 or low_specificity(cmp) or swaps_content(cmp)


def low_specificity(cmp: Comparison) -> bool:
    """A containment of a wording below ``MIN_SPECIFICITY`` (a verbatim run, ``compare``)."""
    return cmp.relation in ("truncation", "extension") and (
        cmp.scores.get("specificity", 0.0) < MIN_SPECIFICITY
    )


def edge_strength(cmp: Comparison) -> int:
    """0 = no same-utterance evidence; higher = stronger.

    A low-specificity containment never joins two bridges (it only attaches a fragment).
    """
    s = _STRENGTH.get(cmp.relation, 0)
    if s:
        return 0 if s == 2 and low_specificity(cmp) else s
    if cmp.relation == "drift" and (cmp.anchor_ok or _reworded(cmp)):
        return 1
    return 0


def _reworded(cmp: Comparison) -> bool:
    """Same content words, restructured sentence (e.g. two translations of one remark)."""
    s = cmp.scores
    shared = s.get("shared_content", 0)
    return (
        s.get("content_jaccard", 0) >= REWORD_JACCARD
        and shared >= 4
        and s.get("word_ratio", 0) >= REWORD_MIN_WORD_RATIO
    ) or (s.get("word_ratio", 0) >= REWORD_WORD_RATIO and shared >= 3)


def _contained_strength(v: int, u: int, cmp: Comparison) -> int:
    """Strength of "v belongs with u" when v is the newcomer (v contained in u, or edit)."""
    rel = cmp.relation
    if rel in ("identical", "minor_edit"):
        return _STRENGTH[rel]
    # relation is of the larger id relative to the smaller one
    v_is_b = v > u
    if (rel == "truncation" and v_is_b) or (rel == "extension" and not v_is_b):
        return 2
    if rel == "drift" and (cmp.anchor_ok or _reworded(cmp)):
        return 1
    return 0


class _DSU:
    """Union-find that refuses merges forbidden by cannot-link pairs."""

    def __init__(self, ids: Iterable[int], cannot: Mapping[int, set[int]]) -> None:
        self.parent = {i: i for i in ids}
        self.members = {i: {i} for i in self.parent}
        self.cannot = cannot

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def can_union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        small, big = sorted((self.members[ra], self.members[rb]), key=len)
        return not any(self.cannot.get(x, set()) & big for x in small)

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not self.can_union(ra, rb):
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        return True


def _close(a: tuple | None, b: tuple | None) -> bool:
    """Do two (earliest, latest) date spans come within ``WEAK_EDGE_WINDOW``? Unknown = yes."""
    if not a or not b or a[0] is None or b[0] is None:
        return True
    gap = max(a[0] - b[1], b[0] - a[1])
    return gap <= WEAK_EDGE_WINDOW


def cluster_speaker(
    variants: list[VariantInput],
    comparisons: Mapping[tuple[int, int], Comparison],
    constraints: EditorConstraints = EditorConstraints(),
    outlets: Mapping[int, int] | None = None,
    spans: Mapping[int, tuple] | None = None,
    shapes: Mapping[int, tuple[int, bool]] | None = None,
) -> list[list[int]]:
    """Group one speaker's variants into utterances; returns sorted lists of variant ids.

    ``comparisons`` maps (lower id, higher id) -> compare(lower wording, higher wording) for
    the candidate pairs. ``outlets`` (variant id -> outlet count) breaks attachment ties.
    ``spans`` (variant id -> (earliest, latest) publication) gates the weak evidence (shared
    opening / reworded) and minor edits that replace content words (``swaps_content``) to
    renderings published close together: a speaker re-using a sentence frame weeks later is a
    new remark. A short fragment contained in several of the
    speaker's clusters is ambiguous and stays on its own; so is a low-specificity wording
    (``low_specificity``: a verbatim run such as "be surprised that the"), which moreover only
    joins a cluster published close to it. ``shapes`` (variant id -> ``shape``)
    saves re-normalising wordings the caller has already tokenised.
    """
    spans = spans or {}
    ids = sorted(v.variant_id for v in variants)
    idset = set(ids)
    cannot: dict[int, set[int]] = {}
    for pair in constraints.different_utterance:
        if len(pair) == 2 and pair <= idset:
            x, y = sorted(pair)
            cannot.setdefault(x, set()).add(y)
            cannot.setdefault(y, set()).add(x)
    dsu = _DSU(ids, cannot)
    for pair in sorted(tuple(sorted(p)) for p in constraints.same_utterance):
        if len(pair) == 2 and set(pair) <= idset:
            dsu.union(*pair)

    if shapes is None:
        shapes = {v.variant_id: shape(v, normalise(v.wording).split()) for v in variants}
    bridge = {i for i in ids if shapes[i][1]}
    neigh: dict[int, list[tuple[int, Comparison]]] = {i: [] for i in ids}
    edges = []
    for (a, b), cmp in comparisons.items():
        if a not in idset or b not in idset:
            continue
        neigh[a].append((b, cmp))
        neigh[b].append((a, cmp))
        if a in bridge and b in bridge:
            s = edge_strength(cmp)
            if s and _timed(s, cmp) and not _close(spans.get(a), spans.get(b)):
                continue
            if s:
                edges.append((-s, -cmp.similarity, a, b))
    for _, _, a, b in sorted(edges):
        dsu.union(a, b)

    placed = set(bridge)
    outlets = outlets or {}
    shorts = sorted(
        (i for i in ids if i not in bridge),
        key=lambda i: (-shapes[i][0], i),
    )
    for v in shorts:
        best: tuple | None = None
        strong_roots: set[int] = set()
        low = False
        for u, cmp in neigh[v]:
            if u not in placed:
                continue
            s = _contained_strength(v, u, cmp)
            if not s:
                continue
            weak = _timed(s, cmp)
            low = low or (s == 2 and weak)
            root = dsu.find(u)
            if s >= 2:
                strong_roots.add(root)  # containers at any date make a fragment ambiguous
            if weak and not _close(spans.get(u), spans.get(v)):
                continue
            key = (s, cmp.similarity, outlets.get(u, 0), -root)
            if (best is None or key > best[0]) and dsu.can_union(v, root):
                best = (key, root)
        # A low-specificity wording only joins the one cluster it sits in verbatim.
        fragment = shapes[v][0] < FRAGMENT_WORDS or low
        if best is not None and not (fragment and len(strong_roots) > 1):
            dsu.union(v, best[1])
        placed.add(v)

    groups: dict[int, list[int]] = {}
    for i in ids:
        groups.setdefault(dsu.find(i), []).append(i)
    return sorted(groups.values())


def outlet_keys(v: VariantInput, sources: Mapping[int, SourceInput]) -> set[str]:
    """Distinct outlets of a variant; a source with unknown outlet counts on its own."""
    out = set()
    for sid in v.source_ids:
        s = sources.get(sid)
        out.add(f"outlet:{s.outlet}" if s is not None and s.outlet else f"source:{sid}")
    return out


def earliest(v: VariantInput, sources: Mapping[int, SourceInput]) -> datetime | None:
    dates = [
        s.published_at
        for sid in v.source_ids
        if (s := sources.get(sid)) is not None and s.published_at is not None
    ]
    return min(dates) if dates else None


def choose_canonical(
    members: list[VariantInput],
    sources: Mapping[int, SourceInput],
    constraints: EditorConstraints = EditorConstraints(),
    *,
    outlets: Mapping[int, set[str]] | None = None,
    lengths: Mapping[int, int] | None = None,
) -> int:
    """Editor choice wins; else most distinct outlets, earliest, longest, lowest id.

    Variants an editor marked as misquotes are only chosen when nothing else is left.
    ``outlets`` (variant id -> ``outlet_keys``) and ``lengths`` (variant id -> length of the
    normalised wording) may be passed when the caller already has them.
    """
    chosen = sorted(m.variant_id for m in members if m.variant_id in constraints.canonical)
    if chosen:
        return chosen[0]
    pool = [m for m in members if m.variant_id not in constraints.misquotes] or members
    if len(pool) == 1:
        return pool[0].variant_id

    def key(m: VariantInput) -> tuple:
        d = earliest(m, sources)
        n_out = len(outlets[m.variant_id]) if outlets else len(outlet_keys(m, sources))
        length = lengths[m.variant_id] if lengths else len(normalise(m.wording))
        return (
            -n_out,
            d is None,
            d if d is not None else datetime.min,
            -length,
            m.variant_id,
        )

    return min(pool, key=key).variant_id
