"""Find the notebook and nbconvert templates, installed (package data) or in a checkout."""

from __future__ import annotations

from pathlib import Path

from .errors import PostmortemError

_PKG = Path(__file__).resolve().parent


def _find(kind: str) -> Path:
    # A wheel carries them under postmortem_nb/_data/; a source checkout or an
    # editable install keeps them at the top level beside the package.
    for candidate in (_PKG / "_data" / kind, _PKG.parent / kind):
        if candidate.is_dir():
            return candidate
    raise PostmortemError(
        f"The package's {kind}/ folder is missing (looked in {_PKG / '_data'} and {_PKG.parent}); "
        "reinstall postmortem-nb."
    )


def notebooks_dir() -> Path:
    return _find("notebooks")


def templates_dir() -> Path:
    return _find("templates")


def demo_dir() -> Path:
    """The bundled demo incident's exports (data/demo in a checkout)."""
    for candidate in (_PKG / "_data" / "demo", _PKG.parent / "data" / "demo"):
        if candidate.is_dir():
            return candidate
    raise PostmortemError("The bundled demo data is missing; reinstall postmortem-nb.")


def template_notebook(name: str = "postmortem.ipynb") -> Path:
    path = notebooks_dir() / name
    if not path.is_file():
        raise PostmortemError(f"Notebook template {name} not found in {path.parent}.")
    return path
