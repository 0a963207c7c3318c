"""Review decisions on data built directly in the database, so every expectation is exact:
queue order, effects and their undo, reopening on new evidence, bad input, overlap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from provenance.errors import NotFound, ReviewError
from provenance.ingest import wording_hash
from provenance.linking import normalise
from provenance.review import queue
from provenance.review.agreement import agreement, cohens_kappa
from provenance.review.decisions import decide, undo
from provenance.review.queue import refresh_queue
from provenance.review.sessions import claim_next, start_session
from provenance.storage.db import open_database
from provenance.storage.models import (
    Link,
    Occurrence,
    Quote,
    ReviewDecision,
    ReviewItem,
    Source,
    Speaker,
    SpeakerAlias,
    Variant,
)

FIGHT = "We will win this fight together, whatever it takes."
WAR = "We will win this war together, whatever it costs us."


def _speaker(session, name: str) -> Speaker:  # type: ignore[no-untyped-def]
    speaker = Speaker(name=name)
    session.add(speaker)
    session.flush()
    session.add(SpeakerAlias(speaker_id=speaker.id, alias=name, normalised=name.casefold()))
    return speaker


def _source(session, n: int, outlet: str) -> Source:  # type: ignore[no-untyped-def]
    source = Source(
        path=f"s{n}.txt",
        outlet=outlet,
        sha256=f"{n:064d}",
        text="text",
        published_at=datetime(2026, 1, n, tzinfo=UTC),
    )
    session.add(source)
    session.flush()
    return source


def _quote(session, speaker: Speaker, wording: str, sources: list[Source], conf=0.9) -> Variant:  # type: ignore[no-untyped-def]
    quote = Quote(speaker_id=speaker.id, outlet_count=len({s.outlet for s in sources}))
    session.add(quote)
    session.flush()
    variant = Variant(
        quote_id=quote.id,
        speaker_id=speaker.id,
        wording=wording,
        normalised=normalise(wording),
        normalised_hash=wording_hash(normalise(wording)),
    )
    session.add(variant)
    session.flush()
    quote.canonical_variant_id = variant.id
    for source in sources:
        _occurrence(session, variant, source, conf)
    return variant


def _occurrence(session, variant: Variant, source: Source, conf: float = 0.9) -> Occurrence:  # type: ignore[no-untyped-def]
    occurrence = Occurrence(
        source_id=source.id,
        variant_id=variant.id,
        wording=variant.wording,
        spans="0:10",
        char_start=0,
        char_end=10,
        attributed_as="someone",
        kind="full",
        confidence=conf,
        sentence=f"“{variant.wording}” someone said.",
    )
    session.add(occurrence)
    session.flush()
    return occurrence


@pytest.fixture
def world(database):  # type: ignore[no-untyped-def]
    """Ann's drift (fight/war), a conflict with Bob over the fight wording, and an alias pair."""
    with database.session() as session:
        ann, bob = _speaker(session, "Ann Able"), _speaker(session, "Bob Baker")
        annie = _speaker(session, "A. Able")
        s1, s2, s3 = (
            _source(session, 1, "Daily"),
            _source(session, 2, "Weekly"),
            _source(session, 3, "Gazette"),
        )
        fight = _quote(session, ann, FIGHT, [s1])
        war = _quote(session, ann, WAR, [s2])
        bobs = _quote(session, bob, FIGHT, [s3])
        shaky = _quote(session, bob, "Nobody saw this coming at all.", [s1], conf=0.4)
        annies = _quote(session, annie, FIGHT, [s2])
        session.add(
            Link(
                variant_a_id=fight.id,
                variant_b_id=war.id,
                relation="drift",
                similarity=60.0,
                scores={"ratio": 60.0},
                drift_score=40.0,
                likely_original_id=fight.id,
            )
        )
        session.add(
            Link(variant_a_id=fight.id, variant_b_id=bobs.id, relation="conflict", similarity=100.0)
        )
        session.add(
            ReviewItem(
                kind="alias",
                subject=f"alias:{ann.id}:{annie.id}",
                payload={"speaker_ids": [ann.id, annie.id]},
            )
        )
        session.flush()
        refresh_queue(session)
        ids = {
            "ann": ann.id,
            "bob": bob.id,
            "annie": annie.id,
            "fight": fight.id,
            "war": war.id,
            "bobs": bobs.id,
            "shaky": shaky.id,
            "annies": annies.id,
            "s3": s3.id,
        }
    return database, ids


