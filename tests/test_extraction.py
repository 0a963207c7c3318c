"""Behavioural tests for extract_quotes on the seeds and on focused, invented snippets."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from provenance.extraction import ExtractedQuote, extract_quotes

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
KATO = "Katsunobu Kato"
SMITH = "Nicholas Smith"


def checked(text: str) -> list[ExtractedQuote]:
    """Extract and assert the span contract on every quote."""
    quotes = extract_quotes(text)
    for quote in quotes:
        parts = [text[s:e] for s, e in quote.spans]
        assert " ".join(parts) == quote.wording
        assert all(part for part in parts)
        assert 0.0 <= quote.confidence <= 1.0
        if quote.kind == "fragment":
            assert quote.speaker is None
    return quotes


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text()


def find(quotes: list[ExtractedQuote], fragment: str) -> ExtractedQuote:
    matches = [q for q in quotes if fragment in q.wording]
    assert matches, f"no quote containing {fragment!r} in {[q.wording for q in quotes]}"
    return matches[0]


# ------------------------------------------------------------------ seeds


def test_seed_000_repeated_article_links_second_copy():
    quotes = checked(seed("000"))
    assert len(quotes) == 8
    for index in range(4):
        assert quotes[index].repeat_of is None
        assert quotes[index + 4].repeat_of == index
        assert quotes[index + 4].wording == quotes[index].wording
    card = quotes[0]
    assert card.wording == "It does exist as a card."
    assert (card.speaker, card.attributed_as, card.cue) == (KATO, "Kato", "responded")
    assert card.speaker_title == "Finance Minister"
    smith = find(quotes, "fundamentally a test of leverage")
    assert smith.speaker == SMITH and smith.cue == "characterized"
    assert smith.speaker_affiliation == "CLSA"
    koll = find(quotes, "transcends normal diplomatic")
    assert koll.speaker == "Jesper Koll" and koll.cue == "observed"
    assert (koll.speaker_title, koll.speaker_affiliation) == ("Senior Analyst", "Monex Group")
    crisis = find(quotes, "national crisis")
    assert crisis.kind == "partial" and crisis.speaker == "Ishiba Shigeru"
    assert crisis.speaker_title == "Prime Minister"


def test_seed_001_remarked():
    (quote,) = checked(seed("001"))
    assert quote.wording.startswith("It does exist as a card, but whether we choose")
    assert (quote.kind, quote.speaker, quote.cue) == ("full", KATO, "remarked")


def test_seed_002_split_pronoun_and_unclosed_tail():
    text = seed("002")
    quotes = checked(text)
    card = find(quotes, "It does exist as a card")
    assert len(card.spans) == 2
    assert card.wording == (
        "It does exist as a card, Whether or not we use that card is a different decision."
    )
    assert (card.speaker, card.attributed_as) == (KATO, "He")
    assert find(quotes, "reciprocal").kind == "fragment"
    tail = find(quotes, "This is a street fight")
    assert tail.spans[-1][1] == len(text.rstrip())
    assert tail.speaker == SMITH and tail.kind == "full"
    assert tail.speaker_title == "chief Japan strategist" and tail.speaker_affiliation == "CLSA"


def test_seed_003_partials_and_headline():
    quotes = checked(seed("003"))
    card = find(quotes, "exists as a card")
    assert (card.kind, card.speaker, card.cue) == ("partial", KATO, "stating")
    headline = find(quotes, "National Crisis")
    assert headline.kind == "headline"
    crisis = find(quotes, "national crisis,")
    assert (crisis.kind, crisis.speaker) == ("partial", "Yoshihide Suga")
    passive = find(quotes, "will no longer remain passive")
    assert (passive.kind, passive.speaker, passive.cue) == ("partial", KATO, "declaring")


def test_seed_004_colon_without_space_split_quote_and_fragments():
    quotes = checked(seed("004"))
    card = find(quotes, "It does exist as a card.")
    assert (card.kind, card.speaker, card.attributed_as, card.cue) == (
        "full",
        KATO,
        "Minister Kato",
        ":",
    )
    assert find(quotes, "reciprocal tariffs").kind == "fragment"
    assert next(q for q in quotes if q.wording == "card").kind == "fragment"
    street = find(quotes, "street fight now")
    assert len(street.spans) == 2 and street.speaker == SMITH
    assert street.attributed_as == "CLSA’s Nicholas Smith" and street.speaker_affiliation == "CLSA"
    table = find(quotes, "a card on the table")
    assert (table.kind, table.speaker) == ("partial", KATO)
    nice = find(quotes, "We’re done playing nice.")
    assert nice.kind == "full" and nice.confidence <= 0.5
    # "They’re warning" refers to Japan: a country speaks as an organisation, never a person
    assert nice.attributed_as == "They" and nice.speaker_kind == "organisation"
    assert (card.speaker_kind, street.speaker_kind) == ("person", "person")


# ------------------------------------------------------------------ quote marks


def test_straight_quotes_and_said_x():
    text = '"The deal is off," said Mayor Lena Ortiz. Ortiz later added: "We will try again."'
    first, second = checked(text)
    assert (first.wording, first.speaker, first.cue) == ("The deal is off,", "Lena Ortiz", "said")
    assert second.speaker == "Lena Ortiz" and second.cue == "added"


def test_single_quotes_nested_inside_double_are_not_separate():
    text = "“They called it a ‘pause’ and we believed them,” said Omar Haddad."
    (quote,) = checked(text)
    assert quote.wording == "They called it a ‘pause’ and we believed them,"
    assert quote.speaker == "Omar Haddad"


def test_british_single_quotes_survive_apostrophes():
    text = (
        "‘We don’t want Japan’s old rules back, not since the ’90s,’ said Gwen Ellery. "
        "The students’ union agreed."
    )
    (quote,) = checked(text)
    assert quote.wording == "We don’t want Japan’s old rules back, not since the ’90s,"
    assert quote.speaker == "Gwen Ellery"


def test_multi_paragraph_quote_is_one_utterance_with_a_span_per_paragraph():
    text = (
        "Inspector Carla Mendes said: “The first witness left before dawn.\n"
        "“The second one never arrived at all.”\nThe case continues."
    )
    (quote,) = checked(text)
    assert len(quote.spans) == 2
    assert quote.wording == (
        "The first witness left before dawn. The second one never arrived at all."
    )
    assert quote.speaker == "Carla Mendes"


def test_unclosed_quote_stops_at_paragraph_end():
    text = "Pilot Ana Brook said, “We saw the lights over the bay\nThe airport denied it."
    (quote,) = checked(text)
    assert quote.wording == "We saw the lights over the bay"
    assert quote.speaker == "Ana Brook"


def test_stray_mark_does_not_swallow_the_article():
    text = (
        'A 12" pipe burst near “ the depot.\nCrews worked overnight.\n'
        "“It will take a week,” said engineer Rui Alves.\nRoads reopened on Friday."
    )
    quotes = checked(text)
    assert [q.wording for q in quotes] == ["It will take a week,"]
    assert quotes[0].speaker == "Rui Alves"


# ------------------------------------------------------------------ attribution patterns


@pytest.mark.parametrize(
    ("text", "speaker", "cue"),
    [
        ("“Prices will fall,” Hana Kim said.", "Hana Kim", "said"),
        ("“Prices will fall,” said Hana Kim.", "Hana Kim", "said"),
        ("Hana Kim said: “Prices will fall.”", "Hana Kim", "said"),
        ("Hana Kim said, “Prices will fall.”", "Hana Kim", "said"),
        (
            "Hana Kim, chief economist at Delta Bank, warned: “Prices will fall.”",
            "Hana Kim",
            "warned",
        ),
        ("Prices are “about to fall,” according to Hana Kim.", "Hana Kim", "according to"),
        ("Hana Kim insisted, “Prices will fall.”", "Hana Kim", "insisted"),
        ("Hana Kim tweeted: “Prices will fall.”", "Hana Kim", "tweeted"),
        ("Hana Kim replied with a smile: “Prices will fall.”", "Hana Kim", "replied"),
    ],
)
def test_attribution_patterns(text, speaker, cue):
    quotes = checked(text)
    assert quotes and quotes[0].speaker == speaker and quotes[0].cue == cue


def test_appositive_role_and_affiliation_are_captured():
    text = "Dara Quinn, senior analyst at Halden Partners, said, “Demand is recovering.”"
    (quote,) = checked(text)
    assert quote.speaker_title == "senior analyst"
    assert quote.speaker_affiliation == "Halden Partners"


def test_she_does_not_resolve_to_a_mr():
    text = (
        "Mr. Paul Grant met Judge Alice Moreau on Monday. Mr. Grant left early.\n"
        "She said, “The hearing will resume in March.”"
    )
    (quote,) = checked(text)
    assert quote.speaker == "Alice Moreau" and quote.attributed_as == "She"


def test_title_phrase_resolves_to_the_person_given_that_title():
    text = (
        "Foreign Minister Ilse Varga met the ambassador on Monday.\n"
        "“We expect answers by Friday,” the minister said."
    )
    (quote,) = checked(text)
    assert quote.speaker == "Ilse Varga" and quote.attributed_as == "the minister"


def test_quote_only_paragraph_continues_previous_speaker():
    text = (
        "“The bridge is safe,” engineer Tomas Reyes said.\n"
        "“We inspected every cable twice.”\nTraffic resumed at noon."
    )
    first, second = checked(text)
    assert second.speaker == "Tomas Reyes" and second.confidence < first.confidence


def test_family_name_first_and_surname_only_resolve_to_one_person():
    text = "Prime Minister Ishida Kenji spoke on Monday.\n“We will not retreat,” Ishida said."
    (quote,) = checked(text)
    assert quote.speaker == "Ishida Kenji" and quote.speaker_title == "Prime Minister"


def test_fragment_headline_and_partial_kinds():
    text = (
        "Mayor calls plan a “disaster”\n"
        "The so-called “smart” meters arrived on Monday. Mayor Ida Holm called the "
        "rollout “a disaster for pensioners” during the meeting."
    )
    quotes = checked(text)
    assert [q.kind for q in quotes] == ["headline", "fragment", "partial"]
    assert quotes[2].speaker == "Ida Holm" and quotes[2].cue == "called"


def test_one_word_quote_with_speaker_is_partial():
    (quote,) = checked("Senator Joan Pike described the plan as “reckless.”")
    assert quote.kind == "partial" and quote.speaker == "Joan Pike"


def test_role_between_names_makes_the_later_name_the_speaker():
    text = "“The scores are final,” said Harbour Trust spokeswoman Lina Okafor."
    (quote,) = checked(text)
    assert quote.speaker == "Lina Okafor"


def test_question_mark_quote_keeps_its_following_attribution():
    text = "“Who pays for the piles?” Councillor Ben Aldous (Ind.) asked. The room fell quiet."
    (quote,) = checked(text)
    assert quote.speaker == "Ben Aldous" and quote.cue == "asked"


def test_woven_quote_takes_the_subject_of_a_stance_verb():
    text = "Director Petra Hollis accused the trust of running a “closed shop” on contracts."
    (quote,) = checked(text)
    assert quote.kind == "partial" and quote.speaker == "Petra Hollis"


def test_woven_quote_takes_a_sentence_final_attribution():
    text = (
        "The tender was “a done deal before it opened” for some firms, Quill Demaris, a "
        "bidder, told reporters on Wednesday."
    )
    (quote,) = checked(text)
    assert quote.kind == "partial" and quote.speaker == "Quill Demaris"


def test_pronoun_prefers_the_latest_subject_over_the_last_speaker():
    text = (
        "“The deck is finished,” said Aldo Varrick.\n"
        "Engineer Quill Demaris then spent four hours under the deck.\n"
        "“The piles are sound,” she said."
    )
    first, second = checked(text)
    assert first.speaker == "Aldo Varrick" and second.speaker == "Quill Demaris"


def test_conflicting_given_name_is_another_person():
    text = (
        "Anna Kessler runs the pier café.\n"
        "“We open on Friday,” Jonas Kessler said.\n“Not before Monday,” Kessler added."
    )
    first, second = checked(text)
    assert first.speaker == "Jonas Kessler" and second.speaker == "Jonas Kessler"


def test_signature_line_after_a_quote_paragraph():
    text = (
        "Residents spoke at the open evening.\n\n“It is the best thing the town has built.”"
        "\n\n– Rosa Delgado, harbour pilot\n"
    )
    (quote,) = checked(text)
    assert quote.speaker == "Rosa Delgado"


def test_consecutive_quotes_with_their_own_attributions_stay_apart():
    text = "“Boats moor free,” said Aldo Varrick. “Yachts pay,” added Quill Demaris."
    first, second = checked(text)
    assert first.speaker == "Aldo Varrick" and second.speaker == "Quill Demaris"


def test_capitalised_or_determined_cue_words_are_not_cues():
    text = "The State Department notice was “out of date,” port manager Ines Marlow said."
    (quote,) = checked(text)
    assert quote.speaker == "Ines Marlow" and quote.cue == "said"


def test_group_subject_after_an_exclamation():
    (quote,) = checked("“Open it!” the crowd chanted as the mayor reached for the ribbon.")
    assert quote.kind == "full" and quote.attributed_as == "the crowd"
    assert quote.speaker is None


def test_woven_quote_with_comma_inside_takes_a_following_said_x():
    text = "The deck is “the best view in the county,” said Rosa Delgado, a harbour pilot."
    (quote,) = checked(text)
    assert quote.kind == "partial" and quote.speaker == "Rosa Delgado"


def test_markup_attribute_values_are_not_quotes():
    text = '<tweet author="@harbourtrust" datetime="2016-07-23">Pier opens today.</tweet>'
    assert checked(text) == []


@pytest.mark.parametrize("text", ["", "no quotes at all", "“", '"""', "‘’’‘", "\n\n“\n”"])
def test_degenerate_inputs_do_not_raise(text):
    checked(text)


