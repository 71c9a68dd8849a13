"""Alert events: fired, acknowledged, escalated, resolved; storms, flapping, duplicates.

Storms (many alerts of one service within minutes), flapping (one alert firing and
clearing repeatedly) and duplicates are each collapsed into one summary event; the member
events stay in the frame with ``group`` = the summary's id, for expansion.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .incident_window import alert_ends
from .timeline import _ev, _frame, event_id, provenance
from .timeutil import duration, local_hm


def _alert_ref(alerts: pd.DataFrame, idx: Any) -> str:
    if "alert_id" in alerts.columns and pd.notna(alerts.at[idx, "alert_id"]):
        return f"alert {alerts.at[idx, 'alert_id']}"
    return f"alerts row {idx}"


def _raw_alert_events(alerts: pd.DataFrame) -> list[dict]:
    rows: list[dict] = []
    for idx in alerts.index:
        a = alerts.loc[idx]
        key, svc, title = _alert_ref(alerts, idx), a.get("service"), str(a.get("title", ""))
        where = provenance(alerts, idx)
        src = f"{key} ({where})" if where else key
        sev = a.get("severity")
        sev = f"[{sev}] " if isinstance(sev, str) and sev else ""
        rows.append(
            _ev(
                a["started_at"],
                "alert_fired",
                src,
                svc,
                f"{sev}{title} fired",
                _alert=idx,
                _key=key,
            )
        )
        ack = a.get("acknowledged_at")
        if ack is not None and pd.notna(ack):
            # no responder names: the report shows roles (analysis.json people)
            rows.append(
                _ev(
                    ack,
                    "alert_acknowledged",
                    src,
                    svc,
                    f"{title} acknowledged",
                    _alert=idx,
                    _key=key,
                )
            )
        for col in ("escalated_at", "x_escalated_at"):
            esc = a.get(col)
            if esc is not None and pd.notna(esc):
                rows.append(
                    _ev(
                        pd.Timestamp(esc),
                        "alert_escalated",
                        src,
                        svc,
                        f"{title} escalated",
                        _alert=idx,
                        _key=key,
                    )
                )
                break
        res = a.get("resolved_at")
        if res is not None and pd.notna(res):
            rows.append(
                _ev(res, "alert_resolved", src, svc, f"{title} resolved", _alert=idx, _key=key)
            )
    return rows


def _chains(
    times: list[tuple[Any, pd.Timestamp, pd.Timestamp]], gap: pd.Timedelta, by_end: bool
) -> list[list[Any]]:
    """Group (key, start, end) items whose next start is within ``gap`` of the previous."""
    chains: list[list[Any]] = []
    last = None
    for key, start, end in sorted(times, key=lambda x: x[1]):
        if last is not None and start - last <= gap:
            chains[-1].append(key)
        else:
            chains.append([key])
        last = end if by_end else start
    return chains


def collapse_alerts(
    alerts: pd.DataFrame,
    *,
    tz: str = "UTC",
    storm_min: int = 5,
    storm_gap: str = "5min",
    flap_min: int = 3,
    flap_gap: str = "30min",
    dup_gap: str = "60s",
) -> pd.DataFrame:
    """Alert events with duplicates, flapping and storms collapsed into summaries."""
    if alerts is None or alerts.empty:
        return _frame([])
    rows = _raw_alert_events(alerts)
    member_of: dict[Any, str] = {}  # alert index -> summary key
    summaries: list[dict] = []
    ends = alert_ends(alerts)
    svc = (
        alerts["service"].astype("str")
        if "service" in alerts.columns
        else pd.Series("", index=alerts.index)
    )
    title = alerts["title"].astype("str")
    # duplicates: same service and title, started within dup_gap
    for _, grp in alerts.groupby([svc, title], sort=False):
        items = [(i, grp.at[i, "started_at"], grp.at[i, "started_at"]) for i in grp.index]
        for chain in _chains(items, duration(dup_gap), by_end=False):
            if len(chain) > 1:
                first = chain[0]
                for i in chain[1:]:
                    member_of[i] = f"dup:{first}"
                member_of[first] = f"dup:{first}"
                t0 = grp.at[first, "started_at"]
                summaries.append(
                    {
                        "key": f"dup:{first}",
                        "kind": "alert_duplicates",
                        "alerts": chain,
                        "row": _ev(
                            t0,
                            "alert_duplicates",
                            f"rule: duplicates ({_alert_ref(alerts, first)})",
                            grp.at[first, "service"] if "service" in grp.columns else "",
                            f"{grp.at[first, 'title']}: {len(chain)} duplicate alerts "
                            f"fired at {local_hm(t0, tz)} (merged)",
                        ),
                    }
                )
    # flapping: same service and title firing again within flap_gap of clearing
    rest = alerts.loc[[i for i in alerts.index if i not in member_of]]
    for (service, ttl), grp in rest.groupby([svc[rest.index], title[rest.index]], sort=False):
        items = [(i, grp.at[i, "started_at"], ends[i]) for i in grp.index]
        for chain in _chains(items, duration(flap_gap), by_end=True):
            if len(chain) >= flap_min:
                key = f"flap:{chain[0]}"
                for i in chain:
                    member_of[i] = key
                t0 = alerts.loc[chain, "started_at"].min()
                t1 = ends[chain].max()
                summaries.append(
                    {
                        "key": key,
                        "kind": "alert_flapping",
                        "alerts": chain,
                        "row": _ev(
                            t0,
                            "alert_flapping",
                            f"rule: flapping ({_alert_ref(alerts, chain[0])})",
                            service,
                            f"{ttl} flapped: fired {len(chain)} times between "
                            f"{local_hm(t0, tz)} and {local_hm(t1, tz)} (merged)",
                        ),
                    }
                )
    # storms: many alerts of one service within storm_gap of each other
    rest = alerts.loc[[i for i in alerts.index if i not in member_of]]
    for service, grp in rest.groupby(svc[rest.index], sort=False):
        items = [(i, grp.at[i, "started_at"], grp.at[i, "started_at"]) for i in grp.index]
        for chain in _chains(items, duration(storm_gap), by_end=False):
            if len(chain) >= storm_min:
                key = f"storm:{chain[0]}"
                for i in chain:
                    member_of[i] = key
                t0, t1 = (
                    alerts.loc[chain, "started_at"].min(),
                    alerts.loc[chain, "started_at"].max(),
                )
                r0, r1 = ends[chain].min(), ends[chain].max()
                src = f"rule: alert storm ({_alert_ref(alerts, chain[0])})"
                summaries.append(
                    {
                        "key": key,
                        "kind": "alert_storm",
                        "alerts": chain,
                        "row": _ev(
                            t0,
                            "alert_storm",
                            src,
                            service,
                            f"{len(chain)} alerts fired for {service} between "
                            f"{local_hm(t0, tz)} and {local_hm(t1, tz)}",
                        ),
                        "row2": _ev(
                            r1,
                            "alert_storm_resolved",
                            src,
                            service,
                            f"{len(chain)} alerts for {service} resolved between "
                            f"{local_hm(r0, tz)} and {local_hm(r1, tz)}",
                        ),
                    }
                )
    return _assemble(rows, summaries, member_of)


def _assemble(rows: list[dict], summaries: list[dict], member_of: dict[Any, str]) -> pd.DataFrame:
    """Summary events first-class; members kept with ``group`` = their summary's id."""
    out_rows: list[dict] = []
    sum_id: dict[str, str] = {}
    for s in summaries:
        r = s["row"]
        sum_id[s["key"]] = event_id(r["kind"], r["source"], r["timestamp"])
        out_rows.append(dict(r, members=len(s["alerts"])))
        if "row2" in s:
            out_rows.append(dict(s["row2"], members=len(s["alerts"])))
    for r in rows:
        key = member_of.get(r.pop("_alert"))
        out_rows.append(r if key is None else dict(r, group=sum_id[key]))
    out = _frame(out_rows)
    return out.sort_values(["timestamp", "kind"], kind="stable").reset_index(drop=True)
