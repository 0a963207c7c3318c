"""Handing out items: claims, queue order, progress, and what a screen shows for an item.

A claim (ReviewItem.claimed_by/claimed_at) is taken in a short write transaction: BEGIN
IMMEDIATE on SQLite, `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so two reviewers
never receive the same item. An abandoned claim expires after `CLAIM_TTL`; the same
reviewer resuming gets their claimed item back first.
"""

from __future__ import annotations

import getpass
import os
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from provenance.errors import NotFound
from provenance.review.decisions import (
    CLAIM_TTL,
    DEFERRING,
    SETTLING,
    active_decisions,
    allowed_decisions,
    describe,
    get_session,
    is_postgres,
    settles,
    undone_ids,
)
from provenance.review.queue import KIND_ORDER
from provenance.storage.db import Database
from provenance.storage.models import ReviewDecision, ReviewItem, ReviewSession, utcnow

REVIEWER_ENV = "PROVENANCE_REVIEWER"
SCORE_KEYS = frozenset(
    ["similarity", "scores", "drift_score", "confidence", "likely_original_id", "outlet_count"]
)


def default_reviewer(option: str | None = None) -> str:
    """--reviewer, then $PROVENANCE_REVIEWER, then the OS user."""
    if option:
        return option
    if os.environ.get(REVIEWER_ENV):
        return os.environ[REVIEWER_ENV]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def _filters(
    session: Session, review_session: ReviewSession
) -> tuple[list[str] | None, int | None]:
    filters = review_session.filters or {}
    kinds = filters.get("kinds") or None
    return kinds, filters.get("speaker_id")


def _scoped(query, kinds: list[str] | None, speaker_id: int | None):  # type: ignore[no-untyped-def]
    if kinds:
        query = query.where(ReviewItem.kind.in_(kinds))
    if speaker_id is not None:
        query = query.where(ReviewItem.speaker_id == speaker_id)
    return query


def _round_start():  # type: ignore[no-untyped-def]
    return func.coalesce(ReviewItem.opened_at, ReviewItem.created_at)


def _mine(reviewer: str, decisions: tuple[str, ...], session_id: int | None = None):  # type: ignore[no-untyped-def]
    """An (un-undone, this-round) decision of mine on the item, among `decisions`; choosing a
    canonical wording settles only a single-source item."""
    mine = aliased(ReviewDecision)
    undo = aliased(ReviewDecision)
    names = tuple(d for d in decisions if d != "canonical")
    chosen = mine.decision.in_(names)
    if "canonical" in decisions:
        chosen = or_(chosen, and_(mine.decision == "canonical", ReviewItem.kind == "single_source"))
    condition = and_(
        mine.item_id == ReviewItem.id,
        mine.reviewer == reviewer,
        chosen,
        mine.created_at >= _round_start(),
        ~select(undo.id).where(undo.undoes_id == mine.id).exists(),
    )
    if session_id is not None:
        condition = and_(condition, mine.session_id == session_id)
    return select(mine.id).where(condition).exists()


def start_session(
    database: Database,
    name: str | None,
    reviewer: str,
    *,
    kinds: list[str] | None = None,
    speaker: str | None = None,
    blind: bool | None = None,
    overlap: int | None = None,
) -> dict[str, Any]:
    """Start or resume a named session; filters given now are stored with it."""
    from provenance.storage.speakers import find_speaker

    with database.session(immediate=True) as session:
        filters: dict[str, Any] = {}
        if kinds:
            filters["kinds"] = list(kinds)
        if speaker:
            found = find_speaker(session, speaker)
            filters["speaker_id"] = found.id
            filters["speaker"] = found.name
        review_session = get_session(
            session, name, reviewer, filters=filters, blind=blind, overlap=overlap
        )
        return session_info(review_session)


def session_info(review_session: ReviewSession) -> dict[str, Any]:
    return {
        "session": review_session.name,
        "filters": review_session.filters or {},
        "blind": review_session.blind,
        "overlap": review_session.overlap,
        "created_by": review_session.created_by,
    }


