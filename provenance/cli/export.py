"""`provenance export …`: occurrence CSV, the full JSON tree, and W3C PROV.

Every export writes to stdout, or with `--out FILE` atomically to a file (an interrupted
export leaves no half-written file). Library imports happen inside the commands so that
`provenance --help` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

export_app = typer.Typer(
    help="Export quotes: occurrence CSV, the full JSON tree, or W3C PROV.",
    no_args_is_help=True,
)

OutOption = Annotated[
    str | None,
    typer.Option(
        "--out", "-o", help="Write to FILE (atomically: temp file + rename). Default: stdout."
    ),
]
SpeakerOption = Annotated[
    str | None, typer.Option("--speaker", "-s", help="Only this speaker, matched fuzzily.")
]


class ProvFormat(StrEnum):
    json = "json"
    provn = "provn"


def _done(what: str, count: int, out: str | None) -> None:
    from provenance.cli import message

    if out is not None:
        message(f"wrote {count} {what} to {out}")


@export_app.command("csv")
def export_csv(
    out: OutOption = None,
    speaker: SpeakerOption = None,
    include_fragments: Annotated[
        bool,
        typer.Option(
            "--include-fragments",
            help="Also export scare-quote fragments and headlines (nobody's speech), last.",
        ),
    ] = False,
    repeats: Annotated[
        bool,
        typer.Option(
            "--repeats/--no-repeats",
            help="Export passages a document prints twice (marked in repeat_of).",
        ),
    ] = True,
    bom: Annotated[
        bool, typer.Option("--bom", help="Start with a UTF-8 byte order mark (for Excel).")
    ] = False,
) -> None:
    """One row per occurrence of speech: RFC 4180, UTF-8, formula cells neutralised."""
    from provenance.cli import open_db
    from provenance.export.occurrences import export_occurrences_csv
    from provenance.export.output import open_output

    database = open_db()
    with database.session() as session, open_output(out, bom=bom) as stream:
        count = export_occurrences_csv(
            session,
            stream,
            speaker=speaker,
            include_fragments=include_fragments,
            include_repeats=repeats,
        )
    _done("rows", count, out)


@export_app.command("json")
def export_json(out: OutOption = None, speaker: SpeakerOption = None) -> None:
    """Every quote as a tree: quote → variants → occurrences → source, one JSON array."""
    from provenance.cli import open_db
    from provenance.export.output import open_output
    from provenance.export.tree import export_tree_json

    database = open_db()
    with database.session() as session, open_output(out) as stream:
        count = export_tree_json(session, stream, speaker=speaker)
    _done("quotes", count, out)


@export_app.command("prov")
def export_prov(
    out: OutOption = None,
    speaker: SpeakerOption = None,
    fmt: Annotated[
        ProvFormat, typer.Option("--format", "-f", help="PROV-JSON (json) or PROV-N (provn).")
    ] = ProvFormat.json,
) -> None:
    """W3C PROV: speakers and outlets as agents, utterances, occurrences and sources as
    entities, linked by wasAttributedTo, wasQuotedFrom and hadMember."""
    from provenance.cli import open_db
    from provenance.export.output import open_output
    from provenance.export.prov import export_prov as write_prov

    database = open_db()
    with database.session() as session, open_output(out) as stream:
        doc = write_prov(session, stream, fmt=fmt.value, speaker=speaker)
    _done("PROV records", len(doc.get_records()), out)


class ReviewFormat(StrEnum):
    csv = "csv"
    json = "json"


@export_app.command("reviews")
def export_reviews(
    fmt: Annotated[ReviewFormat, typer.Option("--format", "-f", help="csv or json.")] = (
        ReviewFormat.csv
    ),
    out: OutOption = None,
) -> None:
    """Every review decision with its audit trail (reviewer, session, time, undo links)."""
    from provenance.cli import open_db
    from provenance.cli.render import Format, render
    from provenance.export.output import open_output
    from provenance.export.reviews import REVIEW_COLUMNS, review_rows

    with open_db().session() as session:
        rows = review_rows(session)
    with open_output(out) as stream:
        render(rows, Format(fmt.value), columns=list(REVIEW_COLUMNS), out=stream)
    _done("decisions", len(rows), out)
