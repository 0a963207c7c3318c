"""Word lists and compiled patterns shared by the attribution layer."""

from __future__ import annotations

import re
from collections.abc import Iterator

from provenance.extraction.names import TITLE_HEADS

_SPEECH_LEMMAS = [
    "question",
    "chant",
    "scream",
    "add",
    "acknowledge",
    "admit",
    "affirm",
    "agree",
    "allege",
    "announce",
    "answer",
    "argue",
    "ask",
    "assert",
    "assure",
    "boast",
    "brag",
    "caution",
    "characterize",
    "characterise",
    "charge",
    "claim",
    "comment",
    "complain",
    "concede",
    "conclude",
    "confess",
    "confide",
    "confirm",
    "contend",
    "continue",
    "counter",
    "declare",
    "decry",
    "deny",
    "describe",
    "dismiss",
    "disclose",
    "echo",
    "emphasize",
    "emphasise",
    "exclaim",
    "explain",
    "gush",
    "hint",
    "insist",
    "joke",
    "lament",
    "maintain",
    "mention",
    "mock",
    "mutter",
    "muse",
    "note",
    "object",
    "observe",
    "offer",
    "opine",
    "pledge",
    "plead",
    "point",
    "post",
    "predict",
    "proclaim",
    "promise",
    "propose",
    "protest",
    "quip",
    "reason",
    "recall",
    "recount",
    "reflect",
    "reiterate",
    "reject",
    "remark",
    "remind",
    "repeat",
    "reply",
    "report",
    "respond",
    "retort",
    "reveal",
    "scoff",
    "scold",
    "shout",
    "sigh",
    "snap",
    "state",
    "stress",
    "suggest",
    "summarize",
    "summarise",
    "swear",
    "tease",
    "testify",
    "thunder",
    "tweet",
    "urge",
    "vow",
    "warn",
    "whisper",
    "wonder",
    "yell",
    "call",
    "label",
    "dub",
    "term",
    "brand",
    "blast",
    "slam",
    "fume",
    "rage",
    "lash",
    "interject",
]
_IRREGULAR = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "write": ("write", "writes", "wrote", "writing", "written"),
    "speak": ("speaks", "spoke", "speaking"),
    "put": ("put", "puts", "putting"),
    "swear": ("swears", "swore", "sworn", "swearing"),
}
_DOUBLING = {"admit", "quip", "commit", "regret", "rebut", "snap", "plan", "sum", "slam"}


