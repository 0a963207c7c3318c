"""Synthetic news corpus with ground truth for quote linking (deterministic, fast).

    python bench/synth.py --articles N --seed S --out DIR

Writes ``DIR/articles/KKK/NNNNNN.txt`` (plain English prose from templates; all people,
outlets, places and events are invented), ``DIR/manifest.csv``
(path,outlet,title,author,url,published_at) and ``DIR/truth.jsonl`` (one JSON object per
line, ``type`` = meta | speaker | utterance | occurrence | drift | conflict).

Quotes spread over several days and outlets and mutate on the way: exact copies, punctuation
and apostrophe styles, truncation, extension, word swaps, sentence reordering, translation-like
rewording, paraphrase drift presented as a direct quote, misattribution to another speaker,
partial quotes and scare quotes, repeated passages, and several different remarks by the same
speaker on the same day. Same N and seed give byte-identical output.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# --------------------------------------------------------------------------- vocabulary
FIRST = [
    "Amara",
    "Bogdan",
    "Celia",
    "Dario",
    "Elin",
    "Farid",
    "Greta",
    "Hollis",
    "Ines",
    "Jorund",
    "Kaveh",
    "Lidia",
    "Mateo",
    "Nadia",
    "Orrin",
    "Petra",
    "Quill",
    "Rosalind",
    "Soren",
    "Talia",
    "Ulric",
    "Vesna",
    "Wendel",
    "Xenia",
    "Yusuf",
    "Zora",
    "Anselm",
    "Brisa",
    "Cosmo",
    "Delphine",
    "Emeric",
    "Fenna",
    "Gideon",
    "Hana",
    "Ivo",
    "Jessamy",
    "Kellan",
    "Liesel",
    "Marek",
    "Noor",
    "Oswin",
    "Priya",
    "Radek",
    "Selma",
    "Tobias",
    "Una",
    "Viggo",
    "Willa",
    "Yara",
    "Zeno",
    "Adaeze",
    "Bastien",
    "Corin",
    "Dagny",
    "Eamon",
    "Florin",
    "Gunnhild",
    "Haskel",
    "Isolde",
    "Jovan",
    "Kirra",
    "Leopold",
    "Mireille",
    "Nikos",
    "Odalys",
    "Pascal",
    "Rhiannon",
    "Stellan",
    "Thessaly",
    "Uriel",
    "Valko",
]
LAST = [
    "Arkwright",
    "Belov",
    "Castellane",
    "Drummond",
    "Eskildsen",
    "Farrow",
    "Galloway",
    "Hartigan",
    "Ibsenholt",
    "Jankowski",
    "Kestrel",
    "Lindqvist",
    "Marchetti",
    "Norrington",
    "Okonkwo",
    "Pemberton",
    "Quarrie",
    "Rasmusson",
    "Szabo",
    "Thornquist",
    "Underhill",
    "Vanterpool",
    "Whitcombe",
    "Yarrowby",
    "Zelinsky",
    "Abernathy",
    "Brightwater",
    "Corvino",
    "Delacroixe",
    "Ellingham",
    "Fairbairn",
    "Gravesend",
    "Holloway",
    "Iverholt",
    "Jessop",
    "Kingsley-Moor",
    "Lowenthal",
    "Mavrikis",
    "Northcote",
    "Oyelaran",
    "Prestwick",
    "Ravensworth",
    "Stroud",
    "Tavernier",
    "Umberfield",
    "Valcourt",
    "Wexley",
    "Yelverton",
    "Zamora",
    "Ashdown",
    "Blackwood",
    "Carrow",
    "Dunmore",
    "Everleigh",
    "Fenwick",
]
# Family names for the speakers past the FIRST x LAST pool (corpora over ~23,000 articles
# have more speakers than it holds). Without them, speaker i took name i % pool: at 100,000
# articles four invented people shared every full name, extraction rightly made each name
# one speaker, and that speaker's wordings grew 3.5x faster than the corpus.
_SURNAME_HEADS = """Ald Bram Cal Dern Eld Fal Gar Hal Ing Jar Kel Lor Mar Nor Orm Pell Quen Ros Sel
Tor Ulv Var Wen Yor Zel Ack Bel Cor Dal Esk Fen Gil Hol Ist Jen Kil Lun Mor Nev Oss Pim Rad
Stav Tal Ush Vel Wil Yar Zor Brin""".replace("\n", " ").split(" ")
_SURNAME_TAILS = """by combe dale den field ford gate grave ham holt hurst ington kirk lake ley low
mere mont more ney ridge rock sey shaw stead ston thorpe ton vale wald ward well wick win wood
worth berg strom quist ovic enko ardi etti ande oux ac escu opoulos ez
ian""".replace("\n", " ").split(" ")
EXTRA_LAST = [
    head + tail
    for head in _SURNAME_HEADS
    for tail in _SURNAME_TAILS
    if head + tail not in LAST and head + tail != "Marian"  # Marian: a given name
]
TITLES = """finance minister|trade envoy|central bank governor|chief strategist|senior analyst|
union leader|mayor|port authority chair|energy minister|spokesperson|chief economist|
opposition leader|prime minister|foreign minister|regional governor|head of research|
fisheries commissioner|health minister|chief executive|policy director
""".replace("\n", "").split("|")
ORGS = """Corvane Capital|Meridel Securities|the Ostmark Institute|Halvard Partners|Brenmoor Bank|
the Tessaly Dockworkers Union|Quillon Research|the Varrow Council|Ardent Ridge Advisors|
Kelmscot Asset Management|the Pellucid Group|Norhaven Energy|the Federation of Lowland Farmers|
Saltmere Holdings|the Institute for Civic Ledgers|Greyfen Analytics""".replace("\n", "").split("|")
OUTLETS = """The Harbor Ledger|Northwind Daily|The Copperfield Courier|Meridian Wire|
Lantern Post|The Orrin Valley Gazette|Bellwether Financial|Tidewater Tribune|The Quarry Review|
Signal & Ember|The Ashgrove Observer|Cobalt Markets Today|Riverside Chronicle|The Weekly Loom|
Palisade News|The Granary Herald|Foundry Business Journal|Kestrel Street Report|
The Saltmarsh Times|Evening Compass|The Lattice|Brightwater Bulletin|Capstone Daily|
The Ferrous Dispatch|Juniper Wire|The Outpost Monitor|Vantage Economics|The Millrace Record|
Harrow Hill Herald|Atlas Market Brief""".replace("\n", "").split("|")
_PLACE_BASE = """Varrow|Tessaly|Ostmark|Norhaven|Pellucid Bay|Saltmere|Greyfen|Kelmscot|Brenmoor|
Halvard|Ardent Ridge|Lowmarsh|Quillon|Corvane|Meridel|Ashgrove|Copperfield|Tidewater|
Juniper Sound|Falkreach|Oldcastle Reach|Wendmoor|Stavanholm|Ibrida""".replace("\n", "").split("|")
PLACES = _PLACE_BASE + [
    f"{a}{b}"
    for a in (
        "Ael",
        "Brom",
        "Cald",
        "Dun",
        "Eris",
        "Fost",
        "Gral",
        "Hesk",
        "Istr",
        "Jarn",
        "Kov",
        "Lum",
    )
    for b in ("mouth", "ford", "gate", "haven", "wick", "stead", "moor")
]

# Slot vocabularies: (word, synonym). Rewordings swap to the synonym.
NOUNS = [
    ("tariff plan", "levy scheme"),
    ("pension reform", "retirement overhaul"),
    ("bond holdings", "debt reserves"),
    ("port expansion", "harbour enlargement"),
    ("wage agreement", "pay settlement"),
    ("energy subsidy", "fuel support"),
    ("fishing quota", "catch allowance"),
    ("housing levy", "property charge"),
    ("rail contract", "railway deal"),
    ("water tariff", "water charge"),
    ("budget rule", "spending limit"),
    ("export licence", "shipping permit"),
    ("grain reserve", "cereal stockpile"),
    ("currency peg", "exchange anchor"),
    ("mining permit", "extraction licence"),
    ("ferry service", "boat link"),
    ("tax rebate", "tax refund"),
    ("climate target", "emissions goal"),
    ("hospital budget", "clinic funding"),
    ("bridge project", "crossing scheme"),
    ("steel quota", "metal allocation"),
    ("audit report", "inspection review"),
    ("rescue package", "bailout plan"),
    ("trade surplus", "export excess"),
    ("data law", "information statute"),
    ("toll road", "paid highway"),
    ("strike fund", "walkout reserve"),
    ("credit line", "lending facility"),
    ("merger bid", "takeover offer"),
    ("drought plan", "dry season strategy"),
    ("canal upgrade", "waterway renewal"),
    ("vaccine order", "immunisation purchase"),
    ("fuel duty", "petrol tax"),
    ("rent freeze", "rent cap"),
    ("border checks", "frontier controls"),
    ("shipping lane", "sea route"),
]
VERBS = [
    ("undermines", "weakens"),
    ("threatens", "endangers"),
    ("ignores", "disregards"),
    ("punishes", "penalises"),
    ("protects", "shields"),
    ("rewards", "benefits"),
    ("delays", "postpones"),
    ("distorts", "skews"),
    ("strengthens", "reinforces"),
    ("squeezes", "pressures"),
    ("betrays", "abandons"),
    ("exposes", "leaves open"),
    ("cripples", "paralyses"),
    ("sustains", "supports"),
    ("erodes", "wears down"),
]
GROUPS = [
    ("our workers", "our employees"),
    ("small farmers", "smallholders"),
    ("young families", "new parents"),
    ("local traders", "neighbourhood merchants"),
    ("coastal towns", "seaside communities"),
    ("pensioners", "retirees"),
    ("exporters", "overseas sellers"),
    ("taxpayers", "citizens who pay taxes"),
    ("dock crews", "harbour workers"),
    ("students", "young learners"),
    ("nurses", "care staff"),
    ("miners", "pit workers"),
    ("savers", "depositors"),
    ("fishermen", "fishing crews"),
    ("tenants", "renters"),
    ("drivers", "motorists"),
]
ADJS = [
    ("reckless", "irresponsible"),
    ("naive", "gullible"),
    ("dangerous", "hazardous"),
    ("unacceptable", "intolerable"),
    ("premature", "hasty"),
    ("brutal", "savage"),
    ("fragile", "delicate"),
    ("historic", "landmark"),
    ("modest", "limited"),
    ("serious", "grave"),
    ("costly", "expensive"),
    ("unfair", "unjust"),
    ("clumsy", "awkward"),
    ("bold", "daring"),
    ("vague", "unclear"),
]
IMAGES = [
    ("a street fight", "a brawl in the alley"),
    ("a card on the table", "a chip in play"),
    ("a slow leak", "a gradual drain"),
    ("a line in the sand", "a red line"),
    ("a house of cards", "a flimsy tower"),
    ("a loaded weapon", "a primed instrument"),
    ("an open door", "an unlocked gate"),
    ("a storm at sea", "a tempest offshore"),
    ("a game of chicken", "a contest of nerves"),
    ("a ticking clock", "a running timer"),
    ("a poisoned chalice", "a tainted gift"),
    ("a sinking ship", "a foundering vessel"),
    ("a blank cheque", "an unlimited mandate"),
    ("a dead end", "a blind alley"),
]
TIMES = [
    ("this week", "in the coming days"),
    ("before the summer", "ahead of summer"),
    ("by the end of the year", "before the year is out"),
    ("next month", "within weeks"),
    ("right now", "at this moment"),
    ("for a decade", "for ten years"),
]

# Sentence templates: (original form, translation-like form, paraphrase-drift form).
# Slots: {N} noun, {V} verb, {G} group, {A} adjective, {I} image, {P} place, {T} time,
# {X} number. Forms share slots; rewordings also swap slot words for synonyms.
TEMPLATES = [
    (
        "This is {I}. Walking away from the {N} now would be both {A} and costly for {G}.",
        "This is {I}. To walk away from the {N} at this point is {A} and expensive for {G}.",
        "What we are seeing resembles {I}; abandoning the {N} hurts {G} and is {A}.",
    ),
    (
        "We will not accept any {N} that {V} {G}.",
        "Any {N} which {V} {G} is not something we can accept.",
        "A {N} that {V} {G} has no chance of our approval.",
    ),
    (
        "The {N} exists as an option for {P}, but whether we use it is a {A} decision.",
        "The {N} exists as an option for {P}. Whether or not we use it is a {A} question.",
        "Having the {N} available to {P} matters; using it is another, {A} matter entirely.",
    ),
    (
        "Nobody in {P} voted for a {N} that {V} {G}.",
        "The people of {P} did not vote for a {N} which {V} {G}.",
        "Voters across {P} never asked for such a {N}; it {V} {G}.",
    ),
    (
        "I don't think the {N} is {A}, and I won't pretend otherwise {T}.",
        "I do not believe the {N} is {A}, and I will not say otherwise {T}.",
        "Calling the {N} {A} would be wrong, and I refuse to fake it {T}.",
    ),
    (
        "Frankly, the {N} {V} {G} and everyone in {P} knows it.",
        "To be frank, the {N} {V} {G}, and all of {P} is aware.",
        "It is obvious across {P} that this {N} {V} {G}.",
    ),
    (
        "We've spent {X} months on the {N}, and it's still {A}.",
        "We have spent {X} months on the {N} and it remains {A}.",
        "After {X} months of effort the {N} looks {A} to me.",
    ),
    (
        "If the {N} passes {T}, {G} will pay the price for years.",
        "Should the {N} pass {T}, it is {G} who will pay for years.",
        "{G} would be left paying for years once the {N} goes through.",
    ),
    (
        "The {N} is {I}, and pretending otherwise is {A}.",
        "The {N} amounts to {I}; to pretend otherwise is {A}.",
        "Treating the {N} as anything but {I} strikes me as {A}.",
    ),
    (
        "Our message to {P} is simple: the {N} must protect {G} first.",
        "Our message to {P} is a simple one. The {N} has to put {G} first.",
        "{P} should understand that {G} come before any {N}.",
    ),
    (
        "There's no version of the {N} that works without {G}.",
        "There is no form of the {N} that can function without {G}.",
        "Without {G} on board, the {N} simply collapses.",
    ),
    (
        "The numbers on the {N} don't add up, and {X} percent of {G} already see that.",
        "The figures for the {N} do not add up; already {X} percent of {G} can see it.",
        "Already {X} percent of {G} recognise the arithmetic of the {N} is broken.",
    ),
    (
        "We're asking for a {A} pause on the {N} until {P} has answers.",
        "We are requesting a {A} pause on the {N} until there are answers for {P}.",
        "Freezing the {N} for a while is wise until {P} learns more.",
    ),
    (
        "Let me be clear, the {N} {V} {G} and we will fight it {T}.",
        "I want to be clear. The {N} {V} {G}, and we will oppose it {T}.",
        "We intend to resist the {N} {T} because it {V} {G}.",
    ),
    (
        "The mere mention of the {N} changes the negotiation with {P} for {G}.",
        "Just mentioning the {N} alters the talks with {P} for {G}.",
        "Raising the {N} at all shifts the bargaining with {P} on behalf of {G}.",
    ),
    (
        "Showing the {N} is enough; {G} understand what's at stake {T}.",
        "Showing the {N} is sufficient, because {G} understand the stakes {T}.",
        "Displaying the {N} suffices since {G} grasp the risks {T}.",
    ),
    (
        "A {A} {N} today means a {A} future for {G} in {P}.",
        "A {A} {N} now will mean a {A} future for {G} across {P}.",
        "Today's {N} looks {A}, and {G} in {P} will feel it later.",
    ),
    (
        "Every promise about the {N} has been broken, and {G} are tired of waiting {T}.",
        "Each promise made on the {N} was broken, and {G} have grown tired of waiting {T}.",
        "{G} have lost patience {T} after so many failed pledges on the {N}.",
    ),
    (
        "I warned the cabinet in {P} that the {N} would backfire on {G}.",
        "I told the cabinet in {P} that the {N} would backfire against {G}.",
        "My warning to ministers in {P} was that {G} would suffer from the {N}.",
    ),
    (
        "Calling the {N} {A} is generous; I'd call it a gift to speculators in {P}.",
        "To call the {N} {A} is generous. I would call it a present for speculators in {P}.",
        "Speculators in {P} are the real winners of the {N}, which is worse than {A}.",
    ),
    (
        "The {N} was written by people who have never met {G} in {P}.",
        "People who never met {G} in {P} wrote the {N}.",
        "Whoever drafted the {N} clearly knows nothing about {G} in {P}.",
    ),
    (
        "We can negotiate on the {N}, but we cannot negotiate on dignity for {G}.",
        "On the {N} we can negotiate; on the dignity of {G} we cannot.",
        "Dignity for {G} is not up for bargaining, whatever happens to the {N}.",
    ),
    (
        "My door is open to anyone in {P} who wants to fix the {N} {T}.",
        "My door remains open to anybody in {P} wishing to repair the {N} {T}.",
        "Anyone from {P} with ideas for mending the {N} can come and see me {T}.",
    ),
    (
        "The {N} has become {I}, and {G} deserve better than that.",
        "The {N} turned into {I}; {G} deserve something better.",
        "{G} are owed more than the {N}, which now looks like {I}.",
    ),
    (
        "Nobody in {P} should be surprised that the {N} stalled, because {G} saw it coming {T}.",
        "No one in {P} should be surprised the {N} stalled. {G} saw it coming {T}.",
        "The stalling of the {N} was predictable for {G} across {P}.",
    ),
    (
        "Investors in {P} read the {N} as a signal, and the signal is {A}.",
        "Investors in {P} take the {N} as a signal, and that signal is {A}.",
        "Markets in {P} interpret the {N} as a {A} message.",
    ),
    (
        "I will personally ask for an inquiry into the {N} {T}.",
        "I will ask in person for an investigation into the {N} {T}.",
        "An investigation of the {N} is something I will demand {T}.",
    ),
    (
        "What {G} need from the {N} is certainty, not slogans.",
        "What {G} require from the {N} is certainty rather than slogans.",
        "Slogans about the {N} do nothing; {G} want certainty.",
    ),
    (
        "We haven't decided on the {N}, and we won't be rushed by anyone {T}.",
        "We have not decided on the {N} and will not be hurried by anybody {T}.",
        "No decision on the {N} exists yet; nobody will hurry us {T}.",
    ),
]
EXTRAS = [  # a further sentence of the same remark, quoted only by some outlets
    "That is the whole point of the {N} for {G}.",
    "Everyone in {P} understands that {T}.",
    "We said as much to our partners in {P} about the {N}.",
    "It is not a threat to {G}, it is a fact.",
    "The markets in {P} will draw their own conclusions.",
    "History will judge how {P} treated {G}.",
    "We are prepared for every outcome on the {N}.",
    "I have told the committee in {P} the same thing about {G}.",
]
FILLER = [
    "Officials in {P} met on {D} to discuss the {N}, according to people familiar with the talks.",
    "The debate over the {N} has dominated headlines in {P} for weeks.",
    "Analysts say the {N} could shift the balance of power between {P} and its neighbours.",
    "Markets reacted cautiously, with traders in {P} waiting for further details.",
    "Critics argue that the {N} was drafted in haste and without consultation.",
    "Supporters of the {N} say it will stabilise public finances within two years.",
    "The government in {P} has not published a full costing of the {N}.",
    "A parliamentary committee is expected to review the {N} before the recess.",
    "Several industry groups have asked for an extension of the consultation period.",
    "The {N} follows months of negotiations that repeatedly stalled over small details.",
    "Local newspapers in {P} have carried letters from readers on both sides of the issue.",
    "Economists note that similar measures elsewhere produced mixed results.",
    "Opposition figures promised to table amendments when the {N} reaches the chamber.",
    "The central question is who will bear the cost of the {N} over the next decade.",
    "Trading volumes rose sharply on {D} as investors weighed the implications.",
    "People close to the negotiations described the atmosphere as tense but constructive.",
    "No timetable for a final vote on the {N} has been announced.",
    "The last comparable dispute in {P} took nearly two years to resolve.",
    "Commentators were quick to point out the political risks for the ruling coalition.",
    "Further talks are scheduled, although neither side has signalled a compromise.",
    "Residents interviewed in {P} expressed a mix of frustration and resignation.",
    "The {N} has also drawn attention from credit rating agencies.",
    "Business owners in {P} say they need clarity before making investment decisions.",
    "A spokesperson declined to comment on the details of the {N}.",
    "In {P}, the mood among shopkeepers was noticeably more anxious than a month ago.",
    "Independent forecasters revised their growth estimates twice in as many weeks.",
    "The finance committee has requested a written explanation of the assumptions behind the {N}.",
    "Union representatives said they had not been consulted before the announcement.",
    "The issue has become a test of credibility for leaders on every side of the debate.",
    "Previous governments in {P} shelved similar proposals after public pressure.",
    "Bond traders in {P} said liquidity thinned noticeably in the afternoon session on {D}.",
    "Some regional officials privately expressed doubts about how the {N} would be enforced.",
    "A legal challenge to the {N} is being prepared, according to two people briefed on it.",
    "The ministry said a revised draft of the {N} would be circulated to stakeholders soon.",
    "Polling suggests public opinion in {P} remains divided, with many voters undecided.",
    "Observers abroad are watching closely, since the outcome could set a precedent.",
    "Newspapers in the capital devoted their front pages to the dispute on {D}.",
    "Small businesses say the uncertainty has already delayed hiring plans.",
    "Environmental groups argue that the {N} ignores long-term costs.",
    "Supporters and opponents staged rival rallies outside the assembly building in {P}.",
    "Details of the {N} remain scarce, and officials have offered few specifics so far.",
    "Energy prices in {P} have added another layer of pressure on household budgets.",
    "The dispute has exposed long-standing tensions within the governing coalition.",
    "Some economists warn that a prolonged stand-off could damage investor confidence.",
    "A senior official described the coming week as decisive for the {N}.",
    "Shipping firms operating out of {P} have begun to reroute some of their cargo.",
    "The regulator said it would publish guidance on the {N} before the end of the quarter.",
    "Local councils in {P} have asked for emergency funding to cope with the fallout.",
]
HEADLINES = [
    "{P} braces for fight over {N}",
    "Tensions rise as {N} talks stall in {P}",
    "What the {N} means for {P}",
    "{S} draws a line on the {N}",
    "Inside the battle over the {N}",
    "{P}: the {N} explained",
    "Markets watch {P} as {N} debate heats up",
    "{S} speaks out on {N}",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

MUTATIONS = [  # (name, weight) for one quote occurrence
    ("exact", 40),
    ("punctuation", 16),
    ("truncation", 11),
    ("extension", 5),
    ("word_swap", 8),
    ("reorder", 4),
    ("translation", 6),
    ("partial", 6),
    ("scare_quote", 2),
]
_MUT_NAMES = [m for m, _ in MUTATIONS]
RECENT_TEMPLATES = 20  # a speaker does not reuse a sentence shape within this many sentences
_MUT_W = [w for _, w in MUTATIONS]


@dataclass
class Speaker:
    sid: int
    first: str
    last: str
    title: str
    org: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Utterance:
    uid: int
    speaker: int
    event: int
    slots: list[dict[str, int]]  # per sentence: slot -> index into vocabulary
    templates: list[int]
    extra: int
    text: str = ""


@dataclass
class Event:
    eid: int
    day: int
    place: str
    noun: int
    cast: list[int]
    utterances: dict[int, list[int]] = field(default_factory=dict)  # speaker -> utterance ids


_VOCAB = {"N": NOUNS, "V": VERBS, "G": GROUPS, "A": ADJS, "I": IMAGES, "T": TIMES}


def _fill(form: str, slots: dict[str, int], swap: set[str], place: str, num: int) -> str:
    out = form
    for key, vocab in _VOCAB.items():
        tag = "{" + key + "}"
        if tag in out:
            word = vocab[slots[key]][1 if key in swap else 0]
            out = out.replace(tag, word)
    out = out.replace("{P}", place).replace("{X}", str(num))
    return out[0].upper() + out[1:]


def _render(
    u: Utterance,
    ev: Event,
    form: int = 0,
    swap_all: bool = False,
    swap_some: set[str] | None = None,
) -> list[str]:
    sents = []
    for t, slots in zip(u.templates, u.slots, strict=True):
        swap = set(_VOCAB) if swap_all else (swap_some or set())
        sents.append(_fill(TEMPLATES[t][form], slots, swap, ev.place, slots["X"]))
    return sents


def _curly(s: str) -> str:
    return s.replace("'", "\u2019")


def _punct(rng: random.Random, s: str) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return _curly(s) if "'" in s else s.replace(", ", " \u2014 ", 1)
    if choice == 1:
        return s.replace(". ", "... ", 1) if ". " in s else s.rstrip(".") + "..."
    if choice == 2:
        return s.replace(", ", " - ", 1) if ", " in s else s.rstrip(".")
    return s.replace(";", ",").replace(":", ",") if (";" in s or ":" in s) else s.lower()


class Generator:
    """Builds the world (speakers, events, utterances) then writes articles one by one."""

    def __init__(self, n_articles: int, seed: int) -> None:
        self.n = n_articles
        self.rng = random.Random(seed)
        self.seed = seed
        rng = self.rng
        n_speakers = max(40, n_articles // 6)
        names = [(f, sname) for f in FIRST for sname in LAST]
        rng.shuffle(names)
        if n_speakers > len(names):
            # Own generator: corpora small enough for the first pool stay byte-identical.
            extra = [(f, sname) for sname in EXTRA_LAST for f in FIRST]
            random.Random(f"{seed}-names").shuffle(extra)
            names += extra
        self.speakers = [
            Speaker(i, *names[i % len(names)], rng.choice(TITLES), rng.choice(ORGS))
            for i in range(n_speakers)
        ]
        self.prolific = list(range(min(25, n_speakers)))
        self.n_events = max(4, n_articles // 14)
        self.events: list[Event] = []
        self._queues: dict[int, list[int]] = {}
        self.utterances: list[Utterance] = []
        days = max(30, n_articles // 25)
        for e in range(self.n_events):
            cast_size = rng.randint(3, 6)
            cast = set()
            if rng.random() < 0.6:
                cast.add(rng.choice(self.prolific))
            while len(cast) < cast_size:
                cast.add(rng.randrange(len(self.prolific), n_speakers))
            ev = Event(
                e, rng.randrange(days), rng.choice(PLACES), rng.randrange(len(NOUNS)), sorted(cast)
            )
            used: set[int] = set()  # two people at one event do not say the same sentence
            for sp in ev.cast:
                k = rng.choices([1, 2, 3], [55, 33, 12])[0]
                tids = self._templates(sp, k * 2, used)
                ev.utterances[sp] = []
                for j in range(k):
                    n_sent = rng.choices([1, 2], [45, 55])[0]
                    ts = tids[j * 2 : j * 2 + n_sent]
                    slots = [self._slots(ev) for _ in ts]
                    u = Utterance(
                        len(self.utterances), sp, e, slots, ts, rng.randrange(len(EXTRAS))
                    )
                    u.text = " ".join(_render(u, ev))
                    self.utterances.append(u)
                    ev.utterances[sp].append(u.uid)
            self.events.append(ev)
        # Zipf-ish coverage: a few events get many articles.
        self.event_weights = [1.0 / (1 + (i % 50)) ** 0.6 for i in range(self.n_events)]

    def _templates(self, sp: int, n: int, used: set[int]) -> list[int]:
        """Next templates in the speaker's own rotation, avoiding ones used at this event.

        People rarely repeat a sentence shape with different nouns from one week to the next,
        and two people at one event do not utter the same sentence.
        """
        recent = self._queues.setdefault(sp, [])
        out: list[int] = []
        for _ in range(n):
            pool = [
                t
                for t in range(len(TEMPLATES))
                if t not in used and t not in out and t not in recent
            ]
            if not pool:
                pool = [t for t in range(len(TEMPLATES)) if t not in out]
            t = self.rng.choice(pool)
            out.append(t)
            used.add(t)
            recent.append(t)
            del recent[:-RECENT_TEMPLATES]
        return out

    def _slots(self, ev: Event) -> dict[str, int]:
        r = self.rng
        noun = ev.noun if r.random() < 0.5 else r.randrange(len(NOUNS))
        return {
            "N": noun,
            "V": r.randrange(len(VERBS)),
            "G": r.randrange(len(GROUPS)),
            "A": r.randrange(len(ADJS)),
            "I": r.randrange(len(IMAGES)),
            "T": r.randrange(len(TIMES)),
            "X": r.randint(3, 48),
        }

    # ------------------------------------------------------------------ quote wording
    def _wording(self, u: Utterance, ev: Event, mutation: str) -> tuple[str, str, str]:
        """(wording, kind, effective mutation) for one occurrence of ``u``."""
        rng = self.rng
        sents = _render(u, ev)
        base = " ".join(sents)
        if mutation == "punctuation":
            return _punct(rng, base), "full", mutation
        if mutation == "truncation":
            if len(sents) > 1:
                return (sents[0] if rng.random() < 0.7 else sents[-1]), "full", mutation
            w = base.split()
            if len(w) >= 10:
                k = rng.randint(max(6, len(w) // 2), len(w) - 2)
                return " ".join(w[:k]).rstrip(",;:") + "", "full", mutation
            return base, "full", "exact"
        if mutation == "extension":
            extra = _fill(EXTRAS[u.extra], u.slots[-1], set(), ev.place, 0)
            return base + " " + extra, "full", mutation
        if mutation == "word_swap":
            keys = [
                k
                for k in ("V", "A", "G", "T")
                if any("{" + k + "}" in TEMPLATES[t][0] for t in u.templates)
            ]
            if not keys:
                return base, "full", "exact"
            swap = {rng.choice(keys)}
            return " ".join(_render(u, ev, 0, swap_some=swap)), "full", mutation
        if mutation == "reorder":
            if len(sents) > 1:
                return " ".join(reversed(sents)), "full", mutation
            return _curly(base), "full", "punctuation"
        if mutation == "translation":
            # Another outlet's rendering of a foreign-language remark: restructured sentence,
            # an adjective rendered differently, most content words kept.
            return " ".join(_render(u, ev, 1, swap_some={"A"})), "full", mutation
        if mutation == "partial":
            w = sents[rng.randrange(len(sents))].rstrip(".").split()
            k = rng.randint(4, min(7, max(4, len(w) - 1)))
            start = rng.randrange(0, max(1, len(w) - k))
            return " ".join(w[start : start + k]).strip(",;:."), "partial", mutation
        if mutation == "scare_quote":
            # A short vivid phrase lifted into the reporter's own sentence.
            img = IMAGES[u.slots[0]["I"]][0]
            if img in base:
                return img, "partial", mutation
            w = base.rstrip(".").replace(",", "").split()
            topic = set(NOUNS[ev.noun][0].split())
            pairs = [
                f"{x} {y}"
                for x, y in itertools.pairwise(w)
                if len(x) > 4
                and len(y) > 4
                and x.islower()
                and y.islower()
                and not topic & {x, y}
                and not _FUNCTION & {x, y}
            ]
            if pairs:
                return rng.choice(pairs), "partial", mutation
            return base, "full", "exact"
        return base, "full", "exact"

    def _framing(self, u: Utterance, ev: Event, day: str, before: bool) -> tuple[str, str]:
        """The reporter's own framing of one quote: (clause before, clause after) the cue.

        News copy usually says what a remark was about in the reporter's words ("Asked
        about the housing levy, Ashdown said ..."). Every occurrence draws its framing on its
        own: none (35%), generic time/place (25%) or the remark's subject (40%): its policy
        noun and, when the remark names one, the group it concerns, each in the remark's own
        words or the synonym a reporter might use. The framing is drawn the same way for a
        paraphrased (drift) occurrence: rewording a remark does not change what it was about.
        """
        r = self.rng
        roll = r.random()
        if roll < 0.35:
            return "", ""
        if roll < 0.60:
            forms = _GENERIC_BEFORE if before else _GENERIC_AFTER
            return _frame(r.choice(forms).format(P=ev.place, D=day), before)
        i = r.randrange(len(u.templates))
        slots, tmpl = u.slots[i], TEMPLATES[u.templates[i]][0]
        noun = NOUNS[slots["N"]][int(r.random() < 0.25)]
        group = GROUPS[slots["G"]][int(r.random() < 0.25)] if "{G}" in tmpl else None
        forms = (_TOPIC_BEFORE if before else _TOPIC_AFTER)[0 if group is None else 1]
        return _frame(r.choice(forms).format(N=noun, G=group), before)

    def _drift(self, u: Utterance, ev: Event) -> str:
        """Paraphrase presented as a direct quote: new sentence shape, most words replaced,
        though rewrites usually keep some key nouns (each slot is kept with p=0.35)."""
        swap = {k for k in _VOCAB if self.rng.random() < 0.65}
        return " ".join(_render(u, ev, 2, swap_some=swap))

    # ------------------------------------------------------------------ articles
    def write(self, out: str) -> None:
        """Write articles, manifest.csv and truth.jsonl under ``out``."""
        os.makedirs(out, exist_ok=True)
        with (
            open(os.path.join(out, "truth.jsonl"), "w", encoding="utf-8", newline="\n") as truth,
            open(os.path.join(out, "manifest.csv"), "w", encoding="utf-8", newline="") as man,
        ):
            self._write(out, truth, man)

    def _write(self, out: str, truth, man) -> None:
        rng = self.rng
        mw = csv.writer(man, lineterminator="\n")
        mw.writerow(["path", "outlet", "title", "author", "url", "published_at"])
        tw = truth.write
        tw(json.dumps({"type": "meta", "articles": self.n, "seed": self.seed}) + "\n")
        for s in self.speakers:
            tw(
                json.dumps(
                    {"type": "speaker", "id": s.sid, "name": s.name, "title": s.title, "org": s.org}
                )
                + "\n"
            )
        for u in self.utterances:
            tw(
                json.dumps(
                    {
                        "type": "utterance",
                        "id": u.uid,
                        "speaker": u.speaker,
                        "event": u.event,
                        "text": u.text,
                    }
                )
                + "\n"
            )
        base_date = datetime(2025, 1, 6, 6, 0)
        assignments = rng.choices(range(self.n_events), self.event_weights, k=self.n)
        # Guarantee every article an event; group to plan drift per event.
        by_event: dict[int, list[int]] = {}
        for a, e in enumerate(assignments):
            by_event.setdefault(e, []).append(a)
        plans: dict[int, list[tuple[int, int]]] = {}  # article -> [(speaker, utterance)]
        for e, arts in by_event.items():
            ev = self.events[e]
            for a in arts:
                k = min(len(ev.cast), rng.randint(2, 4))
                chosen = rng.sample(ev.cast, k)
                pl = []
                for sp in chosen:
                    us = ev.utterances[sp]
                    n_u = 2 if (len(us) > 1 and rng.random() < 0.45) else 1
                    for uid in rng.sample(us, n_u):
                        pl.append((sp, uid))
                plans[a] = pl
        pubs = [
            base_date
            + timedelta(
                days=self.events[assignments[a]].day + min(6, int(rng.expovariate(0.9))),
                hours=rng.randrange(14),
                minutes=rng.randrange(60),
            )
            for a in range(self.n)
        ]
        # Drift: an article that quotes the speaker once, for an utterance quoted elsewhere;
        # a paraphrasing rewrite is derived from earlier coverage, so it comes later.
        drift_at: dict[tuple[int, int], bool] = {}
        first_pub: dict[int, datetime] = {}
        for a in range(self.n):
            for _, uid in plans[a]:
                if uid not in first_pub or pubs[a] < first_pub[uid]:
                    first_pub[uid] = pubs[a]
        for arts in by_event.values():
            if len(arts) < 4:
                continue
            count: dict[int, int] = {}
            for a in arts:
                for _, uid in plans[a]:
                    count[uid] = count.get(uid, 0) + 1
            for a in arts:
                sps = [sp for sp, _ in plans[a]]
                for sp, uid in plans[a]:
                    if (
                        sps.count(sp) == 1
                        and count[uid] >= 3
                        and pubs[a] > first_pub[uid]
                        and rng.random() < 0.06
                        and not any(d[1] == uid for d in drift_at)
                    ):
                        drift_at[(a, uid)] = True
        for a in range(self.n):
            self._article(a, assignments[a], plans[a], drift_at, pubs, out, mw, tw)

    def _article(self, a, e, plan, drift_at, pubs, out, mw, tw) -> None:
        rng = self.rng
        ev = self.events[e]
        outlet = OUTLETS[rng.randrange(len(OUTLETS))]
        straight = OUTLETS.index(outlet) % 5 == 0  # some outlets use straight quote marks
        q_open, q_close = ('"', '"') if straight else ("\u201c", "\u201d")
        author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        pub = pubs[a]
        noun = NOUNS[ev.noun][0]
        lead = self.speakers[plan[0][0]] if plan else self.speakers[ev.cast[0]]
        title = rng.choice(HEADLINES).format(P=ev.place, N=noun, S=lead.name)
        title = title[0].upper() + title[1:]
        rel = f"articles/{a // 1000:03d}/{a:06d}.txt"
        day_name = WEEKDAYS[(ev.day + 0) % 7]
        fills = {"P": ev.place, "N": noun, "D": day_name}
        filler = [f.format(**fills) for f in rng.sample(FILLER, rng.randint(20, 36))]
        paras: list[str] = []
        occ: list[dict] = []
        mentioned: set[int] = set()
        fi = 0

        def add_filler(n: int) -> None:
            nonlocal fi
            chunk = filler[fi : fi + n]
            fi += n
            if chunk:
                paras.append(" ".join(chunk))

        add_filler(3)
        u_of = self.utterances
        quotes = []
        for sp, uid in plan:
            u = self.utterances[uid]
            attributed = sp
            if (a, uid) in drift_at:
                wording, kind, mut = self._drift(u, ev), "full", "drift"
            else:
                mut = rng.choices(_MUT_NAMES, _MUT_W)[0]
                wording, kind, mut = self._wording(u, ev, mut)
                copied = mut in ("exact", "punctuation", "truncation", "extension", "word_swap")
                if kind == "full" and copied and rng.random() < 0.03:
                    others = [c for c in ev.cast if c != sp and c not in {p for p, _ in plan}]
                    if others:
                        attributed = rng.choice(others)
                        mut = "misattribution"
            quotes.append((sp, attributed, uid, wording, kind, mut))
        for sp, attributed, uid, wording, kind, mut in quotes:
            s = self.speakers[attributed]
            first = attributed not in mentioned
            mentioned.add(attributed)
            name = s.name if first else s.last
            full_intro = f"{s.name}, {s.title} at {s.org},"
            if kind == "partial":
                if mut == "scare_quote":
                    text = (
                        f"{name} has framed the dispute over the {noun} in stark terms, "
                        f"calling it {q_open}{wording}{q_close} in remarks that quickly "
                        f"spread in {ev.place}."
                    )
                else:
                    text = (
                        f"{name} said the government was {q_open}{wording}{q_close} on the matter."
                    )
            else:
                pat = rng.randrange(5)
                body = wording
                sents = _split2(body)
                pre, post = self._framing(u_of[uid], ev, day_name, pat in (1, 4))
                if pat == 0:
                    text = f"{q_open}{_comma(body)}{q_close} {name} said{post}."
                elif pat == 1:
                    intro = full_intro if first else name
                    text = f"{pre}{intro} said: {q_open}{body}{q_close}"
                elif pat == 2:
                    who = f"{s.title} {s.name}" if first else name
                    text = f"{q_open}{_comma(body)}{q_close} said {who}{post}."
                elif pat == 3 and sents:
                    text = (
                        f"{q_open}{_comma(sents[0])}{q_close} {name} said{post}. "
                        f"{q_open}{sents[1]}{q_close}"
                    )
                else:
                    text = f"{pre}{name} said, {q_open}{body}{q_close}"
                text = text[0].upper() + text[1:]
            paras.append(text)
            occ.append(
                {
                    "type": "occurrence",
                    "file": rel,
                    "speaker": attributed,
                    "true_speaker": sp,
                    "utterance": uid,
                    "mutation": mut,
                    "kind": kind,
                    "wording": wording,
                    "context": _first_sentence(text),
                }
            )
            if mut == "drift":
                tw(
                    json.dumps(
                        {
                            "type": "drift",
                            "file": rel,
                            "speaker": sp,
                            "utterance": uid,
                            "wording": wording,
                        }
                    )
                    + "\n"
                )
            if mut == "misattribution":
                tw(
                    json.dumps(
                        {
                            "type": "conflict",
                            "file": rel,
                            "speaker": attributed,
                            "true_speaker": sp,
                            "utterance": uid,
                            "wording": wording,
                        }
                    )
                    + "\n"
                )
            add_filler(rng.randint(1, 3))
        add_filler(len(filler))
        if rng.random() < 0.03 and len(paras) > 3:  # a CMS glitch repeats a passage
            cut = rng.randint(1, len(paras) - 1)
            paras.extend(paras[cut : cut + 3])
            for o in list(occ):
                if any(o["wording"] in p for p in paras[cut : cut + 3]):
                    occ.append({**o, "mutation": o["mutation"], "repeat": True})
        text = title + "\n\n" + "\n\n".join(paras) + "\n"
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        url = f"https://{_slug(outlet)}.example/{pub:%Y/%m/%d}/{a:06d}-{_slug(title)[:40]}"
        mw.writerow([rel, outlet, title, author, url, pub.isoformat()])
        buf = io.StringIO()
        for o in occ:
            buf.write(json.dumps(o) + "\n")
        tw(buf.getvalue())


# Words a reporter would not lift as a two-word scare quote.
_FUNCTION = set(
    [
        "about",
        "after",
        "would",
        "could",
        "should",
        "their",
        "there",
        "these",
        "those",
        "which",
        "while",
        "where",
        "whether",
        "cannot",
        "haven't",
        "won't",
        "don't",
        "aren't",
        "isn't",
        "we're",
        "we've",
        "i'd",
        "it's",
        "what's",
        "never",
        "every",
        "other",
        "anyone",
        "nobody",
        "everyone",
        "simply",
        "already",
        "before",
        "until",
        "because",
    ]
)


# Reporter framings of a quote (see ``Generator._framing``): generic ones name only the time
# or place; topical ones name what the remark was about. Index 0: noun only, 1: noun + group.
_GENERIC_BEFORE = [
    "Speaking in {P} on {D}",
    "At a briefing in {P}",
    "Later on {D}",
    "In an interview on {D}",
]
_GENERIC_AFTER = [
    " in {P} on {D}",
    " at a briefing in {P}",
    " to reporters on {D}",
    " in a statement",
]
_TOPIC_BEFORE = (
    [
        "Turning to the {N}",
        "Asked about the {N}",
        "On the subject of the {N}",
        "Pressed on the future of the {N}",
    ],
    [
        "Asked how the {N} would affect {G}",
        "On the question of {G} and the {N}",
        "Turning to the {N} and what it means for {G}",
        "Defending {G} in the row over the {N}",
    ],
)
_TOPIC_AFTER = (
    [
        " of the {N}",
        ", referring to the {N}",
        " when asked about the {N}",
        " in remarks on the {N}",
    ],
    [
        ", when asked how the {N} would affect {G}",
        " in remarks about {G} and the {N}",
        ", referring to the {N} and {G}",
        " of the {N}'s cost to {G}",
    ],
)


def _frame(clause: str, before: bool) -> tuple[str, str]:
    return (clause + ", ", "") if before else ("", clause)


def _first_sentence(paragraph: str) -> str:
    """The sentence holding a quote's opening, as an extractor reports it ("context")."""
    closers = ("\u201d ", '" ')
    for c in closers:
        i = paragraph.find(c)
        if i >= 0:
            j = paragraph.find(". ", i + 1)
            return paragraph[: j + 1] if j >= 0 else paragraph
    return paragraph


def _comma(s: str) -> str:
    """Closing punctuation before an attribution: "... decision," Name said."""
    return s[:-1] + "," if s.endswith(".") else s


def _split2(s: str) -> list[str]:
    i = s.find(". ")
    if i < 0:
        return []
    return [s[: i + 1], s[i + 2 :]]


def _slug(s: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in s.lower()).split())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    Generator(args.articles, args.seed).write(args.out)


if __name__ == "__main__":
    main()
