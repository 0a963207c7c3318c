"""Pure quote extraction: find direct quotes in article text and attribute them to speakers.

The extractor itself lives in `extract.py` and is imported on first use: its patterns take
about a third of a second to compile, and lookups, which only need `names`, should not pay
for them at every CLI call.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from provenance.extraction.names import (
    SpeakerName,
    name_key,
    normalise_name,
    parse_speaker,
    same_person,
    split_title,
)

if TYPE_CHECKING:
    from provenance.extraction.extract import ExtractedQuote, QuoteKind, extract_quotes
    from provenance.extraction.extract import _extract as _extract

__all__ = [
    "ExtractedQuote",
    "QuoteKind",
    "SpeakerName",
    "extract_quotes",
    "name_key",
    "normalise_name",
    "parse_speaker",
    "same_person",
    "split_title",
]

# Served from `extract.py` on first use; any other name is a plain missing attribute, so
# that `from provenance.extraction import lexicon` still imports the submodule.
_FROM_EXTRACTOR = frozenset({"ExtractedQuote", "QuoteKind", "extract_quotes", "_extract"})


def __getattr__(name: str) -> Any:
    if name in _FROM_EXTRACTOR:
        return getattr(import_module("provenance.extraction.extract"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
