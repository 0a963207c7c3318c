"""Terminal views of quote trees: grouped tables and word-level diffs against the canonical."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from provenance.cli.render import Format, render
from provenance.export.formats import write_csv
from provenance.export.rows import OCCURRENCE_COLUMNS, tree_rows
from provenance.linking.diff import word_diff


def render_quotes(trees: Sequence[dict[str, Any]], fmt: Format) -> None:
    if fmt is Format.json:
        render(list(trees), fmt)
        return
    if fmt is Format.csv:
        write_csv(
            (row for tree in trees for row in tree_rows(tree)), OCCURRENCE_COLUMNS, sys.stdout
        )
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False)
    if not trees:
        console.print("no quotes stored yet: run `provenance ingest PATH`", style="dim")
        return
    table = Table(show_lines=True)
    for column in ("quote", "speaker", "canonical wording / variants", "outlets", "flags"):
        table.add_column(column, overflow="fold")
    for tree in trees:
        lines = [f"[bold]{_escape(tree['canonical'] or '')}[/bold]"]
        for variant in tree["variants"]:
            where = ", ".join(
                sorted({_where(o) for o in variant["occurrences"] if o["repeat_of"] is None})
            )
            marker = (
                ""
                if variant["variant_id"] == tree["canonical_variant_id"]
                else (f"{variant['relation']} {variant['similarity']:.0f}: ")
            )
            lines.append(
                f"  [dim]{marker}[/dim]{_escape(_short(variant['wording']))} [dim]({where})[/dim]"
            )
        table.add_row(
            str(tree["quote_id"]),
            tree["speaker"],
            "\n".join(lines),
            str(tree["outlets"]),
            ", ".join(tree["flags"]),
        )
    console.print(table)


def _where(occurrence: dict[str, Any]) -> str:
    name = occurrence["source_path"].rsplit("/", 1)[-1]
    return f"{occurrence['outlet']}: {name}" if occurrence["outlet"] else name


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def render_quote_detail(tree: dict[str, Any], fmt: Format) -> None:
    if fmt is Format.json:
        render(tree, fmt)
        return
    if fmt is Format.csv:
        write_csv(tree_rows(tree), OCCURRENCE_COLUMNS, sys.stdout)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False)
    console.print(
        f"[bold]Quote {tree['quote_id']}[/bold] by [bold]{_escape(tree['speaker'])}[/bold]"
        f" — {tree['outlets']} outlet(s), flags: {', '.join(tree['flags']) or 'none'}"
    )
    console.print(f"canonical: “{_escape(tree['canonical'] or '')}”")
    table = Table(show_lines=True)
    for column in ("variant", "relation", "similarity", "wording (diff vs canonical)", "where"):
        table.add_column(column, overflow="fold")
    for variant in tree["variants"]:
        diff = "".join(
            _escape(token)
            if op == "equal"
            else f"[red strike]{_escape(token)}[/red strike]"
            if op == "delete"
            else f"[green]{_escape(token)}[/green]"
            for op, token in word_diff(tree["canonical"] or "", variant["wording"])
        )
        where = "\n".join(
            f"{_where(o)}"
            + (f" {o['published_at'].date().isoformat()}" if o["published_at"] else "")
            + (f" — as “{_escape(o['attributed_as'])}”" if o["attributed_as"] else "")
            for o in variant["occurrences"]
            if o["repeat_of"] is None
        )
        table.add_row(
            str(variant["variant_id"]),
            variant["relation"],
            f"{variant['similarity']:.0f}",
            diff,
            where,
        )
    console.print(table)
