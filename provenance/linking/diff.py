"""Word-level differences between two wordings, for editors comparing variants."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

_TOKENS = re.compile(r"\s+|[^\s]+")

DiffOp = Literal["equal", "delete", "insert"]


def word_diff(reference: str, other: str) -> list[tuple[DiffOp, str]]:
    """Tokens of `other` against `reference`: kept, removed (from reference) and added."""
    ref_tokens = _TOKENS.findall(reference)
    other_tokens = _TOKENS.findall(other)

    # Compare words case- and punctuation-insensitively so a comma does not count as an edit.
    def key(token: str) -> str:
        return re.sub(r"[^\w]", "", token.casefold().replace("’", "'")) or token

    matcher = SequenceMatcher(
        a=[key(t) for t in ref_tokens], b=[key(t) for t in other_tokens], autojunk=False
    )
    out: list[tuple[DiffOp, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(other_tokens[b1:b2])))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", "".join(ref_tokens[a1:a2])))
            if op == "replace":
                out.append(("equal", " "))
        if op in ("insert", "replace"):
            out.append(("insert", "".join(other_tokens[b1:b2])))
    return out
