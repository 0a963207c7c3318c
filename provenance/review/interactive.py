"""The terminal review screen: one item at a time, single-key decisions, as in Prodigy.

All logic lives in `sessions`/`decisions`; this module only draws and reads keys. Each key
press that decides is committed before the next item is drawn, so killing the terminal loses
nothing decided, and the next start continues at the next open item.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from provenance.errors import ProvenanceError
from provenance.review import decisions as decide_mod
from provenance.review import sessions
from provenance.storage.db import Database

KIND_KEYS: dict[str, dict[str, str]] = {
    "drift": {"s": "same_utterance", "d": "different_utterances", "m": "misquote"},
    "conflict": {"1": "choose_speaker", "2": "choose_speaker", "b": "both_right", "c": "cant_tell"},
    "alias": {"m": "merge", "k": "keep_apart"},
    "attribution": {"c": "confirm", "r": "reattribute", "n": "not_a_quote"},
    "single_source": {"c": "confirm"},
}
COMMON_KEYS = {
    "w": "canonical",
    " ": "skip",
    "f": "flag",
    "e": "note",
    "u": "undo",
    "q": "quit",
    "?": "help",
}
KEY_NAMES = {" ": "space"}
DIFF_STYLE = {"equal": "", "delete": "red strike", "insert": "green bold"}


class Keys:
    """Single key presses from a terminal, or one line per key when input is piped."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    @contextlib.contextmanager
    def _cbreak(self) -> Iterator[None]:
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            # TCSANOW, not the default TCSAFLUSH: a key typed before we got here is kept.
            tty.setcbreak(fd, termios.TCSANOW)
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, saved)

    def key(self) -> str:
        if self.tty:
            with self._cbreak():
                char = os.read(self.stream.fileno(), 1).decode(errors="replace")
            if char in ("\x03", "\x04", ""):
                return "q"
            return char
        line = self.stream.readline()
        if line == "":
            return "q"
        stripped = line.rstrip("\n")
        return stripped[:1] if stripped.strip() else " "

    def line(self, prompt: str, console: Console) -> str:
        console.print(prompt, end="")
        line = self.stream.readline()
        return line.strip()


def _diff_text(diff: list[list[str]]) -> Text:
    text = Text()
    for op, token in diff:
        text.append(token, style=DIFF_STYLE.get(op, ""))
    return text


def _occurrence_lines(console: Console, occurrences: list[dict[str, Any]], blind: bool) -> None:
    for o in occurrences:
        where = " · ".join(
            str(part)
            for part in (
                o.get("outlet") or "(no outlet)",
                (o.get("published_at") or "undated")[:10],
            )
        )
        said = f'attributed as "{o.get("attributed_as") or "?"}"'
        score = "" if blind or o.get("confidence") is None else f"  conf {o['confidence']:.2f}"
        status = "" if o.get("status") in (None, "auto") else f"  [{o['status']}]"
        console.print(f"      {where} — {said}{score}{status}", highlight=False)
        if o.get("sentence"):
            console.print(Text(f"        “{o['sentence'].strip()}”", style="dim"))


def _quote_block(console: Console, quote: dict[str, Any], blind: bool) -> None:
    console.print(
        f"  quote {quote['quote_id']} — {quote.get('speaker') or '?'}"
        + ("  (canonical pinned)" if quote.get("canonical_pinned") else ""),
        style="bold",
        highlight=False,
    )
    for variant in quote["variants"]:
        mark = "*" if variant["variant_id"] == quote.get("canonical_variant_id") else " "
        misquote = "  [misquote]" if variant.get("misquote") else ""
        console.print(
            f"   {mark}[v{variant['variant_id']}] {variant['wording']}{misquote}", highlight=False
        )
        _occurrence_lines(console, variant["occurrences"], blind)


