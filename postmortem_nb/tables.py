"""Static HTML tables for the notebook and the report: every value from data is escaped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .safehtml import escape

MAX_ROWS = 200


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    cls: str = "pm-table",
    empty: str = "Nothing to show.",
    nowrap: Sequence[int] = (),
    anywhere: Sequence[int] = (),
) -> str:
    """A plain table; each cell is escaped, so a hostile log line stays text.

    Columns whose index is in ``nowrap`` (times, say) do not wrap; those in ``anywhere``
    (free text from data) may break inside a long word, so one 3,000-character token
    does not widen the table past its column.
    """
    attrs = dict.fromkeys(nowrap, ' style="white-space:nowrap"')
    attrs.update(dict.fromkeys(anywhere, ' class="pm-break"'))
    body = [
        "<tr>"
        + "".join(
            f"<td{attrs.get(i, '')}>{escape(v)}</td>" for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    ]
    if not body:
        return f'<p class="pm-empty">{escape(empty)}</p>'
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr>"
    return (
        f'<div class="pm-table-wrap"><table class="{escape(cls)}"><thead>{head}</thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _local(ts: Any, tz: str, *, short: bool = False, zone: bool = False) -> str:
    """Wall-clock time in ``tz``; ``zone`` adds its abbreviation (short form only)."""
    if ts is None or pd.isna(ts):
        return ""
    t = pd.Timestamp(ts).tz_convert(tz)
    if short:
        return t.strftime("%m-%d %H:%M:%S %Z" if zone else "%m-%d %H:%M:%S")
    return t.strftime("%Y-%m-%d %H:%M:%S %Z")


def crosses_offset_change(times: Iterable[Any], tz: str) -> bool:
    """True when ``tz``'s UTC offset is not the same at every one of ``times`` (DST)."""
    offsets = {pd.Timestamp(t).tz_convert(tz).utcoffset() for t in times if pd.notna(t)}
    return len(offsets) > 1


def _utc(ts: Any) -> str:
    if ts is None or pd.isna(ts):
        return ""
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%H:%M:%S")


def events_table(events: pd.DataFrame, tz: str) -> str:
    """The visible timeline: time in the team's zone and UTC, what, where, evidence."""
    if events is None or events.empty:
        return html_table([], [], empty="No events.")
    ev = events
    if "hidden" in ev.columns:
        ev = ev.loc[~ev["hidden"].astype(bool)]
    if "group" in ev.columns:  # members of a collapsed storm are listed under it, not here
        ev = ev.loc[ev["group"].fillna("") == ""]
    ev = ev.sort_values("timestamp", kind="stable")
    # across a DST change wall-clock times repeat or jump: each one says PDT/PST then
    zone = tz != "UTC" and crosses_offset_change(ev["timestamp"].head(MAX_ROWS), tz)
    rows = []
    for r in ev.head(MAX_ROWS).itertuples(index=False):
        d = r._asdict()
        marker = str(d.get("milestone") or "").replace("_", " ")
        kind = str(d.get("kind", "")).replace("_", " ")
        text, evidence = str(d.get("description", "")), str(d.get("source", ""))
        if marker and ": " in text:  # "Impact start (derived): <evidence>"
            text, evidence = text.split(": ", 1)
        if marker:
            kind = f"milestone: {marker}"
        if str(d.get("source", "")).startswith("analyst") or d.get("pinned"):
            kind = f"{kind} (analyst)"
        when = [_local(d["timestamp"], tz, short=True, zone=zone)]
        if tz != "UTC":
            when.append(_utc(d["timestamp"]))
        rows.append([*when, kind, d.get("service") or "", text, evidence])
    more = len(ev) - len(rows)
    note = f'<p class="pm-note">{more} more events not shown.</p>' if more > 0 else ""
    times = [f"Time ({tz})"] if tz == "UTC" else [f"Time ({tz})", "UTC"]
    return (
        html_table(
            [*times, "Kind", "Service", "Event", "Evidence"],
            rows,
            nowrap=tuple(range(len(times))),
            anywhere=(len(times) + 2, len(times) + 3),
        )
        + note
    )


def templates_table(new: pd.DataFrame, tz: str) -> str:
    """Error messages new in the incident window, or rare before it and frequent in it
    (the "Before the incident" column tells which), from the log template miner."""
    if new is None or new.empty:
        return html_table([], [], empty="No new error messages in the incident window.")
    cols = list(new.columns)

    def pick(row: Mapping[str, Any], *names: str) -> Any:
        for n in names:
            if n in row and not (isinstance(row[n], float) and pd.isna(row[n])):
                return row[n]
        return ""

    rows = []
    for row in new.head(50).to_dict("records"):
        rows.append(
            [
                _local(pick(row, "first_seen"), tz) if "first_seen" in cols else "",
                pick(row, "count", "incident_count"),
                _before(row),
                pick(row, "services", "service"),
                pick(row, "template"),
                pick(row, "example"),
            ]
        )
    return html_table(
        [f"First seen in the incident ({tz})", "Count", "Before the incident", "Services",
         "Template", "Example"],
        rows,
    )


def _before(row: Mapping[str, Any]) -> str:
    """How often the template was seen before the incident: "new" only when never."""
    def count(name: str) -> int:
        value = row.get(name)
        return 0 if value is None or (isinstance(value, float) and pd.isna(value)) else int(value)

    base, before = count("baseline_count"), count("before_count")
    if base:
        return f"{base:,} in the baseline (rare: now frequent)"
    if before:
        return f"{before:,} earlier, none in the baseline"
    return "none (new)"


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "not determined"
    if unit == "ratio":
        return f"{float(value):.1%}"
    if isinstance(value, float):
        return f"{value:,.2f} {unit}".strip()
    return f"{value:,} {unit}".strip()


