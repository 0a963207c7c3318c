"""Pure quote extraction: find direct quotes in article text and attribute them to speakers.

The extractor itself lives in `extract.py` and is imported on first use: its patterns take
about a third of a second to compile, and lookups, which only need `names`, should not pay
for them at every CLI call.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provenance.extraction.extract import ExtractedQuote, _extract, extract_quotes

__all__ = ["ExtractedQuote", "_extract", "extract_quotes"]


def __getattr__(name: str) -> Any:
    return getattr(import_module("provenance.extraction.extract"), name)
