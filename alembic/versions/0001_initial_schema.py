"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('overlap', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_session')),
    sa.UniqueConstraint('name', name=op.f('uq_review_session_name'))
    )
    op.create_table('source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('outlet', sa.String(length=255), nullable=True),
    sa.Column('title', sa.String(length=1024), nullable=True),
    sa.Column('author', sa.String(length=255), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source')),
    sa.UniqueConstraint('sha256', name=op.f('uq_source_sha256'))
    )
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_story_id'), ['story_id'], unique=False)

    op.create_table('speaker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=255), nullable=True),
    sa.Column('affiliation', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('person', 'organisation', 'unknown')", name=op.f('ck_speaker_kind')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['speaker.id'], name=op.f('fk_speaker_merged_into_id_speaker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker'))
    )
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_name'), ['name'], unique=False)

    op.create_table('quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=False),
    sa.Column('canonical_variant_id', sa.Integer(), nullable=True),
    sa.Column('canonical_pinned', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('outlet_count', sa.Integer(), nullable=False),
    sa.Column('source_count', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('unreviewed', 'reviewed')", name=op.f('ck_quote_status')),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_quote_speaker_id_speaker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote'))
    )
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_speaker_id'), ['speaker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_story_id'), ['story_id'], unique=False)

    op.create_table('speaker_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=255), nullable=False),
    sa.Column('normalised', sa.String(length=255), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.CheckConstraint("origin IN ('extracted', 'editor')", name=op.f('ck_speaker_alias_origin')),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_speaker_alias_speaker_id_speaker'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_alias')),
    sa.UniqueConstraint('normalised', name=op.f('uq_speaker_alias_normalised'))
    )
    with op.batch_alter_table('speaker_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_alias_speaker_id'), ['speaker_id'], unique=False)

    op.create_table('variant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('normalised', sa.Text(), nullable=False),
    sa.Column('normalised_hash', sa.String(length=40), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('misquote', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("relation IN ('canonical', 'identical', 'minor_edit', 'truncation', 'extension', 'drift', 'conflict', 'linked')", name=op.f('ck_variant_relation')),
    sa.ForeignKeyConstraint(['quote_id'], ['quote.id'], name=op.f('fk_variant_quote_id_quote')),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_variant_speaker_id_speaker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variant')),
    sa.UniqueConstraint('quote_id', 'normalised_hash', name=op.f('uq_variant_quote_id_normalised_hash'))
    )
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_variant_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_variant_speaker_id'), ['speaker_id'], unique=False)
        batch_op.create_index('ix_variant_speaker_wording', ['speaker_id', 'normalised_hash'], unique=False)

    op.create_table('link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('variant_a_id', sa.Integer(), nullable=False),
    sa.Column('variant_b_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('alignment', sa.String(length=64), nullable=True),
    sa.Column('drift_score', sa.Float(), nullable=True),
    sa.Column('likely_original_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("origin IN ('auto', 'editor')", name=op.f('ck_link_origin')),
    sa.CheckConstraint("relation IN ('canonical', 'identical', 'minor_edit', 'truncation', 'extension', 'drift', 'conflict', 'linked')", name=op.f('ck_link_relation')),
    sa.CheckConstraint("status IN ('proposed', 'confirmed', 'rejected')", name=op.f('ck_link_status')),
    sa.ForeignKeyConstraint(['likely_original_id'], ['variant.id'], name=op.f('fk_link_likely_original_id_variant')),
    sa.ForeignKeyConstraint(['variant_a_id'], ['variant.id'], name=op.f('fk_link_variant_a_id_variant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_b_id'], ['variant.id'], name=op.f('fk_link_variant_b_id_variant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link')),
    sa.UniqueConstraint('variant_a_id', 'variant_b_id', name=op.f('uq_link_variant_a_id_variant_b_id'))
    )
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_variant_a_id'), ['variant_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_variant_b_id'), ['variant_b_id'], unique=False)

    op.create_table('occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('spans', sa.String(length=255), nullable=False),
    sa.Column('char_start', sa.Integer(), nullable=False),
    sa.Column('char_end', sa.Integer(), nullable=False),
    sa.Column('attributed_as', sa.String(length=255), nullable=True),
    sa.Column('cue', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=True),
    sa.Column('speaker_title', sa.String(length=255), nullable=True),
    sa.Column('speaker_affiliation', sa.String(length=255), nullable=True),
    sa.Column('repeat_of_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint("kind IN ('full', 'partial', 'fragment', 'headline')", name=op.f('ck_occurrence_kind')),
    sa.CheckConstraint("status IN ('auto', 'confirmed', 'reattributed', 'not_a_quote')", name=op.f('ck_occurrence_status')),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 1', name=op.f('ck_occurrence_confidence')),
    sa.ForeignKeyConstraint(['repeat_of_id'], ['occurrence.id'], name=op.f('fk_occurrence_repeat_of_id_occurrence')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_occurrence_source_id_source'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_occurrence_variant_id_variant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrence'))
    )
    with op.batch_alter_table('occurrence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occurrence_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_occurrence_variant_id'), ['variant_id'], unique=False)

    op.create_table('variant_key',
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_variant_key_variant_id_variant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('variant_id', 'key', name=op.f('pk_variant_key'))
    )
    with op.batch_alter_table('variant_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_variant_key_key'), ['key'], unique=False)

    op.create_table('review_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('priority', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.String(length=64), nullable=True),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('required_decisions', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('conflict', 'drift', 'alias', 'attribution', 'single_source')", name=op.f('ck_review_item_kind')),
    sa.CheckConstraint("state IN ('open', 'decided')", name=op.f('ck_review_item_state')),
    sa.ForeignKeyConstraint(['link_id'], ['link.id'], name=op.f('fk_review_item_link_id_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['quote.id'], name=op.f('fk_review_item_quote_id_quote'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_review_item_speaker_id_speaker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    sa.UniqueConstraint('subject', name=op.f('uq_review_item_subject'))
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index('ix_review_item_queue', ['state', 'priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_speaker_id'), ['speaker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_link_id'), ['link_id'], unique=False)

    op.create_table('review_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('reviewer', sa.String(length=128), nullable=False),
    sa.Column('decision', sa.String(length=32), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('undoes_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['review_item.id'], name=op.f('fk_review_decision_item_id_review_item')),
    sa.ForeignKeyConstraint(['session_id'], ['review_session.id'], name=op.f('fk_review_decision_session_id_review_session')),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_review_decision_speaker_id_speaker')),
    sa.ForeignKeyConstraint(['undoes_id'], ['review_decision.id'], name=op.f('fk_review_decision_undoes_id_review_decision')),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_review_decision_variant_id_variant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decision'))
    )
    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_decision_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decision_reviewer'), ['reviewer'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decision_session_id'), ['session_id'], unique=False)

    # quote and variant reference each other; the canonical-variant key is added once
    # both tables exist (PostgreSQL cannot create it inline).
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_quote_canonical_variant_id_variant'), 'variant',
            ['canonical_variant_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_quote_canonical_variant_id_variant'), type_='foreignkey'
        )
    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_decision_session_id'))
        batch_op.drop_index(batch_op.f('ix_review_decision_reviewer'))
        batch_op.drop_index(batch_op.f('ix_review_decision_item_id'))

    op.drop_table('review_decision')
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_item_link_id'))
        batch_op.drop_index(batch_op.f('ix_review_item_quote_id'))
        batch_op.drop_index(batch_op.f('ix_review_item_speaker_id'))
        batch_op.drop_index('ix_review_item_queue')

    op.drop_table('review_item')
    with op.batch_alter_table('variant_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_variant_key_key'))

    op.drop_table('variant_key')
    with op.batch_alter_table('occurrence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occurrence_variant_id'))
        batch_op.drop_index(batch_op.f('ix_occurrence_source_id'))

    op.drop_table('occurrence')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_variant_b_id'))
        batch_op.drop_index(batch_op.f('ix_link_variant_a_id'))

    op.drop_table('link')
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.drop_index('ix_variant_speaker_wording')
        batch_op.drop_index(batch_op.f('ix_variant_speaker_id'))
        batch_op.drop_index(batch_op.f('ix_variant_quote_id'))

    op.drop_table('variant')
    with op.batch_alter_table('speaker_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_alias_speaker_id'))

    op.drop_table('speaker_alias')
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_story_id'))
        batch_op.drop_index(batch_op.f('ix_quote_speaker_id'))

    op.drop_table('quote')
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_name'))

    op.drop_table('speaker')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_story_id'))

    op.drop_table('source')
    op.drop_table('review_session')
