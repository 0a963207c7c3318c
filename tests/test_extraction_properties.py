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
