"""The wheel carries the notebook template, the nbconvert templates and the demo data."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("postmortem_nb-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_contains_templates_and_demo(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "postmortem_nb/_data/notebooks/postmortem.ipynb" in names
    assert any(n.startswith("postmortem_nb/_data/templates/") for n in names)
    assert any(n.startswith("postmortem_nb/_data/demo/") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)


@pytest.mark.slow
def test_installed_wheel_finds_its_resources(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "from postmortem_nb import resources as r;"
        "print(r.template_notebook());print(r.templates_dir());print(r.demo_dir())"
    )
    # Run from tmp_path so the checkout is not on sys.path.
    out = subprocess.run(
        [str(py), "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path
    ).stdout.splitlines()
    assert len(out) == 3
    for line in out:
        assert str(env_dir) in line, line
        assert "_data" in line
