"""Linking rules for short fragments, repeated words, reused frames and weak drift evidence.

Hand-written wordings: a one-content-word partial quote ("be thankful that the") joins the
single remark it sits in verbatim, stays apart when two remarks hold it or when it was
published weeks away, never bridges, and incremental runs find it like a rebuild does; a
word repeated in the longer wording does not scatter the alignment; a minor edit that swaps
content words only joins renderings published close together; a drift proposed on weak
evidence needs an outlier of plausible length.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from provenance.linking import (
    SourceInput,
    VariantInput,
    candidate_keys,
    compare,
    link_new,
    normalise,
    plan_links,
)
from provenance.linking.candidates import fragment_probe
from provenance.linking.clusters import edge_strength
from provenance.linking.compare import could_link, features
from provenance.linking.model import ClusterPlan
from tests.test_linking import lookup_from

T0 = datetime(2025, 6, 2, 9, 0)
MAYOR, CLERK = 11, 12
REMARK = (
    "Nobody on the council should be thankful that the harbour tunnel collapsed, because "
    "the ferry crews warned us about it for years."
)
OTHER = "We will keep the lighthouse open all winter and the ferry crews know that we mean it."
THIRD = (
    "No trader will be thankful that the market hall closed after a winter of stalls in the rain."
)
FRAGMENT = "be thankful that the"


def _sources(*days: float) -> list[SourceInput]:
    return [
        SourceInput(i + 1, f"Outlet {i + 1}", T0 + timedelta(days=d)) for i, d in enumerate(days)
    ]


# ---------------------------------------------------------------- compare
def test_repeated_word_does_not_scatter_the_alignment() -> None:
    longer = "A brave budget today means a brave harbour for the fishing towns."
    c = compare(longer, "brave harbour")
    assert c.relation == "truncation"
    assert c.alignment is not None
    assert (c.alignment.word_start, c.alignment.word_end) == (6, 8)
    assert normalise(longer)[c.alignment.char_start : c.alignment.char_end] == "brave harbour"


def test_low_specificity_verbatim_run_is_a_weak_truncation() -> None:
    c = compare(REMARK, FRAGMENT)
    assert c.relation == "truncation"
    assert c.scores["specificity"] < 1.9  # one content word: below the usual bar
    assert c.similarity < 80  # confidence follows the specificity
    assert edge_strength(c) == 0  # never joins two long wordings
    assert could_link(features(REMARK), features(FRAGMENT))
    # the run must be verbatim, long enough and hold a content word of full weight
    assert compare(REMARK, "thankful that the").relation == "unrelated"  # 3 words
    assert compare(REMARK, "be thankful that a").relation == "unrelated"  # not verbatim
    assert compare(REMARK, "it for years").relation != "truncation"  # "years" is short


# ---------------------------------------------------------------- candidates
def test_fragment_probe_finds_wordings_that_may_contain_it() -> None:
    probe = fragment_probe(normalise(FRAGMENT))
    assert probe is not None
    assert probe in candidate_keys(normalise(REMARK))
    assert probe in candidate_keys(normalise(THIRD))
    assert probe not in candidate_keys(normalise(OTHER))
    assert fragment_probe(normalise("thankful that")) is None  # too short to verify
    assert fragment_probe(normalise("the harbour tunnel collapsed")) is None  # has bigram keys
    # a fragment's own key is unchanged
    assert candidate_keys(normalise(FRAGMENT)) == candidate_keys(normalise("be thankful"))


# ---------------------------------------------------------------- clustering
def test_low_specificity_fragment_joins_the_one_remark_holding_it() -> None:
    sources = _sources(0, 1, 2)
    v = [
        VariantInput(1, MAYOR, REMARK, "full", (1,)),
        VariantInput(2, MAYOR, OTHER, "full", (2,)),
        VariantInput(3, MAYOR, FRAGMENT, "partial", (3,)),
    ]
    cl = plan_links(v, sources).cluster_of()
    assert cl[3] == cl[1] != cl[2]


def test_low_specificity_fragment_in_two_remarks_stays_apart() -> None:
    sources = _sources(0, 1, 2)
    v = [
        VariantInput(1, MAYOR, REMARK, "full", (1,)),
        VariantInput(2, MAYOR, THIRD, "full", (2,)),
        VariantInput(3, MAYOR, FRAGMENT, "partial", (3,)),
    ]
    cl = plan_links(v, sources).cluster_of()
    assert len({cl[1], cl[2], cl[3]}) == 3


def test_low_specificity_fragment_weeks_later_stays_apart() -> None:
    sources = _sources(0, 30)
    v = [
        VariantInput(1, MAYOR, REMARK, "full", (1,)),
        VariantInput(2, MAYOR, FRAGMENT, "partial", (2,)),
    ]
    cl = plan_links(v, sources).cluster_of()
    assert cl[1] != cl[2]


def test_low_specificity_fragment_is_no_conflict() -> None:
    sources = _sources(0, 1)
    v = [
        VariantInput(1, MAYOR, REMARK, "full", (1,)),
        VariantInput(2, CLERK, FRAGMENT, "partial", (2,)),
    ]
    assert plan_links(v, sources).conflicts == ()


def test_incremental_finds_fragment_and_container_in_either_order() -> None:
    sources = _sources(0, 1, 2)
    v = [
        VariantInput(1, MAYOR, REMARK, "full", (1,)),
        VariantInput(2, MAYOR, OTHER, "full", (2,)),
        VariantInput(3, MAYOR, FRAGMENT, "partial", (3,)),
    ]
    full = {c.variant_ids for c in plan_links(v, sources).clusters}
    assert (1, 3) in full
    for new_ids in ({3}, {1}):  # fragment after its remark, remark after its fragment
        stored = [x for x in v if x.variant_id not in new_ids]
        new = [x for x in v if x.variant_id in new_ids]
        inc = link_new(new, lookup_from(stored), sources)
        got = {c.variant_ids for c in inc.clusters}
        assert (1, 3) in got
        assert got <= full


# ---------------------------------------------------------------- drift
def _two_remarks(outlier: str) -> tuple[list[ClusterPlan], dict, dict, dict]:
    original = (
        "We will rebuild the harbour wall before the storms come back, and every family on the "
        "quay will have a say in how it is done."
    )
    sources = {s.source_id: s for s in _sources(0, 0.2, 1)}
    variants = {
        1: VariantInput(1, MAYOR, original, "full", (1, 2)),
        2: VariantInput(2, MAYOR, outlier, "full", (3,)),
    }
    clusters = [
        ClusterPlan(1, MAYOR, (1,), 1, 2),
        ClusterPlan(2, MAYOR, (2,), 2, 1),
    ]
    stories = {1: 1, 2: 1, 3: 1}
    return clusters, variants, sources, stories


def test_weak_drift_needs_an_outlier_of_plausible_length() -> None:
    from provenance.linking import plan_drift

    # No shared words and no framing: only the "two remarks, complementary" prior speaks.
    rewrite = (
        "Our town is going to put the sea defences back up ahead of winter, and nobody living "
        "by the water will be left out of the decision."
    )
    clusters, variants, sources, stories = _two_remarks(rewrite)
    drift = plan_drift(clusters, variants, sources, stories)
    assert [(d.likely_original, d.outlier) for d in drift] == [(1, 2)]
    assert drift[0].scores["length_ratio"] >= 0.5

    clusters, variants, sources, stories = _two_remarks("Parking fees stay as they are.")
    assert plan_drift(clusters, variants, sources, stories) == []


# ---------------------------------------------------------------- minor edits over time
INQUIRY = (
    "We are asking the council for a full public inquiry into the harbour levy before the vote."
)
REFRAMED = INQUIRY.replace("harbour levy", "bridge tolls")  # same frame, another subject
RETYPED = INQUIRY.replace("We are", "We're")  # same words, another spelling


def test_minor_edit_swapping_content_words_only_counts_close_in_time() -> None:
    from provenance.linking.clusters import swaps_content

    assert compare(INQUIRY, REFRAMED).relation == "minor_edit"
    assert swaps_content(compare(INQUIRY, REFRAMED))
    assert not swaps_content(compare(INQUIRY, RETYPED))
    for days, together in ((2, True), (60, False)):
        v = [
            VariantInput(1, MAYOR, INQUIRY, "full", (1,)),
            VariantInput(2, MAYOR, REFRAMED, "full", (2,)),
        ]
        cl = plan_links(v, _sources(0, days)).cluster_of()
        assert (cl[1] == cl[2]) is together
    # an edit that keeps every content word joins at any distance
    v = [
        VariantInput(1, MAYOR, INQUIRY, "full", (1,)),
        VariantInput(2, MAYOR, RETYPED, "full", (2,)),
    ]
    cl = plan_links(v, _sources(0, 60)).cluster_of()
    assert cl[1] == cl[2]


def test_prepared_keys_equal_the_separate_key_functions() -> None:
    from provenance.linking.candidates import (
        container_keys_of_normalised,
        keys_of_normalised,
        prepared_keys,
    )

    for text in (REMARK, OTHER, FRAGMENT, "thankful that", "and so it is", "levy levy"):
        n = normalise(text)
        ckeys = container_keys_of_normalised(n)
        probe = None if ckeys else fragment_probe(n)
        assert prepared_keys(n) == (keys_of_normalised(n), ckeys, probe)
