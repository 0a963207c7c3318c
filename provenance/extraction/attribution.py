"""Speaker attribution: cue search around each quote plus in-document entity resolution.

All pattern matching runs on a masked copy of the text in which quoted words are blanked out,
so names and cue verbs inside quotations can never be mistaken for the reporter's attribution.
Every search window is bounded, which keeps the whole pass linear in the text length.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import mul

from rapidfuzz.distance import Levenshtein

from provenance.extraction import lexicon as lx
from provenance.extraction.names import (
    TITLE_HEADS,
    SpeakerName,
    gender_of,
    is_given_name,
    normalise_name,
    parse_speaker,
    remember,
    same_person,
)
from provenance.extraction.quotes import RawQuote, char_positions, paragraphs

MASK = "~"
_WINDOW_LEFT = 320
_WINDOW_RIGHT = 200
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "sen",
        "rep",
        "gov",
        "gen",
        "lt",
        "col",
        "capt",
        "sgt",
        "adm",
        "cmdr",
        "rev",
        "hon",
        "no",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sept",
        "sep",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
# Sentence-final punctuation plus the spaces after it (so match.end() is the next start), or
# at the end of a paragraph (a line); never across a line break. A sentence does not start
# with a lowercase letter: "Rep. Earl Blumenauer (D-Ore.) said" is one sentence. It is
# tried only at the marks (_sentence_ends).
_SENTENCE_END = re.compile(
    r"[.!?…][.!?…]*['’\"”»)\]]*(?:[^\S\n]+(?=['‘\"“«(\[]?(?![a-z])[\w~$])|(?=\n)|$)"
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_SUBJECT_GAP = re.compile(
    r"^(?:['’]s)?\s*(?:\([^()~]{1,30}\))?\s*(?:,[^,;:~]{1,110},)?\s*,?\s*(?:(?:who|has|had|have|was|were|is|are|also|then|"
    r"later|again|once|previously|never|not|did|does|do|would|will|could|had|has|been|just|"
    r"first|repeatedly|recently|finally|quickly|simply|only|[a-z]+ly|"
    # "Priebus later Thursday told", "Trump on Saturday tweeted"
    r"on|late|early|earlier|last|this|morning|afternoon|evening|night|today|yesterday|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+)*$"
)
# Between a subject and its cue, an appositive (or relative clause) that opens in lowercase
# or with a number and may hold commas and names: ", a former senior adviser to Romney, "
_APPOSITIVE_GAP = re.compile(
    r"(?:['’]s)?\s*,\s*(?=[a-z0-9])[^;:!?~“”\"()\n]{2,220}?,\s*(?:[a-z]+ly\s+)?"
)
# A word that makes the next name an object or one of several ("told the newspaper X:",
# "from Blumenthal and Cohen:"), not the speaker introducing a colon
_WORD_BEFORE_NAME = re.compile(
    r"(?<![\w’'])(?:to|with|from|of|for|in|on|at|by|and|or|about|against|newspaper|magazine|"
    r"network|station|channel|site|website|told|tells|asked|asks)\s+$",
    re.IGNORECASE,
)
# Between a cue and the name it introduces: "noted NBC’s Dante Chinni", "said Smith"
_CUE_TO_NAME = re.compile(r"\s+(?:[A-Z][\w.\-]*['’]s\s+)?")
# _SUBJECT_GAP for a span of the text: fullmatch(masked, start, end)
_SUBJECT_GAP_SPAN = re.compile(_SUBJECT_GAP.pattern[1:-1])
_APPOSITIVE = re.compile(
    r"^,\s*(?:the\s+|a\s+|an\s+)?(?P<role>[^,;:.~“”\"()]{2,70}?)"
    r"(?:\s+(?:at|of|for|with|from|in)\s+(?P<org>(?:the\s+)?[A-Z][^,;:~“”\"()]{0,60}?))?"
    r"\s*(?=[,;.:]|$)"
)
_PRE_APPOSITIVE_ROLE = re.compile(
    r"(?:the\s+)?(?P<org>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*)['’]s\s+(?P<role>[a-z][\w\s\-]{2,50}),\s*$"
)
_NAME_SENTENCE_BREAK = re.compile(r"(?<=[a-z]{3})\.\s")
_NAME_TRAILING_STOP = re.compile(r"(?<=[a-z]{2})\.$")
_NAME_POSSESSIVE = re.compile(r"['’]s?$")
_POSSESSIVE_S = re.compile(r"['’]s$")
_SLOT_PREFIX = r"(?:['’]s)?\s*(?:,[^,;~]{1,80},)?\s*(?:[a-z]+ly\s+)?"
_SLOT_PREFIX_RE = re.compile(_SLOT_PREFIX)
# Words between a cue and the name it introduces: "said [Republican party boss] Reince Priebus".
_ROLE_BEFORE_NAME = re.compile(
    r"\s*(?:(?:the|a|an)\s+)?(?:(?!(?:that|who|which|when|as|to|and|but)\s)[\w\-.’']+\s+){0,5}"
)
# A role between two names, where the second is the head: "Huckabee spokeswoman Alice Stewart".
_ROLE_BETWEEN_NAMES = re.compile(r"(?:['’]s)?\s+(?:[a-z][\w\-]*\s+){1,3}")
_ACCORDING_AFTER = re.compile(r"^[\s,;—–\-]*according\s+to\s+", re.IGNORECASE)
_ACCORDING_ANYWHERE = re.compile(r"(?<!\w)according\s+to\s+", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;!?]")
# A verb whose object is the doer of the next verb: "prompted Hillary Clinton to make …"
_CONTROL_VERB = re.compile(r"\b(?:prompted|led|urged|forced|caused|pushed|inspired|encouraged)\b")
_CONTROL_OBJECT_AFTER = re.compile(r"\s+to\s+[a-z]")
# Before a participle that opens a sentence: nothing, or a subordinator ("After saying …")
_PARTICIPLE_OPENER = re.compile(r"\s*(?:(?:After|Before|While|When|Since|Upon|In)\s+)?")
# "the lawsuit says", "The book accuses": a determiner and one to three words before a cue.
_NOUN_SUBJECT = re.compile(
    r"(?<![\w’'])(?P<np>(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Tt]his|[Tt]hat|[Oo]ne|"
    r"[Ss]ome|[Aa]nother|[Mm]any|[Ss]everal|[Oo]ther)"
    r"(?:\s+[\w\-’']+){1,3})\s+(?:[a-z]+ly\s+)?(?:has\s+|have\s+|had\s+|will\s+)?$"
)
_SPACE_RUN = re.compile(r"\s+")
_VERDICT_RANK = {"same": 2, "possible": 1, "different": 0}
_QUOTE_MARK_CHARS = "\"“”„«»‟'‘’‚‹›"
_ONLY_PUNCT = re.compile(r"^[\s~\"“”„«»‟'‘’‚‹›.,;:!?—–\-*_()]*$")
_ONLY_PUNCT_SPAN = re.compile(_ONLY_PUNCT.pattern[1:-1])


@dataclass(slots=True)
class Entity:
    """A person or organisation as known within one document."""

    names: list[str]
    is_person: bool
    title: str | None = None
    affiliation: str | None = None
    gender: str | None = None
    spoke: bool = False  # seen in a speaker slot: evidence of a person beyond the name
    # seen outside a place phrase ("in El Paso", "south of Florence"): only then can he/she
    # refer to it
    free: bool = False

    @property
    def best_name(self) -> str:
        return max(self.names, key=lambda n: (len(normalise_name(n).split()), len(n)))


def _is_site(entity: Entity) -> bool:
    """A place, building or event ("Corran Plaza"), which nobody quotes as a speaker."""
    return any(
        name.rsplit(None, 1)[-1].casefold() in lx.SITE_HEADS for name in entity.names if name
    )


@dataclass(slots=True, init=False)
class Mention:
    start: int
    end: int
    text: str
    kind: str  # "name", "title", "pronoun"
    entity: int | None
    sentence_first: bool
    slot: bool  # a speech cue follows: "Roos said", "Quint, in a grey suit, said"
    eligible: bool  # could be a clause subject: not after a preposition, verb or "the"
    subject: bool  # the first eligible person of its sentence
    report: bool  # a speaker slot after a comma: "…, Stovall said."

    def __init__(self, start: int, end: int, text: str, kind: str, entity: int | None) -> None:
        """Written out, not generated: mypyc compiles this one, but not a dataclass's own
        `__init__`, which took a twentieth of compiled extraction."""
        self.start = start
        self.end = end
        self.text = text
        self.kind = kind
        self.entity = entity
        self.sentence_first = False
        self.slot = False
        self.eligible = False
        self.subject = False
        self.report = False


@dataclass(slots=True, init=False)
class Attribution:
    speaker_entity: int | None
    attributed_as: str | None
    cue: str | None
    confidence: float
    mention_start: int | None

    def __init__(
        self,
        speaker_entity: int | None,
        attributed_as: str | None,
        cue: str | None,
        confidence: float,
        mention_start: int | None = None,
    ) -> None:
        """Written out for mypyc, as `Mention`'s is."""
        self.speaker_entity = speaker_entity
        self.attributed_as = attributed_as
        self.cue = cue
        self.confidence = confidence
        self.mention_start = mention_start


