"""Drift candidates: one speaker's clusters in one story that look like one remark reworded.

Signals: the clusters never share a source (complementary distribution: each article quotes
the speaker once, differently; two different remarks in the same article are not drift), the
outlier's sources quote the speaker with that wording only, it is attested by fewer outlets
and later than the likely original, and the two make the same point. "Same point" combines
the wordings (lexical by default, pluggable ``Scorer``) with the reporters' framing around
them: the words of the quoting sentence outside the quote marks ("Asked about the housing
levy, Ashdown said ..."). A paraphrase changes the words of a remark, not what it was about,
so the framing of the outlier names the subject of the original. Names (capitalised words)
and reporting verbs are ignored in the framing: they are shared by every quote of a speaker.
Each outlier is paired with its best partner only, and only if the evidence is high, or
clearly beats the runner-up, or the speaker has just those two remarks in the story and no
framing tells them apart (the CLSA "street fight" case: no shared words at all). "High",
"clearly" and the least same-point score the two-remark rule accepts are the scorer's own
``DriftCalibration``: a lexical overlap and an embedding cosine live on different scales.
The last two rest on weak evidence, so they also need a plausible shape: a rewording
restates a remark at roughly its length, so the outlier and some full wording of the
original must be within a factor 0.7 of each other's length in words
(``MIN_LENGTH_RATIO``); a one-line remark set against a two-sentence one is more often a
second remark than a rewrite. The likely original is
the wording more outlets agree on.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz.distance import LCSseq

from .clusters import earliest, outlet_keys
from .compare import Comparison, LexicalScorer, Scorer, compare, stem_weights
from .model import (
    ClusterPlan,
    DriftCandidate,
    EditorConstraints,
    Scores,
    SourceInput,
    VariantInput,
)
from .normalise import is_content, normalise, stem
from .runtime import without_gc

MIN_EXCLUSIVITY = 1.0  # share of involved sources quoting the speaker with one remark only
# Weak evidence (the margin or pair-only rules) also needs the outlier and the closest-length
# full wording of the original to be about as long as each other: shorter / longer, in words.
MIN_LENGTH_RATIO = 0.7
WORDS_WEIGHT = 4.0  # story-idf weighted shared wording stems (0-100 each)
FRAME_WEIGHT = 0.2  # framing evidence
_SAME_UTTERANCE = {"identical", "minor_edit", "truncation", "extension"}
# Words of attribution, not of subject matter.
REPORTING = frozenset(
    [
        "said",
        "says",
        "say",
        "told",
        "tells",
        "added",
        "adding",
        "asked",
        "asking",
        "according",
        "referring",
        "remarks",
        "remark",
        "statement",
        "statements",
        "interview",
        "briefing",
        "reporters",
        "speaking",
        "spoke",
        "speech",
        "later",
        "earlier",
        "week",
        "today",
        "yesterday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "question",
        "subject",
        "pressed",
        "turning",
        "comments",
        "comment",
        "claimed",
        "noted",
        "warned",
        "argued",
        "insisted",
    ]
)
_QUOTED = re.compile(r"[\u201c\"][^\u201c\u201d\"]*[\u201d\"]|\u201c[^\u201d]*$")


def framing(context: str | None, wording: str) -> frozenset[str]:
    """Content stems of the words around a quote in its sentence (the reporter's framing).

    The quoted words are removed (text inside quote marks, else the wording's long common
    runs); capitalised words (names, places, sentence openings) and reporting verbs are
    dropped, since they do not say what the remark was about.
    """
    if not context:
        return frozenset()
    outside = _QUOTED.sub(" ", context)
    raw = outside.split()
    if len(outside) > 0.8 * len(context):  # no quote marks: drop the quote's long runs
        toks = [normalise(t) for t in raw]
        wt = normalise(wording).split()
        drop: set[int] = set()
        for b in LCSseq.editops(wt, toks).as_matching_blocks():
            if b.size >= 3:
                drop.update(range(b.b, b.b + b.size))
        raw = [t for i, t in enumerate(raw) if i not in drop]
    out = set()
    for tok in raw:
        if not tok[:1].isalpha() or tok[:1].isupper():
            continue
        for w in normalise(tok).split():
            if is_content(w) and w not in REPORTING:
                out.add(stem(w))
    return frozenset(out)


def _stems(text: str) -> dict[str, float]:
    return stem_weights(text)[1]


@dataclass(slots=True)
class _Profile:
    """What a cluster's coverage says about its remark: wording and framing stems."""

    words: frozenset[str]
    frame: frozenset[str]
    sources: set[int]


def _profile(c: ClusterPlan, variants: Mapping[int, VariantInput], sids: set[int]) -> _Profile:
    words: set[str] = set()
    frame: set[str] = set()
    for vid in c.variant_ids:
        v = variants[vid]
        words.update(_stems(v.wording))
        frame.update(framing(v.context, v.wording))
    return _Profile(frozenset(words), frozenset(frame), sids)


def frame_score(o: _Profile, x: _Profile, idf: Mapping[str, float]) -> float:
    """0-100: how far the framings of ``x`` and ``o`` name each other's subject.

    Weighted share of the framing stems of one found in the other's wording or framing,
    averaged over both directions where a framing exists. Weights are story-level inverse
    document frequencies, so the story's topic (named around every quote) counts little.
    """
    parts = []
    for a, b in ((x, o), (o, x)):
        if a.frame:
            total = sum(idf.get(k, 1.0) for k in a.frame)
            shared = sum(idf.get(k, 1.0) for k in a.frame & (b.words | b.frame))
            parts.append(shared / total if total else 0.0)
    return 100.0 * sum(parts) / len(parts) if parts else 0.0


def wording_score(o: _Profile, x: _Profile, idf: Mapping[str, float]) -> float:
    """0-100: weighted Jaccard of the two clusters' wording stems (story-level idf)."""
    inter = sum(idf.get(k, 1.0) for k in o.words & x.words)
    union = sum(idf.get(k, 1.0) for k in o.words | x.words)
    return 100.0 * inter / union if union else 0.0


def _contradicts(o: _Profile, x: _Profile) -> bool:
    """Does a framing name its own remark's subject (words of its wording) that the other
    remark's wording and framing never mention? Generic framing contradicts nothing."""
    for a, b in ((x, o), (o, x)):
        topical = a.frame & a.words
        if topical and not topical & (b.words | b.frame):
            return True
    return False


DEBUG: list | None = None  # evaluation hook: every scored candidate pair is appended


@without_gc
def plan_drift(
    clusters: list[ClusterPlan],
    variants: Mapping[int, VariantInput],
    sources: Mapping[int, SourceInput],
    stories: Mapping[int, int],
    constraints: EditorConstraints = EditorConstraints(),
    scorer: Scorer | None = None,
    only_stories: Collection[int] | None = None,
) -> list[DriftCandidate]:
    """Pair each speaker's full-quote clusters within a story; see module docstring.

    Work is per (story, speaker) group, so it grows with the number of clusters, not its
    square. ``only_stories`` restricts the result to those story ids (the stories an
    incremental run touched): pass every cluster with a source in them (``clusters`` may hold
    more; the others are skipped) and the result equals the full run's drift for those
    stories, since no score looks outside its story.
    """
    scorer = scorer or LexicalScorer()
    cannot = constraints.different_utterance
    wanted = None if only_stories is None else set(only_stories)
    # story -> speaker -> cluster_id -> sources of that cluster inside the story
    by_story: dict[int, dict[int, dict[int, set[int]]]] = defaultdict(lambda: defaultdict(dict))
    by_id = {c.cluster_id: c for c in clusters}
    for c in clusters:
        if not any(variants[v].kind == "full" for v in c.variant_ids):
            continue
        for vid in c.variant_ids:
            for sid in variants[vid].source_ids:
                story = stories.get(sid, sid)
                if wanted is None or story in wanted:
                    by_story[story][c.speaker_id].setdefault(c.cluster_id, set()).add(sid)
    facts: dict[int, _Facts] = {}

    def fact(c: ClusterPlan) -> _Facts:
        f = facts.get(c.cluster_id)
        if f is None:
            f = facts[c.cluster_id] = _facts(c, variants, sources)
        return f

    # Pass 1: the pairs that the cheap, structural signals allow, in every story; the
    # scorer then sees all their wordings at once (a model encodes in batches), and pass 2
    # scores them one story at a time.
    pairs: dict[int, list[_Pair]] = {}
    for story in sorted(by_story):
        speakers = by_story[story]
        if any(len(cl) >= 2 for cl in speakers.values()):
            found = _story_pairs(speakers, by_id, fact, variants, cannot)
            if found:
                pairs[story] = found
    scorer.prepare(
        {variants[v].wording for ps in pairs.values() for p in ps for v in p.facts.full}
        | {variants[p.outlier.canonical_id].wording for ps in pairs.values() for p in ps}
    )
    out: list[DriftCandidate] = []
    # One story at a time: profiles and statistics are dropped when the story is done.
    for story, story_pairs in pairs.items():
        speakers = by_story.pop(story)
        # Story-level document frequency of stems over clusters (every speaker): the story's
        # own subject is named around every quote and tells two remarks apart poorly.
        profiles: dict[int, _Profile] = {}
        story_df: dict[str, int] = defaultdict(int)
        n_story = 0
        for cl in speakers.values():
            for cid, sids in cl.items():
                p = profiles.get(cid) or _profile(by_id[cid], variants, sids)
                profiles[cid] = p
                n_story += 1
                for k in p.words | p.frame:
                    story_df[k] += 1
        idf = {k: math.log((n_story + 1) / (df + 0.5)) for k, df in story_df.items()}
        out.extend(_story_drift(story, story_pairs, profiles, idf, by_id, variants, scorer))
    stem_weights.cache_clear()  # run-local cache
    return out


@dataclass(slots=True)
class _Pair:
    """Two clusters of one speaker that the structural signals allow as drift."""

    speaker: int
    speaker_clusters: int
    original: ClusterPlan
    outlier: ClusterPlan
    facts: _Facts  # of the original: its full-quote wordings and their lengths
    exclusivity: float
    comparison: Comparison


def _story_pairs(
    speakers: Mapping[int, dict[int, set[int]]],
    by_id: Mapping[int, ClusterPlan],
    fact: Callable[[ClusterPlan], _Facts],
    variants: Mapping[int, VariantInput],
    cannot: frozenset[frozenset[int]],
) -> list[_Pair]:
    """Pass 1 for one story: complementary, better-attested, earlier, not one utterance."""
    pairs: list[_Pair] = []
    for speaker in sorted(speakers):
        cl = speakers[speaker]
        if len(cl) < 2:
            continue
        per_source: dict[int, int] = defaultdict(int)
        for sids in cl.values():
            for sid in sids:
                per_source[sid] += 1
        cids = sorted(cl)
        for i, x in enumerate(cids):
            for y in cids[i + 1 :]:
                if cl[x] & cl[y]:
                    continue  # quoted together: two remarks, not one remark reworded
                cx, cy = by_id[x], by_id[y]
                if cannot and any(
                    frozenset((a, b)) in cannot for a in cx.variant_ids for b in cy.variant_ids
                ):
                    continue
                fx, fy = fact(cx), fact(cy)
                (orig, f_o), (outl, f_l) = sorted(((cx, fx), (cy, fy)), key=lambda t: t[1].order)
                if f_o.outlets <= f_l.outlets:
                    continue  # no wording is better attested: nothing to call the original
                fo, fl = f_o.first, f_l.first
                if fo is not None and fl is not None and fl < fo:
                    continue  # a reworded copy follows the coverage it is derived from
                so = cl[outl.cluster_id]
                excl = sum(per_source[s] == 1 for s in so) / len(so)
                if excl < MIN_EXCLUSIVITY:
                    continue
                cmp = compare(
                    variants[orig.canonical_id].wording, variants[outl.canonical_id].wording
                )
                if cmp.relation in _SAME_UTTERANCE:
                    continue
                pairs.append(_Pair(speaker, len(cl), orig, outl, f_o, excl, cmp))
    return pairs


def _story_drift(
    story: int,
    pairs: list[_Pair],
    profiles: Mapping[int, _Profile],
    idf: Mapping[str, float],
    by_id: Mapping[int, ClusterPlan],
    variants: Mapping[int, VariantInput],
    scorer: Scorer,
) -> list[DriftCandidate]:
    """Pass 2 for one story: score each pair, keep each outlier's best partner if good."""
    cal = scorer.calibration
    by_speaker: dict[int, dict[int, list[tuple[float, int, dict, object]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for pair in pairs:
        orig, outl, cmp = pair.original, pair.outlier, pair.comparison
        wl = variants[outl.canonical_id]
        same_point = max(
            (scorer.score(variants[v].wording, wl.wording) for v in pair.facts.full), default=0.0
        )
        n_l = len(stem_weights(wl.wording)[0])
        length_ratio = max(
            (min(n, n_l) / max(n, n_l, 1) for n in pair.facts.lengths),
            default=0.0,
        )
        po, px = profiles[orig.cluster_id], profiles[outl.cluster_id]
        frame = frame_score(po, px, idf)
        wscore = wording_score(po, px, idf)
        point = same_point + WORDS_WEIGHT * wscore + FRAME_WEIGHT * frame
        extra = {
            "same_point": same_point,
            "context": frame,
            "weighted_words": wscore,
            "exclusivity": pair.exclusivity,
            "speaker_clusters": float(pair.speaker_clusters),
            "length_ratio": length_ratio,
        }
        # Only two remarks of the speaker in the story, complementary, and no framing to
        # tell them apart: the CLSA "street fight" case (no shared words at all).
        extra["pair_only"] = float(
            pair.speaker_clusters == 2
            and same_point >= cal.pair_floor
            and (frame > 0 or not _contradicts(po, px))
        )
        by_speaker[pair.speaker][outl.cluster_id].append((point, orig.cluster_id, extra, cmp))
    out: list[DriftCandidate] = []
    for _, partners in sorted(by_speaker.items()):
        for outl_id, cands in sorted(partners.items()):
            cands.sort(key=lambda t: (-t[0], t[1]))
            point, orig_id, extra, cmp = cands[0]
            second = cands[1][0] if len(cands) > 1 else 0.0
            ok = point >= cal.strong or (
                extra["length_ratio"] >= MIN_LENGTH_RATIO
                and ((point >= cal.weak and point - second >= cal.margin) or extra["pair_only"] > 0)
            )
            if DEBUG is not None:
                DEBUG.append(
                    (
                        by_id[orig_id].canonical_id,
                        by_id[outl_id].canonical_id,
                        [(by_id[c[1]].canonical_id, c[2]) for c in cands],
                    )
                )
            if not ok:
                continue
            orig, outl = by_id[orig_id], by_id[outl_id]
            # The pair's similarity is how alike the two wordings are (compare's 0-100), and
            # its drift score how far the outlier moved from them: a wholesale rewording
            # presented as a direct quote ranks first. `same_remark` keeps the evidence that
            # they are one remark at all (unbounded: the sum the thresholds above apply to).
            similarity = min(100.0, max(0.0, cmp.similarity))
            out.append(
                DriftCandidate(
                    a=orig.canonical_id,
                    b=outl.canonical_id,
                    similarity=round(similarity, 2),
                    drift_score=round(100.0 - similarity, 2),
                    likely_original=orig.canonical_id,
                    outlier=outl.canonical_id,
                    story_id=story,
                    scores=Scores(
                        {**cmp.scores, **extra, "same_remark": point, "runner_up": second}
                    ),
                )
            )
    return out


@dataclass(slots=True)
class _Facts:
    """Per-cluster figures drift compares pairwise (computed once per cluster)."""

    outlets: int
    first: datetime | None
    order: tuple  # likely-original ordering key (see ``_order``)
    full: tuple[int, ...]  # full-quote variant ids
    lengths: tuple[int, ...]  # word counts of the full-quote wordings


def _facts(
    c: ClusterPlan, variants: Mapping[int, VariantInput], sources: Mapping[int, SourceInput]
) -> _Facts:
    outs: set[str] = set()
    dates = []
    for vid in c.variant_ids:
        outs |= outlet_keys(variants[vid], sources)
        d = earliest(variants[vid], sources)
        if d is not None:
            dates.append(d)
    first = min(dates) if dates else None
    order = (
        -len(outs),
        first is None,
        first if first is not None else datetime.min,
        -len(c.variant_ids),
        c.cluster_id,
    )
    full = tuple(v for v in c.variant_ids if variants[v].kind == "full")
    lengths = tuple(len(normalise(variants[v].wording).split()) for v in full)
    return _Facts(len(outs), first, order, full, lengths)
