"""Detects passages a document contains twice (syndication glitches, scraped duplicates)."""

from __future__ import annotations

import bisect

MIN_PARAGRAPH_CHARS = 30


def _paragraph_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def find_repeats(
    text: str,
    paras: list[tuple[int, int]],
    quote_positions: list[tuple[int, str]],
    quote_paras: list[int] | None = None,
) -> list[int | None]:
    """For each quote (first-span start, wording) the index of the quote it repeats, if any.

    A quote repeats an earlier one when its paragraph is textually identical to an earlier
    paragraph and it is the same wording at the same occurrence within that paragraph.
    """
    if not paras:
        return [None] * len(quote_positions)
    if quote_paras is None:  # the paragraph of each quote's first span
        para_starts = [lo for lo, _ in paras]
        quote_paras = [
            max(0, bisect.bisect_right(para_starts, start) - 1) for start, _ in quote_positions
        ]
    # Only paragraphs holding a quote can repeat one, so only they need a comparison key, and
    # only when another such paragraph has the same first and last word (equal keys imply
    # that) or the very same text: most documents then compute no key at all.
    quote_para_set = sorted(set(quote_paras))
    canonical_para: dict[int, int] = {index: index for index in quote_para_set}
    keys: dict[str, str] = {}  # paragraph text -> key

    def key_of(index: int) -> str:
        lo, hi = paras[index]
        segment = text[lo:hi]
        key = keys.get(segment)
        if key is None:
            key = keys[segment] = _paragraph_key(segment)
        return key

    by_ends: dict[tuple[str, str], list[int]] = {}
    first_verbatim: dict[str, int] = {}
    copies: list[tuple[int, int]] = []  # (paragraph, earlier paragraph with the same text)
    for index in quote_para_set:
        lo, hi = paras[index]
        segment = text[lo:hi]
        earlier = first_verbatim.setdefault(segment, index)
        if earlier != index:
            copies.append((index, earlier))
            continue
        words = segment.split(None, 1)
        if not words:
            continue
        ends = (words[0].casefold(), segment.rsplit(None, 1)[-1].casefold())
        by_ends.setdefault(ends, []).append(index)
    for group in by_ends.values():
        if len(group) < 2:
            continue
        first_para_with_key: dict[str, int] = {}
        for index in group:  # in document order
            key = key_of(index)
            if len(key) >= MIN_PARAGRAPH_CHARS:
                canonical_para[index] = first_para_with_key.setdefault(key, index)
    for index, earlier in copies:
        # the first paragraph with this key is the earlier copy's canonical one: any other
        # paragraph with the key shares its first and last word, so it was in its group
        if len(key_of(earlier)) >= MIN_PARAGRAPH_CHARS:
            canonical_para[index] = canonical_para[earlier]
    if all(canonical == index for index, canonical in canonical_para.items()):
        return [None] * len(quote_positions)  # no paragraph repeats an earlier one

    # only copies and the paragraphs they copy need their quotes counted
    involved = {index for index, canonical in canonical_para.items() if canonical != index}
    involved.update([canonical_para[index] for index in involved])
    seen: dict[tuple[int, str, int], int] = {}
    occurrences: dict[tuple[int, str], int] = {}
    result: list[int | None] = [None] * len(quote_positions)
    for quote_index, para in enumerate(quote_paras):
        if para not in involved:
            continue
        wording = quote_positions[quote_index][1]
        canonical = canonical_para[para]
        occurrence_key = (para, wording)
        occurrence = occurrences.get(occurrence_key, 0)
        occurrences[occurrence_key] = occurrence + 1
        slot = (canonical, wording, occurrence)
        if canonical != para and slot in seen:
            result[quote_index] = seen[slot]
        else:
            seen.setdefault(slot, quote_index)
    return result
