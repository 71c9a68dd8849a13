"""Alert exports -> canonical alert frames (one row per alert or PagerDuty incident).

Format-specific steps (``derive`` in formats.py) fill what a plain column mapping
cannot: PagerDuty's acknowledge time from ``seconds_to_first_ack``, severity from
priority else urgency, Opsgenie's report times, Alertmanager's "endsAt is not a
resolution" rules, its re-sent webhook notifications and the copies of an alert in
several receivers' groups (``/api/v2/alerts/groups``) folded into one row per alert,
PagerDuty log entries folded into one row per incident.
``incident_key`` is left empty for PagerDuty: each row is one incident/alert and
grouping happens later, by time correlation. PagerDuty's own ``incident_key`` (its
de-duplication key) is kept as the extra ``x_incident_key`` (``not_canonical`` in formats.py).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pandas as pd

from .formats import FORMATS
from .pipeline import Context, load
from .timestamps import parse_times

log = logging.getLogger(__name__)
_FORMATS = {f.name: f for f in FORMATS}


def _times(s: pd.Series, ctx: Context, what: str) -> pd.Series:
    return parse_times(s, tz=ctx.tz, rule=ctx.rule, what=what, path=str(ctx.src.path)).values


def _col(raw: pd.DataFrame, name: str) -> pd.Series | None:
    return raw[name] if name in raw.columns else None


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("str").str.strip() == "")


def _seconds(s: pd.Series) -> pd.Series:
    return pd.to_timedelta(pd.to_numeric(s, errors="coerce"), unit="s")


def pagerduty_summary(raw: pd.DataFrame, ctx: Context):
    """Incident CSV report and Analytics rows: ack = created + seconds_to_first_ack."""
    derived: dict[str, pd.Series] = {}
    prio, urg = _col(raw, "priority_name"), _col(raw, "urgency")
    if prio is not None and urg is not None:
        derived["severity_raw"] = prio.where(~_blank(prio), urg)
    elif prio is not None or urg is not None:
        derived["severity_raw"] = prio if prio is not None else urg
    start_col = ctx.fmt.mapping["started_at"]
    created = _col(raw, str(ctx.user_cols.get("started_at", start_col)))
    if created is not None:
        t0 = _times(created, ctx, "created times").reset_index(drop=True)
        ack = _col(raw, "seconds_to_first_ack")
        if ack is not None:
            derived["acknowledged_at"] = t0 + _seconds(ack.reset_index(drop=True))
        res = _col(raw, "seconds_to_resolve")
        if res is not None:
            derived["resolved_at"] = t0 + _seconds(res.reset_index(drop=True))
    return raw, derived


def pagerduty_incidents(raw: pd.DataFrame, ctx: Context):
    """REST incidents: priority.summary else urgency; first acknowledgement; resolved time."""
    derived: dict[str, pd.Series] = {}
    prio, urg = _col(raw, "priority.summary"), _col(raw, "urgency")
    if prio is not None or urg is not None:
        base = prio if prio is not None else urg
        derived["severity_raw"] = base.where(~_blank(base), urg) if urg is not None else base
    acks = _col(raw, "acknowledgements")
    if acks is not None:
        first = acks.map(_first_ack)
        derived["acknowledged_at"] = first.map(lambda a: a[0])
        derived["acknowledged_by"] = first.map(lambda a: a[1])
    status, changed = _col(raw, "status"), _col(raw, "last_status_change_at")
    if status is not None and changed is not None:
        derived["resolved_at"] = changed.where(status.astype("str") == "resolved")
    return raw, derived


def _first_ack(value) -> tuple[str | None, str | None]:
    try:
        items = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return None, None
    items = [a for a in items if isinstance(a, dict) and a.get("at")]
    if not items:
        return None, None
    first = min(items, key=lambda a: str(a["at"]))
    who = first.get("acknowledger")
    return str(first["at"]), (who.get("summary") if isinstance(who, dict) else None)


# "[#1042] Checkout latency": how PagerDuty writes an incident reference's summary
_PD_NUMBER = r"^\s*\[#(\d+)\]\s*"
# fields of the incident an entry belongs to (the same in each of its entries); the
# incident is embedded whole when the log entries were listed with include[]=incidents
_PD_PER_INCIDENT = ("incident.", "service.")
_PD_ENTRY_OWN = ("type", "created_at", "_t", "_line")
# copied into canonical columns as they are (alert_id, title, service): not kept twice
_PD_CANONICAL = ("incident.incident_number", "incident.title", "service.summary")


def _text(v: object) -> str | None:
    """A cell as text: None when blank; 1042.0 (a number column with gaps) as 1042."""
    if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def pagerduty_log_entries(raw: pd.DataFrame, ctx: Context):
    """Fold trigger/acknowledge/resolve log entries into one row per incident.

    Each row is one incident, as from the REST incidents export: its number as alert_id
    (``incident.incident_number``, else the ``[#1042]`` of the incident reference's
    summary; its id when neither), so ``--incident 1042`` finds it in either export;
    severity from ``incident.priority.summary`` else ``incident.urgency`` (present when the
    entries were listed with ``include[]=incidents``); the incident's and its service's
    fields and ``teams`` as extras, the trigger entry's own fields (agent, channel, event
    details) as ``trigger.*``. PagerDuty's ``incident.incident_key`` is its de-duplication
    key and stays an extra.
    """
    if raw.empty or "incident.id" not in raw.columns:
        return raw, {}
    raw = raw.copy()
    raw["_t"] = _times(raw["created_at"], ctx, "log entry times").to_numpy()
    raw = raw.sort_values("_t", kind="stable").reset_index(drop=True)
    key = raw["incident.id"]
    ids = key.dropna().unique()  # oldest first
    kinds = raw["type"].astype("str")
    every = pd.Series(True, index=raw.index)
    trig_mask = kinds.str.startswith("trigger")

    def firsts(mask: pd.Series, cols: list[str]) -> pd.DataFrame:
        """Per incident, the first non-blank value of each column among the masked entries."""
        cols = list(dict.fromkeys(cols))
        part = raw.loc[mask, [c for c in cols if c in raw.columns]]
        part = part.apply(lambda s: s.where(~_blank(s))) if len(part) else part
        found = part.groupby(key[mask], sort=False).first()
        return found.reindex(index=ids, columns=cols)

    incident = [c for c in raw.columns if c.startswith(_PD_PER_INCIDENT) or c == "teams"]
    own = [c for c in raw.columns if c not in incident and c not in _PD_ENTRY_OWN]
    info = firsts(every, [*incident, *_PD_CANONICAL, "incident.service.summary",
                          "incident.priority.summary", "incident.urgency", "incident.summary",
                          "_t", "_line"])
    trig = firsts(trig_mask, ["_t", "_line", *own])
    ack = firsts(kinds.str.startswith("acknowledge"), ["_t", "agent.summary"])
    res_mask = kinds.str.startswith("resolve")
    resolved = raw.loc[res_mask, "_t"].groupby(key[res_mask], sort=False).last().reindex(ids)

    summary = info["incident.summary"].map(_text)
    number = info["incident.incident_number"].map(_text)
    number = number.where(number.notna(), summary.str.extract(_PD_NUMBER, expand=False))
    title = info["incident.title"].map(_text)
    title = title.where(title.notna(), summary.str.replace(_PD_NUMBER, "", n=1, regex=True))
    severity = info["incident.priority.summary"].map(_text)
    severity = severity.where(severity.notna(), info["incident.urgency"].map(_text))
    service = info["service.summary"].map(_text)
    service = service.where(service.notna(), info["incident.service.summary"].map(_text))
    triggered = trig["_t"].notna()
    status = pd.Series("triggered", index=ids).where(ack["_t"].isna(), "acknowledged")
    out = pd.DataFrame(
        {
            "alert_id": number.where(number.notna(), pd.Series(ids, index=ids).astype("str")),
            "source": "pagerduty",
            "title": title,
            "service": service,
            "severity_raw": severity,
            "started_at": trig["_t"].where(triggered, info["_t"]),
            "acknowledged_at": ack["_t"],
            "acknowledged_by": ack["agent.summary"].map(_text),
            "resolved_at": resolved,
            "status": status.where(resolved.isna(), "resolved"),
            "entries": key.value_counts().reindex(ids),
            "_line": trig["_line"].where(triggered, info["_line"]).astype("int64"),
        }
    )
    extras = [c for c in incident if c not in _PD_CANONICAL]
    trigger = trig[own].dropna(axis=1, how="all").add_prefix("trigger.")  # not a notify's
    out = pd.concat([out, info[extras], trigger], axis=1).reset_index(drop=True)
    name = ctx.src.path.name
    if out["severity_raw"].isna().all():
        ctx.warnings.append(
            f"{name}: no incident priority or urgency in the log entries, so every severity "
            "is empty: list the log entries with include[]=incidents to have them"
        )
    if not triggered.all():
        ctx.warnings.append(
            f"{name}: {int((~triggered).sum())} incident(s) have no trigger_log_entry in the "
            "export: their start is their first entry's time"
        )
    return out, {}


def opsgenie(raw: pd.DataFrame, ctx: Context):
    """Opsgenie report.ackTime/closeTime are milliseconds after createdAt."""
    derived: dict[str, pd.Series] = {}
    start = str(ctx.user_cols.get("started_at", ctx.fmt.mapping["started_at"]))
    if start not in raw.columns:
        return raw, derived
    t0 = _times(raw[start], ctx, "createdAt values").reset_index(drop=True)
    for key, canon in (("report.ackTime", "acknowledged_at"), ("report.closeTime", "resolved_at")):
        for name in (key, key.split(".")[-1][0].upper() + key.split(".")[-1][1:]):
            if name in raw.columns:
                ms = pd.to_numeric(raw[name], errors="coerce").reset_index(drop=True)
                derived[canon] = t0 + pd.to_timedelta(ms, unit="ms")
                break
    status = _col(raw, "status") if "status" in raw.columns else _col(raw, "Status")
    if "resolved_at" in derived and status is not None:
        closed = status.reset_index(drop=True).astype("str").str.lower() == "closed"
        derived["resolved_at"] = derived["resolved_at"].where(closed)
    return raw, derived


_ZERO_TIME = "0001-01-01"


def alertmanager(raw: pd.DataFrame, ctx: Context):
    """endsAt is a resolution only when the alert is resolved (0001-01-01 or an expiry isn't)."""
    derived: dict[str, pd.Series] = {}
    if "endsAt" not in raw.columns:
        return raw, derived
    ends = raw["endsAt"].astype("str")
    status_col = "status.state" if "status.state" in raw.columns else "status"
    status = (
        raw[status_col].astype("str").str.lower()
        if status_col in raw.columns
        else pd.Series("", index=raw.index)
    )
    resolved = status.isin(["resolved", "normal", "ok", "inactive"])
    valid = ~ends.str.startswith(_ZERO_TIME) & ends.notna()
    derived["resolved_at"] = raw["endsAt"].where(resolved & valid)
    if ctx.parents:
        parent_status = [p.get("status") if isinstance(p, dict) else None for p in ctx.parents]
        if any(parent_status) and "status" not in raw.columns:
            raw = raw.assign(status=parent_status)
    if ctx.fmt.name in _WEBHOOKS:
        raw, derived = _one_row_per_alert(raw, derived, count="notifications")
    elif ctx.fmt.name == "alertmanager_groups":
        if "receivers" not in raw.columns and ctx.parents:
            raw = raw.assign(receivers=[_group_receivers(p) for p in ctx.parents])
        raw, derived = _one_row_per_alert(raw, derived, receivers=True)
    return raw, derived


_WEBHOOKS = ("alertmanager_webhook", "grafana_webhook")


def _group_receivers(group: object) -> str | None:
    """A group's receiver as the alerts' own ``receivers`` field writes it (JSON text)."""
    receiver = group.get("receiver") if isinstance(group, dict) else None
    name = receiver.get("name") if isinstance(receiver, dict) else None
    return json.dumps([{"name": name}], ensure_ascii=False) if name else None


def _receivers_union(values: pd.Series) -> str | None:
    """The receivers of an alert's copies (JSON lists of {"name": ...}), each once, in order."""
    seen: dict[str, dict] = {}
    for value in values:
        try:
            items = json.loads(value) if isinstance(value, str) else []
        except ValueError:
            items = []
        for item in items if isinstance(items, list) else []:
            name = item.get("name") if isinstance(item, dict) else item
            if name is not None:
                seen.setdefault(str(name), item)
    return json.dumps(list(seen.values()), ensure_ascii=False) if seen else None


def _label_sets(raw: pd.DataFrame) -> pd.Series:
    """Each row's labels as one text, ``name=value`` sorted by name; a label the alert does
    not have (NaN: other alerts of the file have it) or has empty is absent, as in
    Prometheus, where an empty label value is no label."""
    key = pd.Series("labels:", index=raw.index, dtype=object)
    for col in sorted(c for c in raw.columns if c.startswith("labels.")):
        value = raw[col]
        pair = ("\x1f" + col[len("labels.") :] + "=" + value.astype("str")).astype(object)
        key = key + pair.where(~_blank(value), "")
    return key


def _alert_keys(raw: pd.DataFrame) -> pd.Series:
    """An alert's identity: its fingerprint, else (none, or blank) its label set."""
    fp = _col(raw, "fingerprint")
    missing = _blank(fp) if fp is not None else pd.Series(True, index=raw.index)
    key = fp.astype("str").astype(object) if fp is not None else pd.Series("", index=raw.index)
    if missing.any():  # labels are read only for alerts without a fingerprint
        key = key.where(~missing, _label_sets(raw.loc[missing]))
    return key


def _one_row_per_alert(
    raw: pd.DataFrame,
    derived: dict[str, pd.Series],
    *,
    count: str | None = None,
    receivers: bool = False,
):
    """One row per alert: webhook logs repeat an alert (firing again every repeat_interval,
    then resolved), ``/api/v2/alerts/groups`` lists it once per group (receiver) it is in.

    One row per alert (fingerprint, else its labels) and startsAt: the latest copy's
    fields, the resolution from the latest that has one, the first copy's line; ``count``
    names a column for how many copies there were (webhooks: ``notifications``);
    ``receivers`` unites the copies' receivers (groups: each copy is one group's).
    """
    if "startsAt" not in raw.columns or raw.empty:
        return raw, derived
    groups = [_alert_keys(raw), raw["startsAt"].astype("str")]
    # dropna=False: an alert without startsAt stays, for the canonical step to report
    g = raw.groupby(groups, sort=False, dropna=False)
    last = (g.cumcount(ascending=False) == 0).to_numpy()
    out = raw.loc[last].copy()
    if count:
        out[count] = g["startsAt"].transform("size").loc[last].astype("int64")
    if receivers and "receivers" in raw.columns:
        out["receivers"] = g["receivers"].transform(_receivers_union).loc[last]
    if "_line" in raw.columns:
        out["_line"] = g["_line"].transform("min").loc[last]
    if "resolved_at" in derived:
        resolved = derived["resolved_at"].groupby(groups, sort=False, dropna=False)
        derived = {**derived, "resolved_at": resolved.transform("last").loc[last]}
    out = out.reset_index(drop=True)
    return out, {k: v.reset_index(drop=True) for k, v in derived.items()}


def generic_alerts(raw: pd.DataFrame, ctx: Context):
    return raw, {}


DERIVERS = {
    "pagerduty_summary": pagerduty_summary,
    "pagerduty_incidents": pagerduty_incidents,
    "pagerduty_log_entries": pagerduty_log_entries,
    "opsgenie": opsgenie,
    "alertmanager": alertmanager,
    "generic_alerts": generic_alerts,
}


def load_alerts(
    path_or_paths: str | os.PathLike | list,
    *,
    format: str | None = None,
    mapping: dict[str, object] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Alerts from any supported export as a canonical frame (see schema.ALERT_COLUMNS)."""
    df = load("alerts", path_or_paths, format=format, mapping=mapping, tz=tz, derivers=DERIVERS)
    note = duplicate_ids_note(df)
    if note:
        log.warning(note)
        df.attrs["source"]["warnings"].append(note)
    return df


def duplicate_ids_note(df: pd.DataFrame, shown: int = 3) -> str | None:
    """A warning when one alert id is on several rows: an incident chosen by alert id (a
    draft, batch) takes every such row, so a reused id or an export read twice would
    silently pull unrelated alerts in, or count one alert twice."""
    ids = df["alert_id"].astype("str").str.strip()
    dup = df.loc[df["alert_id"].notna() & (ids != "") & ids.duplicated(keep=False)]
    if dup.empty:
        return None
    series = {f["path"] for f in df.attrs.get("source", {}).get("files", [])
              if _FORMATS[f["format"]].mapping.get("alert_id") == "fingerprint"}
    groups = [
        (key, rows) for key, rows in dup.groupby(ids[dup.index], sort=False)
        # a fingerprint names an alert series: each firing episode is its own row
        if not (rows["_file"].astype("str").isin(series).all()
                and not rows["started_at"].duplicated().any())
    ]
    if not groups:
        return None
    where = []
    for key, rows in groups[:shown]:
        spots = ", ".join(f"{Path(str(f)).name} line {int(n)}"
                          for f, n in zip(rows["_file"], rows["_line"], strict=True))
        starts = rows["started_at"].nunique()
        same = "the same start" if starts == 1 else f"{starts} different starts"
        where.append(f"{key!r} ({len(rows)} rows, {same}: {spots})")
    more = f" and {len(groups) - shown} more" if len(groups) > shown else ""
    return (
        f"{len(groups)} alert id{'s are' if len(groups) > 1 else ' is'} on more than one row: "
        f"{'; '.join(where)}{more}. They are kept as separate alerts, and an incident chosen "
        "by alert id takes every such row. Remove a copy read twice, or map another column "
        "as alert_id (--map alert_id=COLUMN) if the ids are reused."
    )


__all__ = ["DERIVERS", "duplicate_ids_note", "load_alerts"]
