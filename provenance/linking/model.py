"""Plain data passed into and out of the linking engine (no database types here)."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .compare import Alignment

_LAYOUTS: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, int]]] = {}


class Scores(Mapping[str, float]):
    """Read-only score mapping kept compact: plans hold hundreds of thousands of them.

    The key tuple is shared by every mapping with the same keys, values sit in a double
    array (about 1/6 of a dict of floats). Behaves like a ``dict`` for reading.
    """

    __slots__ = ("_layout", "_values")

    def __init__(self, scores: Mapping[str, float]) -> None:
        keys = tuple(scores)
        layout = _LAYOUTS.get(keys)
        if layout is None:
            layout = _LAYOUTS.setdefault(keys, (keys, {k: i for i, k in enumerate(keys)}))
        self._layout = layout
        self._values = array("d", (float(scores[k]) for k in keys))

    def __getitem__(self, key: str) -> float:
        return self._values[self._layout[1][key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout[0])

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Scores({dict(self)!r})"

    def rounded(self, digits: int) -> dict[str, float]:
        """A plain dict of the rounded values, as stored: reading through the Mapping
        interface costs two method calls per key, and links are written by the 100,000."""
        return {
            key: round(value, digits)
            for key, value in zip(self._layout[0], self._values, strict=True)
        }


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
    scores: Mapping[str, float] = field(hash=False, compare=False)
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
    scores: Mapping[str, float] = field(hash=False, compare=False)


@dataclass(frozen=True)
class Conflict:
    """(Nearly) the same words attributed to two different speakers."""

    a: int
    b: int
    speaker_a: int
    speaker_b: int
    similarity: float
    relation: str
    scores: Mapping[str, float] = field(hash=False, compare=False)


@dataclass(frozen=True)
class LinkPlan:
    clusters: tuple[ClusterPlan, ...]
    links: tuple[PlannedLink, ...]
    drift: tuple[DriftCandidate, ...]
    conflicts: tuple[Conflict, ...]
    stories: dict[int, int]  # source_id -> story id (lowest source id of the story)
    # variant_id -> its candidate keys (``candidate_keys``), for every variant the plan was
    # asked to link (all of them in a rebuild, the new ones incrementally): what the store
    # persists, so it never computes them a second time
    keys: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def cluster_of(self) -> dict[int, int]:
        """variant_id -> cluster_id."""
        return {v: c.cluster_id for c in self.clusters for v in c.variant_ids}
