"""Source metadata shared by documents and manifests, and the one date parser both use."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from provenance.errors import InputError

DATE_FORMAT_HINT = "use an ISO date such as 2024-03-14 or 2024-03-14T21:45:00+00:00"

# fromisoformat (3.11) also takes ISO week dates and basic forms; we insist on a calendar date
# with dashes so "14/03/2024" or "2024" are rejected instead of silently guessed.
_ISO_CALENDAR = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")


@dataclass(frozen=True, slots=True)
class SourceMeta:
    """What we know about where an article came from. ``None`` means unknown, never guessed."""

    outlet: str | None = None
    title: str | None = None
    author: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    language: str | None = None

    def merged(self, other: SourceMeta) -> SourceMeta:
        """A copy where every field of ``other`` that is not None wins."""
        changes = {
            f.name: value for f in fields(other) if (value := getattr(other, f.name)) is not None
        }
        return replace(self, **changes) if changes else self

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def parse_date(value: str | date) -> datetime | None:
    """Parse an ISO date or datetime; blank → None; anything else → InputError.

    A date alone becomes midnight with no timezone; an explicit offset or ``Z`` is kept.
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not text:
        return None
    if _ISO_CALENDAR.match(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(f"invalid date {text!r}", fix=DATE_FORMAT_HINT)
