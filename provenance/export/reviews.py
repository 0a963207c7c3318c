"""Review exports: every decision with its audit trail, and the review status per quote and
occurrence that the occurrence CSV's `review_status` column shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.storage.db import chunks
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
# What `provenance review log` shows on a terminal: the trail without the applied-state columns.
LOG_COLUMNS = tuple(
    c
    for c in REVIEW_COLUMNS
    if c not in ("speaker_id", "applied", "in_force", "item_state", "changes")
)


def review_rows(session: Session) -> list[dict[str, Any]]:
    """One row per decision row, oldest first: what was decided, by whom, whether it is still
    in force, and how many data changes it made."""
    from provenance.review.decisions import describe, undone_ids

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


def _item_quotes(
    session: Session, quote_ids: set[int] | None, *, state: str | None = None
) -> Iterable[tuple[int, int, str, str]]:
    """(quote id, item id, item kind, item state) for every quote an item not closed is
    about (`quote_id` and `other_quote_id`, both indexed), optionally only for `quote_ids`
    and items in `state`."""
    item = ReviewItem.__table__
    for column in (item.c.quote_id, item.c.other_quote_id):
        query = select(column, item.c.id, item.c.kind, item.c.state).where(
            column.is_not(None), item.c.state != "closed"
        )
        if state is not None:
            query = query.where(item.c.state == state)
        if quote_ids is None:
            yield from session.execute(query)
            continue
        for chunk in chunks(sorted(quote_ids)):
            yield from session.execute(query.where(column.in_(chunk)))


def _open_item_quotes(session: Session, quote_ids: set[int] | None) -> set[int]:
    """The quotes that open items are about (of `quote_ids`, or all): distinct ids from the
    database, not one row per item (at 100k articles most of the queue is open)."""
    if quote_ids is not None:
        return {quote_id for quote_id, *_ in _item_quotes(session, quote_ids, state="open")}
    item = ReviewItem.__table__
    found: set[int] = set()
    for column in (item.c.quote_id, item.c.other_quote_id):
        found.update(
            session.scalars(
                select(column).where(column.is_not(None), item.c.state == "open").distinct()
            )
        )
    return found


def review_statuses(session: Session, quote_ids: Iterable[int] | None) -> dict[int, str]:
    """Per quote: 'unreviewed', 'in review' (open items ask about it), 'reopened' (new evidence
    since a decision), or 'reviewed: <decisions>' listing the decisions in force.

    `quote_ids=None` answers for every quote review has something to say about (the others
    are 'unreviewed' and left out). A few indexed queries: the quotes of open items, then the
    decisions (few: people make them) with the quotes of the items they were made on."""
    wanted = None if quote_ids is None else set(quote_ids)
    decided: dict[int, list[str]] = defaultdict(list)
    pending: dict[int, str] = {}
    decisions = session.execute(
        select(ReviewDecision.id, ReviewDecision.item_id, ReviewDecision.decision)
        .where(ReviewDecision.decision != "undo")
        .order_by(ReviewDecision.id)
    ).all()
    if decisions:
        # Imported only when there are decisions: it pulls in the linking engine.
        from provenance.review.decisions import settles, undone_ids

        undone = undone_ids(session)
        item = ReviewItem.__table__
        items: dict[int, tuple[str, int | None, int | None]] = {}
        ids = sorted({item_id for _, item_id, _ in decisions})
        for chunk in chunks(ids):
            for item_id, kind, quote_a, quote_b in session.execute(
                select(item.c.id, item.c.kind, item.c.quote_id, item.c.other_quote_id).where(
                    item.c.id.in_(chunk), item.c.state != "closed"
                )
            ):
                items[item_id] = (kind, quote_a, quote_b)
        for decision_id, item_id, decision in decisions:
            found = items.get(item_id)
            if found is None or decision_id in undone:
                continue
            kind, quote_a, quote_b = found
            if not (settles(kind, decision) or decision == "canonical"):
                continue
            for quote_id in (quote_a, quote_b):
                if quote_id is None or (wanted is not None and quote_id not in wanted):
                    continue
                if decision not in decided[quote_id]:
                    decided[quote_id].append(decision)
    for quote_id in _open_item_quotes(session, wanted):
        pending[quote_id] = "reopened" if decided.get(quote_id) else "in review"
    statuses = {}
    for quote_id in wanted if wanted is not None else set(pending) | set(decided):
        if quote_id in pending and pending[quote_id] == "reopened":
            statuses[quote_id] = "reopened"
        elif decided.get(quote_id) and quote_id not in pending:
            statuses[quote_id] = "reviewed: " + ", ".join(decided[quote_id])
        elif quote_id in pending:
            statuses[quote_id] = "in review"
        else:
            statuses[quote_id] = "unreviewed"
    return statuses


def decided_statuses(session: Session, quote_ids: Iterable[int] | None) -> dict[int, str]:
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
