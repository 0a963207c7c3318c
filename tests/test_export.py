"""Exports on the seeds: occurrence CSV, JSON trees and W3C PROV, through library and CLI."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from prov.model import PROV, ProvDocument
from sqlalchemy import select, update

from provenance.cli import main
from provenance.export import occurrences as occurrence_export
from provenance.export.formats import write_csv
from provenance.export.occurrences import (
    EXPORT_COLUMNS,
    export_occurrences_csv,
    iter_occurrence_rows,
    occurrence_rows,
)
from provenance.export.output import open_output
from provenance.export.prov import NAMESPACE, build_document, export_prov, serialise
from provenance.export.rows import tree_rows
from provenance.export.tree import export_tree_json
from provenance.ingest import ingest
from provenance.lookup import quotes_by_speaker, speech_occurrence_count
from provenance.readers import SourceMeta
from provenance.storage.db import Database, initialise
from provenance.storage.models import SPEECH_KINDS, Occurrence, Quote, Source, Speaker

from .conftest import SEEDS

FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


def seeded(url: str) -> Database:
    database, _, _ = initialise(url)
    report = ingest(database, [SEEDS], manifest=SEEDS / "manifest.csv")
    assert not report.failed
    return database


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The seeds, ingested once and only read by the tests that use it."""
    database = seeded(f"sqlite:///{tmp_path_factory.mktemp('seeds') / 'seeds.db'}")
    yield database
    database.dispose()


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[Database]:
    """The seeds in a database of the test's own, for tests that change data."""
    database = seeded(f"sqlite:///{tmp_path / 'fresh.db'}")
    yield database
    database.dispose()


