"""Pure quote extraction: find direct quotes in article text and attribute them to speakers.

The extractor itself lives in `extract.py` and is imported on first use: its patterns take
about a third of a second to compile, and lookups, which only need `names`, should not pay
for them at every CLI call.

`make install` compiles the modules below with mypyc (pyproject.toml). The compiled files sit
beside their sources, where Python prefers them, so an edited `.py` would silently lose to
its older build: this package runs the sources instead when any is newer than its build, or
when PROVENANCE_PURE_PYTHON=1 (profilers see only interpreted code).
"""

from __future__ import annotations

import os
import sys
import warnings
from importlib import import_module
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

COMPILED_MODULES = ("attribution", "extract", "lexicon", "names", "quotes", "repeats")
_HERE = Path(__file__).parent


def build_state() -> Literal["compiled", "stale", "interpreted"]:
    """Whether every module has a build at least as new as its source ("stale" when some
    has none: compiled modules call each other's compiled code, so it is all or nothing)."""
    built = 0
    stale = False
    for module in COMPILED_MODULES:
        builds = [_HERE / f"{module}{suffix}" for suffix in EXTENSION_SUFFIXES]
        times = [path.stat().st_mtime for path in builds if path.exists()]
        if times:
            built += 1
            stale = stale or (_HERE / f"{module}.py").stat().st_mtime > max(times)
    if not built:
        return "interpreted"
    return "stale" if stale or built < len(COMPILED_MODULES) else "compiled"


class _Sources(MetaPathFinder):
    """Imports the compiled modules from their `.py` files, ahead of the builds beside them."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        package, _, module = fullname.rpartition(".")
        if package != __name__ or module not in COMPILED_MODULES:
            return None
        return spec_from_file_location(fullname, _HERE / f"{module}.py")


BUILD: Literal["compiled", "stale", "interpreted"] = build_state()
if BUILD != "interpreted" and (BUILD == "stale" or os.environ.get("PROVENANCE_PURE_PYTHON")):
    sys.meta_path.insert(0, _Sources())
    if BUILD == "stale":
        warnings.warn(
            "the compiled extractor is older than its source or incomplete, so the slower "
            "source runs: run `make install` to rebuild it",
            RuntimeWarning,
            stacklevel=2,
        )
    BUILD = "interpreted"

from provenance.extraction.names import (  # noqa: E402 (after the choice of build)
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
    "BUILD",
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
