"""Prefix filtering finds exactly the groups that comparing with every leader finds."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem_nb.insights.similarity import THRESHOLD, group_texts, jaccard, stems

WORDS = ["pool", "cache", "queue", "retry", "timeout", "deploy", "config", "dns", "disk",
         "exhausted", "under", "load", "alert", "missing", "stale"]


def brute_force(texts: list[str], threshold: float = THRESHOLD) -> list[set[str]]:
    counts = Counter(t for t in texts if t.strip())
    leaders: list[tuple[frozenset[str], set[str]]] = []
    for text, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        key = stems(text)
        sims = [(jaccard(key, k), i) for i, (k, _) in enumerate(leaders)]
        ok = [(s, -i) for s, i in sims if s >= threshold]
        if ok:
            leaders[-max(ok)[1]][1].add(text)
        else:
            leaders.append((key, {text}))
    return sorted((members for _, members in leaders), key=sorted)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join),
                max_size=40))
def test_prefix_filter_matches_brute_force(texts):
    groups = group_texts(texts)
    found: dict[int, set[str]] = {}
    for text, g in groups.items():
        found.setdefault(g, set()).add(text)
    assert sorted(found.values(), key=sorted) == brute_force(texts)


def test_texts_of_stop_words_only_group_together():
    groups = group_texts(["under the", "under", "pool under load"])
    assert groups["under the"] == groups["under"] != groups["pool under load"]