def claim_next(
    database: Database, reviewer: str, session_name: str | None = None
) -> dict[str, Any] | None:
    """Claim and return the next item for this reviewer, or None when nothing is left.

    Order: the reviewer's own unfinished claim, then conflicts, drift (by score), aliases,
    attributions, single-source quotes; items skipped or flagged in this session come last.
    """
    with database.session(immediate=True) as session:
        review_session = get_session(session, session_name, reviewer)
        kinds, speaker_id = _filters(session, review_session)
        now = utcnow()
        cutoff = now - CLAIM_TTL
        kind_rank = case({k: i for i, k in enumerate(KIND_ORDER)}, value=ReviewItem.kind, else_=9)
        query = _scoped(
            select(ReviewItem).where(
                ReviewItem.state == "open",
                or_(
                    ReviewItem.claimed_by.is_(None),
                    ReviewItem.claimed_by == reviewer,
                    ReviewItem.claimed_at < cutoff,
                ),
                ~_mine(reviewer, SETTLING),
            ),
            kinds,
            speaker_id,
        ).order_by(
            case((ReviewItem.claimed_by == reviewer, 0), else_=1),
            case((_mine(reviewer, DEFERRING, review_session.id), 1), else_=0),
            kind_rank,
            ReviewItem.priority.desc(),
            ReviewItem.id,
        )
        query = query.limit(1)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True, of=ReviewItem)
        item = session.scalar(query)
        if item is None:
            return None
        item.claimed_by = reviewer
        item.claimed_at = now
        if review_session.overlap > item.required_decisions:
            decided = [
                d
                for d in active_decisions(session, item, this_round=True)
                if settles(item.kind, d.decision)
            ]
            if not decided:
                item.required_decisions = review_session.overlap
        session.flush()
        return item_view(session, item, reviewer, review_session)


def release_claims(database: Database, reviewer: str) -> int:
    """Give back what a reviewer holds (on quit), so colleagues get it at once."""
    with database.session(immediate=True) as session:
        items = list(
            session.scalars(
                select(ReviewItem).where(
                    ReviewItem.claimed_by == reviewer, ReviewItem.state == "open"
                )
            )
        )
        for item in items:
            item.claimed_by = item.claimed_at = None
        return len(items)


def blind_payload(value: Any) -> Any:
    """Scores removed, so a blind reviewer decides from the wordings alone (splink-style)."""
    if isinstance(value, dict):
        return {k: blind_payload(v) for k, v in value.items() if k not in SCORE_KEYS}
    if isinstance(value, list):
        return [blind_payload(v) for v in value]
    return value


def item_view(
    session: Session,
    item: ReviewItem,
    reviewer: str | None = None,
    review_session: ReviewSession | None = None,
) -> dict[str, Any]:
    """Everything a screen needs to decide an item, including earlier decisions on it."""
    history = [
        describe(session, d)
        for d in active_decisions(session, item, this_round=False)
        if d.decision != "undo"
    ]
    blind = bool(review_session and review_session.blind)
    from provenance.review.queue import display_payload

    payload = display_payload(session, item)
    payload = blind_payload(payload) if blind else payload
    view: dict[str, Any] = {
        "item_id": item.id,
        "kind": item.kind,
        "subject": item.subject,
        "state": item.state,
        "required_decisions": item.required_decisions,
        "decisions": list(allowed_decisions(item.kind)),
        "payload": payload,
        "history": history,
        "blind": blind,
    }
    if review_session is not None and reviewer is not None:
        view["session"] = review_session.name
        view["reviewer"] = reviewer
        view["progress"] = progress(session, review_session, reviewer)
    return view


def show_item(database: Database, item_id: int, reviewer: str | None = None) -> dict[str, Any]:
    with database.session() as session:
        item = session.get(ReviewItem, item_id)
        if item is None:
            raise NotFound(f"no review item with id {item_id}", fix="`provenance review next`")
        return item_view(session, item, reviewer)


