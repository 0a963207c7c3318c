"""Scale benchmark: provenance end to end on a synthetic corpus, against two reference paths.

    python bench/run.py --articles N [--db URL] [--workers K] [--seed S] [--work DIR]
                        [--compare-db postgresql+psycopg://USER@HOST:PORT/DBNAME]

Builds the synthetic corpus (bench/synth.py) at size N, then times, on one database:

- ingest (`provenance ingest --no-link --workers K`) and link (`provenance link`) as CLI
  processes: articles/s, occurrences/s, peak RSS (largest process, workers included);
- the database size;
- lookups: `quotes --speaker` and `show`, p50/p95 in-process (library call, fresh session)
  and as CLI calls; `provenance --help` start-up; CSV export rows/s (in-process);
- the floor (bench/floor.py: read the same files, one quote-mark regex, plain sqlite3
  `executemany` of the same number of rows provenance's ingest wrote);
- the naive linker (bench/naive.py: rapidfuzz `cdist` over all pairs of each speaker's
  wordings, links decided with compare's thresholds: minor edits and containments), for
  N <= --naive-max: time, and recall of
  its links by provenance;
- ingest with 1 worker vs K workers on the first --scaling-articles files (fresh SQLite,
  with a manifest of just those files, so both runs time ingest and not the loading of a
  100k-entry manifest), alternately three times, keeping each side's best run;
- at 100k articles and more (or with --growth-base N): a corpus of 10k (N) articles
  ingested and linked right after the main run, so the link-growth ratio divides two links
  timed in the same invocation;
- with --compare-db URL (a PostgreSQL database, EMPTIED): the same corpus ingested and linked
  there right after the main run, so the PostgreSQL / SQLite ratio (ingest, link, end to
  end) is measured side by side in one run, as the project's ratios must be.

Every process phase also records its CPU time (user + sys of the process and the worker
processes it waited for), which is less sensitive than wall time to other jobs on a shared
machine.

Prints every figure and each target's verdict, appends the run to bench/scale_runs.json and
rewrites the "Scale" section of bench/RESULTS.md from every recorded run (--no-record
skips both). Correctness checks (counts agree between provenance and the floor, every
lookup returns its speaker's/quote's rows, the export has one row per speech occurrence)
are in the result's "checks" and fail the run when false.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

RESULTS_MD = BENCH / "RESULTS.md"
RUNS_JSON = BENCH / "scale_runs.json"
SECTION_BEGIN = "<!-- scale:begin (written by bench/run.py) -->"
SECTION_END = "<!-- scale:end -->"
SECTION_TITLE = "## Scale (bench/run.py)"

# Targets of issue #6 (2 cores, SQLite unless stated).
TARGETS = {
    "end_to_end_articles_per_s": 300.0,  # at 100k, ingest + extract + link
    "vs_floor_max": 4.0,
    "link_growth_max": 12.0,  # link time at 100k / at 10k
    "naive_speedup_min": 20.0,  # at 20k
    "naive_recall_min": 0.99,
    "lookup_p95_ms": 50.0,  # at 100k, in-process
    "help_ms": 300.0,
    "export_rows_per_s": 100_000.0,
    "peak_rss_gib": 1.5,
    "postgres_vs_sqlite_max": 2.0,
    "workers_speedup_min": 1.6,
}

GIB = 1024**3


# --------------------------------------------------------------------------- processes


def _python() -> str:
    return sys.executable


def timed_process(argv: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a process to completion: wall seconds, peak RSS of its largest process, output.

    `os.wait4` reports the child's own peak RSS or, if larger, that of any descendant it
    waited for (ingest's worker processes), so one number covers the whole tree.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} … exited {process.returncode}:\n{stderr[-3000:]}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "stdout": stdout,
        "stderr": stderr,
    }


def cli(db_url: str, *args: str) -> list[str]:
    return [_python(), "-m", "provenance", "--db", db_url, *args]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": 1000 * statistics.median(values),
        "p95_ms": 1000 * percentile(values, 95),
        "n": len(values),
    }


# --------------------------------------------------------------------------- phases


def build_corpus(articles: int, seed: int, folder: Path) -> dict[str, Any]:
    stamp = folder / ".synth"
    generator = hashlib.sha256((BENCH / "synth.py").read_bytes()).hexdigest()[:16]
    wanted = f"{articles} {seed} {generator}"  # a changed generator means a new corpus
    if stamp.exists() and stamp.read_text() == wanted:
        return {"seconds": 0.0, "reused": True}
    if folder.exists():
        shutil.rmtree(folder)
    run = timed_process(
        [
            _python(),
            str(BENCH / "synth.py"),
            "--articles",
            str(articles),
            "--seed",
            str(seed),
            "--out",
            str(folder),
        ]
    )
    stamp.write_text(wanted)
    return {"seconds": run["seconds"], "reused": False}


def reset_database(url: str) -> None:
    """Empty the benchmark database: delete a SQLite file, or drop a PostgreSQL schema."""
    from sqlalchemy import create_engine, text

    from provenance.storage.db import parse_url

    parsed = parse_url(url)  # a bare postgresql:// gets the psycopg driver there
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(parsed)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_size(url: str) -> int:
    from sqlalchemy import create_engine, text

    from provenance.storage.db import parse_url

    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        base = parsed.database or ""
        return sum(
            os.path.getsize(base + suffix)
            for suffix in ("", "-wal")
            if os.path.exists(base + suffix)
        )
    engine = create_engine(parsed)
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return int(size or 0)


def table_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from provenance.storage.db import open_database
    from provenance.storage.models import SPEECH_KINDS, Base, Occurrence, Variant, VariantKey

    database = open_database(url)
    counts: dict[str, int] = {}
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = session.scalar(select(func.count()).select_from(table)) or 0
        counts["unlinked_variants"] = (
            session.scalar(
                select(func.count())
                .select_from(Variant)
                .where(
                    ~select(VariantKey.variant_id)
                    .where(VariantKey.variant_id == Variant.id)
                    .exists()
                )
            )
            or 0
        )
        counts["speech_occurrences"] = (
            session.scalar(
                select(func.count())
                .select_from(Occurrence)
                .where(Occurrence.kind.in_(SPEECH_KINDS), Occurrence.variant_id.is_not(None))
            )
            or 0
        )
    database.dispose()
    return counts


def lookups(url: str, samples: int, seed: int) -> dict[str, Any]:
    """In-process `quotes --speaker` and `show`, each call in a fresh session."""
    from sqlalchemy import func, select

    from provenance.lookup import quotes_by_speaker, show_quote
    from provenance.storage.db import open_database
    from provenance.storage.models import Quote, Speaker, Variant

    database = open_database(url)
    rng = random.Random(seed)
    with database.session() as session:
        with_quotes = session.execute(
            select(Speaker.id, Speaker.name, func.count(Quote.id))
            .join(Quote, Quote.speaker_id == Speaker.id)
            .where(select(Variant.id).where(Variant.quote_id == Quote.id).exists())
            .where(Speaker.merged_into_id.is_(None))
            .group_by(Speaker.id, Speaker.name)
            .order_by(Speaker.id)
        ).all()
        quote_ids = list(
            session.scalars(
                select(Quote.id)
                .where(select(Variant.id).where(Variant.quote_id == Quote.id).exists())
                .order_by(Quote.id)
            )
        )
    # A uniform sample of speakers, plus the most prolific one (the worst case).
    chosen = rng.sample(with_quotes, min(samples, len(with_quotes)))
    busiest = max(with_quotes, key=lambda row: row[2])
    if busiest not in chosen:
        chosen[-1] = busiest
    speaker_times: list[float] = []
    checks = {"speaker_lookups_correct": True, "show_lookups_correct": True}
    for warm in range(2):
        with database.session() as session:
            quotes_by_speaker(session, chosen[warm % len(chosen)][1])
    for speaker_id, name, count in chosen:
        with database.session() as session:
            started = time.perf_counter()
            trees = quotes_by_speaker(session, name)
            speaker_times.append(time.perf_counter() - started)
        if len(trees) != count or any(t["speaker_id"] != speaker_id for t in trees):
            checks["speaker_lookups_correct"] = False
    shown = rng.sample(quote_ids, min(samples * 4, len(quote_ids)))
    show_times: list[float] = []
    for quote_id in shown:
        with database.session() as session:
            started = time.perf_counter()
            tree = show_quote(session, quote_id)
            show_times.append(time.perf_counter() - started)
        if tree["quote_id"] != quote_id or not tree["variants"]:
            checks["show_lookups_correct"] = False
    database.dispose()
    return {
        "speakers": summary_ms(speaker_times),
        "show": summary_ms(show_times),
        "busiest_speaker_quotes": busiest[2],
        "speaker_names": [name for _, name, _ in chosen],
        "quote_ids": shown,
        "checks": checks,
    }


def cli_lookups(url: str, names: list[str], quote_ids: list[int], reps: int) -> dict[str, Any]:
    speaker_times = []
    for i in range(reps):
        run = timed_process(cli(url, "quotes", "--speaker", names[i % len(names)], "-f", "json"))
        speaker_times.append(run["seconds"])
    show_times = []
    for i in range(reps):
        run = timed_process(cli(url, "show", str(quote_ids[i % len(quote_ids)]), "-f", "json"))
        show_times.append(run["seconds"])
    return {"speakers": summary_ms(speaker_times), "show": summary_ms(show_times)}


def help_startup(reps: int) -> dict[str, float]:
    times = []
    for _ in range(reps):
        times.append(timed_process([_python(), "-m", "provenance", "--help"])["seconds"])
    entry = Path(_python()).with_name("provenance")
    if entry.exists():  # the installed console script, as users run it
        for _ in range(reps):
            times.append(timed_process([str(entry), "--help"])["seconds"])
    return summary_ms(times)


def csv_export(url: str, expected: int, rounds: int = 2) -> dict[str, Any]:
    """provenance's CSV export, and on SQLite its floor, alternately; each keeps its best run.

    The floor reads the stored columns of the same speech occurrences with one join (variant,
    quote, speaker, source) through the plain `sqlite3` module and writes them with
    `csv.writer`: no cluster columns, flags or formula neutralisation, so it bounds what any
    Python export of these rows can reach on this machine."""
    from provenance.export.occurrences import export_occurrences_csv
    from provenance.storage.db import open_database

    database = open_database(url)
    best = best_floor = math.inf
    rows = floor_rows = size = 0
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "occurrences.csv"
        for _ in range(rounds):
            with (
                database.session() as session,
                target.open("w", newline="", encoding="utf-8") as out,
            ):
                started = time.perf_counter()
                rows = export_occurrences_csv(session, out)
                best = min(best, time.perf_counter() - started)
            size = target.stat().st_size
            if database.is_sqlite:
                floor_rows, seconds = _csv_floor(database.url.database, Path(folder) / "f.csv")
                best_floor = min(best_floor, seconds)
    database.dispose()
    result: dict[str, Any] = {
        "rows": rows,
        "seconds": best,
        "rows_per_s": rows / best if best else 0.0,
        "bytes": size,
        "rounds": rounds,
        "checks": {"export_rows_match": rows == expected},
    }
    if floor_rows:
        result["floor_rows"] = floor_rows
        result["floor_rows_per_s"] = floor_rows / best_floor
        result["vs_floor"] = result["floor_rows_per_s"] / result["rows_per_s"]
    return result


_CSV_FLOOR_QUERY = """
SELECT q.id, sp.name, v.id, o.wording, v.relation, v.similarity, s.path, s.outlet, s.title,
       s.author, s.url, s.published_at, o.spans, o.char_start, o.char_end, o.attributed_as,
       o.cue, o.kind, o.status