@dataclass(slots=True)
class Document:
    """Per-document analysis state shared by all quotes of one text."""

    text: str
    masked: str
    paras: list[tuple[int, int]]
    para_starts: list[int]
    sentence_starts: list[int]
    cue_starts: list[int] = field(default_factory=list)
    cue_ends: list[int] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    mention_starts: list[int] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    token_index: dict[str, set[int]] = field(default_factory=dict)
    last_mention: dict[int, int] = field(default_factory=dict)
    mention_counts: dict[int, int] = field(default_factory=dict)

    def paragraph_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.para_starts, pos) - 1)

    def cues_in(self, start: int, end: int) -> range:
        """Indices of the cue matches lying wholly inside [start, end)."""
        lo = bisect.bisect_left(self.cue_starts, start)
        hi = bisect.bisect_right(self.cue_ends, end)
        return range(lo, max(lo, hi))

    def sentence_bounds(self, pos: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.sentence_starts, pos) - 1
        start = self.sentence_starts[max(index, 0)]
        end = (
            self.sentence_starts[index + 1]
            if index + 1 < len(self.sentence_starts)
            else len(self.text)
        )
        return start, end


def mask_quotes(text: str, quotes: list[RawQuote]) -> str:
    """Blank quoted words (keeping a final stop) so later regexes only see reporter prose."""
    pieces: list[str] = []
    cursor = 0
    for quote in quotes:
        for start, end in quote.spans:
            if start < cursor:
                continue
            if end > start and text[end - 1] in ".!?,;:":
                pieces += (text[cursor:start], MASK * (end - 1 - start), text[end - 1])
            else:
                pieces += (text[cursor:start], MASK * (end - start))
            cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


_QUOTE_THEN_SPACE = re.compile(r"[’\"”»]\s")
# A short subject (or none) and a cue verb right after a quote: "Trump said", "asked Smith".
_ATTRIBUTION_AHEAD = re.compile(r"(?:[\w\-.’'()]+[^\S\n]+){0,6}?(?i:" + lx.CUE.pattern + r")")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "._"


def _sentence_ends(masked: str) -> list[re.Match[str]]:
    """The matches of _SENTENCE_END.finditer(masked), tried only where a stop mark stands:
    str.find locates those far faster than sre tests its class at every position."""
    found: list[re.Match[str]] = []
    end = 0
    for pos in char_positions(masked, ".!?…"):
        if pos >= end:
            match = _SENTENCE_END.match(masked, pos)
            if match is not None:
                found.append(match)
                end = match.end()
    return found


def _sentence_starts(masked: str, paras: list[tuple[int, int]]) -> list[int]:
    starts: list[int] = [0]
    next_para = 0
    para_count = len(paras)
    lo = hi = 0
    next_para_start = paras[0][0] if paras else len(masked) + 1
    for match in _sentence_ends(masked):
        stop = match.start()
        if next_para_start <= stop:
            while next_para < para_count and paras[next_para][0] <= stop:
                lo, hi = paras[next_para]
                next_para += 1
                if lo != starts[-1]:
                    starts.append(lo)
            next_para_start = paras[next_para][0] if next_para < para_count else len(masked) + 1
        nxt = match.end()
        if not lo < nxt < hi or nxt == starts[-1]:
            continue  # no start to add (the stop ends its line): the tests below cannot matter
        mark = masked[stop]
        if (
            mark == "."
            and stop > lo
            and (masked[stop - 1].isalnum() or masked[stop - 1] in "._")
            and not (stop - 5 >= lo and masked[stop - 5 : stop].isalnum())
        ):
            # "Mr." / "U.S." / "J." do not end a sentence (a word of five or more letters
            # before the stop is never one of these, so only shorter ones are looked up)
            word = _WORD_BEFORE.search(masked, max(lo, stop - 12), stop + 1)
            if word:
                token = word.group(1).rstrip(".").casefold()
                if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                    continue
        if (
            mark in "?!"
            and masked[nxt - 1 : nxt].isspace()
            and _QUOTE_THEN_SPACE.search(match.group())
            and _ATTRIBUTION_AHEAD.match(masked, nxt, hi)
        ):
            continue  # “Why now?” Trump asked. — the attribution belongs to the quote's sentence
        starts.append(nxt)
    for lo, _ in paras[next_para:]:
        if lo != starts[-1]:
            starts.append(lo)
    return starts


def _strip_leading_stopwords(text: str, start: int) -> tuple[str, int]:
    while True:
        head, _, rest = text.partition(" ")
        core = head.strip(".,;:").casefold()
        if rest and (core in lx.CAPITALISED_STOPWORDS):
            start += len(head) + 1
            text = rest.lstrip()
            continue
        if not rest and core in lx.CAPITALISED_STOPWORDS:
            return "", start
        return text, start


_GIVEN_NAME_WORDS = frozenset(["bill"])


def _looks_like_person(parsed_title: str | None, bare: str) -> bool | None:
    """True for a person, False for an organisation/place, None when undecidable."""
    words = bare.split()
    tokens = [t.strip(".’'").casefold() for t in words]
    if not tokens:
        return None
    if tokens[-1] in lx.NON_PERSON_HEADS:
        return False
    if len(words) == 1 and len(initials := words[0].replace(".", "")) > 1 and initials.isupper():
        return False  # an acronym alone: "HP", "ISIL", "U.S." are organisations or places
    if tokens[0] == "st" and len(tokens) > 1:
        return False  # "St. Clairsville", "St. Louis": a saint's name is a place or church
    # a known given name opening a longer name makes the rest a family name, whatever else it
    # means: "Bill Clinton" (not legislation), "Owen Court", "Nadia Israel"
    given = len(tokens) > 1 and (tokens[0] in _GIVEN_NAME_WORDS or is_given_name(tokens[0]))
    if not given and any(t in lx.NON_PERSON_WORDS for t in tokens):
        return False
    if any(t in lx.CAPITALISED_STOPWORDS for t in tokens):
        return None
    if parsed_title:
        return True
    if gender_of(bare) is not None:
        return True
    if len(tokens) >= 2 and all(len(t) > 1 for t in tokens):
        return True
    return None


AnalysedName = tuple[int, str, SpeakerName, bool | None]
_ANALYSED: dict[str, AnalysedName | None] = {}


def _analyse_name(text: str) -> AnalysedName | None:
    """Text-only part of name registration: (offset of the name, cleaned form, parse, verdict)."""
    if text in _ANALYSED:
        return _ANALYSED[text]
    return remember(_ANALYSED, text, _analyse_name_uncached(text))


def _analyse_name_uncached(text: str) -> AnalysedName | None:
    cleaned, shift = _strip_leading_stopwords(text, 0)
    # each pattern needs a dot or an apostrophe, which few names hold: a substring test first
    # spares the regex calls (thousands of instructions each)
    if "." in cleaned:
        cleaned = _NAME_SENTENCE_BREAK.split(cleaned, maxsplit=1)[0]
        cleaned = _NAME_TRAILING_STOP.sub("", cleaned)
    if "'" in cleaned or "’" in cleaned:
        cleaned = _NAME_POSSESSIVE.sub("", cleaned)
    if not cleaned:
        return None
    # "South Carolina Saturday", "Beck on Wednesday called": a day or month is a time, never
    # a speaker ("May" alone stays: it is also a surname)
    words = cleaned.split()
    if words[-1].casefold() in lx.WEEKDAYS:
        while words and words[-1].casefold() in lx.WEEKDAYS:
            words.pop()
        if not words:
            return None
        cleaned = cleaned[: cleaned.rfind(words[-1]) + len(words[-1])]
    if len(words) == 1 and words[0].casefold() in lx.MONTHS:
        return None
    parsed = parse_speaker(cleaned)
    if not parsed.name:
        return None
    parsed = _drop_leading_modifiers(parsed)
    return shift, cleaned, parsed, _looks_like_person(parsed.title, parsed.name)


def _drop_leading_modifiers(parsed: SpeakerName) -> SpeakerName:
    """ "[Chief of] Staff Denis McDonough", "Kentuckian Rand Paul": capitalised words before a
    known given name that is followed by a family name belong to a role or a descriptor, not
    to the name (a name opening with a given name, "Martin Luther King", is kept whole)."""
    words = parsed.name.split()
    if len(words) < 3 or is_given_name(words[0].strip(".’'").casefold()):
        return parsed
    for index in range(1, len(words) - 1):
        word = words[index]
        if len(word) > 2 and word[0].isupper() and is_given_name(word.casefold()):
            # only a descriptor is dropped, never a rare given name ("Norbert Leo Butz")
            if any(_is_descriptor(w) for w in words[:index]):
                return SpeakerName(parsed.title, " ".join(words[index:]), parsed.affiliation)
            return parsed
    return parsed


