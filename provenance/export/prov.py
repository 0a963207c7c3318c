"""`export prov`: the attribution graph as a W3C PROV document (PROV-JSON or PROV-N).

Mapping (see docs/EXPORTS.md for the reasoning):

- speaker → `prov:Agent`, typed `prov:Person` or `prov:Organization` (unknown: untyped);
- quote (one utterance) → entity `quote/<id>` that `wasAttributedTo` its speaker;
- occurrence (the words as printed in one document) → entity `occurrence/<id>` that
  `wasQuotedFrom` the utterance (PROV's Quotation, a kind of derivation);
- source document → entity `source/<sha256 prefix>` of type `prov:Collection`, which
  `hadMember` each occurrence printed in it, and `wasAttributedTo` its outlet
  (`prov:Organization`) and its author (`prov:Person`) when they are known.

Fragments and headlines are nobody's speech and are left out. The document is built in
memory (the `prov` package works on whole documents); the rows behind it are read with
Core queries in partitions, never as ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote as percent_encode

from prov.identifier import Identifier
from prov.model import PROV, Namespace, ProvDocument, QualifiedName
from sqlalchemy import select
from sqlalchemy.orm import Session

from provenance.export import occurrences as occurrence_export
from provenance.lookup import evidence_flags, ordered_flags
from provenance.storage.db import chunks
from provenance.storage.models import Occurrence, Quote, Source, Speaker, Variant

NAMESPACE = Namespace("provenance", "urn:provenance:")
PROV_FORMATS = ("json", "provn")
SOURCE_ID_LENGTH = 16  # hex digits of the sha256 in `source/…` (64 bits)

_AGENT_TYPES = {"person": PROV["Person"], "organisation": PROV["Organization"]}


def _q(local: str) -> QualifiedName:
    return NAMESPACE[local]


def speaker_id(speaker: int) -> QualifiedName:
    return _q(f"speaker/{speaker}")


def quote_id(quote: int) -> QualifiedName:
    return _q(f"quote/{quote}")


def occurrence_id(occurrence: int) -> QualifiedName:
    return _q(f"occurrence/{occurrence}")


def source_id(sha256: str) -> QualifiedName:
    return _q(f"source/{sha256[:SOURCE_ID_LENGTH]}")


def _name_id(kind: str, name: str) -> QualifiedName:
    """Outlets and authors have no table of their own: the case-folded name is the key,
    percent-encoded so that any name is a valid PROV-N local name."""
    return _q(f"{kind}/{percent_encode(' '.join(name.casefold().split()), safe='')}")


def outlet_id(outlet: str) -> QualifiedName:
    return _name_id("outlet", outlet)


def author_id(author: str) -> QualifiedName:
    return _name_id("author", author)


def _attributes(pairs: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Drop unknown values: PROV has no null, an absent attribute says it."""
    return [(key, value) for key, value in pairs if value is not None and value != ""]


