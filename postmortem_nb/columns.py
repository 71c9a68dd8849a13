"""Find the log columns that hold customer ids, amounts, HTTP status and latency.

Exports name these differently (``customer_id``, ``user.id``, ``httpRequest.status`` ...)
and ingest keeps unmapped source columns with a prefix, so discovery looks for the
common names with or without that prefix. Structured logs also nest the application's
own fields under a container (GCP ``jsonPayload.user_id``, OpenTelemetry
``attributes.amount``, Filebeat ``fields.customer_id``, Datadog ``@usr.id``): when no
column has a common name itself, the names under those containers are tried, except
the vague ones (``value``, ``total``, ``user``, ...), which only count at the top level.
An explicit name always wins, and every method text states which column was used.
"""

from __future__ import annotations

import re

import pandas as pd

from .errors import ParameterError
from .schema import EXTRA_PREFIX

CANDIDATES: dict[str, tuple[str, ...]] = {
    "customer": (
        "customer_id",
        "customer.id",
        "customerid",
        "user_id",
        "user.id",
        "userid",
        "customer",
        "user",
        "client_id",
        "account_id",
        "enduser.id",
        "usr.id",
    ),
    "amount": (
        "amount",
        "order.amount",
        "order_amount",
        "price",
        "value",
        "total",
        "order_total",
        "order.total",
        "amount_eur",
        "transaction.amount",
    ),
    "status": (
        "http_status",
        "status",
        "status_code",
        "http.response.status_code",
        "httprequest.status",
        "http.status_code",
        "response_status",
        "response.status",
        "sc-status",
        "statuscode",
    ),
    "latency": (
        "latency_ms",
        "duration_ms",
        "latency",
        "duration",
        "event.duration",
        "httprequest.latency",
        "response_time_ms",
        "response_time",
        "elapsed_ms",
        "request_time",
        "time_taken",
        "took_ms",
    ),
}


# Containers that structured-log exports put application fields under (lower case).
NESTING_PREFIXES = (
    "jsonpayload.",  # GCP LogEntry
    "resource.attributes.",  # OpenTelemetry
    "attributes.",
    "resource.labels.",
    "labels.",  # GCP, Loki, ECS custom fields
    "fields.",  # Filebeat
    "json.",
    "@fields.",  # Logstash
    "properties.",  # Serilog, NLog
    "context.",
    "extra.",  # python-json-logger
    "payload.",
    "data.",
    "mdc.",
    "tags.",
    "body.",
    "@",  # Datadog attribute facets
)
# Names too vague to trust under a container: "attributes.value" is not an amount.
_VAGUE = frozenset({"value", "total", "user", "customer", "duration", "latency"})


def _norm(name: str) -> str:
    name = str(name).lower()
    if name.startswith(EXTRA_PREFIX):
        name = name[len(EXTRA_PREFIX) :]
    return name


def _unnest(name: str) -> str:
    """``name`` (normalised) without the containers structured logs nest fields under."""
    stripped = True
    while stripped:
        stripped = False
        for prefix in NESTING_PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                name, stripped = name[len(prefix) :], True
                break
    return name


def find_column(frame: pd.DataFrame, role: str, override: str | None = None) -> str | None:
    """The column playing ``role`` (customer, amount, status, latency), or None.

    ``override`` names the column explicitly (with or without the extras prefix); an
    unknown override is an error listing the columns that exist.
    """
    if role not in CANDIDATES:
        raise ParameterError(f"Unknown column role {role!r}; use one of {', '.join(CANDIDATES)}.")
    if override:
        for col in (override, EXTRA_PREFIX + override):
            if col in frame.columns:
                return col
        raise ParameterError(
            f"The {role} column {override!r} is not in the logs. "
            f"Columns: {', '.join(map(str, frame.columns))}."
        )
    by_norm: dict[str, list[str]] = {}
    nested: dict[str, list[str]] = {}
    for col in frame.columns:
        norm = _norm(col)
        by_norm.setdefault(norm, []).append(col)
        inner = _unnest(norm)
        if inner != norm and inner not in _VAGUE:
            nested.setdefault(inner, []).append(col)
    # every common name at the top level first, then under a container
    for table in (by_norm, nested):
        for cand in CANDIDATES[role]:
            for col in table.get(cand, ()):
                if frame[col].notna().any():
                    return col
    return None


_SECONDS = re.compile(r"^\s*([0-9.]+)\s*s\s*$")


def status_values(series: pd.Series) -> pd.Series:
    """HTTP status codes as float (NaN where missing or not a code in 100..599)."""
    num = pd.to_numeric(series, errors="coerce").astype("float64")
    return num.where((num >= 100) & (num < 600))


def latency_ms(series: pd.Series, column: str) -> pd.Series:
    """Latency in milliseconds, from the units the common names imply.

    ``event.duration`` (Elastic ECS) is nanoseconds; GCP's ``httpRequest.latency`` is a
    string like ``"0.250s"``; names ending in ``_s``/``seconds`` are seconds; everything
    else is taken as milliseconds.
    """
    name = _norm(column)
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype("str")
        secs = text.str.extract(_SECONDS, expand=False)
        if secs.notna().any():
            return pd.to_numeric(secs, errors="coerce").astype("float64") * 1000.0
    num = pd.to_numeric(series, errors="coerce").astype("float64")
    if name == "event.duration":
        return num / 1e6
    if name.endswith(("_s", "seconds", "_sec")) or name in ("request_time", "time_taken"):
        return num * 1000.0
    return num
