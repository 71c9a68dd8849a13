"""Timeline edits: add, edit and remove analyst events, hide derived events, override
milestones and the incident window. Times typed here are read in the team's zone
(``tz``) unless they carry Z or an offset."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w

from ..analysis.model import Window
from ..display import Live
from ..errors import PostmortemError
from ..safehtml import escape
from ..schema import MILESTONES
from ._base import FULL, Form, StoreLike, css, get_store, static_part


def _button(label: str, cls: str, icon: str = "") -> w.Button:
    return css(w.Button(description=label, icon=icon, layout=w.Layout(width="auto")), cls)


def _derived_options(events: Any) -> list[tuple[str, str]]:
    """(label, event_id) for the derived events of a timeline frame (analyst ones excluded)."""
    if events is None or len(events) == 0 or "event_id" not in events:
        return []
    out = []
    for row in events.itertuples(index=False):
        if str(getattr(row, "source", "")).startswith("analyst"):
            continue
        ts = getattr(row, "timestamp", None)
        when = ts.strftime("%H:%M:%S") if hasattr(ts, "strftime") else str(ts)
        desc = str(getattr(row, "description", ""))[:80]
        out.append((f"{when} {getattr(row, 'kind', '')}: {desc}", str(row.event_id)))
    return out


def hidden_gone_html(hidden: list[str], events: Any) -> str:
    """A note on hidden ids that match no event of ``events`` ("" when all match): the
    event the analyst hid shows again (its time moved, so its id changed, or it is gone)."""
    if events is None or "event_id" not in events:
        return ""
    from ..timeline import unmatched_hidden

    gone = unmatched_hidden(events, hidden)
    if not gone:
        return ""
    return (
        f'<p class="pm-warning pm-hidden-gone">{len(gone)} hidden event id(s) match no '
        f"event of this draft: {escape(', '.join(gone))}. The data changed since they were "
        "hidden (an event whose time moved gets a new id), so the events they meant may "
        "show again: select them below to hide them again, and forget the old ids "
        "(or wb.store.unhide_event(id)).</p>"
    )


def timeline_form(store: StoreLike, *, events: Any = None, tz: str = "UTC",
                  today: dt.date | None = None) -> Live:
    """Analyst events (add/edit/remove), hidden derived events, milestone and window overrides.

    ``events`` is the timeline frame (with event_id) so derived events can be hidden by name.
    """
    st = get_store(store)
    form = Form(st, "timeline", today=today)
    message = css(w.HTML(), "pm-timeline-message")

    def guarded(fn: Any) -> None:
        try:
            fn()
            message.value = ""
        except PostmortemError as exc:
            message.value = f'<span class="pm-error">{escape(exc)}</span>'

    # -------------------------------------------------------- added and pinned events
    events_box = css(w.VBox(layout=FULL), "pm-events")

    def by_id(event_id: str, attr: str):
        def apply(a: Any, value: Any) -> None:
            for ev in a.timeline.added_events:
                if ev.event_id == event_id:
                    setattr(ev, attr, value)
        return apply

    shown: list[str] = []  # event ids the rows show, in store order

    def rebuild_events() -> None:
        form.drop_group("events")
        shown[:] = [ev.event_id for ev in st.analysis.timeline.added_events]
        rows = []
        for ev in sorted(st.analysis.timeline.added_events, key=lambda e: e.timestamp):
            desc = form.text(lambda e=ev: e.description, by_id(ev.event_id, "description"),
                             cls="pm-event-edit-desc", label=ev.timestamp, group="events")
            remove = _button("Unpin" if ev.pinned else "Remove", "pm-event-remove", "trash")
            remove.on_click(lambda _, eid=ev.event_id: st.remove_event(eid))
            source = " ".join(x for x in (ev.evidence.source, ev.evidence.ref) if x)
            evidence = w.HTML(f"<small>{'pinned from ' if ev.pinned else ''}{escape(source)} "
                              f"<code>{escape(ev.evidence.text[:200])}</code></small>")
            index = st.analysis.timeline.added_events.index(ev)
            rows.append(css(w.VBox([w.HBox([desc, remove], layout=FULL), evidence,
                                    form.panel(f"timeline.added_events[{index}]",
                                               group="events")], layout=FULL),
                            "pm-event-row"))
        events_box.children = rows
        if form.box is not None:
            form.refresh()

    new_time = css(w.Text(placeholder=f"time, e.g. 2026-03-08 14:02 ({tz}) or ...Z",
                          description="Time"), "pm-event-time")
    new_desc = css(w.Text(placeholder="what happened", description="Event",
                          layout=w.Layout(width="50%")), "pm-event-desc")
    new_service = css(w.Text(placeholder="service", description="Service"), "pm-event-service")
    add = _button("Add event", "pm-event-add", "plus")

    def add_event(_: Any) -> None:
        def run() -> None:
            st.add_event(new_time.value, new_desc.value, service=new_service.value, tz=tz)
            new_time.value = new_desc.value = ""
        guarded(run)

    add.on_click(add_event)

    # -------------------------------------------------------- hide / unhide derived events
    options = _derived_options(events)
    hide_select = css(w.SelectMultiple(options=options, rows=min(8, max(2, len(options))),
                                       layout=FULL), "pm-hide-select")
    hidden_now = [v for _, v in options if v in st.analysis.timeline.hidden_events]
    hide_select.value = tuple(hidden_now)

    def hidden_changed(change: dict[str, Any]) -> None:
        wanted = set(change["new"])
        visible_ids = {v for _, v in options}

        def apply(a: Any) -> None:
            keep = [h for h in a.timeline.hidden_events if h not in visible_ids]
            a.timeline.hidden_events = keep + [v for _, v in options if v in wanted]
        form.apply(apply)

    hide_select.observe(hidden_changed, names="value")
    gone = css(w.HTML(hidden_gone_html(st.analysis.timeline.hidden_events, events)),
               "pm-hidden-gone-note")
    forget = _button("Forget the old ids", "pm-hidden-forget", "eraser")

    def forget_gone(_: Any) -> None:
        from ..timeline import unmatched_hidden

        old = set(unmatched_hidden(events, st.analysis.timeline.hidden_events))

        def apply(a: Any) -> None:
            a.timeline.hidden_events = [h for h in a.timeline.hidden_events if h not in old]
        form.apply(apply)

    forget.on_click(forget_gone)
    hide_part: list[w.Widget] = [w.HTML("<b>Hide derived events</b> (select to hide)"),
                                 gone, forget, hide_select] if options else []

    def sync_gone() -> None:
        value = hidden_gone_html(st.analysis.timeline.hidden_events, events)
        if gone.value != value:
            gone.value = value
        forget.layout.display = "" if value else "none"

    sync_gone()

    # -------------------------------------------------------- milestone overrides
    ms_rows = []
    for name in MILESTONES:
        current = st.analysis.timeline.milestone_overrides.get(name)
        at = css(w.Text(value=current.at if current else "", placeholder="derived",
                        description=name.replace("_", " "),
                        style={"description_width": "110px"}), f"pm-milestone-{name}-at")
        note = css(w.Text(value=current.note if current else "", placeholder="why / evidence"),
                   f"pm-milestone-{name}-note")
        save = _button("Set", f"pm-milestone-{name}-save")
        clear = _button("Use derived", f"pm-milestone-{name}-clear")
        save.on_click(lambda _, n=name, at=at, note=note: guarded(
            lambda: st.set_milestone_override(n, at.value, note.value, tz=tz)))

        def do_clear(_: Any, n: str = name, at: w.Text = at, note: w.Text = note) -> None:
            st.clear_milestone_override(n)
            at.value = note.value = ""

        clear.on_click(do_clear)
        ms_rows.append(w.HBox([at, note, save, clear]))

    # -------------------------------------------------------- incident window
    window = st.analysis.timeline.incident_window or Window()
    win_start = css(w.Text(value=window.start, description="Window start"), "pm-window-start")
    win_end = css(w.Text(value=window.end, description="end"), "pm-window-end")
    win_save = _button("Set window", "pm-window-save")
    win_clear = _button("Use derived", "pm-window-clear")
    win_save.on_click(lambda _: guarded(
        lambda: st.set_incident_window(win_start.value, win_end.value, tz=tz)))

    def clear_window(_: Any) -> None:
        st.set_incident_window(None, None)
        win_start.value = win_end.value = ""

    win_clear.on_click(clear_window)

    rebuild_events()

    def sync_events() -> None:
        # events added or removed anywhere (this form, a pin from an explorer, code):
        # the rows follow; an edit of a description does not rebuild (focus stays)
        if [ev.event_id for ev in st.analysis.timeline.added_events] != shown:
            rebuild_events()

    form.on_refresh(sync_events)
    form.on_refresh(sync_gone)
    form.on_reload(rebuild_events)
    children = [
        w.HTML("<b>Analyst and pinned events</b>"), events_box,
        w.HBox([new_time, new_desc, new_service, add], layout=FULL), message,
        *hide_part,
        w.HTML(f"<b>Milestone overrides</b> (times in {escape(tz)} unless they end in Z)"),
        *ms_rows,
        w.HBox([win_start, win_end, win_save, win_clear]),
    ]
    return form.finish(children, "Timeline edits",
                       static_part(st, "timeline_notes", tz=tz, today=today)
                       + hidden_gone_html(st.analysis.timeline.hidden_events, events))
