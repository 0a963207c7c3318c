"""`provenance review …`: the interactive session plus scripting commands (next, decide,
undo) and the audit views (log, status, agreement, export). Logic lives in
`provenance.review`; this module parses options and renders."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from provenance.cli import FormatOption, message, open_db

DECISIONS_HELP = """Decision names, by item kind:

drift: same_utterance, misquote (--variant ID of the misquoted wording), different_utterances.
conflict: choose_speaker (--speaker NAME or --variant ID), both_right, cant_tell.
alias: merge (--speaker NAME keeps that name), keep_apart.
attribution: confirm, reattribute (--speaker NAME), not_a_quote.
single_source: confirm, canonical (--variant ID).
any item: canonical (--variant ID pins the quote's canonical wording), skip, flag, note (--note).
"""

review_app = typer.Typer(
    help="Review what the machine proposed: drift, conflicts, aliases, attributions, "
    "single-source quotes. Without a subcommand, starts or resumes an interactive session.\n\n"
    + DECISIONS_HELP,
    invoke_without_command=True,
    rich_markup_mode=None,
)


class Kind(StrEnum):
    drift = "drift"
    conflict = "conflict"
    alias = "alias"
    attribution = "attribution"
    single_source = "single_source"


SessionOption = Annotated[
    str | None,
    typer.Option("--session", help="Session name (default: REVIEWER-YYYY-MM-DD); resumes it."),
]
ReviewerOption = Annotated[
    str | None,
    typer.Option("--reviewer", help="Your name (default: $PROVENANCE_REVIEWER, then OS user)."),
]


def _nothing_to_review(database) -> None:  # type: ignore[no-untyped-def]
    from provenance.review.sessions import queue_counts

    counts = queue_counts(database)
    kinds = ", ".join(
        f"{kind}: {sum(states.values())}" for kind, states in sorted(counts["by_kind"].items())
    )
    message(
        f"nothing to review — {counts['open']} open (claimed or already yours), "
        f"{counts['decided']} decided, {counts['closed']} closed" + (f" ({kinds})" if kinds else "")
    )


@review_app.callback()
def review(
    ctx: typer.Context,
    session: SessionOption = None,
    reviewer: ReviewerOption = None,
    kind: Annotated[
        list[Kind] | None, typer.Option("--kind", help="Only items of this kind (repeatable).")
    ] = None,
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="Only items about this speaker (fuzzy).")
    ] = None,
    blind: Annotated[
        bool | None,
        typer.Option("--blind/--no-blind", help="Hide scores so they cannot sway you."),
    ] = None,
    overlap: Annotated[
        int | None,
        typer.Option("--overlap", min=1, help="Reviewers who must decide each item (e.g. 2)."),
    ] = None,
) -> None:
    """Start or resume a named session and review item by item with single keys."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"session": session, "reviewer": reviewer}
        return
    from provenance.review import interactive
    from provenance.review.sessions import default_reviewer, start_session

    who = default_reviewer(reviewer)
    database = open_db()
    info = start_session(
        database,
        session,
        who,
        kinds=[k.value for k in kind] if kind else None,
        speaker=speaker,
        blind=blind,
        overlap=overlap,
    )
    message(f"session {info['session']} · reviewer {who}")
    interactive.run(database, who, info["session"], on_empty=lambda: _nothing_to_review(database))


def _who(ctx: typer.Context, session: str | None, reviewer: str | None) -> tuple[str, str | None]:
    from provenance.review.sessions import default_reviewer

    parent = ctx.obj or {}
    return default_reviewer(reviewer or parent.get("reviewer")), session or parent.get("session")


@review_app.command("next")
def next_item(
    ctx: typer.Context,
    session: SessionOption = None,
    reviewer: ReviewerOption = None,
    fmt: FormatOption = None,
) -> None:
    """Claim the next item and print it (item id, kind, payload, allowed decisions)."""
    from provenance.cli.render import Format, default_format, render
    from provenance.review.sessions import claim_next

    who, name = _who(ctx, session, reviewer)
    database = open_db()
    view = claim_next(database, who, name)
    if view is None:
        _nothing_to_review(database)
        return
    chosen = default_format(fmt)
    if chosen != Format.json:
        from rich.console import Console

        from provenance.review.interactive import draw

        draw(Console(highlight=False, markup=False), view)
        return
    render(view, chosen)


@review_app.command(
    "decide", help="Record a decision on ITEM_ID and apply it.\n\n" + DECISIONS_HELP
)
def decide_item(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="Review item id (from `review next`).")],
    decision: Annotated[str, typer.Option("--decision", "-d", help="Decision name, see above.")],
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="Speaker name (fuzzy), for speaker choices.")
    ] = None,
    variant: Annotated[int | None, typer.Option("--variant", help="Variant (wording) id.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with it.")] = None,
    final: Annotated[
        bool, typer.Option("--final", help="Final call on an item reviewers disagreed on.")
    ] = False,
    session: SessionOption = None,
    reviewer: ReviewerOption = None,
    fmt: FormatOption = None,
) -> None:
    from provenance.cli.render import default_format, render
    from provenance.review.decisions import decide

    who, name = _who(ctx, session, reviewer)
    result = decide(
        open_db(),
        item_id,
        decision,
        reviewer=who,
        session_name=name,
        speaker=speaker,
        variant_id=variant,
        note=note,
        final=final,
    )
    render(result, default_format(fmt))