def progress(session: Session, review_session: ReviewSession, reviewer: str) -> dict[str, int]:
    """ "12 of 40": items in this session's scope, and how many are done or done by me."""
    kinds, speaker_id = _filters(session, review_session)
    total = session.scalar(
        _scoped(
            select(func.count()).select_from(ReviewItem).where(ReviewItem.state != "closed"),
            kinds,
            speaker_id,
        )
    )
    done = session.scalar(
        _scoped(
            select(func.count())
            .select_from(ReviewItem)
            .where(
                or_(
                    ReviewItem.state == "decided",
                    and_(ReviewItem.state == "open", _mine(reviewer, SETTLING)),
                )
            ),
            kinds,
            speaker_id,
        )
    )
    total, done = int(total or 0), int(done or 0)
    return {"position": min(done + 1, total), "total": total, "done": done}


def queue_counts(database: Database) -> dict[str, Any]:
    with database.session() as session:
        rows = session.execute(
            select(ReviewItem.kind, ReviewItem.state, func.count()).group_by(
                ReviewItem.kind, ReviewItem.state
            )
        ).all()
    counts: dict[str, Any] = {"open": 0, "decided": 0, "closed": 0, "by_kind": {}}
    for kind, state, count in rows:
        counts[state] += count
        counts["by_kind"].setdefault(kind, {})[state] = count
    return counts


def status(database: Database) -> list[dict[str, Any]]:
    """Progress per session and per reviewer: decided, skipped, flagged, undone, notes."""
    with database.session() as session:
        undone = undone_ids(session)
        names = dict(session.execute(select(ReviewSession.id, ReviewSession.name)).all())
        tallies: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        items: dict[tuple[str, str], set[int]] = defaultdict(set)
        for d in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
            if d.decision == "undo":
                tallies[(names[d.session_id], d.reviewer)]["undone"] += 1
                continue
            key = (names[d.session_id], d.reviewer)
            if d.id in undone:
                continue
            bucket = d.decision if d.decision in ("skip", "flag", "note") else "decided"
            tallies[key][bucket] += 1
            items[key].add(d.item_id)
        counts = session.execute(
            select(ReviewItem.state, func.count()).group_by(ReviewItem.state)
        ).all()
        open_items = dict(counts).get("open", 0)
        rows = []
        for name in sorted(names.values()):
            reviewers = sorted(r for s, r in tallies if s == name)
            for reviewer in reviewers or [None]:
                tally = tallies.get((name, reviewer), Counter()) if reviewer else Counter()
                rows.append(
                    {
                        "session": name,
                        "reviewer": reviewer,
                        "decided": tally["decided"],
                        "skipped": tally["skip"],
                        "flagged": tally["flag"],
                        "notes": tally["note"],
                        "undone": tally["undone"],
                        "items_touched": len(items.get((name, reviewer), ())),
                        "queue_open": open_items,
                    }
                )
        return rows


def log(
    database: Database,
    *,
    session_name: str | None = None,
    reviewer: str | None = None,
    item_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The audit trail: every decision row as written, oldest first."""
    with database.session() as session:
        query = select(ReviewDecision).order_by(ReviewDecision.id)
        if session_name:
            found = session.scalar(
                select(ReviewSession.id).where(ReviewSession.name == session_name)
            )
            if found is None:
                raise NotFound(
                    f"no review session named {session_name!r}",
                    fix="`provenance review status` lists sessions",
                )
            query = query.where(ReviewDecision.session_id == found)
        if reviewer:
            query = query.where(ReviewDecision.reviewer == reviewer)
        if item_id is not None:
            query = query.where(ReviewDecision.item_id == item_id)
        undone = undone_ids(session)
        items = {i.id: i for i in session.scalars(select(ReviewItem))}
        rows = []
        for decision in session.scalars(query):
            row = describe(session, decision)
            item = items.get(decision.item_id)
            row["kind"] = item.kind if item else None
            row["subject"] = item.subject if item else None
            row["undone"] = decision.id in undone
            rows.append(row)
        return rows[-limit:] if limit else rows
