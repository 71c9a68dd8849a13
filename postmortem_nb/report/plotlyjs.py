"""Plotly figures in a self-contained page: plotly.js once, compressed, and figure JSON.

plotly.min.js (about 4.8 MB) ships gzip-compressed and base64-encoded inside a
``<script type="text/plain">``; a small loader inflates it with the browser's
``DecompressionStream`` (Chrome 80+, Firefox 113+, Safari 16.4+), runs it, then draws
every figure from its ``<script type="application/json">`` block. No request leaves
the page. Figure JSON is escaped so that ``</script>`` or ``<!--`` in data cannot end
the block early; it is read with ``JSON.parse``, never evaluated.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ParameterError

log = logging.getLogger(__name__)

PLOTLY_MIME = "application/vnd.plotly.v1+json"
COMPRESS_OVER = 20_000
DEFAULT_HEIGHT = 450  # plotly's own default; the div needs it because figures are responsive
# WebGL traces print blank and need a GPU; up to this many points they are drawn as SVG.
SVG_POINT_LIMIT = 50_000
_GL_TO_SVG = {"scattergl": "scatter", "scatterpolargl": "scatterpolar"}

# The page is static: zoom and hover work, nothing is editable and nothing is fetched.
FIGURE_CONFIG = {"displaylogo": False, "responsive": True, "showLink": False}

_VERSION_RE = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+[\w.-]*)")


def plotly_js_path() -> Path:
    """The plotly.min.js shipped inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@lru_cache(maxsize=1)
def plotly_js_version() -> str:
    """The plotly.js version from the bundle's licence header (e.g. ``4.1.1``)."""
    with plotly_js_path().open("rb") as fh:
        head = fh.read(400)
    found = _VERSION_RE.search(head)
    return found.group(1).decode() if found else "unknown"


@dataclass(frozen=True)
class PlotlyBundle:
    """plotly.min.js as the page carries it, and the CSP hash of the script it becomes."""

    payload: str  # gzip + base64
    script_sha256: str  # base64 SHA-256 of the script text, for the page's CSP
    version: str


@lru_cache(maxsize=1)
def plotly_bundle() -> PlotlyBundle:
    """Compress plotly.min.js once per installed version (cached on disk: 0.3-0.6 s saved)."""
    raw = plotly_js_path().read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):  # the browser drops a BOM when it decodes
        raw = raw[3:]
    digest = hashlib.sha256(raw).digest()
    script_sha = base64.b64encode(digest).decode("ascii")
    cache = _cache_dir() / f"plotly-{digest.hex()[:32]}.gz.b64"
    payload = _read_cached(cache, digest)
    if payload is None:
        payload = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")
        _write_cached(cache, payload)
    return PlotlyBundle(payload, script_sha, plotly_js_version())


def plotly_js_payload() -> str:
    """plotly.min.js, gzip-compressed then base64-encoded (about 2 MB instead of 4.8 MB)."""
    return plotly_bundle().payload


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "postmortem-nb"


def _read_cached(path: Path, digest: bytes) -> str | None:
    try:
        payload = path.read_text(encoding="ascii")
        if hashlib.sha256(gzip.decompress(base64.b64decode(payload))).digest() == digest:
            return payload
    except (OSError, ValueError, EOFError, gzip.BadGzipFile):
        pass
    return None


