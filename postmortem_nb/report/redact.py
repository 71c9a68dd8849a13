"""Mask personal data and secrets in everything derived from data before a report is shared.

What ``Redactor`` masks, and with which mark (patterns are applied in this order):

=================  ====================================================  ==============
kind               pattern (documented rule)                             replaced by
=================  ====================================================  ==============
secret: bearer     ``Bearer <token>`` (any case)                         ``Bearer [secret]``
secret: JWT        ``eyJ...``.``...``.``...`` (three base64url parts)    ``[secret]``
secret: API keys   ``sk_live_``/``sk_test_``/``pk_``/``rk_`` + 8+ chars,  ``[secret]``
                   AWS ``AKIA``/``ASIA`` + 16, GitHub ``ghp_``..., Slack
                   ``xox?-``...
secret: key=value  ``key|api_key|apikey|token|access_token|secret|       ``key=[secret]``
                   client_secret|signature`` followed by ``=`` or ``:``
                   and 16+ hex/base64 characters; ``password``/``passwd``
                   /``pwd`` with any value
customer id        ``cus_`` + 4+ characters; ``customer_id|cust_id|          ``[customer]``
                   user_id|account_id|client_id`` followed by ``=``/``:``
                   (JSON quotes allowed) and a value, ``customer`` only
                   with ``=`` or as a JSON key (not "customer: 3%" in
                   prose); the value ends before closing punctuation; in HTML
                   tables, every cell of a column whose header looks like
                   a customer/user/account id or e-mail
e-mail             ``local@domain.tld``                                  ``[email]``
IPv4               four dotted octets 0-255 (not part of a longer         ``[ip]``
                   dotted number such as a version ``1.2.3.4.5``)
IPv6               colon-hex groups that ``ipaddress`` accepts            ``[ip]``
                   (``13:58:00`` and MAC addresses are left alone)
people             each name in ``people`` as a whole word, any case,     ``[person]``
                   never inside an e-mail address or a dotted name; with
                   ``name_parts=True`` (default) also each part of a
                   multi-word name as written (``Jane`` of ``Jane Doe``),
                   unless it is an everyday word (``Will``, ``Page``:
                   ``postmortem_nb.names.COMMON_WORDS``); an item of
                   ``people`` may be a person's names together
                   (``("Jane Doe", "jdoe", "jane.d")``: name and aliases)
=================  ====================================================  ==============

Not masked: timestamps, durations, version numbers, HTTP status codes, service and
host names, and ids that follow none of the rules above (a bare ``12345`` in a log
line cannot be told from a count). Redact the data frames themselves with
``redact_frame`` when a customer id column has no telling name.

HTML is redacted text node by text node (and attribute values), so markup stays
intact; ``<script>``/``<style>`` content is not touched (the exporter redacts figure
JSON as data before it is serialised).
"""

from __future__ import annotations

import html
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

from ..names import Names

CUSTOMER_COLUMN_RE = re.compile(
    r"^\s*(customer|cust|user|account|client|buyer|member|subscriber)"
    r"([ _.-]?(id|key|ref|number|no|email|e-mail|name))?\s*$|^\s*e-?mail\s*$",
    re.IGNORECASE,
)

_B64 = r"[A-Za-z0-9+/_-]"
_RULES: list[tuple[re.Pattern[str], Any]] = [  # (pattern, replacement string or function)
    (re.compile(r"(?i)\b(Bearer)\s+[A-Za-z0-9\-._~+/]{6,}=*"), r"\1 [secret]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), "[secret]"),
    (re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}\b"), "[secret]"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "[secret]"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), "[secret]"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "[secret]"),
    (
        re.compile(
            r"(?i)\b((?:api[_-]?)?key|apikey|(?:access[_-]?|refresh[_-]?)?token|(?:client[_-]?)?secret"
            r"|signature)(\"?\s*[=:]\s*\"?)" + _B64 + r"{16,}={0,2}"
        ),
        r"\1\2[secret]",
    ),
    (re.compile(r"(?i)\b(password|passwd|pwd)(\"?\s*[=:]\s*\"?)[^\s\"'&,;]+"), r"\1\2[secret]"),
    (re.compile(r"\bcus_[A-Za-z0-9]{4,}\b"), "[customer]"),
    (
        # an id after its key; a bare "customer" only as customer=... or "customer": ...
        # (not "Impact on customer: 3% of checkouts"); the value stops before closing
        # punctuation and code-span backticks
        re.compile(
            r"(?i)(?:\b(customer[_-]?id|cust[_-]?id|user[_-]?id|account[_-]?id|client[_-]?id)"
            r"(\"?\s*[=:]\s*\"?)|\b(customer)(\s*=\s*\"?|\"\s*:\s*\"?))"
            r"(?!\[)[^\s\"'`&,;)}\]]*[^\s\"'`&,;)}\].!?:]"
        ),
        lambda m: f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4)}[customer]",
    ),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    (
        re.compile(
            r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
            r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
        ),
        "[ip]",
    ),
]
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)(?![\w:])"
)

