"""One Speaker per person across sources, and finding a speaker by any form of the name.

Within a document the extractor already resolved "He", "the minister" and "Kato" to the
fullest name it saw; here that name is matched against every speaker stored so far. A
name that only *might* be the same person (same surname, another given name) is never
merged silently: it becomes a new speaker plus a possible-alias item for an editor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from provenance.errors import Ambiguous, NotFound
from provenance.extraction.names import name_key, normalise_name, parse_speaker, same_person
from provenance.storage.models import Speaker, SpeakerAlias

ORGANISATION_WORDS = frozenset(
    [
        "group",
        "bank",
        "ministry",
        "government",
        "agency",
        "office",
        "company",
        "corp",
        "inc",
        "ltd",
        "committee",
        "council",
        "department",
        "association",
        "federation",
        "party",
        "university",
        "institute",
        "fund",
        "board",
        "commission",
        "reserve",
        "exchange",
    ]
)


def speaker_kind(name: str) -> str:
    tokens = normalise_name(name).split()
    if any(token in ORGANISATION_WORDS for token in tokens):
        return "organisation"
    return "person" if tokens else "unknown"


@dataclass
class Resolution:
    speaker_id: int
    created: bool
    possible_matches: list[int] = field(default_factory=list)


@dataclass
class _Entry:
    speaker_id: int
    name: str
    key: tuple[str, ...]


class SpeakerDirectory:
    """An in-memory view of stored speakers that an ingest batch resolves names against.

    Built once per batch (speakers are few next to quotes); entries made inside a
    transaction that is rolled back are dropped with `forget_pending`.
    """

    def __init__(self, session: Session) -> None:
        self._by_alias: dict[str, int] = {}
        self._by_key: dict[tuple[str, ...], int] = {}
        self._by_token: dict[str, list[_Entry]] = defaultdict(list)
        self._pending: list[tuple[str, object]] = []
        rows = session.execute(
            select(SpeakerAlias.normalised, SpeakerAlias.speaker_id, Speaker.name)
            .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
            .where(Speaker.merged_into_id.is_(None))
        )
        for normalised, speaker_id, name in rows:
            self._remember(normalised, speaker_id, name, pending=False)

    def _remember(self, normalised: str, speaker_id: int, name: str, *, pending: bool) -> None:
        if normalised in self._by_alias:
            return
        self._by_alias[normalised] = speaker_id
        key = tuple(sorted(normalised.split()))
        self._by_key.setdefault(key, speaker_id)
        entry = _Entry(speaker_id, name, key)
        for token in key:
            self._by_token[token].append(entry)
        if pending:
            self._pending.append((normalised, entry))

    def commit_pending(self) -> None:
        self._pending.clear()

    def forget_pending(self) -> None:
        for normalised, entry in self._pending:
            self._by_alias.pop(normalised, None)
            assert isinstance(entry, _Entry)
            if self._by_key.get(entry.key) == entry.speaker_id:
                del self._by_key[entry.key]
            for token in entry.key:
                bucket = self._by_token.get(token, [])
                if entry in bucket:
                    bucket.remove(entry)
        self._pending.clear()

    def _match(self, name: str) -> tuple[int | None, list[int]]:
        normalised = normalise_name(name)
        if normalised in self._by_alias:
            return self._by_alias[normalised], []
        key = name_key(name)
        if key in self._by_key:
            return self._by_key[key], []
        same: set[int] = set()
        possible: set[int] = set()
        candidates = {entry.speaker_id: entry for t in key for entry in self._by_token.get(t, [])}
        for entry in candidates.values():
            verdict = same_person(name, entry.name)
            if verdict == "same":
                same.add(entry.speaker_id)
            elif verdict == "possible":
                possible.add(entry.speaker_id)
        if len(same) == 1:
            return same.pop(), []
        # Several stored people fit a bare surname: none of them is safe to pick.
        return None, sorted(same | possible)

    def resolve(
        self,
        session: Session,
        name_as_written: str,
        *,
        title: str | None = None,
        affiliation: str | None = None,
    ) -> Resolution:
        parsed = parse_speaker(name_as_written)
        bare = parsed.name or name_as_written
        affiliation = affiliation or parsed.affiliation
        title = title or parsed.title
        speaker_id, possible = self._match(bare)
        created = speaker_id is None
        if speaker_id is None:
            speaker = Speaker(
                name=bare.strip(), kind=speaker_kind(bare), role=title, affiliation=affiliation
            )
            session.add(speaker)
            session.flush()
            speaker_id = speaker.id
        else:
            speaker = session.get(Speaker, speaker_id)
            assert speaker is not None
            # Keep the fullest form of the name and the latest stated role/affiliation.
            if len(normalise_name(bare).split()) > len(normalise_name(speaker.name).split()):
                speaker.name = bare.strip()
            speaker.role = title or speaker.role
            speaker.affiliation = affiliation or speaker.affiliation
        for alias in {bare.strip(), name_as_written.strip()}:
            normalised = normalise_name(alias)
            if normalised and normalised not in self._by_alias:
                session.add(SpeakerAlias(speaker_id=speaker_id, alias=alias, normalised=normalised))
                self._remember(normalised, speaker_id, speaker.name, pending=True)
        return Resolution(speaker_id, created, possible if created else [])


@dataclass(frozen=True)
class SpeakerMatch:
    speaker: Speaker
    score: float
    matched_alias: str


def find_speaker(session: Session, query: str) -> Speaker:
    """Find one speaker by any form of the name: title, word order and a typo do not matter.

    Raises Ambiguous with the candidates when several people fit, NotFound with the
    nearest name when nobody does.
    """
    from rapidfuzz import fuzz, process

    wanted = normalise_name(query)
    if not wanted:
        raise NotFound(f"no speaker name in {query!r}", fix="pass a name, e.g. --speaker Kato")
    rows = session.execute(
        select(SpeakerAlias.normalised, Speaker)
        .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
        .where(Speaker.merged_into_id.is_(None))
    ).all()
    if not rows:
        raise NotFound("no speakers are stored yet", fix="run `provenance ingest PATH` first")
    by_alias: dict[str, Speaker] = {}
    for normalised, speaker in rows:
        by_alias[normalised] = speaker
    exact = {s.id: s for alias, s in by_alias.items() if alias == wanted}
    if not exact:
        key = tuple(sorted(wanted.split()))
        exact = {s.id: s for alias, s in by_alias.items() if tuple(sorted(alias.split())) == key}
    if not exact:
        exact = {
            s.id: s
            for alias, s in by_alias.items()
            if same_person(wanted, alias) == "same" and len(wanted) >= 3
        }
    if len(exact) == 1:
        return next(iter(exact.values()))
    if len(exact) > 1:
        _raise_ambiguous(query, list(exact.values()))
    # A typo: compare token-wise so "Katoo" finds "kato" and "Katsunobu Kat" finds him too.
    scored = process.extract(wanted, list(by_alias), scorer=fuzz.token_sort_ratio, limit=10)
    best: dict[int, tuple[float, Speaker]] = {}
    for alias, score, _ in scored:
        speaker = by_alias[alias]
        token_score = max(
            (fuzz.ratio(w, a) for w in wanted.split() for a in alias.split()), default=0.0
        )
        score = max(score, token_score if len(wanted.split()) == 1 else score)
        if speaker.id not in best or best[speaker.id][0] < score:
            best[speaker.id] = (score, speaker)
    ranked = sorted(best.values(), key=lambda pair: -pair[0])
    good = [pair for pair in ranked if pair[0] >= 80]
    if len(good) == 1 or (len(good) > 1 and good[0][0] - good[1][0] >= 8):
        return good[0][1]
    if len(good) > 1:
        _raise_ambiguous(query, [speaker for _, speaker in good])
    nearest = ranked[0][1].name if ranked else None
    raise NotFound(
        f"no speaker matches {query!r}",
        fix=f"did you mean {nearest!r}? (`provenance speakers` lists everyone)"
        if nearest
        else "`provenance speakers` lists everyone",
    )


def _raise_ambiguous(query: str, speakers: list[Speaker]) -> None:
    names = "; ".join(f"{s.name} (id {s.id})" for s in sorted(speakers, key=lambda s: s.id)[:8])
    raise Ambiguous(f"{query!r} matches several speakers: {names}", fix="give more of the name")


def count_speakers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Speaker)) or 0
