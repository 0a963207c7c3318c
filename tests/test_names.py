"""Name normalisation and cross-document person matching."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.extraction.names import (
    SpeakerName,
    _fold,
    gender_of,
    name_key,
    normalise_name,
    parse_speaker,
    same_person,
    split_title,
)


def test_normalise_strips_titles_possessives_brackets_and_case():
    assert normalise_name("Finance Minister Katsunobu Kato’s") == "katsunobu kato"
    assert normalise_name("[Srijana  lama]") == "srijana lama"
    assert normalise_name("Mr. Paul Grant") == "paul grant"
    assert normalise_name("Katō") == "kato"


def test_name_key_ignores_order():
    assert name_key("Kato Katsunobu") == name_key("Katsunobu Kato")


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ("Kato", "Katsunobu Kato", "same"),
        ("Finance Minister Katsunobu Kato", "Minister Kato", "same"),
        ("Prime Minister Ishiba Shigeru", "Shigeru Ishiba", "same"),
        ("J. Smith", "John Smith", "same"),
        ("Yoshihide Suga", "Shigeru Suga", "possible"),
        ("Bill Smith", "Nicholas Smith", "possible"),  # "Bill" is a given name here, not a law
        ("Nicholas Smith", "Jesper Koll", "different"),
        ("", "Kato", "different"),
    ],
)
def test_same_person(a, b, verdict):
    assert same_person(a, b) == verdict
    assert same_person(b, a) == verdict


def test_split_title_and_affiliation():
    assert split_title("Finance Minister Katsunobu Kato") == ("Finance Minister", "Katsunobu Kato")
    assert split_title("Nicholas Smith") == (None, "Nicholas Smith")
    parsed = parse_speaker("CLSA’s Nicholas Smith")
    assert (parsed.title, parsed.name, parsed.affiliation) == (None, "Nicholas Smith", "CLSA")
    parsed = parse_speaker("Japan’s Finance Minister Katsunobu Kato")
    assert (parsed.title, parsed.name, parsed.affiliation) == (
        "Finance Minister",
        "Katsunobu Kato",
        "Japan",
    )
    assert split_title("the minister") == ("minister", "")


def test_gender_cues():
    assert gender_of("Mr. Grant") == "m"
    assert gender_of("Alice Moreau") == "f"
    assert gender_of("Kato", "spokeswoman") == "f"
    assert gender_of("Zorbal Quenn") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_fold_shortcut_for_ascii_matches_full_normalisation(text: str) -> None:
    """_fold skips Unicode normalisation for ASCII text; the result must not change."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    full = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    assert _fold(text) == full


def test_possessive_affiliation_keeps_every_word_before_the_mark() -> None:
    assert parse_speaker("CLSA's Nicholas Smith") == SpeakerName(None, "Nicholas Smith", "CLSA")
    assert parse_speaker("Bank of Japan’s Kazuo Ueda").affiliation == "Bank of Japan"
    assert parse_speaker("Smith's").affiliation is None  # a lone possessive names nobody else


def test_name_memos_stay_bounded_and_right_after_starting_over() -> None:
    from provenance.extraction import names

    first = names.parse_speaker("CLSA's Nicholas Smith")
    for index in range(names.MEMO_LIMIT + 10):
        names.normalise_name(f"Person Number{index}")
    assert len(names._NORMALISED) <= names.MEMO_LIMIT
    assert len(names._PARSED) <= names.MEMO_LIMIT
    # an entry dropped when its memo started over is computed again, the same
    assert names.parse_speaker("CLSA's Nicholas Smith") == first
    assert (first.affiliation, first.name) == ("CLSA", "Nicholas Smith")
    assert names.normalise_name("Finance Minister Katsunobu Kato") == "katsunobu kato"
    assert names.gender_of("Mr Kato") == "m" and names.gender_of("Kato") is None
    assert names.same_person("Kato", "Katsunobu Kato") == "same"
