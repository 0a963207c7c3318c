"""Linking layer: normalisation, compare, candidates, engine rules on the real seed examples."""

from __future__ import annotations

import string
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from provenance.linking import (
    CandidateIndex,
    EditorConstraints,
    LexicalScorer,
    Scorer,
    SourceInput,
    VariantInput,
    candidate_keys,
    compare,
    link_new,
    normalise,
    plan_links,
)
from provenance.linking.model import Scores
from provenance.linking.normalise import _normalise_ascii, _normalise_reference

KATO, SMITH, SUGA, ISHIBA = 1, 2, 3, 4
K_SHORT = "It does exist as a card."
K_LONG = (
    "It does exist as a card, but whether we choose to use it or not would be a separate decision."
)
K_ALT = "It does exist as a card Whether or not we use that card is a different decision."
K_PART = "exists as a card"
K_PASSIVE = "will no longer remain passive"
S_LEVER = (
    "This is fundamentally a test of leverage. When you possess a powerful instrument, "
    "concealing it represents strategic weakness. The mere acknowledgment of such capability "
    "can fundamentally alter negotiating dynamics."
)
S_FIGHT = (
    "This is a street fight. Promising not to use one of your strongest, most brutal weapons "
    "would be both naive and reckless."
)
S_FIGHT_NOW = "This is a street fight now. Just showing the weapon changes the game."
T0 = datetime(2025, 4, 11, 9, 0)


def seed_world() -> tuple[list[VariantInput], list[SourceInput]]:
    """The five seed articles: A (rewrite), B, C, D (partials) and E (blog)."""
    sources = [
        SourceInput(10, "Outlet A", T0 + timedelta(hours=30)),
        SourceInput(11, "Outlet B", T0 + timedelta(hours=1)),
        SourceInput(12, "Outlet C", T0 + timedelta(hours=3)),
        SourceInput(13, "Outlet D", T0 + timedelta(hours=5)),
        SourceInput(14, "Outlet E", T0 + timedelta(hours=8)),
    ]
    variants = [
        VariantInput(1, KATO, K_SHORT, "full", (10, 14)),
        VariantInput(2, KATO, K_LONG, "full", (11,)),
        VariantInput(3, KATO, K_ALT, "full", (12,)),
        VariantInput(4, KATO, K_PART, "partial", (13,)),
        VariantInput(5, KATO, K_PASSIVE, "partial", (13,)),
        VariantInput(6, SMITH, S_LEVER, "full", (10,)),
        VariantInput(7, SMITH, S_FIGHT, "full", (12,)),
        VariantInput(8, SMITH, S_FIGHT_NOW, "full", (14,)),
        VariantInput(9, SUGA, "national crisis", "partial", (13,)),
        VariantInput(10, ISHIBA, "national crisis", "partial", (10,)),
    ]
    return variants, sources


def clusters_of(plan) -> set[frozenset[int]]:
    return {frozenset(c.variant_ids) for c in plan.clusters}


# ---------------------------------------------------------------- normalisation
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("don't", "don\u2019t"),
        ("I DON'T know!", "i don\u2018t know"),
        ("a test\u2014of leverage", "a test - of leverage"),
        ("wait\u2026 what", "wait... what"),
        ("  spaced\tout\nwords ", "spaced out words"),
        ("\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48", "fullwidth"),  # NFKC
        ("\u201cQuoted,\u201d she said.", '"quoted" she said'),
    ],
)
def test_normalise_equalises_typography(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_normalise_keeps_word_order_and_inner_apostrophes() -> None:
    assert normalise("Card, it does exist") != normalise("It does exist, card")
    assert normalise("It\u2019s Japan\u2019s card.") == "it's japan's card"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(string.printable + "'`_-."), max_size=60))
def test_ascii_normalisation_matches_the_general_path(text: str) -> None:
    """The ASCII shortcut must give exactly what NFKC, translation and the four regex passes
    give: stored keys and comparisons depend on it."""
    assert _normalise_ascii(text) == _normalise_reference(text)
    assert normalise(text) == _normalise_reference(text)


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            string.printable + "'`_-.\u2019\u2018\u2032\u201c\u201d\u2014\u2013\u2026\u00e9\u00df"
            "\u00a0\uff07\uff0d\ufb01\u0130\u212a\u00bd"
        ),
        max_size=60,
    )
)
def test_typographic_normalisation_matches_the_general_path(text: str) -> None:
    """Text that NFKC and the quote and dash replacements leave ASCII takes the ASCII table;
    anything else the regex passes: both must give what the general path gives."""
    assert normalise.__wrapped__(text) == _normalise_reference(text)


