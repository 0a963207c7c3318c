"""provenance: who said what, in which words, where each wording appeared, and where it drifted.

The library is UI-free so a CLI and a web front end can both sit on it. `compare` is the
one call most scripts need; everything else lives in the pipeline modules
(readers → extraction → storage → linking → review/export → cli).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from provenance.linking.compare import Comparison


def compare(a: str, b: str) -> Comparison:
    """Score two wordings: 0-100 similarity, the relation provenance would assign, all scores.

    Imported lazily so `import provenance` (and the CLI's start-up) stays cheap.
    """
    from provenance.linking.compare import compare as _compare

    return _compare(a, b)


__all__ = ["__version__", "compare"]
