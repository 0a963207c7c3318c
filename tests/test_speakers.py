"""Cross-source speaker merging: same person merged, maybe-same asked, different kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from provenance.extraction.names import normalise_name, same_person
from provenance.ingest import ingest
from provenance.storage.db import open_database
from provenance.storage.models import ReviewItem, Speaker
from provenance.storage.speakers import _NameTokens, shares_surname


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Yoshihide Suga", "Shigeru Suga", True),
        ("Zora Norrington", "Zora Valcourt", False),  # a shared given name is no reason
        ("Kato Katsunobu", "Ayumi Kato", True),  # family name first on one side
        ("Nicholas Smith", "Agnes Smith", True),
        ("Petra Lindqvist", "Marek Okonkwo", False),
    ],
)
def test_shares_surname(a: str, b: str, expected: bool) -> None:
    assert shares_surname(a, b) is expected


# given names, family names, initials and a title: every way two names can overlap
_WORDS = [
    "Zora",
    "Kato",
    "Suga",
    "Smith",
    "Lee",
    "K.",
    "S",
    "Minister",
    "van",
    "Katō",
    "Alexandria",
]
_WORDS += ["Alexandrea"]  # no word shared, yet close enough for a fuzzy "possible"


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4),
)
def test_plain_name_relation_matches_same_person_and_shares_surname(
    a: list[str], b: list[str]
) -> None:
    """The directory's shortcut for plain names decides exactly what the two general
    functions decide together (a "possible" that shares no surname is no candidate)."""
    left, right = " ".join(a), " ".join(b)
    mine, theirs = _NameTokens.of(normalise_name(left)), _NameTokens.of(normalise_name(right))
    if not (mine.plain and theirs.plain):
        return
    verdict = same_person(left, right)
    if verdict == "possible" and not shares_surname(left, right):
        verdict = "different"
    assert mine.relation(theirs) == verdict


def test_possible_alias_is_asked_not_merged(tmp_path: Path) -> None:
    articles = {
        "one.txt": "Port report\n\n“We will dredge the channel,” said Mayor Oskar Brandvold.\n",
        "two.txt": "Port follow-up\n\n“Dredging starts in May,” said Ilse Brandvold, his deputy.\n",
        "three.txt": "Budget\n\n“The numbers hold,” said Oskar Lindgren, the treasurer.\n",
        "four.txt": "Budget again\n\n“We will dredge it,” Brandvold said on Friday.\n",
    }
    for name, text in articles.items():
        (tmp_path / name).write_text(text)
    database = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    ingest(database, [tmp_path / n for n in articles])
    with database.session() as session:
        names = set(session.scalars(select(Speaker.name)))
        aliases = [
            i.payload for i in session.scalars(select(ReviewItem).where(ReviewItem.kind == "alias"))
        ]
        ids = {s.name: s.id for s in session.scalars(select(Speaker))}
    database.dispose()
    assert {"Oskar Brandvold", "Ilse Brandvold", "Oskar Lindgren"} <= names
    pairs = {tuple(sorted(p["speaker_ids"])) for p in aliases}
    assert tuple(sorted((ids["Oskar Brandvold"], ids["Ilse Brandvold"]))) in pairs
    # a shared given name alone never raises an alias question
    assert tuple(sorted((ids["Oskar Brandvold"], ids["Oskar Lindgren"]))) not in pairs


def test_alias_items_are_written_complete_and_follow_a_renamed_speaker(
    tmp_path: Path, database
) -> None:
    """Ingest owns alias items: their evidence is set when they are queued (a relink never
    derives them again), and a speaker whose stored name grows gets its items re-derived, so
    an editor's "different people" is asked again about the name as it now reads."""
    from provenance.linking.store import link_pending
    from provenance.review.queue import alias_evidence, refresh_queue

    first = {
        "one.txt": "Port report\n\n“We will dredge the channel,” said Oskar Brandvold.\n",
        "two.txt": "Port follow-up\n\n“Dredging starts in May,” said Ilse Brandvold.\n",
    }
    for name, text in first.items():
        (tmp_path / name).write_text(text)
    ingest(database, [tmp_path / n for n in first])
    with database.session() as session:
        ids = {s.name: s.id for s in session.scalars(select(Speaker))}
        item = session.scalars(select(ReviewItem).where(ReviewItem.kind == "alias")).one()
        low, high = sorted((ids["Oskar Brandvold"], ids["Ilse Brandvold"]))
        names = {ids["Oskar Brandvold"]: "Oskar Brandvold", ids["Ilse Brandvold"]: "Ilse Brandvold"}
        assert item.evidence == alias_evidence(low, high, (names[low], names[high]))
        # nothing for a full refresh to correct: the row is complete as ingest wrote it
        assert refresh_queue(session).updated == 0
        item.state = "decided"
    link_pending(database)
    with database.session() as session:
        assert session.scalars(
            select(ReviewItem.state).where(ReviewItem.kind == "alias")
        ).one() == ("decided")
    (tmp_path / "three.txt").write_text(
        "Port budget\n\n“The dredger is paid for,” said Oskar Magnus Brandvold.\n"
    )
    ingest(database, [tmp_path / "three.txt"])
    with database.session() as session:
        renamed = session.get(Speaker, ids["Oskar Brandvold"])
        item = session.scalars(select(ReviewItem).where(ReviewItem.kind == "alias")).one()
        state, evidence = item.state, item.evidence
        names[renamed.id] = renamed.name
    assert names[ids["Oskar Brandvold"]] == "Oskar Magnus Brandvold"
    assert evidence == alias_evidence(low, high, (names[low], names[high]))
    assert state == "open"  # new evidence reopens the decided question
