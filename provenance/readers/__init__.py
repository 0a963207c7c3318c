"""Readers: turn paths into clean article text plus source metadata. No database, no CLI."""

from provenance.readers.documents import (
    ARTICLE_SUFFIXES,
    Document,
    iter_paths,
    read_document,
)
from provenance.readers.manifest import Manifest, load_manifest
from provenance.readers.meta import SourceMeta, parse_date

__all__ = [
    "ARTICLE_SUFFIXES",
    "Document",
    "Manifest",
    "SourceMeta",
    "iter_paths",
    "load_manifest",
    "parse_date",
    "read_document",
]