FROM occurrence o
JOIN variant v ON v.id = o.variant_id
JOIN quote q ON q.id = v.quote_id
JOIN speaker sp ON sp.id = v.speaker_id
JOIN source s ON s.id = o.source_id
WHERE o.kind IN ('full', 'partial')
ORDER BY q.id, v.id, o.id
"""


def _csv_floor(path: str, target: Path) -> tuple[int, float]:
    import csv
    import sqlite3

    started = time.perf_counter()
    connection = sqlite3.connect(path)
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        cursor = connection.execute(_CSV_FLOOR_QUERY)
        count = 0
        while batch := cursor.fetchmany(5000):
            writer.writerows(batch)
            count += len(batch)
    connection.close()
    return count, time.perf_counter() - started


def worker_scaling(
    corpus: Path, articles: int, workers: int, folder: Path, rounds: int = 3
) -> dict[str, Any]:
    """Ingest the first `articles` files with 1 and with `workers` processes (fresh SQLite).

    The two run alternately `rounds` times and each keeps its best (shortest) run: on a shared
    machine other jobs only ever slow a run down, and one pair of runs measured 1.5x to 2.0x
    for the same code. Every run's time is kept in the result."""
    from floor import corpus_files

    files = [str(p) for p in corpus_files(corpus)[:articles]]
    manifest = subset_manifest(corpus / "manifest.csv", files, folder / "scaling-manifest.csv")
    runs: dict[int, list[tuple[float, float]]] = {count: [] for count in sorted({1, workers})}
    for _ in range(rounds):
        for count in runs:
            db = folder / f"scaling-{count}.db"
            url = f"sqlite:///{db}"
            reset_database(url)
            timed_process(cli(url, "init"))
            run = timed_process(
                [
                    *cli(url, "ingest"),
                    *files,
                    "--manifest",
                    str(manifest),
                    "--no-link",
                    "--workers",
                    str(count),
                    "-f",
                    "json",
                ]
            )
            runs[count].append((run["seconds"], run["cpu_seconds"]))
            reset_database(url)
    best = {count: min(times) for count, times in runs.items()}
    return {
        "articles": len(files),
        "rounds": rounds,
        "seconds_1": best[1][0],
        f"seconds_{workers}": best[workers][0],
        "cpu_seconds_1": best[1][1],
        f"cpu_seconds_{workers}": best[workers][1],
        "all_seconds_1": [t for t, _ in runs[1]],
        f"all_seconds_{workers}": [t for t, _ in runs[workers]],
        "speedup": best[1][0] / best[workers][0] if best[workers][0] else 0.0,
    }


