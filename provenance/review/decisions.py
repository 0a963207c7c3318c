"""Recording decisions and applying them to the data, and undoing them.

Every decision is one append-only ReviewDecision row, written in the same transaction as
its effects, so a decision is either fully applied and recorded or not at all. Effects set
the fields linking reads back as constraints (Link.status/origin, Quote.canonical_pinned,
Variant.misquote, Occurrence.status, Speaker.merged_into_id), which is why `link --rebuild`
and re-ingest reproduce rather than override them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from provenance.errors import NotFound, ReviewError
from provenance.linking import compare, normalise
from provenance.review.effects import Changes, revert
from provenance.storage.db import Database
from provenance.storage.models import (
    RELATIONS,
    Link,
    Occurrence,
    Quote,
    ReviewDecision,
    ReviewItem,
    ReviewSession,
    Source,
    Speaker,
    SpeakerAlias,
    Variant,
    VariantKey,
    utcnow,
)

# Decisions that settle an item, by kind.
KIND_DECISIONS: dict[str, tuple[str, ...]] = {
    "drift": ("same_utterance", "misquote", "different_utterances"),
    "conflict": ("choose_speaker", "both_right", "cant_tell"),
    "alias": ("merge", "keep_apart"),
    "attribution": ("confirm", "reattribute", "not_a_quote"),
    "single_source": ("confirm", "canonical"),
}
# Always available; they never settle an item (canonical settles only a single-source one).
UNIVERSAL = ("canonical", "skip", "flag", "note")
DEFERRING = ("skip", "flag")
SETTLING = tuple(sorted({d for ds in KIND_DECISIONS.values() for d in ds}))
DECISION_HELP = {
    "same_utterance": "drift: both wordings are one utterance (confirms the drift, merges quotes)",
    "misquote": "drift: one utterance, and --variant ID is a misquote of it",
    "different_utterances": "drift: two different utterances (keeps them apart for good)",
    "choose_speaker": "conflict: --speaker NAME (or --variant ID) said it; the other "
    "occurrences are reattributed to them",
    "both_right": "conflict: both speakers said these words",
    "cant_tell": "conflict: cannot be decided from the sources",
    "merge": "alias: one person; --speaker NAME picks the name to keep (default: older)",
    "keep_apart": "alias: two different people",
    "confirm": "attribution or single-source quote: correct as stored",
    "reattribute": "attribution: --speaker NAME said it",
    "not_a_quote": "attribution: not a quote at all (hidden from quotes and linking)",
    "canonical": "any quote: --variant ID is the canonical wording (pinned)",
    "skip": "come back to it later",
    "flag": "leave it for a colleague (with --note)",
    "note": "add a note (--note TEXT)",
}
# A claim older than this is abandoned (a killed terminal) and the item is handed out again.
CLAIM_TTL = timedelta(minutes=30)


def allowed_decisions(kind: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(KIND_DECISIONS[kind] + UNIVERSAL))


def settles(kind: str, decision: str) -> bool:
    return decision in KIND_DECISIONS[kind]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- sessions ------------------------------------------------------------------------------


def default_session_name(reviewer: str) -> str:
    return f"{reviewer}-{utcnow():%Y-%m-%d}"


def get_session(
    session: Session,
    name: str | None,
    reviewer: str,
    *,
    filters: dict[str, Any] | None = None,
    blind: bool | None = None,
    overlap: int | None = None,
) -> ReviewSession:
    """The named session, created on first use; options given on resume update it."""
    name = name or default_session_name(reviewer)
    found = session.scalar(select(ReviewSession).where(ReviewSession.name == name))
    if found is None:
        found = ReviewSession(
            name=name,
            filters=filters or {},
            blind=bool(blind),
            overlap=max(1, overlap or 1),
            created_by=reviewer,
        )
        session.add(found)
        session.flush()
        return found
    if filters:
        found.filters = {**(found.filters or {}), **filters}
    if blind is not None and blind != found.blind:
        found.blind = blind
    if overlap is not None and overlap != found.overlap:
        found.overlap = max(1, overlap)
    return found


# --- reading decisions -----------------------------------------------------------------------


def undone_ids(session: Session, item_ids: Iterable[int] | None = None) -> set[int]:
    query = select(ReviewDecision.undoes_id).where(ReviewDecision.undoes_id.is_not(None))
    if item_ids is not None:
        query = query.where(ReviewDecision.item_id.in_(list(item_ids)))
    return set(session.scalars(query))


def active_decisions(
    session: Session, item: ReviewItem, *, this_round: bool
) -> list[ReviewDecision]:
    """Decisions on an item that were not undone (only since it was last opened, if asked)."""
    rows = list(
        session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.item_id == item.id, ReviewDecision.decision != "undo")
            .order_by(ReviewDecision.id)
        )
    )
    undone = {
        r.undoes_id
        for r in session.scalars(
            select(ReviewDecision).where(
                ReviewDecision.item_id == item.id, ReviewDecision.undoes_id.is_not(None)
            )
        )
    }
    rows = [r for r in rows if r.id not in undone]
    if this_round and item.opened_at is not None:
        opened = _naive(item.opened_at)
        rows = [r for r in rows if _naive(r.created_at) >= opened]
    return rows


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


def label(decision: ReviewDecision) -> str:
    """What two reviewers must both say to agree: the decision and its argument."""
    args = (decision.effects or {}).get("args", {})
    if decision.decision in ("choose_speaker", "reattribute", "merge") and args.get("speaker_id"):
        return f"{decision.decision}:speaker={args['speaker_id']}"
    if decision.decision in ("misquote", "canonical") and args.get("variant_id"):
        return f"{decision.decision}:variant={args['variant_id']}"
    return decision.decision


def describe(session: Session, decision: ReviewDecision) -> dict[str, Any]:
    args = (decision.effects or {}).get("args", {})
    speaker = session.get(Speaker, decision.speaker_id) if decision.speaker_id else None
    review_session = session.get(ReviewSession, decision.session_id)
    return {
        "decision_id": decision.id,
        "item_id": decision.item_id,
        "reviewer": decision.reviewer,
        "session": review_session.name if review_session else None,
        "decision": decision.decision,
        "speaker_id": decision.speaker_id,
        "speaker": speaker.name if speaker else None,
        "variant_id": args.get("variant_id"),
        "note": decision.note,
        "undoes_id": decision.undoes_id,
        "applied": bool((decision.effects or {}).get("applied")),
        "created_at": decision.created_at,
    }


# --- data operations -----------------------------------------------------------------------


@dataclass
class Context:
    session: Session
    changes: Changes
    item: ReviewItem
    touched_quotes: set[int]
    touched_variants: set[int]


def _variant(session: Session, variant_id: int | None) -> Variant:
    variant = session.get(Variant, variant_id) if variant_id is not None else None
    if variant is None:
        raise ReviewError(
            f"variant {variant_id} no longer exists",
            fix="run `provenance review next` to see the item as it is now",
        )
    return variant


def _outlet_key(outlet: str | None, source_id: int) -> str:
    return f"outlet:{outlet.casefold()}" if outlet else f"source:{source_id}"


def refresh_quote(ctx: Context, quote_id: int) -> None:
    """Recompute a quote's canonical, figures and variant relations after its wordings moved;
    delete it when no wording is left."""
    session, ch = ctx.session, ctx.changes
    session.flush()
    session.expire_all()
    quote = session.get(Quote, quote_id)
    if quote is None:
        return
    variants = list(
        session.scalars(select(Variant).where(Variant.quote_id == quote_id).order_by(Variant.id))
    )
    if not variants:
        ch.set("quote", quote_id, canonical_variant_id=None)
        ch.delete("quote", {"id": quote_id})
        return
    ids = [v.id for v in variants]
    canonical_id = quote.canonical_variant_id if quote.canonical_variant_id in ids else ids[0]
    rows = session.execute(
        select(Occurrence.source_id, Source.outlet, Source.published_at)
        .join(Source, Source.id == Occurrence.source_id)
        .where(
            Occurrence.variant_id.in_(ids),
            Occurrence.status != "not_a_quote",
            Occurrence.repeat_of_id.is_(None),
        )
    ).all()
    dates = [_naive(r.published_at) for r in rows if r.published_at is not None]
    ch.set(
        "quote",
        quote_id,
        canonical_variant_id=canonical_id,
        canonical_pinned=quote.canonical_pinned and canonical_id == quote.canonical_variant_id,
        outlet_count=len({_outlet_key(r.outlet, r.source_id) for r in rows}),
        source_count=len({r.source_id for r in rows}),
        first_seen_at=min(dates) if dates else None,
    )
    canonical_text = next(v.wording for v in variants if v.id == canonical_id)
    for variant in variants:
        if variant.id == canonical_id:
            relation, similarity = "canonical", 100.0
        else:
            result = compare(canonical_text, variant.wording)
            relation = result.relation if result.relation in RELATIONS else "linked"
            similarity = round(result.similarity, 2)
        ch.set("variant", variant.id, relation=relation, similarity=similarity)


def _referenced_by_decision(session: Session, variant_id: int) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(ReviewDecision)
            .where(ReviewDecision.variant_id == variant_id)
        )
        or 0
    ) > 0


def delete_variant(ctx: Context, variant_id: int) -> None:
    """Remove an emptied wording with its links and keys, all recorded for undo."""
    session, ch = ctx.session, ctx.changes
    if _referenced_by_decision(session, variant_id):
        raise ReviewError(
            f"variant {variant_id} is named by an earlier decision and cannot be removed",
            fix="undo that decision first",
        )
    for link_id in session.scalars(
        select(Link.id).where(
            (Link.variant_a_id == variant_id)
            | (Link.variant_b_id == variant_id)
            | (Link.likely_original_id == variant_id)
        )
    ).all():
        ch.delete("link", {"id": link_id})
    for key in session.scalars(
        select(VariantKey.key).where(VariantKey.variant_id == variant_id)
    ).all():
        ch.delete("variant_key", {"variant_id": variant_id, "key": key})
    for quote_id in session.scalars(
        select(Quote.id).where(Quote.canonical_variant_id == variant_id)
    ).all():
        ch.set("quote", quote_id, canonical_variant_id=None)
    ch.delete("variant", {"id": variant_id})
    ctx.touched_variants.add(variant_id)


def _occurrences(session: Session, variant_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Occurrence.id).where(Occurrence.variant_id == variant_id).order_by(Occurrence.id)
        )
    )


def absorb_variant(ctx: Context, loser: int, winner: int) -> None:
    """Identical wordings become one variant: move the occurrences, drop the empty wording."""
    for occurrence_id in _occurrences(ctx.session, loser):
        ctx.changes.set("occurrence", occurrence_id, variant_id=winner)
    delete_variant(ctx, loser)
    ctx.touched_variants.add(winner)


def move_variant(ctx: Context, variant_id: int, quote_id: int) -> None:
    """Put a wording into another quote (and that quote's speaker), merging it with an
    identical wording already there."""
    session = ctx.session
    variant = _variant(session, variant_id)
    quote = session.get(Quote, quote_id)
    assert quote is not None
    twin = session.scalar(
        select(Variant.id).where(
            Variant.quote_id == quote_id,
            Variant.normalised == variant.normalised,
            Variant.id != variant_id,
        )
    )
    old_quote = variant.quote_id
    if twin is not None:
        absorb_variant(ctx, variant_id, twin)
    else:
        ctx.changes.set("variant", variant_id, quote_id=quote_id, speaker_id=quote.speaker_id)
        ctx.touched_variants.add(variant_id)
    ctx.touched_quotes.update((old_quote, quote_id))


def reattribute_occurrence(ctx: Context, occurrence_id: int, speaker_id: int) -> int:
    """Give one occurrence (and its in-document repeats) to another speaker's wording,
    creating that speaker's quote if needed; returns the target variant id."""
    from provenance.ingest import wording_hash

    session, ch = ctx.session, ctx.changes
    occurrence = session.get(Occurrence, occurrence_id)
    assert occurrence is not None
    old_variant = session.get(Variant, occurrence.variant_id) if occurrence.variant_id else None
    normalised = old_variant.normalised if old_variant else normalise(occurrence.wording)
    target = session.scalar(
        select(Variant.id)
        .where(Variant.speaker_id == speaker_id, Variant.normalised == normalised)
        .order_by(Variant.id)
        .limit(1)
    )
    if target is None:
        quote_id = ch.insert("quote", speaker_id=speaker_id)
        target = ch.insert(
            "variant",
            quote_id=quote_id,
            speaker_id=speaker_id,
            wording=old_variant.wording if old_variant else occurrence.wording,
            normalised=normalised,
            normalised_hash=wording_hash(normalised),
        )
        ch.set("quote", quote_id, canonical_variant_id=target)
    moving = [
        occurrence_id,
        *list(
            session.scalars(select(Occurrence.id).where(Occurrence.repeat_of_id == occurrence_id))
        ),
    ]
    for moved in moving:
        ch.set("occurrence", moved, variant_id=target, status="reattributed")
    session.flush()
    target_quote = session.scalar(select(Variant.quote_id).where(Variant.id == target))
    ctx.touched_quotes.add(target_quote)
    ctx.touched_variants.add(target)
    if old_variant is not None:
        ctx.touched_quotes.add(old_variant.quote_id)
        if not _occurrences(session, old_variant.id):
            delete_variant(ctx, old_variant.id)
    return target


def mark_reviewed(ctx: Context, quote_ids: Iterable[int | None]) -> None:
    for quote_id in quote_ids:
        if quote_id is not None and ctx.session.get(Quote, quote_id) is not None:
            ctx.changes.set("quote", quote_id, status="reviewed")


def _pair(ctx: Context) -> tuple[Variant, Variant]:
    a_id, b_id = ctx.item.payload["variant_ids"]
    return _variant(ctx.session, a_id), _variant(ctx.session, b_id)


def _set_link(ctx: Context, a: Variant, b: Variant, relation: str, status: str) -> None:
    link = ctx.session.scalar(
        select(Link).where(
            ((Link.variant_a_id == a.id) & (Link.variant_b_id == b.id))
            | ((Link.variant_a_id == b.id) & (Link.variant_b_id == a.id))
        )
    )
    if link is None:
        ctx.changes.insert(
            "link",
            variant_a_id=a.id,
            variant_b_id=b.id,
            relation=relation,
            similarity=float(ctx.item.payload.get("similarity") or 0.0),
            scores={},
            origin="editor",
            status=status,
        )
        return
    ctx.changes.set("link", link.id, status=status, origin="editor")


def _item_quotes(ctx: Context) -> set[int]:
    """The quotes an item is about, as they are now (wordings may have moved since)."""
    payload = ctx.item.payload
    quotes = {q["quote_id"] for q in payload.get("quotes", []) if q}
    quotes.update(q for q in (ctx.item.quote_id, ctx.item.other_quote_id) if q is not None)
    for variant_id in [*payload.get("variant_ids", []), payload.get("variant_id")]:
        if variant_id is not None:
            variant = ctx.session.get(Variant, variant_id)
            if variant is not None:
                quotes.add(variant.quote_id)
    if payload.get("quote_id"):
        quotes.add(payload["quote_id"])
    return {q for q in quotes if ctx.session.get(Quote, q) is not None}


def apply_canonical(ctx: Context, variant_id: int | None) -> None:
    if variant_id is None:
        raise ReviewError("canonical needs --variant ID", fix="pass the id of the wording to keep")
    variant = _variant(ctx.session, variant_id)
    allowed = _item_quotes(ctx)
    if variant.quote_id not in allowed:
        raise ReviewError(
            f"variant {variant_id} is not a wording of this item's quote(s) {sorted(allowed)}",
            fix="pass one of the variant ids the item shows",
        )
    ctx.changes.set(
        "quote",
        variant.quote_id,
        canonical_variant_id=variant_id,
        canonical_pinned=True,
        status="reviewed",
    )
    ctx.touched_quotes.add(variant.quote_id)
    refresh_quote(ctx, variant.quote_id)


def apply_drift(ctx: Context, decision: str, variant_id: int | None) -> None:
    a, b = _pair(ctx)
    if decision == "different_utterances":
        _set_link(ctx, a, b, "drift", "rejected")
        mark_reviewed(ctx, {a.quote_id, b.quote_id})
        ctx.touched_quotes.update((a.quote_id, b.quote_id))
        return
    if decision == "misquote":
        if variant_id is None:
            raise ReviewError("misquote needs --variant ID", fix="pass the misquoted wording's id")
        if variant_id not in (a.id, b.id):
            raise ReviewError(
                f"variant {variant_id} is not one of this drift's wordings {a.id} and {b.id}",
                fix=f"pass --variant {a.id} or --variant {b.id}",
            )
    _set_link(ctx, a, b, "drift", "confirmed")
    if a.quote_id != b.quote_id:
        quotes = [ctx.session.get(Quote, a.quote_id), ctx.session.get(Quote, b.quote_id)]
        pinned = [q for q in quotes if q is not None and q.canonical_pinned]
        keep = (pinned[0] if len(pinned) == 1 else min(quotes, key=lambda q: q.id)).id  # type: ignore[union-attr]
        other = b.quote_id if keep == a.quote_id else a.quote_id
        for moving in list(
            ctx.session.scalars(select(Variant.id).where(Variant.quote_id == other))
        ):
            move_variant(ctx, moving, keep)
        refresh_quote(ctx, other)
        refresh_quote(ctx, keep)
    else:
        keep = a.quote_id
    if decision == "misquote":
        ctx.changes.set("variant", variant_id, misquote=True)  # type: ignore[arg-type]
    mark_reviewed(ctx, [keep])
    ctx.touched_quotes.add(keep)


def apply_conflict(
    ctx: Context, decision: str, speaker_id: int | None, variant_id: int | None
) -> None:
    a, b = _pair(ctx)
    if decision in ("both_right", "cant_tell"):
        if decision == "both_right":
            _set_link(ctx, a, b, "conflict", "rejected")
            mark_reviewed(ctx, {a.quote_id, b.quote_id})
        return
    if speaker_id is None and variant_id is not None:
        if variant_id not in (a.id, b.id):
            raise ReviewError(
                f"variant {variant_id} is not one of this conflict's wordings {a.id} and {b.id}",
                fix=f"pass --variant {a.id} or --variant {b.id}, or --speaker NAME",
            )
        speaker_id = _variant(ctx.session, variant_id).speaker_id
    if speaker_id is None:
        raise ReviewError("choose_speaker needs --speaker NAME", fix="name who said it")
    _set_link(ctx, a, b, "conflict", "confirmed")
    for variant in (a, b):
        ctx.touched_quotes.add(variant.quote_id)
        if variant.speaker_id == speaker_id:
            continue
        for occurrence_id in list(
            ctx.session.scalars(
                select(Occurrence.id).where(
                    Occurrence.variant_id == variant.id, Occurrence.repeat_of_id.is_(None)
                )
            )
        ):
            reattribute_occurrence(ctx, occurrence_id, speaker_id)
    _finish_quotes(ctx)
    kept = ctx.session.scalars(
        select(Variant.quote_id).where(
            Variant.speaker_id == speaker_id, Variant.normalised == a.normalised
        )
    ).all()
    mark_reviewed(ctx, kept)


def _finish_quotes(ctx: Context) -> None:
    for quote_id in sorted(q for q in ctx.touched_quotes if q is not None):
        refresh_quote(ctx, quote_id)


def apply_alias(ctx: Context, decision: str, speaker_id: int | None) -> None:
    if decision == "keep_apart":
        return
    low, high = ctx.item.payload["speaker_ids"]
    winner = speaker_id if speaker_id is not None else low
    if winner not in (low, high):
        names = [ctx.session.get(Speaker, s).name for s in (low, high)]  # type: ignore[union-attr]
        raise ReviewError(
            f"merge keeps one of the two speakers ({names[0]} or {names[1]})",
            fix="pass --speaker with one of those names, or leave it out to keep the older",
        )
    loser = high if winner == low else low
    session, ch = ctx.session, ctx.changes
    ch.set("speaker", loser, merged_into_id=winner)
    for alias_id in session.scalars(
        select(SpeakerAlias.id).where(SpeakerAlias.speaker_id == loser)
    ).all():
        ch.set("speaker_alias", alias_id, speaker_id=winner)
    for variant in list(
        session.scalars(select(Variant).where(Variant.speaker_id == loser).order_by(Variant.id))
    ):
        ctx.touched_quotes.add(variant.quote_id)
        twin = session.scalar(
            select(Variant.id).where(
                Variant.speaker_id == winner, Variant.normalised == variant.normalised
            )
        )
        if twin is not None:
            ctx.touched_quotes.add(session.get(Variant, twin).quote_id)  # type: ignore[union-attr]
            absorb_variant(ctx, variant.id, twin)
        else:
            ch.set("variant", variant.id, speaker_id=winner)
            ch.set("quote", variant.quote_id, speaker_id=winner)
            ctx.touched_variants.add(variant.id)
    _finish_quotes(ctx)


def apply_attribution(ctx: Context, decision: str, speaker_id: int | None) -> None:
    occurrence_id = int(ctx.item.subject.split(":")[1])
    occurrence = ctx.session.get(Occurrence, occurrence_id)
    if occurrence is None:
        raise NotFound(f"occurrence {occurrence_id} no longer exists", fix="take the next item")
    current = ctx.session.get(Variant, occurrence.variant_id) if occurrence.variant_id else None
    if decision == "confirm":
        if current is None:
            raise ReviewError(
                f"occurrence {occurrence_id} has no speaker to confirm",
                fix="use --decision reattribute --speaker NAME, or not_a_quote",
            )
        ctx.changes.set("occurrence", occurrence_id, status="confirmed")
        mark_reviewed(ctx, [current.quote_id])
        return
    if decision == "not_a_quote":
        ctx.changes.set("occurrence", occurrence_id, status="not_a_quote")
        if current is not None:
            ctx.touched_quotes.add(current.quote_id)
            _finish_quotes(ctx)
        return
    if speaker_id is None:
        raise ReviewError("reattribute needs --speaker NAME", fix="name who said it")
    if current is not None and current.speaker_id == speaker_id:
        raise ReviewError(
            f"occurrence {occurrence_id} is already attributed to that speaker",
            fix="use --decision confirm",
        )
    target = reattribute_occurrence(ctx, occurrence_id, speaker_id)
    _finish_quotes(ctx)
    mark_reviewed(ctx, [ctx.session.get(Variant, target).quote_id])  # type: ignore[union-attr]


def apply_single_source(ctx: Context, decision: str, variant_id: int | None) -> None:
    if decision == "canonical":
        apply_canonical(ctx, variant_id)
        return
    mark_reviewed(ctx, _item_quotes(ctx))


def apply(ctx: Context, decision: str, speaker_id: int | None, variant_id: int | None) -> None:
    kind = ctx.item.kind
    if decision == "canonical" and kind != "single_source":
        apply_canonical(ctx, variant_id)
    elif kind == "drift":
        apply_drift(ctx, decision, variant_id)
    elif kind == "conflict":
        apply_conflict(ctx, decision, speaker_id, variant_id)
    elif kind == "alias":
        apply_alias(ctx, decision, speaker_id)
    elif kind == "attribution":
        apply_attribution(ctx, decision, speaker_id)
    else:
        apply_single_source(ctx, decision, variant_id)
    ctx.session.flush()


# --- deciding -------------------------------------------------------------------------------


def lock_item(session: Session, item_id: int) -> ReviewItem:
    query = select(ReviewItem).where(ReviewItem.id == item_id)
    if is_postgres(session):
        query = query.with_for_update()
    item = session.scalar(query)
    if item is None:
        raise NotFound(
            f"no review item with id {item_id}", fix="`provenance review next` shows the next one"
        )
    return item


def _claim_is_foreign(item: ReviewItem, reviewer: str, now: datetime) -> bool:
    if not item.claimed_by or item.claimed_by == reviewer or item.claimed_at is None:
        return False
    return _naive(item.claimed_at) > _naive(now - CLAIM_TTL)


def _resync(session: Session, ctx: Context) -> None:
    """Refresh the review items around what a decision changed (without reopening any)."""
    from provenance.review.queue import resync_after_decision, scope_of_ops

    scope = scope_of_ops(session, ctx.changes.as_json())
    scope["quote_ids"].update(q for q in ctx.touched_quotes if q is not None)
    scope["variant_ids"].update(v for v in ctx.touched_variants if v is not None)
    scope["subjects"].add(ctx.item.subject)
    resync_after_decision(session, **scope)


def decide(
    database: Database,
    item_id: int,
    decision: str,
    *,
    reviewer: str,
    session_name: str | None = None,
    speaker: str | None = None,
    speaker_id: int | None = None,
    variant_id: int | None = None,
    note: str | None = None,
    final: bool = False,
) -> dict[str, Any]:
    """Record one decision and apply it, in one transaction; returns the recorded row."""
    from provenance.storage.speakers import find_speaker

    with database.session(immediate=True) as session:
        item = lock_item(session, item_id)
        allowed = allowed_decisions(item.kind)
        if decision not in allowed:
            raise ReviewError(
                f"{decision!r} does not fit a {item.kind} item",
                fix=f"choose one of: {', '.join(allowed)}",
            )
        if decision in ("note", "flag") and decision == "note" and not note:
            raise ReviewError("a note needs text", fix="pass --note TEXT")
        review_session = get_session(session, session_name, reviewer)
        now = utcnow()
        if decision not in ("note",) and _claim_is_foreign(item, reviewer, now):
            raise ReviewError(
                f"item {item_id} is being reviewed by {item.claimed_by}",
                fix="take another item with `provenance review next`",
            )
        if speaker:
            speaker_id = find_speaker(session, speaker).id
        elif speaker_id is not None and session.get(Speaker, speaker_id) is None:
            raise NotFound(
                f"no speaker with id {speaker_id}", fix="`provenance speakers` lists ids"
            )
        args = {"speaker_id": speaker_id, "variant_id": variant_id}
        row = ReviewDecision(
            item_id=item.id,
            session_id=review_session.id,
            reviewer=reviewer,
            decision=decision,
            speaker_id=speaker_id,
            note=note,
            created_at=now,
        )
        effects: dict[str, Any] = {"args": args, "applied": False, "ops": []}
        if decision in UNIVERSAL and not settles(item.kind, decision):
            if decision in DEFERRING and item.claimed_by == reviewer:
                item.claimed_by = item.claimed_at = None
            if decision == "canonical":
                ctx = Context(session, Changes(session), item, set(), set())
                apply(ctx, decision, speaker_id, variant_id)
                _resync(session, ctx)
                effects.update(applied=True, ops=ctx.changes.as_json())
            row.effects = effects
            session.add(row)
            session.flush()
            return describe(session, row)
        if item.state == "closed":
            raise ReviewError(
                f"item {item_id} is closed: what it asked about no longer exists",
                fix="take the next item with `provenance review next`",
            )
        this_round = [
            d
            for d in active_decisions(session, item, this_round=True)
            if settles(item.kind, d.decision)
        ]
        if final:
            if item.state != "decided" or len({label(d) for d in this_round}) < 2:
                raise ReviewError(
                    f"item {item_id} has no disagreement to settle",
                    fix="use --final only on items `provenance review agreement` lists",
                )
            if any((d.effects or {}).get("final") for d in this_round):
                raise ReviewError(f"item {item_id} already has a final call", fix="undo it first")
        elif item.state == "decided":
            last = this_round[-1] if this_round else None
            who = f"{last.reviewer}: {last.decision}" if last else "an earlier decision"
            raise ReviewError(
                f"item {item_id} was already decided by {who}",
                fix="undo that decision first, or add a note with --decision note",
            )
        elif reviewer in {d.reviewer for d in this_round}:
            mine = next(d for d in this_round if d.reviewer == reviewer)
            raise ReviewError(
                f"you already decided item {item_id} ({mine.decision}); "
                "it waits for another reviewer",
                fix="take the next item with `provenance review next`",
            )
        row.effects = effects
        candidate_labels = {label(d) for d in this_round} | {label(row)}
        complete = final or len(this_round) + 1 >= item.required_decisions
        agree = final or len(candidate_labels) == 1
        if complete:
            item.state = "decided"
            item.claimed_by = item.claimed_at = None
            item.updated_at = now
        elif item.claimed_by == reviewer:
            item.claimed_by = item.claimed_at = None
        if complete and agree:
            ctx = Context(session, Changes(session), item, set(), set())
            apply(ctx, decision, speaker_id, variant_id)
            _resync(session, ctx)
            effects.update(applied=True, ops=ctx.changes.as_json())
        effects["final"] = final
        row.effects = dict(effects)
        session.add(row)
        session.flush()
        return describe(session, row)


def undo(database: Database, *, reviewer: str, session_name: str | None = None) -> dict[str, Any]:
    """Undo the reviewer's latest decision still in force: revert its effects, reopen the item."""
    from provenance.review.queue import resync_after_decision, scope_of_ops

    with database.session(immediate=True) as session:
        query = (
            select(ReviewDecision)
            .where(ReviewDecision.reviewer == reviewer, ReviewDecision.decision != "undo")
            .order_by(ReviewDecision.id.desc())
        )
        if session_name:
            review_session = session.scalar(
                select(ReviewSession).where(ReviewSession.name == session_name)
            )
            if review_session is None:
                raise NotFound(
                    f"no review session named {session_name!r}",
                    fix="`provenance review status` lists them",
                )
            query = query.where(ReviewDecision.session_id == review_session.id)
        undone = undone_ids(session)
        target = next((d for d in session.scalars(query) if d.id not in undone), None)
        if target is None:
            raise ReviewError(f"{reviewer} has no decision to undo", fix="nothing was changed")
        item = lock_item(session, target.item_id)
        ops = (target.effects or {}).get("ops", [])
        revert(session, ops)
        session.flush()
        session.expire_all()
        row = ReviewDecision(
            item_id=item.id,
            session_id=target.session_id,
            reviewer=reviewer,
            decision="undo",
            undoes_id=target.id,
            effects={"args": {}, "applied": bool(ops), "ops": []},
        )
        session.add(row)
        session.flush()
        item = session.get(ReviewItem, item.id)
        assert item is not None
        if item.state != "open":
            remaining = [
                d
                for d in active_decisions(session, item, this_round=True)
                if settles(item.kind, d.decision)
            ]
            if len(remaining) < item.required_decisions:
                item.state = "open"
        if item.state == "open":
            item.claimed_by = reviewer
            item.claimed_at = utcnow()
        scope = scope_of_ops(session, ops)
        scope["subjects"].add(item.subject)
        resync_after_decision(session, **scope)
        result = describe(session, target)
        result["undo_id"] = row.id
        result["item_state"] = item.state
        return result
