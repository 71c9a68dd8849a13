"""Impact over [impact start, mitigated): failures, customers, money, against a baseline.

Every figure is an ``ImpactFigure`` with its value, unit, the method as text (which
columns, which definition) and its assumptions, so the report never shows a number
without saying how it was obtained. Definitions of request, transaction and failure come
from ``signals.prepare_logs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .signals import LogSignals
from .timeutil import iso_z


@dataclass
class ImpactFigure:
    name: str
    value: float | int | None
    unit: str
    method: str
    assumptions: list[str] = field(default_factory=list)
    qualifier: str = ""  # words that belong with the value ("of the 5 h of logs that day")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "unit": self.unit,
            "method": self.method,
            "assumptions": list(self.assumptions),
        }
        if self.qualifier:
            out["qualifier"] = self.qualifier
        return out


@dataclass
class Impact:
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    figures: dict[str, ImpactFigure]
    per_service: pd.DataFrame

    def value(self, name: str) -> float | int | None:
        fig = self.figures.get(name)
        return None if fig is None else fig.value

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {name: fig.to_dict() for name, fig in self.figures.items()}


def _unknown(reason: str, currency: str) -> Impact:
    names = {
        "failed_transactions": "transactions",
        "excess_failures": "transactions",
        "affected_customers": "customers",
        "revenue_lost": currency or "amount",
        "share_of_normal_traffic": "ratio",
    }
    figs = {n: ImpactFigure(n, None, u, f"not measured: {reason}") for n, u in names.items()}
    return Impact(None, None, figs, pd.DataFrame())


def _in(ts: pd.Series, a: pd.Timestamp, b: pd.Timestamp) -> pd.Series:
    return (ts >= a) & (ts < b)


def measure_impact(
    sig: LogSignals,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    *,
    baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    avg_value: float | None = None,
    currency: str = "",
    tz: str = "UTC",
    everything: LogSignals | None = None,
    scope: str = "",
) -> Impact:
    """Impact figures over [start, end); baseline defaults to the 2 hours before start.

    ``sig`` holds the services the figures are measured on (focus.ServiceFocus) and
    ``scope`` names them in every method; ``everything`` (default ``sig``) holds every
    service, for the per-service table.
    """
    if start is None or end is None or end <= start:
        why = (
            "the impact period is unknown (impact start or mitigated not determined)"
            if start is None or end is None
            else "the impact period is empty"
        )
        return _unknown(why, currency)
    rows = sig.rows
    baseline = baseline or (start - pd.Timedelta("2h"), start)
    period = f"[{iso_z(start)}, {iso_z(end)})"
    base_text = f"[{iso_z(baseline[0])}, {iso_z(baseline[1])})"
    tx = rows.loc[rows["is_transaction"]]
    in_p = tx.loc[_in(tx["timestamp"], start, end)]
    in_b = tx.loc[_in(tx["timestamp"], *baseline)]
    fails = in_p.loc[in_p["is_failure"]]
    n_tx, n_fail = len(in_p), len(fails)
    base_share = float(in_b["is_failure"].mean()) if len(in_b) else 0.0
    minutes = (end - start).total_seconds() / 60
    base_minutes = (baseline[1] - baseline[0]).total_seconds() / 60
    defs = f"transactions = {sig.transaction_definition}; failure = {sig.failure_definition}"
    unit_money = currency or "amount"
    figs: dict[str, ImpactFigure] = {}
    figs["failed_transactions"] = ImpactFigure(
        "failed_transactions",
        n_fail,
        "transactions",
        f"count of failed transactions in {period}; {defs}",
        ["retries count as separate transactions"],
    )
    figs["transactions"] = ImpactFigure(
        "transactions", n_tx, "transactions", f"count of transactions in {period}; {defs}"
    )
    figs["excess_failures"] = ImpactFigure(
        "excess_failures",
        round(n_fail - base_share * n_tx, 1),
        "transactions",
        f"failed transactions minus the baseline failure share ({base_share:.2%} over "
        f"{base_text}, {len(in_b)} transactions) times the {n_tx} transactions in {period}",
        ["the baseline failure share would have continued without the incident"],
    )
    figs["share_of_normal_traffic"] = ImpactFigure(
        "share_of_normal_traffic",
        round(n_fail / n_tx, 4) if n_tx else None,
        "ratio",
        f"failed transactions / all transactions that arrived in {period}: the share of the "
        "traffic that kept arriving which failed",
    )
    expected = len(in_b) / base_minutes * minutes if base_minutes > 0 and len(in_b) else None
    figs["traffic_vs_baseline"] = ImpactFigure(
        "traffic_vs_baseline",
        round(n_tx / expected, 4) if expected else None,
        "ratio",
        f"transactions in {period} / transactions expected at the baseline rate "
        f"({len(in_b) / base_minutes if base_minutes else 0:.1f}/min over {base_text}) for "
        f"{minutes:.0f} minutes; above 1 means more traffic than the baseline (time of day, "
        "retries)",
        ["the baseline window is representative of the period's traffic"],
    )
    if "customer" in rows.columns:
        n_cust = int(fails["customer"].dropna().nunique())
        figs["affected_customers"] = ImpactFigure(
            "affected_customers",
            n_cust,
            "customers",
            f"distinct values of {sig.used('customer')} among failed transactions in {period}",
            ["a customer whose retry later succeeded still counts as affected"],
        )
    else:
        figs["affected_customers"] = ImpactFigure(
            "affected_customers",
            None,
            "customers",
            "not measured: no customer/user id column in the logs (name one with customer_column)",
        )
    figs["revenue_lost"] = _revenue(sig, fails, n_fail, avg_value, unit_money, period)
    every = (everything or sig).rows
    _day_shares(figs, sig, tx, start, n_fail, tz, every["timestamp"])
    if scope:
        for fig in figs.values():
            if not fig.method.startswith("not measured"):
                fig.method += f"; services measured: {scope}"
    return Impact(start, end, figs, _per_service(every, start, end, baseline))


def _revenue(
    sig: LogSignals,
    fails: pd.DataFrame,
    n_fail: int,
    avg_value: float | None,
    unit: str,
    period: str,
) -> ImpactFigure:
    if avg_value:
        return ImpactFigure(
            "revenue_lost",
            round(n_fail * float(avg_value), 2),
            unit,
            f"{n_fail} failed transactions in {period} × average value {avg_value:g} "
            "(the avg_value parameter)",
            ["every failed transaction was worth the average"],
        )
    if "amount" in fails.columns:
        return ImpactFigure(
            "revenue_lost",
            round(float(fails["amount"].sum()), 2),
            unit,
            f"sum of {sig.used('amount')} over the failed transactions in {period}",
            [
                "a failed payment is revenue lost even if the customer retried successfully later",
                "no currency conversion",
            ],
        )
    return ImpactFigure(
        "revenue_lost",
        None,
        unit,
        "not measured: no amount column in the logs and no avg_value parameter",
    )


# A log export starting or ending this close to midnight covers the whole day (or twice
# the logs' usual spacing, for sparse logs).
DAY_EDGE = pd.Timedelta("30min")
# A stretch inside the day without a row is a gap in the logs (a collector down, a file
# missing) when it lasts this long and ten times the usual spacing: a quiet night of
# complete logs, or logs with a row every 40 minutes, are not gaps.
DAY_GAP = pd.Timedelta("2h")


def _day_shares(
    figs: dict[str, ImpactFigure],
    sig: LogSignals,
    tx: pd.DataFrame,
    start: pd.Timestamp,
    n_fail: int,
    tz: str,
    logged: pd.Series,
) -> None:
    """Shares of the team-zone day of impact start, over the hours the logs cover of it.

    ``logged`` holds every log row's time (all services): a log export of 07:00-12:00
    gives the share of those 5 hours, and says so, never "of the day". A gap inside
    the day (``DAY_GAP``) is not covered either: "00:00–02:10 and 08:05–24:00 (18.1 h of
    24 h)". The day is the calendar day: 23 or 25 hours when the clocks change.
    """
    day0 = start.tz_convert(tz).normalize()
    day1 = (day0 + pd.DateOffset(days=1)).normalize()  # not +24 h: 25 h in autumn
    d0, d1 = day0.tz_convert("UTC"), day1.tz_convert("UTC")
    day = tx.loc[_in(tx["timestamp"], d0, d1)]
    label = f"{day0:%Y-%m-%d} ({tz})"
    spans, edge, gap = _covered_spans(logged.loc[_in(logged, d0, d1)], d1)
    day_h = (d1 - d0).total_seconds() / 3600
    shown = [
        f"{a.tz_convert(tz):%H:%M}–{'24:00' if b == d1 else f'{b.tz_convert(tz):%H:%M}'}"
        for a, b in spans
    ]
    span = _and(shown) if spans else "none of it"
    first, last = spans[0][0] if spans else d0, spans[-1][1] if spans else d0
    if len(spans) == 1 and first - d0 <= edge and d1 - last <= edge:
        covers = f"the logs cover {span} that day, the whole day (no gap over {_hm(gap)})"
        qualifier, assumptions = "", []
    else:
        covered = sum((b - a).total_seconds() for a, b in spans) / 3600
        hours = f"{round(covered, 1):g} h"
        covers = (
            f"the logs cover only {span} of that day ({hours} of {day_h:g} h): the share of "
            "those hours, not of the whole day"
        )
        qualifier, assumptions = f"of the {hours} of logs that day", []
    figs["failed_share_of_day"] = ImpactFigure(
        "failed_share_of_day",
        round(n_fail / len(day), 4) if len(day) else None,
        "ratio",
        f"failed transactions in the impact period / all transactions logged on {label}; "
        + covers,
        assumptions,
        qualifier,
    )
    lost = figs["revenue_lost"].value
    if lost is not None and "amount" in day.columns and day["amount"].sum() > 0:
        figs["revenue_lost_share_of_day"] = ImpactFigure(
            "revenue_lost_share_of_day",
            round(float(lost) / float(day["amount"].sum()), 4),
            "ratio",
            f"revenue lost / sum of {sig.used('amount')} over all transactions logged on "
            f"{label}; " + covers,
            list(assumptions),
            qualifier,
        )


def _covered_spans(seen: pd.Series, d1: pd.Timestamp
                   ) -> tuple[list[tuple[pd.Timestamp, pd.Timestamp]], pd.Timedelta, pd.Timedelta]:
    """(stretches of the day that have log rows, in whole minutes and split at gaps; the
    edge and gap allowances for these logs' spacing: ``DAY_EDGE``, ``DAY_GAP``)."""
    if not len(seen):
        return [], DAY_EDGE, DAY_GAP
    t = seen.sort_values().reset_index(drop=True)
    steps = t.diff()
    usual = steps.median() if len(t) > 1 else pd.Timedelta(0)
    edge, gap = max(DAY_EDGE, 2 * usual), max(DAY_GAP, 10 * usual)
    breaks = steps > gap
    starts = t[breaks | (t.index == 0)].tolist()
    ends = t[breaks.shift(-1, fill_value=True)].tolist()
    spans = []
    for a, b in zip(starts, ends, strict=True):
        a, b = a.floor("min"), min(b.ceil("min"), d1)  # 11:59:59.6 ends the 11:59 minute
        spans.append((a, max(b, min(a + pd.Timedelta("1min"), d1))))  # a lone row: its minute
    return spans, edge, gap


def _hm(td: pd.Timedelta) -> str:
    minutes = td.total_seconds() / 60
    return f"{minutes / 60:g} h" if minutes >= 60 and minutes % 60 == 0 else f"{minutes:g} min"


def _and(items: list[str], limit: int = 4) -> str:
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _per_service(
    rows: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    baseline: tuple[pd.Timestamp, pd.Timestamp],
) -> pd.DataFrame:
    req = rows.loc[rows["is_request"]]
    p = req.loc[_in(req["timestamp"], start, end)].groupby("service", observed=True)
    b = req.loc[_in(req["timestamp"], *baseline)].groupby("service", observed=True)
    out = p["is_failure"].agg(requests="size", failures="sum")
    base = b["is_failure"].agg(baseline_requests="size", baseline_failures="sum")
    out = out.join(base, how="left").fillna(0)
    out["failure_rate"] = out["failures"] / out["requests"]
    out["baseline_rate"] = (out["baseline_failures"] / out["baseline_requests"]).where(
        out["baseline_requests"] > 0, 0.0
    )
    out["excess_failures"] = (out["failures"] - out["baseline_rate"] * out["requests"]).round(1)
    if "transactions" not in out.columns:
        tx = req.loc[req["is_transaction"] & _in(req["timestamp"], start, end)]
        out["failed_transactions"] = tx.loc[tx["is_failure"]].groupby("service").size()
        out["failed_transactions"] = out["failed_transactions"].fillna(0).astype("int64")
    cols = [
        "requests",
        "failures",
        "failure_rate",
        "baseline_rate",
        "excess_failures",
        "failed_transactions",
    ]
    return out[cols].sort_values("failures", ascending=False).reset_index()
