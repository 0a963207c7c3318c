"""Property tests: extraction never raises, spans stay exact, runtime stays linear."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.extraction import _extract
from provenance.extraction.names import TITLE_HEADS

MARKS = "\"'“”‘’„«»‹›"
pieces = st.one_of(
    st.text(max_size=40),
    st.sampled_from(list(MARKS)),
    st.sampled_from([" said ", "He said, ", " Kato ", "\n", ": ", ", ", ". ", "Mr. ", "’s "]),
)
documents = st.lists(pieces, max_size=60).map("".join)


def assert_valid(text: str) -> None:
    quotes = _extract(text)  # the internal entry point: errors surface instead of being eaten
    for index, quote in enumerate(quotes):
        parts = [text[s:e] for s, e in quote.spans]
        assert " ".join(parts) == quote.wording
        assert all(0 <= s < e <= len(text) for s, e in quote.spans)
        assert quote.repeat_of is None or quote.repeat_of < index


@settings(max_examples=400, deadline=None)
@given(documents)
def test_mixed_marks_and_prose(text):
    assert_valid(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_unicode(text):
    assert_valid(text)


def _timed(text: str) -> float:
    start = time.perf_counter()
    assert_valid(text)
    return time.perf_counter() - start


def test_long_paragraphs_stay_linear():
    unit = "Minister Kato said “it is a card, ’90s’ and don’t” while ‘x "
    small = unit * 400
    large = unit * 3400  # ~200 KB single paragraph
    assert len(large) >= 200_000
    t_small, t_large = _timed(small), _timed(large)
    assert t_large < 5.0
    assert t_large < 40 * max(t_small, 0.005)


def test_many_unbalanced_marks():
    text = ("“" * 5000) + ("word " * 5000) + ("’" * 5000) + ('"' * 5001)
    assert _timed(text) < 5.0


# Appositive roles ("Smith, chief strategist at CLSA,") are looked for only in text holding a
# title word; these hold that shortcut to the regexes it stands in front of.
role_pieces = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["chief", "strategist", "Minister", "minister", "spokeswoman", "the", "a"]),
    st.sampled_from(["CLSA", "Treasury", "U.S.", "Fed", "Smith", "analyst", "said", "who"]),
    st.sampled_from([" ", ", ", "; ", ". ", ": ", " at ", " of ", "’s ", "'s ", "(", ")", "“"]),
    st.sampled_from(["~", "\n", "\u00a0", "-", ".", ","]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(role_pieces, max_size=14).map(lambda parts: "," + "".join(parts)))
def test_the_title_word_shortcut_never_hides_an_appositive(tail):
    from provenance.extraction.attribution import _appositive_role, _role_after

    found = _role_after(tail)
    assert _appositive_role(tail) == found
    if found is not None:
        assert any(word.casefold() in TITLE_HEADS for word in found[0].split())


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.one_of(role_pieces, st.sampled_from(sorted(TITLE_HEADS)), st.characters()),
        max_size=16,
    ).map("".join)
)
def test_the_title_piece_test_matches_the_regex_split(tail):
    from provenance.extraction.attribution import _ROLE_BREAKS, _holds_title_piece

    pieces = _ROLE_BREAKS.split(tail)
    assert _holds_title_piece(tail) == (not TITLE_HEADS.isdisjoint(p.casefold() for p in pieces))


# text, often an organisation's possessive, more text, then the comma before a name
# text, often an organisation's possessive and role words, then the comma before a name
role_words = st.lists(
    st.one_of(
        st.sampled_from(sorted(TITLE_HEADS)),
        st.sampled_from(["senior", "deputy", "former", "top", "Chief", "of", "the"]),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=8),
    ),
    max_size=4,
).map(" ".join)
heads = st.tuples(
    st.lists(role_pieces, max_size=4),
    st.sampled_from(["", "CLSA’s ", "Treasury Department's ", "the Fed’s ", "UN's  "]),
    role_words,
    st.lists(role_pieces, max_size=2),
    st.sampled_from([",", ", ", " , ", ",\u00a0", ",\n"]),
).map(lambda parts: "".join(parts[0]) + parts[1] + parts[2] + "".join(parts[3]) + parts[4])


@settings(max_examples=600, deadline=None)
@given(heads)
def test_the_title_word_shortcut_never_hides_a_role_before_a_name(head):
    from provenance.extraction.attribution import _PRE_APPOSITIVE_ROLE, _may_hold_pre_role

    found = _PRE_APPOSITIVE_ROLE.search(head)
    if found and any(word in TITLE_HEADS for word in found.group("role").split()):
        assert _may_hold_pre_role(head)


# capitalised runs: names, honorifics, particles, initials, pronouns and plain words, each
# followed by one of the separators that decide where a run starts and ends
name_tokens = st.one_of(
    st.sampled_from(
        ["Maren", "Dahl", "O’Neill", "McAdam", "MacRae", "Jean-Luc", "He", "She", "It", "Their"]
    ),
    st.sampled_from(["Mr.", "Mrs.", "Sen.", "Sens.", "Gov.", "Capt.", "Sgt.", "Prof.", "Adm."]),
    st.sampled_from(["Mrx.", "Sena.", "Dr", "J.", "U.S.", "A.B.C.", "É", "Ödön", "Ms"]),
    st.sampled_from(["de", "van", "della", "bin", "y", "al", "ten", "dos", "den", "la", "el"]),
    st.sampled_from(["said", "the", "minister", "delta", "yes", "terms", "by", "eleven"]),
    st.text(alphabet="aAbBdDeEmMrRsStTvVyY.’'-", max_size=5),
)
separators = st.sampled_from(
    [" ", " ", " ", "  ", "\u00a0", ". ", ", ", "\n", "’s ", "-", "'", "(", "“", ""]
)
name_texts = st.lists(st.tuples(name_tokens, separators).map("".join), max_size=16).map("".join)


@settings(max_examples=1500, deadline=None)
@given(name_texts)
def test_the_fast_scanners_find_what_their_patterns_find(text):
    from provenance.extraction import lexicon as lx

    assert [m.span() for m in lx.name_sequences(text)] == [
        m.span() for m in lx.NAME_SEQUENCE.finditer(text)
    ]
    assert lx.title_phrases(text) == [m.span() for m in lx.TITLE_PHRASE.finditer(text)]
    assert lx.pronoun_spans(text) == [m.span() for m in lx.PRONOUN.finditer(text)]


cue_texts = st.lists(
    st.one_of(
        st.sampled_from(["said", "says", "according to", "told", "added", "statement"]),
        st.sampled_from(["quoted as saying", "in a statement", "went on", "saying", "as"]),
        st.sampled_from(["é", "ß", "٣", "²", "_", "~", "’", "'", "“", "—", "😀", "𝐀", "x"]),
        st.sampled_from([" ", "\n", "\u00a0", ", ", ".", "("]),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(cue_texts)
def test_the_cue_scan_skips_what_a_word_class_would(text):
    import re

    from provenance.extraction import lexicon as lx

    reference = re.compile(r"[^\w’'~](" + lx.trie_pattern(lx._cue_alternatives) + r")(?![\w’'])")
    assert [m.span(1) for m in lx._cue_after(text)] == [m.span(1) for m in reference.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), st.sampled_from(list(MARKS + "\n‟‚"))), max_size=30))
def test_the_find_scans_find_what_a_character_class_finds(parts):
    import re

    from provenance.extraction.quotes import (
        _DOUBLE_MARKS,
        _SINGLE_MARKS,
        char_positions,
        paragraphs,
    )

    text = "".join(parts)
    assert paragraphs(text) == [m.span() for m in re.finditer(r"[^\n]+", text)]
    for marks in (_DOUBLE_MARKS, _SINGLE_MARKS):
        pattern = "[" + re.escape(marks) + "]"
        assert char_positions(text, marks) == [m.start() for m in re.finditer(pattern, text)]


# word, stop marks, closing marks, then what follows: the pieces a sentence end is made of
stop_texts = st.lists(
    st.tuples(
        st.sampled_from(["Mr", "U.S", "said", "We", "it", "9", "$5", "~x", "(Ore", "J", ""]),
        st.sampled_from(["", ".", "!", "?", "…", "...", "?!", ".."]),
        st.sampled_from(["", "”", "’", ")", "]", "'", '"']),
        st.sampled_from([" ", "  ", "\n", "\u00a0", "\t", " “", " (", "", " '"]),
    ).map("".join),
    max_size=20,
).map("".join)


@settings(max_examples=800, deadline=None)
@given(stop_texts)
def test_sentence_ends_are_the_pattern_matches(text):
    from provenance.extraction.attribution import _SENTENCE_END, _sentence_ends

    assert [m.span() for m in _sentence_ends(text)] == [
        m.span() for m in _SENTENCE_END.finditer(text)
    ]


name_strings = st.lists(
    st.one_of(
        st.sampled_from(["Ann", "Lee", "Mr.", "Smith's", "Jones’", "x.", "abc. ", "(D-Ore.)"]),
        st.sampled_from([" ", "  ", "\u00a0", "\t", "\n", "\u2009", "\x1f", "\u3000", ""]),
        st.text(max_size=3),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(name_strings)
def test_name_cleaning_shortcuts_skip_only_what_changes_nothing(text):
    """parse_speaker and _analyse_name call a substitution only when a substring test passes:
    wherever one is skipped, it would have left the text as it was."""
    from provenance.extraction import attribution, names

    if not any(bracket in text for bracket in "[]{}()<>"):
        assert names._BRACKETS.sub(" ", text) == text
    if not ("  " in text or not text.isprintable()):
        assert names._SPACES.sub(" ", text) == text
    if not ("'" in text or "’" in text):
        assert names._POSSESSIVE.sub("", text) == text
        assert attribution._NAME_POSSESSIVE.sub("", text) == text
    if "." not in text:
        assert attribution._NAME_SENTENCE_BREAK.split(text, maxsplit=1)[0] == text
        assert attribution._NAME_TRAILING_STOP.sub("", text) == text
