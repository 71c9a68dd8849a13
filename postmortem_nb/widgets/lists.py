"""Forms for the list sections: 5 Whys, fishbone factors (with the diagram), action items.

Rows address their item by index (whys, factors) or id (action items) at the time of
each change, so an edit always lands on what is in the store now, even after a merge
with another writer replaced the objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..analysis.model import (
    ACTION_TYPES,
    FISHBONE_CATEGORIES,
    PRIORITIES,
    STATUSES,
    Factor,
    Why,
)
from ..display import Live
from ._base import FULL, Debouncer, Form, StoreLike, css, get_store, static_part


def _button(label: str, cls: str, icon: str = "", tip: str = "") -> w.Button:
    return css(w.Button(description=label, icon=icon, tooltip=tip or label,
                        layout=w.Layout(width="auto")), cls)


def _at(items_of: Callable[[Any], list], i: int, attr: str) -> Callable[[Any, Any], None]:
    def apply(a: Any, value: Any) -> None:
        items = items_of(a)
        if i < len(items):
            setattr(items[i], attr, value)
    return apply


def _move(items: list, i: int, step: int) -> None:
    j = i + step
    if 0 <= i < len(items) and 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]


# ------------------------------------------------------------------ 5 Whys


def five_whys_form(store: StoreLike, *, today: dt.date | None = None) -> Live:
    """An ordered why/because chain: add, remove, move up and down."""
    st = get_store(store)
    form = Form(st, "five-whys", today=today)
    rows_box = css(w.VBox(layout=FULL), "pm-whys")

    def whys(a: Any) -> list:
        return a.five_whys

    def act(fn: Callable[[Any], Any]) -> None:
        form.apply(fn)
        rebuild()

    def rebuild() -> None:
        form.drop_group("rows")
        rows = []
        for i, item in enumerate(st.analysis.five_whys):
            why = form.text(lambda it=item: it.why, _at(whys, i, "why"), cls="pm-why-why",
                            label=f"{i + 1}. Why?", placeholder="Why did ... happen?",
                            group="rows")
            because = form.text(lambda it=item: it.because, _at(whys, i, "because"),
                                cls="pm-why-because", label="Because",
                                placeholder="a system condition, not a person", group="rows")
            evidence = form.text(lambda it=item: it.evidence, _at(whys, i, "evidence"),
                                 cls="pm-why-evidence", label="Evidence",
                                 placeholder="link or reference (optional)", group="rows")
            up = _button("", "pm-why-up", "arrow-up", "Move up")
            down = _button("", "pm-why-down", "arrow-down", "Move down")
            remove = _button("", "pm-why-remove", "trash", "Remove")
            up.on_click(lambda _, i=i: act(lambda a: _move(a.five_whys, i, -1)))
            down.on_click(lambda _, i=i: act(lambda a: _move(a.five_whys, i, 1)))
            remove.on_click(lambda _, i=i: act(
                lambda a: a.five_whys.pop(i) if i < len(a.five_whys) else None))
            panel = form.panel(f"five_whys[{i}]", group="rows")
            rows.append(css(w.VBox([why, because, evidence, w.HBox([up, down, remove]), panel],
                                   layout=FULL), "pm-why-row"))
        rows_box.children = rows
        if form.box is not None:
            form.refresh()

    add = _button("Add why", "pm-why-add", "plus")
    add.on_click(lambda _: act(lambda a: a.five_whys.append(Why())))
    rebuild()
    form.on_reload(rebuild)
    children = [rows_box, add, form.panel(lambda f: f.field == "five_whys")]
    return form.finish(children, "5 Whys", static_part(st, "root_cause", today=today))


# ------------------------------------------------------------------ fishbone


def fishbone_form(store: StoreLike, *, today: dt.date | None = None,
                  redraw_delay: float = 0.0) -> Live:
    """Contributing factors by category, with the fishbone diagram redrawn as they change.

    The diagram is drawn into an Output as Plotly's JSON mimetype (display.Figure): a
    FigureWidget would import plotly.io's renderers, seconds per kernel. Redraws are
    synchronous by default (a few ms): output sent from a timer thread can land in
    whatever cell is running then.
    """
    from ..analysis.fishbone import fishbone_figure
    from ..display import Figure

    st = get_store(store)
    form = Form(st, "fishbone", today=today)
    rows_box = css(w.VBox(layout=FULL), "pm-factors")
    figure_out = w.Output(layout=FULL)
    figure_box = css(w.Box([figure_out], layout=FULL), "pm-fishbone-figure")

    def draw() -> None:
        figure_out.clear_output(wait=True)
        figure_out.append_display_data(Figure(fishbone_figure(st.analysis)))

    redraw = Debouncer(draw, redraw_delay)

    def factors(a: Any) -> list:
        return a.fishbone.factors

    def act(fn: Callable[[Any], Any]) -> None:
        form.apply(fn)
        rebuild()

    def rebuild() -> None:
        form.drop_group("rows")
        rows = []
        for i, item in enumerate(st.analysis.fishbone.factors):
            cat = form.choice(FISHBONE_CATEGORIES, lambda it=item: it.category,
                              _at(factors, i, "category"), cls="pm-factor-category",
                              group="rows")
            text = form.text(lambda it=item: it.text, _at(factors, i, "text"),
                             cls="pm-factor-text", placeholder="contributing factor",
                             group="rows")
            evidence = form.text(lambda it=item: it.evidence, _at(factors, i, "evidence"),
                                 cls="pm-factor-evidence", placeholder="evidence (optional)",
                                 group="rows")
            remove = _button("", "pm-factor-remove", "trash", "Remove")
            remove.on_click(lambda _, i=i: act(
                lambda a: a.fishbone.factors.pop(i) if i < len(a.fishbone.factors) else None))
            panel = form.panel(f"fishbone.factors[{i}]", group="rows")
            rows.append(css(w.VBox([w.HBox([cat, text, evidence, remove], layout=FULL), panel],
                                   layout=FULL), "pm-factor-row"))
        rows_box.children = rows
        if form.box is not None:
            form.refresh()

    effect = form.text(lambda: st.analysis.fishbone.effect,
                       lambda a, v: setattr(a.fishbone, "effect", v),
                       cls="pm-fishbone-effect", label="Effect (head of the fish)",
                       placeholder="e.g. Checkout returned 503 for 42 minutes")
    category = css(w.Dropdown(options=FISHBONE_CATEGORIES, value="process",
                              layout=w.Layout(width="auto")), "pm-factor-new-category")
    add = _button("Add factor", "pm-factor-add", "plus")
    add.on_click(lambda _: act(lambda a: a.fishbone.factors.append(
        Factor(category=category.value))))
    rebuild()
    form.on_reload(rebuild)
    draw()
    children = [effect, rows_box, w.HBox([category, add]),
                form.panel(lambda f: f.field == "fishbone.factors"), figure_box]
    live = form.finish(children, "Contributing factors (fishbone)",
                       static_part(st, "root_cause", today=today))
    # Only edits redraw later: a timer thread started while the notebook is being run
    # (finish() refreshes once) sends Output-widget messages during later cells, which
    # breaks nbclient under papermill (IndexError in remove_output_hook, or a hung cell).
    form.on_refresh(redraw)
    return live


# ------------------------------------------------------------------ action items


def action_items_form(store: StoreLike, *, today: dt.date | None = None) -> Live:
    """Editable action items: what, owner, due date, success criterion, priority, status."""
    from ..analysis._helpers import as_due, next_action_id
    from ..analysis.model import ActionItem

    st = get_store(store)
    form = Form(st, "action-items", today=today)
    rows_box = css(w.VBox(layout=FULL), "pm-actions")

    def by_id(item_id: str, attr: str) -> Callable[[Any, Any], None]:
        def apply(a: Any, value: Any) -> None:
            for item in a.action_items:
                if item.id == item_id:
                    setattr(item, attr, value)
        return apply

    def act(fn: Callable[[Any], Any]) -> None:
        form.apply(fn)
        rebuild()

    def rebuild() -> None:
        form.drop_group("rows")
        rows = []
        for i, item in enumerate(st.analysis.action_items):
            ident = item.id

            def text(attr: str, cls: str, label: str, placeholder: str = "",
                     it: Any = item, ident: str = ident) -> w.Widget:
                return form.text(lambda: getattr(it, attr), by_id(ident, attr), cls=cls,
                                 label=label, placeholder=placeholder, group="rows")

            try:
                due_value = dt.date.fromisoformat(item.due) if item.due else None
            except ValueError:
                due_value = None
            due = css(w.DatePicker(value=due_value, description="Due",
                                   layout=w.Layout(width="auto")), "pm-action-due")
            due.observe(lambda ch, ident=ident: form.apply(
                lambda a: by_id(ident, "due")(a, as_due(ch["new"]))), names="value")
            remove = _button("", "pm-action-remove", "trash", "Remove")
            remove.on_click(lambda _, ident=ident: act(
                lambda a: a.action_items.__setitem__(
                    slice(None), [x for x in a.action_items if x.id != ident])))
            pickers = [
                form.choice(PRIORITIES, lambda it=item: it.priority, by_id(ident, "priority"),
                            cls="pm-action-priority", label="Priority", group="rows"),
                form.choice(STATUSES, lambda it=item: it.status, by_id(ident, "status"),
                            cls="pm-action-status", label="Status", group="rows"),
                form.choice(ACTION_TYPES, lambda it=item: it.type, by_id(ident, "type"),
                            cls="pm-action-type", label="Type", group="rows"),
            ]
            rows.append(css(w.VBox([
                w.HTML(f"<b>{ident}</b>"),
                text("description", "pm-action-description", "What",
                     "a specific change, e.g. Add a canary stage to config pushes"),
                w.HBox([text("owner", "pm-action-owner", "Owner", "team or role"), due,
                        *pickers], layout=FULL),
                text("success_criterion", "pm-action-criterion", "Done when",
                     "e.g. alert X pages within 5 minutes"),
                text("link", "pm-action-link", "Link", "tracker URL (optional)"),
                remove,
                form.panel(f"action_items[{i}]", group="rows"),
            ], layout=FULL), "pm-action-row"))
        rows_box.children = rows
        if form.box is not None:
            form.refresh()

    def add_item(a: Any) -> None:
        a.action_items.append(ActionItem(id=next_action_id(a)))

    add = _button("Add action item", "pm-action-add", "plus")
    add.on_click(lambda _: act(add_item))
    rebuild()
    form.on_reload(rebuild)
    children = [rows_box, add, form.panel(lambda f: f.field == "action_items")]
    return form.finish(children, "Action items", static_part(st, "action_items", today=today))
