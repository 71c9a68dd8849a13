"""Log message templates with drain3, computed once per frame, and the new ones.

Mining every row is slow (drain3 does ~125k lines/s) and most messages differ only in
ids and numbers. So: factorize the messages, mask UUIDs, IPs, hex ids and numbers in
the *distinct* messages with one vectorised RE2 regex (pyarrow), encode again, and
feed drain3 only what is left (hundreds of strings, not millions). Template ids are a
hash of the final template text, so they are stable across runs on the same data.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import MissingColumnError

log = logging.getLogger(__name__)

# One RE2 pass: a run of hex digits, dots, colons and dashes that contains a digit is a
# variable (numbers, decimals, versions, IPs with ports, UUIDs, hex ids, clock times). A
# run starts at a hex digit, so a word's dash stays: "SKU-123" becomes "SKU-<*>".
MASK = r"(?:0[xX])?[0-9a-fA-F]*[0-9][0-9a-fA-F.:-]*"
PLACEHOLDER = "<*>"


@dataclass
class Templates:
    """Per-row template ids (aligned with the logs' index) and the templates table."""

    ids: pd.Series  # categorical template_id per row
    # template_id, template, count, first_seen, last_seen, example, level, service
    table: pd.DataFrame


def mask_messages(messages: pa.Array) -> pa.Array:
    """Replace variable parts (ids, numbers, addresses) by ``<*>``, vectorised (RE2)."""
    return pc.replace_substring_regex(messages, pattern=MASK, replacement=PLACEHOLDER)


def _arrow(values: pd.Index) -> pa.Array:
    """The distinct messages as an Arrow string array (zero-copy when Arrow-backed)."""
    try:
        arr = pa.array(values.array)
    except (TypeError, pa.ArrowInvalid):
        arr = pa.array(np.asarray(values, dtype=object), type=pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pa.array(np.asarray(values, dtype=object).astype(str), type=pa.string())
    return arr


def _miner():
    from drain3.drain import Drain  # imported here: only template mining needs it

    return Drain(sim_th=0.4, depth=4, max_children=100, param_str="<*>")


def template_id(template: str) -> str:
    return "T" + hashlib.sha1(template.encode()).hexdigest()[:8]


def mine_templates(logs: pd.DataFrame, message_column: str = "message") -> Templates:
    """Template id for every row, plus one row per template with counts and first/last seen."""
    if message_column not in logs.columns:
        raise MissingColumnError(
            f"The logs have no {message_column!r} column to mine templates from.",
            column=message_column,
            found=map(str, logs.columns),
        )
    msgs = logs[message_column].astype("str").fillna("")
    codes, uniques = pd.factorize(msgs, use_na_sentinel=False)
    masked = pc.dictionary_encode(mask_messages(_arrow(uniques)))
    mcodes = masked.indices.to_numpy(zero_copy_only=False)
    muniques = masked.dictionary.to_pylist()
    drain = _miner()
    cluster_of = np.empty(len(muniques), dtype=np.int64)
    for i, text in enumerate(muniques):
        cluster, _ = drain.add_log_message(str(text))
        cluster_of[i] = cluster.cluster_id
    names = {cid: cl.get_template() for cid, cl in drain.id_to_cluster.items()}
    tids = sorted({template_id(t) for t in names.values()})
    tid_of_cluster = {cid: template_id(t) for cid, t in names.items()}
    text_of_tid = {template_id(t): t for t in names.values()}
    position = {tid: i for i, tid in enumerate(tids)}
    per_masked = np.array([position[tid_of_cluster[c]] for c in cluster_of], dtype=np.int64)
    per_row = per_masked[mcodes[codes]] if len(codes) else np.array([], dtype=np.int64)
    ids = pd.Series(
        pd.Categorical.from_codes(per_row, categories=tids), index=logs.index, name="template_id"
    )
    log.debug(
        "%d rows, %d distinct, %d masked, %d templates",
        len(msgs),
        len(uniques),
        len(muniques),
        len(tids),
    )
    return Templates(ids, _table(logs, ids, text_of_tid, message_column))


def _table(logs: pd.DataFrame, ids: pd.Series, text: dict[str, str], msgcol: str) -> pd.DataFrame:
    frame = pd.DataFrame({"template_id": ids, "timestamp": logs["timestamp"]})
    g = frame.groupby("template_id", observed=True)
    table = g["timestamp"].agg(count="size", first_seen="min", last_seen="max")
    first_idx = g["timestamp"].idxmin()
    table["example"] = logs.loc[first_idx.to_numpy(), msgcol].astype("str").to_numpy()
    for col in ("level", "service"):
        if col in logs.columns:
            table[col] = logs.loc[first_idx.to_numpy(), col].astype("str").to_numpy()
    table["template"] = [text[t] for t in table.index]
    table = table.reset_index().sort_values(["count", "template_id"], ascending=[False, True])
    return table.reset_index(drop=True)


def new_templates(
    logs: pd.DataFrame,
    templates: Templates,
    *,
    window: tuple[pd.Timestamp, pd.Timestamp],
    baseline: tuple[pd.Timestamp, pd.Timestamp],
    ratio: float = 10.0,
    min_count: int = 3,
) -> pd.DataFrame:
    """Templates of the incident window that were absent or rare in the baseline.

    "Rare" means the window's rate per hour is at least ``ratio`` times the baseline's
    rate per hour. Columns: template_id, template, first_seen, count, baseline_count,
    before_count (rows before the window in all the loaded logs), novelty, level,
    service, example; sorted by first_seen. ``novelty`` is "new" only for a template
    never seen before the window, "rare in baseline" when the baseline has it, "seen
    earlier" when only the loaded logs before the baseline do: a reader must not be told
    that a message which was there all along is new.
    """
    ts = logs["timestamp"]
    in_win = (ts >= window[0]) & (ts < window[1])
    in_base = (ts >= baseline[0]) & (ts < baseline[1])
    ids = templates.ids
    win_counts = ids[in_win].value_counts()
    base_counts = ids[in_base].value_counts()
    before_counts = ids[ts < window[0]].value_counts()
    first = ts[in_win].groupby(ids[in_win], observed=True).min()
    hours_w = max((window[1] - window[0]).total_seconds() / 3600, 1e-9)
    hours_b = max((baseline[1] - baseline[0]).total_seconds() / 3600, 1e-9)
    rows = []
    for tid, n in win_counts.items():
        if n < min_count:
            continue
        b = int(base_counts.get(tid, 0))
        if b and (n / hours_w) < ratio * (b / hours_b):
            continue
        before = max(b, int(before_counts.get(tid, 0)))
        novelty = "rare in baseline" if b else ("seen earlier" if before else "new")
        rows.append((tid, first[tid], int(n), b, before, novelty))
    out = pd.DataFrame(
        rows,
        columns=["template_id", "first_seen", "count", "baseline_count", "before_count",
                 "novelty"],
    )
    info = templates.table.set_index("template_id")
    for col in ("template", "level", "service", "example"):
        if col in info.columns:
            out[col] = out["template_id"].map(info[col]) if len(out) else pd.Series(dtype="str")
    out["first_seen"] = pd.to_datetime(out["first_seen"], utc=True)
    return out.sort_values(["first_seen", "template_id"]).reset_index(drop=True)
