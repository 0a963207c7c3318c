"""Incremental links recompute stories and drift only where their changes reach
(`store._scoped_refresh`); after every run the database must hold exactly what the
whole-corpus pass (`SCOPED_STORIES_SHARE < 0`) writes, on the synthetic corpus, with new
articles, articles that repeat stored wordings, and editor decisions in between."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bench.synth import Generator
from provenance.ingest import ingest
from provenance.linking import store
from provenance.storage.db import Database, initialise
from provenance.storage.models import Link, Occurrence, Quote, Source, Speaker, Variant

FIRST = 480  # articles in the first (whole-corpus) link; the rest arrive in small batches
BATCH = 15


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth600")
    Generator(600, 11).write(str(out))
    return out


def _batches(corpus: Path, folder: Path) -> tuple[list[Path], list[list[Path]]]:
    """The first articles, then batches of new ones, each with a copy of an earlier article
    plus one new sentence (its stored wordings gain occurrences in a new source) and a
    brief without quotes (a source in no cluster)."""
    files = sorted((corpus / "articles").rglob("*.txt"))
    folder.mkdir()
    batches = []
    for number, start in enumerate(range(FIRST, len(files), BATCH)):
        earlier = files[number * 7 % FIRST]
        again = folder / f"again-{number}.txt"
        again.write_text(
            earlier.read_text(encoding="utf-8")
            + f"\n\n“Batch {number} changes nothing,” said Oren Vale.\n",
            encoding="utf-8",
        )
        brief = folder / f"brief-{number}.txt"  # a source with no quote at all
        brief.write_text(f"Ferry notice {number}\n\nThe timetable changes on Monday.\n")
        batches.append([*files[start : start + BATCH], again, brief])
    return files[:FIRST], batches


def _link(database: Database, paths: list[Path], manifest: Path, scoped: bool) -> None:
    # 1.0: scope whatever the run reaches (no fallback for size); -1: the whole pass always
    store.SCOPED_STORIES_SHARE = 1.0 if scoped else -1.0
    report = ingest(database, paths, manifest=manifest)
    assert report.count("failed") == 0
    store.link_pending(database)


def _state(database: Database) -> dict[str, Any]:
    """What stories and drift decide, keyed by content (source paths, speaker and wording),
    so that two backends that number rows differently compare equal."""
    with database.session() as session:
        path = dict(session.execute(select(Source.id, Source.path)).all())
        stories: dict[int, set[str]] = {}
        for source_id, story in session.execute(select(Source.id, Source.story_id)):
            stories.setdefault(story, set()).add(path[source_id])
        wording = {
            variant_id: (speaker, normalised)
            for variant_id, speaker, normalised in session.execute(
                select(Variant.id, Speaker.name, Variant.normalised).join(
                    Speaker, Speaker.id == Variant.speaker_id
                )
            )
        }
        members: dict[int, set[tuple[int, str]]] = {}
        for variant_id, quote_id in session.execute(select(Variant.id, Variant.quote_id)):
            members.setdefault(quote_id, set()).add(wording[variant_id])
        story_path = {story: min(paths) for story, paths in stories.items()}
        quotes = {
            (
                frozenset(members.get(quote_id, ())),
                outlets,
                sources,
                first_seen.replace(tzinfo=None) if first_seen is not None else None,
                story_path.get(story) if story is not None else None,
            )
            for quote_id, outlets, sources, first_seen, story in session.execute(
                select(
                    Quote.id,
                    Quote.outlet_count,
                    Quote.source_count,
                    Quote.first_seen_at,
                    Quote.story_id,
                )
            )
        }
        drift = {
            (frozenset((wording[a], wording[b])), round(similarity, 2), status)
            for a, b, similarity, status in session.execute(
                select(Link.variant_a_id, Link.variant_b_id, Link.similarity, Link.status).where(
                    Link.relation == "drift"
                )
            )
        }
        evidence = session.scalar(select(text("count(*)")).select_from(Occurrence))
    return {
        "stories": {(frozenset(paths), story is None) for story, paths in stories.items()},
        "quotes": quotes,
        "drift": drift,
        "occurrences": evidence,
    }


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each incremental run took the scoped path (True) or fell back (False)."""
    used: list[bool] = []
    original = store._scoped_refresh

    def scoped_refresh(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        used.append(result is not None)
        return result

    monkeypatch.setattr(store, "_scoped_refresh", scoped_refresh)
    monkeypatch.setattr(store, "SCOPED_STORIES_SHARE", store.SCOPED_STORIES_SHARE)
    yield used


DECIDE_BEFORE = 3  # the batch before whose link an editor decides something


def _merge_first_drift(database: Database) -> None:
    """An editor calls the first drift pair (by wording, the same in both databases) one
    utterance, which merges two quotes: the clusters stories read change outside any link
    run, so the next run must recompute every story."""
    from provenance.review.decisions import decide
    from provenance.storage.models import ReviewItem

    with database.session() as session:
        wording = dict(session.execute(select(Variant.id, Variant.normalised)).all())
        items = sorted(
            (sorted(wording[int(v)] for v in subject.split(":")[1:]), item_id)
            for item_id, subject in session.execute(
                select(ReviewItem.id, ReviewItem.subject).where(
                    ReviewItem.kind == "drift", ReviewItem.state == "open"
                )
            )
        )
    assert items, "the corpus should give drift items to decide"
    decide(database, items[0][1], "same_utterance", reviewer="ed")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_scoped_refresh_equals_whole_pass(
    corpus: Path, tmp_path: Path, spy: list[bool], backend: str, request: pytest.FixtureRequest
) -> None:
    first, batches = _batches(corpus, tmp_path / "again")
    manifest = corpus / "manifest.csv"
    scoped_url = (
        request.getfixturevalue("postgres_url")
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / 'scoped.db'}"
    )
    scoped, _, _ = initialise(scoped_url)
    whole, _, _ = initialise(f"sqlite:///{tmp_path / 'whole.db'}")
    try:
        for database, is_scoped in ((scoped, True), (whole, False)):
            _link(database, first, manifest, is_scoped)
        assert _state(scoped) == _state(whole)
        spy.clear()
        for number, batch in enumerate(batches):
            if number == DECIDE_BEFORE:
                _merge_first_drift(scoped)
                _merge_first_drift(whole)
            for database, is_scoped in ((scoped, True), (whole, False)):
                _link(database, batch, manifest, is_scoped)
            assert _state(scoped) == _state(whole), f"batch {number}"
        # Every run of the scoped database took the scoped path but the one after the
        # decision; the whole-pass database never did.
        expected = [True, False] * len(batches)
        expected[2 * DECIDE_BEFORE] = False
        assert spy == expected
    finally:
        scoped.dispose()
        whole.dispose()


