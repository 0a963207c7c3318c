"""Drift candidates: one speaker's clusters in one story that look like one remark reworded.

Signals: the clusters never share a source (complementary distribution: each article quotes
the speaker once, differently; two different remarks in the same article are not drift), the
outlier's sources quote the speaker with that wording only, and the wordings/contexts make the
same point (lexical by default, pluggable ``Scorer``). Each outlier is paired with its best
partner only, and only if the score is high, or clearly beats the runner-up, or the speaker
has just those two remarks in the story (the CLSA "street fight" case, no lexical overlap).
The likely original is the wording more independent outlets agree on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from .clusters import earliest, outlet_keys
from .compare import Comparison, LexicalScorer, Scorer, compare
from .model import ClusterPlan, DriftCandidate, EditorConstraints, SourceInput, VariantInput

MIN_EXCLUSIVITY = 1.0  # share of involved sources quoting the speaker with one remark only
MIN_SAME_POINT = 22.0  # same-point score that alone makes a pair drift
MIN_WEAK_POINT = 10.0  # a weaker score suffices when it clearly beats the runner-up
MIN_MARGIN = 4.0
_SAME_UTTERANCE = {"identical", "minor_edit", "truncation", "extension"}


def plan_drift(
    clusters: list[ClusterPlan],
    variants: Mapping[int, VariantInput],
    sources: Mapping[int, SourceInput],
    stories: Mapping[int, int],
    constraints: EditorConstraints = EditorConstraints(),
    scorer: Scorer | None = None,
) -> list[DriftCandidate]:
    """Pair each speaker's full-quote clusters within a story; see module docstring."""
    scorer = scorer or LexicalScorer()
    cannot = constraints.different_utterance
    # (story, speaker) -> cluster_id -> sources of that cluster inside the story
    groups: dict[tuple[int, int], dict[int, set[int]]] = defaultdict(dict)
    by_id = {c.cluster_id: c for c in clusters}
    for c in clusters:
        if not any(variants[v].kind == "full" for v in c.variant_ids):
            continue
        for vid in c.variant_ids:
            for sid in variants[vid].source_ids:
                story = stories.get(sid, sid)
                groups[(story, c.speaker_id)].setdefault(c.cluster_id, set()).add(sid)

    out: list[DriftCandidate] = []
    for (story, _speaker), cl in sorted(groups.items()):
        if len(cl) < 2:
            continue
        per_source: dict[int, int] = defaultdict(int)
        for sids in cl.values():
            for sid in sids:
                per_source[sid] += 1
        cids = sorted(cl)
        partners: dict[int, list[tuple[float, int, dict, Comparison]]] = defaultdict(list)
        for i, x in enumerate(cids):
            for y in cids[i + 1:]:
                if cl[x] & cl[y]:
                    continue  # quoted together: two remarks, not one remark reworded
                cx, cy = by_id[x], by_id[y]
                if any(frozenset((a, b)) in cannot for a in cx.variant_ids
                       for b in cy.variant_ids):
                    continue
                orig, outl = _order(cx, cy, variants, sources)
                if _outlets(orig, variants, sources) <= _outlets(outl, variants, sources):
                    continue  # no wording is better attested: nothing to call the original
                fo, fl = _first(orig, variants, sources), _first(outl, variants, sources)
                if fo is not None and fl is not None and fl < fo:
                    continue  # a reworded copy follows the coverage it is derived from
                so = cl[outl.cluster_id]
                excl = sum(per_source[s] == 1 for s in so) / len(so)
                if excl < MIN_EXCLUSIVITY:
                    continue
                wo, wl = variants[orig.canonical_id], variants[outl.canonical_id]
                cmp = compare(wo.wording, wl.wording)
                if cmp.relation in _SAME_UTTERANCE:
                    continue
                same_point = scorer.score(wo.wording, wl.wording)
                ctx = 0.0
                if wo.context and wl.context:
                    ctx = scorer.score(wo.context, wl.context)
                point = max(same_point, 0.5 * (same_point + ctx))
                extra = {"same_point": same_point, "context": ctx, "exclusivity": excl,
                         "speaker_clusters": float(len(cl))}
                partners[outl.cluster_id].append((point, orig.cluster_id, extra, cmp))
        for outl_id, cands in sorted(partners.items()):
            cands.sort(key=lambda t: (-t[0], t[1]))
            point, orig_id, extra, cmp = cands[0]
            second = cands[1][0] if len(cands) > 1 else 0.0
            ok = (
                point >= MIN_SAME_POINT
                or (point >= MIN_WEAK_POINT and point - second >= MIN_MARGIN)
                or len(cl) == 2
            )
            if not ok:
                continue
            orig, outl = by_id[orig_id], by_id[outl_id]
            out.append(DriftCandidate(
                a=orig.canonical_id,
                b=outl.canonical_id,
                similarity=round(point, 2),
                drift_score=round(100.0 - point, 2),
                likely_original=orig.canonical_id,
                outlier=outl.canonical_id,
                story_id=story,
                scores={**cmp.scores, **extra, "runner_up": second},
            ))
    return out


def _outlets(c: ClusterPlan, variants: Mapping[int, VariantInput],
             sources: Mapping[int, SourceInput]) -> int:
    outs: set[str] = set()
    for vid in c.variant_ids:
        outs |= outlet_keys(variants[vid], sources)
    return len(outs)


def _first(c: ClusterPlan, variants: Mapping[int, VariantInput],
           sources: Mapping[int, SourceInput]) -> datetime | None:
    dates = [d for vid in c.variant_ids if (d := earliest(variants[vid], sources)) is not None]
    return min(dates) if dates else None


def _order(
    x: ClusterPlan, y: ClusterPlan, variants: Mapping[int, VariantInput],
    sources: Mapping[int, SourceInput],
) -> tuple[ClusterPlan, ClusterPlan]:
    """Likely original = more independent outlets, then earlier, more variants, lower id."""

    def key(c: ClusterPlan) -> tuple:
        outs: set[str] = set()
        dates = []
        for vid in c.variant_ids:
            outs |= outlet_keys(variants[vid], sources)
            d = earliest(variants[vid], sources)
            if d is not None:
                dates.append(d)
        first = min(dates) if dates else None
        return (-len(outs), first is None, first if first is not None else datetime.min,
                -len(c.variant_ids), c.cluster_id)

    a, b = sorted((x, y), key=key)
    return a, b
