"""index.html: one self-contained, sortable page over every incident of a batch.

No network: inline CSS and a few lines of inline script (column sorting), and a
Content-Security-Policy that forbids loading anything. Every string from data is
HTML-escaped with the report's helper (bidi controls shown as ``[U+202E]``), long tokens
marked so they wrap (longtokens.py); links are relative paths into the workspaces,
percent-encoded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd

from ..longtokens import breakable
from ..safehtml import escape

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;
color:#1f2328;background:#fff;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:0 0 .25rem}
.sub{color:#59636e;margin:0 0 1rem}
.counts{display:flex;flex-wrap:wrap;gap:.6rem;margin:0 0 1rem;padding:0;list-style:none}
.counts li{border:1px solid #d1d9e0;border-radius:6px;padding:.4rem .8rem;min-width:7rem}
.counts b{display:block;font-size:1.4rem}
.counts li.alert{border-color:#cf222e;background:#ffebe9}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d1d9e0;padding:.35rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
.pm-long{overflow-wrap:anywhere}
th{background:#f6f8fa;position:sticky;top:0}
th button{all:unset;cursor:pointer;font-weight:600}
th button::after{content:" \\2195";color:#8c959f}
th[aria-sort=ascending] button::after{content:" \\2191"}
th[aria-sort=descending] button::after{content:" \\2193"}
td.num{text-align:right;white-space:nowrap}
td.time{white-space:nowrap}
tr.minor td{color:#59636e}
tr.stale{background:#fff8c5}
tr.failed{background:#ffebe9}
.st{border-radius:1em;padding:0 .5em;font-size:.85em;white-space:nowrap;border:1px solid #d1d9e0}
.st-failed{background:#cf222e;color:#fff}
.st-final{background:#1a7f37;color:#fff}
.st-in-review{background:#9a6700;color:#fff}
.err{color:#cf222e;font-size:.85em;white-space:pre-wrap;max-width:40rem}
.warn{color:#9a6700}
.why{color:#59636e;font-size:.85em}
@media (max-width:80rem){.table-wrap{overflow-x:auto}th{position:static}}
@page{size:A4 landscape;margin:12mm 10mm}
@media print{body{margin:0;font-size:9pt}th{position:static}th button::after{content:""}
.table-wrap{overflow:visible}th,td{padding:.2rem .3rem}.counts li{padding:.2rem .5rem}
tr{break-inside:avoid}thead{display:table-header-group}}
"""

# Sorts by each cell's data-sort (numbers when both parse, else text); no network, no eval.
SCRIPT = """
(function(){
  var table=document.getElementById('incidents');
  if(!table){return;}
  var heads=table.tHead.rows[0].cells;
  var NUM=/^-?[0-9]+([.][0-9]+)?$/;
  function key(row,i){var c=row.cells[i];return c.getAttribute('data-sort')||c.textContent;}
  function sortBy(i){
    var th=heads[i];
    var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
    for(var j=0;j<heads.length;j++){heads[j].removeAttribute('aria-sort');}
    th.setAttribute('aria-sort',dir);
    var body=table.tBodies[0];
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=key(a,i).trim(),y=key(b,i).trim(),r;
      if(NUM.test(x)&&NUM.test(y)){r=parseFloat(x)-parseFloat(y);}
      else{r=x.localeCompare(y);}
      return dir==='ascending'?r:-r;
    });
    rows.forEach(function(r){body.appendChild(r);});
  }
  Array.prototype.forEach.call(heads,function(th,i){
    var b=th.querySelector('button');
    if(b){b.addEventListener('click',function(){sortBy(i);});}
  });
})();
"""

COLUMNS = (
    ("id", "Incident"), ("title", "Title"), ("severity", "Severity"),
    ("services", "Services"), ("start", "Start"), ("duration", "Duration"),
    ("ttd", "Time to detect"), ("ttr", "Time to resolve"), ("status", "Post-mortem"),
    ("open", "Open actions"), ("findings", "Check findings"), ("links", "Links"),
)


def _dur(seconds: Any) -> str:
    if seconds is None:
        return "–"
    s = round(float(seconds))
    h, rem = divmod(abs(s), 3600)
    m = rem // 60
    text = f"{h} h {m:02d} min" if h else f"{m} min"
    return ("−" if s < 0 else "") + text


def _local(iso: str | None, tz: str) -> str:
    if not iso:
        return ""
    return pd.Timestamp(iso).tz_convert(tz).strftime("%Y-%m-%d %H:%M %Z")


