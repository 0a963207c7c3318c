"""The data model: source → occurrence → variant → quote → speaker, links, and review.

Users work at every level (a quote, one wording of it, one appearance of that wording,
the article it appeared in), so every level is a table of its own. Constraint names
follow one naming convention so SQLite batch migrations and PostgreSQL agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SPEAKER_KINDS = ("person", "organisation", "unknown")
ALIAS_ORIGINS = ("extracted", "editor")
QUOTE_KINDS = ("full", "partial", "fragment", "headline")
SPEECH_KINDS = ("full", "partial")
QUOTE_STATUSES = ("unreviewed", "reviewed")
OCCURRENCE_STATUSES = ("auto", "confirmed", "reattributed", "not_a_quote")
RELATIONS = (
    "canonical",
    "identical",
    "minor_edit",
    "truncation",
    "extension",
    "drift",
    "conflict",
    "linked",  # in the cluster through another wording, not directly like the canonical
)
LINK_ORIGINS = ("auto", "editor")
LINK_STATUSES = ("proposed", "confirmed", "rejected")
REVIEW_KINDS = ("conflict", "drift", "alias", "attribution", "single_source")
REVIEW_STATES = ("open", "decided", "closed")  # closed: its subject vanished


def utcnow() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK that `column` holds one of `values`, spelt as comparisons joined by OR: SQLite
    codes `IN` with three or more values as a temporary table built for every row it checks,
    about a sixth of an occurrence insert (migration 0006)."""
    return " OR ".join(f"{column} = '{value}'" for value in values)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it at class creation
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class Setting(Base):
    """A database-wide choice that every run on the database must share.

    ``drift_scorer``: incremental links recompute drift for the stories they touch only,
    so they must score it as the last rebuild did; the choice lives with the data, not
    with whoever runs the next ingest.
    """

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Source(Base):
    """One ingested document; its text is kept whole so spans can always be checked."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1024))
    outlet: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(1024))
    author: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2048))
    published_at: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)

    occurrences: Mapped[list[Occurrence]] = relationship(back_populates="source")


class Speaker(Base):
    """A person or organisation, one row across all sources however the name is written."""

    __tablename__ = "speaker"
    __table_args__ = (CheckConstraint(_one_of("kind", SPEAKER_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    role: Mapped[str | None] = mapped_column(String(255))
    affiliation: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an editor merges this speaker into another; the row stays for the audit trail.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))

    aliases: Mapped[list[SpeakerAlias]] = relationship(back_populates="speaker")
    quotes: Mapped[list[Quote]] = relationship(back_populates="speaker")


class SpeakerAlias(Base):
    """A way a speaker's name is written; the normalised form finds the speaker again."""

    __tablename__ = "speaker_alias"
    __table_args__ = (CheckConstraint(_one_of("origin", ALIAS_ORIGINS), name="origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speaker.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(255))
    normalised: Mapped[str] = mapped_column(String(255), unique=True)
    origin: Mapped[str] = mapped_column(String(16), default="extracted")

    speaker: Mapped[Speaker] = relationship(back_populates="aliases")


class Quote(Base):
    """One utterance by one speaker: a cluster of wordings with a canonical one."""

    __tablename__ = "quote"
    __table_args__ = (CheckConstraint(_one_of("status", QUOTE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speaker.id"), index=True)
    # Indexed like every foreign key that a delete has to check: deleting a variant (an
    # editor's split or merge) would otherwise scan every quote, on PostgreSQL and SQLite.
    canonical_variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variant.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    # True when an editor chose the canonical wording; automatic relinking never overrides it.
    canonical_pinned: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="unreviewed")
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    outlet_count: Mapped[int] = mapped_column(default=0)
    source_count: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    speaker: Mapped[Speaker] = relationship(back_populates="quotes")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="quote", foreign_keys="Variant.quote_id", order_by="Variant.id"
    )
    canonical_variant: Mapped[Variant | None] = relationship(
        foreign_keys=[canonical_variant_id], post_update=True
    )


class Variant(Base):
    """One distinct wording of a quote; identical wordings (after normalisation) share it."""

    __tablename__ = "variant"
    __table_args__ = (
        UniqueConstraint("quote_id", "normalised_hash"),
        CheckConstraint(_one_of("relation", RELATIONS), name="relation"),
        Index("ix_variant_speaker_wording", "speaker_id", "normalised_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), index=True)
    # The speaker is denormalised here so a wording is found per speaker without a join.
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speaker.id"), index=True)
    wording: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str] = mapped_column(Text)
    # A digest keys the wording: long quotes exceed what a B-tree index entry may hold.
    normalised_hash: Mapped[str] = mapped_column(String(40))
    # Relation to, and 0-100 similarity with, the quote's canonical wording.
    relation: Mapped[str] = mapped_column(String(16), default="canonical")
    similarity: Mapped[float] = mapped_column(Float, default=100.0)
    misquote: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    quote: Mapped[Quote] = relationship(back_populates="variants", foreign_keys=[quote_id])
    occurrences: Mapped[list[Occurrence]] = relationship(back_populates="variant")


class VariantKey(Base):
    """Blocking keys of a variant, so new wordings find link candidates without a rescan."""

    __tablename__ = "variant_key"

    variant_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class Occurrence(Base):
    """One appearance of a wording in a source, with exact character spans into its text.

    Fragments (scare quotes) and headlines have no variant: they are stored, never
    presented as anybody's speech.
    """

    __tablename__ = "occurrence"
    __table_args__ = (
        CheckConstraint(_one_of("kind", QUOTE_KINDS), name="kind"),
        CheckConstraint(_one_of("status", OCCURRENCE_STATUSES), name="status"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variant.id"), index=True)
    wording: Mapped[str] = mapped_column(Text)
    spans: Mapped[str] = mapped_column(String(255))  # "start:end;start:end"
    char_start: Mapped[int]
    char_end: Mapped[int]
    attributed_as: Mapped[str | None] = mapped_column(String(255))
    cue: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    sentence: Mapped[str | None] = mapped_column(Text)
    speaker_title: Mapped[str | None] = mapped_column(String(255))
    speaker_affiliation: Mapped[str | None] = mapped_column(String(255))
    # The earlier occurrence this one repeats when a document holds the same passage twice.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("occurrence.id"))
    status: Mapped[str] = mapped_column(String(16), default="auto")

    source: Mapped[Source] = relationship(back_populates="occurrences")
    variant: Mapped[Variant | None] = relationship(back_populates="occurrences")


class Link(Base):
    """A scored relation between two wordings; `b` is described relative to `a`."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("variant_a_id", "variant_b_id"),
        CheckConstraint(_one_of("relation", RELATIONS), name="relation"),
        CheckConstraint(_one_of("origin", LINK_ORIGINS), name="origin"),
        CheckConstraint(_one_of("status", LINK_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_a_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), index=True
    )
    variant_b_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(16))
    similarity: Mapped[float] = mapped_column(Float)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    alignment: Mapped[str | None] = mapped_column(String(64))
    drift_score: Mapped[float | None] = mapped_column(Float)
    # Indexed: deleting a variant checks this foreign key (see `Quote.canonical_variant_id`).
    likely_original_id: Mapped[int | None] = mapped_column(ForeignKey("variant.id"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default="auto")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewSession(Base):
    """A named review session; several reviewers may work in one."""

    __tablename__ = "review_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blind: Mapped[bool] = mapped_column(default=False)
    overlap: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewItem(Base):
    """Something the machine flagged for an editor; `subject` identifies it across relinks."""

    __tablename__ = "review_item"
    __table_args__ = (
        CheckConstraint(_one_of("kind", REVIEW_KINDS), name="kind"),
        CheckConstraint(_one_of("state", REVIEW_STATES), name="state"),
        Index("ix_review_item_queue", "state", "priority"),
        # Finds the alias items of a speaker (either end), and those ingest just queued.
        Index("ix_review_item_kind_other_speaker", "kind", "other_speaker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(16), default="open")
    # Fingerprint of the evidence the item was built from: new evidence reopens it.
    evidence: Mapped[str | None] = mapped_column(String(64))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"), index=True)
    # Indexed: deleting a quote or link (every relink does) sets these to NULL, and without
    # an index each deleted row would scan the whole review queue.
    quote_id: Mapped[int | None] = mapped_column(
        ForeignKey("quote.id", ondelete="SET NULL"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("link.id", ondelete="SET NULL"), index=True
    )
    # The second quote of a drift/conflict pair (when it is another quote) and the second
    # speaker of an alias pair: with `quote_id`/`speaker_id` they say what an item is about,
    # which exports and refreshes read through indexes instead of decoding payloads.
    other_quote_id: Mapped[int | None] = mapped_column(
        ForeignKey("quote.id", ondelete="SET NULL"), index=True
    )
    other_speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))
    required_decisions: Mapped[int] = mapped_column(default=1)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None]
    # Start of the current review round: decisions before it (the item was reopened by new
    # evidence since) are shown to the editor but no longer settle the item.
    opened_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewDecision(Base):
    """An editor's decision. Append-only: an undo is a new row pointing at what it undoes."""

    __tablename__ = "review_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_item.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("review_session.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(128), index=True)
    decision: Mapped[str] = mapped_column(String(32))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variant.id"))
    note: Mapped[str | None] = mapped_column(Text)
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("review_decision.id"))
    # What applying the decision changed (row before/after images), so undo can restore it.
    effects: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
