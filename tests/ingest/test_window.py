"""Time windows: bisection on sorted files, streaming on gzip/unsorted, same rows as a filter."""

from __future__ import annotations

import gzip
import random

import pandas as pd
import pytest

from postmortem_nb.errors import ParameterError
from postmortem_nb.ingest import load_logs

START, END = "2026-03-10T12:00:00Z", "2026-03-10T14:00:00Z"


@pytest.fixture(scope="module")
def day_file(tmp_path_factory):
    """24 h of logs, one row every 20 s, with one quoted multi-line message."""
    t0 = pd.Timestamp("2026-03-10T00:00:00Z")
    lines = ["timestamp,level,service,host,message,http_status\n"]
    for i in range(24 * 180):
        ts = (t0 + pd.Timedelta(seconds=20 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        msg = f"request {i} ok"
        if i == 100:
            msg = '"stack trace\nline two"'
        lines.append(f"{ts},INFO,api,web-{i % 3},{msg},200\n")
    path = tmp_path_factory.mktemp("win") / "day.csv"
    path.write_text("".join(lines))
    return path


def expected(path):
    df = load_logs(path)
    keep = (df["timestamp"] >= pd.Timestamp(START)) & (df["timestamp"] < pd.Timestamp(END))
    return df.loc[keep].reset_index(drop=True)


def test_bisect_window_matches_full_filter(day_file):
    want = expected(day_file)
    got = load_logs(day_file, start=START, end=END)
    assert len(got) == 360
    assert got["timestamp"].min() == pd.Timestamp(START)
    assert got["timestamp"].max() < pd.Timestamp(END)
    # line numbers are the real ones (the multi-line message earlier shifts them by one)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["source"]["window"][0].startswith("2026-03-10 12:00:00")


def test_gzip_window_streams(day_file, tmp_path):
    gz = tmp_path / "day.csv.gz"
    gz.write_bytes(gzip.compress(day_file.read_bytes()))
    got = load_logs(gz, start=START, end=END)
    want = expected(day_file)
    pd.testing.assert_frame_equal(got.drop(columns="_file"), want.drop(columns="_file"))


def test_truncated_gzip_window_names_the_file(day_file, tmp_path):
    from postmortem_nb.errors import InputFormatError

    packed = gzip.compress(day_file.read_bytes())
    gz = tmp_path / "cut.csv.gz"
    gz.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputFormatError, match=r"cut\.csv\.gz"):
        load_logs(gz, start=START, end=END)


def test_unsorted_window_streams(day_file, tmp_path):
    header, *body = day_file.read_text().splitlines(keepends=True)
    body = [b for b in body if b[0].isdigit() and b.count(",") == 5]  # single-line rows
    random.Random(3).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(header + "".join(body))
    got = load_logs(shuffled, start=START, end=END)
    assert len(got) == 360
    assert got["timestamp"].is_monotonic_increasing
    full = load_logs(shuffled)
    row = got.iloc[0]
    assert full.set_index("_line").loc[row["_line"], "message"] == row["message"]


def test_open_ended_windows(day_file):
    assert len(load_logs(day_file, start="2026-03-10T23:00:00Z")) == 180
    assert len(load_logs(day_file, end="2026-03-10T00:01:00Z")) == 3
    assert len(load_logs(day_file, start="2026-03-11T00:00:00Z")) == 0


def test_window_with_a_multi_line_message_inside(day_file):
    """A quoted newline inside the window: the fast row-per-line read steps aside."""
    start, end = "2026-03-10T00:30:00Z", "2026-03-10T00:40:00Z"  # row 100 is at 00:33:20
    got = load_logs(day_file, start=start, end=end)
    full = load_logs(day_file)
    keep = (full["timestamp"] >= pd.Timestamp(start)) & (full["timestamp"] < pd.Timestamp(end))
    pd.testing.assert_frame_equal(got, full.loc[keep].reset_index(drop=True))
    assert "stack trace\nline two" in got["message"].tolist()


def test_window_on_times_with_offsets(tmp_path):
    """Bisection probes read +02:00 offsets the same way the full read does."""
    t0 = pd.Timestamp("2026-03-10T00:00:00+02:00")
    rows = [
        f"{(t0 + pd.Timedelta(minutes=i)).isoformat()},INFO,api,web-1,m {i}\n"
        for i in range(24 * 60)
    ]
    p = tmp_path / "offsets.csv"
    p.write_text("timestamp,level,service,host,message\n" + "".join(rows))
    got = load_logs(p, start="2026-03-10T10:00:00Z", end="2026-03-10T10:30:00Z")
    assert len(got) == 30
    assert got["message"].iloc[0] == "m 720"  # 12:00+02:00 is 10:00Z
    assert got["_line"].iloc[0] == 722


def test_window_bounds_finer_than_a_microsecond(tmp_path, caplog):
    """Probes read times to the microsecond; bounds are widened, rows then cut exactly."""
    t0 = pd.Timestamp("2026-03-10T12:00:00Z")
    rows = [
        f"{(t0 + pd.Timedelta(nanoseconds=250 * i)).isoformat().replace('+00:00', 'Z')},"
        f"INFO,api,web-1,m {i}\n"
        for i in range(20_000)
    ]
    p = tmp_path / "nanos.csv"
    p.write_text("timestamp,level,service,host,message\n" + "".join(rows))
    lo = t0 + pd.Timedelta(nanoseconds=1_000_100)
    hi = t0 + pd.Timedelta(nanoseconds=2_000_100)
    with caplog.at_level("INFO", logger="postmortem_nb.ingest.window"):
        got = load_logs(p, start=lo, end=hi)
    assert "byte-offset bisection" in caplog.text
    assert got["message"].iloc[0] == "m 4001"  # 4001 * 250 ns is the first >= lo
    assert got["message"].iloc[-1] == "m 8000"  # 8000 * 250 ns is the last < hi
    assert len(got) == 4000
    assert got["_line"].iloc[0] == 4003


@pytest.mark.parametrize("gz", [False, True])
def test_window_on_syslog_times_across_new_year(tmp_path, gz):
    """A window read parses part of a file: the year would restart at each probe or batch."""
    t0 = pd.Timestamp("2026-12-31T20:00:00")
    rows = [f"{(t0 + pd.Timedelta(minutes=i)):%b %e %H:%M:%S},m {i}\n" for i in range(8 * 60)]
    data = ("timestamp,message\n" + "".join(rows)).encode()
    p = tmp_path / ("syslog.csv.gz" if gz else "syslog.csv")
    p.write_bytes(gzip.compress(data) if gz else data)
    got = load_logs(
        p, tz="UTC", mapping={"year": "2026"},
        start="2027-01-01T01:00:00Z", end="2027-01-01T02:00:00Z",
    )
    assert len(got) == 60
    assert got["message"].iloc[0] == "m 300"
    assert got["_line"].iloc[0] == 302


def test_naive_window_bounds_are_read_in_tz(day_file):
    got = load_logs(day_file, tz="Europe/Berlin", start="2026-03-10 13:00", end="2026-03-10 15:00")
    want = expected(day_file)  # 12:00Z-14:00Z
    pd.testing.assert_frame_equal(got, want)
    with pytest.raises(ParameterError, match="no time zone"):
        load_logs(day_file, start="2026-03-10 13:00")
    with pytest.raises(ParameterError, match="does not exist in Europe/Berlin"):
        load_logs(day_file, tz="Europe/Berlin", start="2026-03-29 02:30")


@pytest.mark.parametrize("gz", [False, True])
def test_a_ragged_row_in_a_window_is_reported_with_its_line(day_file, tmp_path, gz):
    """The window readers skipped a row with the wrong number of fields in silence (and
    numbered the rows after it one line short); it is reported as a full read reports it."""
    lines = day_file.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("2026-03-10T13:00:00"))
    lines[at] = lines[at].replace(",200\n", ",200,extra field\n")
    path = tmp_path / ("day.csv.gz" if gz else "day.csv")
    data = "".join(lines).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    df = load_logs(path, start=START, end=END)
    src = df.attrs["source"]
    assert src["skipped_count"] == 1
    assert src["skipped_rows"][0]["line"] == at + 1
    assert "expected 6 fields" in src["skipped_rows"][0]["reason"]
    after = df.loc[df["timestamp"] == pd.Timestamp("2026-03-10T13:00:20Z"), "_line"]
    assert after.tolist() == [at + 2]
    assert len(df) == len(expected(day_file)) - 1