def subset_manifest(manifest: Path, files: list[str], target: Path) -> Path:
    """The rows of `manifest` for `files` only (matched on path relative to the manifest's
    folder, as the manifest writes them), with absolute paths: the subset lives elsewhere,
    and ingest should find each file's row by its path, as with the full manifest."""
    import csv

    wanted = {Path(f).resolve().relative_to(manifest.parent.resolve()).as_posix() for f in files}
    folder = os.path.abspath(manifest.parent)
    with manifest.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        header = next(reader)
        column = [name.strip().lower() for name in header].index("path")
        rows = [row for row in reader if row and row[column] in wanted]
    for row in rows:
        row[column] = os.path.join(folder, row[column])
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return target


def ingest_command(url: str, corpus: Path, workers: int) -> list[str]:
    """The timed ingest: the whole corpus with its manifest, not linked (linking is timed
    on its own)."""
    return cli(
        url,
        "ingest",
        str(corpus / "articles"),
        "--manifest",
        str(corpus / "manifest.csv"),
        "--no-link",
        "--workers",
        str(workers),
        "-f",
        "json",
    )


def ingest_and_link(url: str, corpus: Path, workers: int) -> dict[str, Any]:
    """A fresh database at `url`, the corpus ingested (`--no-link`) then linked, as CLI
    processes: each phase's wall and CPU seconds and peak RSS, plus the table counts."""
    reset_database(url)
    timed_process(cli(url, "init"))
    ingest = timed_process(ingest_command(url, corpus, workers))
    link = timed_process(cli(url, "link", "-f", "json"))
    return {
        "ingest": {key: ingest[key] for key in ("seconds", "cpu_seconds", "peak_rss_bytes")},
        "link": {key: link[key] for key in ("seconds", "cpu_seconds", "peak_rss_bytes")},
        "ingest_summary": json.loads(ingest["stdout"]),
        "counts": table_counts(url),
    }


def paired_growth_base(articles: int, seed: int, folder: Path, workers: int) -> dict[str, Any]:
    """The smaller corpus ingested and linked right after the main run, in the same
    invocation, so the link-growth ratio divides two links timed minutes apart on the same
    machine state, not one taken from another day's run (seen here: the same 10k link took
    19.9 s and 29.6 s in two runs of one afternoon)."""
    corpus = folder / "corpus"
    build_corpus(articles, seed, corpus)
    url = f"sqlite:///{folder / 'provenance.db'}"
    measured = ingest_and_link(url, corpus, workers)
    reset_database(url)
    return {
        "articles": articles,
        "ingest": measured["ingest"],
        "link": measured["link"],
        "linked_quotes": measured["counts"]["quote"],
    }


# Tables whose row counts ingest decides (the link's own tables may be filled in another
# order on another backend, but these must agree exactly).
INGEST_TABLES = ("source", "occurrence", "variant", "speaker", "speaker_alias")