def export_csv_text(database: Database, **options: object) -> str:
    out = io.StringIO(newline="")
    with database.session() as session:
        export_occurrences_csv(session, out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def db_url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


# --- CSV ------------------------------------------------------------------------------


def test_csv_rows_are_the_speech_occurrences(seeds_db: Database) -> None:
    text = export_csv_text(seeds_db)
    lines = text.split("\r\n")
    assert lines[-1] == "" and all("\n" not in line for line in lines)  # CRLF records only
    assert next(csv.reader(io.StringIO(text, newline=""))) == list(EXPORT_COLUMNS)
    rows = parse(text)
    with seeds_db.session() as session:
        speech = session.scalars(
            select(Occurrence).where(
                Occurrence.kind.in_(SPEECH_KINDS), Occurrence.status != "not_a_quote"
            )
        ).all()
        firsts = speech_occurrence_count(session)
    # One row per speech occurrence; repeated passages are rows too, marked in repeat_of.
    assert sorted(int(r["occurrence_id"]) for r in rows) == sorted(o.id for o in speech)
    assert sum(1 for r in rows if not r["repeat_of"]) == firsts == 14
    assert {r["quote_kind"] for r in rows} == {"full", "partial"}
    by_id = {r["occurrence_id"]: r for r in rows}
    for row in rows:
        if row["repeat_of"]:  # the first printing is exported and is the same quote
            first = by_id[row["repeat_of"]]
            assert (first["quote_id"], first["source_id"]) == (row["quote_id"], row["source_id"])
    assert len(parse(export_csv_text(seeds_db, include_repeats=False))) == 14


def test_csv_values_on_the_seeds(seeds_db: Database) -> None:
    rows = parse(export_csv_text(seeds_db))
    kato = [r for r in rows if r["speaker"] == "Katsunobu Kato"]
    card = [r for r in kato if r["wording"] == "It does exist as a card."]
    assert len(card) == 3 and {r["canonical_wording"] for r in card} == {card[0]["wording"]}
    gate = [r for r in card if r["outlet"] == "Gate"]
    assert len(gate) == 2 and sum(1 for r in gate if r["repeat_of"]) == 1
    assert gate[0]["title"].startswith("Tokyo Signals New Stance")
    assert gate[0]["source_path"].endswith("000_e43b175783500417.txt")
    for row in rows:
        start, end = int(row["char_start"]), int(row["char_end"])
        assert row["spans"].startswith(f"{start}:") and row["spans"].endswith(f":{end}")
        assert "unreviewed" in row["flags"] or row["review_status"] != "unreviewed"
        assert int(row["outlets"]) >= 1
    # UTF-8 typography survives: ’ in a wording, – in a title
    assert any(r["wording"] == "We’re done playing nice." for r in rows)
    assert any("–" in r["title"] for r in rows)
    with seeds_db.session() as session:
        source = session.scalar(select(Source).where(Source.path.like("%000_%")))
        assert source is not None
        for row in gate:  # spans point at the words in the stored text
            start, end = int(row["char_start"]), int(row["char_end"])
            assert source.text[start:end] == row["wording"]


def test_csv_matches_the_quotes_view(seeds_db: Database) -> None:
    """The streamed export and `quotes --format csv` (built from trees) agree cell for cell."""
    with seeds_db.session() as session:
        trees = quotes_by_speaker(session)
        review = occurrence_export.review_statuses(session)
    for tree in trees:
        tree["review_status"] = review.get(tree["quote_id"], tree["status"])
    from_trees = io.StringIO(newline="")
    write_csv((row for tree in trees for row in tree_rows(tree)), EXPORT_COLUMNS, from_trees)
    ours = parse(export_csv_text(seeds_db))
    theirs = parse(from_trees.getvalue())
    key = lambda row: int(row["occurrence_id"])  # noqa: E731
    assert sorted(ours, key=key) == sorted(theirs, key=key)
    # Within a quote the order is the trees' order too.
    for quote_id in {r["quote_id"] for r in ours}:
        assert [r["occurrence_id"] for r in ours if r["quote_id"] == quote_id] == [
            r["occurrence_id"] for r in theirs if r["quote_id"] == quote_id
        ]


def test_fast_writer_matches_csv_module(seeds_db: Database) -> None:
    """The record encoder writes exactly what csv.writer writes for the same rows."""
    with seeds_db.session() as session:
        reference = io.StringIO(newline="")
        write_csv(occurrence_rows(session, include_fragments=True), EXPORT_COLUMNS, reference)
    assert export_csv_text(seeds_db, include_fragments=True) == reference.getvalue()
    rng = random.Random(4180)
    alphabet = ['"', ",", "\r", "\n", " ", "a", "é", "“", "'", "=", "-", "\t", ";"]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    for cell in cells:
        expected = io.StringIO(newline="")
        csv.writer(expected, lineterminator="\r\n").writerow([cell, "x"])
        assert occurrence_export._line([cell, "x"]) == expected.getvalue()


def test_cell_encoder_matches_the_documented_rule() -> None:
    """`_field` (the export's cell encoder) writes what csv.writer writes for the cell after
    `formats.csv_cell` (None -> empty, formula neutralisation), on tricky cells."""
    from provenance.export.formats import csv_cell

    rng = random.Random(4180)
    alphabet = ['"', ",", "\r", "\n", "\t", " ", "a", "=", "+", "-", "@", "'", ";", "é", "日", "“"]
    cells: list[str | None] = [None, "", "=", "-", "\t", "\r", '"', "=1+1", "@SUM(A1)", "a,b"]
    cells += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(3000)]
    for cell in cells:
        expected = io.StringIO(newline="")
        csv.writer(expected, lineterminator="\r\n").writerow([csv_cell(cell), "x"])
        assert occurrence_export._field(cell) + ",x\r\n" == expected.getvalue(), repr(cell)


@pytest.fixture(params=["sqlite", "postgresql"])
def tricky_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The seeds in a database of the test's own, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tricky.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = seeded(url)
    yield database
    database.dispose()