def test_ascii_normalisation_apostrophes_and_breaks() -> None:
    assert normalise("'Tis rock'n'roll, isn't it?'") == "tis rock'n'roll isn't it"
    assert normalise("a''b c'' ''d `quoted`") == "a b c d quoted"
    assert normalise("well--now...snake_case x-ray") == "well now snake case x ray"


# ---------------------------------------------------------------- compare
def test_identical_and_minor_edit() -> None:
    assert compare("I don't know.", "I don\u2019t know").relation == "identical"
    c = compare(K_LONG, K_LONG.replace("separate", "different"))
    assert c.relation == "minor_edit"
    assert c.similarity >= 85
    assert {"ratio", "word_ratio", "containment"} <= c.scores.keys()


def test_truncation_direction_and_alignment() -> None:
    c = compare(K_LONG, K_SHORT)  # b is contained in a and shorter
    assert c.relation == "truncation"
    assert c.alignment is not None and c.alignment.shorter == "b"
    assert (c.alignment.word_start, c.alignment.word_end) == (0, 6)
    long_norm = normalise(K_LONG)
    short_norm = normalise(K_SHORT)
    assert long_norm[c.alignment.char_start : c.alignment.char_end] == short_norm
    assert compare(K_SHORT, K_LONG).relation == "extension"


def test_partial_with_inflection_is_truncation() -> None:
    assert compare(K_ALT, K_PART).relation == "truncation"


def test_street_fight_wratio_trap() -> None:
    a, b = "This is a street fight", "This is fundamentally a test of leverage"
    assert fuzz.WRatio(a, b) >= 80  # the trap: a generic scorer calls these similar
    c = compare(a, b)
    assert c.relation == "unrelated"
    assert c.similarity < 50


def test_short_common_fragment_is_not_a_truncation() -> None:
    c = compare(K_LONG, "a card")
    assert c.relation == "unrelated"
    assert c.scores["containment"] == 100.0  # contained, but not specific enough


def test_divergent_renderings_share_an_opening() -> None:
    c = compare(S_FIGHT, S_FIGHT_NOW)
    assert c.relation == "drift"
    assert c.anchor_ok
    assert compare(S_LEVER, S_FIGHT).relation == "unrelated"


def test_scorer_protocol() -> None:
    s = LexicalScorer()
    assert isinstance(s, Scorer)
    assert s.score(K_LONG, K_ALT) > s.score(K_LONG, S_FIGHT)


# ---------------------------------------------------------------- candidates
def test_candidate_keys_are_stable_and_shared() -> None:
    k = candidate_keys(normalise(K_LONG))
    assert k == sorted(set(k))
    # fixed expectation guards against process-dependent hashing (e.g. builtin hash())
    assert candidate_keys("national crisis") == candidate_keys(normalise("National crisis!"))
    assert len(candidate_keys("national crisis")[0]) == 18
    assert set(candidate_keys(normalise(K_PART))) <= set(k)
    assert set(candidate_keys(normalise(S_FIGHT))) & set(candidate_keys(normalise(S_FIGHT_NOW)))


def test_candidate_index_blocks_by_speaker_and_caps_common_keys() -> None:
    idx = CandidateIndex(block_cap=2)
    idx.add(1, candidate_keys(normalise(K_LONG)), KATO)
    idx.add(2, candidate_keys(normalise(K_ALT)), KATO)
    idx.add(3, candidate_keys(normalise(K_ALT)), SMITH)
    same = [i for i, _ in idx.query(candidate_keys(normalise(K_PART)), KATO, exclude=None)]
    assert same == [1, 2]
    other = [i for i, _ in idx.query(candidate_keys(normalise(K_ALT)), KATO, same_group=False)]
    assert other == [3]
    idx.add(4, candidate_keys(normalise(K_SHORT)), KATO)  # "exist card" now has 3 postings
    assert idx.query(candidate_keys(normalise(K_PART)), KATO) == []


