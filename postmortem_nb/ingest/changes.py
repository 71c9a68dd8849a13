"""Change events (deploys, config changes, releases) -> canonical change frames.

``git log`` is read in this documented shape (one commit per line, tab-separated)::

    git log --date=iso-strict --pretty=format:'%H%x09%ad%x09%an%x09%s'

and needs the service from the user: ``mapping={"service": "=checkout-api"}`` (or
``--map service==checkout-api``); a bare name is accepted too for this format.
"""

from __future__ import annotations

import os

import pandas as pd

from ..errors import InputFormatError
from .pipeline import Context, load
from .sources import Source, text_stream


def read_git_log(src: Source) -> pd.DataFrame:
    """Lines ``hash<TAB>date<TAB>author<TAB>subject``; other lines are an error with the line."""
    rows = []
    with text_stream(src.path, src.encoding) as fh:
        for i, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t", 3)
            if len(parts) < 4:
                raise InputFormatError(
                    "expected git log --pretty=format:'%H%x09%ad%x09%an%x09%s' "
                    "(hash, date, author, subject separated by tabs)",
                    path=src.path,
                    line=i,
                    found=[line[:120]],
                )
            rows.append(
                {
                    "commit": parts[0],
                    "date": parts[1],
                    "author": parts[2],
                    "subject": parts[3],
                    "_line": i,
                }
            )
    return pd.DataFrame(rows, columns=["commit", "date", "author", "subject", "_line"])


def git_log(raw: pd.DataFrame, ctx: Context):
    service = ctx.user_cols.get("service")
    derived = {
        "timestamp": raw["date"],
        "description": raw["subject"],
        "author": raw["author"],
        "kind": pd.Series("commit", index=raw.index),
    }
    if isinstance(service, str) and service and service not in raw.columns:
        derived["service"] = pd.Series(service.lstrip("="), index=raw.index, dtype="str")
        ctx.user_cols = {k: v for k, v in ctx.user_cols.items() if k != "service"}
    return raw[["commit", "_line"]], derived


def github_deployments(raw: pd.DataFrame, ctx: Context):
    """Description falls back to ref@sha; service to the repository name in the URL."""
    derived = {}
    if {"ref", "sha"} <= set(raw.columns):
        derived["description"] = raw["ref"].astype("str") + "@" + raw["sha"].astype("str").str[:7]
        if "environment" in raw.columns:
            derived["description"] = (
                "deploy " + derived["description"] + " to " + raw["environment"].astype("str")
            )
    if "repository_url" in raw.columns:
        derived["service"] = raw["repository_url"].astype("str").str.rsplit("/", n=1).str[-1]
    return raw, derived


def github_releases(raw: pd.DataFrame, ctx: Context):
    derived = {}
    if "html_url" in raw.columns:
        parts = raw["html_url"].astype("str").str.split("/")
        derived["service"] = parts.str[4]
    return raw, derived


DERIVERS = {
    "git_log": git_log,
    "github_deployments": github_deployments,
    "github_releases": github_releases,
}


def load_changes(
    path_or_paths: str | os.PathLike | list,
    *,
    format: str | None = None,
    mapping: dict[str, object] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Change events as a canonical frame (see schema.CHANGE_COLUMNS)."""
    return load(
        "changes",
        path_or_paths,
        format=format,
        mapping=mapping,
        tz=tz,
        derivers=DERIVERS,
        text_reader=read_git_log,
    )
