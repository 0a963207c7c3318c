"""One Speaker per person across sources, and finding a speaker by any form of the name.

Within a document the extractor already resolved "He", "the minister" and "Kato" to the
fullest name it saw; here that name is matched against every speaker stored so far. A
name that only *might* be the same person (same surname, another given name) is never
merged silently: it becomes a new speaker plus a possible-alias item for an editor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from provenance.errors import Ambiguous, NotFound
from provenance.extraction.names import normalise_name, parse_speaker, same_person
from provenance.storage.db import IdAllocator, insert_rows
from provenance.storage.models import Speaker, SpeakerAlias, utcnow

SPEAKER = Speaker.__table__

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


def shares_surname(a: str, b: str) -> bool:
    """Two names might be one person only through a family name: "Yoshihide Suga" and
    "Shigeru Suga" are worth asking an editor about, "Zora Norrington" and "Zora Valcourt"
    (a shared given name) are not. The last token is the family name in Western order, the
    first in family-name-first order, so a match at either end counts unless both are the
    leading token (then it is a shared given name)."""
    tokens_a, tokens_b = normalise_name(a).split(), normalise_name(b).split()
    if not tokens_a or not tokens_b:
        return False
    for token in set(tokens_a) & set(tokens_b):
        leading_in_both = token == tokens_a[0] and token == tokens_b[0]
        if (token in (tokens_a[-1], tokens_b[-1])) and not (
            leading_in_both and len(tokens_a) > 1 and len(tokens_b) > 1
        ):
            return True
    return False


@dataclass
class Resolution:
    speaker_id: int
    created: bool
    possible_matches: list[int] = field(default_factory=list)


class _ParsedName(NamedTuple):
    """A speaker name as written, taken apart once per run (`SpeakerDirectory._parse`)."""

    bare: str  # the personal name, title and affiliation removed
    title: str | None
    affiliation: str | None
    normalised: str  # normalise_name(bare)
    aliases: tuple[tuple[str, str], ...]  # (alias, normalised): stripped bare name, as written
    stripped: str  # bare.strip()
    words: int  # words in `normalised`


@dataclass(frozen=True, slots=True)
class _NameTokens:
    """A normalised name's tokens, for comparing one new name with the many stored names
    that share a word with it (a common given name is shared with hundreds).

    ``same_person`` followed by ``shares_surname`` decide what a candidate is; for names
    without initials or repeated words both reduce to set arithmetic on the tokens, which
    `relation` does without building either verdict's intermediate lists.
    """

    tokens: tuple[str, ...]
    token_set: frozenset[str]
    plain: bool  # no one-letter token (an initial) and no repeated token

    @classmethod
    def of(cls, normalised: str) -> _NameTokens:
        tokens = tuple(normalised.split())
        token_set = frozenset(tokens)
        plain = len(token_set) == len(tokens) and all(len(t) > 1 for t in tokens)
        return cls(tokens, token_set, plain)

    def relation(self, other: _NameTokens) -> str:
        """``same_person``'s verdict, with "possible" kept only where ``shares_surname``
        holds; both names must be plain."""
        mine, theirs = self.tokens, other.tokens
        if not mine or not theirs:
            return "different"
        shared = self.token_set & other.token_set
        if not shared:  # same_person's fuzzy "possible" never shares a surname
            return "different"
        if len(shared) == min(len(mine), len(theirs)):  # one name's words within the other's
            return "same"
        both_long = len(mine) > 1 and len(theirs) > 1
        for token in shared:
            leading_in_both = token == mine[0] and token == theirs[0]
            if token in (mine[-1], theirs[-1]) and not (leading_in_both and both_long):
                return "possible"
        return "different"


@dataclass
class _Entry:
    speaker_id: int
    name: str
    key: tuple[str, ...]


class SpeakerDirectory:
    """An in-memory view of stored speakers that an ingest run resolves names against.

    Built once per run (speakers are few next to quotes). Resolving never touches the
    database: a new speaker gets its id from the transaction's `IdAllocator`, and new
    speakers, name, role and affiliation changes and new aliases are queued and written in
    bulk by `flush`; everything done inside a transaction that is rolled back is dropped
    with `forget_pending`.
    """

    def __init__(self, connection: Connection | Session) -> None:
        self._by_alias: dict[str, int] = {}
        self._by_key: dict[tuple[str, ...], int] = {}
        self._by_token: dict[str, list[_Entry]] = defaultdict(list)
        self._pending: list[tuple[str, object]] = []
        # speaker id -> [name, role, affiliation] as stored (or about to be, after `flush`)
        self._state: dict[int, list[str | None]] = {}
        self._undo: dict[int, list[str | None] | None] = {}  # state before this transaction
        self._dirty: set[int] = set()
        self._created: dict[int, str] = {}  # new in this transaction: id -> kind
        self._new_aliases: list[tuple[int, str, str, str]] = []
        self._asked: set[tuple[int, int]] = set()  # possible-alias pairs already flagged
        self._asked_pending: list[tuple[int, int]] = []
        self._parsed: dict[str, _ParsedName] = {}  # name as written -> its parts
        self._word_counts: dict[str | None, int] = {}  # see `_words_in`
        self._name_tokens: dict[str, _NameTokens] = {}  # stored speaker name -> its tokens
        rows = connection.execute(
            select(SpeakerAlias.normalised, SpeakerAlias.speaker_id, Speaker.name)
            .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
            .where(Speaker.merged_into_id.is_(None))
        )
        for normalised, speaker_id, name in rows:
            self._remember(normalised, speaker_id, name, pending=False)
        for speaker_id, name, role, affiliation in connection.execute(
            select(Speaker.id, Speaker.name, Speaker.role, Speaker.affiliation).where(
                Speaker.merged_into_id.is_(None)
            )
        ):
            self._state[speaker_id] = [name, role, affiliation]

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

    def flush(self, connection: Connection, now: datetime | None = None) -> set[int]:
        """Write the new speakers, the queued speaker changes and the new aliases (one bulk
        statement each). Returns the stored speakers whose name changed (their alias items'
        evidence names them)."""
        now = now or utcnow()
        renamed: set[int] = set()
        if self._created:
            insert_rows(
                connection,
                SPEAKER,
                ("id", "name", "kind", "role", "affiliation", "created_at"),
                [
                    (speaker_id, name, kind, role, affiliation, now)
                    for speaker_id, kind in self._created.items()
                    for name, role, affiliation in (self._state[speaker_id],)
                ],
            )
            self._dirty.difference_update(self._created)
            self._created.clear()
        if self._dirty:
            renamed = {
                i
                for i in self._dirty
                if (before := self._undo.get(i)) is not None and before[0] != self._state[i][0]
            }
            connection.execute(
                SPEAKER.update()
                .where(SPEAKER.c.id == bindparam("row_id"))
                .values(
                    name=bindparam("new_name"),
                    role=bindparam("new_role"),
                    affiliation=bindparam("new_affiliation"),
                ),
                [
                    dict(
                        zip(
                            ("row_id", "new_name", "new_role", "new_affiliation"),
                            (i, *self._state[i]),
                            strict=True,
                        )
                    )
                    for i in sorted(self._dirty)
                ],
            )
            self._dirty.clear()
        if self._new_aliases:
            insert_rows(
                connection,
                SpeakerAlias.__table__,  # type: ignore[arg-type]
                ("speaker_id", "alias", "normalised", "origin"),
                self._new_aliases,
            )
            self._new_aliases.clear()
        return renamed

    def created_now(self, speaker_id: int) -> bool:
        """Whether `speaker_id` was created in the current transaction (nothing refers to
        it in the database yet)."""
        return speaker_id in self._created

    def not_yet_flagged(self, speaker_id: int, others: list[int]) -> list[int]:
        """The possible matches of `speaker_id` not already flagged for an editor in this run:
        one ambiguous name repeated across a corpus needs one review item, one check."""
        fresh = []
        for other in others:
            pair = (min(speaker_id, other), max(speaker_id, other))
            if pair not in self._asked:
                self._asked.add(pair)
                self._asked_pending.append(pair)
                fresh.append(other)
        return fresh

    def commit_pending(self) -> None:
        self._pending.clear()
        self._undo.clear()
        self._asked_pending.clear()

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
        for speaker_id, before in self._undo.items():
            if before is None:
                self._state.pop(speaker_id, None)
            else:
                self._state[speaker_id] = before
        self._undo.clear()
        self._dirty.clear()
        self._created.clear()
        self._new_aliases.clear()
        self._asked.difference_update(self._asked_pending)
        self._asked_pending.clear()

    def _match(self, name: str, normalised: str) -> tuple[int | None, list[int]]:
        if normalised in self._by_alias:
            return self._by_alias[normalised], []
        key = tuple(sorted(normalised.split()))  # name_key(name)
        if key in self._by_key:
            return self._by_key[key], []
        same: set[int] = set()
        possible: set[int] = set()
        candidates = {entry.speaker_id: entry for t in key for entry in self._by_token.get(t, [])}
        mine = _NameTokens.of(normalised)
        for entry in candidates.values():
            theirs = self._tokens_of(entry.name)
            if mine.plain and theirs.plain:
                verdict = mine.relation(theirs)
            else:
                verdict = same_person(name, entry.name)
                if verdict == "possible" and not shares_surname(name, entry.name):
                    verdict = "different"
            if verdict == "same":
                same.add(entry.speaker_id)
            elif verdict == "possible":
                possible.add(entry.speaker_id)
        if len(same) == 1:
            return same.pop(), []
        # Several stored people fit a bare surname: none of them is safe to pick.
        return None, sorted(same | possible)

    def _tokens_of(self, name: str) -> _NameTokens:
        found = self._name_tokens.get(name)
        if found is None:
            found = self._name_tokens[name] = _NameTokens.of(normalise_name(name))
        return found

    def name_of(self, connection: Connection, speaker_id: int) -> str:
        """The speaker's name as stored (after `flush`), from memory when known."""
        return self._stored_state(connection, speaker_id)[0] or ""

    def _stored_state(self, connection: Connection, speaker_id: int) -> list[str | None]:
        state = self._state.get(speaker_id)
        if state is None:
            row = connection.execute(
                select(Speaker.name, Speaker.role, Speaker.affiliation).where(
                    Speaker.id == speaker_id
                )
            ).one()
            state = self._state[speaker_id] = list(row)
        return state

    def _parse(self, name_as_written: str) -> _ParsedName:
        parsed = self._parsed.get(name_as_written)
        if parsed is None:
            speaker = parse_speaker(name_as_written)
            bare = speaker.name or name_as_written
            normalised = normalise_name(bare)
            aliases = tuple(
                (alias, normalise_name(alias))
                for alias in dict.fromkeys((bare.strip(), name_as_written.strip()))
            )
            parsed = _ParsedName(
                bare,
                speaker.title,
                speaker.affiliation,
                normalised,
                aliases,
                bare.strip(),
                len(normalised.split()),
            )
            if len(self._parsed) < 200_000:
                self._parsed[name_as_written] = parsed
        return parsed

    def resolve(
        self,
        connection: Connection,
        ids: IdAllocator,
        name_as_written: str,
        *,
        title: str | None = None,
        affiliation: str | None = None,
        kind: str | None = None,
    ) -> Resolution:
        """The speaker a name as written belongs to, created if new.

        ``kind`` is what extraction read from the text ("they" resolved to a country is an
        organisation); without it a new speaker's kind comes from its name's words.
        """
        bare, parsed_title, parsed_affiliation, normalised_bare, aliases, stripped, words = (
            self._parse(name_as_written)
        )
        affiliation = affiliation or parsed_affiliation
        title = title or parsed_title
        speaker_id, possible = self._match(bare, normalised_bare)
        created = speaker_id is None
        if speaker_id is None:
            # Fetch a few ids ahead: on PostgreSQL each fetch is a round trip.
            speaker_id = ids.take(connection, "speaker", 1, spare=15)[0]
            self._state[speaker_id] = [stripped, title, affiliation]
            self._undo[speaker_id] = None
            self._created[speaker_id] = kind or speaker_kind(bare)
            name = stripped
        else:
            state = self._stored_state(connection, speaker_id)
            held_name, held_role, held_affiliation = state
            # Keep the fullest form of the name and the latest stated role/affiliation.
            new_name = stripped if words > self._words_in(held_name) else held_name
            new_role = title or held_role
            new_affiliation = affiliation or held_affiliation
            if (
                new_name != held_name
                or new_role != held_role
                or new_affiliation != held_affiliation
            ):
                self._undo.setdefault(speaker_id, list(state))
                self._dirty.add(speaker_id)
                state[:] = new_name, new_role, new_affiliation
            name = new_name or stripped
        for alias, normalised in aliases:
            if normalised and normalised not in self._by_alias:
                self._new_aliases.append((speaker_id, alias, normalised, "extracted"))
                self._remember(normalised, speaker_id, name, pending=True)
        return Resolution(speaker_id, created, possible if created else [])

    def _words_in(self, name: str | None) -> int:
        """Words in a stored name as `normalise_name` reads it, counted once per name: every
        resolution of a known speaker compares the name it holds with the one written (its
        split is 2% of a quote-dense ingest's writing)."""
        count = self._word_counts.get(name)
        if count is None:
            count = len(normalise_name(name or "").split())
            if len(self._word_counts) < 200_000:
                self._word_counts[name] = count
        return count


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
    wanted = normalise_name(query)
    if not wanted:
        raise NotFound(f"no speaker name in {query!r}", fix="pass a name, e.g. --speaker Kato")
    # The common case, a name exactly as stored: one indexed lookup (aliases are unique),
    # with the same answer the full scan below gives for it.
    direct = session.scalars(
        select(Speaker)
        .join(SpeakerAlias, SpeakerAlias.speaker_id == Speaker.id)
        .where(SpeakerAlias.normalised == wanted, Speaker.merged_into_id.is_(None))
    ).all()
    if len(direct) == 1:
        return direct[0]
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
    from rapidfuzz import fuzz, process

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
