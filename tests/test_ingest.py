"""Ingest on the seeds and on bad input: what editors see through the CLI and the library."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from provenance.cli import main
from provenance.ingest import ingest, parse_spans
from provenance.storage.db import open_database
from provenance.storage.models import Occurrence, Source, Speaker, Variant
from tests.conftest import SEEDS


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def seed_db(db_url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> None:
    assert cli(capsys, "--db", db_url, "init")[0] == 0  # PostgreSQL needs it; SQLite no-op
    code, _, err = cli(
        capsys,
        "--db",
        db_url,
        "ingest",
        str(SEEDS),
        "--manifest",
        str(SEEDS / "manifest.csv"),
        *extra,
    )
    assert code == 0, err


def speaker_quotes(db_url: str, capsys: pytest.CaptureFixture[str], name: str) -> list[dict]:
    code, out, err = cli(capsys, "--db", db_url, "quotes", "--speaker", name, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def sources_of(quotes: list[dict]) -> set[str]:
    return {
        Path(o["source_path"]).name[:3]
        for q in quotes
        for v in q["variants"]
        for o in v["occurrences"]
    }


def test_seeds_kato_smith_koll(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(db_url, capsys, "--no-link")
    kato = speaker_quotes(db_url, capsys, "Kato")
    assert {q["speaker"] for q in kato} == {"Katsunobu Kato"}
    assert sources_of(kato) == {"000", "001", "002", "003", "004"}
    card = [q for q in kato if "card" in q["canonical"].lower()]
    assert sources_of(card) == {"000", "001", "002", "003", "004"}

    smith = speaker_quotes(db_url, capsys, "Nicholas Smith")
    assert sources_of(smith) == {"000", "002", "004"}
    wordings = [v["wording"] for q in smith for v in q["variants"]]
    # 002 ends inside Smith's quote: the unclosed quote still counts, cut at the text's end
    assert any(w.startswith("This is a street fight. Promising") for w in wordings)
    assert any("test of leverage" in w for w in wordings)
    occurrence = next(
        o
        for q in smith
        for v in q["variants"]
        for o in v["occurrences"]
        if o["source_path"].endswith("002_3e909156612ce130.txt")
    )
    assert occurrence["attributed_as"] and "Smith" in occurrence["attributed_as"]

    koll = speaker_quotes(db_url, capsys, "Koll")
    assert sources_of(koll) == {"000"}
    assert "abandon traditional restraint" in koll[0]["canonical"]


def test_shapes_of_quotes_json(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(db_url, capsys, "--no-link")
    quotes = speaker_quotes(db_url, capsys, "Kato")
    for quote in quotes:
        assert {"quote_id", "speaker", "canonical", "variants", "flags", "outlets"} <= set(quote)
        for variant in quote["variants"]:
            assert {"variant_id", "wording", "relation", "similarity", "occurrences"} <= set(
                variant
            )
            for occurrence in variant["occurrences"]:
                assert {
                    "source_path",
                    "outlet",
                    "published_at",
                    "spans",
                    "attributed_as",
                    "cue",
                    "quote_kind",
                } <= set(occurrence)
                assert occurrence["quote_kind"] in ("full", "partial")


def test_scare_quotes_are_nobodys_speech(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(db_url, capsys, "--no-link")
    database = open_database(db_url)
    with database.session() as session:
        fragments = {
            (o.wording, o.variant_id)
            for o in session.scalars(select(Occurrence).where(Occurrence.kind == "fragment"))
        }
        speech = {v.normalised for v in session.scalars(select(Variant))}
    database.dispose()
    words = {wording.strip(".,").lower() for wording, _ in fragments}
    assert {"reciprocal", "reciprocal tariffs", "card"} <= words
    assert all(variant_id is None for _, variant_id in fragments)
    assert not {"reciprocal", "reciprocal tariffs", "card"} & speech


def test_repeated_passage_counts_once(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(db_url, capsys, "--no-link")
    database = open_database(db_url)
    with database.session() as session:
        source = session.scalars(select(Source).where(Source.path.like("%000_%"))).one()
        occurrences = session.scalars(
            select(Occurrence).where(Occurrence.source_id == source.id)
        ).all()
    database.dispose()
    originals = [o for o in occurrences if o.repeat_of_id is None and o.kind in ("full", "partial")]
    repeats = [o for o in occurrences if o.repeat_of_id is not None]
    assert repeats, "000 repeats its article: the second copy's quotes must be marked"
    assert len(originals) == len(repeats)
    by_id = {o.id: o for o in occurrences}
    for repeat in repeats:
        assert by_id[repeat.repeat_of_id].wording == repeat.wording
        assert repeat.char_start > by_id[repeat.repeat_of_id].char_start
    # the CLI reports Koll's quote once for 000, not twice
    koll = speaker_quotes(db_url, capsys, "Koll")
    assert (
        sum(1 for v in koll[0]["variants"] for o in v["occurrences"] if o["repeat_of"] is None) == 1
    )


def test_every_span_gives_back_its_wording(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(db_url, capsys, "--no-link")
    database = open_database(db_url)
    with database.session() as session:
        rows = session.execute(select(Occurrence, Source.text).join(Source)).all()
    database.dispose()
    assert len(rows) > 20
    for occurrence, text in rows:
        parts = [text[start:end] for start, end in parse_spans(occurrence.spans)]
        assert " ".join(parts) == occurrence.wording
        assert occurrence.char_start == min(s for s, _ in parse_spans(occurrence.spans))


def test_reingest_is_unchanged(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(db_url, capsys, "--no-link")
    code, out, _ = cli(
        capsys, "--db", db_url, "ingest", str(SEEDS), "--no-link", "--format", "json"
    )
    assert code == 0
    summary = json.loads(out)
    assert summary["sources_new"] == 0 and summary["sources_unchanged"] == 5
    database = open_database(db_url)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 5
    database.dispose()


@pytest.mark.parametrize(
    "query", ["kato", "Minister Kato", "Katsunobu Kato", "Kato Katsunobu", "Katoo", "KATO"]
)
def test_speaker_lookup_is_fuzzy(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    seed_db(sqlite_url, capsys, "--no-link")
    assert {q["speaker"] for q in speaker_quotes(sqlite_url, capsys, query)} == {"Katsunobu Kato"}


def test_unknown_and_ambiguous_speakers(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seed_db(sqlite_url, capsys, "--no-link")
    code, out, err = cli(capsys, "--db", sqlite_url, "quotes", "--speaker", "Zebediah Quux")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no speaker matches" in err and "did you mean" in err
    # a second Smith makes a bare "Smith" ambiguous
    article = tmp_path / "other.txt"
    article.write_text(
        "Harbour news\n\n“The tide is late again,” said Agnes Smith, the harbour master.\n"
    )
    assert cli(capsys, "--db", sqlite_url, "ingest", str(article), "--no-link")[0] == 0
    code, _, err = cli(capsys, "--db", sqlite_url, "quotes", "--speaker", "Smith")
    assert code == 1
    assert "matches several speakers" in err and "Nicholas Smith" in err and "Agnes Smith" in err


def test_speakers_list(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_db(sqlite_url, capsys, "--no-link")
    code, out, _ = cli(capsys, "--db", sqlite_url, "speakers", "--format", "json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["Nicholas Smith"]["affiliation"] == "CLSA"
    assert rows["Katsunobu Kato"]["sources"] == 5
    assert "Jesper Koll" in rows


def ingest_with_failures(
    capsys: pytest.CaptureFixture[str], db_url: str, folder: Path, *, new: int, failed: int
) -> tuple[str, list[str]]:
    """Ingest a folder holding bad files: the run goes on, and its exit code, summary and
    one line per failed file say what failed. Returns stderr and those lines."""
    code, out, err = cli(capsys, "--db", db_url, "ingest", str(folder), "--no-link", "-f", "json")
    assert code == 1, "the exit code says something failed"
    summary = json.loads(out)
    assert summary["sources_new"] == new and summary["sources_failed"] == failed
    lines = [line for line in err.splitlines() if line.startswith("failed:")]
    assert len(lines) == failed
    return err, lines


def test_bad_files_are_reported_and_the_rest_goes_on(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SEEDS / "001_370038e54aac7e46.txt", folder / "a_good.txt")
    (folder / "b_empty.txt").write_text("   \n")
    (folder / "c_binary.txt").write_bytes(b"\x00\x01\x02PNG\x00\x00" * 50)
    (folder / "d_latin1.txt").write_bytes(
        "Caf\xe9 owner Ren\xe9e Dubois said: \u201cWe open at dawn.\u201d\n".encode("cp1252")
    )
    err, failed = ingest_with_failures(capsys, sqlite_url, folder, new=2, failed=2)
    assert any("b_empty.txt" in line for line in failed)
    assert any("c_binary.txt" in line for line in failed)
    assert any(line.startswith("warning:") and "d_latin1.txt" in line for line in err.splitlines())
    assert "Traceback" not in err


def test_a_file_extraction_fails_on_is_reported_and_not_stored(
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Extraction returns [] on an internal failure (it never raises), but ingest asks it
    to raise: a file stored without its quotes would read as "unchanged" from then on, so
    it is reported as failed and left out, and the rest of the batch goes on."""
    import provenance.ingest as ingest_module
    from provenance.extraction import extract_quotes

    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SEEDS / "001_370038e54aac7e46.txt", folder / "a_good.txt")
    (folder / "b_trips.txt").write_text("“This one trips the extractor,” said Ada Quill.\n")

    def tripping(text: str, *, strict: bool = False) -> list:
        if "trips the extractor" in text:
            assert strict, "ingest must ask extraction to raise"
            raise IndexError("string index\nout of range")  # one line all the same
        return extract_quotes(text, strict=strict)

    monkeypatch.setattr(ingest_module, "extract_quotes", tripping)
    err, failed = ingest_with_failures(capsys, sqlite_url, folder, new=1, failed=1)
    assert "b_trips.txt" in failed[0]
    assert "extracting its quotes failed (IndexError: string index out of range)" in failed[0]
    assert "not stored" in failed[0] and "Traceback" not in err
    database = open_database(sqlite_url)
    with database.session() as session:
        paths = session.scalars(select(Source.path)).all()
    database.dispose()
    assert [Path(path).name for path in paths] == ["a_good.txt"]
    # Fixed, the same file goes in as new, not "unchanged".
    monkeypatch.setattr(ingest_module, "extract_quotes", extract_quotes)
    code, out, _ = cli(capsys, "--db", sqlite_url, "ingest", str(folder), "--no-link", "-f", "json")
    assert code == 0 and json.loads(out)["sources_new"] == 1


