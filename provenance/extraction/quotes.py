"""Quote-mark scanner: finds quoted passages and their exact spans, bounded by paragraphs.

Every quote is confined to its paragraph unless the next paragraph reopens the same mark family
(the multi-paragraph convention), so a stray mark can never swallow the rest of an article.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from operator import attrgetter

DOUBLE_OPENERS = "“„«‟"
DOUBLE_CLOSERS = "”»"
SINGLE_OPENERS = "‘‚‹"
SINGLE_CLOSERS = "’›"

_DOUBLE_MARKS = '"“”„«»‟'
_SINGLE_MARKS = "'‘’‚‹›"
_LEFT_FLANK = set(" \t\r\n\u00a0([{—–-/:")
_SPACE = set(" \t\r\n\u00a0")
_RIGHT_FLANK = set(" \t\r\n\u00a0)]}.,;:!?—–-/…")
# A mark is left-flanking when the character before it is in _LEFT_OK (it can open a quote)
# and right-flanking when the character after it is in _RIGHT_OK (it can close one).
_LEFT_OK = frozenset(_LEFT_FLANK) | frozenset("“„«‟‘‚‹")
_RIGHT_OK = frozenset(_RIGHT_FLANK) | frozenset("”»’›")
_DECADE = re.compile(r"\d\ds?\b")
_OPEN_MARK = attrgetter("open_mark")
_CUE_AFTER_QUOTE = re.compile(r"\s+(?:said|says|added|asked|told|wrote|he|she|they)\b")


@dataclass(slots=True, init=False)
class RawQuote:
    """A quoted passage: inner spans (one per paragraph) plus where its marks sit."""

    spans: list[tuple[int, int]]
    open_mark: int  # offset of the first opening mark
    close_mark: int | None  # offset of the final closing mark, None when left unclosed
    double: bool

    def __init__(
        self, spans: list[tuple[int, int]], open_mark: int, close_mark: int | None, double: bool
    ) -> None:
        """Written out for mypyc, as `attribution.Mention`'s is."""
        self.spans = spans
        self.open_mark = open_mark
        self.close_mark = close_mark
        self.double = double


