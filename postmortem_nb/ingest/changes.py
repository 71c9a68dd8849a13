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
from .plan import GIT_LOG_COMMAND
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
                    "expected one commit per line: hash, date, author, subject separated "
                    f"by tabs, as written by {GIT_LOG_COMMAND}",
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


_PRODUCTION = ("production", "prod", "prd", "live")


def github_deployments(raw: pd.DataFrame, ctx: Context):
    """Description falls back to ref@sha; service to the repository name in the URL.

    A deployment to another environment than production says which in its description
    ("... [environment: staging]"): a staging deploy must not read as a production one.
    """
    derived = {}
    if "environment" in raw.columns and "description" in raw.columns:
        env = raw["environment"]
        prod = env.astype("str").str.strip().str.lower().isin(_PRODUCTION)
        if "production_environment" in raw.columns:
            prod |= raw["production_environment"].map(lambda v: v is True)
        named = ~env.isna() & (env.astype("str").str.strip() != "") & ~prod
        desc = raw["description"]
        has_desc = ~desc.isna() & (desc.astype("str").str.strip() != "")
        tagged = desc.astype("str") + " [environment: " + env.astype("str") + "]"
        raw = raw.assign(description=desc.where(~(named & has_desc), tagged))
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
    """Drafts are not releases (``"draft": true``, never published): dropped, and said so."""
    derived = {}
    if "draft" in raw.columns:
        draft = raw["draft"].map(lambda v: v is True or str(v).lower() == "true")
        if draft.any():
            names = raw.loc[draft, "tag_name"] if "tag_name" in raw.columns else None
            shown = f": {', '.join(map(str, names.head(5)))}" if names is not None else ""
            n = int(draft.sum())
            ctx.warnings.append(
                f"{ctx.src.path.name}: {n} draft release{'s' if n != 1 else ''} skipped "
                f"(not published){shown}"
            )
            raw = raw.loc[~draft].reset_index(drop=True)
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