# ------------------------------------------------------------------ pronoun antecedents


def test_pronoun_they_for_an_organisation_is_not_a_person():
    text = (
        "The Corran Ferry Board met on Monday. They said in a statement that "
        "“every crossing will run on time this winter.”\n\n"
        "Ines Varga, who chairs the board, arrived late. “We owe the island that,” she said."
    )
    board, varga = [q for q in checked(text) if q.kind != "fragment"]
    assert (board.attributed_as, board.speaker_kind) == ("They", "organisation")
    assert (varga.speaker, varga.speaker_kind) == ("Ines Varga", "person")


def test_he_never_resolves_to_a_country_or_a_place():
    text = (
        "Kemal Arslan spoke for an hour at the harbour. Japan sent a trade envoy.\n\n"
        "Afterwards the crowd walked to Corran Plaza for the fireworks. "
        "“Nobody expected this many people,” he said."
    )
    (quote,) = checked(text)
    assert quote.speaker == "Kemal Arslan" and quote.speaker_kind == "person"


def test_pronoun_skips_names_after_a_preposition_for_the_clause_subject():
    text = (
        "Piet Roos spent the morning with Anton Weiss.\n\n"
        "During a lunch with Weiss at the harbour, Roos said little. “We will see,” he said."
    )
    (quote,) = checked(text)
    assert quote.speaker == "Piet Roos"


