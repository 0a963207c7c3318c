"""The floor: the least work an ingest of the same corpus could do, timed as a reference.

    python bench/floor.py --corpus DIR --rows R [--db FILE]

Reads every file under DIR/articles (the same files provenance ingests, in the same
order), runs one regular expression for quote marks over each text, and inserts R rows
with plain `sqlite3` `executemany` in one transaction: one `doc` row per file (path and
text) and R - files `quote` rows filled from the regex matches (cycled when there are
fewer matches than rows). R is the number of rows provenance's ingest wrote, so both write
the same row count. Prints one JSON object: seconds, files, matches, rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

QUOTE = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{2,}?)[\"\u201d]")


def corpus_files(corpus: str | Path) -> list[Path]:
    """The corpus' article files in the order provenance reads them (sorted paths)."""
    return sorted(p for p in (Path(corpus) / "articles").rglob("*.txt") if p.is_file())


def run_floor(corpus: str | Path, rows: int, db_path: str | Path) -> dict[str, float | int]:
    started = time.perf_counter()
    files = corpus_files(corpus)
    docs: list[tuple[int, str, str]] = []
    quotes: list[tuple[int, str, int, int]] = []
    for doc_id, path in enumerate(files, start=1):
        text = path.read_bytes().decode("utf-8")
        docs.append((doc_id, path.as_posix(), text))
        for match in QUOTE.finditer(text):
            quotes.append((doc_id, match.group(1), match.start(), match.end()))
    matches = len(quotes)
    wanted = max(0, rows - len(docs))
    if quotes and len(quotes) < wanted:
        quotes = [quotes[i % len(quotes)] for i in range(wanted)]
    quotes = quotes[:wanted]
    connection = sqlite3.connect(db_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE doc (id INTEGER PRIMARY KEY, path TEXT, text TEXT)")
    connection.execute(
        "CREATE TABLE quote (id INTEGER PRIMARY KEY, doc_id INTEGER REFERENCES doc(id), "
        "wording TEXT, char_start INTEGER, char_end INTEGER)"
    )
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO doc (id, path, text) VALUES (?, ?, ?)", docs)
    connection.executemany(
        "INSERT INTO quote (doc_id, wording, char_start, char_end) VALUES (?, ?, ?, ?)", quotes
    )
    connection.execute("COMMIT")
    stored = connection.execute(
        "SELECT (SELECT count(*) FROM doc) + (SELECT count(*) FROM quote)"
    ).fetchone()[0]
    connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "files": len(docs),
        "matches": matches,
        "rows": stored,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--db", help="SQLite file to create (default: a temporary file)")
    args = parser.parse_args(argv)
    if args.db:
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
        result = run_floor(args.corpus, args.rows, args.db)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = run_floor(args.corpus, args.rows, os.path.join(folder, "floor.db"))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