def _write_cached(path: Path, payload: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(payload, encoding="ascii")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home is fine: compress again next time
        log.debug("plotly.js cache not written (%s)", exc)


def json_for_script(value: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc. (still the same JSON to ``JSON.parse``),
    and so do U+2028/U+2029, so no data string can close the element or open a comment.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        # numpy arrays, pandas timestamps, NaN/inf: plotly's encoder turns them into JSON
        # (NaN and inf become null, as in the notebook's own outputs).
        import plotly.io.json

        text = plotly.io.json.to_json_plotly(value)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def figure_dict(figure: Any) -> dict[str, Any]:
    """A plotly mimetype bundle value, a plain dict or a ``go.Figure`` as a JSON-ready dict."""
    if hasattr(figure, "to_plotly_json"):
        import plotly.io

        figure = json.loads(plotly.io.to_json(figure, validate=False))
    if not isinstance(figure, dict):
        msg = f"Expected a Plotly figure or its JSON dict, found {type(figure).__name__}."
        raise ParameterError(msg)
    return {
        "data": list(figure.get("data") or []),
        "layout": dict(figure.get("layout") or {}),
        "config": {**dict(figure.get("config") or {}), **FIGURE_CONFIG},
    }


def static_figure(spec: dict[str, Any]) -> dict[str, Any]:
    """Swap WebGL traces for their SVG twins when the figure is small enough to print."""
    data = spec["data"]
    if not any(t.get("type") in _GL_TO_SVG for t in data):
        return spec
    points = sum(
        point_count(t.get("x")) or point_count(t.get("y")) or point_count(t.get("r")) for t in data
    )
    if points > SVG_POINT_LIMIT:
        return spec
    traces = [{**t, "type": _GL_TO_SVG.get(t.get("type"), t.get("type"))} for t in data]
    return {**spec, "data": traces}


def point_count(values: Any) -> int:
    """Length of a trace array, plain or plotly's typed ``{"dtype", "bdata"}`` form."""
    if isinstance(values, list):
        return len(values)
    if isinstance(values, dict) and isinstance(values.get("bdata"), str):
        bdata = values["bdata"]
        nbytes = len(bdata) * 3 // 4 - bdata[-2:].count("=")
        return nbytes // _ITEMSIZE.get(str(values.get("dtype")), 1)
    return 0


_ITEMSIZE = {"f8": 8, "i8": 8, "u8": 8, "f4": 4, "i4": 4, "u4": 4, "i2": 2, "u2": 2}


def figure_title(spec: dict[str, Any]) -> str:
    """The figure's title as plain text: Plotly reads it as a little HTML (tags, and
    entities, which figures.py uses to show data's "<" literally)."""
    title = (spec.get("layout") or {}).get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if not title:
        return ""
    text = re.sub(r"<br\s*/?>", " ", str(title), flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()


def _visible_controls(value: Any) -> Any:
    """Every string of a figure spec with control characters made visible (safehtml)."""
    from ..safehtml import visible_controls

    if isinstance(value, str):
        return visible_controls(value)
    if isinstance(value, dict):
        return {k: _visible_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible_controls(v) for v in value]
    return value


def figure_html(figure: Any, figure_id: str) -> str:
    """The div a figure is drawn into, followed by its JSON (``figure_id`` is ours, not data).

    JSON over ``COMPRESS_OVER`` characters travels gzip + base64 (a few thousand
    timestamps shrink five- to tenfold); base64 has no ``<`` either.
    """
    if not re.fullmatch(r"[A-Za-z][\w-]*", figure_id):
        msg = f"figure_id must be a simple identifier, found {figure_id!r}."
        raise ValueError(msg)
    spec = static_figure(_visible_controls(figure_dict(figure)))
    height = spec["layout"].get("height")
    height = int(height) if isinstance(height, int | float) and height > 0 else DEFAULT_HEIGHT
    text = json_for_script(spec)
    encoding = ""
    if len(text) > COMPRESS_OVER:
        text = base64.b64encode(gzip.compress(text.encode("utf-8"), 9, mtime=0)).decode("ascii")
        encoding = ' data-encoding="gzip-base64"'
    return (
        f'<div class="pm-figure" id="{figure_id}" style="height:{height}px" role="figure"'
        f' aria-label="{html.escape(figure_title(spec) or "Figure", quote=True)}"></div>'
        f'<script type="application/json" class="pm-figure-data" data-target="{figure_id}"'
        f"{encoding}>{text}</script>"
    )


LOADER_JS = r"""
(function () {
  "use strict";
  function showError(message) {
    var figures = document.querySelectorAll(".pm-figure");
    for (var i = 0; i < figures.length; i++) { note(figures[i], message); }
    document.documentElement.setAttribute("data-figures", "failed");
  }
  function note(target, message) {
    var p = document.createElement("p");
    p.className = "pm-figure-error";
    p.textContent = "Figure could not be drawn: " + message;
    target.appendChild(p);
  }
  async function drawOne(block) {
    var target = document.getElementById(block.getAttribute("data-target"));
    if (!target) { return; }
    try {
      var text = block.textContent;
      if (block.getAttribute("data-encoding") === "gzip-base64") {
        text = await inflate(text);
      }
      var spec = JSON.parse(text);
      await window.Plotly.newPlot(target, spec.data, spec.layout, spec.config);
      await fitTitle(target);
    } catch (err) {
      note(target, String(err && err.message || err));
    }
  }
  async function drawAll() {
    var blocks = document.querySelectorAll("script.pm-figure-data");
    for (var i = 0; i < blocks.length; i++) { await drawOne(blocks[i]); }
    document.documentElement.setAttribute("data-figures", "drawn");
  }
  async function inflate(b64) {
    var bin = atob(b64.replace(/\s+/g, ""));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }
  async function main() {
    var payload = document.getElementById("pm-plotlyjs");
    if (!payload || !document.querySelector("script.pm-figure-data")) { return; }
    if (!window.Plotly) {
      if (typeof DecompressionStream === "undefined") {
        showError("no DecompressionStream here; use a current Chrome, Firefox or Safari.");
        return;
      }
      var source = await inflate(payload.textContent);
      var script = document.createElement("script");
      script.textContent = source;
      document.head.appendChild(script);
    }
    await drawAll();
  }
  // Plotly never wraps a title: on a phone (or with a long incident title) it ran off the
  // figure. Wrap it at spaces to the figure's width (a longer token is cut), measured from
  // the title as drawn, and give the top margin the extra lines.
  var UNIT = /<[^>]*>|&[#\w]+;|[\s\S]/g;
  function wrapTitle(text, perLine) {
    var lines = [];
    text.split(/<br\s*\/?>/i).forEach(function (para) {
      var line = [], len = 0;
      para.split(" ").forEach(function (word) {
        var units = word.match(UNIT) || [];
        var size = units.filter(function (u) { return u.charAt(0) !== "<"; }).length;
        if (len && len + 1 + size > perLine) { lines.push(line.join("")); line = []; len = 0; }
        if (len) { line.push(" "); len += 1; }
        for (var i = 0; i < units.length; i++) {
          if (len >= perLine && units[i].charAt(0) !== "<") {
            lines.push(line.join("")); line = []; len = 0;
          }
          line.push(units[i]);
          if (units[i].charAt(0) !== "<") { len += 1; }
        }
      });
      lines.push(line.join(""));
    });
    return lines;
  }
  async function fitTitle(target) {
    var layout = target.layout || {};
    var title = layout.title;
    if (!target.pmTitle) {
      if (!title || typeof title.text !== "string" || !title.text) { return; }
      target.pmTitle = title.text;
      target.pmMarginTop = (layout.margin && layout.margin.t) || 100;
    }
    var restore = {"title.text": target.pmTitle, "margin.t": target.pmMarginTop};
    if (title.text !== target.pmTitle) { await window.Plotly.relayout(target, restore); }
    var drawn = target.querySelector(".gtitle");
    if (!drawn) { return; }
    var box = drawn.getBoundingClientRect(), frame = target.getBoundingClientRect();
    var room = frame.right - box.left - 8;
    if (box.right <= frame.right || room <= 0) { return; }
    var chars = (drawn.textContent || "").length || 1;
    var perLine = Math.max(8, Math.floor(chars * room / box.width));
    var lines = wrapTitle(target.pmTitle, perLine);
    var lineHeight = 1.3 * (parseFloat(drawn.style.fontSize) || 17);
    await window.Plotly.relayout(target, {
      "title.text": lines.join("<br>"),
      "margin.t": target.pmMarginTop + (lines.length - 1) * lineHeight,
    });
  }
  function resizeAll() {
    if (!window.Plotly) { return; }
    var figures = document.querySelectorAll(".pm-figure.js-plotly-plot");
    for (var i = 0; i < figures.length; i++) {
      window.Plotly.Plots.resize(figures[i]);
      fitTitle(figures[i]);
    }
  }
  // Paper is narrower than the screen: redraw figures to the page width and back.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  function start() {
    main().catch(function (err) { showError(String(err && err.message || err)); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""
