"""Onset and recovery of the failure signal: robust thresholds from a baseline window.

Method (stated in every evidence text):

1. Baseline: the per-bin failure rate of transactions in a window before the incident
   (default the 2 hours before the search starts). Its median ``m`` and scaled median
   absolute deviation ``s = 1.4826 * MAD`` are robust to a few bad bins.
2. A bin is *elevated* when its rate exceeds ``m + max(k_high * s, floor_high)`` and it
   has at least ``min_failures`` failures (so one failure in a quiet minute is noise).
3. Onset: the start of the first run of ``persist`` consecutive elevated bins.
4. Recovery (mitigated): after the onset, the start of the first run of
   ``recover_persist`` consecutive bins that are *normal*: rate at most
   ``m + max(k_low * s, floor_low)`` or fewer than ``min_failures`` failures.
5. Peak: the bin with the most failures between onset and recovery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class OnsetConfig:
    k_high: float = 6.0
    floor_high: float = 0.02
    k_low: float = 3.0
    floor_low: float = 0.01
    persist: int = 3
    recover_persist: int = 5
    min_failures: int = 2


@dataclass
class Onset:
    """What the detector found, with the numbers behind it."""

    onset: pd.Timestamp | None
    recovery: pd.Timestamp | None
    stable_at: pd.Timestamp | None  # end of the recovery run: the signal has stayed normal
    peak: pd.Timestamp | None
    peak_failures: int
    peak_rate: float | None
    baseline_start: pd.Timestamp
    baseline_end: pd.Timestamp
    baseline_median: float
    baseline_mad: float
    threshold_high: float
    threshold_low: float
    bin: str
    config: OnsetConfig
    warnings: list[str]
    scope: str = ""  # the log services measured (focus.ServiceFocus.label); "" = not said

    @property
    def method(self) -> str:
        c = self.config
        of = f" of {self.scope}" if self.scope else ""
        return (
            f"per-{self.bin} failure rate of transactions{of}; baseline "
            f"{_hm(self.baseline_start)}–{_hm(self.baseline_end)} UTC: median "
            f"{self.baseline_median:.2%}, MAD {self.baseline_mad:.2%}; elevated when rate > "
            f"{self.threshold_high:.2%} (median + max({c.k_high:g}×1.4826×MAD, "
            f"{c.floor_high:.0%})) with ≥{c.min_failures} failures for ≥{c.persist} "
            f"consecutive bins; normal again when ≤ {self.threshold_low:.2%} for "
            f"≥{c.recover_persist} bins"
        )


def _hm(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _first_run(flags: np.ndarray, length: int, start: int = 0) -> int | None:
    run = 0
    for i in range(start, len(flags)):
        run = run + 1 if flags[i] else 0
        if run >= length:
            return i - length + 1
    return None


def detect_onset(
    series: pd.DataFrame,
    *,
    baseline: tuple[pd.Timestamp, pd.Timestamp],
    search: tuple[pd.Timestamp, pd.Timestamp],
    bin: str = "1min",
    config: OnsetConfig | None = None,
) -> Onset:
    """Find onset, recovery and peak in ``series`` (from ``signals.transaction_series``)."""
    c = config or OnsetConfig()
    warnings: list[str] = []
    base = series.loc[(series.index >= baseline[0]) & (series.index < baseline[1])]
    base_rates = base["rate"].dropna()
    if len(base_rates) < 10:
        warnings.append(
            f"Baseline {_hm(baseline[0])}–{_hm(baseline[1])} UTC has only {len(base_rates)} "
            "bins with transactions; thresholds fall back to the absolute floors."
        )
    m = float(base_rates.median()) if len(base_rates) else 0.0
    mad = float((base_rates - m).abs().median()) if len(base_rates) else 0.0
    s = 1.4826 * mad
    hi = m + max(c.k_high * s, c.floor_high)
    lo = m + max(c.k_low * s, c.floor_low)
    win = series.loc[(series.index >= search[0]) & (series.index < search[1])]
    rate = win["rate"].to_numpy(dtype="float64", na_value=np.nan)
    fails = win["failures"].to_numpy()
    with np.errstate(invalid="ignore"):
        elevated = (rate > hi) & (fails >= c.min_failures)
        normal = ~((rate > lo) & (fails >= c.min_failures))
    onset = recovery = stable = peak = None
    peak_failures, peak_rate = 0, None
    i = _first_run(elevated, c.persist)
    if i is None:
        warnings.append(
            f"The failure rate never rose above {hi:.2%} for {c.persist} consecutive bins "
            f"between {_hm(search[0])} and {_hm(search[1])} UTC: no onset in the log signal."
        )
    else:
        onset = win.index[i]
        if i == 0:
            warnings.append(
                f"The failure rate was already elevated at the start of the search window "
                f"({_hm(search[0])} UTC): impact may have started earlier."
            )
        j = _first_run(normal, c.recover_persist, start=i + c.persist)
        end_i = len(win) if j is None else j
        if j is None:
            warnings.append(
                f"The failure rate did not return to ≤ {lo:.2%} for {c.recover_persist} "
                f"bins before {_hm(search[1])} UTC: no recovery in the log signal."
            )
        else:
            recovery = win.index[j]
            stable = win.index[j] + c.recover_persist * pd.Timedelta(bin)
        seg = win.iloc[i:end_i]
        if len(seg):
            k = int(np.argmax(seg["failures"].to_numpy()))
            peak = seg.index[k]
            peak_failures = int(seg["failures"].iloc[k])
            r = seg["rate"].iloc[k]
            peak_rate = None if pd.isna(r) else float(r)
    return Onset(
        onset=onset,
        recovery=recovery,
        stable_at=stable,
        peak=peak,
        peak_failures=peak_failures,
        peak_rate=peak_rate,
        baseline_start=baseline[0],
        baseline_end=baseline[1],
        baseline_median=m,
        baseline_mad=mad,
        threshold_high=hi,
        threshold_low=lo,
        bin=bin,
        config=c,
        warnings=warnings,
    )
