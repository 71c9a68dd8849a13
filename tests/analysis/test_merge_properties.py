"""Properties of the field-by-field merge and the JSON round trip (hypothesis)."""

from __future__ import annotations

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem_nb.analysis import Analysis
from postmortem_nb.analysis.merge import merge3

from .conftest import checkout_outage

TEXT = st.text(max_size=40)
FIELDS = st.sampled_from([
    ("summary", "what_happened"), ("summary", "customer_description"), ("impact", "narrative"),
    ("impact", "reputation"), ("lessons", "went_well"), ("lessons", "went_wrong"),
    ("lessons", "got_lucky"), ("fishbone", "effect"), ("review", "status"),
])


def _edit(data: dict, field: tuple[str, str], value: str) -> dict:
    out = copy.deepcopy(data)
    out[field[0]][field[1]] = value
    return out


@settings(max_examples=60, deadline=None)
@given(TEXT, TEXT, st.text(max_size=20))
def test_round_trip_keeps_any_text(what, lesson, extra_value):
    data = checkout_outage()
    data["summary"]["what_happened"] = what
    data["lessons"]["got_lucky"] = lesson
    data["x-team-field"] = {"note": extra_value}
    again = Analysis.from_dict(json.loads(json.dumps(Analysis.from_dict(data).to_dict())))
    assert again.to_dict() == data


@settings(max_examples=80, deadline=None)
@given(FIELDS, FIELDS, TEXT, TEXT)
def test_edits_to_different_fields_both_survive(f1, f2, v1, v2):
    base = Analysis.from_dict(checkout_outage()).to_dict()
    ours, theirs = _edit(base, f1, v1), _edit(base, f2, v2)
    merged, conflicts = merge3(base, ours, theirs)
    if f1 != f2:
        assert conflicts == []
        assert merged[f1[0]][f1[1]] == v1
        assert merged[f2[0]][f2[1]] == v2
    elif v1 != v2 and v1 != base[f1[0]][f1[1]] and v2 != base[f2[0]][f2[1]]:
        assert conflicts == [f"{f1[0]}.{f1[1]}"]
    else:
        assert conflicts == []


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4), st.lists(TEXT, min_size=1, max_size=4))
def test_action_items_added_on_both_sides_are_all_kept(mine, yours):
    base = Analysis.from_dict(checkout_outage()).to_dict()
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["action_items"] += [{"id": f"B{i}", "description": d} for i, d in enumerate(mine)]
    theirs["action_items"] += [{"id": f"C{i}", "description": d} for i, d in enumerate(yours)]
    merged, conflicts = merge3(base, ours, theirs)
    assert conflicts == []
    assert [i["id"] for i in merged["action_items"]] == (
        ["A1", "A2"] + [f"C{i}" for i in range(len(yours))] + [f"B{i}" for i in range(len(mine))])