def compare_backends(
    result: dict[str, Any], url: str, corpus: Path, workers: int
) -> tuple[dict[str, Any], dict[str, bool]]:
    """Ingest + link the same corpus on `url` right after the main run: the side-by-side
    ratio of the two backends (compared / main) for ingest, link and end to end."""
    from sqlalchemy.engine import make_url

    run = ingest_and_link(url, corpus, workers)
    ingest, link = run["ingest"], run["link"]
    e2e = ingest["seconds"] + link["seconds"]
    main_ingest, main_link = result["ingest"], result["link"]
    main_e2e = result["end_to_end"]["seconds"]
    counts = run["counts"]
    checks = {
        "compare_ingested_all": run["ingest_summary"]["sources_new"] == result["articles"],
        "compare_counts_match": all(
            counts[table] == result["counts"][table] for table in INGEST_TABLES
        ),
        "compare_all_variants_linked": counts["unlinked_variants"] == 0,
    }
    compared = {
        "backend": make_url(url).get_backend_name(),
        "url": make_url(url).render_as_string(hide_password=True),
        "ingest": ingest,
        "link": link,
        "end_to_end_seconds": e2e,
        "ingest_ratio": ingest["seconds"] / main_ingest["seconds"],
        "link_ratio": link["seconds"] / main_link["seconds"],
        "ratio": e2e / main_e2e,
        "cpu_ratio": (ingest["cpu_seconds"] + link["cpu_seconds"])
        / (main_ingest["cpu_seconds"] + main_link["cpu_seconds"]),
        "counts": {table: counts[table] for table in (*INGEST_TABLES, "quote", "link")},
    }
    return compared, checks


# --------------------------------------------------------------------------- the run


