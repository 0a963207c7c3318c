"""End to end on the seed articles, through the real CLI: a scripted review settles every item,
the exports show it, and `link --rebuild` plus re-ingest (same and new sources) keep it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from provenance.cli import main
from provenance.storage.db import open_database
from provenance.storage.models import Occurrence, Quote, ReviewItem, Speaker, Variant

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
NEW_ARTICLE = """Markets braced for a long standoff on Friday.

“This is a street fight now,” said Nicholas Smith, an analyst at CLSA, in an interview.

Officials declined to comment further.
"""


@pytest.fixture
def cli(sqlite_url: str, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", sqlite_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _quotes_of(session, name: str) -> list[Quote]:  # type: ignore[no-untyped-def]
    speaker = session.scalar(select(Speaker).where(Speaker.name.contains(name)))
    assert speaker is not None, name
    return list(session.scalars(select(Quote).where(Quote.speaker_id == speaker.id)))


def _wordings(session, quote: Quote) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(Variant.wording).where(Variant.quote_id == quote.id)))


def _scripted_review(cli) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Decide every item the way an editor would; returns the ids it relied on."""
    chosen: dict[str, int] = {}
    for _ in range(100):
        code, out, err = cli(
            "review", "next", "--reviewer", "ed", "--session", "desk", "-f", "json"
        )
        assert code == 0, err
        if not out.strip():
            assert "nothing to review" in err
            return chosen
        view = json.loads(out)
        item, kind, payload = view["item_id"], view["kind"], view["payload"]
        args = [
            "review",
            "decide",
            str(item),
            "--reviewer",
            "ed",
            "--session",
            "desk",
            "-f",
            "json",
        ]
        if kind == "conflict":
            extra = ["-d", "choose_speaker", "--speaker", "Ishiba"]
        elif kind == "drift":
            speakers = {q["speaker"] for q in payload["quotes"]}
            smith = any("Smith" in (s or "") for s in speakers)
            extra = ["-d", "same_utterance" if smith else "different_utterances"]
        elif kind == "alias":
            extra = ["-d", "keep_apart"]
        elif kind == "attribution":
            extra = ["-d", "confirm" if payload.get("speaker") else "not_a_quote"]
        else:
            extra = ["-d", "confirm"]
        code, out, err = cli(*args, *extra)
        assert code == 0, err
        if kind == "drift" and "same_utterance" in extra:
            # Pin the later wording as canonical: not what the machine would pick.
            other = max(payload["variant_ids"])
            code, _, err = cli(*args, "-d", "canonical", "--variant", str(other))
            assert code == 0, err
            chosen["smith_canonical"] = other
    raise AssertionError("the queue never emptied")


def test_scripted_review_settles_everything_and_holds(cli, sqlite_url, tmp_path) -> None:
    code, _, err = cli("ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv"))
    assert code == 0, err
    chosen = _scripted_review(cli)
    assert "smith_canonical" in chosen, "the seeds hold Smith's drift"

    database = open_database(sqlite_url)

    def check() -> None:
        with database.session() as session:
            smith = [q for q in _quotes_of(session, "Smith") if _wordings(session, q)]
            merged = [q for q in smith if len(_wordings(session, q)) >= 2]
            assert merged, "Smith's drifted wordings are one quote"
            pinned = [q for q in smith if q.canonical_pinned]
            assert [q.canonical_variant_id for q in pinned] == [chosen["smith_canonical"]]
            ishiba = _quotes_of(session, "Ishiba")
            crisis = [q for q in ishiba if "national crisis," in _wordings(session, q)]
            assert crisis and crisis[0].outlet_count >= 2
            suga_ids = session.scalars(select(Speaker.id).where(Speaker.name.contains("Suga")))
            assert not session.scalars(
                select(Variant).where(Variant.speaker_id.in_(list(suga_ids)))
            ).all()
            reattributed = session.scalars(
                select(Occurrence).where(Occurrence.status == "reattributed")
            ).all()
            assert reattributed

    check()
    with database.session() as session:
        states = set(session.scalars(select(ReviewItem.state)))
    assert states <= {"decided", "closed"}

    code, out, _ = cli("export", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    smith_rows = [r for r in rows if "Smith" in r["speaker"]]
    assert smith_rows and all(r["review_status"].startswith("reviewed") for r in smith_rows)
    ishiba_rows = [r for r in rows if r["speaker"].startswith("Ishiba")]
    assert any("choose_speaker" in r["review_status"] for r in ishiba_rows)
    code, out, _ = cli("review", "export", "-f", "json")
    decisions = {r["decision"] for r in json.loads(out)}
    assert {"choose_speaker", "same_utterance", "canonical"} <= decisions
    code, out, _ = cli("export", "reviews", "--format", "csv")
    exported = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {"choose_speaker", "same_utterance", "canonical"} <= {
        r["decision"] for r in exported
    }
    assert all(r["reviewer"] == "ed" and r["session"] == "desk" for r in exported)
    code, out, _ = cli("review", "log", "-f", "csv")
    assert "choose_speaker" in out and "ed" in out
    code, out, _ = cli("review", "status", "-f", "json")
    assert json.loads(out)[0]["decided"] >= 3

    # Relink from scratch, re-ingest the same sources and a new one: decisions hold.
    assert cli("link", "--rebuild")[0] == 0
    check()
    assert cli("ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv"))[0] == 0
    new = tmp_path / "new.txt"
    new.write_text(NEW_ARTICLE, encoding="utf-8")
    assert cli("ingest", str(new), "--outlet", "Herald")[0] == 0
    check()
    assert cli("link", "--rebuild")[0] == 0
    check()
    with database.session() as session:
        smith = [q for q in _quotes_of(session, "Smith") if _wordings(session, q)]
        words = {w for q in smith for w in _wordings(session, q)}
        assert "This is a street fight now," in words
    database.dispose()