def _item(database, subject: str) -> ReviewItem:  # type: ignore[no-untyped-def]
    with database.session() as session:
        item = session.scalar(select(ReviewItem).where(ReviewItem.subject == subject))
        assert item is not None, subject
        return item


def _count(database, model) -> int:  # type: ignore[no-untyped-def]
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_queue_order_conflicts_then_drift_aliases_attributions_single_source(world) -> None:
    database, _ = world
    kinds = []
    while (view := claim_next(database, "ed", "s")) is not None:
        kinds.append(view["kind"])
        decide(database, view["item_id"], "skip", reviewer="ed", session_name="s")
        if len(kinds) > 20:
            break
    # Skipped items come back only once everything else was shown: the first pass is in order.
    first_pass = kinds[: kinds.index("single_source") + 1]
    assert first_pass[:4] == ["conflict", "drift", "alias", "attribution"]
    assert view is not None or kinds  # the loop ends because skipped items cycle


def test_same_utterance_merges_quotes_and_undo_splits_them(world) -> None:
    database, ids = world
    item = _item(database, f"drift:{min(ids['fight'], ids['war'])}:{max(ids['fight'], ids['war'])}")
    decide(database, item.id, "same_utterance", reviewer="ed", session_name="s")
    with database.session() as session:
        fight, war = session.get(Variant, ids["fight"]), session.get(Variant, ids["war"])
        assert fight.quote_id == war.quote_id
        link = session.scalar(select(Link).where(Link.relation == "drift"))
        assert (link.status, link.origin) == ("confirmed", "editor")
        merged = session.get(Quote, fight.quote_id)
        assert merged.outlet_count == 2 and merged.status == "reviewed"
        assert session.get(ReviewItem, item.id).state == "decided"
    undone = undo(database, reviewer="ed", session_name="s")
    assert undone["decision"] == "same_utterance" and undone["item_state"] == "open"
    with database.session() as session:
        fight, war = session.get(Variant, ids["fight"]), session.get(Variant, ids["war"])
        assert fight.quote_id != war.quote_id
        assert session.get(Quote, war.quote_id) is not None
        link = session.scalar(select(Link).where(Link.relation == "drift"))
        assert (link.status, link.origin) == ("proposed", "auto")
        # append-only: the decision row is still there, plus the undo pointing at it
        rows = session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)).all()
        assert [r.decision for r in rows] == ["same_utterance", "undo"]
        assert rows[1].undoes_id == rows[0].id


def test_choose_speaker_reattributes_the_other_occurrences(world) -> None:
    database, ids = world
    low, high = sorted((ids["fight"], ids["bobs"]))
    item = _item(database, f"conflict:{low}:{high}")
    decide(database, item.id, "choose_speaker", speaker="Ann Able", reviewer="ed")
    with database.session() as session:
        assert session.get(Variant, ids["bobs"]) is None
        moved = session.scalars(select(Occurrence).where(Occurrence.source_id == ids["s3"])).all()
        assert [o.variant_id for o in moved] == [ids["fight"]]
        assert moved[0].status == "reattributed"
    undo(database, reviewer="ed")
    with database.session() as session:
        bobs = session.get(Variant, ids["bobs"])
        assert bobs is not None and bobs.speaker_id == ids["bob"]
        assert session.scalar(select(Link.status).where(Link.relation == "conflict")) == "proposed"


def test_alias_merge_moves_quotes_and_merges_identical_wordings(world) -> None:
    database, ids = world
    item = _item(database, f"alias:{ids['ann']}:{ids['annie']}")
    decide(database, item.id, "merge", reviewer="ed")
    with database.session() as session:
        annie = session.get(Speaker, ids["annie"])
        assert annie.merged_into_id == ids["ann"]
        assert session.get(Variant, ids["annies"]) is None  # same wording as Ann's: one variant
        owners = set(session.scalars(select(SpeakerAlias.speaker_id)))
        assert ids["annie"] not in owners
        fight = session.get(Variant, ids["fight"])
        assert (
            len(session.scalars(select(Occurrence).where(Occurrence.variant_id == fight.id)).all())
            == 2
        )
    undo(database, reviewer="ed")
    with database.session() as session:
        assert session.get(Speaker, ids["annie"]).merged_into_id is None
        assert session.get(Variant, ids["annies"]).speaker_id == ids["annie"]


