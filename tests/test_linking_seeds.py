"""Linking on the seed corpus, through the CLI: clusters, drift, conflicts, corroboration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.cli import main
from provenance.linking.store import link_pending, rebuild
from provenance.storage.db import open_database
from tests.conftest import SEEDS

SEED_FILES = sorted(p for p in SEEDS.glob("*.txt"))


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    code = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def short(path: str) -> str:
    return Path(path).name[:3]


def quote_sources(quote: dict) -> set[str]:
    return {short(o["source_path"]) for v in quote["variants"] for o in v["occurrences"]}


def test_kato_card_quote_is_one_cluster_over_five_outlets(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    quotes = cli_json(capsys, "--db", seeded, "quotes", "--speaker", "Kato")
    card = [
        q
        for q in quotes
        if "exist as a card" in q["canonical"] or "exists as a card" in q["canonical"]
    ]
    assert len(card) == 1, [q["canonical"] for q in quotes]
    card = card[0]
    assert quote_sources(card) == {"000", "001", "002", "003", "004"}
    assert card["outlets"] == 5  # 000 quotes it twice but counts once
    wordings = {v["wording"] for v in card["variants"]}
    assert "exists as a card" in wordings  # 003's fragment joined
    assert "single_source" not in card["flags"]
    # nothing else is glued on through the fragment
    others = [q for q in quotes if q is not card]
    assert any("no longer remain passive" in q["canonical"] for q in others)


def test_smith_drift_names_street_fight_as_original(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    quotes = cli_json(capsys, "--db", seeded, "quotes", "--speaker", "Nicholas Smith")
    street = [q for q in quotes if "street fight" in q["canonical"]]
    assert len(street) == 1
    assert quote_sources(street[0]) == {"002", "004"}
    drift = cli_json(capsys, "--db", seeded, "drift", "--speaker", "Smith")
    assert len(drift) == 1
    pair = drift[0]
    assert pair["speaker"] == "Nicholas Smith"
    assert "street fight" in pair["likely_original"]
    outlier = (
        pair["b"] if pair["likely_original_variant_id"] == pair["a"]["variant_id"] else pair["a"]
    )
    assert "test of leverage" in outlier["wording"]
    assert [short(s) for s in outlier["sources"]] == ["000"]
    assert pair["similarity"] < 50 and pair["status"] == "proposed"
    assert {"speaker", "quote_id", "a", "b", "similarity", "likely_original", "status"} <= set(pair)
    assert "drift" in street[0]["flags"]


def test_national_crisis_is_a_conflict(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    conflicts = cli_json(capsys, "--db", seeded, "conflicts")
    crisis = [c for c in conflicts if "national crisis" in c["wording"].lower()]
    assert len(crisis) == 1
    assert sorted(crisis[0]["speakers"]) == ["Ishiba Shigeru", "Yoshihide Suga"]
    by_source = {short(o["source_path"]): o["speaker"] for o in crisis[0]["occurrences"]}
    assert by_source == {"000": "Ishiba Shigeru", "003": "Yoshihide Suga"}


def test_koll_is_single_source_and_scare_quotes_are_nobodys(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    koll = cli_json(capsys, "--db", seeded, "quotes", "--speaker", "Koll")
    assert len(koll) == 1 and "single_source" in koll[0]["flags"]
    everything = cli_json(capsys, "--db", seeded, "quotes")
    wordings = {v["wording"].strip('.,“”"').lower() for q in everything for v in q["variants"]}
    assert not {"reciprocal", "reciprocal tariffs", "card"} & wordings


def test_incremental_one_source_at_a_time_matches_rebuild(tmp_path: Path) -> None:
    """Ingesting the seeds one by one (linking after each) ends where a rebuild ends."""
    from provenance.ingest import ingest

    def clusters(database) -> set[frozenset[str]]:  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        from provenance.storage.models import Variant

        with database.session() as session:
            groups: dict[int, set[str]] = {}
            for quote_id, normalised in session.execute(
                select(Variant.quote_id, Variant.normalised)
            ):
                groups.setdefault(quote_id, set()).add(normalised)
        return {frozenset(g) for g in groups.values()}

    database = open_database(f"sqlite:///{tmp_path / 'inc.db'}")
    for path in reversed(SEED_FILES):  # a different order from the batch run
        ingest(database, [path])
        link_pending(database)
    incremental = clusters(database)
    rebuild(database)
    assert clusters(database) == incremental
    database.dispose()


def test_compare_command_and_api(capsys: pytest.CaptureFixture[str]) -> None:
    import provenance

    result = provenance.compare(
        "This is a street fight", "This is fundamentally a test of leverage"
    )
    assert result.relation not in ("identical", "minor_edit", "truncation", "extension")
    assert 0 <= result.similarity < 70
    same = cli_json(capsys, "compare", "don't give up", "Don’t give up!")
    assert same["relation"] == "identical" and same["similarity"] == 100
    cut = cli_json(capsys, "compare", "It does exist as a card", "exists as a card")
    assert cut["relation"] in ("truncation", "minor_edit")
    assert cut.get("scores")


def test_keys_of_an_older_version_force_one_rebuild(seeded: str) -> None:
    """A database keyed by an older `KEY_VERSION` is relinked from scratch once, not left
    with keys new wordings can never meet."""
    from sqlalchemy import String, func, select, update

    from provenance.linking.candidates import KEY_VERSION
    from provenance.storage.models import VariantKey

    database = open_database(seeded)
    with database.session() as session:
        keys = session.scalar(select(func.count()).select_from(VariantKey))
        old = "1" if KEY_VERSION != "1" else "0"
        session.execute(
            update(VariantKey).values(
                key=func.substr(VariantKey.key, 1, 1, type_=String)
                + old
                + func.substr(VariantKey.key, 3, type_=String)
            )
        )
        assert session.scalar(select(VariantKey.key).limit(1))[1] == old
    assert keys
    assert link_pending(database).mode == "rebuild (keys upgraded)"
    with database.session() as session:
        versions = set(session.scalars(select(func.substr(VariantKey.key, 2, 1)).distinct()))
        assert session.scalar(select(func.count()).select_from(VariantKey)) == keys
    assert versions == {KEY_VERSION}
    assert link_pending(database).mode == "incremental"
    database.dispose()


def test_stored_keys_are_each_wordings_candidate_keys(seeded: str) -> None:
    """The store persists the keys the engine computed (`LinkPlan.keys`): they must be
    exactly `candidate_keys` of each wording, or incremental runs would look up other keys
    than a rebuild pairs on; wordings without evidence get the "none" marker."""
    from collections import defaultdict

    from sqlalchemy import select

    from provenance.linking import candidate_keys
    from provenance.storage.models import Variant, VariantKey

    for run in (link_pending, rebuild):
        database = open_database(seeded)
        run(database)
        with database.session() as session:
            stored: dict[int, set[str]] = defaultdict(set)
            for variant_id, key in session.execute(select(VariantKey.variant_id, VariantKey.key)):
                stored[variant_id].add(key)
            wordings = dict(session.execute(select(Variant.id, Variant.wording)).all())
        database.dispose()
        assert set(stored) == set(wordings)
        keyed = {v: ks for v, ks in stored.items() if ks != {"none"}}
        assert len(keyed) >= len(wordings) - 2
        for variant_id, keys in keyed.items():
            assert keys == set(candidate_keys(wordings[variant_id])), wordings[variant_id]
