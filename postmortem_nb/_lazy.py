"""One lazy-import mechanism for the package and its sub-packages.

Public names load their module on first use, so ``import postmortem_nb`` stays cheap
(papermill, nbconvert and plotly import only when a function that needs them is called).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_getattr(package: str, names: dict[str, str], namespace: dict[str, Any]) -> Callable:
    """A module ``__getattr__`` resolving ``names`` (public name -> submodule) on first use."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value  # cache: later lookups are plain attribute access
        return value

    return __getattr__
