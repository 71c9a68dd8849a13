"""Property tests: random and mutated CSV/JSON get only the package's own errors."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_nb.errors import PostmortemError
from postmortem_nb.ingest import load_alerts, load_changes, load_logs
from postmortem_nb.ingest.timestamps import TimeRule, parse_times

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
LOADERS = {"alerts": load_alerts, "logs": load_logs, "changes": load_changes}
SEEDS = {
    "alerts": ["pagerduty_incidents.csv", "alertmanager_webhook.json", "opsgenie_alerts.json"],
    "logs": ["app_logs.csv", "gcp_logentries.jsonl", "splunk_export.csv"],
    "changes": ["deploys.csv", "github_deployments.json", "git_log.txt"],
}
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NAMES = st.sampled_from(
    [
        "timestamp",
        "message",
        "level",
        "service",
        "host",
        "started_at",
        "title",
        "description",
        "_time",
        "_raw",
        "@timestamp",
        "@message",
        "created_on",
        "incident_number",
        "a",
        "",
    ]
)
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2026-03-10T14:00:00Z", "1773151331", "Mar 10 15:02:11", "NaN", '"', "\n"]),
    st.integers().map(str),
)


def run(kind: str, payload: bytes, suffix: str = ".csv", **kw) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"input{suffix}"
        p.write_bytes(payload)
        try:
            df = LOADERS[kind](p, **kw)
        except PostmortemError:
            return
        assert "source" in df.attrs


@SETTINGS
@given(kind=st.sampled_from(list(LOADERS)), payload=st.binary(max_size=2000))
def test_random_bytes(kind, payload):
    run(kind, payload)


@SETTINGS
@given(
    kind=st.sampled_from(list(LOADERS)),
    header=st.lists(NAMES, min_size=1, max_size=6),
    body=st.lists(st.lists(CELLS, min_size=0, max_size=7), max_size=8),
    delim=st.sampled_from([",", "\t", ";"]),
    tz=st.sampled_from([None, "UTC", "Europe/Berlin"]),
)
def test_random_csv(kind, header, body, delim, tz):
    text = delim.join(header) + "\n" + "\n".join(delim.join(r) for r in body)
    run(kind, text.encode("utf-8", "surrogatepass"), tz=tz)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["2026-03-10T14:00:00Z", "0001-01-01T00:00:00Z"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.one_of(NAMES, st.text(max_size=8)), children, max_size=5)
    ),
    max_leaves=25,
)


@SETTINGS
@given(kind=st.sampled_from(list(LOADERS)), doc=JSON, lines=st.booleans())
def test_random_json(kind, doc, lines):
    if lines and isinstance(doc, list):
        text = "\n".join(json.dumps(d) for d in doc)
    else:
        text = json.dumps(doc)
    run(kind, text.encode(), suffix=".json")


@SETTINGS
@given(
    kind=st.sampled_from(list(LOADERS)),
    pick=st.integers(min_value=0, max_value=2),
    cuts=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.binary(max_size=12)), max_size=4
    ),
)
def test_mutated_fixtures(kind, pick, cuts):
    data = bytearray((DATA / SEEDS[kind][pick]).read_bytes())
    for where, length, insert in cuts:
        i = int(where * len(data))
        data[i : i + length] = insert
    kw = {"mapping": {"service": "=svc"}} if SEEDS[kind][pick].endswith(".txt") else {}
    suffix = Path(SEEDS[kind][pick]).suffix
    run(kind, bytes(data), suffix=suffix, **kw)


# pieces of real and broken time values: every parsing path (ISO, epoch, offsets, zone
# names, day/month order, years a nanosecond clock cannot hold) gets exercised
TIME_PARTS = st.sampled_from([
    "2026", "03", "10", "13", "31", "1", "0", "99", "-", "/", ".", " ", "T", ":", "Z",
    "+01:00", "-0500", "+0000", "UTC", "GMT", "CET", "Tue", "Mar", ",", "@", "AM", "PM",
    "14", "60", ".123", "000000000", "1773151331", "0001-01-01", "9999", "12:00", "",
])  # fmt: skip


@SETTINGS
@given(
    values=st.lists(st.lists(TIME_PARTS, max_size=8).map("".join), min_size=1, max_size=6),
    tz=st.sampled_from([None, "UTC", "Europe/Berlin", "America/New_York"]),
    dayfirst=st.booleans(),
)
def test_random_time_values(values, tz, dayfirst):
    try:
        got = parse_times(pd.Series(values, dtype="str"), tz=tz, rule=TimeRule(dayfirst=dayfirst))
    except PostmortemError:
        return
    assert str(got.values.dtype) == "datetime64[ns, UTC]"
    assert len(got.values) == len(values)


@pytest.mark.parametrize("kind", list(LOADERS))
def test_seeds_load(kind):
    for name in SEEDS[kind]:
        kw = {"mapping": {"service": "=svc"}} if name.endswith(".txt") else {}
        assert len(LOADERS[kind](DATA / name, **kw)) > 0