_DESCRIPTOR_WORDS = frozenset(
    [
        *("staff", "state", "affairs", "management", "policy", "operations", "actor", "actress"),
        *("comedian", "pastor", "singer", "star", "host", "anchor", "author", "writer", "chief"),
        *("director", "coach", "judge", "attorney", "officer", "deputy", "agent", "lawyer"),
        *("professor", "doctor", "candidate", "nominee", "activist", "celebrities", "general"),
        *("justice", "strategist", "adviser", "advisor", "spokesman", "spokeswoman", "top"),
    ]
)


def _is_descriptor(word: str) -> bool:
    """A role or descriptor word before a name: "Actor", "Kentuckian", "Front-runner"."""
    folded = word.strip(".,’'").casefold()
    return (
        folded in _DESCRIPTOR_WORDS
        or folded in TITLE_HEADS
        or "-" in folded
        or (len(folded) > 5 and folded.endswith(("ian", "ican", "ese")))
    )


_APPOSITIVE_STOP = re.compile(r"[,;:]")


# What never belongs to an appositive's role: every word of a role is one of the pieces a
# tail splits into here, so a tail with no title word among them has no role to find.
_ROLE_BREAK_MARKS = ',;:.~“”"()'
_ROLE_BREAKS = re.compile(r"[\s" + re.escape(_ROLE_BREAK_MARKS) + "]+")


def _holds_title_piece(tail: str) -> bool:
    """Whether a piece of `_ROLE_BREAKS.split(tail)` is a title word, without the regex split
    (most of the cost of a miss): a whitespace-separated word with its break marks stripped
    is a piece by itself when it is all letters and digits, and only the rest is split."""
    for word in tail.split():
        core = word.strip(_ROLE_BREAK_MARKS)
        if core.isalnum():
            if core.casefold() in TITLE_HEADS:
                return True
        elif core and not TITLE_HEADS.isdisjoint(
            piece.casefold() for piece in _ROLE_BREAKS.split(core)
        ):
            return True
    return False


@lru_cache(maxsize=8192)
def _appositive_role(tail: str) -> tuple[str, str | None] | None:
    """(role, organisation) of ", chief strategist at CLSA," when the role has a title word."""
    if not _holds_title_piece(tail):
        return None  # most tails: _APPOSITIVE's lazy role would be tried at every length
    return _role_after(tail)


def _role_after(tail: str) -> tuple[str, str | None] | None:
    match = _APPOSITIVE.match(tail)
    if not match:
        return None
    role = match.group("role").strip()
    raw_words = role.split()
    role_words = [w.strip(".").casefold() for w in raw_words]
    if len(role_words) > 8:
        return None
    # a title word heading the role, not one before a name ("…, Trump hewed more to President
    # Obama's approach, …" is no appositive of the name before it)
    if not any(
        w in TITLE_HEADS and (i + 1 == len(raw_words) or not raw_words[i + 1][:1].isupper())
        for i, w in enumerate(role_words)
    ):
        return None
    org = match.group("org")
    return role, org.strip() if org else None


def _may_hold_pre_role(head: str) -> bool:
    """Whether _PRE_APPOSITIVE_ROLE can find a role with a title word in head: the role's
    words are whole words of head (the last one before its comma), so one of those must be
    a title word. Most heads have none, and the search is skipped."""
    return not TITLE_HEADS.isdisjoint(word.rstrip(",") for word in head.split())


