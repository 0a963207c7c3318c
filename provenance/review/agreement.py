"""Agreement between reviewers on items decided twice (`--overlap 2`): Cohen's kappa and the
disagreements that need a final call."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from provenance.review.decisions import label, settles, undone_ids
from provenance.storage.db import Database
from provenance.storage.models import ReviewDecision, ReviewItem


def cohens_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Kappa for two ratings per item; None when undefined (no items, or one label only)."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in set(first) | set(second)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else None
    return round((observed - expected) / (1.0 - expected), 4)


def agreement(database: Database) -> dict[str, Any]:
    """Kappa over items with two settling decisions by distinct reviewers (first two count),
    overall and per reviewer pair, plus every disagreement and whether it got a final call."""
    with database.session() as session:
        undone = undone_ids(session)
        items = {i.id: i for i in session.scalars(select(ReviewItem))}
        by_item: dict[int, list[ReviewDecision]] = defaultdict(list)
        for d in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
            item = items.get(d.item_id)
            if d.id in undone or item is None or not settles(item.kind, d.decision):
                continue
            by_item[d.item_id].append(d)
        pairs: list[tuple[str, str]] = []
        per_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        disagreements = []
        for item_id, decisions in sorted(by_item.items()):
            ordinary = [d for d in decisions if not (d.effects or {}).get("final")]
            firsts: list[ReviewDecision] = []
            for d in ordinary:
                if d.reviewer not in {f.reviewer for f in firsts}:
                    firsts.append(d)
            if len(firsts) < 2:
                continue
            one, two = firsts[0], firsts[1]
            pair = (label(one), label(two))
            pairs.append(pair)
            per_pair[tuple(sorted((one.reviewer, two.reviewer)))].append(pair)  # type: ignore[index]
            if pair[0] != pair[1]:
                final = next((d for d in decisions if (d.effects or {}).get("final")), None)
                disagreements.append(
                    {
                        "item_id": item_id,
                        "kind": items[item_id].kind,
                        "subject": items[item_id].subject,
                        "reviewer_a": one.reviewer,
                        "decision_a": pair[0],
                        "reviewer_b": two.reviewer,
                        "decision_b": pair[1],
                        "final_call": label(final) if final else None,
                    }
                )
        return {
            "items_decided_twice": len(pairs),
            "agreed": sum(1 for a, b in pairs if a == b),
            "kappa": cohens_kappa(pairs),
            "pairs": [
                {"reviewers": list(key), "items": len(values), "kappa": cohens_kappa(values)}
                for key, values in sorted(per_pair.items())
            ],
            "disagreements": disagreements,
        }