def test_attribution_reattribute_and_not_a_quote(world) -> None:
    database, ids = world
    with database.session() as session:
        occurrence_id = session.scalar(
            select(Occurrence.id).where(Occurrence.variant_id == ids["shaky"])
        )
    item = _item(database, f"attribution:{occurrence_id}")
    with pytest.raises(NotFound):
        decide(database, item.id, "reattribute", speaker="Zed Nobody", reviewer="ed")
    decide(database, item.id, "reattribute", speaker="ann able", reviewer="ed")
    with database.session() as session:
        occurrence = session.get(Occurrence, occurrence_id)
        assert session.get(Variant, occurrence.variant_id).speaker_id == ids["ann"]
        assert occurrence.status == "reattributed"
    undo(database, reviewer="ed")
    decide(database, item.id, "not_a_quote", reviewer="ed")
    with database.session() as session:
        assert session.get(Occurrence, occurrence_id).status == "not_a_quote"
        assert session.get(Variant, ids["shaky"]).speaker_id == ids["bob"]


def test_bad_input_is_one_clear_error_and_changes_nothing(world) -> None:
    database, ids = world
    before = _count(database, ReviewDecision)
    with pytest.raises(NotFound, match="no review item with id 9999"):
        decide(database, 9999, "confirm", reviewer="ed")
    drift = _item(
        database, f"drift:{min(ids['fight'], ids['war'])}:{max(ids['fight'], ids['war'])}"
    )
    with pytest.raises(ReviewError, match="'merge' does not fit a drift item"):
        decide(database, drift.id, "merge", reviewer="ed")
    with pytest.raises(ReviewError, match="misquote needs --variant"):
        decide(database, drift.id, "misquote", reviewer="ann")
    decide(database, drift.id, "different_utterances", reviewer="ann")
    with pytest.raises(ReviewError, match="already decided by ann: different_utterances"):
        decide(database, drift.id, "same_utterance", reviewer="bob")
    assert _count(database, ReviewDecision) == before + 1


def test_claimed_item_is_not_decided_by_someone_else(world) -> None:
    database, _ = world
    view = claim_next(database, "ann", "s")
    assert view is not None
    with pytest.raises(ReviewError, match="being reviewed by ann"):
        decide(database, view["item_id"], "skip", reviewer="bob")
    other = claim_next(database, "bob", "s2")
    assert other is not None and other["item_id"] != view["item_id"]


def test_new_evidence_reopens_a_decided_item_with_the_earlier_decision(world) -> None:
    database, ids = world
    with database.session() as session:
        quote_id = session.get(Variant, ids["war"]).quote_id
    item = _item(database, f"single_source:{quote_id}")
    decide(database, item.id, "confirm", reviewer="ed")
    with database.session() as session:
        refresh_queue(session)  # nothing new: stays decided
    assert _item(database, item.subject).state == "decided"
    with database.session() as session:
        source = _source(session, 9, "Weekly")  # same outlet: still single-source
        _occurrence(session, session.get(Variant, ids["war"]), source)
        refresh_queue(session)
    reopened = _item(database, item.subject)
    assert reopened.state == "open"
    with database.session() as session:
        from provenance.review.sessions import item_view

        view = item_view(session, reopened)
    assert [h["decision"] for h in view["history"]] == ["confirm"]
    decide(database, item.id, "confirm", reviewer="ed")  # a new round can be decided again
    assert _item(database, item.subject).state == "decided"


def test_vanished_subject_closes_the_item_without_deleting_it(world) -> None:
    database, ids = world
    subject = f"drift:{min(ids['fight'], ids['war'])}:{max(ids['fight'], ids['war'])}"
    with database.session() as session:
        session.execute(delete(Link).where(Link.relation == "drift"))
        refresh_queue(session)
    assert _item(database, subject).state == "closed"