def test_empty_queue_is_friendly(cli) -> None:
    code, out, err = cli("review", "next", "--reviewer", "ed", "-f", "json")
    assert code == 0 and out == ""
    assert "nothing to review" in err and "0 open" in err


def test_cli_errors_are_one_line(cli) -> None:
    cli("ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv"))
    code, _, err = cli("review", "decide", "4242", "-d", "confirm", "--reviewer", "ed")
    assert code == 1 and err.strip().count("\n") == 0 and "no review item with id 4242" in err
    code, out, _ = cli("review", "next", "--reviewer", "ed", "-f", "json")
    item = json.loads(out)
    assert item["kind"] == "conflict"
    code, _, err = cli("review", "decide", str(item["item_id"]), "-d", "merge", "--reviewer", "ed")
    assert code == 1 and "does not fit a conflict item" in err
    code, _, err = cli(
        "review",
        "decide",
        str(item["item_id"]),
        "-d",
        "choose_speaker",
        "--speaker",
        "Nobody Atall",
        "--reviewer",
        "ed",
    )
    assert code == 1 and "no speaker matches" in err
    code, _, err = cli("review", "undo", "--reviewer", "ed")
    assert code == 1 and "no decision to undo" in err


def _wrong_source_counts(sqlite_url: str) -> list[tuple[int, int | None, int]]:
    """(quote, stored source count, distinct sources of its evidence) where they differ."""
    from sqlalchemy import func

    database = open_database(sqlite_url)
    with database.session() as session:
        rows = session.execute(
            select(Quote.id, Quote.source_count, func.count(Occurrence.source_id.distinct()))
            .join(Variant, Variant.quote_id == Quote.id)
            .join(Occurrence, Occurrence.variant_id == Variant.id)
            .where(Occurrence.status != "not_a_quote", Occurrence.repeat_of_id.is_(None))
            .group_by(Quote.id, Quote.source_count)
        ).all()
    database.dispose()
    return [(quote, stored, real) for quote, stored, real in rows if stored != real]


def test_a_relinked_quote_counts_the_wordings_an_editor_merged_into_it(
    cli, sqlite_url, tmp_path
) -> None:
    """An incremental run re-clusters only what the new wording's keys reach; a wording the
    editor merged into the quote (same utterance) lies outside that, and its sources must
    still count, in the same run, not only after the next one."""
    code, _, err = cli("ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv"))
    assert code == 0, err
    database = open_database(sqlite_url)
    with database.session() as session:
        # Smith's "test of leverage" against "street fight"
        (drift,) = session.scalars(select(ReviewItem.id).where(ReviewItem.kind == "drift"))
    database.dispose()
    code, _, err = cli(
        "review", "decide", str(drift), "-d", "same_utterance",
        "--reviewer", "ed", "--session", "desk",
    )  # fmt: skip
    assert code == 0, err
    assert cli("link")[0] == 0
    article = tmp_path / "herald.txt"
    article.write_text(
        "Traders waited on Friday.\n\nNicholas Smith, an analyst at CLSA, said: “This is a "
        "street fight. Promising never to use your heaviest, harshest weapon would be "
        "naive.”\n\nNo official replied.\n",
        encoding="utf-8",
    )
    code, _, err = cli("ingest", str(article), "--outlet", "Herald")
    assert code == 0, err
    assert _wrong_source_counts(sqlite_url) == []
