"""Which log services the failure signal, its onset and the headline impact are measured on.

A log export of a whole GCP project or Loki tenant mixes every service, and a busy
healthy one dilutes the failure rate of the one in trouble: 300 good requests a minute
hide a checkout service failing half of its 12, so no onset shows and every impact
figure is lost, and when one does show, failures and customers of unrelated services
are counted in. So the signal is measured on the incident's services:

1. the services the analyst lists in the summary (analysis.json), when set;
2. else the services of the incident's alerts;
3. else (neither names a service found in the logs with transactions) the services
   whose own failure rate departs from their baseline around the incident;
4. else, or when the logs have no service column, every log row.

Alert and log names are matched tolerantly: case, punctuation and the words "api",
"service", "app", "prod"... do not count, and a parenthesised part or the last path
segment is a name too, so "Checkout API", "checkout-api", "checkout" and
"shop/checkout-api" are one service, while "postgres-primary" and "postgres-proxy" stay
two. A Kubernetes pod name is also its workload's name: logs labelled by pod
("checkout-api-7d9f8b6c5-xk2lp", "ledger-0") match the alert's "checkout-api" or
"ledger". The per-service impact table is still measured on every service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

import pandas as pd

from .onset import OnsetConfig, detect_onset
from .signals import LogSignals, subset_signals

SOURCES = ("summary", "alerts", "signal", "all")
# Words that say what kind of thing a service is, not which one.
GENERIC_WORDS = frozenset({"api", "app", "service", "svc", "server", "srv", "prod", "production"})
UNKNOWN = "(unknown)"  # prepare_logs' service for rows without one
# Kubernetes' random suffixes use an alphabet without vowels (k8s.io/apimachinery
# util/rand): a Deployment's pod is <name>-<pod-template-hash>-<5 chars>, a ReplicaSet's
# <name>-<hash>; a StatefulSet's pod is <name>-<ordinal>.
_K8S = "[bcdfghjklmnpqrstvwxz2456789]"
_POD = re.compile(rf"^(?P<name>[a-z0-9.-]+?)-(?:{_K8S}{{5,10}}-{_K8S}{{5}}|{_K8S}{{5,10}})$")
_STATEFUL_POD = re.compile(r"^(?P<name>[a-z][a-z0-9.-]*?[a-z])-(?P<n>\d{1,3})$")


def name_keys(name: Any) -> set[str]:
    """Comparable forms of a service name; two names match when they share one."""
    text = str(name).strip().lower()
    last = text.rsplit("/", 1)[-1]
    parts = {
        text,
        re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text),
        last,
        *re.findall(r"[(\[]([^)\]]*)[)\]]", text),
        *_workload(last),
    }
    keys: set[str] = set()
    for part in parts:
        tokens = re.findall(r"[a-z0-9]+", part)
        if not tokens:
            continue
        keys.add("=" + "".join(tokens))
        core = [t for t in tokens if t not in GENERIC_WORDS]
        if core:
            keys.add("~" + "".join(core))
    return keys


def _workload(name: str) -> list[str]:
    """The workload a Kubernetes pod name belongs to ([] when it does not look like one).

    A Deployment's pod suffix must hold a digit (hashes do; "api-server" does not pass
    for a pod of "api"). A StatefulSet ordinal counts only in names with a dash before it
    ("ledger-0", "kafka-broker-12"), so "web-03"-style host numbers count too: they name
    replicas of one thing.
    """
    m = _POD.match(name)
    if m and any(c.isdigit() for c in name[len(m["name"]):]):
        return [m["name"]]
    m = _STATEFUL_POD.match(name)
    return [m["name"]] if m else []


def match_services(names: Iterable[Any], log_services: Iterable[str]) -> dict[str, list[str]]:
    """For each name, the log services it matches (see ``name_keys``), in log order."""
    logs = [(s, name_keys(s)) for s in log_services]
    out: dict[str, list[str]] = {}
    for name in names:
        keys = name_keys(name)
        out[str(name)] = [s for s, k in logs if keys & k]
    return out


def same_names(a: Iterable[Any], b: Iterable[Any]) -> bool:
    """Whether two lists name the same services (order, case and spacing aside)."""

    def norm(xs: Iterable[Any]) -> set[str]:
        return {" ".join(str(x).split()).casefold() for x in xs if str(x).strip()}

    return norm(a) == norm(b)


def summary_services(analyst: Any) -> list[str]:
    """The services the analyst lists in analysis.json's summary ([] when none)."""
    if analyst is None:
        return []
    if is_dataclass(analyst) and not isinstance(analyst, type):
        analyst = asdict(analyst)
    summary = analyst.get("summary") if isinstance(analyst, Mapping) else None
    services = summary.get("services") if isinstance(summary, Mapping) else None
    if not isinstance(services, list | tuple):
        return []
    return [str(s).strip() for s in services if str(s).strip()]


