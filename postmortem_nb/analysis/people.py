"""People named in the data (who acknowledged an alert, who authored a change), proposed
for the summary's people list so the report can show roles instead of names."""

from __future__ import annotations

from typing import Any

from .model import Analysis, Person

SOURCES = (  # (frame column, role proposed)
    ("acknowledged_by", "responder"),
    ("author", "change author"),
)


def suggest_people(analysis: Analysis, *frames: Any) -> list[Person]:
    """Names found in the given frames (alerts, changes) not yet in the people list, as a
    name or an alias (a handle typed into a person's aliases is not offered again).

    Each comes with a proposed role; nothing is added until the analyst accepts it.
    """
    known = {n.casefold() for n in analysis.person_names()}
    out: list[Person] = []
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        for column, role in SOURCES:
            if column not in frame:
                continue
            for value in frame[column].dropna().astype(str):
                name = value.strip()
                if name and name.casefold() not in known:
                    known.add(name.casefold())
                    out.append(Person(name=name, role=role))
    return out
