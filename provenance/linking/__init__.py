"""Pure quote-linking layer: normalisation, comparison, candidates, clustering, drift.

No database and no CLI here; the storage layer persists ``LinkPlan`` results and the
``candidate_keys`` of each variant.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Loaded with the package: each shares its name with a function in it, and a submodule
# loaded later would take that name over (the import system sets it on the package).
from .compare import RELATIONS, Alignment, Comparison, LexicalScorer, Scorer, compare
from .normalise import normalise, words

if TYPE_CHECKING:
    from .candidates import CandidateIndex, candidate_keys
    from .clusters import choose_canonical, cluster_speaker
    from .drift import plan_drift
    from .engine import is_conflict, link_new, plan_links
    from .model import (
        ClusterPlan,
        Conflict,
        DriftCandidate,
        EditorConstraints,
        LinkPlan,
        PlannedLink,
        SourceInput,
        VariantInput,
    )
    from .stories import plan_stories

# Where the other public names live. They load on first use (PEP 562), not with the
# package: a lookup imports `linking.diff`, and loading the whole engine with it cost
# every `quotes` and `show` call about 90 ms.
_HOMES = {
    "candidates": ("CandidateIndex", "candidate_keys"),
    "clusters": ("choose_canonical", "cluster_speaker"),
    "drift": ("plan_drift",),
    "engine": ("is_conflict", "link_new", "plan_links"),
    "model": (
        "ClusterPlan",
        "Conflict",
        "DriftCandidate",
        "EditorConstraints",
        "LinkPlan",
        "PlannedLink",
        "SourceInput",
        "VariantInput",
    ),
    "stories": ("plan_stories",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "RELATIONS",
    "Alignment",
    "CandidateIndex",
    "ClusterPlan",
    "Comparison",
    "Conflict",
    "DriftCandidate",
    "EditorConstraints",
    "LexicalScorer",
    "LinkPlan",
    "PlannedLink",
    "Scorer",
    "SourceInput",
    "VariantInput",
    "candidate_keys",
    "choose_canonical",
    "cluster_speaker",
    "compare",
    "is_conflict",
    "link_new",
    "normalise",
    "plan_drift",
    "plan_links",
    "plan_stories",
    "words",
]