def test_strict_extraction_gives_the_same_quotes() -> None:
    from provenance.extraction import extract_quotes

    text = (SEEDS / "001_370038e54aac7e46.txt").read_text(encoding="utf-8")
    assert extract_quotes(text, strict=True) == extract_quotes(text)
    assert extract_quotes("", strict=True) == []


def test_missing_path_fails_before_writing(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(
        capsys, "--db", sqlite_url, "ingest", str(SEEDS), str(tmp_path / "nope"), "--no-link"
    )
    assert code == 1 and err.startswith("error: ") and "nope" in err
    assert err.count("\n") == 1
    database = open_database(sqlite_url)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 0
    database.dispose()


def test_interrupted_ingest_keeps_whole_sources_only(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in the middle of a source: earlier sources stay whole, that one is absent."""
    import provenance.ingest as ingest_module

    real = ingest_module.store_documents
    calls = {"n": 0}

    def store_then_interrupt(connection, items, state):  # type: ignore[no-untyped-def]
        calls["n"] += 1  # one source per call: batch_size=1
        result = real(connection, items, state)
        if calls["n"] == 3:
            raise KeyboardInterrupt  # after rows of source 3 were written, before commit
        return result

    monkeypatch.setattr(ingest_module, "store_documents", store_then_interrupt)
    database = open_database(sqlite_url)
    with pytest.raises(KeyboardInterrupt):
        ingest(database, [SEEDS], batch_size=1)
    with database.session() as session:
        paths = sorted(Path(p).name[:3] for p in session.scalars(select(Source.path)))
        orphans = session.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(~Occurrence.source_id.in_(select(Source.id)))
        )
        speakers = session.scalar(select(func.count()).select_from(Speaker))
    assert paths == ["000", "001"]
    assert orphans == 0 and speakers >= 3
    # the next run picks up where it stopped
    monkeypatch.setattr(ingest_module, "store_documents", real)
    report = ingest(database, [SEEDS])
    assert report.summary()["sources_new"] == 3 and report.summary()["sources_unchanged"] == 2
    database.dispose()


def test_workers_give_the_same_result(tmp_path: Path) -> None:
    """The calling process prepares files too, helpers the rest: the same rows (ids
    included) and metadata whatever the number of processes."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for copy in range(4):  # enough files for several chunks per process
        for seed in sorted(SEEDS.glob("*.txt")):
            text = seed.read_text(encoding="utf-8")
            (folder / f"{copy}_{seed.name}").write_text(f"{text}\nCopy {copy}.\n")
    manifest = tmp_path / "manifest.csv"
    rows = (SEEDS / "manifest.csv").read_text(encoding="utf-8").splitlines()
    manifest.write_text(
        "\n".join([rows[0]] + [f"articles/{copy}_{row}" for copy in range(4) for row in rows[1:]])
        + "\n"
    )
    results = []
    for workers in (1, 2, 3):
        database = open_database(f"sqlite:///{tmp_path / f'w{workers}.db'}")
        report = ingest(database, [folder], manifest=manifest, workers=workers, batch_size=3)
        with database.session() as session:
            rows_seen = session.execute(
                select(
                    Source.id,
                    Source.outlet,
                    Source.published_at,
                    Occurrence.id,
                    Occurrence.variant_id,
                    Occurrence.wording,
                    Occurrence.spans,
                )
                .join(Source)
                .order_by(Occurrence.id)
            ).all()
            speakers = session.execute(select(Speaker.id, Speaker.name).order_by(Speaker.id)).all()
        results.append((report.summary(), report.new_variant_ids, rows_seen, speakers))
        database.dispose()
    assert results[0][0]["sources_new"] == 20
    assert "Gate" in {outlet for _, outlet, *_ in results[0][2]}  # from the manifest
    assert results[0] == results[1] == results[2]


def test_a_url_is_not_a_path(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(
        capsys, "--db", sqlite_url, "ingest", "https://example.com/news/story.html", "--no-link"
    )
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not URLs" in err and "save the page" in err


def test_a_country_speaking_is_stored_as_an_organisation(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seed 004's "They're warning" resolves to Japan: a speaker, but not a person."""
    seed_db(db_url, capsys)
    database = open_database(db_url)
    with database.session() as session:
        kinds = {name: kind for name, kind in session.execute(select(Speaker.name, Speaker.kind))}
    database.dispose()
    assert kinds["Japan"] == "organisation"
    assert kinds["Katsunobu Kato"] == kinds["Nicholas Smith"] == "person"


def test_the_ingest_command_settles_the_collector_after_its_imports(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    import provenance.cli as cli_module

    calls: list[bool] = []
    monkeypatch.setattr(cli_module, "settle_collector", lambda: calls.append(True))
    code, _, _ = cli(capsys, "--db", sqlite_url, "ingest", str(SEEDS), "--no-link")
    assert code == 0 and calls == [True]
    # in a child process: freezing and the thresholds are process-wide
    probe = (
        "import gc; from provenance.cli import settle_collector; settle_collector(); "
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["10000", "True"]


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)).map(sorted).map(tuple),
        max_size=4,
    )
)
def test_span_shortcuts_match_the_general_form(spans: list[tuple[int, int]]) -> None:
    """One span (most quotes) skips the join and the generators; any count gives the same."""
    from provenance.ingest import spans_extent, spans_text

    assert spans_text(spans) == ";".join(f"{start}:{end}" for start, end in spans)
    whole = spans or [(0, 0)]
    assert spans_extent(spans) == (min(s for s, _ in whole), max(e for _, e in whole))
    assert parse_spans(spans_text(spans)) == spans


_OPTIONAL_TEXT = st.none() | st.text(max_size=300)


@given(
    st.lists(
        st.builds(
            dict,
            wording=st.text(max_size=40),
            spans=st.lists(
                st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)).map(sorted).map(tuple),
                max_size=3,
            ).map(tuple),
            kind=st.sampled_from(["full", "partial", "fragment", "headline"]),
            speaker=st.none() | st.sampled_from(["", "Kato", "Nicholas Smith"]),
            attributed_as=_OPTIONAL_TEXT,
            cue=st.none() | st.text(max_size=80),
            confidence=st.floats(allow_nan=True) | st.sampled_from([0, 1, -0.0, 0.0, 1.0]),
            sentence=st.text(max_size=20),
            speaker_title=_OPTIONAL_TEXT,
            speaker_affiliation=_OPTIONAL_TEXT,
            repeat_of=st.none() | st.integers(-1, 4),
            speaker_kind=st.none() | st.just("person"),
        ),
        max_size=5,
    )
)
def test_prepared_values_match_the_general_helpers(fields: list[dict]) -> None:
    """`prepare_document` inlines `_clip`, the span helpers and the confidence clamp for the
    common case: every value, type included, is what the helpers give."""
    from provenance.extraction import ExtractedQuote
    from provenance.ingest import _clip, prepare_document, spans_extent, spans_text
    from provenance.readers import Document
    from provenance.review.queue import LOW_CONFIDENCE

    quotes = [ExtractedQuote(**values) for values in fields]
    document = Document("a.txt", "text", "0" * 64)
    prepared = prepare_document("a.txt", document, document.meta, quotes)
    expected = [
        (
            q.wording,
            spans_text(q.spans),
            *spans_extent(q.spans),
            _clip(q.attributed_as, 255),
            _clip(q.cue, 64),
            q.kind,
            max(0.0, min(1.0, q.confidence)),
            q.sentence,
            _clip(q.speaker_title, 255),
            _clip(q.speaker_affiliation, 255),
        )
        for q in quotes
    ]
    assert repr(prepared.occurrences) == repr(expected)
    speech = [q.kind in ("full", "partial") and q.repeat_of is None for q in quotes]
    assert prepared.quotes == sum(speech)
    assert prepared.flagged == [
        index
        for index, q in enumerate(quotes)
        if speech[index] and (q.confidence < LOW_CONFIDENCE or not q.speaker)
    ]
    assert prepared.repeats == [
        (index, q.repeat_of)
        for index, q in enumerate(quotes)
        if q.repeat_of is not None and 0 <= q.repeat_of < len(quotes)
    ]


@given(st.text(max_size=200))
def test_wording_hash_is_blake2b_160_of_the_utf8(normalised: str) -> None:
    """Stored hashes must stay what a fresh blake2b of the wording gives."""
    import hashlib

    from provenance.ingest import wording_hash

    expected = hashlib.blake2b(normalised.encode("utf-8"), digest_size=20).hexdigest()
    assert wording_hash(normalised) == expected
    assert wording_hash(normalised) == expected  # the shared initial state is unchanged
