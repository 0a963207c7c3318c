"""Candidate generation: which variant pairs are worth comparing.

Keys are hashed bigrams of adjacent content-word stems (stopwords skipped), so a truncation,
a minor edit or a rendering sharing a specific anchor ("street fight") shares at least one key
with the original. A wording with one content word ("be surprised that the") has no bigram:
its key is that word's stem ("u" key), and it finds the wordings that may contain it through
their *container* keys ("k" keys: one per full-weight content stem of a wording with two or
more content words). Container keys are only ever paired with a one-word fragment's probe
(``fragment_probe``), never with each other, so they add no pairs between longer wordings.
Keys are stable across processes (blake2b, never ``hash()``) so the storage layer can persist
them in a (key, variant_id) table and query by key. ``CandidateIndex`` is the in-memory
equivalent; posting lists longer than a cap are ignored (very common shingles).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable, Iterable
from functools import lru_cache
from hashlib import blake2b

from .compare import VERBATIM_MIN_WEIGHT, VERBATIM_MIN_WORDS
from .normalise import normalise, word_info

KEY_VERSION = "2"  # bump when keys change: stored keys of another version force one rebuild
DEFAULT_BLOCK_CAP = 400  # postings per (speaker, key) before the key counts as "common"
DEFAULT_GLOBAL_CAP = 2000  # postings per key an undated wording searches for conflicts
DEFAULT_LIMIT = 30  # candidates returned per query, best (most shared keys) first


def _h(s: str) -> str:
    return blake2b(s.encode("utf-8"), digest_size=8).hexdigest()


@lru_cache(maxsize=262144)
def _key(kind: str, s: str) -> str:
    return kind + KEY_VERSION + _h(s)


# content words this heavy get container keys / may be probed; fragments this long probe
# (``compare`` only accepts such a fragment as a verbatim run of this length and weight)
CONTAINER_MIN_WEIGHT = VERBATIM_MIN_WEIGHT
PROBE_MIN_WORDS = VERBATIM_MIN_WORDS


def candidate_keys(normalised_text: str) -> list[str]:
    """Deterministic blocking keys of a (normalised) wording, sorted and de-duplicated.

    Bigrams of adjacent content stems; a single content word gives a unigram key; a wording
    with no content word only matches itself exactly. Wordings with two or more content words
    also get container keys (see module docstring): stored keys must hold both so incremental
    runs find what a rebuild pairs.
    """
    keys, ckeys, _ = prepared_keys(normalise(normalised_text))
    return sorted({*keys, *ckeys})


def is_container_key(key: str) -> bool:
    return key[:1] == "k"


@lru_cache(maxsize=65536)
def container_keys_of_normalised(text: str) -> tuple[str, ...]:
    """Container keys of text in ``normalise`` form: () unless it has >= 2 content words."""
    info = [i for w in text.split() if (i := word_info(w))[2]]
    if len(info) < 2:
        return ()
    return tuple(sorted({_key("k", i[0]) for i in info if i[1] >= CONTAINER_MIN_WEIGHT}))


def fragment_probe(text: str) -> str | None:
    """The container key a one-content-word fragment (normalised ``text``) looks up, if any.

    Only wordings of >= ``PROBE_MIN_WORDS`` words whose single content word has full weight
    probe: anything shorter cannot be verified as a verbatim run (``compare``).
    """
    toks = text.split()
    if len(toks) < PROBE_MIN_WORDS:
        return None
    info = [i for w in toks if (i := word_info(w))[2]]
    if len(info) != 1 or info[0][1] < CONTAINER_MIN_WEIGHT:
        return None
    return _key("k", info[0][0])


def prepared_keys(text: str) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """(``keys_of_normalised``, ``container_keys_of_normalised``, ``fragment_probe``) of text
    in ``normalise`` form, in one pass over its words (the engine's per-variant step)."""
    toks = text.split()
    info = [i for w in toks if (i := word_info(w))[2]]
    if len(info) >= 2:
        keys = tuple(sorted({_key("c", f"{x[0]} {y[0]}") for x, y in itertools.pairwise(info)}))
        ckeys = tuple(sorted({_key("k", i[0]) for i in info if i[1] >= CONTAINER_MIN_WEIGHT}))
        return keys, ckeys, None
    if info:
        stem, weight = info[0][0], info[0][1]
        probe = (
            _key("k", stem)
            if len(toks) >= PROBE_MIN_WORDS and weight >= CONTAINER_MIN_WEIGHT
            else None
        )
        return (_key("u", stem),), (), probe
    return ("x" + KEY_VERSION + _h(text),), (), None


def probed_keys(text: str) -> tuple[str, ...]:
    """Keys of the fragments that may probe a wording (normalised ``text``): the "u" key of
    each stem it has a container key for. Used by incremental runs to fetch those fragments."""
    info = [i for w in text.split() if (i := word_info(w))[2]]
    if len(info) < 2:
        return ()
    return tuple(sorted({_key("u", i[0]) for i in info if i[1] >= CONTAINER_MIN_WEIGHT}))


def keys_of_normalised(text: str) -> tuple[str, ...]:
    """``candidate_keys`` of text already in ``normalise`` form (uncached, no re-normalising)."""
    stems = [i[0] for w in text.split() if (i := word_info(w))[2]]
    if len(stems) >= 2:
        keys = {_key("c", f"{x} {y}") for x, y in itertools.pairwise(stems)}
    elif stems:
        keys = {_key("u", stems[0])}
    else:
        keys = {"x" + KEY_VERSION + _h(text)}
    return tuple(sorted(keys))


class CandidateIndex:
    """Inverted index key -> item ids, blocked by group (speaker) and searchable across groups.

    ``query`` ranks hits by the number of shared keys (ties: lower id) and skips keys whose
    posting list exceeds the cap, so a prolific speaker's boilerplate does not explode.
    """

    def __init__(
        self,
        block_cap: int = DEFAULT_BLOCK_CAP,
        global_cap: int = DEFAULT_GLOBAL_CAP,
    ) -> None:
        self.block_cap = block_cap
        self.global_cap = global_cap
        self._block: dict[tuple[Hashable, str], list[int]] = defaultdict(list)
        self._global: dict[str, list[int]] = defaultdict(list)
        self._group: dict[int, Hashable] = {}
        self._keys: dict[int, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, item_id: int, keys: Iterable[str], group: Hashable = None) -> None:
        """Index ``item_id`` under ``keys`` in ``group`` (adding an id twice is ignored)."""
        if item_id in self._keys:
            return
        ks = tuple(sorted(set(keys)))
        self._keys[item_id] = ks
        self._group[item_id] = group
        for k in ks:
            self._block[(group, k)].append(item_id)
            self._global[k].append(item_id)

    def keys_of(self, item_id: int) -> tuple[str, ...]:
        return self._keys[item_id]

    def query(
        self,
        keys: Iterable[str],
        group: Hashable = None,
        *,
        same_group: bool = True,
        limit: int = DEFAULT_LIMIT,
        exclude: int | None = None,
    ) -> list[tuple[int, int]]:
        """Items sharing keys: (item_id, shared_key_count), best first.

        ``same_group=True`` searches inside ``group`` (speaker blocking); ``False`` searches
        the other groups only (conflicts: same words, different speaker).
        """
        counts: dict[int, int] = defaultdict(int)
        for k in set(keys):
            if same_group:
                post = self._block.get((group, k), ())
                if len(post) > self.block_cap:
                    continue
                for i in post:
                    counts[i] += 1
            else:
                post = self._global.get(k, ())
                if len(post) > self.global_cap:
                    continue
                for i in post:
                    if self._group[i] != group:
                        counts[i] += 1
        counts.pop(exclude, None) if exclude is not None else None
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:limit]
