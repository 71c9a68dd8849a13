"""When export must re-execute the notebook: the parts of analysis.json the story uses."""

from __future__ import annotations

from postmortem_nb.analysis import AnalysisStore, read_analysis
from postmortem_nb.export import story_stale
from postmortem_nb.facts import analysis_fingerprint

TITLE = "Payment error rate above 5% (checkout-api)"  # the demo's derived title


def _facts(analysis, **fingerprint) -> dict:
    """facts.json as the workbook writes it for ``analysis`` (abridged)."""
    return {"schema": 1, "timezone": "Europe/Berlin",
            "incident": {"id": "20260310-1408-payments", "title": analysis.summary.title},
            "analysis_fingerprint": analysis_fingerprint(analysis.to_dict(), **fingerprint)}


def _workspace(tmp_path):
    store = AnalysisStore(tmp_path)
    store.set_summary(title=TITLE, severity="SEV1", services=["checkout-api", "payments"])
    store.hide_event("ev-edbda21e54")
    return store


def test_a_title_edit_makes_the_story_stale(tmp_path):
    """The story's title (timeline figure, facts.json) is the summary's title."""
    store = _workspace(tmp_path)
    facts = _facts(read_analysis(store.path))
    assert story_stale(read_analysis(store.path), facts) == ""
    store.set_summary(what_happened="The reporting job exhausted the DB connections.")
    assert story_stale(read_analysis(store.path), facts) == ""  # rendered at export time
    store.set_summary(title="Checkout payments failed: reporting job exhausted DB connections")
    assert "the title" in story_stale(read_analysis(store.path), facts)


def test_facts_recorded_before_the_title_counted_are_stale_only_for_a_new_title(tmp_path):
    store = _workspace(tmp_path)
    old = _facts(read_analysis(store.path), title=False)  # an earlier version's facts.json
    assert story_stale(read_analysis(store.path), old) == ""  # no needless re-execution
    store.set_summary(title="Checkout payments failed: reporting job exhausted DB connections")
    assert story_stale(read_analysis(store.path), old) != ""
    store.set_summary(title=TITLE)
    store.hide_event("ev-d246d4479e")
    assert story_stale(read_analysis(store.path), old) != ""

