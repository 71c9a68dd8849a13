"""The chunked threaded reader agrees with the streaming reader, and steps aside when unsafe."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.ingest import csvhead, csvread, load_logs, parallel


def make(tmp_path, n, extra=""):
    t0 = pd.Timestamp("2026-03-10T00:00:00Z")
    rows = [
        f"{(t0 + pd.Timedelta(seconds=i)).isoformat().replace('+00:00', 'Z')},INFO,api,web-1,"
        f"req {i},{'' if i % 7 == 0 else i % 500}\n"
        for i in range(n)
    ]
    p = tmp_path / "logs.csv"
    p.write_text("timestamp,level,service,host,message,http_status\n" + "".join(rows) + extra)
    return p


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4096)


def test_chunked_equals_streamed(tmp_path, small_chunks, monkeypatch):
    p = make(tmp_path, 3000)
    chunked = load_logs(p)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 1 << 40)  # too big: streaming path
    streamed = load_logs(p)
    pd.testing.assert_frame_equal(chunked, streamed)
    assert chunked["http_status"].isna().sum() == 429
    assert list(chunked["_line"][:3]) == [2, 3, 4]


def test_chunked_is_used(tmp_path, small_chunks):
    from postmortem_nb.ingest.sources import open_source

    p = make(tmp_path, 3000)
    src = open_source(p)
    names, _ = csvhead.header(src.head, ",")
    frame = csvread.read_chunked(src, columns=names, delimiter=",", types={})
    assert frame is not None
    assert len(frame) == 3000
    assert list(frame.columns) == [*names, "_line"]
    assert frame["_line"].iloc[2999] == 3001
    assert frame["message"].iloc[2999] == "req 2999"


def test_quoted_newlines_fall_back(tmp_path, small_chunks):
    extra = '2026-03-10T01:00:00Z,ERROR,api,web-1,"two\nlines",500\n'
    p = make(tmp_path, 3000, extra)
    from postmortem_nb.ingest.sources import open_source

    src = open_source(p)
    names, _ = csvhead.header(src.head, ",")
    assert csvread.read_chunked(src, columns=names, delimiter=",", types={}) is None
    df = load_logs(p)
    assert len(df) == 3001
    assert df.iloc[-1]["message"] == "two\nlines"
    assert df.iloc[-1]["_line"] == 3002


def test_type_change_in_a_later_chunk_falls_back(tmp_path, small_chunks):
    extra = "2026-03-10T01:00:00Z,ERROR,api,web-1,late,not-a-number\n"
    df = load_logs(make(tmp_path, 3000, extra))
    assert df.iloc[-1]["http_status"] == "not-a-number"


def test_many_slices_keep_file_order_and_types(tmp_path, small_chunks):
    """Slices parsed by several threads come back in file order, numbers in one array."""
    p = make(tmp_path, 20000)
    df = load_logs(p)
    assert df["message"].tolist() == [f"req {i}" for i in range(20000)]
    assert df["timestamp"].is_monotonic_increasing
    assert str(df["http_status"].dtype) == "Int64"
    assert df["http_status"].isna().sum() == 2858  # every 7th row is empty
    assert df["http_status"].iloc[1] == 1
    assert df["http_status"].iloc[501] == 1
    assert df["_line"].tolist() == list(range(2, 20002))


def test_nulls_in_later_slices_and_a_small_first_estimate(tmp_path, small_chunks):
    """Long first rows make the row estimate too small: the arrays grow; nulls survive."""
    t0 = pd.Timestamp("2026-03-10T00:00:00Z")
    long = "x" * 300
    rows = []
    for i in range(6000):
        ts = (t0 + pd.Timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
        msg = long if i < 20 else "m"
        amount = "" if i % 11 == 0 else f"{i / 4}"
        rows.append(f"{ts},INFO,api,web-1,{msg},{amount},{'' if i % 13 == 0 else i}\n")
    p = tmp_path / "logs.csv"
    p.write_text("timestamp,level,service,host,message,amount,latency_ms\n" + "".join(rows))
    df = load_logs(p)
    assert len(df) == 6000
    assert df["amount"].isna().sum() == len(range(0, 6000, 11))
    assert df["amount"].iloc[5999] == 5999 / 4
    assert df["latency_ms"].isna().sum() == len(range(0, 6000, 13))
    assert df["latency_ms"].iloc[5999] == 5999


def test_blank_line_falls_back_with_right_line_numbers(tmp_path, small_chunks):
    p = make(tmp_path, 3000)
    lines = p.read_text().splitlines(keepends=True)
    lines.insert(2000, "\n")
    p.write_text("".join(lines))
    df = load_logs(p)
    assert len(df) == 3000
    assert df["_line"].iloc[1998] == 2000
    assert df["_line"].iloc[1999] == 2002


def test_non_ascii_and_invalid_utf8_in_a_late_slice(tmp_path, small_chunks):
    p = make(tmp_path, 3000, "2026-03-10T01:00:00Z,ERROR,api,web-1,caf\u00e9 \u2014 ok,500\n")
    assert load_logs(p)["message"].iloc[-1] == "caf\u00e9 \u2014 ok"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(p.read_bytes().replace("caf\u00e9".encode(), b"caf\xe9"))
    df = load_logs(bad)
    assert df["message"].iloc[-1].startswith("caf\u00e9")  # read again as cp1252, not lost
    assert any("cp1252" in w for w in df.attrs["source"]["warnings"])


def test_an_unexpected_error_in_a_worker_is_raised_not_lost(tmp_path, small_chunks, monkeypatch):
    """A failure while committing a slice must not return a frame with rows missing."""
    from postmortem_nb.ingest.sources import open_source

    p = make(tmp_path, 20000)
    calls = []

    def add(self, col):
        calls.append(len(col))
        if len(calls) == 5:
            raise RuntimeError("boom")

    monkeypatch.setattr(parallel._Numbers, "add", add)
    src = open_source(p)
    names, _ = csvhead.header(src.head, ",")
    with pytest.raises(RuntimeError, match="boom"):
        csvread.read_chunked(src, columns=names, delimiter=",", types={})


@pytest.mark.parametrize("chunk", [4096, 1 << 40], ids=["parallel", "streamed"])
def test_null_like_words_stay_text(tmp_path, monkeypatch, chunk):
    """Only an empty field is missing: 'null', 'N/A', 'None' in a log are evidence, kept."""
    monkeypatch.setattr(parallel, "CHUNK_BYTES", chunk)
    words = ["null", "N/A", "None", "NaN", "NULL", ""]
    rows = [
        f"2026-03-10T00:00:{i % 60:02d}Z,INFO,api,{words[i % 6]},{words[i % 6]},"
        f"{'NaN' if i % 6 == 3 else i}\n"
        for i in range(3000)
    ]
    p = tmp_path / "logs.csv"
    p.write_text("timestamp,level,service,host,message,amount\n" + "".join(sorted(rows)))
    df = load_logs(p)
    assert set(df["message"].dropna()) == {"null", "N/A", "None", "NaN", "NULL"}
    assert df["message"].isna().sum() == 500
    assert df["host"].eq("N/A").sum() == 500
    assert df["amount"].dtype == "float64"
    assert df["amount"].isna().sum() == 500  # the NaN rows


def test_gzip_is_read_in_parallel_with_the_same_result(tmp_path, small_chunks):
    import gzip

    from postmortem_nb.ingest.sources import open_source

    p = make(tmp_path, 20000)
    gz = tmp_path / "logs.csv.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    src = open_source(gz)
    names, _ = csvhead.header(src.head, ",")
    assert csvread.read_chunked(src, columns=names, delimiter=",", types={}) is not None
    plain, packed = load_logs(p), load_logs(gz)
    pd.testing.assert_frame_equal(plain.drop(columns="_file"), packed.drop(columns="_file"))


def test_gzip_window_in_parallel_counts_unplaced_rows(tmp_path, small_chunks, monkeypatch):
    import gzip

    from postmortem_nb.errors import InputFormatError
    from postmortem_nb.ingest import window

    p = make(tmp_path, 20000, "not-a-time,INFO,api,web-1,stray,200\n")
    gz = tmp_path / "logs.csv.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    start, end = "2026-03-10T01:00:00Z", "2026-03-10T02:00:00Z"
    with monkeypatch.context() as m:
        m.setattr(window, "_stream_filter", None)  # the one-thread fallback is not needed
        got = load_logs(gz, start=start, end=end)
    assert len(got) == 3600
    assert got["message"].iloc[0] == "req 3600"
    assert got["_line"].iloc[0] == 3602
    assert got.attrs["source"]["skipped_count"] == 1
    assert any("unparseable time" in w for w in got.attrs["source"]["warnings"])
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gz.read_bytes()[: gz.stat().st_size // 2])
    with pytest.raises(InputFormatError, match=r"cut\.csv\.gz"):
        load_logs(cut, start=start, end=end)


def test_crlf_lines_in_parallel(tmp_path, small_chunks):
    """Windows line ends: one row per line, no stray carriage returns in the last column."""
    p = make(tmp_path, 5000)
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    df = load_logs(p)
    assert len(df) == 5000
    assert df["message"].iloc[-1] == "req 4999"
    assert df["http_status"].iloc[-1] == 4999 % 500
    assert df["_line"].iloc[-1] == 5001
