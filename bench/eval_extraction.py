"""Evaluate quote extraction on the labelled tests/eval set or on a PolNeAR split.

Usage:
    python bench/eval_extraction.py                    # tests/eval gold set
    python bench/eval_extraction.py /tmp/polnear/data/dev [--errors N]

Figures are printed, one line per measure; the PolNeAR test split is never used (passing
it is refused). A wrong folder, a split missing some texts, or a damaged .ann, text or
CoreNLP file stops the run with a one-line error and exit code 2: a figure computed from
part of a split would look like a result.

PolNeAR method (brat standoff, data/<split>/attributions/*.ann + text/*.txt):
* Annotator choice: an article annotated by several annotators has one .ann per annotator
  (<article>_<annotator>.ann); we take the lexicographically smallest annotator id.
* Gold quotes: attributions whose Content contains a double quotation mark (“ ” ") or an
  opening single mark ‘ (’ alone is almost always an apostrophe). PolNeAR contents often wrap
  indirect speech around a short quote ("said the plan was a “disaster”"), so we score two gold
  variants and print both:
    - "trimmed" (primary): the content from its first to its last quotation mark, i.e. the part
      a quote-mark extractor is responsible for. A closing ’ or ' counts as a mark unless it
      sits between two letters (don’t, GOP’s), so ‘Bad Angels’ is trimmed at its closing ’;
    - "literal": the whole content span, as the brief words it (penalises every partial quote
      embedded in paraphrase).
* Matching is over non-space characters. A system quote's extent is its spans plus the
  adjacent quote marks. A gold quote is found when at least half of it is covered by system
  quotes (their union: a content quoting several pieces, “liar,” “loser” and “whiner,”, is
  found when its pieces are; speaker accuracy then uses the most-overlapping system quote).
  A system quote is right when at least half of it lies inside ANY gold Content (whether or
  not that content contains a mark: a quote inside reported speech is speech).
* System quotes of kind full/partial are scored, and headline quotes that carry an
  attribution ("Graham: Trump’s ‘Hateful Rhetoric’ …" — PolNeAR annotates headlines too).
  Fragments (scare quotes) and unattributed headline quotes are nobody's reported speech in
  our model, so they are excluded from precision; a gold quote we gave one of those kinds
  therefore counts as a miss in recall.
* Gold speakers of pronoun Sources. PolNeAR marks the pronoun, not the person it stands for.
  tests/eval/polnear_pronoun_gold_<split>.json holds the person named by hand, blind to the
  system and to CoreNLP: every dev case (two annotators, who agreed on all 150) and a random
  300-case train sample (one annotator; used to check the pronoun weights). "pronoun_acc"
  scores the hand-resolved cases only. "pronoun_corenlp_acc" scores every case against the
  antecedent read from CoreNLP's automatic coreference (below), which is often wrong in these
  articles ("…," he said after "De Blasio said" resolved to "Edward Snowden"); the evaluator
  prints how often it names a different person than the hand gold.
* Speaker accuracy is measured on found gold quotes, split by gold Source type:
    - name: the Source contains a capitalised word, is not a pronoun, and its head (the last
      word of the naming part, before any comma or "who") is capitalised; the gold speaker
      is that naming part ("Rep. Jim Clyburn (D-S.C.), the assistant leader" -> "Rep. Jim
      Clyburn"), matched with titles stripped;
    - descriptor: a capitalised word but a lowercase head ("the Florida senator", "Clinton
      supporters", "Hillary Clinton's right-hand woman"). These are not names and a name
      matcher cannot score them, so they are reported apart; "name_legacy" is the earlier
      single figure for name + descriptor;
    - pronoun: the Source is a personal pronoun. Its named antecedent is read from the
      CoreNLP dcoref chains shipped with PolNeAR (data/<split>/corenlp/*.xml): the chain that
      has a mention overlapping the Source; we take the representative mention if it contains
      a token CoreNLP tagged PERSON (else ORGANIZATION), else the first such mention in the
      chain, and keep only the tagged tokens (so "Mr. Obama" gives "Obama"). Pronouns with
      no proper-noun mention in their chain (or missing CoreNLP file) are reported as
      "pronoun-unresolved" and excluded from the CoreNLP pronoun figure (the hand gold says
      null only when the article names nobody the pronoun could be).
    - other (generic sources such as "officials"): reported, not targeted.
  A system speaker is right when names.same_person(system, gold) == "same", or for
  organisations when one normalised string contains the other.
"""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provenance.extraction import _extract  # noqa: E402
from provenance.extraction.names import normalise_name, same_person  # noqa: E402

