"""Forms for the prose sections: summary, impact, lessons learned, review status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w

from ..analysis.model import REVIEW_STATUSES, Person
from ..analysis.people import suggest_people
from ..display import Live
from ..safehtml import escape
from ..schema import SEVERITIES
from ._base import FULL, Form, StoreLike, css, get_store, static_part


def _aliases(text: str) -> list[str]:
    """The aliases field's comma-separated text as the list analysis.json keeps."""
    return [x.strip() for x in text.split(",") if x.strip()]


def _people_box(form: Form, frames: tuple = ()) -> w.VBox:
    """Editable people list: name, other names (aliases), role, and whether the report may
    show the name. A handle the data uses ("dana.w") goes in the aliases of the person it
    stands for, so the report lists them once and swaps both names for the role."""
    box = css(w.VBox(layout=FULL), "pm-people")
    store = form.store

    def setter(i: int, attr: str):
        def apply(a: Any, value: Any) -> None:
            if i < len(a.summary.people):
                setattr(a.summary.people[i], attr, value)
        return apply

    def rebuild() -> None:
        form.drop_group("people")
        rows = []
        for i, person in enumerate(store.analysis.summary.people):
            name = form.text(lambda p=person: p.name, setter(i, "name"), cls="pm-person-name",
                             placeholder="name (as in the exports)", group="people")
            aliases = form.text(lambda p=person: ", ".join(p.aliases),
                                lambda a, v, i=i: setter(i, "aliases")(a, _aliases(v)),
                                cls="pm-person-aliases", group="people",
                                placeholder="other names, comma-separated (handle, chat name)")
            role = form.text(lambda p=person: p.role, setter(i, "role"), cls="pm-person-role",
                             placeholder="role, e.g. incident commander", group="people")
            show = css(w.Checkbox(value=person.show_name, description="show name in report",
                                  indent=False), "pm-person-show")
            show.observe(lambda ch, i=i: form.apply(
                lambda a: setter(i, "show_name")(a, bool(ch["new"]))), names="value")
            remove = css(w.Button(description="Remove", icon="trash"), "pm-person-remove")
            remove.on_click(lambda _, i=i: (form.apply(lambda a: a.summary.people.pop(i)
                                                         if i < len(a.summary.people) else None),
                                            rebuild()))
            rows.append(w.HBox([name, aliases, role, show, remove], layout=FULL))
        add = css(w.Button(description="Add person", icon="plus"), "pm-person-add")
        add.on_click(lambda _: (form.apply(lambda a: a.summary.people.append(Person())),
                                rebuild()))
        proposals = []
        for person in suggest_people(store.analysis, *frames):
            accept = css(w.Button(description=f"Add {person.name} as {person.role}",
                                  icon="user-plus", layout=w.Layout(width="auto")),
                         "pm-person-suggested")
            accept.on_click(lambda _, p=person: (form.apply(lambda a: _add_new(a, p)),
                                                 rebuild()))
            proposals.append(accept)
        hint = [w.HTML("<small>Named in the data:</small>"), w.HBox(proposals)] if proposals \
            else []
        box.children = [w.HTML("<b>People involved</b> (the report shows roles, not names, "
                               "unless allowed)"), *rows, add, *hint]

    rebuild()
    form.on_reload(rebuild)
    return box


def _add_new(analysis: Any, person: Person) -> None:
    """Add a proposed person, unless the name became someone's name or alias since the
    offer was shown (typed into an aliases field): never list one person twice."""
    if person.name.casefold() not in {n.casefold() for n in analysis.person_names()}:
        analysis.summary.people.append(Person(name=person.name, role=person.role))


