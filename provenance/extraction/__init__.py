"""Pure quote extraction: find direct quotes in article text and attribute them to speakers.

The extractor itself lives in `extract.py` and is imported on first use: its patterns take
about a third of a second to compile, and lookups, which only need `names`, should not pay
for them at every CLI call.

`make install` compiles the modules below with mypyc (pyproject.toml). The compiled files sit
beside their sources, where Python prefers them, so an edited `.py` would silently lose to
its older build. `make install` records a digest of the sources it compiled (`BUILT_FROM`,
taken before compiling, so an edit saved during the build counts as an edit), and this
package runs the sources instead when they no longer match it, when a module has no build,
or when PROVENANCE_PURE_PYTHON is set (to anything but 0: profilers see only interpreted
code). A build made some other way leaves the record alone: it runs only if it was made
from the recorded sources.
"""

from __future__ import annotations

import hashlib
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
BUILT_FROM = ".built-from"  # beside the modules: the digest of the sources last compiled
_HERE = Path(__file__).parent


def sources_digest() -> str:
    """sha256 over the compiled modules' sources, as `make install` records it."""
    digest = hashlib.sha256()
    for module in COMPILED_MODULES:
        digest.update((_HERE / f"{module}.py").read_bytes())
    return digest.hexdigest()


def build_state() -> Literal["compiled", "stale", "interpreted"]:
    """ "compiled" when every module has a build made from the sources as they are now;
    "stale" when some build is missing (compiled modules call each other's compiled code,
    so it is all or nothing) or the sources changed since the recorded build."""
    built = [
        any((_HERE / f"{module}{suffix}").exists() for suffix in EXTENSION_SUFFIXES)
        for module in COMPILED_MODULES
    ]
    if not any(built):
        return "interpreted"
    record = _HERE / BUILT_FROM
    if not all(built) or not record.exists() or record.read_text().strip() != sources_digest():
        return "stale"
    return "compiled"


class _Sources(MetaPathFinder):
    """Imports the compiled modules from their `.py` files, ahead of the builds beside them."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        package, _, module = fullname.rpartition(".")
        if package != __name__ or module not in COMPILED_MODULES:
            return None
        return spec_from_file_location(fullname, _HERE / f"{module}.py")


BUILD: Literal["compiled", "stale", "interpreted"] = build_state()
_PURE = os.environ.get("PROVENANCE_PURE_PYTHON", "").strip().lower() not in ("", "0", "false", "no")
if BUILD != "interpreted" and (BUILD == "stale" or _PURE):
    sys.meta_path.insert(0, _Sources())
    if BUILD == "stale":
        warnings.warn(
            "the compiled extractor was not built from these sources, so the slower "
            "sources run: run `make install` to rebuild it",
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