@review_app.command("undo")
def undo_last(
    ctx: typer.Context,
    session: SessionOption = None,
    reviewer: ReviewerOption = None,
    fmt: FormatOption = None,
) -> None:
    """Undo your latest decision still in force (also after a restart) and reopen its item."""
    from provenance.cli.render import default_format, render
    from provenance.review.decisions import undo

    who, name = _who(ctx, session, reviewer)
    render(undo(open_db(), reviewer=who, session_name=name), default_format(fmt))


@review_app.command("show")
def show(
    item_id: Annotated[int, typer.Argument(help="Review item id.")], fmt: FormatOption = None
) -> None:
    """Show one item with its earlier decisions, without claiming it."""
    from provenance.cli.render import default_format, render
    from provenance.review.sessions import show_item

    render(show_item(open_db(), item_id), default_format(fmt))


@review_app.command("log")
def log(
    ctx: typer.Context,
    session: SessionOption = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Only this reviewer.")] = None,
    item: Annotated[int | None, typer.Option("--item", help="Only this item.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the last N rows.")] = None,
    fmt: FormatOption = None,
) -> None:
    """The audit trail: every decision (and undo) as recorded, oldest first."""
    from provenance.cli.render import default_format, render
    from provenance.export.reviews import LOG_COLUMNS
    from provenance.review.sessions import log as review_log

    rows = review_log(open_db(), session_name=session, reviewer=reviewer, item_id=item, limit=limit)
    render(
        rows,
        default_format(fmt),
        columns=list(LOG_COLUMNS),
    )


@review_app.command("status")
def status(fmt: FormatOption = None) -> None:
    """Progress per session and per reviewer, with the open queue size."""
    from provenance.cli.render import default_format, render
    from provenance.review.sessions import status as review_status

    render(review_status(open_db()), default_format(fmt))


@review_app.command("agreement")
def agreement(fmt: FormatOption = None) -> None:
    """Cohen's kappa on items decided twice, and the disagreements awaiting a final call."""
    from provenance.cli.render import Format, default_format, render
    from provenance.review.agreement import agreement as compute

    result = compute(open_db())
    chosen = default_format(fmt)
    if chosen == Format.json:
        render(result, chosen)
        return
    message(
        f"items decided twice: {result['items_decided_twice']}, agreed: {result['agreed']}, "
        f"kappa: {result['kappa']}"
    )
    render(result["disagreements"], chosen)


@review_app.command("refresh")
def refresh(fmt: FormatOption = None) -> None:
    """Rebuild the queue from the stored links now (linking does this after every run)."""
    from dataclasses import asdict

    from provenance.cli.render import default_format, render
    from provenance.review.queue import refresh_queue

    with open_db().session(immediate=True) as session:
        report = refresh_queue(session)
    render(asdict(report), default_format(fmt))


@review_app.command("export")
def export(fmt: FormatOption = None) -> None:
    """Every decision with its audit trail (same as `provenance export reviews`)."""
    from provenance.cli.render import default_format, render
    from provenance.export.reviews import REVIEW_COLUMNS, review_rows

    with open_db().session() as session:
        rows = review_rows(session)
    render(rows, default_format(fmt), columns=list(REVIEW_COLUMNS))
