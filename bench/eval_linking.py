"""Evaluate quote linking against the synthetic corpus' ground truth.

    python bench/eval_linking.py --articles N --seed S [--corpus DIR] [--pipeline]

Default mode feeds the truth-level quotes (speaker as attributed + wording + source) straight
into ``plan_links``, isolating the linking layer. ``--pipeline`` runs real ingest + extract and
is wired in ``pipeline_variants`` (see there). Prints pairwise precision/recall of
same-utterance links, drift precision/recall and conflict precision/recall.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from provenance.linking import (
    LinkPlan,
    SourceInput,
    VariantInput,
    normalise,
    plan_links,
)


@dataclass
class Labelled:
    """Variants plus, per variant, the truth labels evaluation needs."""

    variants: list[VariantInput]
    sources: list[SourceInput]
    group: dict[int, tuple]  # variant -> same-utterance truth group
    utterance: dict[int, int]  # variant -> true utterance id (origin of the words)
    drift: dict[int, int]  # drift variant -> utterance it distorts
    misattributed: dict[int, int]  # misattributed variant -> utterance it copies


def load_sources(corpus: str) -> tuple[list[SourceInput], dict[str, int]]:
    sources, ids = [], {}
    with open(os.path.join(corpus, "manifest.csv"), encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            pub = datetime.fromisoformat(row["published_at"]) if row["published_at"] else None
            sources.append(SourceInput(i, row["outlet"] or None, pub))
            ids[row["path"]] = i
    return sources, ids


def truth_variants(corpus: str) -> Labelled:
    """Variants exactly as a perfect extractor would produce them, with truth labels."""
    sources, sid_of = load_sources(corpus)
    occ: dict[tuple[int, str], list[dict]] = defaultdict(list)
    with open(os.path.join(corpus, "truth.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["type"] != "occurrence":
                continue
            key = (rec["speaker"], normalise(rec["wording"]))
            if key[1]:
                occ[key].append(rec)
    variants: list[VariantInput] = []
    lab = Labelled(variants, sources, {}, {}, {}, {})
    for vid, (key, recs) in enumerate(sorted(occ.items()), start=1):
        speaker, _ = key
        sids = tuple(sorted({sid_of[r["file"]] for r in recs}))
        kind = "full" if any(r["kind"] == "full" for r in recs) else "partial"
        variants.append(VariantInput(vid, speaker, recs[0]["wording"], kind, sids))
        utt = Counter(r["utterance"] for r in recs).most_common(1)[0][0]
        muts = Counter(r["mutation"] for r in recs)
        lab.utterance[vid] = utt
        if muts["drift"] > len(recs) / 2:
            lab.drift[vid] = utt
            lab.group[vid] = ("drift", vid)
        else:
            lab.group[vid] = (speaker, utt)
        if muts["misattribution"] > len(recs) / 2:
            lab.misattributed[vid] = utt
    return lab


def pipeline_variants(corpus: str) -> Labelled:
    """Run the real ingest + extract pipeline over ``corpus`` and label its variants.

    To wire: ingest ``manifest.csv`` articles, run the extractor, turn each distinct
    (speaker, normalised wording) into a ``VariantInput`` and label it by matching its
    occurrences (file + wording) to ``truth.jsonl`` occurrences, then fill ``Labelled`` the way
    ``truth_variants`` does. Extraction errors (missed quotes, wrong speakers) then show up
    in the figures.
    """
    raise SystemExit(
        "--pipeline is not wired yet: implement bench/eval_linking.py:pipeline_variants() "
        "with the ingest/extract API (no figures are reported in this mode until then)."
    )


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(lab: Labelled, plan: LinkPlan) -> dict[str, float]:
    cluster_of = plan.cluster_of()
    cells: Counter = Counter()
    csize: Counter = Counter()
    gsize: Counter = Counter()
    for v in lab.variants:
        c, g = cluster_of[v.variant_id], lab.group[v.variant_id]
        cells[(c, g)] += 1
        csize[c] += 1
        gsize[g] += 1
    tp = sum(_pairs(n) for n in cells.values())
    pred = sum(_pairs(n) for n in csize.values())
    true = sum(_pairs(n) for n in gsize.values())
    m = {
        "variants": float(len(lab.variants)),
        "clusters": float(len(plan.clusters)),
        "pairs_true": float(true),
        "pairs_pred": float(pred),
        "same_precision": tp / pred if pred else 1.0,
        "same_recall": tp / true if true else 1.0,
    }

    members: dict[int, list[int]] = defaultdict(list)
    for v, c in cluster_of.items():
        members[c].append(v)
    label: dict[int, tuple] = {}
    for c, vs in members.items():
        label[c] = Counter(lab.group[v] for v in vs).most_common(1)[0][0]
    drift_group = {("drift", d): u for d, u in lab.drift.items()}
    speaker_of = {v.variant_id: v.speaker_id for v in lab.variants}

    def is_orig_of(c: int, d: int) -> bool:
        return label[c] == (speaker_of[d], lab.drift[d])

    good = direction = 0
    found: set[int] = set()
    for cand in plan.drift:
        co, cx = cluster_of[cand.likely_original], cluster_of[cand.outlier]
        ok = False
        for drifted, other in ((cx, co), (co, cx)):
            g = label[drifted]
            if g in drift_group and is_orig_of(other, g[1]):
                ok = True
                found.add(g[1])
                direction += drifted == cx
        good += ok
    m["drift_true"] = float(len(lab.drift))
    m["drift_pred"] = float(len(plan.drift))
    m["drift_precision"] = good / len(plan.drift) if plan.drift else 1.0
    m["drift_recall"] = len(found) / len(lab.drift) if lab.drift else 1.0
    m["drift_direction"] = direction / good if good else 1.0

    # A misattribution is only a detectable conflict when the words also occur under someone
    # else (normally the real speaker); a copy whose original never appears is not counted.
    by_utt: dict[int, set[int]] = defaultdict(set)
    for v in lab.variants:
        by_utt[lab.utterance[v.variant_id]].add(v.speaker_id)
    detectable = {v: u for v, u in lab.misattributed.items()
                  if by_utt[u] - {speaker_of[v]}}
    ok_conf = 0
    hit: set[int] = set()
    for cf in plan.conflicts:
        ua, ub = lab.utterance[cf.a], lab.utterance[cf.b]
        if ua == ub:
            ok_conf += 1
            for v in (cf.a, cf.b):
                if v in detectable:
                    hit.add(v)
    m["conflict_true"] = float(len(detectable))
    m["conflict_undetectable"] = float(len(lab.misattributed) - len(detectable))
    m["conflict_pred"] = float(len(plan.conflicts))
    m["conflict_precision"] = ok_conf / len(plan.conflicts) if plan.conflicts else 1.0
    m["conflict_recall"] = len(hit) / len(detectable) if detectable else 1.0
    return m


def run(articles: int, seed: int, corpus: str | None = None, pipeline: bool = False
        ) -> dict[str, float]:
    from bench.synth import Generator

    tmp = None
    if corpus is None:
        tmp = tempfile.TemporaryDirectory(prefix="synth-")
        corpus = tmp.name
    t0 = time.perf_counter()
    if not os.path.exists(os.path.join(corpus, "truth.jsonl")):
        Generator(articles, seed).write(corpus)
    t1 = time.perf_counter()
    lab = pipeline_variants(corpus) if pipeline else truth_variants(corpus)
    t2 = time.perf_counter()
    plan = plan_links(lab.variants, lab.sources)
    t3 = time.perf_counter()
    m = evaluate(lab, plan)
    m.update({"synth_s": t1 - t0, "load_s": t2 - t1, "plan_s": t3 - t2})
    with open(os.path.join(corpus, "truth.jsonl"), encoding="utf-8") as fh:
        meta = json.loads(fh.readline())
    m.update({"articles": float(meta["articles"]), "seed": float(meta["seed"])})
    if tmp is not None:
        tmp.cleanup()
    return m


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", help="existing synth output dir (generated if missing)")
    ap.add_argument("--pipeline", action="store_true", help="run real ingest + extraction")
    args = ap.parse_args(argv)
    m = run(args.articles, args.seed, args.corpus, args.pipeline)
    print(f"articles={int(m['articles'])} seed={int(m['seed'])} variants={int(m['variants'])} "
          f"clusters={int(m['clusters'])}")
    print(f"same-utterance  precision={m['same_precision']:.4f} recall={m['same_recall']:.4f} "
          f"(true pairs {int(m['pairs_true'])}, predicted {int(m['pairs_pred'])})")
    print(f"drift           precision={m['drift_precision']:.4f} recall={m['drift_recall']:.4f} "
          f"direction={m['drift_direction']:.4f} (true {int(m['drift_true'])}, "
          f"predicted {int(m['drift_pred'])})")
    print(f"conflict        precision={m['conflict_precision']:.4f} "
          f"recall={m['conflict_recall']:.4f} (true {int(m['conflict_true'])}, "
          f"predicted {int(m['conflict_pred'])}; {int(m['conflict_undetectable'])} "
          f"misattributions whose words never appear under anyone else not counted)")
    print(f"time: synth {m['synth_s']:.2f}s load {m['load_s']:.2f}s plan_links {m['plan_s']:.2f}s")


if __name__ == "__main__":
    main()
