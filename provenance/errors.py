"""Domain errors. Each carries a one-line message that names the problem and the fix.

The CLI maps every ``ProvenanceError`` to a clean one-line error and exit code in one
place, so library code raises these instead of printing or exiting.
"""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base for every error a user can cause; ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message


class DatabaseError(ProvenanceError):
    """The database cannot be opened, reached or used as a provenance store."""


class SchemaOutOfDate(DatabaseError):
    """The database is behind head; we never migrate implicitly."""


class SchemaTooNew(DatabaseError):
    """The database was written by a newer provenance."""


class InputError(ProvenanceError):
    """A file, manifest or argument the user gave cannot be used."""


class NotFound(ProvenanceError):
    """An id, speaker or item the user named does not exist."""


class Ambiguous(ProvenanceError):
    """A name matched several candidates; the message lists them."""


class ReviewError(ProvenanceError):
    """A review decision that cannot be applied (wrong kind, already decided, …)."""
