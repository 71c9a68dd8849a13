"""The chunked threaded reader agrees with the streaming reader, and steps aside when unsafe."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.ingest import csvread, load_logs


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
    monkeypatch.setattr(csvread, "CHUNK_BYTES", 4096)


def test_chunked_equals_streamed(tmp_path, small_chunks, monkeypatch):
    p = make(tmp_path, 3000)
    chunked = load_logs(p)
    monkeypatch.setattr(csvread, "CHUNK_BYTES", 1 << 40)  # too big: streaming path
    streamed = load_logs(p)
    pd.testing.assert_frame_equal(chunked, streamed)
    assert chunked["http_status"].isna().sum() == 429
    assert list(chunked["_line"][:3]) == [2, 3, 4]


def test_chunked_is_used(tmp_path, small_chunks):
    from postmortem_nb.ingest.sources import open_source

    p = make(tmp_path, 3000)
    src = open_source(p)
    names, _ = csvread.header(src.head, ",")
    table = csvread.read_chunked(src, columns=names, delimiter=",", types={})
    assert table is not None
    assert table.num_rows == 3000


def test_quoted_newlines_fall_back(tmp_path, small_chunks):
    extra = '2026-03-10T01:00:00Z,ERROR,api,web-1,"two\nlines",500\n'
    p = make(tmp_path, 3000, extra)
    from postmortem_nb.ingest.sources import open_source

    src = open_source(p)
    names, _ = csvread.header(src.head, ",")
    assert csvread.read_chunked(src, columns=names, delimiter=",", types={}) is None
    df = load_logs(p)
    assert len(df) == 3001
    assert df.iloc[-1]["message"] == "two\nlines"
    assert df.iloc[-1]["_line"] == 3002


def test_type_change_in_a_later_chunk_falls_back(tmp_path, small_chunks):
    extra = "2026-03-10T01:00:00Z,ERROR,api,web-1,late,not-a-number\n"
    df = load_logs(make(tmp_path, 3000, extra))
    assert df.iloc[-1]["http_status"] == "not-a-number"
