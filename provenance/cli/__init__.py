"""The `provenance` command: a thin layer that parses options, calls one library function
and renders the result. Heavy imports happen inside commands so `--help` stays fast.
"""

from __future__ import annotations

import gc
import sys
import warnings
from typing import Annotated

import typer

from provenance.cli.export import export_app
from provenance.cli.render import Format

app = typer.Typer(
    name="provenance",
    help="Quote attribution and provenance: who said what, in which words, and where.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Inspect and migrate the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

FormatOption = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="table (default on a terminal), json or csv."),
]


class State:
    db_url: str | None = None


@app.callback()
def _global(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (sqlite:///file.db or postgresql+psycopg://…). "
            "Default: $PROVENANCE_DB, then sqlite:///provenance.db.",
        ),
    ] = None,
) -> None:
    State.db_url = db


def open_db(*, check_schema: bool = True):  # type: ignore[no-untyped-def]
    from provenance.storage.db import open_database

    return open_database(State.db_url, check_schema=check_schema)


def message(text: str) -> None:
    """Messages go to stderr so stdout carries only data."""
    typer.echo(text, err=True)


# --- database ---------------------------------------------------------------------------


@app.command()
def init() -> None:
    """Create a database, or upgrade an existing one to the latest schema."""
    from provenance.storage.db import display_url, initialise

    database, before, after = initialise(State.db_url)
    where = display_url(database.url)
    if before == after:
        message(f"{where} is already at {after} (head)")
    else:
        message(f"{where}: {before or 'empty'} -> {after} (head)")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Upgrade the schema (to head by default)."""
    from provenance.storage.db import schema_revision, upgrade

    database = open_db(check_schema=False)
    before, _ = schema_revision(database.engine)
    upgrade(database, revision)
    after, _ = schema_revision(database.engine)
    message(f"upgraded {before or 'empty'} -> {after}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, or base.")],
) -> None:
    """Downgrade the schema to REVISION (base removes every table)."""
    from provenance.storage.db import downgrade, schema_revision

    database = open_db(check_schema=False)
    before, _ = schema_revision(database.engine)
    downgrade(database, revision)
    after, _ = schema_revision(database.engine)
    message(f"downgraded {before or 'empty'} -> {after or 'base'}")


@db_app.command("current")
def db_current(fmt: FormatOption = None) -> None:
    """Show the database's schema revision and whether it is head."""
    from provenance.cli.render import default_format, render
    from provenance.storage.db import display_url, schema_revision
    from provenance.storage.migrations import head_revision

    database = open_db(check_schema=False)
    revision, _ = schema_revision(database.engine)
    head = head_revision()
    render(
        {
            "database": display_url(database.url),
            "revision": revision,
            "head": head,
            "is_head": revision == head,
        },
        default_format(fmt),
    )


@db_app.command("history")
def db_history(fmt: FormatOption = None) -> None:
    """List the schema revisions this version knows, newest first."""
    from provenance.cli.render import default_format, render
    from provenance.storage.migrations import head_revision, script_directory

    head = head_revision()
    rows = [
        {
            "revision": script.revision,
            "down_revision": script.down_revision,
            "message": script.doc,
            "is_head": script.revision == head,
        }
        for script in script_directory().walk_revisions()
    ]
    render(rows, default_format(fmt))


# --- ingest and lookups ---------------------------------------------------------------------


