"""Group free texts that say the same thing in different words (contributing factors).

Method, kept simple on purpose so a reader can check a grouping by hand: each text
becomes a set of word stems (lower case, stop words dropped, a few English suffixes
cut: "exhausted" -> "exhaust"); texts are taken most frequent first, and each joins the
first group whose leader (the group's first, most frequent text) shares at least
``threshold`` of their combined stems (Jaccard similarity), else it leads a new group.
Comparing with the leader only, not with every member, keeps groups from drifting
through chains of loosely related texts.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

THRESHOLD = 0.5
_STOP = (
    "a an the of to in on at for during under over after before was were is are be been "
    "being and or with by from it its this that these those as into than then so our their "
    "there which who when while"
)
STOP_WORDS = frozenset(_STOP.split())
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ing", "ed", "es", "s")


def stems(text: str) -> frozenset[str]:
    """The comparable core of a text: lower-case word stems without stop words."""
    out = set()
    for word in _WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        for suffix in _SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.add(word)
    return frozenset(out)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class Group:
    leader: str
    key: frozenset[str]
    texts: Counter = field(default_factory=Counter)


def _prefix(key: frozenset[str], rank: dict[str, int], threshold: float) -> list[str]:
    """The rarest stems of ``key``: two sets with Jaccard >= threshold share one of them."""
    ordered = sorted(key, key=lambda s: (rank[s], s))
    return ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]


def group_texts(texts: Iterable[str], threshold: float = THRESHOLD) -> dict[str, int]:
    """Map each distinct text to a group number (0 = the group with the most texts).

    Candidates are found by prefix filtering (index only each leader's rarest stems),
    which finds every pair at or above ``threshold`` without comparing all pairs.
    """
    counts = Counter(t for t in texts if t and t.strip())
    keys = {t: stems(t) for t in counts}
    df = Counter(s for k in keys.values() for s in k)
    rank = {s: i for i, (s, _) in enumerate(sorted(df.items(), key=lambda kv: (kv[1], kv[0])))}
    groups: list[Group] = []
    index: dict[str, list[int]] = defaultdict(list)  # prefix stem -> groups (leaders)
    assigned: dict[str, int] = {}
    for text, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        key = keys[text]
        prefix = _prefix(key, rank, threshold) if key else [""]  # stop words only: together
        best, best_sim = -1, 0.0
        for g in sorted({g for s in prefix for g in index[s]}):
            sim = jaccard(key, groups[g].key)
            if sim >= threshold and sim > best_sim:
                best, best_sim = g, sim
        if best < 0:
            best = len(groups)
            groups.append(Group(text, key))
            for s in prefix:
                index[s].append(best)
        groups[best].texts[text] += n
        assigned[text] = best
    # renumber: biggest groups first, ties by leader text
    order = sorted(range(len(groups)), key=lambda g: (-sum(groups[g].texts.values()),
                                                        groups[g].leader))
    rank_of = {g: r for r, g in enumerate(order)}
    return {text: rank_of[g] for text, g in assigned.items()}
