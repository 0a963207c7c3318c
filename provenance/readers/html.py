"""Main-content extraction from saved HTML pages, via trafilatura (no network access).

trafilatura drops navigation, scripts, footers, cookie banners, related-story boxes and reader
comments, and returns one block (paragraph, heading, pull quote) per line. Metadata comes from
the page's own markup (Open Graph, JSON-LD, <meta>, <time>) — nothing is looked up remotely.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from provenance.errors import InputError
from provenance.readers.meta import SourceMeta, parse_date

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# below this the "article" is almost certainly menu links or a login/cookie wall
MIN_ARTICLE_WORDS = 25
MIN_LONGEST_BLOCK_WORDS = 8

_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")
_TZ_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def extract_html(html: str, shown: str) -> tuple[str, SourceMeta]:
    """Return (article text with one block per line, metadata) or raise InputError."""
    import trafilatura  # imported lazily: it is heavy and only HTML needs it

    tree = trafilatura.load_html(html)
    if tree is None:
        raise _no_article(shown)
    _prepare(tree)
    language = _language(tree)
    doc = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,  # reader comments are not the article
        include_tables=False,  # table cells are not quotable prose
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        date_extraction_params={
            "original_date": True,  # the publication date, not "last updated"
            "extensive_search": False,  # only dates the page declares, never guessed from prose
            "max_date": date.today().isoformat(),
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    fields = _fields(doc)
    text = _tidy(fields.get("text") or "")
    words = text.split()
    longest = max((len(line.split()) for line in text.split("\n")), default=0)
    if len(words) < MIN_ARTICLE_WORDS or longest < MIN_LONGEST_BLOCK_WORDS:
        raise _no_article(shown)
    meta = SourceMeta(
        outlet=_clean(fields.get("sitename")),
        title=_clean(fields.get("title")),
        author=_clean(fields.get("author")),
        url=_clean(fields.get("url")),
        published_at=_date(fields.get("date")),
        language=language,
    )
    return text, meta


def _fields(doc: object) -> dict[str, Any]:
    """trafilatura ≥ 2 returns a Document object; 1.x returned a dict. Accept both."""
    if doc is None:
        return {}
    if isinstance(doc, dict):
        return doc
    names = ("text", "sitename", "title", "author", "url", "date")
    return {name: getattr(doc, name, None) for name in names}


def _no_article(shown: str) -> InputError:
    return InputError(
        f"{shown}: no article text found in the HTML",
        fix="pass the saved article page itself (not an index, login or consent page), "
        "or paste the article into a .txt file",
    )


def _prepare(tree: HtmlElement) -> None:
    """Keep paragraphs on one line and keep the quotation marks browsers draw for <q>."""
    from lxml import etree

    for q in tree.iter("q"):
        q.text = "“" + (q.text or "")
        if len(q):
            last = q[-1]
            last.tail = (last.tail or "") + "”"
        else:
            q.text += "”"
    for br in tree.iter("br"):
        br.tail = " " + (br.tail or "")
    etree.strip_tags(tree, "q", "br")


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def _language(tree: HtmlElement) -> str | None:
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iter("meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for value in candidates:
        if value and (m := _LANG.match(value.strip().split(",")[0].strip())):
            return m.group(1).lower()
    return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = _TZ_NO_COLON.sub(r"\1:\2", value.strip())  # "+0000" → "+00:00"
    try:
        return parse_date(value)
    except InputError:
        return None  # a page's odd date is not worth rejecting the article for