def settle_collector() -> None:
    """Tune the cyclic collector for a short batch process that has imported what it needs.

    The objects the imports made (SQLAlchemy, the extractor's tables) live as long as the
    process: frozen, the collector stops traversing them in every full collection, half its
    time during an ingest. Extraction then makes many short-lived containers: a young
    generation of 10,000 objects instead of 700 lets most of them die before a collection
    looks at them (collection time in an ingest of PolNeAR train: 0.037 s -> 0.012 s). A
    long-lived host (the coming web front end) keeps Python's defaults: this is the CLI's
    choice, not the library's.
    """
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (.txt, .md, .html).")],
    manifest: Annotated[
        str | None, typer.Option(help="CSV, TOML or JSON metadata keyed by path.")
    ] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet for every file.")] = None,
    title: Annotated[str | None, typer.Option(help="Title for every file.")] = None,
    author: Annotated[str | None, typer.Option(help="Author for every file.")] = None,
    url: Annotated[str | None, typer.Option(help="URL for every file.")] = None,
    published: Annotated[
        str | None, typer.Option(help="Publication date for every file (YYYY-MM-DD).")
    ] = None,
    link: Annotated[
        bool, typer.Option("--link/--no-link", help="Link new wordings after ingesting.")
    ] = True,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes for reading and extraction.")
    ] = 1,
    fmt: FormatOption = None,
) -> None:
    """Read articles, extract every direct quote, and store them with their speakers."""
    from provenance.cli.progress import file_progress
    from provenance.cli.render import default_format, render
    from provenance.ingest import collect_paths
    from provenance.ingest import ingest as run_ingest
    from provenance.readers import SourceMeta, parse_date

    settle_collector()
    overrides = SourceMeta(
        outlet=outlet,
        title=title,
        author=author,
        url=url,
        published_at=parse_date(published) if published else None,
    )
    files = collect_paths(paths)
    database = open_db()
    with file_progress(len(files)) as advance:

        def on_file(outcome) -> None:  # type: ignore[no-untyped-def]
            for warning in outcome.warnings:
                message(f"warning: {warning}")
            if outcome.status == "failed":
                message(f"failed: {outcome.message}")
            advance(outcome.path)

        report = run_ingest(
            database,
            files,
            manifest=manifest,
            overrides=overrides,
            on_file=on_file,
            workers=workers,
        )
    summary = report.summary()
    if link:
        from provenance.linking.store import link_pending

        summary.update(link_pending(database).summary())
    render(summary, default_format(fmt))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def speakers(fmt: FormatOption = None) -> None:
    """List speakers with aliases, affiliations, and quote and source counts."""
    from provenance.cli.render import default_format, render
    from provenance.lookup import list_speakers

    with open_db().session() as session:
        rows = list_speakers(session)
    render(
        rows,
        default_format(fmt),
        columns=[
            "speaker_id",
            "name",
            "kind",
            "role",
            "affiliation",
            "aliases",
            "quotes",
            "sources",
        ],
    )