def code_fingerprint() -> str:
    """A digest of provenance's source files: runs with equal digests ran the same code."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "provenance").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    from provenance.extraction import BUILD as extractor_build

    work = Path(args.work or Path(tempfile.gettempdir()) / f"provenance-bench-{args.articles}")
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    url = args.db or f"sqlite:///{work / 'provenance.db'}"
    backend = make_url(url).get_backend_name()
    result: dict[str, Any] = {
        "articles": args.articles,
        "seed": args.seed,
        "workers": args.workers,
        "backend": backend,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "code": code_fingerprint(),
        "extractor": extractor_build,  # which extractor the CLI runs
        "load_before": loadavg(),
        "command": "python bench/run.py " + " ".join(args.argv),
    }
    checks: dict[str, bool] = {}
    say = (
        (lambda *a: print(*a, file=sys.stderr, flush=True)) if not args.quiet else (lambda *a: None)
    )

    say(f"corpus: {args.articles} articles (seed {args.seed}) in {corpus}")
    result["corpus"] = build_corpus(args.articles, args.seed, corpus)

    say(f"database: {backend}")
    reset_database(url)
    timed_process(cli(url, "init"))

    say(f"ingest (--workers {args.workers}) …")
    load = loadavg()
    ingest = timed_process(ingest_command(url, corpus, args.workers))
    ingest_summary = json.loads(ingest["stdout"])
    after_ingest = table_counts(url)
    say(f"  {ingest['seconds']:.1f} s")

    say("link …")
    link = timed_process(cli(url, "link", "-f", "json"))
    link_summary = json.loads(link["stdout"])
    load_during = [max(a, b) for a, b in zip(load, loadavg(), strict=False)]
    counts = table_counts(url)
    say(f"  {link['seconds']:.1f} s")
    occurrences = counts["occurrence"]
    speech = counts["speech_occurrences"]
    articles = ingest_summary["sources_new"]
    checks["all_articles_ingested"] = (
        articles == args.articles and ingest_summary["sources_failed"] == 0
    )
    checks["all_variants_linked"] = counts["unlinked_variants"] == 0
    e2e = ingest["seconds"] + link["seconds"]
    result["ingest"] = {
        "seconds": ingest["seconds"],
        "cpu_seconds": ingest["cpu_seconds"],
        "articles_per_s": articles / ingest["seconds"],
        "occurrences_per_s": occurrences / ingest["seconds"],
        "peak_rss_bytes": ingest["peak_rss_bytes"],
        "summary": ingest_summary,
    }
    result["link"] = {
        "seconds": link["seconds"],
        "cpu_seconds": link["cpu_seconds"],
        "articles_per_s": articles / link["seconds"],
        "occurrences_per_s": speech / link["seconds"],
        "peak_rss_bytes": link["peak_rss_bytes"],
        "summary": link_summary,
    }
    result["end_to_end"] = {"seconds": e2e, "articles_per_s": articles / e2e}
    growth_base = (
        args.growth_base
        if args.growth_base is not None
        else (10_000 if args.articles >= 100_000 else 0)
    )
    if growth_base and backend == "sqlite":
        say(f"growth base: ingest + link of {growth_base:,} articles, same invocation …")
        result["growth_base"] = paired_growth_base(
            growth_base, args.seed, work / f"growth-{growth_base}", args.workers
        )
        say(f"  link {result['growth_base']['link']['seconds']:.1f} s")
    else:
        result["growth_base"] = None
    result["load_during_ingest_link"] = load_during
    result["counts"] = counts
    result["database_bytes"] = database_size(url)

    say("lookups …")
    found = lookups(url, args.lookups, args.seed)
    checks.update(found.pop("checks"))
    names, quote_ids = found.pop("speaker_names"), found.pop("quote_ids")
    result["lookups_in_process"] = found
    result["lookups_cli"] = cli_lookups(url, names, quote_ids, args.cli_reps)
    result["help"] = help_startup(args.cli_reps)

    say("csv export …")
    exported = csv_export(url, speech)
    checks.update(exported.pop("checks"))
    result["csv_export"] = exported

    say("floor …")
    from provenance.storage.models import Base

    tables = {table.name for table in Base.metadata.sorted_tables}
    ingest_rows = sum(n for table, n in after_ingest.items() if table in tables)
    floor = timed_process(
        [
            _python(),
            str(BENCH / "floor.py"),
            "--corpus",
            str(corpus),
            "--rows",
            str(ingest_rows),
            "--db",
            str(work / "floor.db"),
        ]
    )
    floor_result = json.loads(floor["stdout"])
    for suffix in ("", "-wal", "-shm"):
        Path(str(work / "floor.db") + suffix).unlink(missing_ok=True)
    checks["floor_rows_match"] = floor_result["rows"] == ingest_rows
    checks["floor_files_match"] = floor_result["files"] == articles
    result["floor"] = {
        **floor_result,
        "wall_seconds": floor["seconds"],
        "peak_rss_bytes": floor["peak_rss_bytes"],
        "provenance_rows": ingest_rows,
        "ratio_end_to_end": e2e / floor["seconds"],
        "ratio_ingest": ingest["seconds"] / floor["seconds"],
    }

    if args.articles <= args.naive_max:
        say("naive linker …")
        naive = timed_process(
            [_python(), str(BENCH / "naive.py"), "--db", url, "--workers", str(args.workers)]
        )
        naive_result = json.loads(naive["stdout"])
        checks["naive_recall_computed"] = 0.0 <= naive_result["recall"] <= 1.0
        result["naive"] = {
            **naive_result,
            "wall_seconds": naive["seconds"],
            "peak_rss_bytes": naive["peak_rss_bytes"],
            "speedup_vs_link": naive["seconds"] / link["seconds"],
        }
    else:
        result["naive"] = None

    if args.scaling_articles:
        say("worker scaling …")
        result["workers_scaling"] = worker_scaling(
            corpus, min(args.scaling_articles, args.articles), args.workers, work
        )
    else:
        result["workers_scaling"] = None

    if args.compare_db:
        say(f"side by side: ingest + link on {make_url(args.compare_db).get_backend_name()} …")
        compared, compare_checks = compare_backends(result, args.compare_db, corpus, args.workers)
        checks.update(compare_checks)
        result["compare"] = compared
        seconds = compared["ingest"]["seconds"], compared["link"]["seconds"]
        say(f"  ingest {seconds[0]:.1f} s, link {seconds[1]:.1f} s: {compared['ratio']:.2f}x")
    else:
        result["compare"] = None

    result["peak_rss_bytes"] = max(
        ingest["peak_rss_bytes"], link["peak_rss_bytes"], _self_peak_rss()
    )
    result["load_after"] = loadavg()
    result["checks"] = checks
    if not args.keep and args.db is None:
        reset_database(url)
    return result


def _self_peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------- verdicts


def verdicts(result: dict[str, Any], runs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows; targets needing another run say which."""
    rows: list[tuple[str, str, str]] = []
    n = result["articles"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    at_scale = n >= 100_000
    e2e = result["end_to_end"]["articles_per_s"]
    note = "" if at_scale else f" (at {n:,}; target is at 100k)"
    rows.append(
        (
            "end to end >= 300 articles/s",
            f"{e2e:,.0f} articles/s{note}",
            verdict(e2e >= TARGETS["end_to_end_articles_per_s"]),
        )
    )
    ratio = result["floor"]["ratio_end_to_end"]
    rows.append(("end to end <= 4x floor", f"{ratio:.1f}x", verdict(ratio <= 4.0)))
    paired = result.get("growth_base")
    if paired and paired["articles"] * 10 == n:
        wall = result["link"]["seconds"] / paired["link"]["seconds"]
        cpu = result["link"]["cpu_seconds"] / paired["link"]["cpu_seconds"]
        rows.append(
            (
                f"link {n:,} / {paired['articles']:,} articles <= 12",
                f"{wall:.1f} (CPU time {cpu:.1f}; both links timed in this run)",
                verdict(wall <= TARGETS["link_growth_max"]),
            )
        )
    ten_k = None if paired else _nearest(runs, result["backend"], 10_000, result["started_at"])
    if at_scale and ten_k:
        growth = result["link"]["seconds"] / ten_k["link"]["seconds"]
        rows.append(
            (
                "link 100k / 10k <= 12",
                f"{growth:.1f} (against the 10k run of {ten_k['started_at']}, the closest in "
                "time: other components' code changes between runs)",
                verdict(growth <= 12),
            )
        )
    if result.get("naive"):
        naive = result["naive"]
        rows.append(
            (
                "vs naive >= 20x faster (at 20k)",
                f"{naive['speedup_vs_link']:.2f}x (naive {naive['wall_seconds']:.1f} s, "
                f"link {result['link']['seconds']:.1f} s, at {n:,})",
                verdict(naive["speedup_vs_link"] >= 20),
            )
        )
        rows.append(
            (
                "finds >= 99% of naive links",
                f"{100 * naive['recall']:.2f}% of "
                f"{naive['naive_links'] - naive.get('bridging_links', 0):,} (bridging "
                "containments left out; minor edits alone: "
                f"{100 * naive.get('minor_edit_recall', naive['recall']):.2f}%)",
                verdict(naive["recall"] >= 0.99),
            )
        )
    for key, label in (("speakers", "quotes --speaker"), ("show", "show")):
        p95 = result["lookups_in_process"][key]["p95_ms"]
        rows.append((f"{label} p95 <= 50 ms", f"{p95:.1f} ms{note}", verdict(p95 <= 50)))
    help_ms = result["help"]["p50_ms"]
    rows.append(("--help <= 300 ms", f"{help_ms:.0f} ms (p50)", verdict(help_ms <= 300)))
    export = result["csv_export"]
    rate = export["rows_per_s"]
    floor_note = (
        f" (its floor, plain sqlite3 + csv.writer: {export['floor_rows_per_s']:,.0f} rows/s)"
        if "floor_rows_per_s" in export
        else ""
    )
    rows.append(
        ("CSV export >= 100k rows/s", f"{rate:,.0f} rows/s{floor_note}", verdict(rate >= 100_000))
    )
    rss = result["peak_rss_bytes"] / GIB
    rows.append(("peak RSS <= 1.5 GiB", f"{rss:.2f} GiB", verdict(rss <= 1.5)))
    compared = result.get("compare")
    if compared and (result["backend"], compared["backend"]) == ("sqlite", "postgresql"):
        rows.append(
            (
                "PostgreSQL <= 2x SQLite",
                f"{compared['ratio']:.2f}x side by side (ingest {compared['ingest_ratio']:.2f}x, "
                f"link {compared['link_ratio']:.2f}x){note}",
                verdict(compared["ratio"] <= TARGETS["postgres_vs_sqlite_max"]),
            )
        )
    elif result["backend"] == "postgresql":
        # only against SQLite on the same code: a later, faster SQLite run is no baseline
        sqlite_run = _find(runs, "sqlite", n, code=result.get("code"))
        if sqlite_run:
            ratio = result["end_to_end"]["seconds"] / sqlite_run["end_to_end"]["seconds"]
            rows.append(("PostgreSQL <= 2x SQLite", f"{ratio:.2f}x", verdict(ratio <= 2)))
        else:
            rows.append(
                (
                    "PostgreSQL <= 2x SQLite",
                    "no SQLite run of the same code and size: run with --compare-db",
                    "not measured",
                )
            )
    scaling = result.get("workers_scaling")
    if scaling:
        rows.append(
            (
                f"--workers {result['workers']} ingest >= 1.6x of 1",
                f"{scaling['speedup']:.2f}x (on {scaling['articles']:,} articles)",
                verdict(scaling["speedup"] >= 1.6),
            )
        )
    return rows


def _nearest(
    runs: list[dict[str, Any]], backend: str, articles: int, when: str
) -> dict[str, Any] | None:
    matching = [r for r in runs if r["backend"] == backend and r["articles"] == articles]
    if not matching:
        return None
    at = datetime.fromisoformat(when)
    return min(matching, key=lambda r: abs(datetime.fromisoformat(r["started_at"]) - at))


def _find(
    runs: list[dict[str, Any]], backend: str, articles: int, code: str | None = None
) -> dict[str, Any] | None:
    """The latest run of that backend and size (of that code, when given)."""
    matching = [
        r
        for r in runs
        if r["backend"] == backend
        and r["articles"] == articles
        and (code is None or r.get("code") == code)
    ]
    return matching[-1] if matching else None


# --------------------------------------------------------------------------- reporting


def _mib(value: int) -> str:
    return f"{value / 1024**2:,.0f} MiB"


def _cpu(phase: dict[str, Any]) -> str:
    """The phase's CPU seconds (processes and their workers), for runs that recorded it."""
    return f"; CPU {phase['cpu_seconds']:.1f} s" if "cpu_seconds" in phase else ""


def figures(result: dict[str, Any]) -> list[tuple[str, str]]:
    ing, link, e2e = result["ingest"], result["link"], result["end_to_end"]
    lp, lc = result["lookups_in_process"], result["lookups_cli"]
    rows = [
        ("articles / occurrences", f"{result['articles']:,} / {result['counts']['occurrence']:,}"),
        (
            "variants / quotes / links",
            "{variant:,} / {quote:,} / {link:,}".format(**result["counts"]),
        ),
        (
            "ingest",
            f"{ing['seconds']:.1f} s; {ing['articles_per_s']:,.0f} articles/s; "
            f"{ing['occurrences_per_s']:,.0f} occurrences/s; "
            f"peak RSS {_mib(ing['peak_rss_bytes'])}{_cpu(ing)}",
        ),
        (
            "link",
            f"{link['seconds']:.1f} s; {link['articles_per_s']:,.0f} articles/s; "
            f"{link['occurrences_per_s']:,.0f} speech occurrences/s; "
            f"peak RSS {_mib(link['peak_rss_bytes'])}{_cpu(link)}",
        ),
        (
            "end to end (ingest + link)",
            f"{e2e['seconds']:.1f} s; {e2e['articles_per_s']:,.0f} articles/s",
        ),
        ("database size", _mib(result["database_bytes"])),
        (
            "quotes --speaker in-process",
            f"p50 {lp['speakers']['p50_ms']:.1f} ms, "
            f"p95 {lp['speakers']['p95_ms']:.1f} ms (n={lp['speakers']['n']}, busiest speaker "
            f"{lp['busiest_speaker_quotes']} quotes)",
        ),
        (
            "show in-process",
            f"p50 {lp['show']['p50_ms']:.1f} ms, p95 {lp['show']['p95_ms']:.1f} ms "
            f"(n={lp['show']['n']})",
        ),
        (
            "quotes --speaker CLI",
            f"p50 {lc['speakers']['p50_ms']:.0f} ms, "
            f"p95 {lc['speakers']['p95_ms']:.0f} ms (n={lc['speakers']['n']})",
        ),
        (
            "show CLI",
            f"p50 {lc['show']['p50_ms']:.0f} ms, p95 {lc['show']['p95_ms']:.0f} ms "
            f"(n={lc['show']['n']})",
        ),
        (
            "provenance --help",
            f"p50 {result['help']['p50_ms']:.0f} ms, p95 {result['help']['p95_ms']:.0f} ms",
        ),
        (
            "CSV export",
            f"{result['csv_export']['rows']:,} rows in "
            f"{result['csv_export']['seconds']:.2f} s = "
            f"{result['csv_export']['rows_per_s']:,.0f} rows/s"
            + (
                f"; floor (plain sqlite3 + csv.writer, same rows, no cluster columns) "
                f"{result['csv_export']['floor_rows_per_s']:,.0f} rows/s, provenance "
                f"{1 / result['csv_export']['vs_floor']:.2f}x of it"
                if "floor_rows_per_s" in result["csv_export"]
                else ""
            ),
        ),
        (
            "floor",
            f"{result['floor']['wall_seconds']:.1f} s ({result['floor']['rows']:,} rows, "
            f"{result['floor']['matches']:,} regex matches); provenance end to end / floor = "
            f"{result['floor']['ratio_end_to_end']:.1f}x, ingest / floor = "
            f"{result['floor']['ratio_ingest']:.1f}x",
        ),
    ]
    paired = result.get("growth_base")
    if paired:
        rows.append(
            (
                f"link of {paired['articles']:,} articles, same run",
                f"{paired['link']['seconds']:.1f} s (CPU {paired['link']['cpu_seconds']:.1f} s); "
                f"link {result['articles']:,} / {paired['articles']:,} = "
                f"{result['link']['seconds'] / paired['link']['seconds']:.1f}x wall, "
                f"{result['link']['cpu_seconds'] / paired['link']['cpu_seconds']:.1f}x CPU",
            )
        )
    naive = result.get("naive")
    if naive:
        rows.append(
            (
                "naive linker",
                f"{naive['wall_seconds']:.1f} s over "
                f"{naive['pairs_scored']:,} pairs ({naive['variants']:,} variants, largest "
                f"speaker {naive['largest_speaker']:,}); {naive['naive_links']:,} links; "
                f"provenance finds {100 * naive['recall']:.2f}% in the same quote "
                f"({naive.get('bridging_links', 0):,} bridging containments left out; "
                f"with them {100 * naive.get('recall_with_bridges', naive['recall']):.2f}%, "
                f"minor edits alone {100 * naive.get('minor_edit_recall', naive['recall']):.2f}%), "
                f"link is {naive['speedup_vs_link']:.2f}x faster",
            )
        )
    else:
        rows.append(("naive linker", "not run (articles > --naive-max)"))
    scaling = result.get("workers_scaling")
    if scaling:
        k = result["workers"]
        cpu = (
            f" (CPU {scaling['cpu_seconds_1']:.1f} s vs {scaling[f'cpu_seconds_{k}']:.1f} s)"
            if "cpu_seconds_1" in scaling
            else ""
        )
        rounds = (
            f"; best of {scaling['rounds']} alternating runs: "
            + ", ".join(f"{t:.1f}" for t in scaling["all_seconds_1"])
            + " s vs "
            + ", ".join(f"{t:.1f}" for t in scaling[f"all_seconds_{k}"])
            + " s"
            if "rounds" in scaling
            else ""
        )
        rows.append(
            (
                f"ingest 1 vs {k} workers",
                f"{scaling['seconds_1']:.1f} s vs "
                f"{scaling[f'seconds_{k}']:.1f} s on {scaling['articles']:,} articles = "
                f"{scaling['speedup']:.2f}x{cpu}{rounds}",
            )
        )
    compared = result.get("compare")
    if compared:
        main_cpu = ing.get("cpu_seconds", 0.0) + link.get("cpu_seconds", 0.0)
        other_cpu = compared["ingest"]["cpu_seconds"] + compared["link"]["cpu_seconds"]
        rows.append(
            (
                f"side by side: {result['backend']} vs {compared['backend']}",
                f"ingest {ing['seconds']:.1f} s vs {compared['ingest']['seconds']:.1f} s "
                f"({compared['ingest_ratio']:.2f}x); link {link['seconds']:.1f} s vs "
                f"{compared['link']['seconds']:.1f} s ({compared['link_ratio']:.2f}x); end to "
                f"end {e2e['seconds']:.1f} s vs {compared['end_to_end_seconds']:.1f} s "
                f"({compared['ratio']:.2f}x); client CPU {main_cpu:.1f} s vs {other_cpu:.1f} s",
            )
        )
    rows.append(("peak RSS (largest process)", _mib(result["peak_rss_bytes"])))
    rows.append(("extractor", result.get("extractor", "interpreted (runs before mypyc)")))
    rows.append(
        (
            "load average (before / during / after)",
            f"{result['load_before']} / {result['load_during_ingest_link']} / "
            f"{result['load_after']}",
        )
    )
    return rows


def print_report(result: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    print(
        f"provenance scale benchmark: {result['articles']:,} articles, {result['backend']}, "
        f"--workers {result['workers']}"
    )
    for label, value in figures(result):
        print(f"  {label:<40} {value}")
    print("targets:")
    for target, measured, verdict in verdicts(result, runs):
        print(f"  {target:<40} {measured:<60} {verdict}")
    print(
        "checks:", ", ".join(f"{k}={'ok' if v else 'FAILED'}" for k, v in result["checks"].items())
    )


def link_growth(runs: list[dict[str, Any]], backend: str = "sqlite") -> dict[str, Any] | None:
    """Exponent b of link seconds ~ a * articles^b over the latest run at each size."""
    import math

    latest = {r["articles"]: r for r in runs if r["backend"] == backend}
    if len(latest) < 2:
        return None
    xs = [math.log(n) for n in latest]
    ys = [math.log(r["link"]["seconds"]) for r in latest.values()]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return {"exponent": slope, "points": len(xs)}


def markdown_section(runs: list[dict[str, Any]]) -> str:
    lines = [
        SECTION_TITLE,
        "",
        SECTION_BEGIN,
        "",
        "Written by `bench/run.py` from every run recorded in `bench/scale_runs.json`",
        "(latest run per backend and size). Reproduce a column with the command under it.",
        "Times are wall-clock on a shared 2-core machine; the load average is part of the",
        "result.",
        "",
    ]
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for run in runs:
        latest[(run["backend"], run["articles"])] = run
    ordered = [latest[k] for k in sorted(latest, key=lambda k: (k[0] != "sqlite", k[1], k[0]))]
    for run in ordered:
        lines.append(
            f"### {run['articles']:,} articles, {run['backend']}, "
            f"--workers {run['workers']} ({run['started_at']})"
        )
        lines.append("")
        lines.append(f"`{run['command']}` (code {run.get('code', 'not recorded')})")
        lines.append("")
        lines.append("| measure | value |")
        lines.append("|---|---|")
        for label, value in figures(run):
            lines.append(f"| {label} | {value} |")
        lines.append("")
        lines.append("| target | measured | verdict |")
        lines.append("|---|---|---|")
        for target, measured, verdict in verdicts(run, runs):
            lines.append(f"| {target} | {measured} | {verdict} |")
        lines.append("")
        bad = [k for k, v in run["checks"].items() if not v]
        lines.append("Checks: " + ("all passed" if not bad else "FAILED " + ", ".join(bad)))
        lines.append("")
    fit = link_growth(runs)
    if fit:
        lines.append(
            f"Link time growth (SQLite, least-squares fit of log time on log articles over "
            f"{fit['points']} sizes): time ~ N^{fit['exponent']:.2f}."
        )
        lines.append("")
    lines.append(SECTION_END)
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` whole: a run killed while recording leaves the old file, never half a
    new one (scale_runs.json holds every run recorded so far). `open_output` is the CLI's
    own atomic writer (temporary file, fsync, rename)."""
    from provenance.export.output import open_output

    with open_output(path) as stream:
        stream.write(text)


def write_markdown(runs: list[dict[str, Any]], path: Path = RESULTS_MD) -> None:
    section = markdown_section(runs)
    if not path.exists():
        write_atomic(
            path,
            "# Benchmark results\n\nOne section per benchmark; each belongs to its "
            "owner.\n\n" + section,
        )
        return
    text = path.read_text()
    if SECTION_BEGIN in text and SECTION_END in text:
        start = text.index(SECTION_BEGIN)
        heading = text.rfind(SECTION_TITLE, 0, start)
        start = heading if heading != -1 else start
        end = text.index(SECTION_END) + len(SECTION_END)
        text = text[:start] + section.rstrip("\n") + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    write_atomic(path, text)


def load_runs(path: Path = RUNS_JSON) -> list[dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else []


def at_least(minimum: int):
    """An argparse type: a whole number no smaller than `minimum`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{number} is below {minimum}")
        return number

    return parse


def preflight(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Arguments that cannot work fail here in one line (argparse's usage error, exit 2),
    before a corpus is built or a database emptied. Nothing is created here: a SQLite file
    is only checked where it would go (its folder may be --work, which the run creates), a
    server is connected to."""
    from provenance.errors import ProvenanceError
    from provenance.storage.db import (
        check_sqlite_location,
        open_database,
        parse_url,
        resolve_url,
        sqlite_path,
    )

    work = Path(args.work).resolve() if args.work else None
    if work is not None and work.exists() and not work.is_dir():
        parser.error(f"--work {args.work} is a file; pass a folder (it is created if missing)")
    if args.json and not Path(args.json).resolve().parent.is_dir():
        parser.error(f"--json {args.json}: its folder does not exist; create it first")
    # a bare path means SQLite, as for every provenance command
    args.db = resolve_url(args.db) if args.db else None
    args.compare_db = resolve_url(args.compare_db) if args.compare_db else None
    if args.compare_db and args.compare_db == args.db:
        parser.error("--compare-db must name another database than --db")
    for option, url in (("--db", args.db), ("--compare-db", args.compare_db)):
        if url is None:
            continue
        try:
            parsed = parse_url(url)
            if parsed.get_backend_name() != "sqlite":
                open_database(url, check_schema=False).dispose()
                continue
            path = sqlite_path(parsed)
            in_work = work is not None and path is not None and not path.exists()
            if in_work and path.resolve().parent.is_relative_to(work):
                continue  # in --work, which the run creates before the database
            check_sqlite_location(parsed)
        except ProvenanceError as error:
            parser.error(f"{option}: {error.line()}")
        except ImportError as error:
            parser.error(
                f"{option}: the driver {error.name!r} for {url} is not installed; "
                "use postgresql+psycopg://user@host:5432/dbname"
            )


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The run's options, checked (`preflight`): a usage error exits 2 here."""
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=at_least(1), required=True)
    parser.add_argument("--db", help="database URL (default: SQLite in --work); it is EMPTIED")
    parser.add_argument(
        "--workers", type=at_least(1), default=2, help="ingest processes (default 2)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", help="folder for the corpus and SQLite files")
    parser.add_argument(
        "--naive-max",
        type=at_least(0),
        default=20_000,
        help="run the naive linker up to this many articles",
    )
    parser.add_argument(
        "--scaling-articles",
        type=at_least(0),
        default=4000,
        help="articles for the 1-vs-K-workers ingest comparison (0: skip)",
    )
    parser.add_argument(
        "--compare-db",
        help="also ingest + link the corpus on this database URL (e.g. PostgreSQL; it is "
        "EMPTIED) right after the main run and report the ratio side by side",
    )
    parser.add_argument(
        "--growth-base",
        type=at_least(0),
        help="also ingest and link a corpus of this many articles in the same run, for the "
        "link-growth ratio (default: 10000 when --articles >= 100000, else none; 0: skip)",
    )
    parser.add_argument(
        "--lookups", type=at_least(1), default=40, help="speakers sampled for lookups"
    )
    parser.add_argument("--cli-reps", type=at_least(1), default=10)
    parser.add_argument("--json", help="also write this run's result to this file")
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="do not touch bench/scale_runs.json and bench/RESULTS.md",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.argv = argv
    preflight(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_arguments(argv)
    try:
        result = run_benchmark(args)
    except KeyboardInterrupt:
        print("run.py: interrupted; nothing was recorded", file=sys.stderr)
        return 130
    runs = load_runs()
    if not args.no_record:
        runs.append(result)
        write_atomic(RUNS_JSON, json.dumps(runs, indent=1, default=str) + "\n")
        write_markdown(runs)
    print_report(result, runs if not args.no_record else [*runs, result])
    if args.json:
        write_atomic(Path(args.json), json.dumps(result, indent=1, default=str) + "\n")
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
