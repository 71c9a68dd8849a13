"""Shared pieces of the analysis forms: the store lookup, bound fields, live checks.

Every field writes to the AnalysisStore on change (debounced while typing); every form
has a status line (saved / unsaved / error) and check panels that refresh after each
change. Re-running a form's cell closes the previous copy of that form, so a kernel
does not collect stale views.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w

from ..analysis.checks import Finding, check_analysis
from ..analysis.render import render_part_html
from ..analysis.store import AnalysisStore
from ..display import Live
from ..errors import PostmortemError
from ..safehtml import escape

StoreLike = AnalysisStore | str | os.PathLike[str]

FULL = w.Layout(width="100%")


def get_store(store: StoreLike) -> AnalysisStore:
    """Accept a store or a workspace/analysis.json path (one shared store per file)."""
    return store if isinstance(store, AnalysisStore) else AnalysisStore.open(store)


def css(widget: w.Widget, *classes: str) -> w.Widget:
    for c in classes:
        widget.add_class(c)
    return widget


def notes_html(findings: Iterable[Finding]) -> str:
    items = "".join(
        f'<li class="pm-check-{escape(f.severity)}">{escape(f.message)}'
        + (f" <em>{escape(f.suggestion)}</em>" if f.suggestion else "") + "</li>"
        for f in findings
    )
    return f'<ul class="pm-check-list">{items}</ul>' if items else ""


class Form:
    """One section's form: its store, check panels, status line and close-on-rerun."""

    _live: dict[tuple[Any, str], Form] = {}  # noqa: RUF012 - last form per (file, name)

    def __init__(self, store: AnalysisStore, name: str, *, today: dt.date | None = None):
        self.store = store
        self.name = name
        self.today = today
        self.panels: list[tuple[w.HTML, Callable[[Finding], bool], str]] = []
        self.status = css(w.HTML(), "pm-save-status")
        self.box: w.Box | None = None
        self._refreshers: list[Callable[[], None]] = []
        self._reloaders: list[Callable[[], None]] = []
        self._fields: list[tuple[w.Widget, Callable[[], Any], str]] = []
        self._generation = store.generation
        self._quiet = False  # True while fields are set from the store (no write back)
        old = Form._live.get((store.path, name))
        if old is not None:
            old.close()
        Form._live[(store.path, name)] = self
        ref = weakref.ref(self)

        def listener(_: AnalysisStore) -> None:
            form = ref()
            if form is not None:
                form.refresh()

        self._listener = listener
        store.on_change(listener)

    def close(self) -> None:
        self.store.remove_listener(self._listener)
        if self.box is not None:
            self.box.close()

    # ---------------------------------------------------------------- checks
    def panel(self, match: Callable[[Finding], bool] | str, group: str = "") -> w.HTML:
        """An HTML widget listing the findings whose field matches (prefix or predicate).

        Panels of list rows carry a group, dropped with ``drop_group`` when rows rebuild.
        """
        pred = match if callable(match) else (lambda f, p=match: f.field.startswith(p))
        html = css(w.HTML(), "pm-check")
        self.panels.append((html, pred, group))
        return html

    def drop_group(self, group: str) -> None:
        for html, _, g in self.panels:
            if g == group:
                html.close()
        self.panels = [p for p in self.panels if p[2] != group]
        self._fields = [f for f in self._fields if f[2] != group]

    def on_refresh(self, fn: Callable[[], None]) -> None:
        self._refreshers.append(fn)

    def on_reload(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` when the store's content was replaced from disk (rows rebuild)."""
        self._reloaders.append(fn)

    def _show_reloaded(self) -> None:
        """After a load or a merge with another writer the fields show the store's values;
        typing into a field that still showed the old text would write that text back
        over the other writer's edit."""
        self._generation = self.store.generation
        self._quiet = True
        try:
            for widget, getter, _ in self._fields:
                value = getter()
                value = "" if value is None else value
                if widget.value != value:
                    widget.value = value
        finally:
            self._quiet = False
        for fn in self._reloaders:
            fn()

    def refresh(self) -> None:
        if self.store.generation != self._generation:
            self._show_reloaded()
        findings = check_analysis(self.store.analysis, today=self.today)
        for html, pred, _ in self.panels:
            value = notes_html(f for f in findings if pred(f))
            if html.value != value:
                html.value = value
        store = self.store
        if store.last_error is not None:
            status = f'<span class="pm-error">Not saved: {escape(store.last_error)}</span>'
        elif store.dirty:
            status = '<span class="pm-unsaved">Saving…</span>'
        elif store.path.exists():
            status = f'<span class="pm-saved">Saved to {escape(store.path.name)} ' \
                f"(revision {store.revision}).</span>"
        else:
            status = '<span class="pm-unsaved">Nothing written yet.</span>'
        for msg in store.messages:
            status += f'<br><span class="pm-warning">{escape(msg)}</span>'
        self.status.value = status
        for fn in self._refreshers:
            fn()

    # ---------------------------------------------------------------- saving
    def apply(self, change: Callable[[Any], Any], *, debounce: bool = False) -> bool:
        """store.update, but a refused or failed write shows in the status line instead of
        raising inside a widget callback (where the user would never see it)."""
        try:
            self.store.update(change, debounce=debounce)
        except PostmortemError as exc:
            self.store.last_error = exc
            self.refresh()
            return False
        return True

    # ---------------------------------------------------------------- fields
    def text(
        self,
        getter: Callable[[], str],
        setter: Callable[[Any, str], None],
        *,
        cls: str,
        label: str = "",
        placeholder: str = "",
        area: bool = False,
        rows: int = 4,
        group: str = "",
    ) -> w.Widget:
        """A Text/Textarea showing getter() and saving via setter(analysis, value), debounced.

        ``getter`` reads through the store at call time (a merge replaces its objects);
        fields of list rows carry the rows' ``group``."""
        kind = w.Textarea if area else w.Text
        kwargs: dict[str, Any] = {"rows": rows} if area else {}
        widget = kind(value=getter() or "", placeholder=placeholder, description=label,
                      continuous_update=True, layout=FULL,
                      style={"description_width": "initial"}, **kwargs)
        css(widget, cls)

        def changed(change: dict[str, Any]) -> None:
            if self._quiet:
                return
            value = change["new"]
            self.apply(lambda a: setter(a, value), debounce=True)

        widget.observe(changed, names="value")
        self._fields.append((widget, getter, group))
        return widget

    def choice(
        self,
        options: Iterable[str],
        getter: Callable[[], str],
        setter: Callable[[Any, str], None],
        *,
        cls: str,
        label: str = "",
        width: str = "auto",
        group: str = "",
    ) -> w.Dropdown:
        opts = list(options)
        current = getter()
        if current not in opts:
            opts.append(current)  # never hide a value the file holds
        widget = css(w.Dropdown(options=opts, value=current, description=label,
                                layout=w.Layout(width=width),
                                style={"description_width": "initial"}), cls)

        def chosen(change: dict[str, Any]) -> None:
            if not self._quiet:
                self.apply(lambda a: setter(a, change["new"]))

        def current_value() -> str:
            value = getter()
            if value not in widget.options:  # a value from the other writer: offer it
                widget.options = (*widget.options, value)
            return value

        widget.observe(chosen, names="value")
        self._fields.append((widget, current_value, group))
        return widget

    def finish(self, children: list[w.Widget], title: str, static_html: str) -> Live:
        """Wrap the form, take a first look at checks and status, pair with static HTML."""
        header = w.HTML(f"<h4>{escape(title)}</h4>")
        self.box = css(w.VBox([header, *children, self.status], layout=FULL),
                       "pm-form", f"pm-{self.name}")
        self.refresh()
        return Live(self.box, static_html, text=f"{title} (form; static copy in HTML)")


def static_part(store: AnalysisStore, part: str, *, facts: Any = None, tz: str | None = None,
                today: dt.date | None = None) -> str:
    """The report's rendering of one part, plus its review notes, for headless outputs."""
    return render_part_html(part, store.analysis, facts=facts, tz=tz, today=today)


class Debouncer:
    """Run ``fn`` once, ``delay`` seconds after the last call (for figure redraws)."""

    def __init__(self, fn: Callable[[], None], delay: float = 0.4) -> None:
        self.fn = fn
        self.delay = delay
        self._timer: threading.Timer | None = None

    def __call__(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.delay <= 0:
            self.fn()
            return
        self._timer = threading.Timer(self.delay, self.fn)
        self._timer.daemon = True
        self._timer.start()