def _td(text: str, sort: Any = None, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if sort is not None:
        attrs += f' data-sort="{escape(sort)}"'
    return f"<td{attrs}>{text}</td>"


def _link(path: str | None, label: str) -> str:
    if not path:
        return ""
    return f'<a href="{escape(quote(path))}">{escape(label)}</a>'


def _row(r: dict[str, Any], tz: str) -> str:
    classes = []
    if not r["significant"]:
        classes.append("minor")
    if r["stale"]:
        classes.append("stale")
    if r["status"] == "failed":
        classes.append("failed")
    status = r["status"]
    badge = f'<span class="st st-{escape(status.replace(" ", "-"))}">{escape(status)}</span>'
    if r["stale"]:
        badge += ' <span class="warn">no analysis yet</span>'
    if r["error"]:
        badge += f'<div class="err">{breakable(r["error"])}</div>'
    if not r["significant"] and r.get("reasons"):
        badge += f'<div class="why">{breakable("; ".join(r["reasons"]))}</div>'
    for note in r.get("notes") or []:
        badge += f'<div class="warn note">{breakable(note)}</div>'
    links = " ".join(
        x for x in (
            _link(r["report"], "report"),
            _link(r["notebook"], "notebook"),
            _link(r["log"], "log"),
        ) if x
    )
    sev = r["severity"] or ""
    # not drafted (no facts.json): the alerts' span, marked so it is not read as the report's
    mark = " (alerts)" if r.get("times_from") == "alerts" else ""
    start = r.get("incident_start") or r["start"]
    cells = [
        _td(breakable(r["id"]), r["id"]),
        _td(breakable(r["title"] or "")),
        _td(escape(sev), sev or "SEV9"),
        _td(breakable(", ".join(r["services"]))),
        _td(escape(_local(start, tz)) + mark, start or "", "time"),
        _td(_dur(r["duration_s"]) + mark,
            r["duration_s"] if r["duration_s"] is not None else "", "num"),
        _td("alert before impact signal", -1, "num")
        if r.get("alert_before_impact_signal")
        else _td(_dur(r["time_to_detect_s"]), r["time_to_detect_s"] if r["time_to_detect_s"]
                 is not None else "", "num"),
        _td(_dur(r["time_to_resolve_s"]), r["time_to_resolve_s"] if r["time_to_resolve_s"]
            is not None else "", "num"),
        _td(badge, status),
        _td(str(r["open_action_items"]), r["open_action_items"], "num"),
        _td("–" if r["check_findings"] is None else str(r["check_findings"]),
            -1 if r["check_findings"] is None else r["check_findings"], "num"),
        _td(links),
    ]
    cls = f' class="{" ".join(classes)}"' if classes else ""
    return f"<tr{cls}>{''.join(cells)}</tr>"


def render_index_html(doc: dict[str, Any], *, n_actions: int = 0) -> str:
    """The whole page from an index.json document."""
    tz = doc.get("timezone") or "UTC"
    c = doc["counts"]
    boxes = [
        ("incidents", c["incidents"], False),
        ("significant", c["significant"], False),
        ("drafted", c["drafted"], False),
        ("failed", c["failed"], c["failed"] > 0),
        (f"significant without analysis after {doc['stale_days']} days", c["stale"],
         c["stale"] > 0),
        ("action items (actions.csv)", n_actions, False),
    ]
    counts = "".join(
        f'<li{" class=alert" if hot else ""}><b>{n}</b>{escape(label)}</li>'
        for label, n, hot in boxes
    )
    warnings = "".join(f'<p class="warn">{escape(w)}</p>' for w in doc.get("warnings", []))
    head = "".join(
        f'<th scope="col"><button type="button">{escape(label)}</button></th>'
        for _, label in COLUMNS
    )
    body = "\n".join(_row(r, tz) for r in doc["incidents"])
    run = (
        f"Generated {escape(doc['generated_at'])}; significant means "
        f"{escape(doc.get('criteria_text') or '')}; times in {escape(tz)}. "
        f"This run: {c['executed_this_run']} executed, {c['up_to_date']} up to date, "
        f"{c['frozen']} final (left alone). Start and duration are the report's (impact "
        "start to resolved, from facts.json); those marked (alerts) have no draft: first "
        "alert fired to last alert resolved."
    )
    if doc.get("stopped_by"):
        run += (
            f" Stopped by {escape(doc['stopped_by'])}: {c.get('interrupted', 0)} draft(s) "
            f"interrupted, {c.get('not_started', 0)} not started; run the batch again to "
            "finish them."
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Post-mortems: incident overview</title>
<style>{CSS}</style>
</head>
<body>
<h1>Post-mortems: incident overview</h1>
<p class="sub">{run} Links: <a href="index.json">index.json</a>,
<a href="actions.csv">actions.csv</a>.</p>
<ul class="counts">{counts}</ul>
{warnings}
<div class="table-wrap">
<table id="incidents">
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</div>
<script>{SCRIPT}</script>
</body>
</html>
"""
