"""Plain data passed into and out of the linking engine (no database types here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .compare import Alignment


@dataclass(frozen=True)
class SourceInput:
    source_id: int
    outlet: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class VariantInput:
    """One distinct normalised wording of one speaker's quote.

    ``context`` is optional surrounding prose; when present it feeds the same-point score.
    """

    variant_id: int
    speaker_id: int
    wording: str
    kind: str  # "full" | "partial"
    source_ids: tuple[int, ...]
    context: str | None = None


@dataclass(frozen=True)
class EditorConstraints:
    """Editor decisions that must survive any relink (they override automatic decisions)."""

    same_utterance: frozenset[frozenset[int]] = frozenset()
    different_utterance: frozenset[frozenset[int]] = frozenset()
    canonical: frozenset[int] = frozenset()
    misquotes: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ClusterPlan:
    """One utterance: variants of one speaker. ``cluster_id`` is the lowest variant id."""

    cluster_id: int
    speaker_id: int
    variant_ids: tuple[int, ...]
    canonical_id: int
    outlet_count: int


@dataclass(frozen=True)
class PlannedLink:
    """A relation between two variants (b relative to a), with every score computed."""

    a: int
    b: int
    relation: str
    similarity: float
    scores: dict[str, float] = field(hash=False, compare=False)
    alignment: Alignment | None = None


@dataclass(frozen=True)
class DriftCandidate:
    """Two clusters of one speaker in one story that look like one remark reworded.

    ``a`` and ``b`` are the canonical variants of the likely original and the outlier.
    """

    a: int
    b: int
    similarity: float
    drift_score: float
    likely_original: int
    outlier: int
    story_id: int
    scores: dict[str, float] = field(hash=False, compare=False)


@dataclass(frozen=True)
class Conflict:
    """(Nearly) the same words attributed to two different speakers."""

    a: int
    b: int
    speaker_a: int
    speaker_b: int
    similarity: float
    relation: str
    scores: dict[str, float] = field(hash=False, compare=False)


@dataclass(frozen=True)
class LinkPlan:
    clusters: tuple[ClusterPlan, ...]
    links: tuple[PlannedLink, ...]
    drift: tuple[DriftCandidate, ...]
    conflicts: tuple[Conflict, ...]
    stories: dict[int, int]  # source_id -> story id (lowest source id of the story)

    def cluster_of(self) -> dict[int, int]:
        """variant_id -> cluster_id."""
        return {v: c.cluster_id for c in self.clusters for v in c.variant_ids}