DOUBLE_MARKS = '“”"„«»'
GOLD_MARKS = DOUBLE_MARKS + "‘"
ALL_MARKS = DOUBLE_MARKS + "‘’'‚‹›"
PRONOUNS = frozenset(
    [
        "he",
        "she",
        "him",
        "her",
        "his",
        "hers",
        "they",
        "them",
        "their",
        "it",
        "its",
        "i",
        "we",
        "us",
        "me",
        "our",
    ]
)
SCORED_KINDS = ("full", "partial")


def scored(quote) -> bool:
    """Full and partial quotes, plus headline quotes that carry an attribution."""
    return quote.kind in SCORED_KINDS or (quote.kind == "headline" and bool(quote.attributed_as))


def _chars(text: str, spans) -> set[int]:
    return {i for s, e in spans for i in range(s, e) if not text[i].isspace()}


def system_extent(text: str, spans) -> set[int]:
    chars = _chars(text, spans)
    for s, e in spans:
        for pos in (s - 1, e):
            if 0 <= pos < len(text) and text[pos] in ALL_MARKS:
                chars.add(pos)
    return chars


def _is_quote_mark(text: str, i: int) -> bool:
    """A double mark or ‘ anywhere; ’ or ' only when not between two letters (an apostrophe)."""
    ch = text[i]
    if ch in GOLD_MARKS:
        return True
    if ch in "’'":
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        return not (before.isalnum() and after.isalnum())
    return False


def speaker_matches(system: str | None, gold: str) -> bool:
    if not system:
        return False
    if same_person(system, gold) == "same":
        return True
    a, b = normalise_name(system), normalise_name(gold)
    if a and b and (a in b or b in a):
        return True
    # an organisation by its initials: "IMF" for "International Monetary Fund"
    return any(
        short.isupper() and len(short) >= 3 and " " in long and short == _initials(long)
        for short, long in ((system, gold), (gold, system))
    )


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


# ---------------------------------------------------------------- tests/eval gold set


def evaluate_gold_set(gold_dir: Path) -> dict:
    totals = Counter()
    for path in sorted(gold_dir.glob("*.json")):
        record = json.loads(path.read_text())
        text = (ROOT / record["text_path"]).read_text()
        system = _extract(text)
        scored = [q for q in system if q.kind != "fragment"]
        gold = [g for g in record["quotes"] if g["kind"] != "fragment"]
        gold_chars = [_chars(text, g["spans"]) for g in gold]
        all_gold = set().union(*gold_chars) if gold_chars else set()
        for g, chars in zip(gold, gold_chars, strict=True):
            best = max(scored, key=lambda q: len(chars & _chars(text, q.spans)), default=None)
            found = best is not None and 2 * len(chars & _chars(text, best.spans)) >= len(chars)
            totals["gold"] += 1
            totals["found"] += found
            if found:
                totals["kind_total"] += 1
                totals["kind_right"] += best.kind == g["kind"]
                if g.get("speaker"):
                    totals["speaker_total"] += 1
                    totals["speaker_right"] += speaker_matches(best.speaker, g["speaker"])
                    if not speaker_matches(best.speaker, g["speaker"]):
                        print(
                            f"  speaker miss {path.name}: {best.wording[:50]!r} "
                            f"gold={g['speaker']} sys={best.speaker}"
                        )
            else:
                print(f"  missed {path.name}: {text[g['spans'][0][0] : g['spans'][0][1]][:60]!r}")
        for q in scored:
            chars = _chars(text, q.spans)
            right = 2 * len(chars & all_gold) >= len(chars)
            totals["system"] += 1
            totals["system_right"] += right
            if not right:
                print(f"  spurious {path.name}: {q.wording[:60]!r} ({q.kind})")
        fragments = [g for g in record["quotes"] if g["kind"] == "fragment"]
        for g in fragments:
            chars = _chars(text, g["spans"])
            best = max(system, key=lambda q: len(chars & _chars(text, q.spans)), default=None)
            totals["fragment_total"] += 1
            totals["fragment_right"] += (
                best is not None
                and best.kind == "fragment"
                and bool(chars & _chars(text, best.spans))
            )
    return _summarise(totals)


