"""Text normalisation shared by comparison, candidate keys and the engine.

Two renderings of one quote differ in typography far more often than in words, so every
comparison works on ``normalise(text)``: typographic noise removed, word order kept.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Apostrophe-like characters that outlets use interchangeably ("don't" == "don’t").
_APOSTROPHES = "\u2019\u2018\u02bc\u02bb\u0060\u00b4\u2032\u2035\uff07\u201b"
# Dash-like characters (hyphen variants, en/em dashes, minus): all become a word break.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d-"
# Replaced one character at a time, not with str.translate: a dict table makes translate
# look every other character up too, raising and clearing a KeyError for each (a third of
# the cost of normalising a non-ASCII wording). No replacement is itself replaced, so the
# order does not matter.
_REPLACEMENTS = tuple((c, "'") for c in _APOSTROPHES) + tuple((c, " ") for c in _DASHES)
_ELLIPSIS = re.compile(r"\.{2,}|\u2026")
# Anything that is not a letter, digit or apostrophe separates words.
_NON_WORD = re.compile(r"[^\w']+|_+")
_EDGE_APOS = re.compile(r"(?<!\w)'+|'+(?!\w)")

# fmt: off
STOPWORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
        "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being",
        "below", "between", "both", "but", "by", "can", "can't", "cannot", "could", "couldn't",
        "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each",
        "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "got", "had",
        "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's",
        "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's",
        "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's",
        "its", "itself", "just", "let's", "like", "made", "make", "many", "may", "me", "might",
        "more", "most", "much", "must", "mustn't", "my", "myself", "no", "nor", "not", "now",
        "of", "off", "on", "once", "one", "only", "or", "other", "ought", "our", "ours",
        "ourselves", "out", "over", "own", "really", "said", "same", "say", "says", "shall",
        "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "so", "some",
        "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves",
        "then", "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've",
        "this", "those", "through", "to", "too", "under", "until", "up", "upon", "us", "very",
        "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't", "what",
        "what's", "when", "when's", "where", "where's", "whether", "which", "while", "who",
        "who's", "whom", "why", "why's", "will", "with", "won't", "would", "wouldn't", "yet",
        "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves",
    ]
)
# fmt: on


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Canonical comparison form: NFKC, casefolded, one apostrophe style, no punctuation.

    Ellipses and dashes become word breaks so "test—of" and "test... of" match "test of".
    """
    return _normalise_ascii(text) if text.isascii() else _normalise_any(text)


def _normalise_any(text: str) -> str:
    t = _typographic(unicodedata.normalize("NFKC", text))
    if t.isascii():
        # Typographic quotes, apostrophes and dashes were all there was to normalise (most
        # non-ASCII wordings): the rest is `_normalise_ascii`'s table, not four regex passes
        # over the text (about 10x fewer instructions). Dots become word breaks either way.
        return _normalise_ascii(t)
    return _normalise_passes(t)


def _normalise_reference(text: str) -> str:
    """What `normalise` must return, by the general path alone (tests compare the shortcuts
    with it)."""
    return _normalise_passes(_typographic(unicodedata.normalize("NFKC", text)))


def _typographic(text: str) -> str:
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text


def _normalise_passes(t: str) -> str:
    t = _ELLIPSIS.sub(" ", t).casefold()
    t = _NON_WORD.sub(" ", t)
    t = _EDGE_APOS.sub(" ", t)
    return " ".join(t.split())


def _ascii_map() -> bytes:
    """Letters lowercased, digits kept, ` and ' as apostrophes, anything else a word break."""
    table = bytearray(b" " * 256)
    for c in b"abcdefghijklmnopqrstuvwxyz0123456789'":
        table[c] = c
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[c] = c + 32
    table[ord("`")] = ord("'")
    return bytes(table)


_ASCII_MAP = _ascii_map()


def _normalise_ascii(text: str) -> str:
    """``_normalise_any`` for ASCII text (98% of the benchmark corpus's wordings), where NFKC
    changes nothing and casefold is lower(): one C-level table lookup per character instead
    of four regex passes, about 7x fewer instructions. Apostrophes are the one case left: one
    inside a word stays, one at a word's edge (or doubled) breaks it, as `_EDGE_APOS` says."""
    t = text.encode("ascii").translate(_ASCII_MAP).decode("ascii")
    if "'" not in t or not (
        # Only letters, digits, apostrophes and spaces are left: without an apostrophe next
        # to a space, another apostrophe or an end, every one is inside a word and stays.
        t[0] == "'" or t[-1] == "'" or " '" in t or "' " in t or "''" in t
    ):
        return " ".join(t.split())
    return " ".join(
        [
            word
            for token in t.split()
            for word in ((token,) if "'" not in token else _EDGE_APOS.sub(" ", token).split())
        ]
    )


def words(text: str) -> list[str]:
    """Word tokens of ``normalise(text)`` (already normalised text passes through unchanged)."""
    return normalise(text).split()


def stem(word: str) -> str:
    """Crude, deterministic stem (5-char prefix): "exists"/"exist" and "weapon"/"weapons" meet.

    Used only for candidate keys and content overlap, never for deciding a relation alone.
    """
    w = word.replace("'", "")
    return w[:5]


def is_content(word: str) -> bool:
    """A word that carries meaning (not a stopword, not a 1-letter token)."""
    return len(word) > 1 and word not in STOPWORDS


def word_weight(word: str) -> float:
    """Specificity weight of a word: stopwords count little, long content words more.

    Without corpus statistics, length is a serviceable proxy for rarity.
    """
    if not is_content(word):
        return 0.15
    if len(word) >= 8:
        return 1.4
    if len(word) <= 3:
        return 0.7
    return 1.0


def content_stems(text: str) -> list[str]:
    """Stems of the content words of ``text`` in order."""
    return [stem(w) for w in words(text) if is_content(w)]


@lru_cache(maxsize=262144)
def word_info(word: str) -> tuple[str, float, bool, str]:
    """(stem, weight, is_content, word) of one normalised word, cached: vocabularies are small.

    The returned ``word`` is one shared string object per cached word (saves memory in
    token lists).
    """
    return stem(word), word_weight(word), is_content(word), word