def test_blind_session_hides_scores(world) -> None:
    database, _ = world
    start_session(database, "blind", "ed", blind=True)
    view = claim_next(database, "ed", "blind")
    assert view is not None and view["kind"] == "conflict"
    text = str(view["payload"])
    assert "similarity" not in text and "scores" not in text and "confidence" not in text
    assert "We will win" in text


def test_overlap_two_reviewers_kappa_and_final_call(world) -> None:
    database, _ids = world
    start_session(database, "double", "ann", overlap=2)
    first = claim_next(database, "ann", "double")
    assert first is not None and first["required_decisions"] == 2
    decide(database, first["item_id"], "both_right", reviewer="ann", session_name="double")
    assert _item(database, first["subject"]).state == "open"  # waits for a second reviewer
    with pytest.raises(ReviewError, match="you already decided"):
        decide(database, first["item_id"], "cant_tell", reviewer="ann", session_name="double")
    second = claim_next(database, "bob", "double")
    assert second is not None and second["item_id"] == first["item_id"]
    decide(database, second["item_id"], "cant_tell", reviewer="bob", session_name="double")
    assert _item(database, first["subject"]).state == "decided"
    report = agreement(database)
    assert report["items_decided_twice"] == 1 and report["agreed"] == 0
    assert report["disagreements"][0]["decision_a"] == "both_right"
    with database.session() as session:  # disagreement: nothing applied yet
        assert session.scalar(select(Link.status).where(Link.relation == "conflict")) == "proposed"
    decide(database, first["item_id"], "both_right", reviewer="cy", final=True)
    with database.session() as session:
        assert session.scalar(select(Link.status).where(Link.relation == "conflict")) == "rejected"
    assert agreement(database)["disagreements"][0]["final_call"] == "both_right"


def test_cohens_kappa_known_values() -> None:
    assert cohens_kappa([("a", "a"), ("b", "b")]) == 1.0
    # 2x2: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → kappa 0.4 (textbook example)
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohens_kappa(pairs) == pytest.approx(0.4)
    assert cohens_kappa([]) is None


def test_fingerprints_keep_their_stored_bytes() -> None:
    """Stored evidence fingerprints must not change when the code computing them does: a
    changed digest would reopen every decided item. The encoder's hook has to give exactly
    what walking the value with `jsonable` first gave."""
    import hashlib
    import json
    from datetime import date, datetime

    from provenance.review.queue import fingerprint, jsonable

    def walked(*parts: object) -> str:
        blob = json.dumps(jsonable(list(parts)), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    samples = [
        ("alias", 3, 17, ["Oskar Brandvold", "Ilse Brandvöld"]),
        ("attribution", 42, "“We’ll see,” he said", 0.45),
        ("drift", [5, 9, 12]),
        ("single_source", (1, 2), {"b": datetime(2026, 3, 1, 9, 30), "a": date(2026, 3, 2)}),
        ("x", {"nested": [(datetime(2025, 1, 1), None), {"k": {1, 2}}]}, 1.5, True),
    ]
    for parts in samples:
        assert fingerprint(*parts) == walked(*parts)


@pytest.mark.parametrize("held", [queue.EVIDENCE_HELD, 1])
def test_refresh_reads_each_quote_once_however_it_is_batched(
    seeded: str, monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    """A quote that is an end of many pairs is read once per refresh, not once per batch;
    with room for nothing between batches it is read again, and the items are the same."""
    reads: list[int] = []
    original = queue._QuoteEvidenceReader._read

    def counted(self: queue._QuoteEvidenceReader, quote_ids: list[int]) -> None:
        reads.extend(quote_ids)
        original(self, quote_ids)

    monkeypatch.setattr(queue._QuoteEvidenceReader, "_read", counted)
    monkeypatch.setattr(queue, "SUBJECT_CHUNK", 1)  # one subject per batch
    monkeypatch.setattr(queue, "EVIDENCE_HELD", held)
    database = open_database(seeded)
    with database.session() as session:
        items = session.scalar(select(func.count()).select_from(ReviewItem))
        report = refresh_queue(session)  # the link run already wrote every item
        assert (report.created, report.updated, report.reopened, report.closed) == (0, 0, 0, 0)
        assert session.scalar(select(func.count()).select_from(ReviewItem)) == items
    database.dispose()
    assert reads
    if held == 1:
        assert len(reads) > len(set(reads))
    else:
        assert len(reads) == len(set(reads))
