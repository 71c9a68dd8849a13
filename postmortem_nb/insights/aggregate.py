"""The numbers across incidents, as DataFrames: response times, counts, recurrence,
action items, coverage and check findings. Pure functions of a ``Collection``'s frames.
"""

from __future__ import annotations

import pandas as pd

from ..milestones import DURATIONS
from ..schema import SEVERITIES
from .similarity import THRESHOLD, group_texts

METRICS = ("time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve")
METRIC_LABELS = {
    "time_to_detect": "Time to detect",
    "time_to_acknowledge": "Time to acknowledge",
    "time_to_mitigate": "Time to mitigate",
    "time_to_resolve": "Time to resolve",
    "total": "Total duration",
}
ACTION_STATES = ("overdue", "open", "done on time", "done late", "done (no date)", "won't do")
REVIEW_ORDER = ("final", "in review", "draft", "no analysis")
SEVERITY_ORDER = (*SEVERITIES, "unknown")


def _severity_order(values: pd.Series) -> list[str]:
    present = set(values.dropna().astype(str))
    return [s for s in SEVERITY_ORDER if s in present] + sorted(present - set(SEVERITY_ORDER))


# ---------------------------------------------------------------- response times


def response_times(incidents: pd.DataFrame, window: pd.Timedelta | str = "28D") -> pd.DataFrame:
    """Long frame: one row per incident and metric, minutes, with a time-based rolling median.

    The rolling median at an incident is the median of that metric over all incidents
    that started in the ``window`` up to and including it: ``rolling_median`` over all
    severities, ``rolling_median_severity`` over the incident's own severity only.
    """
    window = pd.Timedelta(window)
    cols = ["incident_id", "title", "start", "severity", "metric", "minutes", "rolling_median",
            "rolling_median_severity"]
    parts = []
    timed = incidents.dropna(subset=["start"]).sort_values("start", kind="stable")
    for metric in METRICS:
        sub = timed.dropna(subset=[metric])
        if sub.empty:
            continue
        minutes = sub[metric].to_numpy() / 60.0
        series = pd.Series(minutes, index=pd.DatetimeIndex(sub["start"]))
        rolling = series.rolling(window, min_periods=1).median().to_numpy()
        by_sev = pd.Series(minutes, index=series.index).groupby(sub["severity"].to_numpy())
        per_sev = by_sev.transform(lambda x: x.rolling(window, min_periods=1).median())
        parts.append(
            pd.DataFrame(
                {
                    "incident_id": sub["incident_id"].to_numpy(),
                    "title": sub["title"].to_numpy(),
                    "start": sub["start"].to_numpy(),
                    "severity": sub["severity"].to_numpy(),
                    "metric": metric,
                    "minutes": minutes,
                    "rolling_median": rolling,
                    "rolling_median_severity": per_sev.to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["start"] = pd.to_datetime(out["start"], utc=True)
    return out


def _month(start: pd.Series, tz: str) -> pd.Series:
    local = start.dt.tz_convert(tz).dt.tz_localize(None)
    return local.dt.to_period("M").astype(str)


def monthly_medians(incidents: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Median minutes per calendar month (team's zone), overall ("all") and per severity."""
    measures = [*METRICS, "total"]
    cols = ["month", "severity", "incidents", *[f"{m}_min" for m in measures]]
    timed = incidents.dropna(subset=["start"])
    if timed.empty:
        return pd.DataFrame(columns=cols)
    df = timed.assign(month=_month(timed["start"], tz))
    parts = []
    for keys, sev in ((["month"], "all"), (["severity", "month"], None)):
        g = df.groupby(keys, sort=True)
        part = (g[measures].median() / 60.0).add_suffix("_min")
        part.insert(0, "incidents", g.size())
        part = part.reset_index()
        if sev is not None:
            part.insert(1, "severity", sev)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    order = {s: i for i, s in enumerate(("all", *_severity_order(df["severity"])))}
    out = out.sort_values(["severity", "month"], key=lambda c: c.map(order) if c.name ==
                          "severity" else c, kind="stable", ignore_index=True)
    return out[cols].astype({"incidents": "int64", **{f"{m}_min": "float64" for m in measures}})


# ---------------------------------------------------------------- counts


def _week_start(start: pd.Series, tz: str) -> pd.Series:
    local = start.dt.tz_convert(tz).dt.tz_localize(None)
    return local.dt.to_period("W-SUN").dt.start_time.dt.date


def incidents_per_week(incidents: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Incidents per week (Monday, team's zone) by severity; weeks without any are 0."""
    timed = incidents.dropna(subset=["start"])
    if timed.empty:
        return pd.DataFrame(columns=["week", "total"])
    df = timed.assign(week=_week_start(timed["start"], tz))
    table = pd.crosstab(df["week"], df["severity"])
    weeks = pd.period_range(min(table.index), max(table.index), freq="W-SUN").start_time.date
    table = table.reindex(weeks, fill_value=0)
    table = table[_severity_order(df["severity"])]
    table.index.name = "week"
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    return table.reset_index()


def service_counts(services: pd.DataFrame) -> pd.DataFrame:
    """Incidents per service (names compared as slugs: "Checkout API" = "checkout-api")."""
    cols = ["service", "service_key", "incidents", "first", "last", "incident_ids", "severities"]
    if services.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for key, grp in services.groupby("service_key", sort=False):
        grp = grp.sort_values("start", kind="stable", na_position="last")
        label = grp["service"].value_counts().index[0]
        rows.append(
            {
                "service": label,
                "service_key": key,
                "incidents": grp["incident_id"].nunique(),
                "first": grp["start"].min(),
                "last": grp["start"].max(),
                "incident_ids": list(dict.fromkeys(grp["incident_id"])),
                "severities": dict(grp["severity"].value_counts().sort_index()),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["incidents", "last"], ascending=[False, False], kind="stable",
                           ignore_index=True)


def service_weeks(services: pd.DataFrame, keys: list[str], tz: str = "UTC") -> pd.DataFrame:
    """Incidents per week for the given services (the recurring ones), long form."""
    sub = services[services["service_key"].isin(keys)].dropna(subset=["start"])
    if sub.empty:
        return pd.DataFrame(columns=["week", "service_key", "incidents"])
    sub = sub.assign(week=_week_start(sub["start"], tz))
    return sub.groupby(["week", "service_key"]).size().rename("incidents").reset_index()


# ---------------------------------------------------------------- recurrence


def factor_categories(factors: pd.DataFrame) -> pd.DataFrame:
    """Fishbone categories: how many factors and how many incidents name each."""
    if factors.empty:
        return pd.DataFrame(columns=["category", "factors", "incidents"])
    g = factors.groupby("category")
    out = pd.DataFrame({"factors": g.size(), "incidents": g["incident_id"].nunique()})
    return out.sort_values(["incidents", "factors"], ascending=False).reset_index()


def recurring_factors(
    factors: pd.DataFrame, *, threshold: float = THRESHOLD, min_incidents: int = 2
) -> pd.DataFrame:
    """Contributing factors grouped by wording similarity (see ``similarity``), by incidents."""
    cols = ["label", "categories", "incidents", "incident_ids", "texts", "first", "last"]
    if factors.empty:
        return pd.DataFrame(columns=cols)
    groups = group_texts(factors["text"].tolist(), threshold)
    df = factors.assign(group=factors["text"].map(groups))
    rows = []
    for _, grp in df.groupby("group", sort=True):
        n = grp["incident_id"].nunique()
        if n < min_incidents:
            continue
        texts = grp["text"].value_counts()
        rows.append(
            {
                "label": texts.index[0],
                "categories": sorted(set(grp["category"])),
                "incidents": n,
                "incident_ids": list(dict.fromkeys(grp.sort_values("start")["incident_id"])),
                "texts": list(texts.index),
                "first": grp["start"].min(),
                "last": grp["start"].max(),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["incidents", "last"], ascending=[False, False], kind="stable",
                           ignore_index=True)


def recurring_templates(templates: pd.DataFrame, *, min_incidents: int = 2) -> pd.DataFrame:
    """New-error templates (from facts.json) that were new in more than one incident."""
    cols = ["template", "incidents", "incident_ids", "first", "last"]
    if templates.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for text, grp in templates.groupby("template", sort=False):
        n = grp["incident_id"].nunique()
        if n >= min_incidents:
            rows.append(
                {
                    "template": text,
                    "incidents": n,
                    "incident_ids": list(dict.fromkeys(grp.sort_values("start")["incident_id"])),
                    "first": grp["start"].min(),
                    "last": grp["start"].max(),
                }
            )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["incidents", "last"], ascending=[False, False], kind="stable",
                           ignore_index=True)


# ---------------------------------------------------------------- action items


def action_counts(actions: pd.DataFrame) -> dict[str, int]:
    """How many items are in each state (every state present, 0 when none), plus total."""
    counts = actions["state"].value_counts() if len(actions) else pd.Series(dtype="int64")
    out = {s: int(counts.get(s, 0)) for s in ACTION_STATES}
    for s in counts.index:  # a state added later is never dropped silently
        out.setdefault(str(s), int(counts[s]))
    out["total"] = len(actions)
    return out


def actions_by(actions: pd.DataFrame, column: str) -> pd.DataFrame:
    """Items per ``owner`` or ``type`` and state (columns in ACTION_STATES order)."""
    if actions.empty:
        return pd.DataFrame(columns=[column, *ACTION_STATES, "total"])
    keys = actions[column].replace("", f"(no {column})")
    table = pd.crosstab(keys, actions["state"])
    table = table.reindex(columns=list(ACTION_STATES), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["overdue", "total"], ascending=False, kind="stable")
    table.index.name = column
    table.columns.name = None
    return table.reset_index()


def overdue_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Overdue items with the incident they came from, the oldest due date first."""
    over = actions[actions["state"] == "overdue"]
    return over.sort_values(["due", "incident_id", "id"], kind="stable", ignore_index=True)


# ---------------------------------------------------------------- coverage and checks


def review_counts(incidents: pd.DataFrame) -> dict[str, int]:
    counts = incidents["review_status"].value_counts()
    out = {s: int(counts.get(s, 0)) for s in REVIEW_ORDER}
    for s in counts.index:
        out.setdefault(str(s), int(counts[s]))
    return out


def without_analysis(incidents: pd.DataFrame) -> pd.DataFrame:
    """Significant incidents whose analysis.json is missing or holds nothing written yet."""
    sub = incidents[incidents["significant"] & ~incidents["has_analysis"]]
    return sub.sort_values("start", kind="stable", ignore_index=True)


def stuck_drafts(incidents: pd.DataFrame, stuck_days: int) -> pd.DataFrame:
    """Post-mortems not yet final (draft or in review) more than ``stuck_days`` after the
    incident started (the age is counted from the incident, the only date every
    workspace has)."""
    pending = incidents["review_status"].isin(["draft", "in review"])
    old = incidents["age_days"].fillna(-1) > stuck_days
    return incidents[pending & old].sort_values("start", kind="stable", ignore_index=True)


def review_by_month(incidents: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Review status counts per month of the incident's start."""
    timed = incidents.dropna(subset=["start"])
    if timed.empty:
        return pd.DataFrame(columns=["month", *REVIEW_ORDER])
    df = timed.assign(month=_month(timed["start"], tz))
    table = pd.crosstab(df["month"], df["review_status"])
    extra = [c for c in table.columns if c not in REVIEW_ORDER]
    table = table.reindex(columns=[*REVIEW_ORDER, *extra], fill_value=0)
    table.columns.name = None
    return table.reset_index()


def top_findings(findings: pd.DataFrame, *, limit: int = 15) -> pd.DataFrame:
    """Most frequent check codes: findings and incidents per code, warnings before info."""
    cols = ["code", "severity", "findings", "incidents", "example"]
    if findings.empty:
        return pd.DataFrame(columns=cols)
    g = findings.groupby(["code", "severity"], sort=False)
    out = pd.DataFrame(
        {
            "findings": g.size(),
            "incidents": g["incident_id"].nunique(),
            "example": g["message"].first(),
        }
    ).reset_index()
    out["_info"] = out["severity"] == "info"
    out = out.sort_values(["_info", "incidents", "findings", "code"],
                          ascending=[True, False, False, True], kind="stable")
    return out.drop(columns="_info").head(limit).reset_index(drop=True)[cols]


__all__ = [
    "ACTION_STATES",
    "DURATIONS",
    "METRICS",
    "METRIC_LABELS",
    "action_counts",
    "actions_by",
    "factor_categories",
    "incidents_per_week",
    "monthly_medians",
    "overdue_actions",
    "recurring_factors",
    "recurring_templates",
    "response_times",
    "review_by_month",
    "review_counts",
    "service_counts",
    "service_weeks",
    "stuck_drafts",
    "top_findings",
    "without_analysis",
]
