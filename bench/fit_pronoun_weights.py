"""Fit the he/she pronoun weights (_PERSON_WEIGHTS in provenance/extraction/attribution.py).

Usage:
    python bench/fit_pronoun_weights.py /tmp/polnear/data/train [--l2 0.01]

A conditional logit over each pronoun's candidates (Resolver.pronoun_candidates), trained on
the hand-resolved train cases in tests/eval/polnear_pronoun_gold_train.json whose speaker is
among the candidates. It prints the weights in feature order and the training accuracy; paste
them into attribution.py and measure on dev with bench/eval_extraction.py (dev is never used
here). Needs numpy (a dev tool, not a dependency of the package).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_extraction import hand_pronoun_gold, speaker_matches  # noqa: E402

from provenance.extraction import _extract, attribution  # noqa: E402


def collect(split_dir: Path) -> list[tuple[np.ndarray, int]]:
    """(candidate features, index of the gold candidate) per usable hand-resolved case."""
    gold = hand_pronoun_gold(split_dir.name) or {}
    by_article: dict[str, dict[int, str]] = {}
    for (article, start), speaker in gold.items():
        if speaker is not None:
            by_article.setdefault(article, {})[start] = speaker
    seen: dict[int, list] = {}
    original = attribution.Resolver.resolve_pronoun

    def recording(self, pronoun, pos, recent_speakers, depth=0):
        if depth == 0 and pronoun.casefold() in ("he", "she") and pos not in seen:
            cands = self.pronoun_candidates(pronoun.casefold(), pos, recent_speakers, depth)
            seen[pos] = [(self.doc.entities[i].names, f) for i, f in cands]
        return original(self, pronoun, pos, recent_speakers, depth)

    attribution.Resolver.resolve_pronoun = recording
    cases = []
    try:
        for article, wanted in sorted(by_article.items()):
            seen.clear()
            _extract((split_dir / "text" / f"{article}.txt").read_text())
            for pos, speaker in wanted.items():
                cands = seen.get(pos)
                if not cands or len(cands) < 2:
                    continue  # nothing to weigh
                right = [
                    i
                    for i, (names, _) in enumerate(cands)
                    if any(speaker_matches(n, speaker) for n in names)
                ]
                if len(right) == 1:
                    cases.append((np.array([f for _, f in cands], dtype=float), right[0]))
    finally:
        attribution.Resolver.resolve_pronoun = original
    return cases


def fit(cases: list[tuple[np.ndarray, int]], l2: float, steps: int = 4000) -> np.ndarray:
    """Gradient ascent on the mean conditional log-likelihood minus an L2 penalty."""
    w = np.zeros(cases[0][0].shape[1])
    rate = 0.5
    for _ in range(steps):
        grad = -l2 * w
        for x, gold in cases:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            grad += (x[gold] - p @ x) / len(cases)
        w += rate * grad
    return w


def main(argv: list[str]) -> None:
    split = Path(argv[0])
    l2 = float(argv[argv.index("--l2") + 1]) if "--l2" in argv else 0.01
    cases = collect(split)
    w = fit(cases, l2)
    right = sum(int(np.argmax(x @ w) == g) for x, g in cases)
    now = np.array(attribution._PERSON_WEIGHTS)
    right_now = sum(int(np.argmax(x @ now) == g) for x, g in cases)
    print(f"cases={len(cases)} train accuracy fitted={right / len(cases):.3f}", end=" ")
    print(f"current weights={right_now / len(cases):.3f}")
    print("weights:", ", ".join(f"{v:.2f}" for v in w))


if __name__ == "__main__":
    main(sys.argv[1:])
