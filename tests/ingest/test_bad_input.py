"""Bad input: each problem gets the package's own error (or a documented recovery)."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from postmortem_nb.errors import (
    InputFormatError,
    MissingColumnError,
    ParameterError,
    TimestampError,
)
from postmortem_nb.ingest import load_alerts, load_changes, load_logs

T = pd.Timestamp
HEADER = "timestamp,level,service,host,message\n"


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def rows(n, start="2026-03-10T14:00:00Z"):
    t0 = T(start)
    return "".join(
        f"{(t0 + pd.Timedelta(seconds=i)).isoformat().replace('+00:00', 'Z')},INFO,api,web-1,"
        f"request {i} ok\n"
        for i in range(n)
    )


def test_missing_required_column_names_everything(tmp_path):
    p = write(tmp_path, "alerts.csv", "Ticket,Opened,Summary\nINC-1,2026-03-10T14:00:00Z,x\n")
    with pytest.raises(MissingColumnError) as err:
        load_alerts(p)
    msg = str(err.value)
    assert str(p) in msg
    assert "'started_at'" in msg
    assert "Ticket, Opened, Summary" in msg
    assert 'mapping={"started_at": "<column>"}' in msg
    assert "--map started_at=<column>" in msg
    assert err.value.column == "started_at"


def test_mapping_to_a_column_that_does_not_exist(tmp_path):
    p = write(tmp_path, "logs.csv", HEADER + rows(2))
    with pytest.raises(MissingColumnError, match="no column 'msg'"):
        load_logs(p, mapping={"message": "msg"})


def test_unknown_mapping_key_and_zone(tmp_path):
    p = write(tmp_path, "logs.csv", HEADER + rows(2))
    with pytest.raises(ParameterError, match="not a logs column"):
        load_logs(p, mapping={"started": "timestamp"})
    with pytest.raises(ParameterError, match="Unknown time zone"):
        load_logs(p, tz="Mars/Olympus")


def test_few_bad_timestamps_are_dropped_and_reported(tmp_path):
    body = rows(300).splitlines(keepends=True)
    body[9] = "not-a-time,ERROR,api,web-1,broken clock\n"  # line 11
    p = write(tmp_path, "logs.csv", HEADER + "".join(body))
    df = load_logs(p)
    assert len(df) == 299
    src = df.attrs["source"]
    assert src["skipped_count"] == 1
    assert src["skipped_rows"][0]["line"] == 11
    assert src["skipped_rows"][0]["value"] == "not-a-time"
    assert any("lines 11" in w for w in src["warnings"])
    assert "broken clock" not in set(df["message"])


def test_many_bad_timestamps_are_an_error(tmp_path):
    body = rows(50).splitlines(keepends=True)
    for i in (3, 7, 20):
        body[i] = "10/03/2026 25:99,ERROR,api,web-1,bad\n"
    p = write(tmp_path, "logs.csv", HEADER + "".join(body))
    with pytest.raises(TimestampError) as err:
        load_logs(p)
    assert "3 of 50 rows" in str(err.value)
    assert "line 5" in str(err.value)
    assert err.value.line == 5


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(InputFormatError, match="empty"):
        load_logs(write(tmp_path, "empty.csv", ""))
    with pytest.raises(InputFormatError, match="empty"):
        load_alerts(write(tmp_path, "empty.json", "  \n"))
    df = load_logs(write(tmp_path, "header.csv", HEADER))
    assert len(df) == 0
    assert list(df.columns[:5]) == ["timestamp", "level", "service", "host", "message"]
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"


def test_other_delimiters_are_sniffed(tmp_path):
    semi = write(tmp_path, "semi.csv", HEADER.replace(",", ";") + rows(3).replace(",", ";"))
    assert len(load_logs(semi)) == 3


def test_unknown_delimiter_gives_a_hint(tmp_path):
    p = write(tmp_path, "colon.csv", HEADER.replace(",", "^") + rows(2).replace(",", "^"))
    with pytest.raises(MissingColumnError, match="delimiter"):
        load_logs(p)


def test_cp1252_falls_back_with_a_warning(tmp_path):
    msg = "Zahlung fehlgeschlagen für Kunde Müller – 50 €"
    text = HEADER + f"2026-03-10T14:00:00Z,ERROR,api,web-1,{msg}\n"
    p = write(tmp_path, "latin.csv", text, encoding="cp1252")
    df = load_logs(p)
    assert df.loc[0, "message"] == "Zahlung fehlgeschlagen für Kunde Müller – 50 €"
    assert any("cp1252" in w for w in df.attrs["source"]["warnings"])


def test_cp1252_after_a_long_utf8_head(tmp_path):
    head = HEADER + rows(6000)  # more than the sniffed head
    tail = "2026-03-10T16:00:00Z,ERROR,api,web-1,Fehler für Müller\n"
    p = write(tmp_path, "late.csv", head.encode() + tail.encode("cp1252"))
    df = load_logs(p)
    assert df.iloc[-1]["message"] == "Fehler für Müller"
    assert any("cp1252" in w for w in df.attrs["source"]["warnings"])


def test_bom_is_stripped(tmp_path):
    p = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + (HEADER + rows(2)).encode())
    df = load_logs(p)
    assert len(df) == 2
    assert "\ufefftimestamp" not in df.columns


def test_quoted_newlines_in_messages_keep_line_numbers(tmp_path):
    text = (
        HEADER
        + '2026-03-10T14:00:00Z,ERROR,api,web-1,"Traceback (most recent call last):\n'
        + '  File ""app.py"", line 3\nValueError: bad"\n'
        + "2026-03-10T14:00:01Z,INFO,api,web-1,next\n"
    )
    df = load_logs(write(tmp_path, "multi.csv", text))
    assert df.loc[0, "message"].count("\n") == 2
    assert list(df["_line"]) == [2, 5]


def test_duplicate_header_names_are_renamed(tmp_path):
    text = "timestamp,message,message,host\n2026-03-10T14:00:00Z,first,second,web-1\n"
    df = load_logs(write(tmp_path, "dup.csv", text))
    assert df.loc[0, "message"] == "first"
    assert df.loc[0, "message.1"] == "second"
    assert any("duplicate header" in w for w in df.attrs["source"]["warnings"])


def test_huge_single_field(tmp_path):
    big = "x" * (20 << 20)  # 20 MB in one message, bigger than a read block
    text = HEADER + f"2026-03-10T14:00:00Z,ERROR,api,web-1,{big}\n" + rows(2, "2026-03-10T14:01Z")
    df = load_logs(write(tmp_path, "huge.csv", text))
    assert len(df) == 3
    assert len(df.loc[0, "message"]) == len(big)


def test_rows_with_wrong_field_count_are_skipped_and_reported(tmp_path):
    body = rows(200).splitlines(keepends=True)
    body[4] = "2026-03-10T14:00:04Z,INFO,api\n"  # line 6
    df = load_logs(write(tmp_path, "ragged.csv", HEADER + "".join(body)))
    assert len(df) == 199
    assert df.attrs["source"]["skipped_count"] == 1
    assert df.attrs["source"]["skipped_rows"][0]["line"] == 6
    assert list(df["_line"][:5]) == [2, 3, 4, 5, 7]


def test_a_file_whose_every_row_is_ragged_is_an_error(tmp_path, monkeypatch):
    """It once loaded as an empty frame, exit 0: every row skipped is not a success."""
    text = "timestamp,message\n2026-03-10T14:00:00Z,a,extra,more\n2026-03-10T14:00:01Z\n"
    p = write(tmp_path, "ragged.csv", text)
    with pytest.raises(InputFormatError) as err:
        load_logs(p)
    msg = str(err.value)
    assert str(p) in msg
    assert "none of the 2 rows could be read" in msg
    assert "to allow more" not in msg  # no limit helps
    assert "line 2: expected 2 fields (timestamp, message), found 4" in msg
    assert "line 3: expected 2 fields (timestamp, message), found 1" in msg
    assert "POSTMORTEM_MAX_BAD_ROWS" in msg
    assert err.value.line == 2
    monkeypatch.setenv("POSTMORTEM_MAX_BAD_ROWS", "100%")  # no limit makes nothing readable
    with pytest.raises(InputFormatError, match="none of the 2 rows"):
        load_logs(p)


def test_a_file_whose_every_time_is_bad_gets_no_advice_to_raise_the_limit(tmp_path):
    p = write(tmp_path, "logs.csv", HEADER + "never,INFO,api,web-1,a\nxx,INFO,api,web-1,b\n")
    with pytest.raises(TimestampError) as err:
        load_logs(p)
    msg = str(err.value)
    assert "none of the 2 rows could be read (2 with a bad timestamp)" in msg
    assert "to allow more" not in msg
    assert "line 3: timestamp: unparseable timestamp: 'xx'" in msg


def test_a_missing_time_is_said_missing_not_quoted_as_nan(test_data, tmp_path, monkeypatch):
    """An Alertmanager alert without startsAt: 'no startsAt value', not "empty: 'nan'"."""
    text = (test_data / "ingest" / "alertmanager_webhook.json").read_text()
    text = text.replace('"startsAt": "2026-03-10T14:05:11.456Z",', "", 1)  # the 2nd alert
    p = write(tmp_path, "webhook.json", text)
    with pytest.raises(TimestampError) as err:
        load_alerts(p)
    msg = str(err.value)
    assert "1 of 2 rows (50.0%) could not be read (1 without a started_at)" in msg
    assert "First: line 21: started_at missing (no startsAt value)." in msg
    assert "nan" not in msg
    monkeypatch.setenv("POSTMORTEM_MAX_BAD_ROWS", "50%")
    skipped = load_alerts(p).attrs["source"]["skipped_rows"]
    assert skipped == [{"file": str(p), "line": 21, "value": None,
                        "reason": "started_at missing (no startsAt value)"}]  # fmt: skip


def test_one_ragged_row_in_50_is_above_the_limit(tmp_path, monkeypatch):
    """1 of 50 is 2%: above 1% whatever the file's size, as for bad timestamps."""
    body = rows(50).splitlines(keepends=True)
    body[7] = "2026-03-10T14:00:07Z,INFO,api,web-1,Payment failed, retrying\n"  # line 9
    p = write(tmp_path, "ragged.csv", HEADER + "".join(body))
    with pytest.raises(InputFormatError) as err:
        load_logs(p)
    msg = str(err.value)
    assert "1 of 50 rows (2.0%)" in msg
    assert "line 9: expected 5 fields (timestamp, level, service, host, message), found 6" in msg
    assert err.value.line == 9
    monkeypatch.setenv("POSTMORTEM_MAX_BAD_ROWS", "5%")
    df = load_logs(p)
    assert len(df) == 49
    assert df.attrs["source"]["skipped_rows"][0]["line"] == 9