def alert_services(alerts: pd.DataFrame) -> list[str]:
    """The incident's alert services in order of first alert (as the incident lists them)."""
    if alerts is None or alerts.empty or "service" not in alerts.columns:
        return []
    ordered = alerts.sort_values("started_at", kind="stable")["service"].dropna()
    return [str(s) for s in dict.fromkeys(ordered) if str(s).strip()]


@dataclass
class ServiceFocus:
    """The log services measured, where they came from, and the words that say so."""

    services: list[str]  # log services measured; [] = every row (no service column)
    source: str  # one of SOURCES
    named: list[str]  # the names asked for: the summary's services, else the alerts'
    matched: dict[str, list[str]]  # each name -> the log services it matched
    in_logs: list[str]  # every service in the logs
    reason: str  # why these services (one sentence)
    warnings: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # the analyst's services considered

    @property
    def subset(self) -> bool:
        """True when some log services are left out of the signal and headline figures."""
        return bool(self.services) and len(self.services) < len(self.in_logs)

    @property
    def label(self) -> str:
        """Short: "checkout-api", "all 3 services", "every log row"."""
        if not self.services:
            return "every log row"
        if not self.subset:
            n = len(self.services)
            return self.services[0] if n == 1 else f"all {n} services"
        return _list(self.services)

    @property
    def method(self) -> str:
        """Which services the onset and headline impact cover, and why."""
        if not self.services:
            return f"Every log row: {self.reason}"
        n = len(self.in_logs)
        head = (
            f"Measured on {_list(self.services)} ({len(self.services)} of the {n} services in "
            "the logs)"
            if self.subset
            else f"Measured on every service in the logs ({_list(self.services)})"
        )
        return f"{head}: {self.reason}"

    def apply(self, sig: LogSignals) -> LogSignals:
        """The signals of the measured services only (all of them when not a subset)."""
        if not self.subset:
            return sig
        return subset_signals(sig, sig.rows["service"].isin(self.services))

    def to_dict(self) -> dict[str, Any]:
        return {
            "measured": list(self.services or self.in_logs),
            "source": self.source,
            "named": list(self.named),
            "summary": list(self.summary),
            "method": self.method,
        }


