"""Pure quote-linking layer: normalisation, comparison, candidates, clustering, drift.

No database and no CLI here; the storage layer persists ``LinkPlan`` results and the
``candidate_keys`` of each variant.
"""

from .candidates import CandidateIndex, candidate_keys
from .clusters import choose_canonical, cluster_speaker
from .compare import RELATIONS, Alignment, Comparison, LexicalScorer, Scorer, compare
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
from .normalise import normalise, words
from .stories import plan_stories

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
