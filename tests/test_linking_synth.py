"""Synthetic corpus: determinism, incremental == rebuild on it, and evaluation thresholds."""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.eval_linking import evaluate, truth_variants
from bench.synth import Generator
from provenance.linking import (
    candidate_keys,
    compare,
    link_new,
    normalise,
    plan_drift,
    plan_links,
)
from provenance.linking.clusters import _contained_strength, edge_strength
from provenance.linking.compare import could_link, features
from provenance.linking.engine import _could_conflict, is_conflict


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth200")
    Generator(200, 7).write(str(out))
    return out


def test_synth_is_deterministic_and_well_formed(corpus: Path, tmp_path: Path) -> None:
    Generator(200, 7).write(str(tmp_path))
    assert _digest(tmp_path) == _digest(corpus)
    with open(corpus / "manifest.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 200
    assert list(rows[0]) == ["path", "outlet", "title", "author", "url", "published_at"]
    sizes = [os.path.getsize(corpus / r["path"]) for r in rows]
    assert min(sizes) >= 1500 and max(sizes) <= 6000
    truth = (corpus / "truth.jsonl").read_text(encoding="utf-8")
    for kind in ("drift", "misattribution", "truncation", "translation", "scare_quote"):
        assert kind in truth


def test_synth_thresholds_n200(corpus: Path) -> None:
    lab = truth_variants(str(corpus))
    m = evaluate(lab, plan_links(lab.variants, lab.sources))
    # Project targets (set for N=2000) for same-utterance and conflicts. Drift (target recall
    # 0.90 at precision 0.80) measures 0.94/0.85 and 0.93/0.78 (R/P) on N=2000 seeds 0/1, so
    # only a regression floor is asserted for it on this small corpus.
    assert m["same_precision"] >= 0.98
    assert m["same_recall"] >= 0.95
    assert m["conflict_recall"] >= 0.95
    assert m["drift_recall"] >= 0.80
    assert m["drift_precision"] >= 0.60


def _lookup(stored: list) -> Callable[[list[str]], list]:
    by_key: dict[str, list] = {}
    for v in stored:
        for k in candidate_keys(normalise(v.wording)):
            by_key.setdefault(k, []).append(v)

    def lookup(keys: list[str]) -> list:
        found = {}
        for k in keys:
            for v in by_key.get(k, ()):
                found[v.variant_id] = v
        return list(found.values())

    return lookup


def test_incremental_equals_rebuild_on_synth(corpus: Path) -> None:
    lab = truth_variants(str(corpus))
    full = plan_links(lab.variants, lab.sources)
    want = {c.variant_ids for c in full.clusters}
    stored = [v for v in lab.variants if v.variant_id % 3]
    new = [v for v in lab.variants if not v.variant_id % 3]
    inc = link_new(new, _lookup(stored), lab.sources)
    got = {c.variant_ids for c in inc.clusters}
    assert got <= want
    covered = {v for c in got for v in c}
    assert {v.variant_id for v in new} <= covered
    # clusters outside the affected component are untouched, so stored ones + got == want
    untouched = {c for c in want if not set(c) & covered}
    assert untouched | got == want
    # conflicts involving a new variant are the rebuild's
    new_ids = {v.variant_id for v in new}
    assert {(c.a, c.b) for c in inc.conflicts} == {
        (c.a, c.b) for c in full.conflicts if {c.a, c.b} & new_ids
    }


def test_link_new_from_empty_store_equals_rebuild(corpus: Path) -> None:
    """The first link of a fresh database (everything new) is a rebuild."""
    lab = truth_variants(str(corpus))
    full = plan_links(lab.variants, lab.sources)
    inc = link_new(lab.variants, lambda keys: [], lab.sources)
    assert {c.variant_ids for c in inc.clusters} == {c.variant_ids for c in full.clusters}
    assert {(c.a, c.b) for c in inc.conflicts} == {(c.a, c.b) for c in full.conflicts}
    assert {(d.a, d.b) for d in inc.drift} == {(d.a, d.b) for d in full.drift}
    assert {(x.a, x.b, x.relation) for x in inc.links} == {
        (x.a, x.b, x.relation) for x in full.links
    }


def test_drift_for_some_stories_equals_full_run(corpus: Path) -> None:
    lab = truth_variants(str(corpus))
    plan = plan_links(lab.variants, lab.sources)
    by_id = {v.variant_id: v for v in lab.variants}
    sources = {s.source_id: s for s in lab.sources}
    stories = sorted({plan.stories[d.story_id] for d in plan.drift})[::2]
    part = plan_drift(list(plan.clusters), by_id, sources, plan.stories, only_stories=stories)
    assert part
    assert {(d.a, d.b) for d in part} == {(d.a, d.b) for d in plan.drift if d.story_id in stories}


def test_prefilters_never_drop_evidence(corpus: Path) -> None:
    """``could_link``/``_could_conflict`` only skip pairs ``compare`` finds no evidence in."""
    lab = truth_variants(str(corpus))
    vs = sorted(lab.variants, key=lambda v: v.variant_id)
    by_speaker: dict[int, list] = {}
    for v in vs:
        by_speaker.setdefault(v.speaker_id, []).append(v)
    pairs = [(a, b) for g in by_speaker.values() for i, a in enumerate(g) for b in g[i + 1 :]]
    pairs += list(zip(vs, vs[1:] + vs[:1], strict=True))  # mostly across speakers
    strong = 0
    for a, b in pairs:
        fa, fb = features(a.wording), features(b.wording)
        cmp = compare(a.wording, b.wording)
        evidence = (
            edge_strength(cmp)
            or _contained_strength(a.variant_id, b.variant_id, cmp)
            or _contained_strength(b.variant_id, a.variant_id, cmp)
        )
        if evidence:
            strong += 1
            assert could_link(fa, fb), (a.wording, b.wording)
        if is_conflict(cmp) and cmp.relation != "identical":
            assert _could_conflict(fa, fb), (a.wording, b.wording)
    assert strong > 100


def test_drift_scores_measure_how_far_the_wording_moved(corpus: Path) -> None:
    """A drift pair's similarity is its two wordings' `compare` similarity (0-100) and its
    drift score the rest, so the most reworded "direct quotes" rank first; the evidence
    that the two are one remark at all is kept apart (`same_remark`, unbounded)."""
    lab = truth_variants(str(corpus))
    wording = {v.variant_id: v.wording for v in lab.variants}
    drift = plan_links(lab.variants, lab.sources).drift
    assert len(drift) >= 5
    for d in drift:
        assert 0.0 <= d.similarity <= 100.0
        assert d.drift_score == pytest.approx(100.0 - d.similarity, abs=0.01)
        expected = compare(wording[d.likely_original], wording[d.outlier]).similarity
        assert d.similarity == pytest.approx(expected, abs=0.01)
        assert d.scores["same_remark"] >= d.scores["same_point"]
    assert any(d.scores["same_remark"] > 100.0 for d in drift)  # evidence is not a score


def test_conflict_sweep_computes_each_wording_once_and_never_changes_the_result(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conflict sweep's feature cache drops a wording once no later probe can meet it
    (`_SweepFeatures`): each wording's features are computed once, and what is found is
    the same whether entries are dropped at once (cap 1) or never."""
    from provenance.linking import engine

    lab = truth_variants(str(corpus))
    facts = engine._prepare(
        sorted(lab.variants, key=lambda v: v.variant_id), {s.source_id: s for s in lab.sources}
    )

    def conflicts() -> list:
        return engine._conflicts(
            facts.values(), facts, engine.DEFAULT_LIMIT, engine.DEFAULT_GLOBAL_CAP, everyone=True
        )

    expected = list(plan_links(lab.variants, lab.sources).conflicts)
    computed: list[str] = []
    real = engine.normalised_features

    def counted(norm: str) -> tuple:
        computed.append(norm)
        return real(norm)

    monkeypatch.setattr(engine, "normalised_features", counted)
    found = conflicts()
    assert len(found) >= 5
    assert found == expected
    assert computed and len(computed) == len(set(computed))  # nothing computed twice

    kept: list[int] = []

    class Tiny(engine._SweepFeatures):
        def __init__(self) -> None:
            super().__init__(cap=1)

    class Forever(engine._SweepFeatures):
        def advance(self, lo: float) -> None:  # never drops anything
            kept.append(len(self.found))

    for cache in (Tiny, Forever):
        monkeypatch.setattr(engine, "_SweepFeatures", cache)
        assert conflicts() == found
    # Never dropping, the cache ends up holding every wording; the sweep holds a few weeks'.
    assert max(kept) == len(set(computed)) > 100


def test_conflict_sweep_drops_wordings_no_later_probe_meets() -> None:
    from provenance.linking import engine

    def var(norm: str, day: float) -> engine._Var:
        seconds = day * 86_400.0
        return engine._Var(None, norm, (), (), None, (), seconds, seconds)  # type: ignore[arg-type]

    cache = engine._SweepFeatures()
    early, late = var("the harbour will reopen in spring", 0), var("rates stay on hold", 30)
    cache.get(early)
    cache.get(late)
    cache.advance(5 * 86_400.0)  # within a week of the early one: still met
    assert set(cache.found) == {early.norm, late.norm}
    cache.advance(8 * 86_400.0)  # past its last meeting point
    assert set(cache.found) == {late.norm}
    # A later request by a wording published later keeps the entry longer.
    again = var(early.norm, 20)
    cache.get(again)
    cache.advance(26 * 86_400.0)
    assert set(cache.found) == {early.norm, late.norm}
    cache.advance(28 * 86_400.0)
    assert set(cache.found) == {late.norm}


def test_large_corpora_give_every_speaker_their_own_name() -> None:
    """Past the FIRST x LAST pool (about 23,000 articles) speakers take names from
    EXTRA_LAST instead of reusing a name: four people under one name would make one speaker."""
    from bench.synth import FIRST, LAST

    big = Generator(30_000, 1)
    names = [s.name for s in big.speakers]
    assert len(names) > len(FIRST) * len(LAST)
    assert len(set(names)) == len(names)
    # Corpora within the first pool are as before: the same speakers, in the same order.
    small = Generator(2_000, 1)
    assert [s.name for s in small.speakers] == names[: len(small.speakers)]