def test_ragged_rows_and_bad_timestamps_count_together(tmp_path):
    """One of each in 150 rows is 1.3%, above the limit; either alone (0.7%) is not."""
    body = rows(150).splitlines(keepends=True)
    body[3] = "2026-03-10T14:00:03Z,INFO,api\n"  # line 5
    body[40] = "not-a-time,ERROR,api,web-1,broken clock\n"  # line 42
    with pytest.raises(InputFormatError) as err:
        load_logs(write(tmp_path, "both.csv", HEADER + "".join(body)))
    msg = str(err.value)
    assert "2 of 150 rows (1.3%)" in msg
    assert "1 with the wrong number of fields" in msg
    assert "1 with a bad timestamp" in msg
    assert "line 5:" in msg
    assert "line 42:" in msg
    assert err.value.line == 5


def test_invalid_json_names_the_line(tmp_path):
    good = '{"timestamp": "2026-03-10T14:00:00Z", "message": "a"}'
    p = write(tmp_path, "bad.jsonl", good + "\n{oops\n")
    with pytest.raises(InputFormatError) as err:
        load_logs(p)
    assert err.value.line == 2


def test_corrupt_gzip(tmp_path):
    good = gzip.compress((HEADER + rows(500)).encode())
    p = write(tmp_path, "cut.csv.gz", good[: len(good) // 2])
    with pytest.raises(InputFormatError):
        load_logs(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputFormatError, match="not found"):
        load_changes(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("preamble", "delim"),
    [("\n", ","), ("\n\r\n  \n", ","), ("sep=;\n", ";"), ("sep=;\r\n", ";")],
)
def test_lines_before_the_header_are_skipped_and_counted(tmp_path, preamble, delim):
    """Blank lines, or Excel's "sep=;" hint, before the header (a blank line 1 once gave a
    pandas TypeError, found by hypothesis)."""
    body = (HEADER + rows(3)).replace(",", delim)
    p = write(tmp_path, "pre.csv", preamble + body)
    df = load_logs(p)
    skipped = preamble.count("\n")
    assert df["message"].tolist() == ["request 0 ok", "request 1 ok", "request 2 ok"]
    assert df["_line"].tolist() == [skipped + 2, skipped + 3, skipped + 4]
    assert any("before the header skipped" in w for w in df.attrs["source"]["warnings"])


def test_lines_before_the_header_count_in_skipped_and_multi_line_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTMORTEM_MAX_BAD_ROWS", "30%")  # 1 ragged row of 4
    p = write(
        tmp_path,
        "rag.csv",
        "\n\n" + HEADER + "2026-03-10T14:00:00Z,INFO,api,web-1,a\n"
        "2026-03-10T14:00:01Z,INFO,api,web-1,b,extra\n"
        '2026-03-10T14:00:02Z,INFO,api,web-1,"multi\nline"\n'
        "2026-03-10T14:00:03Z,INFO,api,web-1,d\n",
    )
    df = load_logs(p)
    assert df["_line"].tolist() == [4, 6, 8]
    assert [r["line"] for r in df.attrs["source"]["skipped_rows"]] == [5]


@pytest.mark.parametrize("gz", [False, True])
def test_lines_before_the_header_on_the_fast_paths(tmp_path, gz, monkeypatch, caplog):
    """The parallel reader (64 KB slices here) and the window bisection skip them too."""
    from postmortem_nb.ingest import parallel

    monkeypatch.setattr(parallel, "CHUNK_BYTES", 64 << 10)
    done = []
    real = parallel.read_parallel

    def spy(*args, **kwargs):
        done.append(real(*args, **kwargs))
        return done[-1]

    monkeypatch.setattr(parallel, "read_parallel", spy)
    text = "sep=,\n\n" + HEADER + rows(20_000)
    name = "big.csv.gz" if gz else "big.csv"
    p = write(tmp_path, name, gzip.compress(text.encode(), 1) if gz else text)
    df = load_logs(p)
    assert done[0] is not None  # read in slices
    assert len(df) == 20_000
    assert df["_line"].iloc[[0, -1]].tolist() == [4, 20_003]
    assert df["message"].iloc[-1] == "request 19999 ok"
    caplog.set_level("INFO")
    win = load_logs(p, start="2026-03-10T14:10:00Z", end="2026-03-10T14:20:00Z")
    assert len(win) == 600
    assert win["_line"].iloc[0] == 600 + 4
    assert win["message"].iloc[0] == "request 600 ok"
    assert ("byte-offset bisection" in caplog.text) is not gz  # gzip: streamed and filtered


def _stray_quote(n, at, message='"unbalanced quote'):
    body = rows(n).splitlines(keepends=True)
    body[at] = body[at].replace(f"request {at} ok", message)
    return HEADER + "".join(body)


def test_stray_quote_that_swallows_rows_is_an_error(tmp_path):
    p = write(tmp_path, "stray.csv", _stray_quote(10, 3))  # row 4 is line 5
    with pytest.raises(InputFormatError) as err:
        load_logs(p)
    msg = str(err.value)
    assert err.value.line == 5
    assert "line 5:" in msg
    assert "6 following lines that look like rows" in msg
    assert "2026-03-10T14:00:04Z,INFO,api,web-1,request 4 ok" in msg


def test_stray_quote_in_the_last_row_is_an_error(tmp_path):
    p = write(tmp_path, "last.csv", _stray_quote(10, 9, '"unterminated last'))
    with pytest.raises(InputFormatError, match="never closed: it runs to the end") as err:
        load_logs(p)
    assert err.value.line == 11


def test_stray_quote_closed_by_a_later_quote_is_an_error(tmp_path):
    text = _stray_quote(10, 3).replace("request 7 ok", '"quoted, fine",extra')
    with pytest.raises(InputFormatError, match="look like rows") as err:
        load_logs(write(tmp_path, "ragged.csv", text))
    assert err.value.line == 5


def test_stray_quote_in_a_big_file_is_the_same_error(tmp_path, monkeypatch):
    from postmortem_nb.ingest import parallel

    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4096)  # the sliced path is tried first
    p = write(tmp_path, "big.csv", _stray_quote(3000, 1500))
    with pytest.raises(InputFormatError, match="1499 following lines") as err:
        load_logs(p)
    assert err.value.line == 1502


def test_quotes_that_close_are_not_flagged(tmp_path):
    text = HEADER + rows(3) + (
        '2026-03-10T14:01:00Z,ERROR,api,web-1,"a, b\n  at x.y(Z.java:1)\nend ""q"" done\n"\n'
    )
    df = load_logs(write(tmp_path, "ok.csv", text))
    assert len(df) == 4
    assert df["message"].iloc[3].endswith('end "q" done\n')


def test_a_quoted_value_holding_lines_shaped_like_rows_is_data(tmp_path):
    # a crash report that quotes earlier log lines: the quotes close as CSV demands, so
    # the lines belong to the message (before, this was reported as a stray quote)
    quoted = (
        '2026-03-10T14:01:00Z,ERROR,api,web-1,"worker crashed; last lines:\r\n'
        "2026-03-10T14:00:58Z,WARN,api,web-1,pool at 95%\r\n"
        '2026-03-10T14:00:59Z,ERROR,api,web-1,""timeout"" after 30s"\r\n'
    )
    text = HEADER.replace("\n", "\r\n") + rows(3).replace("\n", "\r\n") + quoted
    text += rows(2, "2026-03-10T14:02:00Z").replace("\n", "\r\n")
    for name, data in (("ok.csv", text), ("ok.csv.gz", gzip.compress(text.encode()))):
        df = load_logs(write(tmp_path, name, data))
        assert len(df) == 6, name
        assert df["message"].iloc[3].endswith('ERROR,api,web-1,"timeout" after 30s'), name
        assert df["_line"].tolist() == [2, 3, 4, 5, 8, 9], name


@pytest.mark.parametrize(
    ("rows_", "gz", "newline_at_end"),
    [(10, True, True), (10, True, False), (3000, False, True), (3000, True, False)],
)
def test_stray_quote_in_the_last_row_of_gzip_or_big_files_is_an_error(
    tmp_path, monkeypatch, rows_, gz, newline_at_end
):
    # gzip files cannot be read backwards: the decompressed tail is kept. Big files are cut
    # into slices (4 KB here), where an open quote runs to its slice's end and the rows still
    # equal the lines. Before, both loaded with the quote silently dropped.
    from postmortem_nb.ingest import parallel

    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4096)
    text = _stray_quote(rows_, rows_ - 1, '"unterminated last')
    text = text if newline_at_end else text.rstrip("\n")
    p = write(tmp_path, "last.csv.gz" if gz else "last.csv",
              gzip.compress(text.encode(), 1) if gz else text)
    with pytest.raises(InputFormatError, match="never closed: it runs to the end") as err:
        load_logs(p)
    assert err.value.line == rows_ + 1


