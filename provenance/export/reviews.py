"""Review exports: every decision with its audit trail, and the review status per quote and
occurrence that the occurrence CSV's `review_status` column shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.review.decisions import describe, settles, undone_ids
from provenance.storage.models import Occurrence, ReviewDecision, ReviewItem, Variant

REVIEW_COLUMNS = (
    "decision_id",
    "created_at",
    "session",
    "reviewer",
    "item_id",
    "kind",
    "subject",
    "decision",
    "speaker_id",
    "speaker",
    "variant_id",
    "note",
    "undoes_id",
    "undone",
    "applied",
    "in_force",
    "item_state",
    "changes",
)


def review_rows(session: Session) -> list[dict[str, Any]]:
    """One row per decision row, oldest first: what was decided, by whom, whether it is still
    in force, and how many data changes it made."""
    undone = undone_ids(session)
    items = {i.id: i for i in session.scalars(select(ReviewItem))}
    rows = []
    for decision in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
        row = describe(session, decision)
        item = items.get(decision.item_id)
        row.update(
            kind=item.kind if item else None,
            subject=item.subject if item else None,
            undone=decision.id in undone,
            in_force=decision.decision != "undo" and decision.id not in undone,
            item_state=item.state if item else None,
            changes=len((decision.effects or {}).get("ops", [])),
        )
        rows.append({column: row.get(column) for column in REVIEW_COLUMNS})
    return rows


def _quote_ids_of(item: ReviewItem) -> set[int]:
    found = {q["quote_id"] for q in item.payload.get("quotes", []) if q and q.get("quote_id")}
    if item.quote_id:
        found.add(item.quote_id)
    if item.payload.get("quote_id"):
        found.add(item.payload["quote_id"])
    return found


def review_statuses(session: Session, quote_ids: Iterable[int]) -> dict[int, str]:
    """Per quote: 'unreviewed', 'in review' (open items ask about it), 'reopened' (new evidence
    since a decision), or 'reviewed: <decisions>' listing the decisions in force."""
    wanted = set(quote_ids)
    undone = undone_ids(session)
    decided: dict[int, list[str]] = defaultdict(list)
    pending: dict[int, str] = {}
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.state != "closed")))
    by_id = {i.id: i for i in items}
    for decision in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
        item = by_id.get(decision.item_id)
        if item is None or decision.id in undone or decision.decision == "undo":
            continue
        if not (settles(item.kind, decision.decision) or decision.decision == "canonical"):
            continue
        for quote_id in _quote_ids_of(item) & wanted:
            if decision.decision not in decided[quote_id]:
                decided[quote_id].append(decision.decision)
    for item in items:
        if item.state != "open":
            continue
        for quote_id in _quote_ids_of(item) & wanted:
            pending[quote_id] = "reopened" if decided.get(quote_id) else "in review"
    statuses = {}
    for quote_id in wanted:
        if quote_id in pending and pending[quote_id] == "reopened":
            statuses[quote_id] = "reopened"
        elif decided.get(quote_id) and quote_id not in pending:
            statuses[quote_id] = "reviewed: " + ", ".join(decided[quote_id])
        elif quote_id in pending:
            statuses[quote_id] = "in review"
        else:
            statuses[quote_id] = "unreviewed"
    return statuses


def decided_statuses(session: Session, quote_ids: Iterable[int]) -> dict[int, str]:
    """Only the quotes review has something to say about (for the export's status hook)."""
    return {q: s for q, s in review_statuses(session, quote_ids).items() if s != "unreviewed"}


def occurrence_review_statuses(session: Session, occurrence_ids: Iterable[int]) -> dict[int, str]:
    """Per occurrence: an editor's verdict on it (confirmed, reattributed, not_a_quote) when
    there is one, else its quote's review status."""
    ids = sorted(set(occurrence_ids))
    rows = session.execute(
        select(Occurrence.id, Occurrence.status, Variant.quote_id)
        .outerjoin(Variant, Variant.id == Occurrence.variant_id)
        .where(Occurrence.id.in_(ids))
    ).all()
    quotes = review_statuses(session, {q for _, _, q in rows if q is not None})
    return {
        occurrence_id: status if status != "auto" else quotes.get(quote_id, "unreviewed")
        for occurrence_id, status, quote_id in rows
    }


def annotate_trees(session: Session, trees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `review_status` on quote trees (from `provenance.lookup.quote_trees`) and on each of
    their occurrences, which is what `export.rows.tree_rows` reads."""
    statuses = review_statuses(session, [t["quote_id"] for t in trees])
    for tree in trees:
        tree["review_status"] = statuses.get(tree["quote_id"], "unreviewed")
        for variant in tree["variants"]:
            for occurrence in variant["occurrences"]:
                own = occurrence.get("status")
                occurrence["review_status"] = (
                    own if own and own != "auto" else tree["review_status"]
                )
    return trees
