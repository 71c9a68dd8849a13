"""A person known under several names (name and aliases) in an exported workspace report.

The demo's incident commander is "Dana Weber" in the alert export and "dana.w" in the
change log. Listed twice, the report header said "incident commander (on-call SRE) (2)";
with the handle as an alias she is one person, and the handle becomes her role (or
"[person]" with --redact) wherever the data or the analyst wrote it.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbfactory import build_notebook

from postmortem_nb.export import export_workspace

ROLE = "incident commander (on-call SRE)"
CHANGE = "reporting-scheduler disabled: replicas 1 -> 0 (incident mitigation) by dana.w"


@pytest.fixture
def workspace(tmp_path):
    """A workspace as a draft leaves it, without draft.json (so nothing is re-executed)."""
    root = tmp_path / "20260310-1408-payments"
    root.mkdir()
    nb = build_notebook(messages=[CHANGE, "pool exhausted, acknowledged by Dana Weber"])
    nbformat.write(nb, root / "postmortem.ipynb")
    analysis = {
        "schema": 1,
        "summary": {
            "title": "Checkout failed while the report scheduler hogged the database",
            "what_happened": "At 16:20 dana.w disabled the reporting scheduler; "
                             "Dana Weber led the incident.",
            "severity": "SEV1",
            "services": ["checkout-api", "payments"],
            "people": [
                {"name": "Dana Weber", "aliases": ["dana.w"], "role": ROLE,
                 "show_name": False},
                {"name": "Luca Romano", "role": "payments on-call engineer",
                 "show_name": False},
            ],
        },
        "lessons": {"went_well": "dana.w found the scheduler change within minutes."},
    }
    (root / "analysis.json").write_text(json.dumps(analysis, indent=2), encoding="utf-8")
    return root


def _header(html: str) -> str:
    return re.search(r'<header class="pm-header">.*?</header>', html, re.S).group(0)


def test_html_report_lists_the_person_once_by_role(workspace):
    html = export_workspace(workspace).read_text(encoding="utf-8")
    header = _header(html)
    assert header.count(ROLE) == 1
    assert f"{ROLE} (2)" not in html
    assert "dana.w" not in html
    assert "Weber" not in html
    # the handle in a log line (a table and a figure) and in the analyst's text is the role
    assert f"replicas 1 -&gt; 0 (incident mitigation) by {ROLE}" in html
    assert f"At 16:20 {ROLE} disabled the reporting scheduler" in html
    assert f"{ROLE} found the scheduler change within minutes" in html


def test_markdown_report_lists_the_person_once_by_role(workspace):
    md = export_workspace(workspace, to="markdown").read_text(encoding="utf-8")
    people = next(line for line in md.splitlines() if line.startswith("| **People**"))
    assert people == f"| **People** | {ROLE}; payments on-call engineer |"
    assert "dana.w" not in md
    assert "Weber" not in md
    assert f"At 16:20 {ROLE} disabled the reporting scheduler" in md
    assert f"{ROLE} found the scheduler change within minutes" in md
    assert f"(incident mitigation) by {ROLE}" in md


@pytest.mark.parametrize("to", ["html", "markdown"])
def test_redacted_report_masks_the_alias(workspace, to):
    text = export_workspace(workspace, to=to, redact=True).read_text(encoding="utf-8")
    assert "dana.w" not in text
    assert "Weber" not in text
    text = text.replace("\\[", "[").replace("\\]", "]")  # Markdown escapes brackets
    assert "(incident mitigation) by [person]" in text
    assert "[person] found the scheduler change" in text
    assert f"{ROLE} (2)" not in text