# ---------------------------------------------------------------- engine: seed examples
def test_kato_card_is_one_cluster_and_passive_stays_apart() -> None:
    variants, sources = seed_world()
    plan = plan_links(variants, sources)
    cl = clusters_of(plan)
    assert frozenset({1, 2, 3, 4}) in cl
    assert frozenset({5}) in cl
    card = next(c for c in plan.clusters if 1 in c.variant_ids)
    assert card.canonical_id == 1  # attested by two outlets
    assert card.outlet_count == 5
    assert not any(5 in (d.a, d.b) for d in plan.drift)


def test_smith_street_fight_cluster_and_drift() -> None:
    variants, sources = seed_world()
    plan = plan_links(variants, sources)
    assert frozenset({7, 8}) in clusters_of(plan)
    assert frozenset({6}) in clusters_of(plan)
    drift = [d for d in plan.drift if {d.likely_original, d.outlier} & {6}]
    assert len(drift) == 1
    d = drift[0]
    assert d.outlier == 6
    assert d.likely_original in (7, 8)
    assert d.drift_score == pytest.approx(100 - d.similarity)
    assert d.drift_score > 50
    assert plan.stories[10] == plan.stories[12] == plan.stories[14]
    assert d.story_id == plan.stories[10]


def test_links_keep_scores_and_alignment() -> None:
    variants, sources = seed_world()
    plan = plan_links(variants, sources)
    link = next(lk for lk in plan.links if {lk.a, lk.b} == {2, 4})
    assert link.relation == "truncation"
    assert link.scores["containment"] == 100.0
    assert link.alignment is not None


def test_national_crisis_conflict() -> None:
    variants, sources = seed_world()
    plan = plan_links(variants, sources)
    pairs = {(c.a, c.b): c for c in plan.conflicts}
    assert (9, 10) in pairs
    assert pairs[(9, 10)].relation == "identical"
    assert {pairs[(9, 10)].speaker_a, pairs[(9, 10)].speaker_b} == {SUGA, ISHIBA}
    # a generic shared fragment across speakers is not a conflict
    extra = [VariantInput(20, SUGA, "a card", "partial", (11,))]
    plan2 = plan_links(variants + extra, sources)
    assert not any(20 in (c.a, c.b) for c in plan2.conflicts)


def test_fragment_never_bridges_two_utterances() -> None:
    s = [SourceInput(i, f"O{i}", T0) for i in range(1, 5)]
    u1 = "We will never accept a tariff plan that punishes the dock workers of Varrow."
    u2 = "The tariff plan is a loaded weapon and pretending otherwise is reckless for savers."
    variants = [
        VariantInput(1, 7, u1, "full", (1,)),
        VariantInput(2, 7, u2, "full", (2,)),
        VariantInput(3, 7, "tariff plan", "partial", (3,)),
        VariantInput(4, 7, "a tariff plan that punishes the dock workers", "partial", (4,)),
    ]
    plan = plan_links(variants, s)
    cl = clusters_of(plan)
    assert frozenset({1, 4}) in cl  # specific fragment joins its single container
    assert frozenset({2}) in cl
    assert frozenset({3}) in cl  # contained in both: ambiguous, glues nothing


def test_same_source_different_remarks_are_not_drift() -> None:
    s = [SourceInput(1, "A", T0), SourceInput(2, "B", T0), SourceInput(3, "C", T0)]
    v = [
        VariantInput(
            1, 5, "We will fight the harbour levy in every court of the land.", "full", (1, 2)
        ),
        VariantInput(
            2, 5, "Our pensioners deserve a straight answer from this cabinet today.", "full", (1,)
        ),
        VariantInput(
            3,
            6,
            "The harbour levy vote is scheduled for next Tuesday afternoon.",
            "full",
            (1, 2, 3),
        ),
    ]
    plan = plan_links(v, s)
    assert plan.drift == ()