@app.command()
def quotes(
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help="Speaker name, matched fuzzily.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Show quotes (whole clusters, with flags), optionally for one speaker."""
    from provenance.cli.render import default_format
    from provenance.cli.views import render_quotes
    from provenance.lookup import quotes_by_speaker

    with open_db().session() as session:
        trees = quotes_by_speaker(session, speaker)
    render_quotes(trees, default_format(fmt))


@app.command()
def show(
    quote_id: Annotated[int, typer.Argument(help="Quote id.")], fmt: FormatOption = None
) -> None:
    """Show one quote: canonical wording, then every variant with its outlets and diff."""
    from provenance.cli.render import default_format
    from provenance.cli.views import render_quote_detail
    from provenance.lookup import show_quote

    with open_db().session() as session:
        tree = show_quote(session, quote_id)
    render_quote_detail(tree, default_format(fmt))


@app.command()
def timeline(
    quote_id: Annotated[int, typer.Argument(help="Quote id.")], fmt: FormatOption = None
) -> None:
    """Show a quote's first appearance and its spread by date and outlet."""
    from provenance.cli.render import default_format, render
    from provenance.lookup import timeline as quote_timeline

    with open_db().session() as session:
        result = quote_timeline(session, quote_id)
    chosen = default_format(fmt)
    if chosen.value == "json":
        render(result, chosen)
        return
    render(
        result["events"],
        chosen,
        columns=["position", "published_at", "outlet", "source_path", "relation", "wording"],
        title=f"Quote {result['quote_id']} by {result['speaker']}: {result['canonical']}",
    )


# --- linking -------------------------------------------------------------------------------


@app.command()
def link(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute every cluster from scratch.")
    ] = False,
    drift_scorer: Annotated[
        str | None,
        typer.Option(
            "--drift-scorer",
            help="lexical (default) or semantic (needs the 'semantic' extra). Kept for "
            "later runs on this database; switching it relinks from scratch.",
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Link wordings into quotes; flags drift, truncation and conflicts. Incremental by default."""
    from provenance.cli.render import default_format, render
    from provenance.linking import store

    database = open_db()
    if rebuild:
        report = store.rebuild(database, drift_scorer)
    else:
        report = store.link_pending(database, drift_scorer)
    render(report.summary(), default_format(fmt))


@app.command("compare")
def compare_command(
    a: Annotated[str, typer.Argument(help="First wording.")],
    b: Annotated[str, typer.Argument(help="Second wording.")],
    fmt: FormatOption = None,
) -> None:
    """Score two wordings: would provenance call them the same quote, and how do they differ?"""
    from dataclasses import asdict

    from provenance import compare
    from provenance.cli.render import default_format, render

    result = asdict(compare(a, b))
    chosen = default_format(fmt)
    if chosen.value == "table":
        rows = [{"measure": "relation", "value": result["relation"]}]
        rows.append({"measure": "similarity", "value": result["similarity"]})
        rows += [{"measure": k, "value": v} for k, v in result["scores"].items()]
        render(rows, chosen, columns=["measure", "value"])
        return
    render(result, chosen)


@app.command()
def drift(
    speaker: Annotated[str | None, typer.Option("--speaker", "-s", help="Speaker name.")] = None,
    min_score: Annotated[float, typer.Option(help="Smallest drift score to show (0-100).")] = 0.0,
    fmt: FormatOption = None,
) -> None:
    """Quotes presented as direct whose wording drifted between outlets."""
    from provenance.cli.render import default_format, render
    from provenance.lookup import drift_candidates

    with open_db().session() as session:
        rows = drift_candidates(session, speaker, min_score)
    chosen = default_format(fmt)
    if chosen.value != "json":
        rows = [
            {
                "speaker": r["speaker"],
                "quote_id": r["quote_id"],
                "drift_score": r["drift_score"],
                "likely_original": r["likely_original"],
                "outlier": r["b"]["wording"]
                if r["likely_original_variant_id"] == r["a"]["variant_id"]
                else r["a"]["wording"],
                "status": r["status"],
            }
            for r in rows
        ]
    render(rows, chosen, columns=None if chosen.value == "json" else list(rows[0]) if rows else [])


@app.command("conflicts")
def conflicts_command(fmt: FormatOption = None) -> None:
    """The same words attributed to different speakers."""
    from provenance.cli.render import default_format, render
    from provenance.lookup import conflicts as find_conflicts

    with open_db().session() as session:
        rows = find_conflicts(session)
    chosen = default_format(fmt)
    if chosen.value != "json":
        rows = [
            {
                "wording": r["wording"],
                "speakers": r["speakers"],
                "sources": sorted({o["source_path"] for o in r["occurrences"]}),
                "status": r["status"],
            }
            for r in rows
        ]
    render(rows, chosen)


app.add_typer(export_app, name="export")

from provenance.cli.review import review_app  # noqa: E402 - needs the helpers above

app.add_typer(review_app, name="review")


# --- entry point --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI, mapping every domain error to one line on stderr and an exit code."""
    from provenance.errors import ProvenanceError

    # a library warning is a message like any other: one line on stderr, no source line
    warnings.showwarning = lambda text, *_: message(f"warning: {text}")
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="provenance", standalone_mode=False)
    except ProvenanceError as error:
        message(f"error: {error.line()}")
        return error.exit_code
    except typer.TyperException as error:  # click's ClickException, vendored by typer
        if type(error).__name__ == "NoArgsIsHelpError":
            message(error.format_message())
            return 0
        context = getattr(error, "ctx", None)
        hint = f"run `{context.command_path} --help`" if context else "run `provenance --help`"
        message(f"error: {error.format_message()} — {hint}")
        return error.exit_code
    except typer.Exit as exit_:
        return exit_.exit_code
    except (typer.Abort, KeyboardInterrupt):
        message("interrupted: work already committed is kept, nothing half-written was saved")
        return 130
    except BrokenPipeError:
        return 0
    # Without standalone mode click hands back typer.Exit's code as the return value.
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
