"""Finding people's names in text: whole names, and the parts of a name people write alone.

One matcher serves the blameless checks (a named person as a cause), the report's
name-to-role swap and ``--redact``, so all three agree on what counts as a name:

- a whole name ("Luca Romano", a handle such as "dana.w") in any case, as a word of its
  own: never inside an e-mail address, a domain or a longer dotted name;
- each part of a multi-word name ("Luca", "Romano", "Li"), and a one-word name, only as
  written (capitalised, or in capitals), and not when the part is an ordinary English word
  ("Will", "Page", "Max"), which would turn "Will this recur? Page the DBA" into names; a
  one-word handle written in lower case ("dweber") also as written, unless it is such a word.

A person may go by several names (``Person.aliases``: a handle, an e-mail local part, a
chat name). They are given as one group, so the matcher knows they are one person: a part
two of their names share ("Weber" of "Dana Weber" and "D. Weber") still stands for them,
where a part two different people share ("Sam") stands for neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Given names and surnames that are also everyday words (a sentence may start with them).
_COMMON = """
a al an and april art as at august autumn baker be bell bill bishop black bond brook brooks
brown bush by can carter case cash chase cook crystal dawn day dean do don drew earl east
faith field fisher ford foster frank gene glass go gold golden grant gray green grey guy hall
hardy hart he hill holly honor hope house hunt hunter if in is it ivy jack jan jay job joy
judge june justice king lamb lane law lily little long lord love lucky major march mark marsh
mason may me miles miller moon moss my new no noble north oak of olive on or page park parker
pat pearl penny pierce pool porter post power price pride quick rain ray read reed rice rich
ridge rivers rob rock rose royal ruby rush sage sale sand sandy sharp short silver small snow
so south spring star stark steel sterling stone storm strong sue summer sweet swift temple
to trace tower turner up us vale violet wade walker wall ward waters way we wells west white
will winter wise wolf wood woods worth wren york young
"""
COMMON_WORDS = frozenset(_COMMON.split())

_EDGE_BEFORE = r"(?<![\w@.])"  # not inside a word, an e-mail address or a dotted name
_EDGE_AFTER = r"(?![\w@]|\.\w)"


class Names:
    """The people's names and the forms they may take in text (see the module docstring)."""

    def __init__(self, names: Iterable[str | Sequence[str]], *, parts: bool = True) -> None:
        """``names``: one item per person, a name or (name, *aliases); ``whose`` answers
        with the person's first name."""
        forms: dict[str, str] = {}  # every name or alias -> the person's first name
        for person in names:
            group = [person] if isinstance(person, str) else list(person)
            cleaned = [n.strip() for n in group if n and n.strip()]
            for form in cleaned:
                forms.setdefault(form, cleaned[0])
        self.names = sorted(forms, key=len, reverse=True)
        self.wholes: dict[str, str] = {}  # casefolded whole name -> the person's name
        whole_forms: list[str] = []  # as written: casefolding changes what (?i) matches
        self.parts: dict[str, str] = {}  # "Luca" -> "Luca Romano" (as written, capitalised)
        self.handles: set[str] = set()  # one-word names written in lower case ("dweber")
        shared: set[str] = set()
        for name in self.names:
            person = forms[name]
            words = [w for w in re.split(r"[\s,]+", name) if w]
            if len(words) == 1 and name.isalpha():
                self._part(name, person, shared)  # "Dana": as written only
                if name.islower() and len(name) > 1 and name not in COMMON_WORDS:
                    self.handles.add(name)
                continue
            self.wholes[name.casefold()] = person
            whole_forms.append(name)
            for word in words if len(words) > 1 and parts else ():
                if word.isalpha() and len(word) >= 2 and word.casefold() not in COMMON_WORDS:
                    self._part(word, person, shared)
        for key in shared:
            del self.parts[key]
        self.handles = {h for h in self.handles if h[0].upper() + h[1:] in self.parts}
        alts = ["(?i:" + "|".join(re.escape(n) for n in whole_forms) + ")"] \
            if whole_forms else []
        for part in sorted(self.parts, key=len, reverse=True):
            alts += [re.escape(part), re.escape(part.upper())] if len(part) > 1 else [part]
        alts += [re.escape(h) for h in sorted(self.handles, key=len, reverse=True)]
        self.pattern = re.compile(_EDGE_BEFORE + "(?:" + "|".join(alts) + ")" + _EDGE_AFTER) \
            if alts else None

    def _part(self, word: str, name: str, shared: set[str]) -> None:
        key = word[0].upper() + word[1:]
        if key in self.parts and self.parts[key] != name:
            shared.add(key)  # two people called Sam: "Sam" alone stands for neither
        self.parts[key] = name

    def whose(self, text: str) -> str | None:
        """The name of the person a matched form stands for (their first name, not an alias)."""
        return self.wholes.get(text.casefold()) or self.parts.get(text[0] + text[1:].lower())

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.pattern else None