# ---------------------------------------------------------------- canonical and editor rules
def test_canonical_rules() -> None:
    s = [
        SourceInput(1, "Same", T0),
        SourceInput(2, "Same", T0 + timedelta(hours=1)),  # same outlet counts once
        SourceInput(3, "Other", T0 + timedelta(hours=2)),
        SourceInput(4, None, T0 + timedelta(hours=3)),  # unknown outlet counts per source
        SourceInput(5, None, T0 + timedelta(hours=4)),
    ]
    base = "Nobody in Varrow voted for a tariff plan that punishes the dock workers of the port"
    v = [
        VariantInput(1, 9, base + ".", "full", (1, 2)),
        VariantInput(2, 9, base + " today.", "full", (4, 5)),
        VariantInput(3, 9, base.replace("punishes", "hurts") + ".", "full", (3,)),
    ]
    plan = plan_links(v, s)
    (c,) = plan.clusters
    assert c.canonical_id == 2  # two unknown-outlet sources beat one outlet seen twice
    assert c.outlet_count == 4
    plan = plan_links(v, s, EditorConstraints(canonical=frozenset({3})))
    assert plan.clusters[0].canonical_id == 3
    # tie on outlets -> earliest published wins
    v2 = [
        VariantInput(1, 9, base + ".", "full", (3,)),
        VariantInput(2, 9, base + " today.", "full", (1,)),
    ]
    assert plan_links(v2, s).clusters[0].canonical_id == 2
    # tie on outlets and date -> longest wins
    s2 = [SourceInput(1, "X", T0), SourceInput(2, "Y", T0)]
    v3 = [
        VariantInput(1, 9, base + ".", "full", (1,)),
        VariantInput(2, 9, base + " today.", "full", (2,)),
    ]
    assert plan_links(v3, s2).clusters[0].canonical_id == 2


def test_editor_constraints_win() -> None:
    variants, sources = seed_world()
    cannot = EditorConstraints(different_utterance=frozenset({frozenset({2, 3})}))
    plan = plan_links(variants, sources, cannot)
    cl = plan.cluster_of()
    assert cl[2] != cl[3]
    must = EditorConstraints(same_utterance=frozenset({frozenset({1, 5})}))
    plan = plan_links(variants, sources, must)
    cl = plan.cluster_of()
    assert cl[1] == cl[5]
    assert any({lk.a, lk.b} == {1, 5} for lk in plan.links)


# ---------------------------------------------------------------- incremental == rebuild
def lookup_from(stored: list[VariantInput]):
    """`link_new`'s lookup over an in-memory store: every stored variant sharing a key."""
    by_key: dict[str, list[VariantInput]] = {}
    for v in stored:
        for k in candidate_keys(normalise(v.wording)):
            by_key.setdefault(k, []).append(v)

    def lookup(keys: list[str]) -> list[VariantInput]:
        seen: dict[int, VariantInput] = {}
        for k in keys:
            for v in by_key.get(k, ()):
                seen[v.variant_id] = v
        return list(seen.values())

    return lookup


def test_incremental_equals_rebuild_on_seed() -> None:
    variants, sources = seed_world()
    full = plan_links(variants, sources)
    stored, new = variants[:5] + variants[6:], [variants[5], variants[1]]
    stored = [v for v in stored if v.variant_id != 2]
    inc = link_new(new, lookup_from(stored), sources)
    full_clusters = {c.variant_ids: c for c in full.clusters}
    for c in inc.clusters:
        assert c.variant_ids in full_clusters
        assert full_clusters[c.variant_ids].canonical_id == c.canonical_id
    assert frozenset({1, 2, 3, 4}) in clusters_of(inc)


def test_misquote_is_not_canonical_and_undated_sources_still_form_stories() -> None:
    variants, _ = seed_world()
    undated = [SourceInput(i, f"Outlet {i}", None) for i in range(10, 15)]
    plan = plan_links(variants, undated, EditorConstraints(misquotes=frozenset({1})))
    card = next(c for c in plan.clusters if 1 in c.variant_ids)
    assert card.canonical_id != 1
    assert len(set(plan.stories.values())) == 1  # shared clusters connect all five sources


def test_stories_split_by_time_when_dates_known() -> None:
    s = [
        SourceInput(1, "A", T0),
        SourceInput(2, "B", T0 + timedelta(days=1)),
        SourceInput(3, "C", T0 + timedelta(days=60)),
    ]
    q = "We will fight the harbour levy in every court of the land, starting this week."
    v = [
        VariantInput(1, 5, q, "full", (1, 2)),
        VariantInput(2, 5, q + " Believe me.", "full", (3,)),
    ]
    plan = plan_links(v, s)
    assert plan.stories[1] == plan.stories[2] != plan.stories[3]


def test_scores_read_like_a_dict_and_round_as_stored() -> None:
    scores = Scores({"overlap": 0.123456, "order": 2})
    assert dict(scores) == {"overlap": 0.123456, "order": 2.0}
    assert scores.rounded(3) == {k: round(float(v), 3) for k, v in scores.items()}
    assert Scores({}).rounded(3) == {}