_SYLLABLES = ["ka", "lo", "mir", "zu", "ten", "vo", "rak", "shi", "pel", "dun", "ore", "fa"]


def _remark(number: int) -> str:
    """A sentence of invented words of its own (from a hash of its number), so no two
    remarks form a cluster."""
    digest = hashlib.sha256(str(number).encode()).digest()
    words = ["".join(_SYLLABLES[digest[3 * i + k] % 12] for k in range(3)) for i in range(7)]
    return " ".join(words).capitalize()


def _article(folder: Path, name: str, speakers: list[str], counter: list[int]) -> str:
    paragraphs = ["Council notes"]
    for speaker in speakers:
        counter[0] += 1
        paragraphs.append(f"“{_remark(counter[0])},” said {speaker}.")
    (folder / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return name


def test_scoped_refresh_applies_the_bucket_limit(tmp_path: Path, spy: list[bool]) -> None:
    """Sources quoting the same two people on one day form a story only while each (speaker,
    day) bucket holds at most MAX_BUCKET sources. One more article must split a stored story
    of 80 sources; and an oversized bucket the run did not change must still be read whole,
    or its few sources in the scope would look like a small bucket and be joined."""
    from provenance.linking.stories import MAX_BUCKET

    assert MAX_BUCKET == 80
    folder = tmp_path / "articles"
    folder.mkdir()
    counter = [0]
    rows: list[tuple[str, str]] = []
    first = []
    for n in range(MAX_BUCKET):  # day 1: one story of 80 (two shared speakers each)
        first.append(_article(folder, f"a{n:03}.txt", ["Mara Quill", "Tomas Brand"], counter))
        rows.append((first[-1], "2030-03-01T09:00:00"))
    for n in range(MAX_BUCKET + 5):  # day 2: Ilse Maren in 85 sources, a bucket too big
        speakers = ["Ilse Maren", "Jon Eck"] if n < 2 else ["Ilse Maren"]
        first.append(_article(folder, f"b{n:03}.txt", speakers, counter))
        rows.append((first[-1], "2030-03-02T09:00:00"))
    later = [
        _article(folder, "c000.txt", ["Mara Quill", "Tomas Brand"], counter),  # day 1: 81
        _article(folder, "c001.txt", ["Jon Eck"], counter),  # day 2: changes Eck's bucket
    ]
    rows += [(later[0], "2030-03-01T10:00:00"), (later[1], "2030-03-02T10:00:00")]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,published_at\n" + "".join(f"articles/{p},{d}\n" for p, d in rows), encoding="utf-8"
    )
    scoped, _, _ = initialise(f"sqlite:///{tmp_path / 'scoped.db'}")
    whole, _, _ = initialise(f"sqlite:///{tmp_path / 'whole.db'}")
    try:
        for database, is_scoped in ((scoped, True), (whole, False)):
            _link(database, [folder / p for p in first], manifest, is_scoped)
        stories = _state(scoped)["stories"]
        assert max(len(story) for story, _ in stories) == MAX_BUCKET  # day 1's sources
        spy.clear()
        for path in later:
            for database, is_scoped in ((scoped, True), (whole, False)):
                _link(database, [folder / path], manifest, is_scoped)
            assert _state(scoped) == _state(whole), path
        assert spy == [True, False, True, False]
        # the 81st article dissolved day 1's story; day 2's two Eck sources stay apart
        assert max(len(story) for story, _ in _state(scoped)["stories"]) == 1
    finally:
        scoped.dispose()
        whole.dispose()


def test_a_copy_of_stored_wordings_updates_figures_and_stories(tmp_path: Path) -> None:
    """An article that holds only wordings already linked (a syndicated copy) adds no new
    wording, but its quotes gain a source: the link run must still count it, give the copy
    its story, and agree with a rebuild."""
    from tests.conftest import SEEDS

    database, _, _ = initialise(f"sqlite:///{tmp_path / 'copy.db'}")
    try:
        ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv")
        store.link_pending(database)
        original = sorted(SEEDS.glob("*.txt"))[1]
        copy = tmp_path / "copy.txt"
        copy.write_text(original.read_text(encoding="utf-8") + "\nReprinted.\n", encoding="utf-8")
        ingest(database, [copy])
        report = store.link_pending(database)
        assert report.variants_linked == 0
        with database.session() as session:
            assert store._stale_quotes(session) == set()
            assert session.scalar(select(Source.story_id).where(Source.path.like("%copy.txt")))
        after = _state(database)
        store.rebuild(database)
        assert _state(database) == after
    finally:
        database.dispose()
