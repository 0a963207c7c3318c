"""Cross-speaker conflicts over time, and the length a weakly supported drift needs.

Hand-written wordings: a short phrase two people both use is one remark in two mouths only
when the two uses are published close together; a long, specific sentence is one at any
date; two renderings of one remark that share a long unbroken passage (one outlet reordered
the sentences and swapped a word) are one remark even though neither contains the other,
while two remarks built on the same sentence frame are not; and a drift resting on weak
evidence needs two wordings of roughly the same length.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from provenance.linking import SourceInput, VariantInput, compare, plan_drift, plan_links
from provenance.linking.compare import features
from provenance.linking.engine import _could_conflict, is_conflict
from provenance.linking.model import ClusterPlan

T0 = datetime(2025, 9, 1, 8, 0)
HARBOUR, TREASURER, MAYOR = 21, 22, 23


def _sources(*days: float) -> list[SourceInput]:
    return [
        SourceInput(i + 1, f"Paper {i + 1}", T0 + timedelta(days=d)) for i, d in enumerate(days)
    ]


def _conflict_pairs(variants: list[VariantInput], days: tuple[float, ...]) -> set[tuple]:
    plan = plan_links(variants, _sources(*days))
    return {(c.a, c.b) for c in plan.conflicts}


def test_short_shared_phrase_is_a_conflict_only_close_in_time() -> None:
    phrase = "ruinous gamble"
    variants = [
        VariantInput(1, HARBOUR, phrase, "partial", (1,)),
        VariantInput(2, TREASURER, phrase, "partial", (2,)),
    ]
    assert _conflict_pairs(variants, (0, 1)) == {(1, 2)}
    assert _conflict_pairs(variants, (0, 40)) == set()
    # undated sources are close to everything (the seed articles carry no dates)
    undated = [SourceInput(1, "Paper 1", None), SourceInput(2, "Paper 2", None)]
    assert {(c.a, c.b) for c in plan_links(variants, undated).conflicts} == {(1, 2)}


def test_long_specific_identical_sentence_is_a_conflict_at_any_date() -> None:
    sentence = "The pilots' overtime budget for the northern ferries was spent by March."
    variants = [
        VariantInput(1, HARBOUR, sentence, "full", (1,)),
        VariantInput(2, TREASURER, sentence, "full", (2,)),
    ]
    assert _conflict_pairs(variants, (0, 90)) == {(1, 2)}


FIRST = "The dredging contract was signed without a single tender from a local firm."
SECOND = (
    "Walking away from the quay repairs now, after two winters of promises, would be both "
    "reckless and costly for the fishing families of the lower harbour."
)
SWAPPED = SECOND.replace("fishing families", "boat crews")


def test_reordered_remark_sharing_a_long_passage_is_a_conflict() -> None:
    told = f"{FIRST} {SECOND}"
    retold = f"{SWAPPED} {FIRST}"  # sentences reordered, one group renamed
    cmp = compare(told, retold)
    assert cmp.relation == "drift"  # neither contains the other, not a minor edit
    assert is_conflict(cmp, close_in_time=True)
    assert not is_conflict(cmp, close_in_time=False)  # weeks apart: not one remark
    # the cheap prefilter lets the pair through to the comparison
    assert _could_conflict(features(told), features(retold))


def test_shared_sentence_frame_is_no_conflict() -> None:
    frame = "I will personally ask the minister for an inquiry into the {} before the end of {}."
    one = frame.format("dredging contract", "the month")
    two = frame.format("school meals budget", "summer")
    assert not is_conflict(compare(one, two), close_in_time=True)
    variants = [
        VariantInput(1, HARBOUR, one, "full", (1,)),
        VariantInput(2, TREASURER, two, "full", (2,)),
    ]
    assert _conflict_pairs(variants, (0, 1)) == set()


ORIGINAL = (
    "We will rebuild the harbour wall before the storms come back, and every family on the "
    "quay will have a say in how it is done."
)


def _pair_in_story(outlier: str) -> list:
    sources = {s.source_id: s for s in _sources(0, 0.2, 1)}
    variants = {
        1: VariantInput(1, MAYOR, ORIGINAL, "full", (1, 2)),
        2: VariantInput(2, MAYOR, outlier, "full", (3,)),
    }
    clusters = [ClusterPlan(1, MAYOR, (1,), 1, 2), ClusterPlan(2, MAYOR, (2,), 2, 1)]
    return plan_drift(clusters, variants, sources, {1: 1, 2: 1, 3: 1})


def test_weak_drift_needs_wordings_of_similar_length() -> None:
    # No shared words, no framing: only "two complementary remarks" speaks for the pair, so
    # the shape must fit. A rewrite about as long as the original is proposed...
    rewrite = (
        "Our town is going to put the sea defences back up ahead of winter, and nobody living "
        "by the water will be left out of the decision."
    )
    drift = _pair_in_story(rewrite)
    assert [(d.likely_original, d.outlier) for d in drift] == [(1, 2)]
    # ... a remark a bit over half as long is more often a second remark than a rewrite.
    shorter = "The sea defences go back up this winter and the whole quay gets a say."
    assert 0.5 <= len(shorter.split()) / len(ORIGINAL.split()) < 0.7
    assert _pair_in_story(shorter) == []


def test_a_rephrasing_that_keeps_the_content_words_is_a_conflict_close_in_time() -> None:
    said = (
        "Our answer to the ferry board is plain: the winter timetable must serve islanders first."
    )
    retold = (
        "Our answer to the ferry board is a plain one. The winter timetable has to put "
        "islanders first."
    )
    cmp = compare(said, retold)
    assert cmp.relation == "drift"  # neither contains the other, and function words changed
    assert is_conflict(cmp, close_in_time=True)
    assert not is_conflict(cmp, close_in_time=False)
    assert _could_conflict(features(said), features(retold))
    variants = [
        VariantInput(1, HARBOUR, said, "full", (1,)),
        VariantInput(2, TREASURER, retold, "full", (2,)),
    ]
    assert _conflict_pairs(variants, (0, 1)) == {(1, 2)}
    # the same frame about another subject keeps too few content words: two remarks
    other = "Our answer to the council is plain: the harbour levy must protect traders first."
    assert not is_conflict(compare(said, other), close_in_time=True)