def test_stray_quote_closed_by_a_quote_that_opens_a_later_value_is_an_error(tmp_path):
    # the stray quote's value ends where a later row's quoted message opens: no ragged
    # row, the right number of fields, yet rows 5 to 7 would vanish
    text = _stray_quote(10, 3).replace("request 7 ok", '"quoted" fine')
    with pytest.raises(InputFormatError, match="look like rows") as err:
        load_logs(write(tmp_path, "merged.csv", text))
    assert err.value.line == 5


def test_a_file_that_changes_while_read_is_reported(tmp_path):
    from postmortem_nb.ingest import csvread
    from postmortem_nb.ingest.sources import open_source

    p = write(tmp_path, "growing.csv", HEADER + rows(5))
    src = open_source(p)
    with open(p, "a") as fh:
        fh.write(rows(1, "2026-03-10T15:00:00Z"))
    table = csvread.read_csv(src)
    assert any("changed while it was read" in w for w in table.warnings)


def test_utf16_with_a_bom_is_decoded(test_data):
    # Excel "Unicode Text": UTF-16LE with its byte-order mark, tabs, CRLF
    df = load_logs(test_data / "ingest" / "app_logs_excel_unicode.txt")
    assert len(df) == 4
    assert df.loc[0, "message"] == "Zahlung fehlgeschlagen: Zeitüberschreitung (Pool)"
    assert df.loc[2, "message"] == "Retry budget, 80% used"
    assert df.loc[3, "message"].endswith("✓")
    assert list(df["_line"]) == [2, 3, 4, 5]
    assert df.attrs["source"]["files"][0]["encoding"] == "utf-16-le"


def test_utf16_big_endian_csv_and_json(tmp_path):
    text = HEADER + rows(3)
    df = load_logs(write(tmp_path, "be.csv", b"\xfe\xff" + text.encode("utf-16-be")))
    assert list(df["message"]) == ["request 0 ok", "request 1 ok", "request 2 ok"]
    # PowerShell 5: ConvertTo-Json | Out-File writes UTF-16LE with a BOM
    doc = '[{"timestamp": "2026-03-10T14:00:00Z", "message": "Dienst neu gestartet"}]'
    js = load_logs(write(tmp_path, "ps.json", b"\xff\xfe" + doc.encode("utf-16-le")))
    assert js.loc[0, "message"] == "Dienst neu gestartet"


def test_utf16_without_a_bom_says_so(tmp_path):
    p = write(tmp_path, "nobom.csv", (HEADER + rows(2)).encode("utf-16-le"))
    with pytest.raises(InputFormatError, match="UTF-16 without a byte-order mark"):
        load_logs(p)