# Figure JSON: structural keys never hold data text.
_JSON_SKIP_KEYS = frozenset(
    {
        "type",
        "mode",
        "bdata",
        "dtype",
        "shape",
        "xaxis",
        "yaxis",
        "template",
        "hoverinfo",
        "fill",
        "orientation",
        "textposition",
        "xref",
        "yref",
        "layer",
        "dash",
        "symbol",
        "family",
        "colorscale",
        "barmode",
        "hovermode",
        "legendgroup",
        "uid",
    }
)


@dataclass
class Redactor:
    """Masks e-mails, IPs, secrets, customer ids and named people (see module docstring)."""

    people: Sequence[str | Sequence[str]] = ()  # a name, or one person's (name, *aliases)
    name_parts: bool = True
    extra_patterns: Sequence[tuple[str, str]] = ()
    mask_customer_columns: ClassVar[bool] = True
    full: ClassVar[bool] = True  # the footer says "redacted" only for a full redaction
    _people_re: list[re.Pattern[str]] = field(init=False, repr=False)
    _extra: list[tuple[re.Pattern[str], str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._names = Names(self.people, parts=self.name_parts)
        self._people_re = [self._names.pattern] if self._names.pattern else []
        self._extra = [(re.compile(p), r) for p, r in self.extra_patterns]

    def redact_text(self, text: str) -> str:
        """Mask everything the rules match in plain text."""
        if not text:
            return text
        for pattern, repl in (*_RULES, *self._extra):
            text = pattern.sub(repl, text)
        text = _IPV6_CANDIDATE.sub(_ipv6_repl, text)
        for pattern in self._people_re:
            text = pattern.sub("[person]", text)
        return text

    def _redact_any(self, value: Any) -> Any:
        return self.redact_text(value) if isinstance(value, str) else value

    def redact_value(self, value: Any) -> Any:
        """Strings redacted; lists/dicts walked (figure JSON: structural keys skipped)."""
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, dict):
            return {
                k: (v if k in _JSON_SKIP_KEYS or _is_style_key(k) else self.redact_value(v))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.redact_value(v) for v in value]
        return value

    def redact_html(self, fragment: str) -> str:
        """Mask text nodes and attribute values; table columns named like customer ids."""
        if not fragment:
            return fragment
        parser = _RedactingParser(self)
        parser.feed(fragment)
        parser.close()
        return "".join(parser.out)

    def redact_frame(self, frame: Any, columns: Iterable[str] | None = None) -> Any:
        """A copy of a DataFrame: customer-id-like columns masked, text columns redacted."""
        out = frame.copy()
        for col in out.columns:
            if CUSTOMER_COLUMN_RE.match(str(col)):
                out[col] = out[col].where(out[col].isna(), "[customer]")
            elif (columns is None or col in columns) and _is_text(out[col]):
                out[col] = out[col].map(self._redact_any)
        return out


class RoleNames(Redactor):
    """Blameless by default: people's names in data-derived text become their roles.

    Used for every report (not only ``--redact``): an alert export that says who
    acknowledged a page, or a change log that names its author, shows "responder" or
    "change author" unless the analyst chose to show the name. Nothing else is masked.

    ``roles`` maps every name a person goes by (their name and each alias) to their role.
    The names of one role are matched as one group: a part they share ("Weber" of "Dana
    Weber" and her alias "D. Weber") still becomes the role, as only the role is shown.
    """

    mask_customer_columns = False
    full = False

    def __init__(self, roles: Mapping[str, str]) -> None:
        self.roles = {n.strip(): r for n, r in roles.items() if n and n.strip()}
        by_role: dict[str, list[str]] = {}
        for name, role in self.roles.items():
            by_role.setdefault(role, []).append(name)
        super().__init__(people=list(by_role.values()))

    def redact_text(self, text: str) -> str:
        if not text or not self._people_re:
            return text

        def role(m: re.Match[str]) -> str:
            name = self._names.whose(m.group(0))
            return self.roles.get(name, m.group(0)) if name else m.group(0)

        return self._people_re[0].sub(role, text)


def _is_text(series: Any) -> bool:
    return series.dtype == object or str(series.dtype) in ("str", "string")


def _is_style_key(key: str) -> bool:
    return key.endswith(("color", "colors", "colorway")) or key in ("dash", "width")


def _ipv6_repl(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", text):
        return text
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return text
    return "[ip]"


_VOID = frozenset({"br", "hr", "img", "col", "wbr", "input", "meta", "link", "area", "source"})


class _RedactingParser(HTMLParser):
    """Re-serialises an HTML fragment with text and attribute values redacted."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__(convert_charrefs=True)
        self.r = redactor
        self.out: list[str] = []
        self.raw_depth = 0  # inside <script>/<style>: leave alone
        self.tables: list[dict[str, Any]] = []

    # -- tables: which columns hold customer ids -------------------------------------
    def _cell_start(self, tag: str) -> None:
        if not self.tables:
            return
        t = self.tables[-1]
        t["col"] += 1
        t["in_cell"] = True
        t["cell_text"] = []
        t["masked"] = not t["in_head"] and t["col"] in t["mask_cols"]
        t["mask_done"] = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit_tag(tag, attrs, self_closing=False)
        if tag in ("script", "style"):
            self.raw_depth += 1
        elif tag == "table":
            self.tables.append(
                {
                    "in_head": False,
                    "mask_cols": set(),
                    "col": -1,
                    "in_cell": False,
                    "masked": False,
                    "cell_text": [],
                    "mask_done": False,
                }
            )
        elif self.tables:
            t = self.tables[-1]
            if tag == "thead":
                t["in_head"] = True
            elif tag == "tbody":
                t["in_head"] = False
            elif tag == "tr":
                t["col"] = -1
            elif tag in ("td", "th"):
                self._cell_start(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit_tag(tag, attrs, self_closing=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.raw_depth = max(0, self.raw_depth - 1)
        elif self.tables:
            t = self.tables[-1]
            if tag in ("td", "th") and t["in_cell"]:
                t["in_cell"] = False
                if (
                    t["in_head"]
                    and self.r.mask_customer_columns
                    and CUSTOMER_COLUMN_RE.match("".join(t["cell_text"]))
                ):
                    t["mask_cols"].add(t["col"])
            elif tag == "table":
                self.tables.pop()
            elif tag == "thead":
                t["in_head"] = False
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.raw_depth:
            self.out.append(data)
            return
        if self.tables and self.tables[-1]["in_cell"]:
            t = self.tables[-1]
            t["cell_text"].append(data)
            if t["masked"]:
                if not t["mask_done"] and data.strip():
                    t["mask_done"] = True
                    self.out.append("[customer]")
                return
        self.out.append(html.escape(self.r.redact_text(data), quote=False))

    def handle_comment(self, data: str) -> None:
        return  # comments are dropped

    def handle_decl(self, decl: str) -> None:
        return

    def _emit_tag(
        self, tag: str, attrs: list[tuple[str, str | None]], *, self_closing: bool
    ) -> None:
        parts = [tag]
        for name, value in attrs:
            if value is None:
                parts.append(name)
            else:
                parts.append(f'{name}="{html.escape(self.r.redact_text(value), quote=True)}"')
        end = " />" if self_closing and tag not in _VOID else ">"
        self.out.append("<" + " ".join(parts) + end)
