"""The scale benchmark (bench/run.py) at N = 200: every figure is produced and every result is
correct. No time is ever asserted: the suite runs on machines of any speed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import run as bench_run

ARTICLES = 200


def _run(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "result.json"
    code = bench_run.main(
        [
            "--articles",
            str(ARTICLES),
            "--work",
            str(tmp_path / "work"),
            "--scaling-articles",
            "60",
            "--lookups",
            "4",
            "--cli-reps",
            "2",
            "--no-record",
            "--quiet",
            "--json",
            str(out),
            *extra,
        ]
    )
    result = json.loads(out.read_text())
    assert code == 0, result["checks"]
    return result


def _check_figures(result: dict) -> None:
    assert result["articles"] == ARTICLES
    assert all(result["checks"].values()), result["checks"]
    counts = result["counts"]
    assert counts["source"] == ARTICLES and counts["occurrence"] > 0
    assert counts["unlinked_variants"] == 0 and counts["quote"] > 0
    for phase in ("ingest", "link"):
        figures = result[phase]
        assert figures["seconds"] > 0 and figures["cpu_seconds"] > 0
        assert figures["articles_per_s"] > 0 and figures["occurrences_per_s"] > 0
        assert figures["peak_rss_bytes"] > 0
    assert result["end_to_end"]["articles_per_s"] > 0
    assert result["database_bytes"] > 0
    for where in ("lookups_in_process", "lookups_cli"):
        for lookup in ("speakers", "show"):
            figures = result[where][lookup]
            assert figures["n"] > 0 and 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert result["help"]["n"] > 0 and result["help"]["p50_ms"] > 0
    export = result["csv_export"]
    assert export["rows"] == counts["speech_occurrences"] and export["rows_per_s"] > 0
    if result["backend"] == "sqlite":
        assert export["floor_rows"] == export["rows"] and export["floor_rows_per_s"] > 0
    floor = result["floor"]
    assert floor["files"] == ARTICLES and floor["matches"] > 0
    assert floor["rows"] == floor["provenance_rows"]
    assert floor["ratio_end_to_end"] > 0
    naive = result["naive"]
    assert naive["variants"] == counts["variant"] and naive["pairs_scored"] > 0
    assert naive["naive_links"] >= naive["found_same_quote"] >= 0
    assert 0.0 <= naive["recall"] <= 1.0 and naive["speedup_vs_link"] > 0
    scaling = result["workers_scaling"]
    if result["backend"] == "sqlite":
        assert scaling["articles"] == 60 and scaling["speedup"] > 0
        assert scaling["cpu_seconds_1"] > 0 and scaling[f"cpu_seconds_{result['workers']}"] > 0
        assert len(scaling["all_seconds_1"]) == scaling["rounds"] == 3
        assert scaling["seconds_1"] == min(scaling["all_seconds_1"])
    assert result["peak_rss_bytes"] > 0 and result["load_before"]
    # The report renders every figure and a verdict for every target.
    section = bench_run.markdown_section([result])
    for label, _ in bench_run.figures(result):
        assert f"| {label} |" in section
    assert len(bench_run.verdicts(result, [result])) >= (10 if result["workers_scaling"] else 9)


def _check_side_by_side(result: dict) -> None:
    """--compare-db: the same corpus ingested and linked on PostgreSQL in the same run."""
    compared = result["compare"]
    assert result["backend"] == "sqlite" and compared["backend"] == "postgresql"
    for phase in ("ingest", "link"):
        assert compared[phase]["seconds"] > 0 and compared[phase]["cpu_seconds"] > 0
        assert compared[phase]["peak_rss_bytes"] > 0
    assert compared["end_to_end_seconds"] > 0
    for ratio in ("ingest_ratio", "link_ratio", "ratio", "cpu_ratio"):
        assert compared[ratio] > 0
    for table in bench_run.INGEST_TABLES:
        assert compared["counts"][table] == result["counts"][table]
    assert result["checks"]["compare_counts_match"]
    assert result["checks"]["compare_all_variants_linked"]
    section = bench_run.markdown_section([result])
    assert "| side by side: sqlite vs postgresql |" in section
    assert "| PostgreSQL <= 2x SQLite |" in section and "side by side (ingest" in section


def test_bench_smoke_sqlite(tmp_path: Path) -> None:
    result = _run(tmp_path, "--growth-base", str(ARTICLES // 10))
    _check_figures(result)
    # The link-growth ratio divides by a link of a tenth of the corpus timed in this run.
    base = result["growth_base"]
    assert base["articles"] == ARTICLES // 10 and base["linked_quotes"] > 0
    for phase in ("ingest", "link"):
        assert base[phase]["seconds"] > 0 and base[phase]["cpu_seconds"] > 0
    growth = [row for row in bench_run.verdicts(result, []) if row[0].startswith("link ")]
    assert len(growth) == 1 and "both links timed in this run" in growth[0][1]
    # The results file: this section is (re)written, every other section is kept.
    target = tmp_path / "RESULTS.md"
    target.write_text("# Benchmark results\n\n## Extraction\n\nkept\n")
    bench_run.write_markdown([result], target)
    bench_run.write_markdown([result], target)
    text = target.read_text()
    assert "## Extraction\n\nkept" in text
    assert text.count(bench_run.SECTION_TITLE) == 1 and text.count(bench_run.SECTION_END) == 1


@pytest.mark.postgres
def test_bench_smoke_postgres(tmp_path: Path, postgres_database: str) -> None:
    result = _run(tmp_path, "--db", postgres_database, "--scaling-articles", "0")
    assert result["backend"] == "postgresql"
    assert result["workers_scaling"] is None  # skipped on purpose: SQLite only
    _check_figures(result)


@pytest.mark.postgres
def test_bench_smoke_side_by_side(tmp_path: Path, postgres_database: str) -> None:
    result = _run(tmp_path, "--compare-db", postgres_database)
    _check_figures(result)
    _check_side_by_side(result)


def test_fast_head_revision_matches_alembic() -> None:
    """`provenance` checks the schema without importing alembic; both must agree."""
    from provenance.storage import migrations

    assert migrations._head_from_files() == migrations.script_directory().get_current_head()


def test_extraction_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    """bench/bench_extraction.py on the seeds: first pass, best of three and one-worker
    ingest, each measured in its own process, for each build there is; the counts are
    checked, never a time."""
    import bench_extraction

    from provenance.extraction import BUILD, extract_quotes
    from tests.conftest import SEEDS

    files = sorted(p for p in SEEDS.rglob("*") if p.suffix in (".txt", ".md"))
    quotes = sum(len(extract_quotes(p.read_text(encoding="utf-8"))) for p in files)
    bench_extraction.main([str(SEEDS)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{len(files)} articles") and f"{quotes} quotes" in out[0]
    # with a compiled build, both builds side by side and their ratio on every line
    both = BUILD == "compiled"
    assert out[0].endswith("compiled and interpreted") == both
    assert all(("compiled " in line and "x the CPU speed" in line) == both for line in out[1:])
    assert [line.split(":")[0].strip() for line in out[1:]] == [
        "extraction, first pass",
        "extraction, best of 3",
        "ingest, one worker",
    ]
    assert out[3].endswith(f"({len(files)} sources stored)")


def test_link_phases_counts_every_phase_of_a_first_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench/link_phases.py on the seeds ingested --no-link, twice side by side: every phase
    is counted, and the same link does the same work both times (when the
    processor's instruction counter is there; CPU seconds are never compared)."""
    import link_phases

    from provenance.ingest import ingest
    from provenance.storage.db import initialise
    from tests.conftest import SEEDS

    database, _, _ = initialise(f"sqlite:///{tmp_path / 'nolink.db'}")
    ingest(database, [SEEDS])
    database.dispose()
    runs = [link_phases.measure(tmp_path / "nolink.db") for _ in range(2)]
    for run in runs:
        assert run["variants"] > 0
        for _, name in link_phases.PHASES:
            assert run["phases"][name][2] >= 1, name
    if link_phases.instruction_counter() is not None:
        first, second = (run["phases"]["TOTAL"][0] for run in runs)
        assert first > 0 and abs(first - second) / first < 0.02
    link_phases.main([str(tmp_path / "nolink.db")])
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("TOTAL") and len(lines) == 2 + 1 + len(link_phases.PHASES)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--articles", "many"], "'many' is not a whole number"),
        (["--articles", "0"], "0 is below 1"),
        (["--articles", "10", "--workers", "0"], "0 is below 1"),
        (["--articles", "10", "--db", "bogus://x"], "--db: unsupported database 'bogus'"),
        (
            ["--articles", "10", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/none"],
            "--db: cannot use the PostgreSQL database",
        ),
        (["--articles", "10", "--compare-db", "sqlite:////no/such/folder/x.db"], "does not exist"),
        (
            ["--articles", "10", "--db", "postgresql+psycopg2://postgres@127.0.0.1/test"],
            "the driver 'psycopg2'",
        ),
    ],
)
def test_bench_rejects_bad_arguments_in_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    work = tmp_path / "work"
    with pytest.raises(SystemExit) as stopped:
        bench_run.main([*args, "--work", str(work), "--no-record", "--quiet"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert expected in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith("run.py: error: ")
    assert not work.exists()  # nothing built, nothing emptied


def test_bench_refuses_a_file_as_its_work_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    with pytest.raises(SystemExit) as stopped:
        bench_run.main(["--articles", "10", "--work", str(afile), "--no-record", "--quiet"])
    assert stopped.value.code == 2
    assert "is a file; pass a folder" in capsys.readouterr().err
    assert afile.read_text() == "mine"


def test_recording_replaces_a_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "runs.json"
    target.write_text("[old]")
    bench_run.write_atomic(target, "[new]")
    assert target.read_text() == "[new]"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.json"]  # no temporary file left


def test_a_bare_path_is_sqlite_and_may_lie_in_the_work_folder_the_run_creates(
    tmp_path: Path,
) -> None:
    work = tmp_path / "work"
    args = bench_run.parse_arguments(
        ["--articles", "10", "--work", str(work), "--db", str(work / "bench.db")]
    )
    assert args.db == f"sqlite:///{work / 'bench.db'}"
    assert not work.exists()  # checked, not created: the run makes it


def test_bench_refuses_a_json_path_in_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        bench_run.parse_arguments(["--articles", "10", "--json", str(tmp_path / "no" / "r.json")])
    assert stopped.value.code == 2
    assert "its folder does not exist" in capsys.readouterr().err


def test_a_postgresql_run_is_compared_with_sqlite_on_its_own_code_only():
    """A later SQLite run of faster code is no baseline for an older PostgreSQL run."""
    sqlite_old = {"backend": "sqlite", "articles": 10, "code": "old", "end_to_end": {"seconds": 4}}
    sqlite_new = {"backend": "sqlite", "articles": 10, "code": "new", "end_to_end": {"seconds": 1}}
    postgres = {
        "backend": "postgresql",
        "articles": 10,
        "code": "old",
        "end_to_end": {"seconds": 6},
    }
    runs = [sqlite_old, postgres, sqlite_new]
    assert bench_run._find(runs, "sqlite", 10, code="old") is sqlite_old
    assert bench_run._find(runs, "sqlite", 10) is sqlite_new
    assert bench_run._find(runs, "sqlite", 10, code="other") is None