def build_document(session: Session, *, speaker: str | None = None) -> ProvDocument:
    """The PROV document for every quote (or one speaker's), from the database."""
    speaker_filter = None
    if speaker is not None:
        from provenance.storage.speakers import find_speaker

        speaker_filter = find_speaker(session, speaker).id

    occurrences = (
        select(
            Occurrence.id,
            Occurrence.source_id,
            Occurrence.wording,
            Occurrence.spans,
            Occurrence.char_start,
            Occurrence.char_end,
            Occurrence.kind,
            Occurrence.attributed_as,
            Occurrence.cue,
            Occurrence.confidence,
            Occurrence.repeat_of_id,
            Occurrence.status,
            Variant.id,
            Variant.quote_id,
            Variant.relation,
            Variant.similarity,
            Variant.misquote,
        )
        .join(Variant, Variant.id == Occurrence.variant_id)
        .where(Occurrence.status != "not_a_quote")
        .order_by(Variant.quote_id, Occurrence.id)
    )
    if speaker_filter is not None:
        occurrences = occurrences.join(Quote, Quote.id == Variant.quote_id).where(
            Quote.speaker_id == speaker_filter
        )
    rows = list(session.execute(occurrences.execution_options(yield_per=5000)))
    quote_ids = sorted({row[13] for row in rows})
    source_ids = sorted({row[1] for row in rows})

    doc = ProvDocument()
    doc.add_namespace(NAMESPACE)

    quotes: list[Any] = []
    for chunk in chunks(quote_ids):
        quotes.extend(
            session.execute(
                select(
                    Quote.id,
                    Quote.speaker_id,
                    Quote.status,
                    Quote.first_seen_at,
                    Quote.story_id,
                    Variant.wording,
                    Quote.outlet_count,
                )
                .outerjoin(Variant, Variant.id == Quote.canonical_variant_id)
                .where(Quote.id.in_(chunk))
                .order_by(Quote.id)
            )
        )
    speaker_ids = sorted({row[1] for row in quotes})
    for chunk in chunks(speaker_ids):
        for row in session.execute(
            select(Speaker.id, Speaker.name, Speaker.kind, Speaker.role, Speaker.affiliation)
            .where(Speaker.id.in_(chunk))
            .order_by(Speaker.id)
        ):
            doc.agent(
                speaker_id(row.id),
                _attributes(
                    [
                        ("prov:type", _AGENT_TYPES.get(row.kind)),
                        ("prov:label", row.name),
                        ("provenance:role", row.role),
                        ("provenance:affiliation", row.affiliation),
                    ]
                ),
            )

    source_names: dict[int, QualifiedName] = {}
    agents: set[QualifiedName] = set()
    for chunk in chunks(source_ids):
        for row in session.execute(
            select(
                Source.id,
                Source.sha256,
                Source.path,
                Source.outlet,
                Source.title,
                Source.author,
                Source.url,
                Source.published_at,
                Source.language,
            )
            .where(Source.id.in_(chunk))
            .order_by(Source.id)
        ):
            identifier = source_id(row.sha256)
            source_names[row.id] = identifier
            doc.entity(
                identifier,
                _attributes(
                    [
                        ("prov:type", PROV["Collection"]),
                        ("prov:type", _q("Document")),
                        ("prov:label", row.title),
                        ("provenance:path", row.path),
                        ("provenance:outlet", row.outlet),
                        ("provenance:author", row.author),
                        ("provenance:url", Identifier(row.url) if row.url else None),
                        ("provenance:published_at", row.published_at),
                        ("provenance:language", row.language),
                        ("provenance:sha256", row.sha256),
                    ]
                ),
            )
            for name, make, kind in (
                (row.outlet, outlet_id, PROV["Organization"]),
                (row.author, author_id, PROV["Person"]),
            ):
                if not name:
                    continue
                agent = make(name)
                if agent not in agents:
                    agents.add(agent)
                    doc.agent(agent, {"prov:type": kind, "prov:label": name})
                doc.wasAttributedTo(identifier, agent)

    evidence = evidence_flags(session)
    review = occurrence_export.review_statuses(session)
    for row in quotes:
        identifier = quote_id(row[0])
        doc.entity(
            identifier,
            _attributes(
                [
                    ("prov:type", _q("Utterance")),
                    ("provenance:canonical_wording", row[5]),
                    ("provenance:status", row[2]),
                    ("provenance:review_status", review.get(row[0], row[2])),
                    ("provenance:first_seen_at", row[3]),
                    ("provenance:story_id", row[4]),
                    *(
                        ("provenance:flag", flag)
                        for flag in ordered_flags(evidence.get(row[0], ()), row[6], row[2])
                    ),
                ]
            ),
        )
        doc.wasAttributedTo(identifier, speaker_id(row[1]))

    for row in rows:
        identifier = occurrence_id(row[0])
        doc.entity(
            identifier,
            _attributes(
                [
                    ("prov:type", _q("Occurrence")),
                    ("prov:value", row[2]),
                    ("provenance:variant_id", row[12]),
                    ("provenance:relation", row[14]),
                    ("provenance:similarity", round(row[15], 1)),
                    ("provenance:misquote", row[16] or None),
                    ("provenance:spans", row[3]),
                    ("provenance:char_start", row[4]),
                    ("provenance:char_end", row[5]),
                    ("provenance:quote_kind", row[6]),
                    ("provenance:attributed_as", row[7]),
                    ("provenance:cue", row[8]),
                    ("provenance:confidence", row[9]),
                    ("provenance:repeat_of", occurrence_id(row[10]) if row[10] else None),
                    ("provenance:status", row[11]),
                ]
            ),
        )
        doc.wasQuotedFrom(identifier, quote_id(row[13]))
        doc.hadMember(source_names[row[1]], identifier)
    return doc


def serialise(doc: ProvDocument, fmt: str = "json") -> str:
    if fmt == "provn":
        return doc.get_provn() + "\n"
    if fmt == "json":
        return doc.serialize(format="json", indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown PROV format {fmt!r}; choose one of {', '.join(PROV_FORMATS)}")


def export_prov(
    session: Session, out: TextIO, *, fmt: str = "json", speaker: str | None = None
) -> ProvDocument:
    """Write the PROV document as PROV-JSON or PROV-N to `out`; returns the document."""
    if fmt not in PROV_FORMATS:
        raise ValueError(f"unknown PROV format {fmt!r}; choose one of {', '.join(PROV_FORMATS)}")
    doc = build_document(session, speaker=speaker)
    out.write(serialise(doc, fmt))
    return doc
