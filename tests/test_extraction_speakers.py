"""Extracted speakers that share a family name stay apart, from one article to the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from provenance.extraction import extract_quotes
from provenance.ingest import ingest
from provenance.storage.db import open_database
from provenance.storage.models import ReviewItem, Speaker

PILOT = "Harbour report\n\n“The channel is too shallow,” said Nicholas Smith, a harbour pilot.\n"
MASTER = "Harbour reply\n\n“The channel is deep enough,” said Bill Smith, the harbour master.\n"


def test_another_given_name_is_another_speaker_within_an_article():
    quotes = extract_quotes(PILOT + "\n" + MASTER)
    assert [q.speaker for q in quotes] == ["Nicholas Smith", "Bill Smith"]
    assert all(q.speaker_kind == "person" for q in quotes)


def test_bill_smith_and_nicholas_smith_are_asked_about_not_merged(tmp_path: Path) -> None:
    (tmp_path / "pilot.txt").write_text(PILOT)
    (tmp_path / "master.txt").write_text(MASTER)
    database = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    ingest(database, [tmp_path / "pilot.txt", tmp_path / "master.txt"])
    with database.session() as session:
        ids = {s.name: s.id for s in session.scalars(select(Speaker))}
        aliases = session.scalars(select(ReviewItem).where(ReviewItem.kind == "alias")).all()
        pairs = {tuple(sorted(item.payload["speaker_ids"])) for item in aliases}
    database.dispose()
    assert {"Nicholas Smith", "Bill Smith"} <= set(ids)
    assert tuple(sorted((ids["Nicholas Smith"], ids["Bill Smith"]))) in pairs
