"""The naive linker: every pair of each speaker's wordings scored, as a reference for linking.

    python bench/naive.py --db URL [--workers K]

Loads every stored variant (speaker, normalised wording, quote), then for each speaker runs
rapidfuzz `process.cdist` over ALL pairs of that speaker's wordings, twice: character
`fuzz.ratio` and word-level Indel similarity. A pair is linked with the same thresholds
provenance's `compare` uses for a minor edit (`MINOR_WORD_RATIO`, `MINOR_CHAR_RATIO`,
`MINOR_LEN_RATIO` and the short-quote guard), so the naive links are exactly the
pairs `compare` would call a minor edit, found without any blocking. Recall of provenance
is the share of those pairs it put in one quote (same cluster).

Without numpy (which `cdist` needs) the same scores are computed pair by pair.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from provenance.linking.compare import MINOR_CHAR_RATIO, MINOR_LEN_RATIO, MINOR_WORD_RATIO

try:
    import numpy
except ImportError:  # pragma: no cover - numpy is optional for provenance itself
    numpy = None  # type: ignore[assignment]


def _linked(
    ratio: float, word_ratio: float, ta: list[str], tb: list[str], na: str, nb: str
) -> bool:
    """`compare`'s minor-edit rule (its first relation test after identity)."""
    short, long_ = (tb, ta) if (len(tb), len(nb)) <= (len(ta), len(na)) else (ta, tb)
    if not short or len(short) / len(long_) < MINOR_LEN_RATIO:
        return False
    if len(short) < 4 and ratio < 95.0:
        return False
    return word_ratio >= MINOR_WORD_RATIO or (ratio >= MINOR_CHAR_RATIO and len(short) >= 3)


def _speaker_pairs(ids: list[int], texts: list[str], workers: int) -> Iterator[tuple[int, int]]:
    tokens = [t.split() for t in texts]
    n = len(ids)
    if n < 2:
        return
    if numpy is None:
        for i, j in combinations(range(n), 2):
            ratio = fuzz.ratio(texts[i], texts[j])
            word = Indel.normalized_similarity(tokens[i], tokens[j]) * 100.0
            if _linked(ratio, word, tokens[i], tokens[j], texts[i], texts[j]):
                yield ids[i], ids[j]
        return
    chars = process.cdist(texts, texts, scorer=fuzz.ratio, workers=workers)
    words = process.cdist(tokens, tokens, scorer=Indel.normalized_similarity, workers=workers)
    # Only pairs that pass either threshold need the length checks (numpy does the rest).
    upper = numpy.triu(
        (chars >= MINOR_CHAR_RATIO) | (words * 100.0 >= MINOR_WORD_RATIO - 1e-4), k=1
    )
    for i, j in zip(*numpy.nonzero(upper), strict=True):
        i, j = int(i), int(j)
        ratio = float(chars[i, j])
        word = float(words[i, j]) * 100.0
        if _linked(ratio, word, tokens[i], tokens[j], texts[i], texts[j]):
            yield ids[i], ids[j]


def run_naive(database_url: str, workers: int = 1) -> dict[str, object]:
    """Time the naive linker over a linked provenance database and score provenance on it."""
    from sqlalchemy import select

    from provenance.storage.db import open_database
    from provenance.storage.models import Link, Variant

    database = open_database(database_url)
    started = time.perf_counter()
    by_speaker: dict[int, tuple[list[int], list[str]]] = defaultdict(lambda: ([], []))
    quote_of: dict[int, int] = {}
    with database.session() as session:
        for variant_id, speaker_id, normalised, quote_id in session.execute(
            select(Variant.id, Variant.speaker_id, Variant.normalised, Variant.quote_id).order_by(
                Variant.id
            )
        ):
            ids, texts = by_speaker[speaker_id]
            ids.append(variant_id)
            texts.append(normalised)
            quote_of[variant_id] = quote_id
    pairs = []
    largest = 0
    all_pairs = 0
    for ids, texts in by_speaker.values():
        largest = max(largest, len(ids))
        all_pairs += len(ids) * (len(ids) - 1) // 2
        pairs.extend(_speaker_pairs(ids, texts, workers))
    seconds = time.perf_counter() - started
    with database.session() as session:
        direct = {
            frozenset(pair)
            for pair in session.execute(select(Link.variant_a_id, Link.variant_b_id))
        }
    database.dispose()
    same_quote = sum(1 for a, b in pairs if quote_of[a] == quote_of[b])
    linked = sum(1 for a, b in pairs if frozenset((a, b)) in direct)
    missed = [(a, b) for a, b in pairs if quote_of[a] != quote_of[b]]
    return {
        "seconds": seconds,
        "variants": len(quote_of),
        "speakers": len(by_speaker),
        "largest_speaker": largest,
        "pairs_scored": all_pairs,
        "naive_links": len(pairs),
        "found_same_quote": same_quote,
        "found_direct_link": linked,
        "recall": same_quote / len(pairs) if pairs else 1.0,
        "missed_sample": missed[:10],
        "cdist": numpy is not None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a linked provenance database URL")
    parser.add_argument("--workers", type=int, default=1, help="threads for cdist")
    args = parser.parse_args(argv)
    json.dump(run_naive(args.db, args.workers), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