# what each figure is, in words (the facts.json names are kept for compatibility:
# share_of_normal_traffic divides by the traffic that actually arrived)
IMPACT_LABELS = {
    "share_of_normal_traffic": "Share of transactions that failed",
    "traffic_vs_baseline": "Traffic vs baseline (1× = as usual)",
}


def _impact_label(name: str) -> str:
    """The same words for an impact figure in the table and in the appendix's methods."""
    return IMPACT_LABELS.get(name) or name.replace("_", " ").capitalize()


def _impact_value(name: str, fig: Mapping[str, Any]) -> str:
    value, unit = fig.get("value"), fig.get("unit", "")
    if value is None:
        return _fmt(value, unit)
    qualifier = str(fig.get("qualifier") or "")
    if qualifier:  # "3.1% of the 5 h of logs that day"
        return f"{_impact_value(name, {**fig, 'qualifier': ''})} {qualifier}"
    if name == "traffic_vs_baseline":
        return f"{float(value):.2f}×"
    if name == "excess_failures":  # a count: round(n - share x n) to whole transactions
        return f"{round(float(value)):,} {unit}".strip()
    return _fmt(value, unit)


def impact_table(facts: Mapping[str, Any]) -> str:
    """Each impact figure with its method: no number without how it was obtained.

    Above it, which log services the figures cover; below it, when the logs hold more
    than one service, every service's failures over the same period.
    """
    rows = []
    for name, fig in (facts.get("impact") or {}).items():
        if not isinstance(fig, Mapping):
            continue
        label = _impact_label(name)
        rows.append([label, _impact_value(name, fig), fig.get("method", "")])
    table = html_table(["Figure", "Value", "Method"], rows, empty="No impact figures.")
    method = services_method(facts)
    note = f'<p class="pm-note">{escape(method)}</p>' if method and rows else ""
    return note + table + by_service_table(facts.get("impact_by_service") or [])


def services_method(facts: Mapping[str, Any]) -> str:
    """Which log services the signal and headline impact cover (facts.json), or ""."""
    services = (facts.get("definitions") or {}).get("services")
    return str(services.get("method") or "") if isinstance(services, Mapping) else ""


def by_service_table(records: Sequence[Mapping[str, Any]], limit: int = 10) -> str:
    """Every service's requests and failures in the impact period (facts impact_by_service)."""
    recs = [r for r in records if isinstance(r, Mapping)]
    if len(recs) < 2:
        return ""
    rows = [
        [
            r.get("service", ""),
            f"{int(r.get('requests') or 0):,}",
            f"{int(r.get('failures') or 0):,}",
            _fmt(r.get("failure_rate"), "ratio"),
            _fmt(r.get("baseline_rate"), "ratio"),
            f"{round(float(r.get('excess_failures') or 0)):,}",
        ]
        for r in recs[:limit]
    ]
    more = (
        f'<p class="pm-note">{len(recs) - limit} more services in facts.json '
        "(impact_by_service).</p>"
        if len(recs) > limit
        else ""
    )
    head = "<p>Every service in the logs over the impact period:</p>"
    table = html_table(
        ["Service", "Requests", "Failed", "Failure rate", "Baseline rate", "Excess failures"],
        rows,
    )
    return head + table + more


def provenance_table(records: Iterable[Mapping[str, Any]], tz: str) -> str:
    """Input files with SHA-256, format, rows, time range and parse warnings."""
    rows = []
    warn_items = []
    for rec in records:
        for f in rec.get("files") or [{"path": p} for p in rec.get("paths", [])]:
            rows.append(
                [
                    rec.get("kind", ""),
                    f.get("path", ""),
                    f.get("format", rec.get("format", "")),
                    f.get("sha256") or "",
                    f.get("rows", ""),
                    f.get("skipped_count", 0),
                    f"{f.get('start') or ''} .. {f.get('end') or ''}",
                ]
            )
        warn_items += [f"{rec.get('kind')}: {w}" for w in rec.get("warnings") or []]
    table = html_table(
        ["Kind", "File", "Format", "SHA-256", "Rows", "Skipped", "Time range (UTC)"],
        rows,
        cls="pm-table pm-provenance",  # paths and hashes may wrap anywhere (report.css)
        empty="No input files.",
    )
    if warn_items:
        table += (
            "<p>Parse warnings:</p><ul>"
            + "".join(f"<li>{escape(w)}</li>" for w in warn_items)
            + "</ul>"
        )
    return table


def methods_html(story: Any, facts: Mapping[str, Any]) -> str:
    """How every derived figure was obtained, and what the tool could not determine."""
    items = [("Incident window", getattr(story, "window_reason", ""))]
    items.append(("Services measured", services_method(facts)))
    onset = getattr(story, "onset", None)
    if onset is not None:
        items.append(("Impact start and mitigation", getattr(onset, "method", "")))
    for name, m in (facts.get("milestones") or {}).items():
        if isinstance(m, Mapping) and m.get("evidence"):
            items.append(
                (name.replace("_", " ").capitalize(), f"{m.get('source')}: {m.get('evidence')}")
            )
    for name, fig in (facts.get("impact") or {}).items():
        if isinstance(fig, Mapping) and fig.get("method"):
            extra = "; ".join(fig.get("assumptions") or [])
            items.append(
                (
                    _impact_label(name),
                    fig["method"] + (f" Assumptions: {extra}" if extra else ""),
                )
            )
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items if v)
    warnings = facts.get("warnings") or []
    warn = ""
    if warnings:
        warn = (
            "<h4>Warnings</h4><ul>" + "".join(f"<li>{escape(w)}</li>" for w in warnings) + ("</ul>")
        )
    return f'<dl class="pm-methods">{body}</dl>{warn}'