class Resolver:
    """Builds the entity table from mentions in document order and resolves speakers."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # bare name -> entities holding a name that is the "same" person. An entry depends only
        # on the entities that share a name token with it, so adding a name drops just the
        # entries sharing one of its tokens or listing its entity as a candidate.
        self._same_cache: dict[str, list[int]] = {}
        self._title_holders: dict[str, set[int]] = {}  # title word -> entities with that title
        self._cached_by_token: dict[str, list[str]] = {}
        self._cached_by_entity: dict[int, list[str]] = {}
        self._chained: dict[int, int | None] = {}  # pronoun start -> its antecedent
        self._resolved: dict[tuple, int | None] = {}
        self._after_cue: dict[int, bool] = {}  # mention start -> _cue_adjacent
        self._tokens_by_initial: dict[str, set[str]] = {}  # name tokens by first letter

    def _same_entities(self, bare: str) -> list[int]:
        cached = self._same_cache.get(bare)
        if cached is not None:
            return cached
        token_index = self.doc.token_index
        tokens = normalise_name(bare).split()
        candidates: set[int] = set()
        for token in tokens:
            candidates.update(token_index.get(token, ()))
        # "same" as one of the entity's names and not a clash with another ("Eric Trump" is not
        # the entity already known as "Donald Trump" / "Trump").
        found = []
        for index in sorted(candidates):
            verdicts = {same_person(bare, name) for name in self.doc.entities[index].names}
            if "same" in verdicts and "possible" not in verdicts:
                found.append(index)
        self._same_cache[bare] = found
        for token in tokens:
            self._cached_by_token.setdefault(token, []).append(bare)
        for index in candidates:
            self._cached_by_entity.setdefault(index, []).append(bare)
        return found

    def _name_added(self, entity_index: int, tokens: list[str]) -> None:
        stale = self._cached_by_entity.pop(entity_index, [])
        for token in tokens:
            stale.extend(self._cached_by_token.pop(token, ()))
        for bare in stale:
            self._same_cache.pop(bare, None)

    def _find_entity(self, bare: str, is_person: bool | None, pos: int) -> int | None:
        found = self._same_cache.get(bare)
        if found is None:
            found = self._same_entities(bare)
        if not found:
            return self._misspelt_surname(bare) if is_person is not False else None
        entities = self.doc.entities
        if len(found) == 1:
            index = found[0]
            if is_person is not None and entities[index].is_person != is_person:
                return None
            return index
        # Several people share the name ("Fiorina" after "Carly Fiorina" and "Frank Fiorina"):
        # the one already called by it, else the one mentioned most (the story's principal,
        # whom a bare surname denotes), else the latest
        best: tuple[tuple[bool, bool, int, int], int] | None = None
        counts = self.doc.mention_counts
        for index in found:
            entity = entities[index]
            if is_person is not None and entity.is_person != is_person:
                continue
            rank = (
                entity.is_person,
                bare in entity.names,
                counts.get(index, 0),
                self.doc.last_mention.get(index, -1),
            )
            if best is None or rank > best[0]:
                best = (rank, index)
        return best[1] if best else None

    def _misspelt_surname(self, bare: str) -> int | None:
        """The one person whose surname a lone unknown word misspells ("Wines" for Leslie Wimes,
        "McLenney" for Tyresha McClenney): newsrooms misspell names, and a surname nobody was
        introduced by is far more often a slip than a new person. Same first letter, at most
        one edit (two from 8 letters), at least 5 letters, not a family plural, and only a person
        already named in full; two such people means no guess."""
        tokens = normalise_name(bare).split()
        if len(tokens) != 1 or len(tokens[0]) < 5:
            return None
        word = tokens[0]
        limit = 2 if len(word) >= 8 else 1
        entities = self.doc.entities
        hits = set()
        for token in self._tokens_by_initial.get(word[0], ()):
            if (
                abs(len(token) - len(word)) > limit
                or word in (token + "s", token + "es")  # "the Ebelings": a family
                or Levenshtein.distance(token, word, score_cutoff=limit) > limit
            ):
                continue
            for index in self.doc.token_index[token]:
                entity = entities[index]
                parts = [normalise_name(name).split() for name in entity.names]
                if (
                    entity.is_person
                    and any(len(p) >= 2 for p in parts)
                    and any(p and p[-1] == token for p in parts)
                ):
                    hits.add(index)
        return hits.pop() if len(hits) == 1 else None

    def register_name(self, text: str, start: int, match_end: int) -> Mention | None:
        """Register a capitalised run as a mention if it can denote a person or organisation.

        An undecidable run (one capitalised word) counts only in a speaker slot: right before a
        cue verb ("Kato said"), where it then makes a new entity.
        """
        analysed = _analyse_name(text)
        if analysed is None:
            return None
        shift, cleaned, parsed, verdict = analysed
        start += shift
        bare = parsed.name
        existing = self._find_entity(bare, verdict, start)
        if existing is not None:
            entity = self.doc.entities[existing]
            if not entity.is_person and verdict:
                entity.is_person = True
        elif verdict is None and not (
            _cue_at(self.doc, match_end) or _line_initial_colon(self.doc, start, match_end)
        ):
            return None
        else:
            is_person = verdict if verdict is not None else True
            self.doc.entities.append(Entity(names=[], is_person=is_person))
            existing = len(self.doc.entities) - 1
            entity = self.doc.entities[existing]
        if bare not in entity.names:
            entity.names.append(bare)
            tokens = normalise_name(bare).split()
            for token in tokens:
                self.doc.token_index.setdefault(token, set()).add(existing)
                self._tokens_by_initial.setdefault(token[:1], set()).add(token)
            self._name_added(existing, tokens)
        if parsed.title and not entity.title:
            self._set_title(existing, parsed.title)
        if parsed.affiliation and not entity.affiliation:
            entity.affiliation = parsed.affiliation
        if entity.gender is None:
            entity.gender = gender_of(cleaned, entity.title) or gender_of(bare)
        return Mention(start, start + len(cleaned), cleaned, "name", existing)

    def add_appositive(self, mention: Mention) -> None:
        """Capture "Smith, chief strategist at CLSA," style role and organisation."""
        if mention.entity is None:
            return
        masked = self.doc.masked
        entity = self.doc.entities[mention.entity]
        after = masked[mention.end : mention.end + 3]
        if after[:1] == "," or (after[:2] in ("'s", "’s") and after[2:3] == ","):
            tail = masked[mention.end : mention.end + 140]
            if tail.startswith(("'s", "’s")):
                tail = tail[2:]
            # The match cannot reach past the second , ; or : so that prefix is the cache key.
            stop = _APPOSITIVE_STOP.search(tail, 1)
            found = _appositive_role(tail[: stop.end()] if stop else tail)
            if found is not None:
                role, org = found
                if not entity.title:
                    self._set_title(mention.entity, role)
                entity.is_person = True
                if org:
                    entity.affiliation = entity.affiliation or org
                if entity.gender is None:
                    entity.gender = gender_of("", role)
        before = mention.start - 1
        while before >= 0 and masked[before].isspace():
            before -= 1
        if before < 0 or masked[before] != ",":
            return
        head = masked[max(0, mention.start - 80) : mention.start]
        if not _may_hold_pre_role(head):
            return
        pre = _PRE_APPOSITIVE_ROLE.search(head)
        if pre and any(w in TITLE_HEADS for w in pre.group("role").split()):
            if not entity.title:
                self._set_title(mention.entity, pre.group("role").strip())
            entity.affiliation = entity.affiliation or pre.group("org")

    def resolve_title(self, phrase: str, pos: int) -> int | None:
        words = [w.casefold() for w in phrase.split()]
        heads = [w for w in words if w in TITLE_HEADS]
        if not heads:
            return None
        # The most recently mentioned entity whose title has that head word (every earlier
        # mention has been registered when this runs, so last_mention orders them).
        holders = self._title_holders.get(heads[-1])
        if not holders:
            return None
        last_mention = self.doc.last_mention
        return max(holders, key=lambda index: last_mention.get(index, -1))

    def _set_title(self, entity_index: int, title: str) -> None:
        self.doc.entities[entity_index].title = title
        for word in title.casefold().split():
            self._title_holders.setdefault(word, set()).add(entity_index)

    def _cue_adjacent(self, mention: Mention) -> bool:
        """Whether the name closes its sentence right after a speech cue ("…, noted NBC’s
        Dante Chinni.")."""
        doc = self.doc
        index = bisect.bisect_right(doc.cue_ends, mention.start) - 1
        if index < 0:
            return False
        gap = doc.masked[doc.cue_ends[index] : mention.start]
        # only an inverted attribution closing its sentence ("…, noted Dante Chinni."), not an
        # addressee ("told Smith that …")
        return (
            len(gap) <= 12
            and _CUE_TO_NAME.fullmatch(gap) is not None
            and doc.masked[mention.end : mention.end + 1] in (".", "")
        )

    def resolve_pronoun(
        self, pronoun: str, pos: int, recent_speakers: list[int], depth: int = 0
    ) -> int | None:
        """Antecedent of a speaker pronoun ("…,” he said): the compatible recent entity (person
        of a matching gender for he/she) with the best score under _PERSON_WEIGHTS or
        _GROUP_WEIGHTS (see there)."""
        word = pronoun.casefold()
        key = (word, pos, tuple(recent_speakers[-4:]), depth)
        if key in self._resolved:
            return self._resolved[key]
        weights = _PERSON_WEIGHTS if word in ("he", "she") else _GROUP_WEIGHTS
        best: tuple[float, int] | None = None
        for entity_index, features in self.pronoun_candidates(word, pos, recent_speakers, depth):
            score = sum(map(mul, weights, features))
            if best is None or score > best[0]:
                best = (score, entity_index)
        result = self._resolved[key] = best[1] if best else None
        self._chained.setdefault(pos, result)
        return result

    def pronoun_candidates(
        self, word: str, pos: int, recent_speakers: list[int], depth: int = 0
    ) -> list[tuple[int, tuple[float, ...]]]:
        """The (at most eight) entities a pronoun at pos can refer to, latest first, each with
        the salience features _PERSON_WEIGHTS describes (none when there is only one)."""
        doc = self.doc
        want_person = word in ("he", "she")
        limit = bisect.bisect_left(doc.mention_starts, pos)
        entities = doc.entities
        sentence_starts = doc.sentence_starts
        here = sentence = bisect.bisect_right(sentence_starts, pos) - 1
        # the latest mention of each compatible entity (mention, sentences back, via a pronoun),
        # in order, and the leftmost eligible compatible mention of each sentence (its likely
        # subject)
        latest: dict[int, tuple[Mention, int, bool]] = {}
        leftmost: dict[int, int] = {}
        compatible: dict[int, bool] = {}
        reported: set[int] = set()  # sentences whose leftmost is pinned to a reporting speaker
        for mention in reversed(doc.mentions[max(0, limit - 40) : limit]):
            chained = mention.kind == "pronoun"
            if chained:
                # "He had argued with Weiss … ⏎ “Q,” he said": an earlier subject pronoun of the
                # same form carries its own antecedent forward (one step, memoised)
                if depth or not mention.subject or mention.text.casefold() != word:
                    continue
                entity_index = self._chained.get(mention.start, -1)
                if entity_index == -1:
                    entity_index = self._chained[mention.start] = self.resolve_pronoun(
                        word, mention.start, recent_speakers, depth=1
                    )
            else:
                entity_index = mention.entity
                if entity_index is None or (entity_index in latest and not mention.eligible):
                    continue
            if entity_index is None or mention.end > pos:
                continue
            ok = compatible.get(entity_index)
            if ok is None:
                entity = entities[entity_index]
                gender = entity.gender
                ok = compatible[entity_index] = (
                    want_person == entity.is_person
                    and (entity.free or not want_person)
                    and not ((word == "he" and gender == "f") or (word == "she" and gender == "m"))
                    and (want_person or not _is_site(entity))
                )
            if not ok:
                continue
            if pos - mention.end > 3000:
                break
            first = entity_index not in latest
            if first and len(latest) >= 8:
                break
            if not first and not mention.eligible:
                continue
            if sentence_starts[sentence] > mention.start:
                sentence = bisect.bisect_right(sentence_starts, mention.start) - 1
            if first and here - sentence > 4 and len(latest) >= 3:
                break  # enough nearer candidates: one this far back never outranks them
            if first:
                latest[entity_index] = (mention, here - sentence, chained)
            if mention.report:
                # the speaker of "…, Stovall said." stands for the sentence, not its subject
                leftmost[here - sentence] = entity_index
                reported.add(here - sentence)
            elif mention.eligible and here - sentence not in reported:
                leftmost[here - sentence] = entity_index
        if len(latest) < 2:
            return [(entity_index, ()) for entity_index in latest]  # nothing to weigh
        nearest = leftmost.get(min(leftmost, default=-1))
        last_speaker = recent_speakers[-1] if recent_speakers else None
        earlier_speakers = set(recent_speakers[-4:])
        para_index = max(0, bisect.bisect_right(doc.para_starts, pos) - 1)
        para_start = doc.para_starts[para_index]
        prev_para_start = doc.para_starts[para_index - 1] if para_index else para_start
        masked = doc.masked
        counts = doc.mention_counts
        result: list[tuple[int, tuple[float, ...]]] = []
        subjects_seen = 0
        recent_leftmost = {leftmost.get(0), leftmost.get(1), leftmost.get(2)}
        after_cue = self._after_cue
        for rank, (entity_index, (mention, back, chained)) in enumerate(latest.items()):
            entity = entities[entity_index]
            unknown = want_person and entity.gender is None
            result.append(
                (
                    entity_index,
                    (
                        rank,
                        entity_index == last_speaker,
                        entity_index != last_speaker and entity_index in earlier_speakers,
                        mention.subject and subjects_seen == 0,
                        mention.subject and subjects_seen > 0,
                        mention.slot and subjects_seen == 0,
                        mention.slot,
                        mention.start >= para_start,
                        want_person
                        and (
                            after_cue[mention.start]
                            if mention.start in after_cue
                            else after_cue.setdefault(mention.start, self._cue_adjacent(mention))
                        ),
                        unknown,
                        unknown and entity.title is None and not entity.spoke,
                        masked[mention.end : mention.end + 2] in ("'s", "’s"),
                        pos - mention.end > 1500,
                        back == 0,
                        min(counts.get(entity_index, 1), 8) ** 0.5,
                        prev_para_start <= mention.start < para_start,
                        not mention.eligible,
                        entity.title is not None,
                        chained,
                        mention.sentence_first,
                        back == 1,
                        back == 2,
                        nearest == entity_index,
                        entity_index in recent_leftmost,
                    ),
                )
            )
            if mention.subject or mention.slot:
                subjects_seen += 1
        return result


# Weights of pronoun_candidates' features for he/she, fitted as a conditional logit (L2 0.01)
# on the he/she sources of PolNeAR train whose CoreNLP antecedent is among the candidates;
# the gold is noisy, so they are a smoothed fit, not hand-picked rules. In feature order:
_PERSON_WEIGHTS = (
    -0.30,  # rank among candidates (0 = latest)
    -0.19,  # speaker of the previous quote
    -0.23,  # speaker of one of the four quotes before
    0.07,  # latest clause subject
    -0.13,  # an earlier clause subject
    0.26,  # latest name in a speaker slot ("Roos said")
    -0.14,  # in a speaker slot
    0.70,  # in the pronoun's paragraph
    0.11,  # just named after a cue ("…, noted Dante Chinni.")
    -0.36,  # gender unknown
    -0.31,  # ... and no title, no speaker slot: maybe not a person at all
    0.23,  # possessive ("Weiss's")
    -0.85,  # more than 1500 characters back
    0.22,  # in the pronoun's sentence
    -0.18,  # sqrt of mentions so far (capped at 8)
    0.38,  # in the previous paragraph
    0.02,  # after a preposition, object verb or article
    -0.04,  # has a title
    -0.22,  # reached through an earlier subject pronoun
    0.64,  # first mention of its sentence
    0.71,  # in the previous sentence
    0.17,  # two sentences back
    0.36,  # leftmost eligible mention of the nearest sentence that has one
    0.83,  # leftmost eligible mention of one of the last three sentences
)
# it/they (organisations, places): the earlier hand weights, the fit has too few cases
_GROUP_WEIGHTS = (-0.5, 1.0, 0.5, 1.5, 0.5, 0, 0, 0.3, 0, 0, 0, -0.5, -2) + (0,) * 11


_AS_LABEL = re.compile(r"(?<![\w’'])as\s*$")
# Words that make the next name an object, not a clause subject (up to two words may come
# between: "with the Florida Education Association", "told reporters Smith")
_OBJECT_WORDS = frozenset(
    [
        *("by", "to", "with", "of", "for", "against", "about", "at", "from", "on", "and"),
        # "Like Makaeff, … Roffman doesn't want to", "unlike Cruz", "than Trump"
        *("like", "unlike", "than", "including", "into", "over", "toward", "towards"),
        *("without", "despite", "between", "among", "behind", "via", "beside", "alongside"),
        *("told", "asked", "called", "attacked", "criticized", "praised", "thanked"),
        *("endorsed", "met", "defeated", "beat"),
    ]
)
_OPENERS = "([\"“‘'—–-"
# Words that make the next name a place: "in El Paso", "near Sandy Hook", "south of Florence"
_LOCATIVES = frozenset(["in", "near", "outside", "inside", "across", "throughout"])
_DIRECTIONS = frozenset(
    ["north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"]
)


def _word_before(masked: str, end: int) -> tuple[str, int]:
    """The word ending right before the space at end - 1, and where it starts."""
    cut = masked.rfind(" ", max(0, end - 14), end - 1) + 1
    return masked[cut : end - 1], cut


def _after_locative(masked: str, start: int) -> bool:
    """Whether the name at start follows a place preposition ("in [the] X", "south of X")."""
    if start < 3 or masked[start - 1] != " ":
        return False
    word, cut = _word_before(masked, start)
    if word in ("the", "The"):
        word, cut = _word_before(masked, cut)
    word = word.casefold()
    if word == "of":
        return _word_before(masked, cut)[0].casefold() in _DIRECTIONS
    return word in _LOCATIVES


_CLAUSE_PUNCT = frozenset(',;:!?)]"”')
_DETERMINERS = frozenset(["the", "The", "a", "A", "an", "An"])


def build_document(
    text: str, quotes: list[RawQuote], paras: list[tuple[int, int]] | None = None
) -> Document:
    masked = mask_quotes(text, quotes)
    if paras is None:
        paras = paragraphs(text)
    doc = Document(
        text=text,
        masked=masked,
        paras=paras,
        para_starts=[p[0] for p in paras] or [0],
        sentence_starts=_sentence_starts(masked, paras),
    )
    lowered = masked.lower()
    doc.cue_starts, doc.cue_ends = lx.cue_spans(masked, lowered)
    resolver = Resolver(doc)
    # most capitalised runs ("The", "He") are no name at all: register_name would drop them
    raw: list[tuple[int, int, str, str]] = [
        (*match.span(), name, "name")
        for match in lx.name_sequences(masked)
        if _analyse_name(name := match.group()) is not None
    ]
    raw.extend((s, e, masked[s:e], "title") for s, e in lx.title_phrases(masked))
    raw.extend((s, e, masked[s:e], "pronoun") for s, e in lx.pronoun_spans(masked, lowered))
    raw.sort()
    sentence_starts = doc.sentence_starts
    # Title-case lines (headlines, section heads) make every word look like a name
    # ("Ted Cruz Refuses To Disavow"): no names are taken from them. Only lines with a name
    # candidate are tested, as names come up.
    title_case: dict[int, bool] = {}  # paragraph index -> _title_case_line
    para_starts = doc.para_starts
    last_end = -1
    mentions = doc.mentions
    mention_starts = doc.mention_starts
    last_mention = doc.last_mention
    bisect_right = bisect.bisect_right
    sentence_index = 0  # index into sentence_starts of the current mention's sentence
    sentence_count = len(sentence_starts)
    for start, end, mention_text, kind in raw:
        if start < last_end:
            continue
        if kind == "name":
            if masked[end : end + 1] != ":":  # "Graham: Trump’s ‘Hateful Rhetoric’" counts
                para = bisect_right(para_starts, start) - 1
                heading = title_case.get(para)
                if heading is None:
                    lo, hi = paras[para]
                    first_line = para == 0 and masked[hi : hi + 2] == "\n\n"
                    heading = title_case[para] = _title_case_line(masked, lo, hi, first_line)
                if heading:
                    continue
            mention = resolver.register_name(mention_text, start, end)  # a native call
            if mention is None:
                continue
        elif kind == "title":
            mention = Mention(start, end, mention_text, "title", None)
        else:
            mention = Mention(start, end, mention_text, "pronoun", None)
        mention_start = mention.start
        if sentence_index + 1 < sentence_count and sentence_starts[sentence_index + 1] <= start:
            sentence_index = bisect_right(sentence_starts, start) - 1
        sent_start = sentence_starts[sentence_index]
        first = True
        for previous in reversed(mentions[-3:]):
            if previous.start < sent_start:
                break  # and so do the ones before it
            if previous.kind != "pronoun":
                first = False
                break
        if not first and kind == "name" and mentions[-1].sentence_first:
            # "Council engineer Maya Petrov": a modifier name before a role does not take the
            # subject position from the head
            gap = masked[mentions[-1].end : mention_start]
            if _ROLE_BETWEEN_NAMES.fullmatch(gap) and any(
                w.strip(".").casefold() in TITLE_HEADS for w in gap.split()
            ):
                first = True
        mention.sentence_first = first
        entity_index = mention.entity
        if (
            kind == "name"
            and entity_index is not None
            and doc.entities[entity_index].is_person
            and _cue_at(doc, mention.end)
        ):
            mention.slot = True
            doc.entities[entity_index].spoke = True
            if not first:
                # "…, Stovall said." / "Trump, Sexton said, has …" / "In a statement, Roos said":
                # the speaker of a reporting clause after a comma is whom the sentence reports
                before = mention_start - 1
                while before > sent_start and masked[before] == " ":
                    before -= 1
                mention.report = masked[before] == ","
        if kind == "title":
            entity_index = mention.entity = resolver.resolve_title(mention_text, start)
        _mark_subject(doc, mention, sent_start)
        mentions.append(mention)
        mention_starts.append(mention_start)
        if entity_index is not None:
            last_mention[entity_index] = mention_start
            doc.mention_counts[entity_index] = doc.mention_counts.get(entity_index, 0) + 1
            if kind == "name":
                entity = doc.entities[entity_index]
                if not entity.free:
                    entity.free = not _after_locative(masked, mention_start) or masked[
                        mention.end : mention.end + 2
                    ] in ("'s", "’s")
                # appositives need a comma right after the name ("Smith, chief strategist at
                # CLSA,") or right before it ("CLSA's chief strategist, Smith"): test that
                # inline first
                after = masked[mention.end : mention.end + 3]
                before = mention_start - 1
                while before >= 0 and masked[before] == " ":
                    before -= 1
                if (
                    after[:1] == ","
                    or after[2:3] == ","
                    or (before >= 0 and masked[before] in ",\t\r\n\u00a0")
                ):
                    resolver.add_appositive(mention)
        last_end = end
    _genders_from_pronouns(doc)
    return doc


def _genders_from_pronouns(doc: Document) -> None:
    """A person of unknown gender who is the subject of a sentence and is followed, before any
    other person, by "he" or "she" in that sentence or the next takes that pronoun's gender
    ("Quint said little, only that he understood the charges")."""
    mentions = doc.mentions
    entities = doc.entities
    sentence_starts = doc.sentence_starts
    for index, mention in enumerate(mentions):
        if not mention.subject or mention.entity is None:
            continue
        entity = entities[mention.entity]
        if entity.gender is not None or not entity.is_person:
            continue
        limit = bisect.bisect_right(sentence_starts, mention.start) + 1
        limit = sentence_starts[limit] if limit < len(sentence_starts) else len(doc.text)
        for following in mentions[index + 1 : index + 4]:
            if following.start >= limit:
                break
            if following.kind == "pronoun":
                word = following.text.casefold()
                if word in ("he", "she"):
                    entity.gender = "m" if word == "he" else "f"
                    break
                continue
            if following.entity is None or entities[following.entity].is_person:
                break


# Words between a modifier name and the person it qualifies: "Weiss adviser Cal Rennick",
# "Labour front-runner Ines Varga", "Weiss’s wife, Mira"
_MODIFIER_ROLE_WORDS = TITLE_HEADS | frozenset(
    [
        "front-runner",
        "frontrunner",
        "hopeful",
        "challenger",
        "contender",
        "incumbent",
        "ally",
        "supporter",
        "critic",
        "opponent",
        "colleague",
        "friend",
        "wife",
        "husband",
        "son",
        "daughter",
        "brother",
        "mother",
        "consultant",
        "pollster",
        "operative",
        "activist",
        "commentator",
        "host",
        "donor",
        "delegate",
        "member",
        "veteran",
        "mate",
    ]
)
_MODIFIER_GAP = re.compile(r"(?:['’]s)?,?\s+(?:[a-z][\w\-]*\s+){1,3},?\s*")


def _mark_subject(doc: Document, mention: Mention, sent_start: int) -> None:
    """Whether a mention is the subject of its clause, for pronoun antecedents: the first
    person of the sentence not introduced by a preposition, an object verb or an article ("with
    Harbour Radio", "the Weiss meeting"), nor a possessive; a modifier before a role ("Weiss
    adviser Cal Rennick") gives the subject to the name after the role."""
    masked = doc.masked
    start = mention.start
    eligible = masked[mention.end : mention.end + 2] not in ("'s", "’s")
    if eligible and start > sent_start and masked[start - 1].isspace():
        # the (up to three) words before it: "with [the] Harbour Radio", "the Weiss meeting"
        words = masked[max(sent_start, start - 40) : start].split()[-3:]
        for word in reversed(words):
            bare = word.lstrip(_OPENERS)
            if bare == "And":
                break  # "And Obama … seems to agree": a sentence-opening conjunction
            if bare.casefold() in _OBJECT_WORDS:
                eligible = False
                break
            if word[-1] in _CLAUSE_PUNCT:
                break
        if (
            eligible
            and words
            and words[-1] in _DETERMINERS
            and mention.kind == "name"
            and mention.entity is not None
            and doc.entities[mention.entity].is_person
            and mention.text.split(" ", 1)[0].strip(".").casefold() not in TITLE_HEADS
        ):
            eligible = False
    mention.eligible = eligible
    if not eligible:
        return
    entities = doc.entities
    for previous in reversed(doc.mentions[-4:]):
        if previous.start < sent_start:
            break
        if not previous.eligible:
            continue
        if previous.entity is not None and not entities[previous.entity].is_person:
            continue
        if previous.kind != "pronoun" and previous is doc.mentions[-1]:
            gap = masked[previous.end : start]
            if _MODIFIER_GAP.fullmatch(gap) and any(
                w.strip(".,").casefold() in _MODIFIER_ROLE_WORDS for w in gap.split()
            ):
                previous.subject = previous.eligible = False
                break
        return
    mention.subject = True


_INNER_STOP = re.compile(r"[.!?;:]\s")
_SPACE_LOWER_WORD = re.compile(r" [a-z][a-z][a-z][a-z]")
_LONG_WORD = re.compile(r"[^\W\d_][\w’'\-]{3,}")


def _title_case_line(masked: str, lo: int, hi: int, first: bool = False) -> bool:
    """A Title Case line: a heading ("Ted Cruz Refuses To Disavow"). It has no full stop,
    except on the first line of a document followed by a blank line (a headline), or one
    closing stop on a short line whose every long word is capitalised."""
    if hi - lo > 300:
        return False
    strict = False
    if not first:
        tail = masked[hi - 1]
        if tail in _CLOSERS or tail.isspace():  # else the line's last character decides
            tail = masked[lo:hi].rstrip().rstrip(_CLOSERS)[-1:]
        # a short line with one closing stop can still be a heading ("Rand Paul Scores Direct
        # Hit On Trump."), not a run of sentences
        if tail in _TERMINALS:
            if (
                tail != "."
                or hi - lo > 100
                or _SPACE_LOWER_WORD.search(masked, lo, hi) is not None  # a sentence's verb
                or _INNER_STOP.search(masked, lo, hi) is not None
            ):
                return False
            strict = True  # every long word capitalised: a sentence has a lowercase verb
    words = _LONG_WORD.findall(masked, lo, hi)
    if len(words) < 4:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    if strict:
        return capitalised == len(words)
    return capitalised >= 0.8 * len(words)


def _line_initial_colon(doc: Document, start: int, end: int) -> bool:
    """ "Okafor: …" opening a line (headlines, transcripts) is a speaker slot too."""
    if doc.masked[end : end + 1] != ":":
        return False
    line_start = doc.para_starts[max(0, bisect.bisect_right(doc.para_starts, start) - 1)]
    return start - line_start < 8 and not doc.masked[line_start:start].strip(" *#_")


def _cue_at(doc: Document, end: int) -> bool:
    """A cue verb right after a name (optionally past 's, an appositive, an adverb)."""
    limit = end + 60
    cue_starts = doc.cue_starts
    index = bisect.bisect_left(cue_starts, end)
    if index == len(cue_starts) or cue_starts[index] >= limit:
        return False  # no cue in reach: no need to match the prefix
    prefix = _SLOT_PREFIX_RE.match(doc.masked, end, limit)  # every part optional: always matches
    slot = prefix.end() if prefix else end
    index = bisect.bisect_left(cue_starts, slot, index)
    return index < len(cue_starts) and cue_starts[index] == slot and doc.cue_ends[index] <= limit


_RIGHT_ATTRIBUTION = re.compile(
    r"^[\s,;:—–\-]*(?:(?P<cue1>" + lx.CUE.pattern + r")\s+(?P<after>[^,;:!?~]{1,80})"
    r"|(?P<before>[^,;:!?~“”\"]{1,80}?)(?:\s*\([^()~]{1,30}\))?(?:,[^,;~]{1,100},)?\s+"
    r"(?:[a-z]+ly\s+)?(?P<cue2>" + lx.CUE.pattern + r"))",
    re.IGNORECASE,
)
_DASH_ATTRIBUTION = re.compile(r"^\s*[―—–]+\s*")
_SIGNATURE_DASH = re.compile(r"[ \t]*[―—–-]+[ \t]*(?:(?:the|The)\s+)?")


class Attributor:
    """Finds the cue and speaker for each quote using the analysed document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.resolver = Resolver(doc)
        self.recent_speakers: list[int] = []

    def mention_in(self, start: int, end: int) -> list[Mention]:
        lo = bisect.bisect_left(self.doc.mention_starts, start)
        hi = bisect.bisect_left(self.doc.mention_starts, end)
        found = self.doc.mentions[lo:hi]
        # mentions never overlap, so their ends are sorted too: only a tail can reach past end
        while found and found[-1].end > end:
            found.pop()
        return found

    def first_mention_after(self, pos: int, end: int) -> Mention | None:
        """First mention after pos, allowing a role ("said union leader Mateo Ruiz"); when a role
        links it to a following person ("said Clinton campaign manager Robby Mook") the later
        name is the head of the phrase and so the speaker."""
        mentions = self.mention_in(pos, end)
        if not mentions:
            return None
        between = self.doc.masked[pos : mentions[0].start]
        if not _ROLE_BEFORE_NAME.fullmatch(between):
            return None
        return self._phrase_head(mentions)

    def _phrase_head(self, mentions: list[Mention]) -> Mention:
        """The head of "Org/Person + role + Person" among consecutive mentions."""
        head = mentions[0]
        for following in mentions[1:4]:
            gap = self.doc.masked[head.end : following.start]
            words = [w.strip(".").casefold() for w in gap.split()]
            if (
                following.kind == "name"
                and self._is_person_like(following)
                and _ROLE_BETWEEN_NAMES.fullmatch(gap)
                # a person's role names a title ("Trump adviser"); after an organisation any
                # role word will do ("FBI agent Timothy Gill", "Reuters reporter …")
                and (any(w in TITLE_HEADS for w in words) or not self._is_person_like(head))
            ):
                head = following
            else:
                break
        return head

    def _from_mention(self, mention: Mention, cue: str | None, confidence: float) -> Attribution:
        entity = mention.entity
        if mention.kind == "pronoun":
            entity = self.resolver.resolve_pronoun(
                mention.text, mention.start, self.recent_speakers
            )
            confidence *= 0.85 if entity is not None else 0.5
        elif mention.kind == "title" and entity is None:
            confidence *= 0.6
        written = mention.text
        if written.endswith(("'s", "’s")):
            written = written[:-2]
        return Attribution(entity, written, cue, confidence, mention.start)

    def _generic(self, start: int, end: int, cue: str, confidence: float) -> Attribution | None:
        segment = self.doc.masked[start:end]
        matches = list(lx.GENERIC_SOURCE.finditer(segment))
        if not matches:
            return None
        match = matches[-1]
        return Attribution(None, match.group().strip(), cue, confidence * 0.7)

    def right(self, close_end: int, sent_end: int) -> Attribution | None:
        """“Q,” said X  /  “Q,” X said  /  “Q,” X, chief strategist at Y, said"""
        window_end = min(sent_end, close_end + _WINDOW_RIGHT)
        segment = self.doc.masked[close_end:window_end]
        if segment.isspace() or not segment:
            return None  # a quote that ends its line: none of the patterns below can match
        dash = _DASH_ATTRIBUTION.match(segment)
        if dash:
            mentions = self.mention_in(close_end + dash.end(), window_end)
            if mentions and mentions[0].start == close_end + dash.end():
                return self._from_mention(mentions[0], dash.group().strip(), 0.85)
        match = _RIGHT_ATTRIBUTION.match(segment)
        if not match:
            acc = _ACCORDING_AFTER.match(segment)
            if acc:
                for mention in self.mention_in(close_end + acc.end(), window_end)[:1]:
                    return self._from_mention(mention, "according to", 0.9)
            return None
        if match.group("cue1"):
            cue = match.group("cue1")
            after_start = close_end + match.start("after")
            after_mention = self.first_mention_after(
                after_start, close_end + match.end("after") + 60
            )
            if after_mention is not None:
                return self._from_mention(after_mention, cue, 0.95)
            generic = self._generic(after_start, close_end + match.end("after"), cue, 0.9)
            return generic
        cue = match.group("cue2")
        before_start = close_end + match.start("before")
        before_end = close_end + match.end("before")
        mentions = self.mention_in(before_start, before_end + 1)
        if mentions:
            return self._from_mention(self._phrase_head(mentions), cue, 0.95)
        generic = self._generic(before_start, before_end, cue, 0.9)
        if generic is None:  # “Out!” the crowd yelled.
            noun_phrase = _NOUN_SUBJECT.fullmatch(self.doc.masked, before_start, before_end + 1)
            if (
                noun_phrase is not None
                and not self.doc.masked[before_start : noun_phrase.start("np")].strip()
            ):
                return Attribution(None, noun_phrase.group("np"), cue, 0.6)
        return generic

    def left(self, sent_start: int, open_mark: int, partial_hint: bool) -> Attribution | None:
        """X said: “Q”  /  X said, “Q”  /  X, who characterized it as a “Q”  /  bare colon."""
        doc = self.doc
        window_start = max(sent_start, open_mark - _WINDOW_LEFT)
        # The last cue in the final 130 characters, unless a clause break or more than 110
        # characters separate it from the quote (then every earlier cue fails the same test).
        cue_index = None
        # the last of doc.cues_in(max(window_start, open_mark - 130), open_mark)
        last = bisect.bisect_right(doc.cue_ends, open_mark) - 1
        if last >= 0 and doc.cue_starts[last] >= max(window_start, open_mark - 130):
            tail = doc.masked[doc.cue_ends[last] : open_mark]
            if len(tail) <= 110 and not _CLAUSE_BREAK.search(tail):
                cue_index = last
        if cue_index is None:
            lead = doc.masked[window_start:open_mark].rstrip()
            if lead.endswith(":"):
                mentions = self.mention_in(window_start, open_mark)
                persons = [m for m in mentions if self._is_person_like(m)]
                colon = window_start + len(lead) - 1
                # "… doesn’t surprise Republican pollster Daron Shaw: “Q”": the name right
                # before the colon, else the first person of the sentence
                if (
                    persons
                    and persons[-1].end == colon
                    and persons[-1].kind == "name"
                    and _WORD_BEFORE_NAME.search(doc.masked, window_start, persons[-1].start)
                    is None
                ):
                    return self._from_mention(persons[-1], ":", 0.75)
                if persons:
                    return self._from_mention(persons[0], ":", 0.75)
            return None
        cue_start, cue_end = doc.cue_starts[cue_index], doc.cue_ends[cue_index]
        cue = doc.masked[cue_start:cue_end]
        if not cue.isalpha():
            cue = _SPACE_RUN.sub(" ", cue)
        confidence = 0.9
        folded = cue.casefold()
        if folded == "according to":
            mention = self.first_mention_after(cue_end, open_mark)
            if mention is not None:
                return self._from_mention(mention, cue, 0.9)
        before = self.mention_in(window_start, cue_start)
        participle = folded.endswith("ing")
        subject = self._appositive_subject(before, cue_start) if len(before) > 1 else None
        if subject is not None:
            return self._from_mention(subject, cue, confidence)
        if not participle:
            # the nearest mention joined to the cue, a person-like one first
            chosen = None
            masked = doc.masked
            for mention in reversed(before[-4:]):
                if _SUBJECT_GAP_SPAN.fullmatch(masked, mention.end, cue_start):
                    if self._is_person_like(mention):
                        chosen = mention
                        break
                    if chosen is None:
                        chosen = mention
            if chosen is not None:
                return self._from_mention(chosen, cue, confidence)
        weak = folded in lx.WEAK_CUES
        if participle or not weak:
            for index, mention in enumerate(before):
                if self._is_person_like(mention) or mention.kind != "name":
                    # "Trump senior communications adviser Jason Miller said in a statement"
                    head = self._phrase_head(before[index:]) if mention.kind == "name" else mention
                    return self._from_mention(head, cue, 0.7)
        after = self.mention_in(cue_end, open_mark)
        if after and after[0].start - cue_end <= 2 and not weak:
            return self._from_mention(after[0], cue, 0.85)
        if after and not before and not weak:
            # an inverted lead-in with a role: "Stated Valk's colleague Jonas Weil: “Q”"
            mention = self.first_mention_after(cue_end, open_mark)
            if mention is not None and self._is_person_like(mention):
                return self._from_mention(mention, cue, 0.8)
        if weak:
            return None
        return self._generic(window_start, cue_start, cue, 0.8)

    def sentence_cue(
        self, sent_start: int, open_mark: int, close_end: int, sent_end: int
    ) -> Attribution | None:
        """A woven-in quote with no cue next to it takes the speaker of its sentence: the subject
        of the last speech or stance verb before it ("Trump accused Cruz, the Texas senator, of
        being “politically correct”"), else of a later "…, Smith, a lawyer, wrote last week"."""
        doc = self.doc
        masked = doc.masked
        window_start = max(sent_start, open_mark - _WINDOW_LEFT)
        # noun uses count here too: "Rubio’s claim that … is “simply not true”" is still
        # reported speech, even when its speaker is less certain
        cues = list(lx.STANCE_CUE.finditer(masked, window_start, open_mark))
        for match in reversed(cues[-2:]):
            cue_start = match.start()
            subject = self._subject_before(window_start, cue_start)
            if subject is not None and (
                self._speaks(subject, match.group())
                or not _AS_LABEL.search(masked, max(cue_start, open_mark - 4), open_mark)
            ):
                return self._subject_attribution(subject, match.group(), 0.5)
        if cues and cues[0].group().endswith("ing"):
            # an opening participial clause takes the subject of the main clause after it:
            # "Bemoaning the “phony system,” Trump accused …", "After saying …, she was"
            opener = _PARTICIPLE_OPENER.fullmatch(masked, sent_start, cues[0].start())
            mention = self.first_mention_after(close_end, sent_end) if opener else None
            if mention is not None and (self._is_person_like(mention) or mention.kind == "pronoun"):
                gap = masked[close_end : mention.start].strip()
                if gap == "," or (not gap and doc.text[close_end - 2] == ","):
                    return self._from_mention(mention, cues[0].group(), 0.5)
        window_end = min(sent_end, close_end + 2 * _WINDOW_RIGHT)
        for match in lx.CUE.finditer(masked, close_end, window_end):
            cue_start, cue_end = match.span()
            clause = masked[close_end:cue_start]
            if "," not in masked[close_end - 2 : cue_start] and clause.strip():
                continue  # the cue belongs to a clause of its own, not to the quote
            subject = self._subject_before(max(close_end, cue_start - 160), cue_start)
            if subject is not None:
                return self._subject_attribution(subject, match.group(), 0.5)
            if masked[close_end - 2 : cue_start].strip(" \t\u00a0" + _QUOTE_MARK_CHARS) in (
                ",",
                "",
            ):
                mention = self.first_mention_after(cue_end, window_end)
                if mention is not None:
                    return self._from_mention(mention, match.group(), 0.5)
        return None

    def _speaks(self, subject: Mention | str, cue: str) -> bool:
        """Whether a term labelled "as “…”" is the subject's speech. A named subject speaks (a
        person, or an organisation, which the data model keeps as a speaker); a generic noun
        phrase with a stance verb only names a term ("The board promoted the plan as
        “reciprocal”": a scare quote, not anyone's words), unless the verb is plain speech."""
        if not isinstance(subject, str) or any(w[:1].isupper() for w in subject.split()[1:]):
            return True
        folded = _SPACE_RUN.sub(" ", cue).casefold()
        return lx.CUE.fullmatch(folded) is not None and folded not in lx.WEAK_CUES

    def _subject_before(self, start: int, cue_start: int) -> Mention | str | None:
        """Subject of a cue: the nearest person (or pronoun) joined to it, possibly across an
        appositive; the first person of the clause; or a plain noun phrase ("the lawsuit")."""
        masked = self.doc.masked
        before = self.mention_in(start, cue_start)
        subject = self._appositive_subject(before, cue_start)
        if subject is not None:
            return subject
        for mention in reversed(before[-4:]):
            if _SUBJECT_GAP_SPAN.fullmatch(masked, mention.end, cue_start) and (
                self._is_person_like(mention) or mention.kind == "pronoun"
            ):
                return mention
        for mention in reversed(before):
            # the object of a control verb is the subject of the cue: "which prompted his wife
            # Hillary Clinton to make a comment that described …"
            if (
                mention.kind == "name"
                and self._is_person_like(mention)
                and _CONTROL_OBJECT_AFTER.match(masked, mention.end)
                and _CONTROL_VERB.search(masked, max(start, mention.start - 80), mention.start)
            ):
                return mention
        for index, mention in enumerate(before):
            if self._is_person_like(mention):
                return self._phrase_head(before[index:]) if mention.kind == "name" else mention
        noun_phrase = _NOUN_SUBJECT.search(masked, max(start, cue_start - 60), cue_start)
        if noun_phrase is not None:
            return noun_phrase.group("np")
        return None

    def _appositive_subject(self, before: list[Mention], cue_start: int) -> Mention | None:
        """The person named before an appositive that runs up to the cue: in "Lapp, executive
        director of the House Majority PAC, a Democratic super PAC, said" or "Weaver, a GOP
        strategist who has feuded with Manafort, wrote" the names inside the appositive are
        not the subject."""
        if len(before) < 2:
            return None  # with no other name in between the nearest-subject rule agrees
        masked = self.doc.masked
        for mention in before[:-1]:
            if mention.kind == "pronoun" or not self._is_person_like(mention):
                continue
            if not _APPOSITIVE_GAP.fullmatch(masked, mention.end, cue_start):
                continue
            # only a subject: first in its sentence or right after an opening phrase
            # ("However, Martin, …"), not an object ("attacked Trump, with whom he …, calling")
            if mention.sentence_first:
                return mention
            lead = masked[self.doc.sentence_bounds(mention.start)[0] : mention.start].rstrip()
            if not lead or lead.endswith(","):
                return mention
        return None

    def _subject_attribution(
        self, subject: Mention | str, cue: str, confidence: float
    ) -> Attribution:
        cue = _SPACE_RUN.sub(" ", cue)
        if isinstance(subject, str):
            return Attribution(None, subject, cue, confidence * 0.7)
        return self._from_mention(subject, cue, confidence)

    def headline_speaker(self, line_start: int, open_mark: int) -> Attribution | None:
        """Headline convention "Graham: Trump’s ‘Hateful Rhetoric’ Hurts GOP": the name before
        the colon that opens the line is the speaker."""
        mentions = self.mention_in(line_start, open_mark)
        if not mentions or mentions[0].kind != "name":
            return None
        head = mentions[0]
        if self.doc.masked[head.end : head.end + 1] != ":":
            return None
        if self.doc.masked[line_start : head.start].strip(" *#_"):
            return None
        return self._from_mention(head, ":", 0.6)

    def dash_line(self, para_index: int) -> Attribution | None:
        """A quote paragraph signed on the next line: “…” ⏎ – Hillary Clinton, in Iowa."""
        doc = self.doc
        if para_index + 1 >= len(doc.paras):
            return None
        lo, hi = doc.paras[para_index + 1]
        dash = _SIGNATURE_DASH.match(doc.masked, lo, hi)
        if dash is None:
            return None
        mentions = self.mention_in(dash.end(), min(hi, dash.end() + 80))
        if mentions and mentions[0].start == dash.end() and mentions[0].kind != "pronoun":
            return self._from_mention(mentions[0], dash.group().strip(), 0.7)
        return None

    def _is_person_like(self, mention: Mention) -> bool:
        if mention.kind == "pronoun":
            return mention.text.casefold() in ("he", "she")
        if mention.entity is None:
            return mention.kind == "title"
        return self.doc.entities[mention.entity].is_person

    def sentence_according(self, sent_start: int, sent_end: int) -> Attribution | None:
        segment = self.doc.masked[sent_start:sent_end]
        if "ccording" not in segment:
            return None
        match = _ACCORDING_ANYWHERE.search(segment)
        if not match:
            return None
        mention = self.first_mention_after(sent_start + match.end(), sent_end)
        if mention is not None:
            return self._from_mention(mention, "according to", 0.85)
        return None

    def previous_sentence(self, sent_start: int, para_start: int) -> Attribution | None:
        """“Q” opening a sentence right after "X described the damage." in the same paragraph."""
        if sent_start <= para_start:
            return None
        prev_start, _ = self.doc.sentence_bounds(sent_start - 1)
        prev_start = max(prev_start, para_start)
        segment = self.doc.masked[prev_start:sent_start]
        if MASK in segment or not self.doc.cues_in(prev_start, sent_start):
            return None
        attribution = self.left(prev_start, sent_start - 1, False)
        if attribution is not None and attribution.speaker_entity is not None:
            attribution.confidence = min(attribution.confidence, 0.6)
            return attribution
        return None

    def lead_sentence_subject(self, sent_start: int, sent_end: int) -> Attribution | None:
        """The person subject of a sentence with a speech or stance verb ("Carter said that
        …", "Valastro praised …"), for a quote paragraph that follows it."""
        masked = self.doc.masked
        cues = self.doc.cues_in(sent_start, sent_end)
        if cues:
            cue_start, cue_end = self.doc.cue_starts[cues[0]], self.doc.cue_ends[cues[0]]
        else:
            stance = lx.STANCE_CUE.search(masked, sent_start, sent_end)
            if stance is None:
                return None
            cue_start, cue_end = stance.span()
        mentions = self.mention_in(sent_start, cue_start)
        if not mentions:
            return None
        subject = mentions[0]
        if (
            subject.kind != "name"
            or not subject.sentence_first
            or subject.entity is None
            or not self.doc.entities[subject.entity].is_person
        ):
            return None
        attribution = self._from_mention(
            subject, _SPACE_RUN.sub(" ", masked[cue_start:cue_end]), 0.45
        )
        return attribution

    def gap_attribution(self, close_end: int, next_open: int) -> Attribution | None:
        return self.right(close_end, next_open)


_CLOSERS = "'’\"”)]"
_TERMINALS = frozenset(".!?…")


def is_heading(text: str, lo: int, hi: int, first: bool) -> bool:
    if not first and hi > lo:  # the common case: a line ending in a full stop (or .” ) is prose
        last = text[hi - 1]
        if last in _TERMINALS or (last in _CLOSERS and hi - 2 >= lo and text[hi - 2] in _TERMINALS):
            return False
    line = text[lo:hi].strip().strip("*#_ ").strip()
    if not line:
        return False
    terminal = line.rstrip(_CLOSERS)[-1:] in _TERMINALS  # same as TERMINAL.search(line)
    if (terminal or line.endswith((":", ",", ";"))) and not first:
        return False
    words = line.split(None, 25)  # enough to tell "more than 25 words"
    if len(words) > 25:
        return False
    if not terminal and not line.endswith((":", ",", ";")):
        return True
    return len(words) <= 20 and line.count(". ") == 0


def only_quote_paragraph(doc: Document, lo: int, hi: int) -> bool:
    return _ONLY_PUNCT_SPAN.fullmatch(doc.masked, lo, hi) is not None