def _list(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _matches_text(matched: Mapping[str, list[str]]) -> str:
    parts = []
    for name, logs in matched.items():
        if not logs:
            continue
        same = len(logs) == 1 and logs[0] == name
        parts.append(name if same else f"{name} → {', '.join(logs)}")
    return "; ".join(parts)


def choose_focus(
    sig: LogSignals,
    *,
    has_service: bool,
    summary: list[str],
    alerts: list[str],
    departing: Callable[[], list[str]],
) -> ServiceFocus:
    """The incident's log services (module docstring); ``departing`` is asked last.

    ``summary`` holds the analyst's services only when they say something the data does
    not (the draft fills the summary with the incident's own services).
    """
    focus = _choose(sig, has_service, summary, alerts, departing)
    focus.summary = list(summary)
    return focus


def _choose(
    sig: LogSignals,
    has_service: bool,
    summary: list[str],
    alerts: list[str],
    departing: Callable[[], list[str]],
) -> ServiceFocus:
    service = sig.rows["service"]  # categorical: no string copy of every row
    counts = {str(k): int(v) for k, v in service[sig.rows["is_transaction"]].value_counts().items()}
    in_logs = sorted(str(s) for s in pd.unique(service) if has_service and str(s) != UNKNOWN)
    named = summary or alerts
    if not has_service or not in_logs:
        return ServiceFocus([], "all", named, {}, [], "the logs have no service column.")
    warnings: list[str] = []
    for source, names, what in (
        ("summary", summary, "the services in the summary"),
        ("alerts", alerts, "the services of the incident's alerts"),
    ):
        if not names or (source == "alerts" and summary and same_names(summary, alerts)):
            continue
        matched = match_services(names, in_logs)
        found = list(dict.fromkeys(s for logs in matched.values() for s in logs))
        with_tx = [s for s in found if counts.get(s, 0) > 0]
        if with_tx:
            reason = f"{what} ({_matches_text(matched)})."
            idle = [s for s in found if s not in with_tx]
            if idle:
                reason += f" {_list(idle)} log{'s' if len(idle) == 1 else ''} no transactions."
            return ServiceFocus(with_tx, source, named, matched, in_logs, reason, warnings)
        extra = f"; {', '.join(found)} matched but has no transactions" if found else ""
        warnings.append(
            f"None of {what} ({', '.join(names)}) matches a service with transactions in the "
            f"logs ({_list(in_logs)}){extra}."
        )
    moved = departing()
    unnamed = (
        "none of the named services is in the logs with transactions"
        if named
        else "no alert or summary names a service"
    )
    if moved and len(moved) < len(in_logs):
        why = f"their own failure rate departs from its baseline around the incident ({unnamed})."
        return ServiceFocus(moved, "signal", named, {}, in_logs, why, warnings)
    why = f"{unnamed}, and " + (
        "every service's failure rate departs from its baseline."
        if moved
        else "no single service's failure rate departs from its baseline."
    )
    return ServiceFocus(in_logs, "all", named, {}, in_logs, why, warnings)


def departing_services(
    sig: LogSignals,
    *,
    baseline: tuple[pd.Timestamp, pd.Timestamp],
    search: tuple[pd.Timestamp, pd.Timestamp],
    bin: str = "1min",
    config: OnsetConfig | None = None,
) -> list[str]:
    """Services whose own failure rate has an onset in ``search`` (most failures first).

    One grouping over the rows, then the onset detector per service on its small series.
    """
    rows = sig.rows
    ts = rows["timestamp"]
    tx = rows.loc[rows["is_transaction"] & (ts >= baseline[0]) & (ts < search[1])]
    if tx.empty:
        return []
    bins = tx["timestamp"].dt.floor(bin).rename("bin")
    grouped = tx.groupby([bins, tx["service"]], observed=True)["is_failure"]
    counts = grouped.agg(["size", "sum"])
    counts.columns = ["requests", "failures"]
    idx = pd.date_range(baseline[0].floor(bin), search[1], freq=bin, tz="UTC", name="bin")
    found: list[tuple[int, str]] = []
    for svc, part in counts.groupby(level=1):
        series = part.droplevel(1).reindex(idx, fill_value=0).astype("int64")
        series["rate"] = series["failures"] / series["requests"].where(series["requests"] > 0)
        onset = detect_onset(series, baseline=baseline, search=search, bin=bin, config=config)
        if onset.onset is not None:
            during = series.loc[(series.index >= search[0]) & (series.index < search[1])]
            found.append((int(during["failures"].sum()), str(svc)))
    return [svc for _, svc in sorted(found, key=lambda x: (-x[0], x[1]))]