def draw(console: Console, view: dict[str, Any]) -> None:
    """One item: what is asked, the evidence, the scores (unless blind), and the keys."""
    payload, kind, blind = view["payload"], view["kind"], view["blind"]
    progress = view.get("progress", {})
    console.rule(
        f"{progress.get('position', '?')} of {progress.get('total', '?')} · "
        f"{kind} · item {view['item_id']} · session {view.get('session')} · "
        f"{view.get('reviewer')}"
    )
    if kind in ("drift", "conflict"):
        title = "Same utterance?" if kind == "drift" else "Who said it?"
        console.print(title, style="bold cyan")
        a, b = payload["variant_ids"]
        console.print(f"  A [v{a}] {payload['wordings'][0]}", highlight=False)
        console.print(f"  B [v{b}] {payload['wordings'][1]}", highlight=False)
        console.print(Text("  diff  ") + _diff_text(payload.get("diff", [])))
        if not blind:
            extra = f"  similarity {payload.get('similarity')}"
            if kind == "drift":
                extra += f"  drift score {payload.get('drift_score')}"
                extra += f"  likely original v{payload.get('likely_original_id')}"
            console.print(extra, style="yellow", highlight=False)
        for quote in payload.get("quotes", []):
            _quote_block(console, quote, blind)
    elif kind == "alias":
        console.print("The same person?", style="bold cyan")
        for number, speaker in enumerate(payload.get("speakers", []), 1):
            console.print(
                f"  {number}. {speaker['name']} (id {speaker['speaker_id']})"
                f" — {speaker.get('role') or ''} {speaker.get('affiliation') or ''}".rstrip(),
                highlight=False,
            )
            console.print(f"     aliases: {', '.join(speaker.get('aliases', []))}", highlight=False)
            for sample in speaker.get("sample_quotes", []):
                console.print(f"     “{sample}”", style="dim", highlight=False)
    elif kind == "attribution":
        console.print("Is the attribution right?", style="bold cyan")
        console.print(f"  “{payload['wording']}”", highlight=False)
        console.print(f"  speaker: {payload.get('speaker') or '(none found)'}", highlight=False)
        _occurrence_lines(console, [payload["occurrence"]], blind)
    else:
        console.print("Single-source quote: genuine as stored?", style="bold cyan")
        for quote in payload.get("quotes", []):
            _quote_block(console, quote, blind)
    for earlier in view.get("history", []):
        console.print(
            f"  earlier: {earlier['reviewer']} → {earlier['decision']}"
            + (f" ({earlier['note']})" if earlier.get("note") else ""),
            style="magenta",
            highlight=False,
        )
    keys = {**KIND_KEYS[kind], **COMMON_KEYS}
    console.print(
        "  " + "  ".join(f"[{KEY_NAMES.get(k, k)}] {v}" for k, v in keys.items()),
        style="dim",
        highlight=False,
    )


def run(
    database: Database,
    reviewer: str,
    session_name: str,
    *,
    stdin: TextIO | None = None,
    console: Console | None = None,
    on_empty: Callable[[], None] | None = None,
) -> int:
    """Review until the queue is empty or the reviewer quits; returns decisions made."""
    console = console or Console(highlight=False, markup=False)
    keys = Keys(stdin or sys.stdin)
    made = 0
    while True:
        view = sessions.claim_next(database, reviewer, session_name)
        if view is None:
            if on_empty is not None:
                on_empty()
            return made
        outcome = _one_item(database, console, keys, view, reviewer, session_name)
        if outcome == "quit":
            sessions.release_claims(database, reviewer)
            console.print("bye — every decision so far is saved")
            return made
        if outcome == "decided":
            made += 1


def _one_item(
    database: Database,
    console: Console,
    keys: Keys,
    view: dict[str, Any],
    reviewer: str,
    session_name: str,
) -> str:
    draw(console, view)
    kind = view["kind"]
    mapping = {**KIND_KEYS[kind], **COMMON_KEYS}
    while True:
        console.print("> ", end="")
        key = keys.key()
        console.print(repr(key) if key == " " else key)
        action = mapping.get(key)
        if action is None:
            console.print(f"unknown key {key!r} — press ? for help", style="red")
            continue
        if action == "quit":
            return "quit"
        if action == "help":
            for name in decide_mod.allowed_decisions(kind):
                console.print(f"  {name}: {decide_mod.DECISION_HELP[name]}", highlight=False)
            continue
        try:
            if action == "undo":
                undone = decide_mod.undo(database, reviewer=reviewer, session_name=session_name)
                console.print(
                    f"undone: {undone['decision']} on item {undone['item_id']}", style="yellow"
                )
                return "undo"
            options = _options(console, keys, view, key, action)
            if options is None:
                continue
            recorded = decide_mod.decide(
                database,
                view["item_id"],
                action,
                reviewer=reviewer,
                session_name=session_name,
                **options,
            )
        except ProvenanceError as error:
            console.print(f"error: {error.line()}", style="red", highlight=False)
            continue
        console.print(f"saved: {recorded['decision']}", style="green")
        if action in ("note", "canonical") and not decide_mod.settles(kind, action):
            continue
        return "decided" if action not in ("skip", "flag") else "deferred"


def _options(
    console: Console, keys: Keys, view: dict[str, Any], key: str, action: str
) -> dict[str, Any] | None:
    payload = view["payload"]
    if action == "choose_speaker":
        return {"variant_id": payload["variant_ids"][int(key) - 1]}
    if action in ("misquote", "canonical"):
        value = keys.line("variant id (v…): ", console).lstrip("vV")
        if not value.isdigit():
            console.print("cancelled — a variant id is a number", style="red")
            return None
        return {"variant_id": int(value)}
    if action == "reattribute":
        name = keys.line("speaker name: ", console)
        return {"speaker": name} if name else None
    if action == "merge":
        speakers = payload.get("speakers", [])
        choice = keys.line("keep which name? [1/2, Enter = 1]: ", console) or "1"
        if choice not in ("1", "2") or len(speakers) < int(choice):
            return None
        return {"speaker_id": speakers[int(choice) - 1]["speaker_id"]}
    if action in ("note", "flag"):
        text = keys.line("note: ", console)
        if action == "note" and not text:
            return None
        return {"note": text or None}
    return {}
