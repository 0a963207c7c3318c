"""The naive linker: every pair of each speaker's wordings scored, as a reference for linking.

    python bench/naive.py --db URL [--workers K]

Loads every stored variant (speaker, normalised wording, quote), then for each speaker runs
rapidfuzz `process.cdist` over ALL pairs of that speaker's wordings, three times: character
`fuzz.ratio`, word-level Indel similarity, and word-level LCS over stems. Two link sets come
out, with the thresholds provenance's `compare` uses:

- minor edits: the `MINOR_WORD_RATIO` / `MINOR_CHAR_RATIO` / `MINOR_LEN_RATIO` rule and the
  short-quote guard, decided from the two cdist matrices alone;
- all variant links: every pair whose stem LCS could hold a containment (>= 2 shared words in
  order) or that passes the minor-edit rule is given to `compare_features`, and kept when
  its relation is identical, minor_edit, truncation or extension: the links `compare`
  would make between variants of one utterance, found without any blocking.

Recall of provenance is the share of a set's pairs it put in one quote (same cluster).
`recall` leaves out the bridging containments: a wording contained in two longer wordings
that are not linked to each other would glue two remarks into one quote, which issue #4
forbids, so provenance keeps it apart by design. `recall_with_bridges` counts them too, and
`minor_edit_recall` covers only the pairs the two cdist matrices decide alone (this script's
only link set before containment was added).

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
from rapidfuzz.distance import Indel, LCSseq

from provenance.linking.compare import (
    MINOR_CHAR_RATIO,
    MINOR_LEN_RATIO,
    MINOR_WORD_RATIO,
    compare_features,
    normalised_features,
)

# Relations that put two wordings in one utterance (drift is a proposal, not a link).
VARIANT_RELATIONS = frozenset({"identical", "minor_edit", "truncation", "extension"})
# A containment needs the shorter's content (>= 1.9 weight) matched in order: >= 2 words.
CONTAIN_MIN_LCS = 2

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


def _speaker_pairs(
    ids: list[int], texts: list[str], workers: int
) -> Iterator[tuple[int, int, str]]:
    """(id a, id b, relation) for every variant link of one speaker.

    The relation is "minor_edit" when the cdist minor-edit rule decided it, else
    `compare_features`' relation (identical, minor_edit, truncation or extension).
    """
    tokens = [t.split() for t in texts]
    n = len(ids)
    if n < 2:
        return
    feats: list[tuple | None] = [None] * n

    def relation(i: int, j: int) -> str:
        for k in (i, j):
            if feats[k] is None:
                feats[k] = normalised_features(texts[k])
        return compare_features(feats[i], feats[j]).relation

    if numpy is None:
        for i, j in combinations(range(n), 2):
            ratio = fuzz.ratio(texts[i], texts[j])
            word = Indel.normalized_similarity(tokens[i], tokens[j]) * 100.0
            if _linked(ratio, word, tokens[i], tokens[j], texts[i], texts[j]):
                yield ids[i], ids[j], "minor_edit"
            elif (rel := relation(i, j)) in VARIANT_RELATIONS:
                yield ids[i], ids[j], rel
        return
    stems = [normalised_features(t)[2] for t in texts]
    chars = process.cdist(texts, texts, scorer=fuzz.ratio, workers=workers)
    words = process.cdist(tokens, tokens, scorer=Indel.normalized_similarity, workers=workers)
    lcs = process.cdist(stems, stems, scorer=LCSseq.similarity, workers=workers)
    maybe_minor = (chars >= MINOR_CHAR_RATIO) | (words * 100.0 >= MINOR_WORD_RATIO - 1e-4)
    upper = numpy.triu(maybe_minor | (lcs >= CONTAIN_MIN_LCS), k=1)
    for i, j in zip(*numpy.nonzero(upper), strict=True):
        i, j = int(i), int(j)
        if maybe_minor[i, j] and _linked(
            float(chars[i, j]), float(words[i, j]) * 100.0, tokens[i], tokens[j], texts[i], texts[j]
        ):
            yield ids[i], ids[j], "minor_edit"
        elif (rel := relation(i, j)) in VARIANT_RELATIONS:
            yield ids[i], ids[j], rel


def _bridging(pairs: list[tuple[int, int, str]]) -> set[frozenset[int]]:
    """Containment links of a wording held by two longer ones that are not linked themselves.

    Following all of them would glue two different remarks into one quote through a shared
    short phrase, which issue #4 forbids; recall is measured on the other links.
    """
    linked = {frozenset((a, b)) for a, b, _ in pairs}
    holders: dict[int, list[tuple[int, frozenset[int]]]] = defaultdict(list)
    for a, b, rel in pairs:
        if rel == "truncation":  # b is the shorter
            holders[b].append((a, frozenset((a, b))))
        elif rel == "extension":
            holders[a].append((b, frozenset((a, b))))
    bridges: set[frozenset[int]] = set()
    for held in holders.values():
        longer = [x for x, _ in held]
        if any(
            frozenset((x, y)) not in linked for k, x in enumerate(longer) for y in longer[k + 1 :]
        ):
            bridges.update(pair for _, pair in held)
    return bridges


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
    links = [(a, b) for a, b, _ in pairs]
    minor = [(a, b) for a, b, rel in pairs if rel == "minor_edit"]
    bridges = _bridging(pairs)
    unambiguous = [(a, b) for a, b, _ in pairs if frozenset((a, b)) not in bridges]

    def recall(subset: list[tuple[int, int]]) -> float:
        found = sum(1 for a, b in subset if quote_of[a] == quote_of[b])
        return found / len(subset) if subset else 1.0

    missed = [(a, b) for a, b in unambiguous if quote_of[a] != quote_of[b]]
    return {
        "seconds": seconds,
        "variants": len(quote_of),
        "speakers": len(by_speaker),
        "largest_speaker": largest,
        "pairs_scored": all_pairs,
        "naive_links": len(links),
        "found_same_quote": sum(1 for a, b in links if quote_of[a] == quote_of[b]),
        "found_direct_link": sum(1 for a, b in links if frozenset((a, b)) in direct),
        "recall": recall(unambiguous),
        "bridging_links": len(bridges),
        "recall_with_bridges": recall(links),
        "minor_edit_links": len(minor),
        "minor_edit_recall": recall(minor),
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
