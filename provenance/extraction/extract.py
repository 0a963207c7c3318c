"""The extractor: quote spans, kinds and speakers of one text (see the package docstring)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from provenance.extraction.attribution import (
    MASK,
    Attribution,
    Attributor,
    Document,
    build_document,
    is_heading,
    only_quote_paragraph,
)
from provenance.extraction.lexicon import CUE, TERMINAL
from provenance.extraction.quotes import RawQuote, paragraphs, scan_quotes
from provenance.extraction.repeats import find_repeats

QuoteKind = Literal["full", "partial", "fragment", "headline"]

__all__ = ["ExtractedQuote", "QuoteKind", "extract_quotes"]  # the package re-exports names


@dataclass(frozen=True, slots=True, init=False)
class ExtractedQuote:
    wording: str
    spans: tuple[tuple[int, int], ...]
    kind: QuoteKind
    speaker: str | None
    attributed_as: str | None
    cue: str | None
    confidence: float
    sentence: str
    speaker_title: str | None
    speaker_affiliation: str | None
    repeat_of: int | None
    # "person" or "organisation" as this document shows the speaker (None without one): the
    # extractor knows an organisation from its context, a name list alone does not
    speaker_kind: str | None

    def __init__(
        self,
        wording: str,
        spans: tuple[tuple[int, int], ...],
        kind: QuoteKind,
        speaker: str | None,
        attributed_as: str | None,
        cue: str | None,
        confidence: float,
        sentence: str,
        speaker_title: str | None,
        speaker_affiliation: str | None,
        repeat_of: int | None,
        speaker_kind: str | None = None,
    ) -> None:
        """Written out, as SpeakerName's is: mypyc compiles it (a frozen dataclass's own
        `__init__` runs interpreted)."""
        object.__setattr__(self, "wording", wording)
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "speaker", speaker)
        object.__setattr__(self, "attributed_as", attributed_as)
        object.__setattr__(self, "cue", cue)
        object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "sentence", sentence)
        object.__setattr__(self, "speaker_title", speaker_title)
        object.__setattr__(self, "speaker_affiliation", speaker_affiliation)
        object.__setattr__(self, "repeat_of", repeat_of)
        object.__setattr__(self, "speaker_kind", speaker_kind)


_OPEN_MARK = attrgetter("open_mark")
_CLAUSE_OPENERS = set(":,;—–-([")
_SPLIT_GAP_LIMIT = 160
_SENTENCE_CONTEXT = 1000
_FIRST_ALNUM = re.compile(r"[^\W_]")


def _close_end(quote: RawQuote) -> int:
    return quote.close_mark + 1 if quote.close_mark is not None else quote.spans[-1][1]


def _inner_end_char(text: str, quote: RawQuote) -> str:
    start, end = quote.spans[-1]
    return text[end - 1] if end > start else ""


def _merge_split_quotes(
    doc: Document, attributor: Attributor, quotes: list[RawQuote], open_paras: list[int]
):
    """Group “A,” said X. “B.” (and He said, “A,” and did Y. “B.”) into one utterance."""
    # (quotes, attribution found between them, index of the first quote)
    groups: list[tuple[list[RawQuote], Attribution | None, int]] = []
    index = 0
    count = len(quotes)
    while index < count:
        group = [quotes[index]]
        gap_attribution: Attribution | None = None
        while index + 1 < count:
            # the cheapest test first: most quotes are the last of their paragraph
            if open_paras[index] != open_paras[index + 1]:
                break
            current, following = quotes[index], quotes[index + 1]  # current is group[-1]
            if current.close_mark is None or len(current.spans) > 1 or len(following.spans) > 1:
                break
            gap_start, gap_end = current.close_mark + 1, following.open_mark
            if gap_end - gap_start > _SPLIT_GAP_LIMIT:
                break
            if not _clause_start(doc, current.open_mark):
                break  # a woven-in quote is never the first half of a split quote
            gap = doc.masked[gap_start:gap_end]
            ends_comma = _inner_end_char(doc.text, current) == ","
            gap_cues = len(doc.cues_in(gap_start, gap_end))
            attribution = (
                attributor.gap_attribution(gap_start, gap_end)
                if gap_cues <= _SPLIT_GAP_CUES
                else None
            )
            if (
                attribution is not None
                and gap_cues > 1
                and not _adjunct_cues(doc, attributor, attribution, gap_start, gap_end)
            ):
                attribution = None  # “A,” Smith said. Jones replied: “B.”: another speech act
            if attribution is not None and attribution.attributed_as:
                rest = gap.strip()
                if (rest.endswith((".", ",", ":")) or ends_comma) and not _own_attribution(
                    doc, attributor, following
                ):
                    if gap_attribution is None:
                        gap_attribution = attribution
                    group.append(following)
                    index += 1
                    continue
            if (
                ends_comma
                and len(group) == 1
                and not attributor.mention_in(gap_start, gap_end)
                and not gap_cues
                and TERMINAL.search(gap.strip())
            ):
                group.append(following)
                index += 1
                continue
            break
        groups.append((group, gap_attribution, index + 1 - len(group)))
        index += 1
    return groups


_SPLIT_GAP_CUES = 4
# An adjunct of a reporting clause: a prepositional phrase or a when-clause (“in a statement”,
# “in remarks on the bill”, “when asked about it”, “of the levy”) or a participle after a comma
# (“, adding later”, “, referring to the audit report”). It takes the clause's subject, so any
# cue word inside it describes the same speech act (a noun such as “report” is no verb at all).
_ADJUNCT_OPENER = re.compile(
    r"[^\S\n]*(?:(?:in|during|at|on|of|about|to|after|before|when|while|upon|following|with"
    r"|for|from)\s|,[^\S\n]*(?:(?:in|during|at|on|of|about|to|after|before|when|while|upon"
    r"|following|with|for|from)\s|[a-z]+ing\b))"
)
_CLAUSE_BREAK = re.compile(r"[.!?;:]\s+\S")


def _adjunct_cues(
    doc: Document, attributor: Attributor, attribution: Attribution, start: int, end: int
) -> bool:
    """Whether the cue words in a split quote's gap besides its attribution's own cue all sit in
    an adjunct of that reporting clause, so the gap reports one speech act by one speaker:
    “A,” Smith said in a statement / in remarks on the bill / when asked about it / , adding
    … “B.”. Not when a cue comes before the speaker (“… asked Jones. Smith said”), when one has
    a subject of its own (“when Jones asked”, “as she noted”), when the adjunct ends in another
    sentence (“… in a statement. Jones disagreed.”) or runs into the next quote (“, adding
    that “B””, which weaves B into a clause of its own)."""
    masked = doc.masked
    cues = doc.cues_in(start, end)
    cue_starts, cue_ends = doc.cue_starts, doc.cue_ends
    position = cue_ends[cues[0]]
    if attribution.mention_start is not None:
        for mention in attributor.mention_in(attribution.mention_start, end):
            if mention.start == attribution.mention_start:
                position = max(position, mention.end)
            break
    if _ADJUNCT_OPENER.match(masked, position, end) is None:
        return False
    tail = masked[position:end].rstrip()
    if tail[-1:] not in (".", ",", ":") or _CLAUSE_BREAK.search(tail) is not None:
        return False
    if tail[-1] == "," and "," in tail.lstrip(" ,")[:-1]:
        return False  # “…, suggesting questions, including, “B””: B is that phrase's object
    subject_ends = {mention.end for mention in attributor.mention_in(position, end)}
    for index in cues[1:]:
        cue_start = cue_starts[index]
        if cue_start < position:
            return False
        before = cue_start
        while before > position and masked[before - 1].isspace():
            before -= 1
        if before in subject_ends:
            return False
    return True


_PAST_SPEECH = frozenset(["said", "told", "wrote", "spoke", "swore"])


def _reported_quote_line(doc: Document, quotes: list[RawQuote], lo: int, hi: int) -> bool:
    """Whether a line without a closing full stop is prose, not a heading, because it is a
    sentence reporting the quote that ends it: X said, “…” / X added: “…” / “A,” X said in Y.
    “B…” — a past-tense speech verb in reporter prose introducing the final quote after a comma,
    colon or full stop. Headlines report in the present tense (“Smith says …”), so the line's
    lack of a full stop only means the quote was cut off (“X said, “We will not give up on””)."""
    masked = doc.masked
    end = lo + len(masked[lo:hi].rstrip())
    index = bisect_right(quotes, end - 1, key=_OPEN_MARK) - 1
    if index < 0 or quotes[index].open_mark < lo:
        return False
    last = quotes[index]
    if _close_end(last) != end:
        return False  # the line goes on after its last quote
    previous_end = lo
    if index > 0 and quotes[index - 1].open_mark >= lo:
        previous_end = _close_end(quotes[index - 1])
    if masked[previous_end : last.open_mark].rstrip()[-1:] not in (",", ":", "."):
        return False
    for cue in doc.cues_in(previous_end, last.open_mark):
        word = masked[doc.cue_starts[cue] : doc.cue_ends[cue]]
        if word in _PAST_SPEECH or (word.endswith("ed") and word.islower()):
            return True
    return False


def _own_attribution(doc: Document, attributor: Attributor, quote: RawQuote) -> bool:
    """Whether a quote is followed by its own “…,” added Smith (so it is not a continuation)."""
    if quote.close_mark is None:
        return False
    close_end = quote.close_mark + 1
    _, sent_end = doc.sentence_bounds(quote.close_mark)
    attribution = attributor.right(close_end, sent_end)
    return attribution is not None and attribution.attributed_as is not None


def _clause_start(doc: Document, open_mark: int, sent_start: int | None = None) -> bool:
    """Whether a quote opens a clause (“Q,” said X / X said: “Q”) rather than being woven in."""
    if sent_start is None:
        sent_start = doc.sentence_bounds(open_mark)[0]
    if open_mark - sent_start <= 1:
        return True
    last = doc.masked[open_mark - 1]
    if last not in " \t*_" and not last.isspace():  # the common case, without slicing
        return last in _CLAUSE_OPENERS
    prefix = doc.masked[max(sent_start, open_mark - 40) : open_mark].rstrip(" \t*_")
    if not prefix.strip():
        return True
    return prefix[-1] in _CLAUSE_OPENERS


# Words that introduce a name rather than speech: on “Meet the Press”, ABC’s “This Week”.
_NAMING_CONTEXT = re.compile(
    r"(?:\b(?:on|in|of|titled|entitled|called|named|dubbed|show|program|book|film|movie|song|"
    r"column|slogan|hashtag|motto|banner|sign|signs|the)|['’]s)\s*\W?\s*$",
    re.IGNORECASE,
)
_TITLE_WORD = re.compile(r"[^\W\d_][\w’'\-]*")


def _looks_like_title(wording: str) -> bool:
    """A short quoted Title Case phrase ("Fox News Sunday", "The Art of the Deal") names a
    show, book or slogan; a woven-in one is not taken as speech without a cue next to it."""
    words: list[str] = []
    for match in _TITLE_WORD.finditer(wording):  # a ninth word settles it: stop there
        if len(words) == 8:
            return False
        words.append(match.group())
    if not words:
        return False
    long_words = [w for w in words if len(w) > 3] or words
    return all(w[0].isupper() for w in long_words)


def _classify(wording: str, woven: bool, attributed: bool) -> QuoteKind:
    word_count = len(wording.split(None, 3))  # only "one word" and "three or more" matter
    alnum = _FIRST_ALNUM.search(wording)
    first = alnum.group() if alnum else ""
    if attributed:
        if woven or (first and first.islower()) or word_count <= 1:
            return "partial"
        return "full"
    if not woven and first.isupper() and word_count >= 3:
        return "full"
    return "fragment"


def _extract(text: str) -> list[ExtractedQuote]:
    paras = paragraphs(text)
    raw_quotes = scan_quotes(text, paras)
    if not raw_quotes:
        return []
    doc = build_document(text, raw_quotes, paras)
    attributor = Attributor(doc)
    para_starts = doc.para_starts
    open_paras = [bisect_right(para_starts, q.open_mark) - 1 for q in raw_quotes]
    groups = _merge_split_quotes(doc, attributor, raw_quotes, open_paras)
    # wordings first: repeats depend only on them, so each quote is built once, complete
    group_spans: list[list[tuple[int, int]]] = []
    wordings: list[str] = []
    for group, _, _ in groups:
        spans = group[0].spans if len(group) == 1 else [s for quote in group for s in quote.spans]
        group_spans.append(spans)
        if len(spans) == 1:
            wordings.append(text[spans[0][0] : spans[0][1]])
        else:
            wordings.append(" ".join([text[s:e] for s, e in spans]))
    repeats = find_repeats(
        text,
        doc.paras,
        [(spans[0][0], wording) for spans, wording in zip(group_spans, wordings, strict=True)],
        [open_paras[first_index] for _, _, first_index in groups],
    )
    results: list[ExtractedQuote] = []
    last_attributed_para: dict[int, tuple[int | None, str | None]] = {}
    last_quote_in_para: dict[int, int | None] = {}
    headings: dict[int, bool] = {}  # paragraph index -> is_heading
    quote_only_paras: dict[int, bool] = {}  # paragraph index -> only_quote_paragraph, as needed
    best_names: dict[int, str] = {}
    sentence_starts = doc.sentence_starts
    sentence_count = len(sentence_starts)
    for (group, gap_attribution, first_index), spans, wording, repeat_of in zip(
        groups, group_spans, wordings, repeats, strict=True
    ):
        first, last = group[0], group[-1]
        close_end = last.close_mark + 1 if last.close_mark is not None else spans[-1][1]
        para_index = open_paras[first_index]
        last_para = (
            para_index
            if last is first and len(first.spans) == 1
            else bisect_right(para_starts, last.spans[-1][0]) - 1
        )
        lo, hi = doc.paras[para_index] if doc.paras else (0, len(text))
        # doc.sentence_bounds of the opening mark (start) and of the last quoted character (end)
        sentence_index = bisect_right(sentence_starts, first.open_mark) - 1
        sent_start = sentence_starts[sentence_index]
        end_pos = max(close_end - 1, first.open_mark)
        if sentence_index + 1 < sentence_count and sentence_starts[sentence_index + 1] <= end_pos:
            sentence_index = bisect_right(sentence_starts, end_pos) - 1
        sent_end = (
            sentence_starts[sentence_index + 1]
            if sentence_index + 1 < sentence_count
            else len(text)
        )
        clause_start = _clause_start(doc, first.open_mark, sent_start)
        woven = not clause_start
        heading = headings.get(para_index)
        if heading is None:
            heading = is_heading(text, lo, hi, first=para_index == 0 and _blank_after(text, hi))
            if heading and para_index > 0:
                heading = not _reported_quote_line(doc, raw_quotes, lo, hi)
            headings[para_index] = heading
        attribution = gap_attribution
        if attribution is None and clause_start and last.close_mark is not None:
            attribution = attributor.right(close_end, sent_end)
        if attribution is None:
            attribution = attributor.left(sent_start, first.open_mark, woven)
        continuation = False
        if attribution is None:  # the fallbacks, in order of preference
            if not woven and len(group) == 1 and first.close_mark:
                attribution = attributor.right(_close_end(first), sent_end)
            if attribution is None:
                attribution = attributor.sentence_according(sent_start, sent_end)
            quote_only: bool | None = False  # only looked up for a quote still without attribution
            if attribution is None:
                quote_only = quote_only_paras.get(para_index)
                if quote_only is None:
                    quote_only = quote_only_paras[para_index] = only_quote_paragraph(doc, lo, hi)
            if attribution is None and quote_only:
                attribution = attributor.dash_line(last_para)
            if attribution is None and not (
                _looks_like_title(wording)
                and _NAMING_CONTEXT.search(
                    doc.masked, max(0, first.open_mark - 30), first.open_mark
                )
            ):
                attribution = attributor.sentence_cue(
                    sent_start, first.open_mark, close_end, sent_end
                )
            if attribution is None and quote_only and para_index > 0:
                attribution = _previous_paragraph_cue(doc, attributor, para_index)
                if attribution is None:
                    previous = last_attributed_para.get(para_index - 1)
                    if previous is not None:
                        attribution = Attribution(previous[0], None, None, 0.6)
                        continuation = True
                    elif not heading:
                        attribution = _lead_in_paragraph(doc, attributor, para_index)
            if attribution is None and not woven and para_index in last_quote_in_para:
                previous_entity = last_quote_in_para[para_index]
                if previous_entity is not None:
                    attribution = Attribution(previous_entity, None, None, 0.55)
                    continuation = True
            if attribution is None and not woven:
                attribution = attributor.previous_sentence(sent_start, lo)
            if attribution is None and heading:
                attribution = attributor.headline_speaker(lo, first.open_mark)
        attributed = attribution is not None and (
            attribution.attributed_as is not None or continuation
        )
        kind: QuoteKind = "headline" if heading else _classify(wording, woven, attributed)
        if kind == "fragment":
            attribution = None
        entity = (
            doc.entities[attribution.speaker_entity]
            if (attribution is not None and attribution.speaker_entity is not None)
            else None
        )
        if attribution is not None and attribution.speaker_entity is not None:
            attributor.recent_speakers.append(attribution.speaker_entity)
            if kind != "headline":
                last_attributed_para[last_para] = (attribution.speaker_entity, None)
        elif continuation is False and attribution is not None and kind != "headline":
            last_attributed_para[last_para] = (None, None)
        if kind in ("full", "partial"):
            last_quote_in_para[last_para] = attribution.speaker_entity if attribution else None
        speaker = None
        if entity is not None:
            speaker = best_names.get(attribution.speaker_entity)
            if speaker is None:
                speaker = best_names[attribution.speaker_entity] = entity.best_name
        # A run-on "sentence" (no full stop for pages) is cut to a window around the quote,
        # so the copied text stays proportional to the quote and the pass stays linear.
        sentence_lo = max(sent_start, first.open_mark - _SENTENCE_CONTEXT)
        sentence_hi = min(sent_end, close_end + _SENTENCE_CONTEXT)
        results.append(
            ExtractedQuote(
                wording,
                tuple(spans),
                kind,
                speaker,
                attribution.attributed_as if attribution else None,
                attribution.cue if attribution else None,
                _rounded(attribution.confidence) if attribution else 0.0,
                text[sentence_lo:sentence_hi].strip(),
                entity.title if entity else None,
                entity.affiliation if entity else None,
                repeat_of,
                None if entity is None else "person" if entity.is_person else "organisation",
            )
        )
    return results


_ROUNDED: dict[float, float] = {}


def _rounded(confidence: float) -> float:
    """round(confidence, 3), memoised: confidences come from a handful of products."""
    value = _ROUNDED.get(confidence)
    if value is None:
        if len(_ROUNDED) > 4096:
            _ROUNDED.clear()
        value = _ROUNDED[confidence] = round(confidence, 3)
    return value


def _blank_after(text: str, hi: int) -> bool:
    return text[hi : hi + 2] == "\n\n"


_TRAILING_CUE = re.compile(r"(?:\b\w+\b[\s’']*){1,4}$")


def _previous_paragraph_cue(doc: Document, attributor: Attributor, para_index: int):
    """“Q” alone on a line right after a paragraph that ends mid-sentence on a cue (They’re
    warning⏎“Q”): the dangling clause is the attribution, with reduced confidence."""
    lo, hi = doc.paras[para_index - 1]
    tail = doc.masked[lo:hi].rstrip()
    if not tail or TERMINAL.search(tail):
        return None
    last_cue = None
    for match in CUE.finditer(tail, max(0, len(tail) - 40)):
        last_cue = match
    if last_cue is None or tail[last_cue.end() :].strip(" :,"):
        return None
    sent_start, _ = doc.sentence_bounds(lo + last_cue.start())
    attribution = attributor.left(sent_start, lo + len(tail), partial_hint=False)
    if attribution is not None:
        attribution.confidence = min(attribution.confidence, 0.5)
    return attribution


def _lead_in_paragraph(doc: Document, attributor: Attributor, para_index: int):
    """A quote paragraph after a paragraph of reporter prose that introduces it: one ending in
    a colon ("Stated Stone:", "Cruz called them on it:") gives its attribution; one whose last
    sentence has a speech or stance verb with a person as subject ("Carter said that …",
    "Valastro praised Christie’s leadership.") gives that person, with low confidence."""
    lo, hi = doc.paras[para_index - 1]
    masked = doc.masked
    end = lo + len(masked[lo:hi].rstrip())
    if end <= lo:
        return None
    sent_start = max(lo, doc.sentence_bounds(end - 1)[0])
    if MASK in masked[sent_start:end]:
        return None  # the sentence has a quote of its own
    if masked[end - 1] == ":":
        attribution = attributor.left(sent_start, end, partial_hint=False)
        if attribution is not None and attribution.attributed_as and attribution.cue != ":":
            attribution.confidence = min(attribution.confidence, 0.7)
            return attribution
        return None
    return attributor.lead_sentence_subject(sent_start, end)


def extract_quotes(text: str, *, strict: bool = False) -> list[ExtractedQuote]:
    """Extract and attribute every quotation. An internal failure (a bug: no input should
    cause one) gives [] so that a caller never sees extraction raise, unless `strict`: then
    it raises, so that ingest reports the file instead of storing it without its quotes."""
    if not isinstance(text, str) or not text:
        return []
    if strict:
        return _extract(text)
    try:
        return _extract(text)
    except Exception:
        return []
