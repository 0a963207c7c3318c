"""One row per occurrence: the shape shared by `quotes --format csv` and `export csv`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

OCCURRENCE_COLUMNS = (
    "quote_id",
    "speaker",
    "canonical_wording",
    "variant_id",
    "wording",
    "relation",
    "similarity",
    "misquote",
    "occurrence_id",
    "source_id",
    "source_path",
    "outlet",
    "title",
    "author",
    "url",
    "published_at",
    "spans",
    "char_start",
    "char_end",
    "attributed_as",
    "cue",
    "quote_kind",
    "confidence",
    "repeat_of",
    "outlets",
    "flags",
    "review_status",
)


def tree_rows(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for variant in tree["variants"]:
        for occurrence in variant["occurrences"]:
            spans = occurrence["spans"]
            first = spans.split(";")[0].split(":") if spans else ["", ""]
            last = spans.split(";")[-1].split(":") if spans else ["", ""]
            yield {
                "quote_id": tree["quote_id"],
                "speaker": tree["speaker"],
                "canonical_wording": tree["canonical"],
                "variant_id": variant["variant_id"],
                "wording": variant["wording"],
                "relation": variant["relation"],
                "similarity": variant["similarity"],
                "misquote": variant["misquote"],
                "occurrence_id": occurrence["occurrence_id"],
                "source_id": occurrence["source_id"],
                "source_path": occurrence["source_path"],
                "outlet": occurrence["outlet"],
                "title": occurrence.get("title"),
                "author": occurrence.get("author"),
                "url": occurrence.get("url"),
                "published_at": occurrence["published_at"],
                "spans": spans,
                "char_start": int(first[0]) if first[0] else None,
                "char_end": int(last[1]) if last[-1] else None,
                "attributed_as": occurrence["attributed_as"],
                "cue": occurrence["cue"],
                "quote_kind": occurrence["quote_kind"],
                "confidence": occurrence["confidence"],
                "repeat_of": occurrence["repeat_of"],
                "outlets": tree["outlets"],
                "flags": ";".join(tree["flags"]),
                "review_status": tree.get("review_status") or tree["status"],
            }