def test_fast_export_matches_rows_on_tricky_cells(tricky_db: Database) -> None:
    """Formula starts, quotes, commas, newlines, tabs, CR and non-Latin text in every kind of
    text cell, missing values and dates: the streamed export equals csv.writer over the
    documented rows (`occurrence_rows`), byte for byte, with and without repeats, on both
    backends (raw DB-API rows differ between them: dates, booleans)."""
    from provenance.storage.models import Variant

    fresh_db = tricky_db
    with fresh_db.session() as session:
        session.execute(update(Speaker).where(Speaker.id % 2 == 0).values(name='=cmd|"x", A'))
        session.execute(
            update(Variant)
            .where(Variant.id % 3 == 0)
            .values(wording='-1, "quoted"\nsecond line – 日本')
        )
        session.execute(update(Variant).where(Variant.id % 3 == 1).values(wording="\tsaid"))
        session.execute(update(Variant).where(Variant.id % 4 == 0).values(misquote=True))
        session.execute(update(Variant).values(similarity=Variant.similarity + 0.123456))
        session.execute(update(Source).where(Source.id % 2 == 0).values(outlet="@Out, Let"))
        session.execute(update(Source).where(Source.id % 3 == 0).values(outlet=None))
        session.execute(update(Source).where(Source.id % 2 == 1).values(title='+1 "t"\r\n'))
        session.execute(update(Source).where(Source.id % 3 == 1).values(author=None, url=None))
        session.execute(update(Source).where(Source.id % 4 == 0).values(published_at=None))
        session.execute(
            update(Source)
            .where(Source.id % 4 == 1)
            .values(published_at=datetime(2025, 1, 2, 3, 4, 5, 123456))
        )
        session.execute(update(Occurrence).where(Occurrence.id % 2 == 0).values(cue="\rsaid"))
        session.execute(
            update(Occurrence).where(Occurrence.id % 3 == 0).values(attributed_as="=A, B")
        )
        session.execute(update(Occurrence).where(Occurrence.id % 5 == 0).values(cue=None))
        session.execute(update(Occurrence).values(confidence=0.1234567890123))
        session.commit()
    for options in ({}, {"include_repeats": False}, {"include_fragments": True}):
        with fresh_db.session() as session:
            reference = io.StringIO(newline="")
            write_csv(occurrence_rows(session, **options), EXPORT_COLUMNS, reference)
        text = export_csv_text(fresh_db, **options)
        assert text == reference.getvalue(), options
        assert "=cmd" in text and "日本" in text and "2025-01-02T03:04:05.123456" in text


