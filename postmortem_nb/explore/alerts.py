"""The alert explorer's model: the incident's alerts and those around it, by service.

Storms, flapping and duplicates are collapsed with the timeline's own rules
(``timeline.collapse_alerts``), so the explorer and the timeline agree on what a storm
is; each collapsed group keeps its member alerts for expansion.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..severity import severity_rank
from ..timeutil import duration

SCOPES = ("incident", "around", "all")
COLUMNS = ("alert_id", "service", "severity", "title", "started_at", "acknowledged_at",
           "resolved_at", "status")


def _ref(alerts: pd.DataFrame, idx: Any) -> str:
    """The reference ``alert_events`` starts an alert event's source with."""
    if "alert_id" in alerts.columns and pd.notna(alerts.at[idx, "alert_id"]):
        return f"alert {alerts.at[idx, 'alert_id']}"
    return f"alerts row {idx}"


class AlertExplorer:
    """Alerts of the incident and around its window, grouped by service, storms collapsed."""

    def __init__(
        self,
        alerts: pd.DataFrame | None,
        *,
        incident: pd.DataFrame | None = None,
        window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
        around: str = "2h",
        tz: str = "UTC",
    ) -> None:
        frame = alerts if alerts is not None else pd.DataFrame(columns=list(COLUMNS))
        if len(frame) and "started_at" not in frame.columns:
            raise ParameterError("The alerts have no 'started_at' column to explore.")
        self.alerts = frame
        self.tz = tz
        ids = set() if incident is None else set(incident.index)
        self.in_incident = pd.Series(frame.index.isin(list(ids)), index=frame.index)
        if window is None and len(ids):
            window = (incident["started_at"].min(), incident["started_at"].max())
        self.window = window
        pad = duration(around, "alert explorer margin")
        if window is not None and len(frame):
            start = frame["started_at"]
            self.near = ((start >= window[0] - pad) & (start <= window[1] + pad)) | self.in_incident
        else:
            self.near = self.in_incident.copy()
        self._groups: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def _subset(self, scope: str) -> pd.DataFrame:
        if scope not in SCOPES:
            raise ParameterError(
                f"Alert scope must be one of {', '.join(SCOPES)}; found {scope!r}.")
        if scope == "incident":
            return self.alerts.loc[self.in_incident]
        if scope == "around":
            return self.alerts.loc[self.near]
        return self.alerts

    def _collapse(self, scope: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(summaries, alert -> group id) for a scope, computed once."""
        if scope in self._groups:
            return self._groups[scope]
        from ..alert_events import collapse_alerts

        sub = self._subset(scope)
        events = collapse_alerts(sub, tz=self.tz) if len(sub) else None
        member = pd.Series("", index=sub.index, dtype="object")
        if events is None or not len(events):
            summaries = pd.DataFrame(columns=["group", "kind", "service", "started_at",
                                              "description", "members"])
        else:
            summ = events.loc[events["kind"].isin(["alert_storm", "alert_flapping",
                                                   "alert_duplicates"])]
            summaries = pd.DataFrame({
                "group": summ["event_id"].to_numpy(),
                "kind": summ["kind"].to_numpy(),
                "service": summ["service"].to_numpy(),
                "started_at": summ["timestamp"].to_numpy(),
                "description": summ["description"].to_numpy(),
                "members": summ["members"].to_numpy(),
            })
            refs = {_ref(sub, i): i for i in sub.index}
            fired = events.loc[(events["kind"] == "alert_fired") & (events["group"] != "")]
            for src, grp in zip(fired["source"], fired["group"], strict=True):
                key = str(src).split(" (", 1)[0]  # "alert ID (alerts.csv line N)"
                if key in refs:
                    member[refs[key]] = grp
        self._groups[scope] = (summaries, member)
        return summaries, member

    def table(self, scope: str = "around", *, service: str | None = None) -> pd.DataFrame:
        """One row per alert: canonical columns, ``in_incident`` and its collapsed ``group``."""
        sub = self._subset(scope)
        _, member = self._collapse(scope)
        cols = [c for c in COLUMNS if c in sub.columns]
        out = sub[cols].copy()
        out["in_incident"] = self.in_incident[sub.index].to_numpy()
        out["group"] = member.reindex(sub.index).fillna("").to_numpy()
        if service is not None and "service" in out.columns:
            out = out.loc[out["service"].astype("str") == service]
        out.insert(0, "row", out.index)
        return out.sort_values(["started_at", "row"], kind="stable").reset_index(drop=True)

    def groups(self, scope: str = "around") -> pd.DataFrame:
        """Collapsed storms, flapping alerts and duplicates, with their member counts."""
        return self._collapse(scope)[0].sort_values("started_at").reset_index(drop=True)

    def members(self, group: str, scope: str = "around") -> pd.DataFrame:
        """The alerts a collapsed group stands for (expand a storm)."""
        table = self.table(scope)
        hit = table.loc[table["group"] == group]
        if not len(hit) and group not in set(self.groups(scope)["group"]):
            raise ParameterError(f"No collapsed alert group {group!r} in scope {scope!r}.")
        return hit.reset_index(drop=True)

    def collapsed(self, scope: str = "around") -> pd.DataFrame:
        """What a reader sees first: single alerts, and one row per collapsed group."""
        table = self.table(scope)
        single = table.loc[table["group"] == ""].assign(kind="alert", members=1)
        summ = self.groups(scope)
        groups = pd.DataFrame({
            "row": None, "alert_id": "", "service": summ["service"],
            "title": summ["description"], "started_at": summ["started_at"],
            "in_incident": [bool(table.loc[table["group"] == g, "in_incident"].any())
                            for g in summ["group"]],
            "group": summ["group"], "kind": summ["kind"], "members": summ["members"],
        })
        parts = [p for p in (single, groups) if len(p)]
        if not parts:
            return single
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values(["service", "started_at"], kind="stable").reset_index(drop=True)

    def by_service(self, scope: str = "around") -> pd.DataFrame:
        """Per service: alerts, how many are the incident's, collapsed groups, worst severity."""
        table = self.table(scope)
        if not len(table):
            return pd.DataFrame(columns=["service", "alerts", "in_incident", "groups",
                                         "worst_severity", "first", "last"])
        svc = table["service"].astype("str").fillna("") if "service" in table else ""
        table = table.assign(service=svc)
        sev = table["severity"] if "severity" in table else pd.Series(None, index=table.index)
        table["_rank"] = [severity_rank(s if isinstance(s, str) else None) for s in sev]
        g = table.groupby("service", sort=False)
        out = pd.DataFrame({
            "alerts": g.size(),
            "in_incident": g["in_incident"].sum().astype("int64"),
            "groups": g["group"].agg(lambda s: s[s != ""].nunique()).astype("int64"),
            "worst": g["_rank"].min(),
            "first": g["started_at"].min(),
            "last": g["started_at"].max(),
        })
        out["worst_severity"] = [f"SEV{r}" if r <= 5 else "" for r in out.pop("worst")]
        out = out.reset_index().sort_values(["in_incident", "alerts", "service"],
                                            ascending=[False, False, True])
        return out[["service", "alerts", "in_incident", "groups", "worst_severity", "first",
                    "last"]].reset_index(drop=True)