def test_subject_pronoun_carries_its_antecedent_to_the_next_quote():
    text = (
        "Piet Roos arrived late to the hearing on Tuesday. He had argued with Anton Weiss "
        "about the budget for weeks.\n\n“The numbers were never right,” he said."
    )
    (quote,) = checked(text)
    assert quote.speaker == "Piet Roos"


def test_name_before_a_role_is_a_modifier_not_the_subject():
    text = (
        "Mayor Anton Weiss spoke first at the meeting on the ferry budget.\n\n"
        "Weiss adviser Cal Rennick made the same point later that week. "
        "“It was never about money,” he said."
    )
    (quote,) = checked(text)
    assert quote.speaker == "Cal Rennick"


def test_gender_of_an_unknown_given_name_is_read_from_a_following_pronoun():
    text = (
        "Odile Brun and Lazaro Quint testified on Monday. Quint said little, only that he "
        "understood the charges.\n\n“They are all accurate,” she said."
    )
    (quote,) = checked(text)
    assert quote.speaker == "Odile Brun"


# ------------------------------------------------------------------ scare quotes


def test_stance_verb_with_a_generic_subject_labels_a_term():
    text = (
        "The board promoted the plan as “reciprocal” in its annual letter. "
        "The ministry described the levy as “temporary” on Monday."
    )
    assert [(q.wording, q.kind, q.speaker) for q in checked(text)] == [
        ("reciprocal", "fragment", None),
        ("temporary", "fragment", None),
    ]


