"""`export json`: every quote tree (quote → variants → occurrences → source) as one JSON array.

The trees are exactly what `provenance quotes --format json` prints (`lookup.quote_trees`,
plus `review_status`), built a chunk of quotes at a time and written as they are built,
so memory stays bounded by one chunk whatever the size of the database. The array holds
one tree per line, which keeps the file greppable and diffable while staying plain JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.export import occurrences as occurrence_export
from provenance.export.formats import json_default
from provenance.lookup import quote_trees
from provenance.storage.models import Quote, Speaker, Variant

CHUNK_QUOTES = 500


def _quote_ids(session: Session, speaker_id: int | None) -> list[int]:
    # Same selection and order as `lookup.quotes_by_speaker`. Ids are small: holding them
    # all (8 bytes each) is what lets the trees be fetched in chunks on any backend.
    query = (
        select(Quote.id)
        .join(Speaker, Speaker.id == Quote.speaker_id)
        .where(select(Variant.id).where(Variant.quote_id == Quote.id).exists())
        .order_by(Speaker.name, Quote.outlet_count.desc(), Quote.id)
    )
    if speaker_id is not None:
        query = query.where(Quote.speaker_id == speaker_id)
    return list(session.scalars(query))


def iter_trees(session: Session, *, speaker: str | None = None) -> Iterator[dict[str, Any]]:
    """Quote trees in `quotes` order, with `review_status`, a chunk of quotes at a time.

    The speaker is resolved (and the quote ids selected) at the call, before any tree."""
    speaker_id = None
    if speaker is not None:
        from provenance.storage.speakers import find_speaker

        speaker_id = find_speaker(session, speaker).id
    ids = _quote_ids(session, speaker_id)
    return _trees(session, ids, occurrence_export.review_statuses(session))


def _trees(session: Session, ids: list[int], review: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    for start in range(0, len(ids), CHUNK_QUOTES):
        trees = quote_trees(session, ids[start : start + CHUNK_QUOTES])
        for tree in trees:
            tree["review_status"] = review.get(tree["quote_id"], tree["status"])
            yield tree
        session.expunge_all()  # the chunk's ORM objects are no longer needed


def export_tree_json(session: Session, out: TextIO, *, speaker: str | None = None) -> int:
    """Write the JSON array of quote trees to `out`; returns how many trees were written."""
    trees = iter_trees(session, speaker=speaker)  # resolves the speaker before any output
    count = 0
    out.write("[")
    for tree in trees:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(tree, default=json_default, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
