"""One demo draft shared by the end-to-end tests (papermill on a real kernel, ~30 s)."""

from __future__ import annotations

import json
import shutil

import pytest


@pytest.fixture(scope="session")
def demo_draft(tmp_path_factory):
    from postmortem_nb.demo import run_demo

    out = tmp_path_factory.mktemp("demo") / "reports"
    return run_demo(out=out)


@pytest.fixture
def demo_copy(demo_draft, tmp_path):
    """A private copy of the demo workspace for tests that change it."""
    target = tmp_path / "reports" / demo_draft.workspace.incident_id
    shutil.copytree(demo_draft.workspace.root, target)
    return target


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))