def _summarise(totals: Counter) -> dict:
    precision = totals["system_right"] / totals["system"] if totals["system"] else 0.0
    recall = totals["found"] / totals["gold"] if totals["gold"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    summary = {"precision": precision, "recall": recall, "f1": f1}
    totals["name_legacy_total"] = totals["name_total"] + totals["descriptor_total"]
    totals["name_legacy_right"] = totals["name_right"] + totals["descriptor_right"]
    for key in (
        "speaker",
        "kind",
        "fragment",
        "name",
        "pronoun",
        "other",
        "descriptor",
        "name_legacy",
    ):
        if totals[f"{key}_total"]:
            summary[f"{key}_accuracy"] = totals[f"{key}_right"] / totals[f"{key}_total"]
            summary[f"{key}_n"] = totals[f"{key}_total"]
    summary["counts"] = dict(totals)
    return summary


# ---------------------------------------------------------------- PolNeAR


class EvalInputError(Exception):
    """A wrong folder or a damaged file: `main` prints it as one line and exits 2, since a
    figure computed from half a split would look like a result."""


RESTORE = "restore it from the PolNeAR repository"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise EvalInputError(f"{path}: cannot read it ({reason}); fix: {RESTORE}") from None


def parse_ann(path: Path):
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    relations = []
    # brat ends lines with \n only: a covered text may hold other line breaks (\u2028)
    for number, line in enumerate(_read_text(path).split("\n"), 1):
        try:
            if line.startswith("T"):
                fields = line.split("\t")
                if len(fields) < 2:
                    continue
                tid, info = fields[0], fields[1]
                label, _, offsets = info.partition(" ")
                pieces = []
                for part in offsets.split(";"):
                    start, end = map(int, part.split())
                    if not 0 <= start <= end:
                        raise ValueError(part)
                    pieces.append((start, end))
                spans[tid] = (label, pieces)
            elif line.startswith("E"):
                fields = line.split("\t")
                if len(fields) < 2:
                    continue
                roles = {}
                for part in fields[1].split():
                    role, target = part.split(":")
                    roles[role] = target
                relations.append(roles)
        except ValueError:
            raise EvalInputError(
                f"{path}:{number}: not a brat standoff line: {line[:60]!r}; fix: {RESTORE}"
            ) from None
    return spans, relations


def load_coref(path: Path):
    """Token offsets and coref chains from a CoreNLP xml file."""
    if not path.exists():
        return None
    try:
        return _read_coref(path)
    except (ET.ParseError, OSError, TypeError, ValueError) as error:
        raise EvalInputError(
            f"{path}: not a CoreNLP XML file ({error}); fix: {RESTORE}, or delete it to "
            "score pronouns without CoreNLP's coreference"
        ) from None


def _read_coref(path: Path):
    root = ET.parse(path).getroot()
    tokens = {}
    for sentence in root.iter("sentence"):
        sid = sentence.get("id")
        if sid is None or sentence.find("tokens") is None:
            continue
        for token in sentence.find("tokens"):
            tokens[(int(sid), int(token.get("id")))] = (
                int(token.findtext("CharacterOffsetBegin")),
                int(token.findtext("CharacterOffsetEnd")),
                token.findtext("POS"),
                token.findtext("NER"),
            )
    chains = []
    coref_root = root.find(".//coreference")
    if coref_root is None:
        return tokens, chains
    for chain in coref_root.findall("coreference"):
        mentions = []
        for mention in chain.findall("mention"):
            sid = int(mention.findtext("sentence"))
            start, end = int(mention.findtext("start")), int(mention.findtext("end"))
            toks = [tokens.get((sid, t)) for t in range(start, end)]
            toks = [t for t in toks if t]
            if not toks:
                continue
            person = [t for t in toks if t[3] == "PERSON"] or [
                t for t in toks if t[3] == "ORGANIZATION"
            ]
            mentions.append(
                {
                    "start": toks[0][0],
                    "end": toks[-1][1],
                    "name_start": person[0][0] if person else None,
                    "name_end": person[-1][1] if person else None,
                    "proper": bool(person),
                    "representative": mention.get("representative") == "true",
                }
            )
        chains.append(mentions)
    return tokens, chains


def named_antecedent(coref, text: str, start: int, end: int) -> str | None:
    if coref is None:
        return None
    _, chains = coref
    for chain in chains:
        if not any(m["start"] < end and start < m["end"] for m in chain):
            continue
        rep = [m for m in chain if m["representative"] and m["proper"]]
        proper = rep or [m for m in sorted(chain, key=lambda m: m["start"]) if m["proper"]]
        if proper:
            return text[proper[0]["name_start"] : proper[0]["name_end"]]
        return None
    return None


def clean_gold_name(source_text: str) -> str:
    """Reduce "Rep. Jim Clyburn (D-S.C.), the assistant leader" to the naming head."""
    cleaned = re.sub(r"\([^)]*\)", " ", source_text.replace("\xa0", " "))
    cleaned = re.split(r",| — | – | who | which ", cleaned)[0]
    return " ".join(cleaned.split())


def source_type(source_text: str) -> str:
    words = source_text.replace("’", "'").split()
    if len(words) == 1 and words[0].casefold() in PRONOUNS:
        return "pronoun"
    content = [w for w in words if w.casefold() not in ("the", "a", "an")]
    if not any(w[:1].isupper() for w in content):
        return "other"
    head = clean_gold_name(source_text).split()
    head_word = re.sub(r"['’]s?$", "", head[-1]) if head else ""
    if head_word[:1].islower():
        return "descriptor"  # "the Florida senator", "Clinton supporters": not a name
    return "name"


def pick_annotations(split_dir: Path) -> dict[str, Path]:
    chosen: dict[str, Path] = {}
    for ann in sorted((split_dir / "attributions").glob("*.ann")):
        article = ann.stem.rsplit("_", 1)[0]
        chosen.setdefault(article, ann)  # sorted: smallest annotator id wins
    return chosen


def check_split(split_dir: Path) -> tuple[Path, dict[str, Path]]:
    """The split folder, resolved (its name says which split it is, even given as "."), and
    its annotations (`pick_annotations`): a PolNeAR split with a text for every annotated
    article, and never the held-out test split. Raises EvalInputError saying what is wrong."""
    usage = "pass a PolNeAR split folder such as data/dev, with attributions/ and text/ inside"
    split_dir = split_dir.resolve()
    if split_dir.name == "test":
        raise EvalInputError(
            f"{split_dir}: the PolNeAR test split is held out; fix: evaluate on dev or train"
        )
    if not split_dir.is_dir():
        what = "a file, not a folder" if split_dir.exists() else "no such folder"
        raise EvalInputError(f"{split_dir}: {what}; fix: {usage}")
    annotations = pick_annotations(split_dir)
    if not annotations:
        raise EvalInputError(f"{split_dir}: no attributions/*.ann inside; fix: {usage}")
    missing = sorted(a for a in annotations if not (split_dir / "text" / f"{a}.txt").is_file())
    if missing:
        raise EvalInputError(
            f"{split_dir}: {len(missing)} of {len(annotations)} annotated articles have no "
            f"text/<article>.txt (first: {missing[0]}); fix: copy the split's text folder whole"
        )
    return split_dir, annotations


def evaluate_polnear(split_dir: Path, show_errors: int = 0) -> dict:
    results = {"trimmed": Counter(), "literal": Counter()}
    errors: dict[str, list[str]] = defaultdict(list)
    split_dir, annotations = check_split(split_dir)
    hand = hand_pronoun_gold(split_dir.name)
    for article, ann in sorted(annotations.items()):
        text = _read_text(split_dir / "text" / f"{article}.txt")
        spans, relations = parse_ann(ann)
        beyond = [tid for tid, (_, pieces) in spans.items() if pieces[-1][1] > len(text)]
        if beyond:
            raise EvalInputError(
                f"{ann}: {beyond[0]} ends past the end of text/{article}.txt "
                f"({len(text)} characters): the two files do not belong together; fix: "
                f"{RESTORE}"
            )
        coref = None
        system = [q for q in _extract(text) if scored(q)]
        extents = [system_extent(text, q.spans) for q in system]
        all_content: set[int] = set()
        gold = []
        for rel in relations:
            content_id = rel.get("Content")
            if content_id not in spans:
                continue
            pieces = spans[content_id][1]
            all_content |= _chars(text, pieces)
            content_text = "".join(text[s:e] for s, e in pieces)
            if not any(mark in content_text for mark in GOLD_MARKS):
                continue
            positions = [i for s, e in pieces for i in range(s, e) if _is_quote_mark(text, i)]
            trimmed = _chars(text, [(positions[0], positions[-1] + 1)]) & _chars(text, pieces)
            source = spans.get(rel.get("Source", ""), (None, []))[1]
            gold.append((trimmed, _chars(text, pieces), source, content_text))
        for variant, index in (("trimmed", 0), ("literal", 1)):
            totals = results[variant]
            for entry in gold:
                chars = entry[index]
                if not chars:
                    continue
                overlaps = [len(chars & ext) for ext in extents]
                best = max(range(len(system)), key=lambda i: overlaps[i], default=None)
                covered = set().union(*(chars & ext for ext in extents)) if extents else set()
                found = best is not None and 2 * len(covered) >= len(chars)
                totals["gold"] += 1
                totals["found"] += found
                if variant == "trimmed" and not found:
                    errors["missed"].append(f"{article}: {entry[3][:110]!r}")
                if not found or variant != "trimmed" or not entry[2]:
                    continue
                source_text = " ".join(text[s:e] for s, e in entry[2])
                kind = source_type(source_text)
                gold_speaker = clean_gold_name(source_text)
                if kind == "pronoun":
                    if coref is None:
                        coref = load_coref(split_dir / "corenlp" / f"{article}.txt.xml") or False
                    start, end = entry[2][0][0], entry[2][-1][1]
                    corenlp = named_antecedent(coref or None, text, start, end)
                    if corenlp is not None:
                        totals["pronoun_corenlp_total"] += 1
                        totals["pronoun_corenlp_right"] += speaker_matches(
                            system[best].speaker, corenlp
                        )
                    if hand is None:
                        gold_speaker = corenlp
                    elif (article, start) not in hand:
                        continue  # scored against CoreNLP only (a split annotated in part)
                    else:
                        gold_speaker = hand[(article, start)]
                        if corenlp is not None and gold_speaker is not None:
                            totals["pronoun_gold_disagreements"] += not speaker_matches(
                                gold_speaker, corenlp
                            )
                    if gold_speaker is None:
                        totals["pronoun_unresolved"] += 1
                        continue
                right = speaker_matches(system[best].speaker, gold_speaker)
                totals[f"{kind}_total"] += 1
                totals[f"{kind}_right"] += right
                if not right and kind in ("name", "pronoun", "descriptor"):
                    errors[f"speaker-{kind}"].append(
                        f"{article}: gold={gold_speaker!r} ({source_text}) "
                        f"sys={system[best].speaker!r} as={system[best].attributed_as!r} "
                        f"q={system[best].wording[:50]!r}"
                    )
            for q, ext in zip(system, extents, strict=True):
                right = 2 * len(ext & all_content) >= len(ext)
                totals["system"] += 1
                totals["system_right"] += right
                if variant == "trimmed" and not right:
                    errors["spurious"].append(f"{article}: {q.wording[:110]!r} ({q.kind})")
    if show_errors:
        for key, items in errors.items():
            print(f"--- {key}: {len(items)}")
            for item in items[:show_errors]:
                print("   ", item)
    summary = {variant: _summarise(totals) for variant, totals in results.items()}
    return summary


def hand_pronoun_gold(split: str) -> dict[tuple[str, int], str | None] | None:
    """(article, pronoun start) -> hand-resolved speaker, or None when the split has no file."""
    path = ROOT / "tests" / "eval" / f"polnear_pronoun_gold_{split}.json"
    if not path.exists():
        return None
    cases = json.loads(path.read_text())["cases"]
    return {(c["article"], c["source_start"]): c["speaker"] for c in cases}


def _print(summary: dict, label: str) -> None:
    fields = [
        f"{label}: P={summary['precision']:.3f} R={summary['recall']:.3f} F1={summary['f1']:.3f}"
    ]
    for key in (
        "speaker",
        "name",
        "pronoun",
        "descriptor",
        "name_legacy",
        "other",
        "kind",
        "fragment",
    ):
        if f"{key}_accuracy" in summary:
            fields.append(f"{key}_acc={summary[f'{key}_accuracy']:.3f} (n={summary[f'{key}_n']})")
    print("  ".join(fields))


def main(argv: list[str]) -> None:
    try:
        run(argv)
    except EvalInputError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except BrokenPipeError:  # the reader stopped early (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None


def run(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    show = 0
    usage = "python bench/eval_extraction.py [SPLIT_DIR [--errors N]]"
    if argv.count("--errors") > 1:
        raise EvalInputError(f"--errors is given twice; fix: {usage}")
    if "--errors" in argv:
        count = argv[argv.index("--errors") + 1 :][:1]
        if not count or not count[0].isdecimal():
            raise EvalInputError("--errors needs a number; fix: e.g. --errors 10")
        show = int(count[0])
        args.remove(count[0])
    unknown = [a for a in argv if a.startswith("--") and a != "--errors"]
    if unknown or len(args) > 1:
        raise EvalInputError(f"unexpected argument {(unknown or args[1:])[0]!r}; fix: {usage}")
    if show and not args:
        raise EvalInputError(f"--errors lists a PolNeAR split's errors; fix: {usage}")
    if args:
        args[0] = str(Path(args[0]).resolve())
        results = evaluate_polnear(Path(args[0]), show)
        for variant in ("trimmed", "literal"):
            _print(results[variant], f"PolNeAR {Path(args[0]).name} [{variant}]")
        counts = results["trimmed"]["counts"]
        if counts.get("pronoun_corenlp_total"):
            print(
                "pronoun_corenlp_acc="
                f"{counts['pronoun_corenlp_right'] / counts['pronoun_corenlp_total']:.3f} "
                f"(n={counts['pronoun_corenlp_total']}; gold speaker from CoreNLP coreference)"
            )
        if hand_pronoun_gold(Path(args[0]).name) is not None:
            print(
                "pronoun gold: hand-resolved (tests/eval/polnear_pronoun_gold_"
                f"{Path(args[0]).name}.json); CoreNLP names a different person in "
                f"{counts.get('pronoun_gold_disagreements', 0)} of the cases both resolve"
            )
        print(
            "pronoun sources without a named person (excluded):",
            results["trimmed"]["counts"].get("pronoun_unresolved", 0),
        )
    else:
        for subset in ("seeds", "own"):
            gold_dir = ROOT / "tests" / "eval" / subset
            _print(evaluate_gold_set(gold_dir), f"tests/eval/{subset}")


if __name__ == "__main__":
    main(sys.argv[1:])