def test_stance_verb_with_a_person_or_speech_verb_keeps_partial_speech():
    person = checked("Mayor Lena Ortiz promoted the plan as “a fair deal for everyone” today.")
    assert [(q.kind, q.speaker) for q in person] == [("partial", "Lena Ortiz")]
    (filing,) = checked("The lawsuit says the company acted with “reckless disregard” for safety.")
    assert (filing.kind, filing.attributed_as) == ("partial", "The lawsuit")


# ------------------------------------------------------------------ measured quality


def _load_eval_module():
    spec = importlib.util.spec_from_file_location(
        "eval_extraction", ROOT / "bench" / "eval_extraction.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("subset", ["seeds", "own"])
def test_labelled_eval_set_meets_thresholds(subset):
    summary = _load_eval_module().evaluate_gold_set(ROOT / "tests" / "eval" / subset)
    assert summary["f1"] >= 0.95
    assert summary["speaker_accuracy"] >= 0.95
    assert summary["kind_accuracy"] >= 0.9


# A two-article split in brat standoff, in our own words: one quote with a named source, one
# with a pronoun source.
_SPLIT_TEXTS = {
    "pier_0001": "“We will rebuild the pier by May,” said Ana Ruiz, the harbour master.",
    "ferry_0002": "Tomas Berg rode the ferry. “The fares are too high,” he said.",
}
_SPLIT_ANNOTATIONS = {
    "pier_0001": "T1\tContent 0 34\t“We will rebuild the pier by May,”\n"
    "T2\tCue 35 39\tsaid\nT3\tSource 40 48\tAna Ruiz\n"
    "E1\tAttribution:T2 Content:T1 Cue:T2 Source:T3\n",
    "ferry_0002": "T1\tContent 27 52\t“The fares are too high,”\n"
    "T2\tCue 56 60\tsaid\nT3\tSource 53 55\the\n"
    "E1\tAttribution:T2 Content:T1 Cue:T2 Source:T3\n",
}


def _write_split(root, name="harbour"):
    """A split named so that no hand-resolved pronoun gold applies (there is one for dev)."""
    split = root / name
    (split / "attributions").mkdir(parents=True)
    (split / "text").mkdir()
    for article, text in _SPLIT_TEXTS.items():
        (split / "text" / f"{article}.txt").write_text(text, encoding="utf-8")
        (split / "attributions" / f"{article}_a1.ann").write_text(
            _SPLIT_ANNOTATIONS[article], encoding="utf-8"
        )
    return split


def test_polnear_evaluation_scores_a_small_split(tmp_path):
    for article, text in _SPLIT_TEXTS.items():  # the offsets above hold
        for line in _SPLIT_ANNOTATIONS[article].splitlines():
            if line.startswith("T"):
                _, info, covered = line.split("\t")
                start, end = map(int, info.split()[1:])
                assert text[start:end] == covered
    summary = _load_eval_module().evaluate_polnear(_write_split(tmp_path))["trimmed"]
    assert (summary["precision"], summary["recall"]) == (1.0, 1.0)
    assert summary["name_accuracy"] == 1.0 and summary["name_n"] == 1
    # no hand gold and no CoreNLP file for this split: the pronoun case is left unresolved
    assert summary["counts"]["pronoun_unresolved"] == 1


def _eval_error(capsys, *argv):
    with pytest.raises(SystemExit) as stopped:
        _load_eval_module().main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and "fix:" in err
    assert "Traceback" not in err
    return err


def test_polnear_evaluation_rejects_wrong_folders_in_one_line(tmp_path, capsys, monkeypatch):
    assert "no such folder" in _eval_error(capsys, tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    assert "a file, not a folder" in _eval_error(capsys, tmp_path / "file.txt")
    assert "no attributions/*.ann" in _eval_error(capsys, tmp_path)
    test_split = _write_split(tmp_path, "test")
    assert "held out" in _eval_error(capsys, test_split)
    assert "held out" in _eval_error(capsys, test_split / "attributions" / "..")
    monkeypatch.chdir(test_split)
    assert "held out" in _eval_error(capsys, ".")
    split = _write_split(tmp_path, "q")
    (split / "text" / "ferry_0002.txt").unlink()
    assert "1 of 2 annotated articles have no text" in _eval_error(capsys, split)
    assert "--errors needs a number" in _eval_error(capsys, split, "--errors")
    assert "--errors needs a number" in _eval_error(capsys, split, "--errors", "²")
    assert "given twice" in _eval_error(capsys, split, "--errors", "3", "--errors", "4")
    assert "lists a PolNeAR split's errors" in _eval_error(capsys, "--errors", "3")
    assert "unexpected argument '--fast'" in _eval_error(capsys, split, "--fast")


def test_polnear_evaluation_names_a_damaged_file(tmp_path, capsys):
    split = _write_split(tmp_path)
    ann = split / "attributions" / "pier_0001_a1.ann"
    ann.write_text("T1\tContent 0 x4\tbroken\n", encoding="utf-8")
    assert f"{ann}:1: not a brat standoff line" in _eval_error(capsys, split)
    ann.write_text("T1\tContent 30 10\tbackwards\n", encoding="utf-8")
    assert f"{ann}:1: not a brat standoff line" in _eval_error(capsys, split)
    ann.write_text("T1\tContent 0 900\ttoo long\n", encoding="utf-8")
    assert "ends past the end of text/pier_0001.txt" in _eval_error(capsys, split)
    ann.write_bytes(b"\xff\xfe\x00junk")
    assert f"{ann}: cannot read it" in _eval_error(capsys, split)
    ann.write_text(_SPLIT_ANNOTATIONS["pier_0001"], encoding="utf-8")
    # a pronoun source makes the evaluator read CoreNLP's file for that article
    (split / "corenlp").mkdir()
    coref = split / "corenlp" / "ferry_0002.txt.xml"
    coref.write_text("")
    assert "not a CoreNLP XML file" in _eval_error(capsys, split)
    # well-formed XML, but a token without its offsets
    coref.write_text(
        "<root><document><sentences><sentence id='1'><tokens><token id='1'><word>he</word>"
        "</token></tokens></sentence></sentences></document></root>"
    )
    assert "not a CoreNLP XML file" in _eval_error(capsys, split)


def test_polnear_evaluation_names_the_split_given_as_its_own_folder(tmp_path, capsys, monkeypatch):
    """ "." is the split it stands for: its name picks the hand-resolved pronoun gold."""
    module = _load_eval_module()
    split = _write_split(tmp_path, "dev")
    monkeypatch.chdir(split)
    module.main(["."])
    assert capsys.readouterr().out.startswith("PolNeAR dev [trimmed]")


def test_own_eval_set_is_large_enough():
    assert len(list((ROOT / "tests" / "eval" / "own").glob("*.json"))) >= 12


# ------------------------------------------------ split quotes with an adjunct in the gap


@pytest.mark.parametrize(
    "gap",
    [
        "Marta Ilves said in a statement.",
        "Marta Ilves said in remarks about the harbour tax.",
        "Marta Ilves said when asked about the harbour tax.",
        "Marta Ilves said, when asked how the harbour tax would hit fishermen.",
        "said Marta Ilves in an interview.",
        "Marta Ilves said, referring to the audit report on the harbour.",
        "Marta Ilves said, adding later,",
    ],
)
def test_split_quote_with_an_adjunct_in_its_attribution_is_one_utterance(gap):
    first, second = "The harbour tax will sink us,", "Nobody here asked for it."
    text = f"The council met on Friday.\n\n“{first}” {gap} “{second}”\n"
    quotes = [q for q in checked(text) if q.kind != "fragment"]
    assert len(quotes) == 1
    (quote,) = quotes
    assert quote.speaker == "Marta Ilves"
    assert quote.kind == "full"
    assert [text[s:e] for s, e in quote.spans] == [first, second]
    assert quote.wording == f"{first} {second}"


@pytest.mark.parametrize(
    ("gap", "second_speaker"),
    [
        # another speaker answers: two utterances
        ("Marta Ilves said in a statement. Jon Berg replied:", "Jon Berg"),
        # a cue with a subject of its own inside the adjunct
        ("Marta Ilves said when Jon Berg asked her about the tax.", None),
        # the adjunct ends in another sentence of reporter prose
        ("Marta Ilves said in a statement. The mayor disagreed.", None),
    ],
)
def test_split_quote_gap_with_another_clause_stays_two_quotes(gap, second_speaker):
    text = (
        "The council met on Friday.\n\n"
        f"“The harbour tax will sink us,” {gap} “Nobody here asked for it.”\n"
    )
    quotes = [q for q in checked(text) if q.kind != "fragment"]
    assert [len(q.spans) for q in quotes] == [1, 1]
    assert quotes[0].speaker == "Marta Ilves"
    if second_speaker is not None:
        assert quotes[1].speaker == second_speaker


def test_participle_introducing_a_woven_quote_is_not_a_continuation():
    text = (
        "“We see no link to the fire,” the chief said, adding that the inquiry would need "
        "“several more weeks” to finish.\n"
    )
    quotes = checked(text)
    assert all(len(q.spans) == 1 for q in quotes)
    assert quotes[0].wording == "We see no link to the fire,"


# ------------------------------------------ a quote cut off before its full stop is prose


@pytest.mark.parametrize(
    "lead",
    [
        "Tomas Reyes said, “",
        "At the harbour on Monday evening, Tomas Reyes said: “",
    ],
)
def test_reported_quote_cut_off_before_its_stop_is_not_a_headline(lead):
    cut = "Nobody on this coast voted for a port that"
    text = (
        f"Port plan splits the coast\n\nThe vote is next week.\n\n{lead}{cut}”\n\nIt opens soon.\n"
    )
    (quote,) = checked(text)
    assert quote.kind == "full"
    assert quote.speaker == "Tomas Reyes"
    assert quote.wording == cut


def test_split_quote_whose_second_part_is_cut_off_is_one_utterance():
    text = (
        "The vote is next week.\n\n"
        "“We will fight it,” Tomas Reyes said. “Nobody on this coast voted for a port that”\n"
    )
    (quote,) = checked(text)
    assert quote.kind == "full" and quote.speaker == "Tomas Reyes"
    assert quote.wording == "We will fight it, Nobody on this coast voted for a port that"
    assert len(quote.spans) == 2


def test_present_tense_quote_line_is_still_a_headline():
    text = "Reyes says “the port must wait”\n\nThe vote is next week.\n"
    quotes = checked(text)
    assert quotes[0].kind == "headline"


def test_mid_article_present_tense_heading_with_a_quote_stays_a_headline():
    text = "The vote is next week.\n\nReyes says “no port”\n\nThe port opens in May.\n"
    (quote,) = checked(text)
    assert quote.kind == "headline"


def test_hand_resolved_pronoun_gold_is_complete_and_holds_no_article_text():
    module = _load_eval_module()
    gold = module.hand_pronoun_gold("dev")
    raw = json.loads((ROOT / "tests" / "eval" / "polnear_pronoun_gold_dev.json").read_text())
    assert len(raw["cases"]) == 150  # one per attribution; a pronoun may source two
    for case in raw["cases"]:
        assert gold[(case["article"], case["source_start"])] == case["speaker"]
    for case in raw["cases"]:
        assert set(case) == {
            "article",
            "source_start",
            "source_end",
            "pronoun",
            "speaker",
            "annotator_a",
            "annotator_b",
        }
        assert case["source_end"] - case["source_start"] == len(case["pronoun"])
        assert (case["annotator_a"] is None) == (case["annotator_b"] is None)
    assert module.hand_pronoun_gold("test") is None  # the test split is never annotated