def summary_form(store: StoreLike, *, facts: dict | None = None, tz: str | None = None,
                 alerts: Any = None, changes: Any = None, today: dt.date | None = None) -> Live:
    """Incident summary: title, what happened, customer description, severity, services, people.

    With the alerts and changes frames, people named there (acknowledged_by, author) are
    offered for the people list with a proposed role.
    """
    st = get_store(store)
    form = Form(st, "summary", today=today)

    def s() -> Any:  # the current object: a merge with another writer replaces it
        return st.analysis.summary

    def set_attr(attr: str):
        return lambda a, v: setattr(a.summary, attr, v)

    title = form.text(lambda: s().title, set_attr("title"), cls="pm-summary-title", label="Title")
    what = form.text(lambda: s().what_happened, set_attr("what_happened"), cls="pm-summary-what",
                     area=True, rows=6, placeholder="What happened, in a few sentences (Markdown)")
    customer = form.text(lambda: s().customer_description, set_attr("customer_description"),
                         cls="pm-summary-customer", area=True, rows=3,
                         placeholder="What customers saw, in their words")
    severity = form.choice(["", *SEVERITIES], lambda: s().severity, set_attr("severity"),
                           cls="pm-summary-severity", label="Severity")
    services = form.text(lambda: ", ".join(s().services),
                         lambda a, v: setattr(a.summary, "services",
                                              [x.strip() for x in v.split(",") if x.strip()]),
                         cls="pm-summary-services", label="Services (comma-separated)")
    children = [
        title, form.panel("summary.title"),
        w.HTML("<b>What happened</b>"), what, form.panel("summary.what_happened"),
        w.HTML("<b>Customer-facing description</b>"), customer,
        form.panel("summary.customer_description"),
        w.HBox([severity, services], layout=FULL),
        _people_box(form, (alerts, changes)),
    ]
    return form.finish(children, "Incident summary",
                       static_part(st, "summary", facts=facts, tz=tz, today=today))


def impact_form(store: StoreLike, *, today: dt.date | None = None) -> Live:
    """The analyst's impact narrative and reputation impact (numbers come from facts)."""
    st = get_store(store)
    form = Form(st, "impact", today=today)
    narrative = form.text(lambda: st.analysis.impact.narrative,
                          lambda a, v: setattr(a.impact, "narrative", v),
                          cls="pm-impact-narrative", area=True, rows=5,
                          placeholder="Who was affected and how (Markdown)")
    reputation = form.text(lambda: st.analysis.impact.reputation,
                           lambda a, v: setattr(a.impact, "reputation", v),
                           cls="pm-impact-reputation", area=True, rows=3,
                           placeholder="Reputation impact: press, social, key customers")
    children = [w.HTML("<b>Impact narrative</b>"), narrative, form.panel("impact.narrative"),
                w.HTML("<b>Reputation</b>"), reputation, form.panel("impact.reputation")]
    return form.finish(children, "Impact assessment",
                       static_part(st, "impact_narrative", today=today))


def lessons_form(store: StoreLike, *, today: dt.date | None = None) -> Live:
    """What went well, what went wrong, where we got lucky."""
    st = get_store(store)
    form = Form(st, "lessons", today=today)
    children = []
    for attr, cls, label in (("went_well", "pm-lessons-well", "What went well"),
                             ("went_wrong", "pm-lessons-wrong", "What went wrong"),
                             ("got_lucky", "pm-lessons-lucky", "Where we got lucky")):
        area = form.text(lambda attr=attr: getattr(st.analysis.lessons, attr),
                         lambda a, v, attr=attr: setattr(a.lessons, attr, v),
                         cls=cls, area=True, rows=4, placeholder="Markdown")
        children += [w.HTML(f"<b>{label}</b>"), area, form.panel(f"lessons.{attr}")]
    children.append(form.panel(lambda f: f.field == "lessons"))
    return form.finish(children, "Lessons learned", static_part(st, "lessons", today=today))


def review_form(store: StoreLike, *, today: dt.date | None = None) -> Live:
    """Review status (draft / in review / final) and reviewers; shows every open finding."""
    st = get_store(store)
    form = Form(st, "review", today=today)
    rev = st.analysis.review  # the static copy below is rendered once, now
    status = form.choice(REVIEW_STATUSES, lambda: st.analysis.review.status,
                         lambda a, v: setattr(a.review, "status", v),
                         cls="pm-review-status", label="Review status")
    reviewers = form.text(lambda: ", ".join(st.analysis.review.reviewers),
                          lambda a, v: setattr(a.review, "reviewers",
                                               [x.strip() for x in v.split(",") if x.strip()]),
                          cls="pm-review-reviewers", label="Reviewers (roles, comma-separated)")
    children = [w.HBox([status, reviewers], layout=FULL), w.HTML("<b>All open findings</b>"),
                form.panel(lambda f: True)]
    who = ", ".join(rev.reviewers)
    static = (f'<p class="pm-review">Review status: <b>{escape(rev.status)}</b>'
              + (f" (reviewers: {escape(who)})" if who else "") + "</p>")
    return form.finish(children, "Review", static)
