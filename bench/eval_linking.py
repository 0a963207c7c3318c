"""Evaluate quote linking against the synthetic corpus' ground truth.

    python bench/eval_linking.py --articles N --seed S [--corpus DIR] [--pipeline]
        [--drift-scorer lexical|semantic]

Truth mode (always run) feeds the truth-level quotes (speaker as attributed + wording +
source + surrounding sentence) straight into ``plan_links``, isolating the linking layer.
``--pipeline`` also runs the product pipeline on the same corpus (ingest with extraction into
a fresh SQLite database, then ``link_pending``), maps stored occurrences back to the truth
and reports the same figures from the stored quotes and links, with extraction errors
reported separately (see ``pipeline_run``). Prints pairwise precision/recall of
same-utterance links, drift precision/recall and conflict precision/recall.

Same-utterance figures are also reported apart without scare-quote variants (rule: a variant
whose truth occurrences are mostly of mutation ``scare_quote``). The generator labels a scare
quote (a two-word phrase lifted into the reporter's own sentence, "calling it 'erodes
savers'") as an occurrence of the remark it comes from, while issue #4 says scare quotes are
nobody's speech and must sit in no cluster; such a phrase often also occurs in a second
wording of the speaker (another remark, a paraphrase), so nothing in the text can tell which
cluster it belongs to. The headline figures keep them; the second line shows their effect.
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
from dataclasses import dataclass, field
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rapidfuzz import fuzz

from provenance.linking import (
    LinkPlan,
    SourceInput,
    VariantInput,
    normalise,
    plan_links,
)
from provenance.linking.compare import DRIFT_SCORERS, scorer_named


@dataclass
class Labelled:
    """Variants plus, per variant, the truth labels evaluation needs.

    ``excluded`` variants carry an extraction error (no matching truth quote, or a speaker
    the extractor got wrong); they take part in linking but not in the linking figures.
    """

    variants: list[VariantInput]
    sources: list[SourceInput]
    group: dict[int, tuple]  # variant -> same-utterance truth group
    utterance: dict[int, int]  # variant -> true utterance id (origin of the words)
    drift: dict[int, int]  # drift variant -> utterance it distorts
    misattributed: dict[int, int]  # misattributed variant -> utterance it copies
    excluded: set[int] = field(default_factory=set)
    extraction: dict[str, float] = field(default_factory=dict)
    scare: set[int] = field(default_factory=set)  # scare-quote variants (reported apart)


@dataclass
class Linked:
    """What the linker decided, from a ``LinkPlan`` or from the database."""

    cluster_of: dict[int, int]  # variant -> cluster (quote)
    drift: list[tuple[int, int]]  # (likely original, outlier) variant pairs
    conflicts: list[tuple[int, int]]

    @classmethod
    def from_plan(cls, plan: LinkPlan) -> Linked:
        return cls(
            plan.cluster_of(),
            [(d.likely_original, d.outlier) for d in plan.drift],
            [(c.a, c.b) for c in plan.conflicts],
        )


def load_sources(corpus: str) -> tuple[list[SourceInput], dict[str, int]]:
    sources, ids = [], {}
    with open(os.path.join(corpus, "manifest.csv"), encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            pub = datetime.fromisoformat(row["published_at"]) if row["published_at"] else None
            sources.append(SourceInput(i, row["outlet"] or None, pub))
            ids[row["path"]] = i
    return sources, ids


def _truth_occurrences(corpus: str) -> list[dict]:
    with open(os.path.join(corpus, "truth.jsonl"), encoding="utf-8") as fh:
        return [r for line in fh if (r := json.loads(line))["type"] == "occurrence"]


def _label(lab: Labelled, vid: int, speaker: int, recs: list[dict]) -> None:
    """Truth labels of one variant from the truth occurrences it stands for."""
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
    if muts["scare_quote"] > len(recs) / 2:
        lab.scare.add(vid)


def truth_variants(corpus: str) -> Labelled:
    """Variants exactly as a perfect extractor would produce them, with truth labels.

    Each variant's ``context`` is the sentence around its first occurrence (the synth writes
    it as ``context``), which is what the pipeline stores as ``Occurrence.sentence``.
    """
    sources, sid_of = load_sources(corpus)
    occ: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for rec in _truth_occurrences(corpus):
        if rec.get("repeat"):
            continue  # a repeated passage is stored as a repeat, not as evidence
        key = (rec["speaker"], normalise(rec["wording"]))
        if key[1]:
            occ[key].append(rec)
    variants: list[VariantInput] = []
    lab = Labelled(variants, sources, {}, {}, {}, {})
    for vid, (key, recs) in enumerate(sorted(occ.items()), start=1):
        speaker, _ = key
        sids = tuple(sorted({sid_of[r["file"]] for r in recs}))
        kind = "full" if any(r["kind"] == "full" for r in recs) else "partial"
        first = min(recs, key=lambda r: sid_of[r["file"]])
        variants.append(
            VariantInput(vid, speaker, recs[0]["wording"], kind, sids, context=first.get("context"))
        )
        _label(lab, vid, speaker, recs)
    return lab


def _match(wording: str, truths: list[dict]) -> int | None:
    """Index of the truth occurrence (same file) a stored wording renders, if any."""
    n = normalise(wording)
    best, best_i = 0.0, None
    for i, t in enumerate(truths):
        tn = t["_n"]
        s = fuzz.ratio(n, tn)
        if len(n.split()) >= 4:
            s = max(
                s,
                fuzz.partial_ratio(n, tn)
                if len(n) <= len(tn)
                else fuzz.partial_ratio(tn, n) * min(1.0, len(tn) / len(n) + 0.2),
            )
        if s > best:
            best, best_i = s, i
    return best_i if best >= 85.0 else None


def pipeline_run(
    corpus: str, workdir: str, workers: int = 2, drift_scorer: str = "lexical"
) -> tuple[Labelled, Linked]:
    """Run the product pipeline (ingest + extract + ``link_pending``) and label its output.

    Stored occurrences are mapped back to truth occurrences by file and wording; each DB
    speaker is mapped to the truth speaker most of its occurrences belong to. A variant whose
    occurrences are unmatched or carry another truth speaker is an extraction error: it is
    linked like any other but left out of the linking figures (``Labelled.excluded``), and
    the extraction figures (truth quotes missed / misattributed) are reported on their own.
    """
    from sqlalchemy import select

    from provenance.ingest import ingest
    from provenance.linking.store import link_pending, load_variants
    from provenance.storage.db import open_database
    from provenance.storage.models import Link, Occurrence, Source, Variant

    db = open_database(f"sqlite:///{workdir}/eval.db")
    t0 = time.perf_counter()
    ingest(
        db,
        [os.path.join(corpus, "articles")],
        manifest=os.path.join(corpus, "manifest.csv"),
        workers=workers,
    )
    t1 = time.perf_counter()
    link_pending(db, drift_scorer)
    t2 = time.perf_counter()
    truth_by_file: dict[str, list[dict]] = defaultdict(list)
    for rec in _truth_occurrences(corpus):
        if not rec.get("repeat"):
            rec["_n"] = normalise(rec["wording"])
            truth_by_file[rec["file"]].append(rec)
    root = os.path.abspath(corpus)
    with db.session() as session:
        variants = load_variants(session)
        path_of = {
            sid: os.path.relpath(os.path.abspath(p), root)
            for sid, p in session.execute(select(Source.id, Source.path))
        }
        vrows = {
            vid: (q, sp)
            for vid, q, sp in session.execute(
                select(Variant.id, Variant.quote_id, Variant.speaker_id)
            )
        }
        occs = list(
            session.execute(
                select(Occurrence.source_id, Occurrence.variant_id, Occurrence.wording)
                .where(
                    Occurrence.variant_id.is_not(None),
                    Occurrence.repeat_of_id.is_(None),
                    Occurrence.status != "not_a_quote",
                )
                .order_by(Occurrence.id)
            )
        )
        links = list(
            session.execute(
                select(
                    Link.variant_a_id, Link.variant_b_id, Link.relation, Link.likely_original_id
                ).where(Link.relation.in_(("drift", "conflict")))
            )
        )
    db.dispose()

    matched: dict[int, list[dict | None]] = defaultdict(list)  # variant -> truth recs
    found: dict[int, set[int]] = defaultdict(set)  # id(truth rec) -> db speakers
    votes: dict[int, Counter] = defaultdict(Counter)
    for sid, vid, wording in occs:
        truths = truth_by_file.get(path_of[sid], [])
        i = _match(wording, truths)
        rec = truths[i] if i is not None else None
        matched[vid].append(rec)
        if rec is not None:
            speaker = vrows[vid][1]
            found[id(rec)].add(speaker)
            votes[speaker][rec["speaker"]] += 1
    truth_speaker = {sp: c.most_common(1)[0][0] for sp, c in votes.items()}

    lab = Labelled(sorted(variants.values(), key=lambda v: v.variant_id), [], {}, {}, {}, {})
    for v in lab.variants:
        recs = matched.get(v.variant_id, [])
        ok = [r for r in recs if r is not None and truth_speaker.get(v.speaker_id) == r["speaker"]]
        if not recs or len(ok) < len(recs):
            lab.excluded.add(v.variant_id)
            lab.group[v.variant_id] = ("excluded", v.variant_id)
            lab.utterance[v.variant_id] = -v.variant_id
            continue
        _label(lab, v.variant_id, v.speaker_id, ok)

    n_truth = n_found = n_wrong = 0
    for recs in truth_by_file.values():
        for rec in recs:
            n_truth += 1
            sps = found.get(id(rec), set())
            if sps:
                n_found += 1
                n_wrong += all(truth_speaker.get(sp) != rec["speaker"] for sp in sps)
    lab.extraction = {
        "truth_quotes": float(n_truth),
        "missed": float(n_truth - n_found),
        "wrong_speaker": float(n_wrong),
        "variants_excluded": float(len(lab.excluded)),
        "variants_stored": float(len(variants)),
        "ingest_s": t1 - t0,
        "link_s": t2 - t1,
    }
    quote_of = {vid: q for vid, (q, _) in vrows.items()}
    drift, conflicts, skipped = [], [], 0
    for a, b, rel, orig in links:
        if a in lab.excluded or b in lab.excluded or a not in variants or b not in variants:
            skipped += 1
            continue
        if rel == "conflict":
            conflicts.append((a, b))
        elif quote_of[a] != quote_of[b]:
            drift.append((orig, b if orig == a else a) if orig in (a, b) else (a, b))
    lab.extraction["links_on_excluded"] = float(skipped)
    return lab, Linked({v: quote_of[v] for v in variants}, drift, conflicts)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _same_utterance(
    vs: list[VariantInput], lab: Labelled, cluster_of: dict[int, int]
) -> tuple[int, int, int]:
    """(true positive, predicted, true) same-utterance pairs among ``vs``."""
    cells: Counter = Counter()
    csize: Counter = Counter()
    gsize: Counter = Counter()
    for v in vs:
        c, g = cluster_of[v.variant_id], lab.group[v.variant_id]
        cells[(c, g)] += 1
        csize[c] += 1
        gsize[g] += 1
    tp = sum(_pairs(n) for n in cells.values())
    pred = sum(_pairs(n) for n in csize.values())
    true = sum(_pairs(n) for n in gsize.values())
    return tp, pred, true


def evaluate(lab: Labelled, linked: Linked | LinkPlan) -> dict[str, float]:
    if isinstance(linked, LinkPlan):
        linked = Linked.from_plan(linked)
    cluster_of = linked.cluster_of
    kept = [v for v in lab.variants if v.variant_id not in lab.excluded]
    tp, pred, true = _same_utterance(kept, lab, cluster_of)
    m = {
        "variants": float(len(kept)),
        "clusters": float(len(set(cluster_of.values()))),
        "pairs_true": float(true),
        "pairs_pred": float(pred),
        "same_precision": tp / pred if pred else 1.0,
        "same_recall": tp / true if true else 1.0,
    }
    # reported apart: the same figures without scare-quote variants (module docstring)
    tp, pred, true = _same_utterance(
        [v for v in kept if v.variant_id not in lab.scare], lab, cluster_of
    )
    m["scare_variants"] = float(sum(1 for v in kept if v.variant_id in lab.scare))
    m["same_precision_noscare"] = tp / pred if pred else 1.0
    m["same_recall_noscare"] = tp / true if true else 1.0

    members: dict[int, list[int]] = defaultdict(list)
    for v in kept:
        members[cluster_of[v.variant_id]].append(v.variant_id)
    label: dict[int, tuple] = {}
    for c, vs in members.items():
        label[c] = Counter(lab.group[v] for v in vs).most_common(1)[0][0]
    drift_group = {("drift", d): u for d, u in lab.drift.items()}
    speaker_of = {v.variant_id: v.speaker_id for v in lab.variants}
    groups = set(label.values())
    # A drift is detectable when its original is quoted (under the same speaker) somewhere.
    detectable = {d for d, u in lab.drift.items() if (speaker_of[d], u) in groups}

    def is_orig_of(c: int, d: int) -> bool:
        return label.get(c) == (speaker_of[d], lab.drift[d])

    good = direction = 0
    found: set[int] = set()
    for orig, outlier in linked.drift:
        co, cx = cluster_of[orig], cluster_of[outlier]
        ok = False
        for drifted, other in ((cx, co), (co, cx)):
            g = label.get(drifted)
            if g in drift_group and is_orig_of(other, g[1]):
                ok = True
                found.add(g[1])
                direction += drifted == cx
        good += ok
    m["drift_true"] = float(len(detectable))
    m["drift_undetectable"] = float(len(lab.drift) - len(detectable))
    m["drift_pred"] = float(len(linked.drift))
    m["drift_precision"] = good / len(linked.drift) if linked.drift else 1.0
    m["drift_recall"] = len(found & detectable) / len(detectable) if detectable else 1.0
    m["drift_direction"] = direction / good if good else 1.0

    # A misattribution is only a detectable conflict when the words also occur under someone
    # else (normally the real speaker); a copy whose original never appears is not counted.
    by_utt: dict[int, set[int]] = defaultdict(set)
    for v in kept:
        by_utt[lab.utterance[v.variant_id]].add(v.speaker_id)
    detect_conf = {v: u for v, u in lab.misattributed.items() if by_utt[u] - {speaker_of[v]}}
    ok_conf = 0
    hit: set[int] = set()
    for a, b in linked.conflicts:
        if lab.utterance[a] == lab.utterance[b]:
            ok_conf += 1
            for v in (a, b):
                if v in detect_conf:
                    hit.add(v)
    m["conflict_true"] = float(len(detect_conf))
    m["conflict_undetectable"] = float(len(lab.misattributed) - len(detect_conf))
    m["conflict_pred"] = float(len(linked.conflicts))
    m["conflict_precision"] = ok_conf / len(linked.conflicts) if linked.conflicts else 1.0
    m["conflict_recall"] = len(hit) / len(detect_conf) if detect_conf else 1.0
    return m


def run(
    articles: int,
    seed: int,
    corpus: str | None = None,
    pipeline: bool = False,
    drift_scorer: str = "lexical",
) -> dict[str, float]:
    """Figures of one mode: truth-level input to ``plan_links``, or the product pipeline."""
    from bench.synth import Generator

    tmp = tempfile.TemporaryDirectory(prefix="synth-")
    if corpus is None:
        corpus = os.path.join(tmp.name, "corpus")
    t0 = time.perf_counter()
    if not os.path.exists(os.path.join(corpus, "truth.jsonl")):
        Generator(articles, seed).write(corpus)
    t1 = time.perf_counter()
    if pipeline:
        lab, linked = pipeline_run(corpus, tmp.name, drift_scorer=drift_scorer)
        t2 = t3 = time.perf_counter()
    else:
        lab = truth_variants(corpus)
        t2 = time.perf_counter()
        scorer = scorer_named(drift_scorer)
        linked = Linked.from_plan(plan_links(lab.variants, lab.sources, scorer=scorer))
        t3 = time.perf_counter()
    m = evaluate(lab, linked)
    m.update({"synth_s": t1 - t0, "load_s": t2 - t1, "plan_s": t3 - t2})
    m.update({f"x_{k}": v for k, v in lab.extraction.items()})
    with open(os.path.join(corpus, "truth.jsonl"), encoding="utf-8") as fh:
        meta = json.loads(fh.readline())
    m.update(
        {
            "articles": float(meta["articles"]),
            "seed": float(meta["seed"]),
            "pipeline": float(pipeline),
            "semantic": float(drift_scorer == "semantic"),
        }
    )
    tmp.cleanup()
    return m


def report(m: dict[str, float]) -> str:
    mode = "pipeline" if m["pipeline"] else "truth"
    lines = [
        f"[{mode}] articles={int(m['articles'])} seed={int(m['seed'])} "
        f"drift_scorer={'semantic' if m['semantic'] else 'lexical'} "
        f"variants={int(m['variants'])} clusters={int(m['clusters'])}",
        f"same-utterance  precision={m['same_precision']:.4f} recall={m['same_recall']:.4f} "
        f"(true pairs {int(m['pairs_true'])}, predicted {int(m['pairs_pred'])})",
        f"  without the {int(m['scare_variants'])} scare-quote variants: "
        f"precision={m['same_precision_noscare']:.4f} recall={m['same_recall_noscare']:.4f}",
        f"drift           precision={m['drift_precision']:.4f} recall={m['drift_recall']:.4f} "
        f"direction={m['drift_direction']:.4f} (true {int(m['drift_true'])}, "
        f"predicted {int(m['drift_pred'])}; {int(m['drift_undetectable'])} whose original "
        f"is never quoted under that speaker not counted)",
        f"conflict        precision={m['conflict_precision']:.4f} "
        f"recall={m['conflict_recall']:.4f} (true {int(m['conflict_true'])}, "
        f"predicted {int(m['conflict_pred'])}; {int(m['conflict_undetectable'])} "
        f"misattributions whose words never appear under anyone else not counted)",
    ]
    if m["pipeline"]:
        lines.append(
            f"extraction      truth quotes {int(m['x_truth_quotes'])}: missed "
            f"{int(m['x_missed'])}, wrong speaker {int(m['x_wrong_speaker'])}; stored variants "
            f"{int(m['x_variants_stored'])}, {int(m['x_variants_excluded'])} excluded from the "
            f"linking figures (no truth match / wrong speaker); drift/conflict links touching "
            f"them: {int(m['x_links_on_excluded'])}"
        )
        lines.append(
            f"time: synth {m['synth_s']:.2f}s ingest+extract {m['x_ingest_s']:.2f}s "
            f"link_pending {m['x_link_s']:.2f}s"
        )
    else:
        lines.append(
            f"time: synth {m['synth_s']:.2f}s load {m['load_s']:.2f}s plan_links {m['plan_s']:.2f}s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", help="existing synth output dir (generated if missing)")
    ap.add_argument(
        "--pipeline",
        action="store_true",
        help="also run real ingest + extraction + link_pending and report both modes",
    )
    ap.add_argument(
        "--drift-scorer",
        choices=DRIFT_SCORERS,
        default="lexical",
        help="same-point scorer for drift (semantic needs the 'semantic' extra)",
    )
    args = ap.parse_args(argv)
    if args.drift_scorer != "lexical":
        from provenance.errors import ProvenanceError

        try:
            scorer_named(args.drift_scorer)  # a missing extra: one line, before any work
        except ProvenanceError as error:
            raise SystemExit(f"error: {error.line()}") from None
    corpus, tmp = args.corpus, None
    if args.pipeline and corpus is None:  # both modes on one corpus
        tmp = tempfile.TemporaryDirectory(prefix="synth-")
        corpus = tmp.name
    print(report(run(args.articles, args.seed, corpus, drift_scorer=args.drift_scorer)))
    if args.pipeline:
        print(report(run(args.articles, args.seed, corpus, True, args.drift_scorer)))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