def test_export_puts_sqlite_mmap_setting_back(
    seeds_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export memory-maps SQLite reads while it runs and restores the connection's own
    setting afterwards, also when it fails."""
    with seeds_db.session() as session:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        mmap_size = lambda: raw.execute("PRAGMA mmap_size").fetchone()[0]  # noqa: E731
        before = mmap_size()
        seen: list[int] = []
        real = occurrence_export._speech_lines

        def spying(*args: object) -> Iterator[tuple[str, int]]:
            seen.append(mmap_size())
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(occurrence_export, "_speech_lines", spying)
        export_occurrences_csv(session, io.StringIO(newline=""))
        assert seen and seen[0] > before and mmap_size() == before

        def failing(*args: object) -> Iterator[tuple[str, int]]:
            raise RuntimeError("disk full")

        monkeypatch.setattr(occurrence_export, "_speech_lines", failing)
        with pytest.raises(RuntimeError):
            export_occurrences_csv(session, io.StringIO(newline=""))
        assert mmap_size() == before


def test_fragments_only_on_request(seeds_db: Database) -> None:
    rows = parse(export_csv_text(seeds_db, include_fragments=True))
    extra = [r for r in rows if r["quote_kind"] in ("fragment", "headline")]
    assert Counter(r["quote_kind"] for r in extra) == {"fragment": 3, "headline": 1}
    assert all(not r["speaker"] and not r["quote_id"] for r in extra)
    assert rows[-len(extra) :] == extra  # nobody's speech comes last
    assert {r["wording"] for r in extra} >= {"National Crisis", "card"}


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    article = tmp_path / "evil.txt"
    article.write_text(
        "Officials met on Tuesday.\n\n"
        "“=HYPERLINK(1) is the answer, believe me,” said Jane Doe, a spokesperson for the "
        "ministry.\n\n"
        "“@SUM(A1:A9) is what the budget needs,” said Mark Roe, an economist at the bank.\n\n"
        "“-2 percent is the number we expect this year,” said Jane Doe.\n\n"
        "“+1 for the new plan, and for the old one,” said Mark Roe.\n",
        encoding="utf-8",
    )
    database, _, _ = initialise(f"sqlite:///{tmp_path / 'evil.db'}")
    meta = SourceMeta(
        outlet='=HYPERLINK("http://evil.example","x")',
        title="+1 “reasons” to worry, it’s said",
        author="-2 Smith",
        url="@SUM(1+1)",
    )
    assert not ingest(database, [article], overrides=meta).failed
    with database.session() as session:  # cells that arrive by other ways than extraction
        session.execute(update(Speaker).where(Speaker.name == "Mark Roe").values(name="\tMark"))
        session.execute(update(Occurrence).values(cue="\rsaid"))
    rows = parse(export_csv_text(database))
    database.dispose()
    assert rows, "the crafted article yields quotes"
    for row in rows:
        assert row["outlet"] == "'" + meta.outlet
        assert row["title"] == "'+1 “reasons” to worry, it’s said"
        assert row["author"] == "'-2 Smith"
        assert row["url"] == "'@SUM(1+1)"
        assert row["cue"] == "'\rsaid"
        for column, cell in row.items():  # nothing anywhere a spreadsheet would evaluate
            assert not cell.startswith(FORMULA_FIRST), (column, cell)
    assert {r["wording"] for r in rows} == {
        "'=HYPERLINK(1) is the answer, believe me,",
        "'@SUM(A1:A9) is what the budget needs,",
        "'-2 percent is the number we expect this year,",
        "'+1 for the new plan, and for the old one,",
    }
    assert {r["speaker"] for r in rows} == {"Jane Doe", "'\tMark"}


def test_review_status_hook(seeds_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with seeds_db.session() as session:
        quote_id = session.scalars(select(Quote.id).order_by(Quote.id)).first()
    monkeypatch.setattr(
        occurrence_export, "review_statuses", lambda session: {quote_id: "reviewed: confirm"}
    )
    rows = parse(export_csv_text(seeds_db))
    assert {r["review_status"] for r in rows if r["quote_id"] == str(quote_id)} == {
        "reviewed: confirm"
    }
    assert {r["review_status"] for r in rows if r["quote_id"] != str(quote_id)} == {"unreviewed"}
    out = io.StringIO()
    with seeds_db.session() as session:
        export_tree_json(session, out)
        doc = build_document(session)
    trees = {t["quote_id"]: t for t in json.loads(out.getvalue())}
    assert trees[quote_id]["review_status"] == "reviewed: confirm"
    record = doc.get_record(NAMESPACE[f"quote/{quote_id}"])[0]
    assert tuple(v for k, v in record.attributes if k == NAMESPACE["review_status"]) == (
        "reviewed: confirm",
    )


def test_speaker_filter(seeds_db: Database) -> None:
    rows = parse(export_csv_text(seeds_db, speaker="Kato"))
    assert rows and {r["speaker"] for r in rows} == {"Katsunobu Kato"}
    with seeds_db.session() as session:
        rows_as_lists = list(iter_occurrence_rows(session, speaker="Kato"))
    assert len(rows_as_lists) == len(rows)


# --- output files and the CLI ------------------------------------------------------------


def test_cli_csv_to_stdout(seeds_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--db", db_url(seeds_db), "export", "csv")
    assert code == 0, err
    assert out == export_csv_text(seeds_db)
    code, out, err = run_cli(capsys, "--db", db_url(seeds_db), "export", "csv", "-s", "Kato")
    assert code == 0 and {r["speaker"] for r in parse(out)} == {"Katsunobu Kato"}
    code, out, err = run_cli(
        capsys, "--db", db_url(seeds_db), "export", "csv", "--speaker", "Nobody Atall"
    )
    assert code == 1 and out == "" and err.startswith("error: ")


def test_cli_out_file_is_written_whole(
    seeds_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "occurrences.csv"
    code, out, err = run_cli(
        capsys, "--db", db_url(seeds_db), "export", "csv", "--out", str(target)
    )
    assert code == 0 and out == "" and "wrote 18 rows" in err
    data = target.read_bytes()
    assert data == export_csv_text(seeds_db).encode("utf-8") and data.endswith(b"\r\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occurrences.csv"]
    code, _, _ = run_cli(
        capsys, "--db", db_url(seeds_db), "export", "csv", "--bom", "-o", str(target)
    )
    assert code == 0 and target.read_bytes() == b"\xef\xbb\xbf" + data


def test_interrupted_export_leaves_no_half_file(
    seeds_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "occurrences.csv"
    target.write_bytes(b"previous export\r\n")

    def interrupted(session, out, **options):  # type: ignore[no-untyped-def]
        out.write("quote_id,speaker\r\n1,half")
        raise KeyboardInterrupt

    monkeypatch.setattr(occurrence_export, "export_occurrences_csv", interrupted)
    code, _, _ = run_cli(capsys, "--db", db_url(seeds_db), "export", "csv", "-o", str(target))
    assert code == 130
    assert target.read_bytes() == b"previous export\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["occurrences.csv"]
    fresh = tmp_path / "new.csv"
    with pytest.raises(RuntimeError), open_output(fresh) as stream:
        stream.write("half")
        raise RuntimeError("disk full")
    assert not fresh.exists() and [p.name for p in tmp_path.iterdir()] == ["occurrences.csv"]


def test_out_into_missing_folder_is_one_line_error(
    seeds_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "x.csv"
    code, _, err = run_cli(capsys, "--db", db_url(seeds_db), "export", "csv", "-o", str(target))
    assert code == 1 and err.startswith("error: ") and "does not exist" in err
    assert len(err.strip().splitlines()) == 1


# --- JSON tree ---------------------------------------------------------------------------


def test_json_tree(seeds_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "trees.json"
    code, _, err = run_cli(capsys, "--db", db_url(seeds_db), "export", "json", "-o", str(target))
    assert code == 0, err
    trees = json.loads(target.read_text(encoding="utf-8"))
    with seeds_db.session() as session:
        expected = json.loads(json.dumps(quotes_by_speaker(session), default=str))
    assert [t["quote_id"] for t in trees] == [t["quote_id"] for t in expected]
    assert len(trees) == 13
    for tree in trees:
        assert {"quote_id", "speaker", "canonical", "variants", "flags", "review_status"} <= set(
            tree
        )
        for variant in tree["variants"]:
            assert {"variant_id", "wording", "relation", "similarity"} <= set(variant)
            for occurrence in variant["occurrences"]:
                assert {"occurrence_id", "source_path", "outlet", "spans"} <= set(occurrence)
    card = next(t for t in trees if t["canonical"] == "It does exist as a card.")
    assert card["speaker"] == "Katsunobu Kato"
    assert sum(len(v["occurrences"]) for v in card["variants"]) == 3
    occurrences = sum(len(v["occurrences"]) for t in trees for v in t["variants"])
    assert occurrences == 18  # the same occurrences as the CSV rows
    code, out, _ = run_cli(capsys, "--db", db_url(seeds_db), "export", "json", "-s", "Kato")
    assert code == 0 and {t["speaker"] for t in json.loads(out)} == {"Katsunobu Kato"}


def test_json_tree_streams_in_chunks(seeds_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from provenance.export import tree as tree_export

    monkeypatch.setattr(tree_export, "CHUNK_QUOTES", 2)
    out = io.StringIO()
    with seeds_db.session() as session:
        assert export_tree_json(session, out) == 13
    assert len(json.loads(out.getvalue())) == 13
    assert out.getvalue().count("\n") == 13 + 2  # "[", one tree per line, "]"


# --- W3C PROV ------------------------------------------------------------------------------


def records_by_type(doc: ProvDocument) -> Counter[str]:
    return Counter(type(record).__name__ for record in doc.get_records())


def test_prov_json_round_trips(
    fresh_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_db.session() as session:
        session.execute(
            update(Source).values(published_at=datetime(2025, 3, 17, 9, 30))  # a dated source
        )
    target = tmp_path / "prov.json"
    code, _, err = run_cli(capsys, "--db", db_url(fresh_db), "export", "prov", "-o", str(target))
    assert code == 0, err
    restored = ProvDocument.deserialize(content=target.read_text(encoding="utf-8"), format="json")
    with fresh_db.session() as session:
        doc = build_document(session)
    assert restored == doc
    counts = records_by_type(restored)
    assert counts == records_by_type(doc)
    # 6 speakers + outlet Gate + author Srijana lama; 13 quotes + 18 occurrences + 5 sources
    assert counts["ProvAgent"] == 8
    assert counts["ProvEntity"] == 36
    assert counts["ProvAttribution"] == 13 + 2
    assert counts["ProvDerivation"] == 18  # wasQuotedFrom
    assert counts["ProvMembership"] == 18
    source = next(r for r in restored.get_records() if "source/" in str(r.identifier))
    published = dict(source.attributes)[NAMESPACE["published_at"]]
    assert published == datetime(2025, 3, 17, 9, 30)
    assert '"type": "xsd:dateTime"' in target.read_text(encoding="utf-8")


def test_prov_structure_for_kato(seeds_db: Database) -> None:
    with seeds_db.session() as session:
        doc = build_document(session)
        kato_id = session.scalar(select(Speaker.id).where(Speaker.name == "Katsunobu Kato"))
        card = session.scalar(
            select(Quote.id)
            .join(Quote.canonical_variant)
            .where(Quote.speaker_id == kato_id)
            .where(Quote.canonical_variant.has(wording="It does exist as a card."))
        )
    speaker = NAMESPACE[f"speaker/{kato_id}"]
    agent = doc.get_record(speaker)[0]
    assert (PROV["type"], PROV["Person"]) in agent.attributes
    assert (PROV["label"], "Katsunobu Kato") in agent.attributes
    quote = NAMESPACE[f"quote/{card}"]
    attributions = {
        (r.get_attribute(PROV["entity"]).pop(), r.get_attribute(PROV["agent"]).pop())
        for r in doc.get_records()
        if type(r).__name__ == "ProvAttribution"
    }
    assert (quote, speaker) in attributions
    quoted = [
        r.get_attribute(PROV["generatedEntity"]).pop()
        for r in doc.get_records()
        if type(r).__name__ == "ProvDerivation" and r.get_attribute(PROV["usedEntity"]) == {quote}
    ]
    assert len(quoted) == 3
    assert all(
        (PROV["type"], PROV["Quotation"]) in r.attributes
        for r in doc.get_records()
        if type(r).__name__ == "ProvDerivation"
    )
    members = {
        r.get_attribute(PROV["entity"]).pop(): r.get_attribute(PROV["collection"]).pop()
        for r in doc.get_records()
        if type(r).__name__ == "ProvMembership"
    }
    gate = NAMESPACE["outlet/gate"]
    gate_sources = {entity for entity, agent in attributions if agent == gate}
    assert len(gate_sources) == 1
    assert sum(1 for occurrence in quoted if members[occurrence] in gate_sources) == 2
    occurrence = doc.get_record(quoted[0])[0]
    values = dict(occurrence.attributes)
    assert values[PROV["value"]] == "It does exist as a card."
    assert values[NAMESPACE["relation"]] == "canonical" and values[NAMESPACE["similarity"]] == 100.0
    organisation = doc.get_record(gate)[0]
    assert (PROV["type"], PROV["Organization"]) in organisation.attributes


def test_prov_provn_and_organisation_speakers(
    fresh_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_db.session() as session:
        smith = session.scalar(select(Speaker.id).where(Speaker.name == "Nicholas Smith"))
        session.execute(update(Speaker).where(Speaker.id == smith).values(kind="organisation"))
    code, out, err = run_cli(capsys, "--db", db_url(fresh_db), "export", "prov", "-f", "provn")
    assert code == 0, err
    with fresh_db.session() as session:
        doc = build_document(session)
    assert out == doc.get_provn() + "\n"  # prov has no PROV-N parser: same text as prov's own
    assert out.startswith("document\n") and out.rstrip().endswith("endDocument")
    assert "wasDerivedFrom(provenance:occurrence/1, provenance:quote/1, -, -, -, " in out
    assert "[prov:type='prov:Quotation'])" in out
    assert (
        f"agent(provenance:speaker/{smith}, [prov:type='prov:Organization', "
        'prov:label="Nicholas Smith"'
    ) in out
    # …and the same document survives PROV-JSON
    restored = ProvDocument.deserialize(content=serialise(doc, "json"), format="json")
    assert restored == doc and records_by_type(restored) == records_by_type(doc)


def test_prov_rejects_unknown_format(seeds_db: Database) -> None:
    with seeds_db.session() as session, pytest.raises(ValueError):
        export_prov(session, io.StringIO(), fmt="turtle")