def _close(
    quotes: list[RawQuote],
    pending: RawQuote | None,
    span: tuple[int, int],
    open_at: int,
    pos: int,
    double: bool,
) -> None:
    """A closing mark ends the pending multi-paragraph quote, or a new non-empty one; the
    caller has no pending quote afterwards either way."""
    if pending is not None:
        pending.spans.append(span)
        pending.close_mark = pos
        quotes.append(pending)
    elif span[1] > span[0]:
        quotes.append(RawQuote([span], open_at, pos, double))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The non-empty lines: the spans `[^\\n]+` finds, found with str.find (sre would test a
    character class at every position)."""
    spans: list[tuple[int, int]] = []
    start = 0
    length = len(text)
    while start < length:
        end = text.find("\n", start)
        if end < 0:
            end = length
        if end > start:
            spans.append((start, end))
        start = end + 1
    return spans


def char_positions(text: str, chars: str) -> list[int]:
    """Sorted offsets of every occurrence of any of `chars`: one str.find scan per character
    (a vectorised search), much cheaper than a regex character class tested at every
    position when the characters are few and rare."""
    found: list[int] = []
    for char in chars:
        pos = text.find(char)
        while pos >= 0:
            found.append(pos)
            pos = text.find(char, pos + 1)
    found.sort()
    return found


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _double_role(text: str, pos: int, lo: int, hi: int, inside: bool) -> str:
    """Return 'open', 'close' or 'stray' for a double mark given the scanner state."""
    mark = text[pos]
    before = text[pos - 1] if pos > lo else " "
    after = text[pos + 1] if pos + 1 < hi else " "
    left = before in _LEFT_OK
    right = after in _RIGHT_OK
    if before in _SPACE and after in _SPACE and pos > lo and pos + 1 < hi:
        return "close" if inside and mark not in DOUBLE_OPENERS else "stray"
    if mark in DOUBLE_OPENERS:
        if inside and right and not left:
            return "close"  # sloppy typography: “ used as a closer
        return "open"
    if mark in DOUBLE_CLOSERS:
        if not inside and left and not right:
            return "open"  # sloppy typography: ” used as an opener
        return "close" if inside else "stray"
    # straight quote: decide from flanking characters, toggle when ambiguous
    if left and not right:
        return "open" if not inside else "close" if pos + 1 >= hi else "open"
    if right and not left:
        return "close" if inside else "stray"
    return "close" if inside else "open"


def _opens_paragraph(text: str, start: int, end: int, double: bool) -> int | None:
    """Offset of a reopening mark at the start of a paragraph, if any."""
    pos = start
    while pos < end and text[pos] in " \t\u00a0*_":
        pos += 1
    if pos >= end:
        return None
    mark = text[pos]
    if double and (mark in DOUBLE_OPENERS or mark == '"'):
        return pos
    if not double and (mark in SINGLE_OPENERS or mark == "'"):
        return pos
    return None


def _scan_double(text: str, paras: list[tuple[int, int]]) -> list[RawQuote]:
    quotes: list[RawQuote] = []
    pending: RawQuote | None = None  # multi-paragraph quote awaiting continuation
    marks = char_positions(text, _DOUBLE_MARKS)
    next_mark = 0
    for index, (lo, hi) in enumerate(paras):
        first_in_para = bisect_left(marks, lo, next_mark)
        next_mark = bisect_left(marks, hi, first_in_para)
        if first_in_para == next_mark:
            if pending is not None:  # a paragraph without marks ends a multi-paragraph quote
                quotes.append(pending)
                pending = None
            continue
        open_at: int | None = None
        first_mark = None
        if pending is not None:
            first_mark = _opens_paragraph(text, lo, hi, double=True)
            if first_mark is None:
                quotes.append(pending)
                pending = None
        for pos in marks[first_in_para:next_mark]:
            if pending is not None and pos == first_mark:
                open_at = pos
                continue
            # the common cases of _double_role inline: a curly opener outside a quote (not
            # between spaces) opens one, a curly closer inside one closes it
            mark = text[pos]
            if (
                mark == "“"
                and open_at is None
                and (
                    pos == lo
                    or pos + 1 >= hi
                    or not (text[pos - 1] in _SPACE and text[pos + 1] in _SPACE)
                )
            ):
                open_at = pos
                continue
            if mark == "”" and open_at is not None:
                role = "close"
            else:
                role = _double_role(text, pos, lo, hi, inside=open_at is not None)
            if role == "open":
                if open_at is not None and pending is not None:
                    # the continuation of a multi-paragraph quote closes before a new opener
                    pending.spans.append(_trimmed(text, open_at + 1, pos))
                    quotes.append(pending)
                    pending = None
                open_at = pos  # an earlier unmatched opener was stray
            elif role == "close" and open_at is not None:
                if open_at + 1 < pos and not (
                    text[open_at + 1].isspace() or text[pos - 1].isspace()
                ):
                    span = (open_at + 1, pos)  # nothing to trim
                else:
                    span = _trimmed(text, open_at + 1, pos)
                _close(quotes, pending, span, open_at, pos, True)
                pending = None
                open_at = None
        if open_at is not None:
            span = _trimmed(text, open_at + 1, hi)
            if pending is None:
                pending = RawQuote([span], open_at, None, True)
            else:
                pending.spans.append(span)
            next_para = paras[index + 1] if index + 1 < len(paras) else None
            if next_para is None or _opens_paragraph(text, *next_para, double=True) is None:
                quotes.append(pending)
                pending = None
        elif pending is not None and first_mark is None:
            quotes.append(pending)
            pending = None
    if pending is not None:
        quotes.append(pending)
    return [q for q in quotes if q.spans[0][1] > q.spans[0][0] or any(e > s for s, e in q.spans)]


def _single_candidates(text: str, lo: int, hi: int, positions: list[int]) -> list[tuple[int, str]]:
    """Classify the single marks at `positions` (within lo..hi), discarding apostrophes
    (don’t, Japan’s, ’90s, students’ union)."""
    marks: list[tuple[int, str]] = []
    for pos in positions:
        after = text[pos + 1] if pos + 1 < hi else " "
        before = text[pos - 1] if pos > lo else " "
        left = before in _LEFT_OK
        if left == (after in _RIGHT_OK):
            continue  # flanked alike on both sides: an apostrophe (don’t) or a lone mark
        mark = text[pos]
        if left:
            if mark in SINGLE_CLOSERS or _DECADE.match(text, pos + 1, hi):
                continue  # ’90s, ’em
            if mark in SINGLE_OPENERS or mark == "'":
                marks.append((pos, "open"))
        else:
            if mark in SINGLE_OPENERS:
                continue
            if (
                before in "sS"
                and after == " "
                and pos + 2 < hi
                and text[pos + 2].islower()
                and not _CUE_AFTER_QUOTE.match(text, pos + 1, hi)
            ):
                continue  # plural possessive: students’ union
            marks.append((pos, "close"))
    return marks


def _scan_single(
    text: str, paras: list[tuple[int, int]], doubles: list[RawQuote]
) -> list[RawQuote]:
    """Single-quote passages outside double quotes; unclosed ones only in British-style text."""
    all_marks = char_positions(text, _SINGLE_MARKS)
    if not all_marks:
        return []
    covered = sorted(_bounds(q, len(text)) for q in doubles)
    british = "‘" in text and not any(ch in text for ch in '“"')  # closed singles hint
    quotes: list[RawQuote] = []
    cover_index = 0
    pending: RawQuote | None = None
    mark_count = len(all_marks)
    next_mark = 0
    for index, (lo, hi) in enumerate(paras):
        while next_mark < mark_count and all_marks[next_mark] < lo:
            next_mark += 1
        if next_mark == mark_count or all_marks[next_mark] >= hi:
            if pending is not None:  # a paragraph without marks ends a multi-paragraph quote
                quotes.append(pending)
                pending = None
            continue
        marks = _single_candidates(
            text, lo, hi, all_marks[next_mark : bisect_left(all_marks, hi, next_mark)]
        )
        open_at: int | None = None
        reopen = _opens_paragraph(text, lo, hi, double=False) if pending is not None else None
        if pending is not None and reopen is None:
            quotes.append(pending)
            pending = None
        for pos, role in marks:
            while cover_index < len(covered) and covered[cover_index][1] <= pos:
                cover_index += 1
            if cover_index < len(covered) and covered[cover_index][0] <= pos:
                continue  # nested inside a double-quoted passage
            if role == "open":
                if open_at is None or pos == reopen:
                    open_at = pos
                continue
            if open_at is None:
                continue
            span = _trimmed(text, open_at + 1, pos)
            _close(quotes, pending, span, open_at, pos, False)
            pending = None
            open_at = None
        if open_at is not None:
            next_para = paras[index + 1] if index + 1 < len(paras) else None
            continues = next_para is not None and _opens_paragraph(text, *next_para, double=False)
            if pending is not None or continues or british:
                span = _trimmed(text, open_at + 1, hi)
                if pending is None:
                    pending = RawQuote([span], open_at, None, False)
                else:
                    pending.spans.append(span)
                if not continues:
                    quotes.append(pending)
                    pending = None
        elif pending is not None and reopen is None:
            quotes.append(pending)
            pending = None
    if pending is not None:
        quotes.append(pending)
    return [q for q in quotes if any(e > s for s, e in q.spans)]


def _bounds(quote: RawQuote, text_len: int) -> tuple[int, int]:
    end = quote.close_mark + 1 if quote.close_mark is not None else quote.spans[-1][1]
    return quote.open_mark, min(end, text_len)


def scan_quotes(text: str, paras: list[tuple[int, int]] | None = None) -> list[RawQuote]:
    """All quoted passages in document order, double-quoted first and single outside them."""
    if paras is None:
        paras = paragraphs(text)
    doubles = _scan_double(text, paras)
    singles = _scan_single(text, paras, doubles)
    result = doubles + singles if singles else doubles
    result.sort(key=_OPEN_MARK)
    cleaned = []
    for quote in result:
        if quote.open_mark > 0 and text[quote.open_mark - 1] == "=":
            continue  # a markup attribute value (author="@AP"), not a quotation
        spans = quote.spans
        if len(spans) == 1:
            if spans[0][1] > spans[0][0]:
                cleaned.append(quote)
            continue
        quote.spans = [s for s in spans if s[1] > s[0]]
        if quote.spans:
            cleaned.append(quote)
    return cleaned
