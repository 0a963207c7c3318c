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
    # Only paragraphs holding a quote can repeat one, so only they need a comparison key.
    first_para_with_key: dict[str, int] = {}
    canonical_para: dict[int, int] = {}
    folded = text.casefold()  # once for the document, when offsets survive folding
    if len(folded) != len(text):
        folded = ""
    for index in sorted(set(quote_paras)):
        lo, hi = paras[index]
        key = " ".join(folded[lo:hi].split()) if folded else _paragraph_key(text[lo:hi])
        if len(key) < MIN_PARAGRAPH_CHARS:
            canonical_para[index] = index
            continue
        canonical_para[index] = first_para_with_key.setdefault(key, index)
    if all(canonical == index for index, canonical in canonical_para.items()):
        return [None] * len(quote_positions)  # no paragraph repeats an earlier one

    seen: dict[tuple[int, str, int], int] = {}
    occurrences: dict[tuple[int, str], int] = {}
    result: list[int | None] = []
    for quote_index, (_, wording) in enumerate(quote_positions):
        para = quote_paras[quote_index]
        canonical = canonical_para[para]
        occurrence_key = (para, wording)
        occurrence = occurrences.get(occurrence_key, 0)
        occurrences[occurrence_key] = occurrence + 1
        slot = (canonical, wording, occurrence)
        if canonical != para and slot in seen:
            result.append(seen[slot])
        else:
            result.append(None)
            seen.setdefault(slot, quote_index)
    return result
