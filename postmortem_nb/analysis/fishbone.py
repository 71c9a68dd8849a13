"""The Ishikawa (fishbone) diagram of contributing factors, as a static Plotly figure.

A horizontal spine leads to the effect (the incident) on the right; each category is
one angled bone, alternating above and below the spine; each factor is a short rib on
its bone with its text beside it. All text comes from the analyst and is escaped
(Plotly renders a subset of HTML in labels).
"""

from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go

from .model import FISHBONE_CATEGORIES, Analysis

BONE_COLOR = "#44546a"
SPINE_COLOR = "#1f2d3d"


def _label(text: str, width: int = 28, max_lines: int = 3) -> str:
    lines = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1] + "…"]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def fishbone_figure(analysis: Analysis, *, title: str = "") -> go.Figure:
    """Draw analysis.fishbone; empty categories still get their bone so the shape reads."""
    factors = [f for f in analysis.fishbone.factors if f.text.strip()]
    extra = [f.category for f in factors if f.category not in FISHBONE_CATEGORIES]
    categories = list(FISHBONE_CATEGORIES) + list(dict.fromkeys(extra))
    by_cat = {c: [f for f in factors if f.category == c] for c in categories}
    top, bottom = categories[0::2], categories[1::2]
    per_bone = max((len(v) for v in by_cat.values()), default=0)
    height_units = max(3.0, 0.9 * (per_bone + 1))
    spacing = 4.2
    spine_end = spacing * max(len(top), len(bottom)) + 0.8
    effect = analysis.fishbone.effect.strip() or analysis.summary.title.strip() or "The incident"

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, spine_end], y=[0, 0], mode="lines",
                             line={"color": SPINE_COLOR, "width": 4}, hoverinfo="skip",
                             showlegend=False))
    annotations = [{
        "x": spine_end, "y": 0, "xanchor": "left", "yanchor": "middle", "showarrow": False,
        "text": "<b>" + _label(effect, 22, 4) + "</b>", "align": "left",
        "bordercolor": SPINE_COLOR, "borderwidth": 2, "borderpad": 6, "bgcolor": "#f4f6f8",
        "font": {"size": 13},
    }]
    for row, sign in ((top, 1), (bottom, -1)):
        for j, cat in enumerate(row):
            x0 = spacing * (j + 1)
            head_x, head_y = x0 - 1.6, sign * height_units
            xs, ys, hover = [x0, head_x, None], [0, head_y, None], ["", "", ""]
            annotations.append({
                "x": head_x, "y": head_y, "yanchor": "bottom" if sign > 0 else "top",
                "showarrow": False, "text": f"<b>{html.escape(cat.title())}</b>",
                "font": {"size": 13, "color": BONE_COLOR},
            })
            items = by_cat[cat]
            for k, factor in enumerate(items):
                t = (k + 1) / (len(items) + 1)  # 0 at the head, 1 at the spine
                px, py = head_x + (x0 - head_x) * t, head_y * (1 - t)
                xs += [px, px - 0.7, None]
                ys += [py, py, None]
                tip = html.escape(factor.text, quote=False)
                if factor.evidence:
                    tip += "<br><i>evidence: " + html.escape(factor.evidence, quote=False) + "</i>"
                hover += [tip, tip, ""]
                annotations.append({
                    "x": px - 0.75, "y": py, "xanchor": "right", "yanchor": "middle",
                    "showarrow": False, "text": _label(factor.text), "align": "right",
                    "font": {"size": 11},
                })
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", name=cat, line={"color": BONE_COLOR, "width": 2},
                hovertext=hover, hoverinfo="text", showlegend=False,
            ))
    fig.update_layout(
        title={"text": html.escape(title, quote=False)} if title else None,
        annotations=annotations,
        xaxis={"visible": False, "range": [-3.2, spine_end + 3.6], "fixedrange": True},
        yaxis={"visible": False, "range": [-height_units - 1.2, height_units + 1.2],
               "fixedrange": True},
        height=int(260 + 60 * height_units),
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return fig
