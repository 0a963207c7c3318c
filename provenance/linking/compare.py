"""Pairwise comparison of two wordings attributed to one speaker.

Each relation is decided by a scorer chosen for its purpose: word-level in-order containment
(LCS over word tokens) for truncation/extension, word-level Indel and character ``fuzz.ratio``
for minor edits, and a shared contiguous "anchor" run for divergent renderings (drift).
Token-set style scores are recorded but never decide on their own: short common-word quotes
score high against unrelated ones ("This is a street fight" vs "This is fundamentally a test
of leverage" gets WRatio 85).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Protocol, runtime_checkable

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq

from .normalise import is_content, normalise, word_info, word_weight

Relation = Literal["identical", "minor_edit", "truncation", "extension", "drift", "unrelated"]
RELATIONS: tuple[str, ...] = (
    "identical",
    "minor_edit",
    "truncation",
    "extension",
    "drift",
    "unrelated",
)

# Thresholds (see docstring of ``compare``); module constants so tests/tuning can read them.
MINOR_WORD_RATIO = 84.0  # word-level Indel similarity for a minor edit
MINOR_CHAR_RATIO = 90.0  # char-level ratio for a minor edit (catches one-letter typos)
MINOR_LEN_RATIO = 0.75  # a minor edit keeps roughly the same length
CONTAIN_MIN = 0.9  # weighted share of the shorter's words found in order in the longer
CONTAIN_DENSITY = 0.75  # matched words / span in the longer: the shorter sits as one block
MIN_SPECIFICITY = 1.9  # content weight the shorter needs for containment to mean anything
# A less specific wording still counts as contained when it is a verbatim run of the longer,
# this long, with one content word of full weight (e.g. "be surprised that the"). Such a
# containment is "low-specificity": clustering trusts it only when the run sits in one
# cluster of the speaker, published close in time (``clusters``); conflicts never use it.
VERBATIM_MIN_WORDS = 4
VERBATIM_MIN_WEIGHT = 1.0
ANCHOR_MIN_WORDS = 5  # shared contiguous run that makes a divergent rendering plausible
ANCHOR_MIN_CONTENT = 2
ANCHOR_MIN_SHARE = 0.3  # anchor length relative to the shorter wording
DRIFT_WORD_RATIO = 55.0
# A rendering keeps some sentence structure; a paraphrase does not (``clusters._reworded``).
REWORD_MIN_WORD_RATIO = 40.0


@dataclass(frozen=True)
class Alignment:
    """Where the shorter wording sits inside the longer one.

    ``shorter`` is "a" or "b"; word offsets index ``normalise(longer).split()`` (end
    exclusive), char offsets index ``normalise(longer)`` (from ``partial_ratio_alignment``).
    """

    shorter: str
    word_start: int
    word_end: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Comparison:
    """Result of ``compare(a, b)``: relation of b relative to a, plus every score computed."""

    similarity: float
    relation: str
    scores: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    alignment: Alignment | None = None

    @property
    def anchor_ok(self) -> bool:
        """True when a shared contiguous anchor is long and specific enough to join wordings."""
        s = self.scores
        return (
            s.get("anchor_words", 0) >= ANCHOR_MIN_WORDS
            and s.get("anchor_content", 0) >= ANCHOR_MIN_CONTENT
            and s.get("anchor_share", 0) >= ANCHOR_MIN_SHARE
            and s.get("anchor_opening", 0) > 0
        )


def _blocks(ss: list[str], sl: list[str]) -> list[tuple[int, int, int]]:
    """Word matching blocks (a, b, size) of shorter ``ss`` in longer ``sl``.

    LCS picks an arbitrary optimal alignment, which can scatter a contained sentence (its
    "the" matched far away). Re-aligning inside a window around the longest block keeps
    the compact placement when it matches as many words.
    """
    raw = [(b.a, b.b, b.size) for b in LCSseq.editops(ss, sl).as_matching_blocks() if b.size]
    if len(raw) < 2:
        return raw
    if sum(t[2] for t in raw) == len(ss):
        # Every word matched: if the shorter also occurs as one contiguous run (a word it
        # repeats can pull LCS's alignment apart: "a historic report means a historic
        # future"), that run is the placement.
        at = _run_at(ss, sl)
        if at is not None:
            return [(0, at, len(ss))]
    a0, b0, _ = max(raw, key=lambda t: t[2])
    lo = max(0, b0 - a0 - 2)
    hi = min(len(sl), b0 + (len(ss) - a0) + 2)
    win = [
        (b.a, b.b + lo, b.size)
        for b in LCSseq.editops(ss, sl[lo:hi]).as_matching_blocks()
        if b.size
    ]
    if sum(t[2] for t in win) >= sum(t[2] for t in raw):
        return win
    return raw


def _run_at(ss: list[str], sl: list[str]) -> int | None:
    """Word offset of the first occurrence of ``ss`` as a contiguous run of ``sl``."""
    n, first = len(ss), ss[0]
    for i in range(len(sl) - n + 1):
        if sl[i] == first and sl[i : i + n] == ss:
            return i
    return None


def _weighted(tokens: list[str]) -> float:
    return sum(word_weight(w) for w in tokens)


def features(text: str) -> tuple:
    """Per-wording features used by ``compare`` (uncached; see ``_features``).

    (normalised, tokens, stems, weights, content flags, content stems, total weight,
    unused, all stems). Callers comparing one wording with many others compute
    this once and pass it to ``compare_features``.
    """
    return normalised_features(normalise(text))


def normalised_features(n: str) -> tuple:
    """``features`` of text already in ``normalise`` form."""
    info = [word_info(w) for w in n.split()]
    toks = [i[3] for i in info]
    stems = [i[0] for i in info]
    weights = [i[1] for i in info]
    content = [i[2] for i in info]
    cset = frozenset(i[0] for i in info if i[2])
    return n, toks, stems, weights, content, cset, sum(weights), None, frozenset(stems)


_features = lru_cache(maxsize=4096)(features)


def could_link(
    fa: tuple, fb: tuple, *, weak: bool = True, minor: bool = True, contain: bool = True
) -> bool:
    """Cheap necessary condition for ``compare`` to find same-utterance evidence.

    False only when ``compare_features(fa, fb)`` is certainly not identical, a minor edit, a
    containment, or a drift with a usable anchor or rewording (``clusters.edge_strength`` and
    ``_contained_strength`` would both be 0), so the caller may skip the full comparison.
    Every test below is an upper bound of the corresponding rule in ``compare_features``.
    ``weak=False`` drops the drift tests, ``minor=False`` the minor-edit tests and
    ``contain=False`` the containment tests (a cross-speaker conflict needs only some).
    """
    na, ta, sa, _, ka, ca, *_ = fa
    nb, tb, sb, _, kb, cb, *_ = fb
    if na == nb:
        return True
    la, lb = len(ta), len(tb)
    if not la or not lb:
        return False
    b_shorter = (lb, len(nb)) <= (la, len(na))
    ls, ll = (lb, la) if b_shorter else (la, lb)
    len_ratio = ls / ll
    shared = len(ca & cb)
    union = len(ca | cb)
    if minor and len_ratio >= 0.85 and len(ca) >= 3 and union and shared / union >= 0.85:
        return True  # second minor-edit rule
    word_ratio = Indel.normalized_similarity(ta, tb) * 100.0
    if (
        minor
        and len_ratio >= MINOR_LEN_RATIO
        and (word_ratio >= MINOR_WORD_RATIO or (ls >= 3 and fuzz.ratio(na, nb) >= MINOR_CHAR_RATIO))
    ):
        return True
    if weak and shared >= 3 and word_ratio >= REWORD_MIN_WORD_RATIO:
        return True  # a rewording (clusters._reworded) needs both
    lcs = LCSseq.similarity(sb, sa) if b_shorter else LCSseq.similarity(sa, sb)
    if weak and lcs >= ANCHOR_MIN_WORDS and lcs >= ANCHOR_MIN_SHARE * ls:
        # An anchor is one matched block (at most the stem LCS) holding >= 2 of the shorter's
        # content words and opening one of the two wordings.
        ss, ks, sl, other = (sb, kb, sa, fa[8]) if b_shorter else (sa, ka, sb, fb[8])
        own = fb[8] if b_shorter else fa[8]
        if (ss[0] in other or sl[0] in own) and sum(
            1 for st, c in zip(ss, ks, strict=True) if c and st in other
        ) >= ANCHOR_MIN_CONTENT:
            return True
    if not contain:
        return False
    # Containment: matched weight <= total - the lightest (unmatched count) weights, and
    # <= total - the weight of the shorter's words whose stem the longer lacks.
    short, long_ = (fb, fa) if b_shorter else (fa, fb)
    spec = short[6]
    if spec < MIN_SPECIFICITY:
        # only a verbatim run: every word matched (the stem LCS bounds the matched words)
        return lcs == ls and ls >= VERBATIM_MIN_WORDS and max(short[3]) >= VERBATIM_MIN_WEIGHT
    need = CONTAIN_MIN * spec - 1e-9
    if spec - sum(sorted(short[3])[: ls - lcs]) < need:
        return False
    other = long_[8]
    missing = sum(w for st, w in zip(short[2], short[3], strict=True) if st not in other)
    return spec - missing >= need


def compare(a: str, b: str) -> Comparison:
    """Compare two wordings; see ``compare_features``."""
    return compare_features(_features(a), _features(b))


def compare_features(fa: tuple, fb: tuple) -> Comparison:
    """Compare two wordings given their ``features``; ``relation`` is that of b relative to a.

    - ``identical``: equal after ``normalise``.
    - ``minor_edit``: similar length and word-level Indel >= 84 (or char ratio >= 90), or the
      same content words reordered.
    - ``truncation``: b is shorter and (weighted) >= 90% of b's words occur in order as one
      compact block of a, and b is specific enough (content weight >= 1.9, so "a card" is not
      a truncation of every sentence containing it). A less specific b still counts when it
      is a verbatim run of a of >= 4 words holding a content word of full weight ("be
      surprised that the"; ``VERBATIM_MIN_WORDS``), with lower confidence; clustering treats
      such a containment as weak (``clusters.low_specificity``). ``extension`` is the mirror
      case.
    - ``drift``: wording changed beyond a minor edit but plausibly the same remark: a shared
      anchor run opening one of them (>= 5 words, >= 2 content words, >= 30% of the shorter), word
      Indel >= 55, or a high weighted containment that is not compact.
    - ``unrelated`` otherwise.
    """
    na, ta, sa, wa, ka, ca, *_ = fa
    nb, tb, sb, wb, kb, cb, *_ = fb
    if na == nb:
        n = len(ta)
        scores = {
            "ratio": 100.0,
            "word_ratio": 100.0,
            "containment": 100.0,
            "weighted_containment": 100.0,
            "anchor_words": float(n),
            "anchor_content": float(sum(map(is_content, ta))),
            "anchor_share": 1.0,
            "anchor_opening": 1.0,
            "specificity": _weighted(ta),
            "len_a": float(n),
            "len_b": float(n),
        }
        return Comparison(100.0, "identical", scores, Alignment("b", 0, n, 0, len(na)))
    if not ta or not tb:
        return Comparison(0.0, "unrelated", {"ratio": 0.0}, None)

    b_shorter = (len(tb), len(nb)) <= (len(ta), len(na))
    ts, tl = (tb, ta) if b_shorter else (ta, tb)
    ns, nl = (nb, na) if b_shorter else (na, nb)
    ws, ks = (wb, kb) if b_shorter else (wa, ka)

    # Containment and anchors are matched on stems so "exists"/"exist" still line up.
    ss, sl = (sb, sa) if b_shorter else (sa, sb)
    blocks = _blocks(ss, sl)
    lcs = sum(blk[2] for blk in blocks)
    spec = sum(ws)
    matched_w = sum(ws[i] for a0, _, n in blocks for i in range(a0, a0 + n))
    wcont = matched_w / spec if spec else 0.0
    if blocks:
        span_start, span_end = blocks[0][1], blocks[-1][1] + blocks[-1][2]
        density = lcs / (span_end - span_start)
        best = max(blocks, key=lambda blk: (blk[2], sum(ks[blk[0] : blk[0] + blk[2]])))
        anchor_content = sum(ks[best[0] : best[0] + best[2]])
        anchor_words = best[2]
        # Divergent renderings of one remark share its opening; a shared tail or middle
        # is more often a reused sentence frame.
        opening = float(best[0] == 0 or best[1] == 0)
    else:
        span_start = span_end = 0
        density = 0.0
        anchor_words = anchor_content = 0
        opening = 0.0

    ratio = fuzz.ratio(na, nb)
    word_ratio = Indel.normalized_similarity(ta, tb) * 100.0
    content_jaccard = len(ca & cb) / len(ca | cb) if (ca or cb) else 0.0
    sort_ratio = fuzz.token_sort_ratio(na, nb)
    len_ratio = len(ts) / len(tl)
    scores = {
        "ratio": ratio,
        "word_ratio": word_ratio,
        "token_sort_ratio": sort_ratio,
        "containment": 100.0 * lcs / len(ts),
        "weighted_containment": 100.0 * wcont,
        "density": density,
        "anchor_words": float(anchor_words),
        "anchor_content": float(anchor_content),
        "anchor_share": anchor_words / len(ts),
        "anchor_opening": opening,
        "content_jaccard": 100.0 * content_jaccard,
        "shared_content": float(len(ca & cb)),
        "content_diff": float(len(ca ^ cb)),
        "content_substituted": float(min(len(ca - cb), len(cb - ca))),
        "content_min": float(min(len(ca), len(cb))),
        "specificity": spec,
        "len_ratio": len_ratio,
        "len_a": float(len(ta)),
        "len_b": float(len(tb)),
    }
    # Char offsets follow from word offsets because normalised text is single-space joined.
    char_start = sum(len(w) + 1 for w in tl[:span_start])
    char_end = max(char_start, char_start + sum(len(w) + 1 for w in tl[span_start:span_end]) - 1)
    alignment = Alignment("b" if b_shorter else "a", span_start, span_end, char_start, char_end)

    short_fuzzy_ok = len(ts) >= 4 or ratio >= 95.0
    if (
        len_ratio >= MINOR_LEN_RATIO
        and short_fuzzy_ok
        and (word_ratio >= MINOR_WORD_RATIO or (ratio >= MINOR_CHAR_RATIO and len(ts) >= 3))
    ):
        return Comparison(max(word_ratio, ratio), "minor_edit", scores, alignment)
    if len_ratio >= 0.85 and len(ca) >= 3 and content_jaccard >= 0.85 and sort_ratio >= 90.0:
        return Comparison(sort_ratio, "minor_edit", scores, alignment)
    if wcont >= CONTAIN_MIN and density >= CONTAIN_DENSITY and spec >= MIN_SPECIFICITY:
        # Confidence grows with the specificity of the contained wording.
        conf = min(1.0, 0.55 + 0.1 * spec)
        sim = 100.0 * wcont * conf
        scores["containment_confidence"] = conf
        # Character-level confirmation of the containment (cheap enough for this branch only).
        scores["partial_ratio"] = fuzz.partial_ratio(ns, nl)
        return Comparison(sim, "truncation" if b_shorter else "extension", scores, alignment)
    if (
        lcs == len(ts) >= VERBATIM_MIN_WORDS
        and density == 1.0
        and max(ws) >= VERBATIM_MIN_WEIGHT
        and tl[span_start:span_end] == ts
    ):
        # A low-specificity verbatim run (see ``VERBATIM_MIN_WORDS``): contained, with the
        # confidence its specificity allows.
        conf = 0.55 + 0.1 * spec
        scores["containment_confidence"] = conf
        scores["partial_ratio"] = fuzz.partial_ratio(ns, nl)
        return Comparison(
            100.0 * conf, "truncation" if b_shorter else "extension", scores, alignment
        )
    cmp_ = Comparison(word_ratio, "drift", scores, alignment)
    if (
        cmp_.anchor_ok
        or word_ratio >= DRIFT_WORD_RATIO
        or (wcont >= 0.75 and spec >= 3.0)
        or (content_jaccard >= 0.45 and len(ca & cb) >= 4)
    ):
        return Comparison(
            max(word_ratio, 100.0 * wcont * anchor_words / len(ts)), "drift", scores, alignment
        )
    # Shared stopwords alone must not look similar: blend in content-word overlap.
    return Comparison(0.5 * (word_ratio + 100.0 * content_jaccard), "unrelated", scores, alignment)


@dataclass(frozen=True, slots=True)
class DriftCalibration:
    """Where a scorer's same-point scale makes a pair drift (``drift.plan_drift``).

    Each scorer has its own scale (a lexical overlap of 20 is strong, an embedding cosine
    of 20 is noise), so the thresholds travel with the scorer that they were fitted to.
    """

    strong: float  # combined evidence that alone makes the best partner drift
    weak: float  # weaker evidence suffices when it beats the runner-up by ``margin``
    margin: float
    # Two complementary remarks of a speaker in a story, with no framing to tell them
    # apart, count as drift if their same-point score reaches ``pair_floor``: the lexical
    # scorer's only way to catch a rewording that keeps no word (floor 0); a semantic
    # scorer can still veto pairs it finds unrelated.
    pair_floor: float


@runtime_checkable
class Scorer(Protocol):
    """Same-point scorer for drift: 0-100, higher means the two wordings make the same point.

    The default is lexical; ``provenance.linking.semantic`` adds a sentence-embedding
    scorer behind the ``semantic`` extra. ``prepare`` sees every wording a run will score
    first, so a model can encode them in batches.
    """

    name: str
    calibration: DriftCalibration

    def prepare(self, texts: Collection[str]) -> None: ...

    def score(self, a: str, b: str) -> float: ...


@lru_cache(maxsize=32768)
def stem_weights(text: str) -> tuple[list[str], dict[str, float]]:
    """(normalised tokens, content stem -> highest word weight) of a wording, cached."""
    toks = normalise(text).split()
    acc: dict[str, float] = {}
    for w in toks:
        k, weight, content, _ = word_info(w)
        if content and weight > acc.get(k, 0.0):
            acc[k] = weight
    return toks, acc


class LexicalScorer:
    """Weighted overlap of content-word stems plus word-level Indel similarity."""

    name = "lexical"
    calibration = DriftCalibration(strong=64.0, weak=32.0, margin=10.0, pair_floor=0.0)

    def prepare(self, texts: Collection[str]) -> None:
        """Nothing to precompute: stems are cached per wording."""

    def score(self, a: str, b: str) -> float:
        ta, wa = stem_weights(a)
        tb, wb = stem_weights(b)
        inter = sum(min(wa[k], wb[k]) for k in wa.keys() & wb.keys())
        union = sum(wa.values()) + sum(wb.values()) - inter
        overlap = inter / union if union else 0.0
        wr = Indel.normalized_similarity(ta, tb) if ta and tb else 0.0
        return 100.0 * max(overlap, 0.5 * (overlap + wr))


DRIFT_SCORERS = ("lexical", "semantic")


def scorer_named(name: str) -> Scorer:
    """The drift scorer called ``name`` (a database's ``drift_scorer`` setting)."""
    if name == "lexical":
        return LexicalScorer()
    if name == "semantic":
        from .semantic import EmbeddingScorer

        return EmbeddingScorer()
    from provenance.errors import InputError

    raise InputError(
        f"unknown drift scorer {name!r}", fix=f"choose one of: {', '.join(DRIFT_SCORERS)}"
    )