def _forms(lemma: str) -> tuple[str, ...]:
    if lemma in _IRREGULAR:
        return _IRREGULAR[lemma]
    if lemma in _DOUBLING:
        stem = lemma + lemma[-1]
        return (lemma, lemma + "s", stem + "ed", stem + "ing")
    if lemma.endswith("e"):
        return (lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing")
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return (lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing")
    if lemma.endswith(("ss", "sh", "ch", "x")):
        return (lemma, lemma + "es", lemma + "ed", lemma + "ing")
    return (lemma, lemma + "s", lemma + "ed", lemma + "ing")


CUE_WORDS: frozenset[str] = frozenset(
    form for lemma in [*_SPEECH_LEMMAS, *_IRREGULAR] for form in _forms(lemma)
)
# "stating it “…”": participles take the clause subject, not the nearest noun, as speaker.
_MULTIWORD_CUES = [
    "according to",
    "pointed out",
    "points out",
    "pointing out",
    "went on",
    "goes on",
    "made clear",
    "spelled out",
    "weighed in",
    "chimed in",
    "shot back",
    "fired back",
    "quoted as saying",
    "in a statement",
    "in an interview",
]


def trie_pattern(words: list[str]) -> str:
    """A regex alternation factored into a prefix trie (spaces match any whitespace run).

    sre tries alternatives one by one, so a flat list of ~600 cue words costs ~600 failed
    comparisons per text position; the trie form needs about one per letter of the alphabet.
    Greedy optional suffixes keep the longest-match-first behaviour of a length-sorted list.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends_here = "" in node
        alternatives = [
            (r"\s+" if ch == " " else re.escape(ch)) + emit(node[ch])
            for ch in sorted(k for k in node if k)
        ]
        if not alternatives:
            return ""
        if len(alternatives) == 1 and not ends_here:
            return alternatives[0]
        body = "(?:" + "|".join(alternatives) + ")"
        return body + "?" if ends_here else body

    return emit(trie)


def _word_start_trie(words: list[str]) -> str:
    """trie_pattern for lowercase words that must start a word (no letter, ’ or ' before).

    The pattern opens with a plain character class so sre can skip non-candidate positions
    with its fast charset scan; the word-start test is a lookbehind over that first letter.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(word[1:])
    branches = []
    for first in sorted(groups):
        rests = groups[first]
        body = trie_pattern([r for r in rests if r])
        if "" in rests:
            body = f"(?:{body})?"
        branches.append(f"(?<={re.escape(first)}){body}")
    return r"[a-z](?<![\w’'].)(?:" + "|".join(branches) + ")"


_cue_alternatives = sorted({c.casefold() for c in [*_MULTIWORD_CUES, *CUE_WORDS]})
CUE = re.compile(_word_start_trie(_cue_alternatives) + r"(?![\w’'])", re.IGNORECASE)
# Whole-document cue scanning (cue_spans) runs case-sensitively on a lowercased copy and
# anchors on the character before the word, which is faster still than CUE.
_CUE_LOWER = re.compile(_word_start_trie(_cue_alternatives) + r"(?![\w’'])")
# The character before a cue is not a word character (nor ’ ' ~). A leading class with \w in
# it makes sre look every character up in the Unicode tables while it skips ahead; this one
# is a plain bitmap that stands for [^\w’'~] on ASCII and lets every other character through,
# so cue_spans drops the few matches after a non-ASCII letter or digit itself.
_CUE_AFTER = re.compile(r"[^0-9A-Za-z_’'~](" + trie_pattern(_cue_alternatives) + r")(?![\w’'])")


def _cue_after(lowered: str) -> Iterator[re.Match[str]]:
    """The matches a `[^\\w’'~]`-led _CUE_AFTER would give: one after a non-ASCII word
    character is dropped, and the search goes on from the character after it, as it would."""
    pos = 0
    while True:
        for match in _CUE_AFTER.finditer(lowered, pos):
            before = lowered[match.start()]
            if before < "\x80" or not before.isalnum():
                yield match
                continue
            pos = match.start() + 1
            break
        else:
            return


def cue_spans(text: str, lowered: str | None = None) -> tuple[list[int], list[int]]:
    """Starts and ends of the CUE matches in text (a ~ never directly precedes a cue).

    lowered: text.lower(), when the caller has it already."""
    if lowered is None:
        lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lowercased
        found = [m.span() for m in CUE.finditer(text)]
        return [s for s, _ in found], [e for _, e in found]
    starts: list[int] = []
    ends: list[int] = []
    first = _CUE_LOWER.match(lowered)
    if first is not None:
        starts.append(first.start())
        ends.append(first.end())
    for match in _cue_after(lowered):
        start, end = match.span(1)
        # is_verb_use, with its common case inlined: a lowercase cue after one space and a
        # lowercase letter (not a possessive s) needs only the determiner test
        if text[start - 1] == " " and start >= 2 and text[start].islower():
            previous = text[start - 2]
            if previous.islower() and previous != "s":
                space = text.rfind(" ", max(0, start - 10), start - 1)
                word = text[space + 1 if space >= 0 else max(0, start - 10) : start - 1]
                if word.casefold() in _DETERMINERS:
                    continue
                starts.append(start)
                ends.append(end)
                continue
            if previous in ",;:":  # "Smith, a lawyer, said": no determiner, no possessive
                starts.append(start)
                ends.append(end)
                continue
        if not is_verb_use(text, start):
            continue
        starts.append(start)
        ends.append(end)
    return starts, ends


_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "his",
        "her",
        "their",
        "its",
        "our",
        "your",
        "my",
        "this",
        "these",
        "those",
        "every",
        "each",
        "no",
    ]
)
_SENTENCE_OPENERS = frozenset(".!?:;“”\"‘’'«»(—–\n")


def is_verb_use(text: str, start: int) -> bool:
    """False for a cue word used as a noun or name: capitalised inside a sentence ("the State
    Department"), or after a determiner or possessive ("the claim", "Trump’s remarks")."""
    before = start - 1
    while before >= 0 and text[before] == " ":
        before -= 1
    if before < 0:
        return True
    if text[start].isupper() and text[before] not in _SENTENCE_OPENERS:
        return False
    if text[before] in "sS" and before > 0 and text[before - 1] in "’'":
        return False  # Trump’s remarks
    space = text.rfind(" ", max(0, before - 8), before)
    previous = text[space + 1 if space >= 0 else max(0, before - 8) : before + 1]
    return previous.casefold() not in _DETERMINERS


# Verbs of stance and characterisation that mark a woven-in quote as someone's words in a
# sentence that has no plain speech cue: "Trump accused Cruz of being “politically correct”".
_STANCE_LEMMAS = [
    "accuse",
    "praise",
    "criticize",
    "criticise",
    "condemn",
    "denounce",
    "blame",
    "defend",
    "attack",
    "question",
    "challenge",
    "demand",
    "believe",
    "think",
    "hope",
    "fear",
    "refer",
    "tout",
    "hail",
    "cite",
    "pledge",
    "promise",
    "predict",
    "vow",
    "urge",
    "insist",
    "applaud",
    "thank",
    "welcome",
    "decry",
    "dismiss",
    "deride",
    "ridicule",
    "reject",
    "chant",
    "cheer",
    "shout",
    "press",
    "push",
    "highlight",
    "stress",
    "name",
    "nickname",
    "label",
    "describe",
    "portray",
    "paint",
    "characterize",
    "characterise",
    "frame",
    "liken",
    "compare",
    "consider",
    "view",
    "see",
    "feel",
    "want",
    "ask",
    "invite",
    "pitch",
    "pose",
    "raise",
    "declare",
    "announce",
    "rip",
    "hit",
    "knock",
    "fault",
    "chide",
    "lambaste",
    "assail",
    "berate",
    "imply",
    "express",
    "recommend",
    "reference",
    "quote",
    "call",
    "dub",
    "term",
    "brand",
    "promote",
    "campaign",
    "argue",
    "claim",
    "characterize",
    "advise",
    "encourage",
    "sing",
    "read",
    # complaint, praise and attack verbs of newsroom prose: "Rubio bemoaned the climate in
    # which people “literally hate each other”", "Reid has been pounding Trump as a “con artist”"
    "bemoan",
    "lament",
    "grouse",
    "admire",
    "herald",
    "slam",
    "blast",
    "pound",
    "mock",
    "exhort",
    "worry",
    "estimate",
    "coin",
    "ponder",
]
STANCE_CUE = re.compile(
    _word_start_trie(
        sorted(
            {f for lemma in _STANCE_LEMMAS for f in _forms(lemma)}
            | {"thought", "felt", "saw", "seen", "seeing", "refers", "referred", "referring"}
            | set(_cue_alternatives)
        )
    )
    + r"(?![\w’'])",
    re.IGNORECASE,
)
# Bare verbs that are too ambiguous to signal speech without an adjacent subject.
WEAK_CUES = frozenset(
    [
        "call",
        "calls",
        "called",
        "calling",
        "label",
        "labels",
        "labeled",
        "labelled",
        "dub",
        "dubs",
        "dubbed",
        "term",
        "terms",
        "termed",
        "brand",
        "brands",
        "branded",
        "continue",
        "continues",
        "continued",
        "continuing",
        "offer",
        "offers",
        "offered",
        "offering",
        "post",
        "posts",
        "posted",
        "posting",
        "point",
        "points",
        "pointed",
        "pointing",
        "object",
        "objects",
        "objected",
        "repeat",
        "repeats",
        "repeated",
        "reflect",
        "reflects",
        "reflected",
        "wonder",
        "wonders",
        "wondered",
        "put",
        "puts",
        "putting",
        "quote",
        "quotes",
        "quoted",
        "quoting",
        "report",
        "reports",
        "reported",
        "reporting",
        "charge",
        "charges",
        "charged",
        "charging",
        "describe",
        "describes",
        "described",
        "describing",
        "note",
    ]
)

UPPERCASE = "".join(
    chr(code) for code in range(0x41, 0x2000) if chr(code).isupper() and chr(code).isalpha()
)
_UPPER_CLASS = "[" + re.escape(UPPERCASE) + "]"
_PARTICLES = r"(?:de|del|della|der|den|van|von|bin|binti|al|el|da|di|du|la|le|dos|das|ter|ten|y)"
NAME_TOKEN = (
    rf"(?:{_UPPER_CLASS}\.(?:{_UPPER_CLASS}\.)+|(?:Mr|Mrs|Ms|Dr|Sen|Sens|Rep|Reps|Gov|Gen|Lt|Col|"
    rf"Capt|Sgt|Jr|Sr|St|Prof|Rev|Hon|Adm)\.|{_UPPER_CLASS}\.(?=\s{_UPPER_CLASS})|"
    rf"(?:Mc|Mac|O['’])?{_UPPER_CLASS}[\w’'\-]*)"
)
# A capitalised pronoun never continues a name: "attacks in the U.S. He says" ends at "U.S."
_NOT_PRONOUN = r"(?!(?:He|She|It|They|We|His|Her|Its|Their|Our)(?![\w’'\-]))"
NAME_SEQUENCE = re.compile(
    rf"(?<![\w’'\-]){NAME_TOKEN}"
    rf"(?:[ \u00a0]+(?:{_PARTICLES}[ \u00a0]+)?{_NOT_PRONOUN}{NAME_TOKEN})*"
)
_HONORIFIC_TAILS = {
    "M": "r|rs|s",
    "D": "r",
    "S": "en|ens|gt|r|t",
    "R": "ep|eps|ev",
    "G": "ov|en",
    "L": "t",
    "C": "ol|apt",
    "J": "r",
    "P": "rof",
    "H": "on",
    "A": "dm",
}
# NAME_SEQUENCE with its first capital consumed up front: a leading character class lets sre
# skip ahead fast instead of trying the whole pattern at every position. The first token's
# alternatives are NAME_TOKEN's, continued after that capital (the honorifics through
# lookbehinds on it); Mc/Mac/O’ prefixes need no branch of their own, as [\w’'\-]* covers them.
# Two lookaheads only prune: the honorific lookbehinds run only before a short lowercase run
# and a dot, and a further token is tried only where a capital or a particle's first letter
# follows the spaces (sre tries every alternative in turn, and most words are neither).
_PARTICLE_INITIALS = "".join(sorted(set(re.findall(r"\b[a-z]", _PARTICLES))))
_NEXT_TOKEN_START = "[" + re.escape(UPPERCASE + _PARTICLE_INITIALS) + "]"
_FAST_NAME_SEQUENCE = re.compile(
    rf"{_UPPER_CLASS}(?<![\w’'\-].)"
    rf"(?:\.(?:{_UPPER_CLASS}\.)+|"
    + r"(?=[a-z]{1,3}\.)(?:"
    + "|".join(f"(?<={k})(?:{v})" for k, v in _HONORIFIC_TAILS.items())
    + r")\.|"
    + rf"\.(?=\s{_UPPER_CLASS})|[\w’'\-]*)"
    rf"(?:[ \u00a0]+(?={_NEXT_TOKEN_START})(?:{_PARTICLES}[ \u00a0]+)?{_NOT_PRONOUN}{NAME_TOKEN})*"
)


def name_sequences(text: str) -> list[re.Match[str]]:
    """The matches NAME_SEQUENCE.finditer(text) would give, found faster."""
    return list(_FAST_NAME_SEQUENCE.finditer(text))


PRONOUN = re.compile(
    r"[HhSsTtIi](?<![\w’'].)(?:(?<=[Hh])e|(?<=[Ss])he|(?<=[Tt])hey|(?<=[Ii])t)(?!\w)"
)
# PRONOUN on a lowercased copy, found faster from the literal "he" / "it" (sre skips ahead
# to a literal prefix): a he-match may start one character after its word (she, they).
_HE_SHE_THEY = re.compile(
    r"he(?:(?<![\w’']he)|(?<=she)(?<![\w’']she)|y(?<=they)(?<![\w’']they))(?!\w)"
)
_IT = re.compile(r"it(?<![\w’']it)(?!\w)")


def pronoun_spans(text: str, lowered: str | None = None) -> list[tuple[int, int]]:
    """The spans PRONOUN.finditer(text) would give, in document order."""
    if lowered is None:
        lowered = text.lower()
    if len(lowered) != len(text):
        return [m.span() for m in PRONOUN.finditer(text)]
    spans = []
    for match in _HE_SHE_THEY.finditer(lowered):
        start, end = match.span()
        if start and (lowered[start - 1] == "s" or end - start == 3):
            start -= 1  # she, they
        if text[start + 1 : end].islower():  # only the first letter may be a capital
            spans.append((start, end))
    spans.extend(m.span() for m in _IT.finditer(lowered) if text[m.start() + 1] == "t")
    spans.sort()
    return spans


_TITLE_WORDS = trie_pattern(sorted(t for t in TITLE_HEADS if "." not in t))
TITLE_PHRASE = re.compile(
    rf"[Tt](?<![\w’'].)he\s+(?:(?:[\w\-’']+)\s+){{0,3}}?(?:{_TITLE_WORDS})(?![\w’'\-])"
    rf"(?:\s+of\s+(?:state|the\s+{_UPPER_CLASS}\w*|{_UPPER_CLASS}\w*))?"
)
# TITLE_PHRASE found faster: it starts at the literal "he" (sre skips ahead to it), so each
# match starts one character after the phrase: use title_phrases().
_TITLE_PHRASE_FROM_H = re.compile(
    r"he(?<![\w’'].he)(?<=[Tt]he)" + TITLE_PHRASE.pattern[len(r"[Tt](?<![\w’'].)he") :]
)


def title_phrases(text: str) -> list[tuple[int, int]]:
    """The spans TITLE_PHRASE.finditer(text) would give."""
    return [(m.start() - 1, m.end()) for m in _TITLE_PHRASE_FROM_H.finditer(text)]


GENERIC_SOURCE = re.compile(
    r"(?<![\w’'])(?:(?:an?|one|two|three|several|some|many|other|the)\s+)?(?:[\w\-]+\s+){0,2}?"
    r"(?:officials?|spokes(?:man|woman|person)|aides?|advisers?|advisors?|sources?|analysts?|"
    r"economists?|experts?|critics?|supporters?|observers?|people|residents?|voters?|"
    r"investors?|traders?|lawmakers?|diplomats?|witnesses|witness|insiders?|statement|report|"
    r"campaign|administration|government|ministry|department|agency|company|committee)"
    r"(?![\w’'])"
)

CAPITALISED_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "for",
        "but",
        "and",
        "or",
        "nor",
        "so",
        "yet",
        "when",
        "while",
        "if",
        "as",
        "after",
        "before",
        "although",
        "though",
        "with",
        "without",
        "by",
        "from",
        "to",
        "of",
        "into",
        "onto",
        "over",
        "under",
        "this",
        "that",
        "these",
        "those",
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "its",
        "my",
        "your",
        "what",
        "why",
        "how",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "asked",
        "speaking",
        "since",
        "during",
        "despite",
        "now",
        "then",
        "last",
        "next",
        "earlier",
        "later",
        "meanwhile",
        "however",
        "still",
        "even",
        "just",
        "also",
        "only",
        "some",
        "many",
        "most",
        "all",
        "both",
        "each",
        "every",
        "one",
        "two",
        "three",
        "four",
        "five",
        "let",
        "should",
        "would",
        "could",
        "will",
        "can",
        "may",
        "maybe",
        "neither",
        "either",
        "whatever",
        "whichever",
        "top",
        "might",
        "must",
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "not",
        "no",
        "yes",
        "here",
        "there",
        "according",
        "because",
        "until",
        "unless",
        "once",
        "instead",
        "indeed",
        "perhaps",
        "such",
        "another",
        "other",
        "more",
        "less",
        "much",
        "few",
        "several",
        "any",
        "none",
        "whether",
        "than",
        "like",
        "about",
        "across",
        "against",
        "along",
        "among",
        "around",
        "behind",
        "below",
        "beneath",
        "beside",
        "between",
        "beyond",
        "inside",
        "near",
        "outside",
        "through",
        "throughout",
        "toward",
        "towards",
        "upon",
        "within",
        "via",
        "per",
        "amid",
        "says",
        "said",
        "told",
        "analysts",
        "officials",
        "experts",
        "critics",
        "breaking",
        "final",
        "why",
        "disclaimer",
        "see",
        "read",
        "click",
        "watch",
        "related",
        "photo",
        "video",
        "update",
        "updated",
    ]
)
WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
# "May" is left out: as a bare word it is far more often the modal verb than the month.
MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
NON_PERSON_WORDS = (
    frozenset(
        [
            "department",
            "ministry",
            "bank",
            "group",
            "inc",
            "corp",
            "corporation",
            "co",
            "ltd",
            "llc",
            "plc",
            "university",
            "college",
            "institute",
            "house",
            "senate",
            "congress",
            "party",
            "committee",
            "administration",
            "agency",
            "office",
            "court",
            "council",
            "association",
            "foundation",
            "fund",
            "times",
            "post",
            "journal",
            "news",
            "network",
            "street",
            "reserve",
            "treasury",
            "treasuries",
            "commission",
            "board",
            "union",
            "federation",
            "organization",
            "organisation",
            "campaign",
            "company",
            "club",
            "center",
            "centre",
            "service",
            "services",
            "capital",
            "partners",
            "securities",
            "research",
            "holdings",
            "airlines",
            "motors",
            "bureau",
            "police",
            "army",
            "navy",
            "force",
            "forces",
            "government",
            "parliament",
            "assembly",
            "school",
            "hospital",
            "church",
            "media",
            "tv",
            "radio",
            "channel",
            "magazine",
            "review",
            "press",
            "tribune",
            "herald",
            "watch",
            "international",
            "trust",
            "team",
            "states",
            "kingdom",
            "republic",
            "nations",
            "city",
            "county",
            "province",
            "island",
            "islands",
            "north",
            "south",
            "east",
            "west",
            "central",
            "federal",
            "national",
            "democratic",
            "republican",
            "democrats",
            "republicans",
            "conservative",
            "labour",
            "liberal",
            "times",
            "markets",
            "market",
            "exchange",
            "index",
            "bonds",
            "bond",
            "tariff",
            "tariffs",
            "trade",
            "war",
            "crisis",
            "act",
            "bill",
            "law",
            "day",
            "week",
            "month",
            "year",
            "japan",
            "china",
            "america",
            "american",
            "americans",
            "us",
            "u.s.",
            "usa",
            "uk",
            "u.k.",
            "eu",
            "europe",
            "european",
            "russia",
            "india",
            "germany",
            "france",
            "britain",
            "british",
            "england",
            "london",
            "washington",
            "tokyo",
            "beijing",
            "paris",
            "berlin",
            "moscow",
            "brussels",
            "york",
            "new",
            "los",
            "angeles",
            "san",
            "francisco",
            "chicago",
            "texas",
            "california",
            "florida",
            "ohio",
            "iowa",
            "virginia",
            "carolina",
            "hampshire",
            "nevada",
            "pennsylvania",
            "michigan",
            "wisconsin",
            "arizona",
            "georgia",
            "colorado",
            "asia",
            "africa",
            "pacific",
            "atlantic",
            "korea",
            "iran",
            "iraq",
            "syria",
            "israel",
            "mexico",
            "canada",
            "australia",
            "ukraine",
            "taiwan",
            "chinese",
            "japanese",
            "german",
            "french",
            "facebook",
            "twitter",
            "google",
            "apple",
            "amazon",
            "microsoft",
            "cnn",
            "fox",
            "msnbc",
            "nbc",
            "abc",
            "cbs",
            "bbc",
            "reuters",
            "ap",
            "associated",
            "twitter",
            "instagram",
            "youtube",
            "tv",
            "internet",
            "covid",
            "god",
            "christmas",
            "easter",
            "islam",
            "muslim",
            "muslims",
            "christian",
            "christians",
            "jewish",
            "olympics",
            "gop",
            "white",
            "pentagon",
            "kremlin",
        ]
    )
    | WEEKDAYS
    | MONTHS
    | {"may"}
)
# The last word of a site, building, event or document: never a person, and it does not
# speak either ("Trump Tower", "Quicken Loans Arena", "Corran Plaza"), so no pronoun refers
# to it as a speaker
SITE_HEADS = frozenset(
    [
        "plaza",
        "tower",
        "towers",
        "arena",
        "stadium",
        "coliseum",
        "lake",
        "river",
        "park",
        "square",
        "hall",
        "building",
        "airport",
        "station",
        "bridge",
        "avenue",
        "road",
        "boulevard",
        "street",
        "beach",
        "springs",
        "hill",
        "valley",
        "grounds",
        "satellite",
        "program",
        "programme",
        "project",
        "standard",
        "prize",
        "award",
        "awards",
        "memorial",
        "library",
        "museum",
        "theater",
        "theatre",
        "mosque",
        "temple",
        "cathedral",
        "mall",
        "resort",
        "hotel",
        "casino",
        "convention",
        "conference",
        "summit",
        "debate",
        "primary",
        "caucuses",
        "amendment",
        "constitution",
    ]
)
# The last word of an organisation or outlet whose name could pass for a person's: "Islamic
# State", "Bloomberg Politics", "Drudge Report", "Black Lives Matter"
NON_PERSON_HEADS = SITE_HEADS | frozenset(
    [
        "state",
        "embassy",
        "politics",
        "report",
        "journalism",
        "coalition",
        "alliance",
        "caucus",
        "pac",
        "league",
        "academy",
        "gazette",
        "daily",
        "weekly",
        "online",
        "club",
        "initiative",
        "movement",
        "matter",
    ]
)

TERMINAL = re.compile(r"[.!?…]['’\"”)\]]*$")
