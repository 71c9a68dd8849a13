"""Timestamp rules: offsets, epochs, naive-in-a-zone, day-first, DST, the default zone."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_nb.errors import ParameterError, TimestampError
from postmortem_nb.ingest import load_logs
from postmortem_nb.ingest.timestamps import TimeRule, parse_times

T = pd.Timestamp


def parse(values, **kw):
    return parse_times(pd.Series(values, dtype="str"), **kw)


def test_mixed_offsets_in_one_column():
    got = parse(["2026-03-10T15:02:11+01:00", "2026-03-10T14:02:12Z", "2026-03-10T09:02:13-05:00"])
    assert list(got.values) == [
        T("2026-03-10T14:02:11Z"),
        T("2026-03-10T14:02:12Z"),
        T("2026-03-10T14:02:13Z"),
    ]
    assert str(got.values.dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize(
    "value",
    ["1773151331", "1773151331000", "1773151331000000", "1773151331000000000"],
)
def test_epoch_units_from_magnitude(value):
    assert parse([value]).values[0] == T("2026-03-10T14:02:11Z")


def test_numeric_epoch_column():
    got = parse_times(pd.Series([1773151331.5, 1773151332.0]))
    assert got.values[0] == T("2026-03-10T14:02:11.5Z")


def test_naive_needs_a_zone_and_never_uses_the_os_zone(monkeypatch):
    monkeypatch.delenv("POSTMORTEM_DEFAULT_TZ", raising=False)
    monkeypatch.setenv("TZ", "America/New_York")
    with pytest.raises(TimestampError, match="no time zone"):
        parse(["2026-03-10 15:02:11"])
    assert parse(["2026-03-10 15:02:11"], tz="Europe/Berlin").values[0] == T("2026-03-10T14:02:11Z")


def test_default_zone_from_the_environment_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTMORTEM_DEFAULT_TZ", "Europe/Berlin")
    p = tmp_path / "naive.csv"
    p.write_text("timestamp,message\n2026-03-10 15:02:11,hello\n")
    df = load_logs(p)
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11Z")
    assert any("POSTMORTEM_DEFAULT_TZ" in w for w in df.attrs["source"]["warnings"])
    # an explicit tz wins over the default
    df = load_logs(p, tz="UTC")
    assert df.loc[0, "timestamp"] == T("2026-03-10T15:02:11Z")
    assert not df.attrs["source"]["warnings"]


def test_dst_gap_and_overlap_are_reported_not_shifted():
    got = parse(
        ["2026-03-29 02:30:00", "2026-10-25 02:30:00", "2026-10-25 03:30:00"],
        tz="Europe/Berlin",
    )
    assert list(got.dst) == [True, True, False]
    assert got.values.isna().tolist() == [True, True, False]
    assert got.values[2] == T("2026-10-25T02:30:00Z")


def test_day_first_only_when_declared(tmp_path):
    p = tmp_path / "eu.csv"
    p.write_text("timestamp,message\n03/10/2026 15:02,a\n04/10/2026 15:03,b\n")
    us = load_logs(p, tz="UTC")
    assert us.loc[0, "timestamp"] == T("2026-03-10T15:02Z")
    eu = load_logs(p, tz="UTC", mapping={"dayfirst": "true"})
    assert eu.loc[0, "timestamp"] == T("2026-10-03T15:02Z")
    fmt = load_logs(p, tz="UTC", mapping={"time_format": "%d/%m/%Y %H:%M"})
    assert fmt.loc[1, "timestamp"] == T("2026-10-04T15:03Z")


def test_a_day_first_date_is_never_read_in_two_orders(tmp_path):
    """10.03 and 13.03 in one file: a guessing parser reads October 3 and March 13."""
    p = tmp_path / "de.csv"
    p.write_text("Zeit;Meldung\n10.03.2026 14:00;a\n13.03.2026 14:05;b\n")
    mapping = {"timestamp": "Zeit", "message": "Meldung"}
    with pytest.raises(TimestampError, match=r"day first \(e\.g\. '13\.03\.2026 14:05'\)") as e:
        load_logs(p, tz="Europe/Berlin", mapping=mapping)
    assert "de.csv" in str(e.value)
    assert "dayfirst" in str(e.value)
    eu = load_logs(p, tz="Europe/Berlin", mapping={**mapping, "dayfirst": "true"})
    assert eu["timestamp"].tolist() == [T("2026-03-10T13:00Z"), T("2026-03-13T13:05Z")]


def test_an_ambiguous_month_first_reading_is_stated():
    got = parse(["03/10/2026 15:02", "04/10/2026 15:03"], tz="UTC")
    assert got.values[0] == T("2026-03-10T15:02Z")
    assert any("ambiguous" in w and "dayfirst" in w for w in got.warnings)
    # a date that can only be month first needs no warning
    assert parse(["03/13/2026 15:02"], tz="UTC").warnings == []


def test_a_declared_day_first_date_that_cannot_be_is_bad_not_swapped():
    got = parse(["10/03/2026 15:02", "03/13/2026 15:02"], tz="UTC", rule=TimeRule(dayfirst=True))
    assert got.values[0] == T("2026-03-10T15:02Z")
    assert got.bad.tolist() == [False, True]


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-10 14:00:00 UTC",
        "Tue Mar 10 14:00:00 UTC 2026",  # `date` output
        "Tue, 10 Mar 2026 15:00:00 +0100",  # RFC 2822 (mail, HTTP)
    ],
)
def test_times_that_name_their_zone_need_no_zone(value):
    got = parse([value])  # no tz: the value states it
    assert got.values[0] == T("2026-03-10T14:00Z")
    assert got.zone_used is None


def test_zoned_and_local_values_side_by_side():
    got = parse(["Tue Mar 10 14:00:00 UTC 2026", "Mar 10 2026 15:00"], tz="Europe/Berlin")
    assert list(got.values) == [T("2026-03-10T14:00Z"), T("2026-03-10T14:00Z")]


def test_an_unknown_zone_abbreviation_is_bad_not_ignored():
    got = parse(["2026-03-10 14:00:00 CET"], tz="UTC")
    assert got.bad.tolist() == [True]


def test_a_zone_inside_a_garbled_value_is_no_crash():
    """Found by hypothesis: ',20000101T00Z,' parsed as aware where naive was expected."""
    got = parse([",20000101T00Z,"], tz="UTC")
    assert got.values[0] == T("2000-01-01T00:00Z")


@pytest.mark.parametrize(
    "values", [["20261773151331"], ["03", "12:00UTC"], ["2026-03-10 14:00", "03AM+01:0003"]]
)
def test_times_beyond_a_nanosecond_clock_are_bad_values(values):
    """Found by hypothesis: epoch ms in the year 2612; '03' read as the year 3; the year 1."""
    got = parse(values, tz="UTC")
    assert got.bad[-1]


@pytest.mark.parametrize("value", ["12:00UTC", "14:02:11", "10 Mar 14:00:00", "12:00Z"])
def test_a_time_without_a_year_is_bad_never_dated_today(value):
    got = parse([value], tz="UTC")
    assert got.bad.tolist() == [True]


def test_syslog_without_year_needs_a_year():
    with pytest.raises(TimestampError, match="no year"):
        parse(["Mar 10 15:02:11"], tz="UTC")
    got = parse(["Mar 10 15:02:11"], tz="UTC", rule=TimeRule(year=2026))
    assert got.values[0] == T("2026-03-10T15:02:11Z")


def test_split_date_and_time_columns(tmp_path):
    p = tmp_path / "split.csv"
    p.write_text("Date,Time,Message\n2026-03-10,15:02:11.250,a\n")
    df = load_logs(p, tz="Europe/Berlin", mapping={"timestamp": "Date+Time", "message": "Message"})
    assert df.loc[0, "timestamp"] == T("2026-03-10T14:02:11.25Z")


def test_garbage_is_bad_not_an_exception():
    got = parse(["2026-03-10T14:02:11Z", "yesterday", ""])
    assert got.bad.tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("values", "kw"),
    [
        (["1;", "2026-03-10 14:02:11"], {"tz": "UTC"}),  # "1;" read as the year 1
        (["0001-01-01T00:00:00Z", "2026-03-10T14:02:11Z"], {}),
        (["9999-12-31 23:59:59", "2026-03-10 14:02:11"], {"tz": "Europe/Berlin"}),
        (["01/01/0001", "10/03/2026"], {"tz": "UTC", "rule": TimeRule(format="%d/%m/%Y")}),
    ],
)
def test_times_a_nanosecond_clock_cannot_hold_are_bad_values(values, kw):
    """Found by hypothesis: such a value raised OutOfBoundsDatetime from inside pandas."""
    got = parse(values, **kw)
    assert got.bad.tolist() == [True, False]
    assert pd.isna(got.values[0])
    assert got.values[1].year == 2026
    assert str(got.values.dtype) == "datetime64[ns, UTC]"


def test_numeric_column_with_no_values_is_all_missing_without_warnings(recwarn):
    """Found by hypothesis: an all-missing numeric column warned from numpy's nanmedian."""
    got = parse_times(pd.Series([None, None], dtype="float64"))
    assert got.values.isna().all()
    assert str(got.values.dtype) == "datetime64[ns, UTC]"
    assert not recwarn.list


def test_a_date_alone_is_naive_not_an_offset():
    # the "-10" of 2026-03-10 is a day, not a UTC offset: midnight in the given zone
    got = parse(["2026-03-10", "2026-01-15"], tz="America/Los_Angeles")
    assert list(got.values) == [T("2026-03-10T07:00:00Z"), T("2026-01-15T08:00:00Z")]  # PDT, PST
    assert got.zone_used == "America/Los_Angeles"
    with pytest.raises(TimestampError, match="no time zone"):
        parse(["2026-03-10"])


def test_day_first_dates_alone_go_through_the_order_check():
    with pytest.raises(TimestampError, match="write the day first"):
        parse(["10-03-2026", "13-03-2026"], tz="UTC")
    got = parse(["10-03-2026", "13-03-2026"], tz="UTC", rule=TimeRule(dayfirst=True))
    assert list(got.values) == [T("2026-03-10T00:00:00Z"), T("2026-03-13T00:00:00Z")]


def test_date_only_changes_file(tmp_path):
    from postmortem_nb.ingest import load_changes

    p = tmp_path / "deploys.csv"
    p.write_text("timestamp,service,kind,description\n2026-03-10,checkout-api,deploy,v1.4.2\n")
    df = load_changes(p, tz="America/Los_Angeles")
    assert df.loc[0, "timestamp"] == T("2026-03-10T07:00:00Z")


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("Tue, 10 Mar 2026 14:00:00 +0000", "2026-03-10T14:00:00Z"),
        ("20260310T140000Z", "2026-03-10T14:00:00Z"),
        ("2026-03-10T14:00-05:00", "2026-03-10T19:00:00Z"),
        ("2026-03-10 14:00:00.5 +0100", "2026-03-10T13:00:00.5Z"),
    ],
)
def test_offsets_after_a_time_still_count(value, utc):
    assert parse([value]).values[0] == T(utc)


def test_float_epoch_seconds_round_to_microseconds():
    assert parse(["1773151331.004"]).values[0] == T("2026-03-10T14:02:11.004Z")
    got = parse_times(pd.Series([1773151331.004, 1773151331.000001]))
    assert list(got.values) == [T("2026-03-10T14:02:11.004Z"), T("2026-03-10T14:02:11.000001Z")]
    assert parse_times(pd.Series([1773151331004.5])).values[0] == T("2026-03-10T14:02:11.0045Z")


@pytest.mark.parametrize(
    ("values", "utc"),
    [
        # one offset in the whole column went through dateutil, which reads "GMT+1" the POSIX
        # way (UTC minus one hour); several offsets happened to read right
        (["2026-03-10 14:00:00 GMT+01:00", "2026-03-10 14:05:00 GMT+01:00"], "13:00"),
        (["2026-03-10 14:00:00 GMT+01:00", "2026-03-10 14:00:00 GMT-05:00"], "13:00"),
        (["2026-03-10 14:00:00 UTC+1"], "13:00"),
        (["2026-03-10 14:00:00 GMT-5", "2026-03-10 19:00:00Z"], "19:00"),
        (["2026-03-10 14:00:00 GMT-5", "2026-03-10 20:00:00"], "19:00"),
        (["Tue Mar 10 14:00:00 GMT+01:00 2026"], "13:00"),  # Java's Date.toString()
        (["Tue Mar 10 2026 14:00:00 GMT+0100 (Central European Standard Time)"], "13:00"),  # JS
    ],
)
def test_gmt_plus_offsets_mean_utc_plus_that_offset(values, utc):
    got = parse(values, tz="Europe/Berlin")
    assert got.values[0] == T(f"2026-03-10T{utc}Z")
    assert not got.bad.any()


def test_gmt_offsets_in_a_single_offset_file(tmp_path):
    p = tmp_path / "gmt.jsonl"
    p.write_text(
        '{"timestamp":"2026-03-10 14:00:00 GMT+01:00","message":"a"}\n'
        '{"timestamp":"2026-03-10 14:05:00 GMT+01:00","message":"b"}\n'
    )
    df = load_logs(p)
    assert list(df["timestamp"]) == [T("2026-03-10T13:00Z"), T("2026-03-10T13:05Z")]


def test_times_without_a_year_move_to_the_next_year_where_the_months_wrap(tmp_path):
    """LogHub's Linux log: 4 seconds across New Year were read as 364 days, in reverse."""
    p = tmp_path / "linux.csv"
    p.write_text(
        "LineId,Month,Date,Time,Level,Component,PID,Content,EventId,EventTemplate\n"
        "1,Dec,31,23:59:58,combo,sshd,1,before midnight,E1,x\n"
        "2,Jan,1,00:00:02,combo,sshd,2,after midnight,E2,y\n"
        "3,Jan,1,00:00:03,combo,sshd,2,after midnight,E2,y\n"
    )
    df = load_logs(p, tz="UTC", mapping={"year": "2025"})
    assert list(df["timestamp"]) == [
        T("2025-12-31T23:59:58Z"), T("2026-01-01T00:00:02Z"), T("2026-01-01T00:00:03Z")
    ]
    warnings = df.attrs["source"]["warnings"]
    assert any("rows from line 3 on read as 2026" in w and "Dec to Jan" in w for w in warnings)


def test_syslog_times_across_new_year_with_clocks_a_second_apart():
    got = parse(
        ["Dec 31 23:59:58", "Jan  1 00:00:02", "Dec 31 23:59:59", "Jan  1 00:00:03"],
        tz="UTC",
        rule=TimeRule(year=2026),
    )
    assert list(got.values) == [
        T("2026-12-31T23:59:58Z"), T("2027-01-01T00:00:02Z"),
        T("2026-12-31T23:59:59Z"), T("2027-01-01T00:00:03Z"),
    ]
    assert any("read as 2027" in w for w in got.warnings)


def test_every_step_back_in_the_months_is_a_new_year():
    # without a year, Jan 5, Dec 20, Jan 6, Dec 21 reads as two years in time order (a file
    # sorted by host is indistinguishable): each wrap is named
    got = parse(
        ["Jan  5 10:00:00", "Dec 20 10:00:00", "Jan  6 10:00:00", "Dec 21 10:00:00"],
        tz="UTC",
        rule=TimeRule(year=2026),
    )
    assert [t.year for t in got.values] == [2026, 2026, 2027, 2027]
    assert any("rows from row 3 on read as 2027" in w for w in got.warnings)


def _yearless(tmp_path, *times):
    p = tmp_path / "syslog.csv"
    p.write_text("timestamp,level,service,message\n" + "".join(
        f"{t},INFO,api,m{i}\n" for i, t in enumerate(times)
    ))
    return p


def test_the_months_wrap_when_december_has_no_rows(tmp_path):
    """Nov 30 -> Jan 2 was read as January of the stated year, 11 months early."""
    p = _yearless(tmp_path, "Nov 29 10:00:00", "Nov 30 23:00:00", "Jan  2 01:00:00",
                  "Jan  3 10:00:00")
    df = load_logs(p, tz="UTC", mapping={"year": "2025"})
    assert list(df["timestamp"]) == [
        T("2025-11-29T10:00Z"), T("2025-11-30T23:00Z"), T("2026-01-02T01:00Z"),
        T("2026-01-03T10:00Z"),
    ]
    assert any(
        "rows from line 4 on read as 2026: the months wrap from Nov to Jan" in w
        for w in df.attrs["source"]["warnings"]
    )


def test_february_29_after_the_wrap_is_in_the_next_year(tmp_path):
    """Feb 29 was parsed in the stated year 2023 first, where it does not exist."""
    p = _yearless(tmp_path, "Dec 31 10:00:00", "Jan 15 10:00:00", "Feb 28 10:00:00",
                  "Feb 29 10:00:00", "Mar  1 10:00:00")
    df = load_logs(p, tz="UTC", mapping={"year": "2023"})
    assert list(df["timestamp"])[2:] == [
        T("2024-02-28T10:00Z"), T("2024-02-29T10:00Z"), T("2024-03-01T10:00Z")
    ]
    # in a year without one it is a bad value, not March 1
    got = parse(["Dec 31 10:00:00", "Feb 29 10:00:00"], tz="UTC", rule=TimeRule(year=2024))
    assert list(got.bad) == [False, True]


def test_a_late_december_line_after_new_year_stays_in_its_year(tmp_path):
    """One Dec 31 line 15 h late after Jan 1 put every row in the stated year."""
    p = _yearless(tmp_path, "Dec 30 10:00:00", "Dec 31 23:59:59", "Jan  1 00:00:01",
                  "Dec 31 09:00:00", "Jan  1 00:10:00")
    df = load_logs(p, tz="UTC", mapping={"year": "2025"})
    assert sorted(df["timestamp"]) == [
        T("2025-12-30T10:00Z"), T("2025-12-31T09:00Z"), T("2025-12-31T23:59:59Z"),
        T("2026-01-01T00:00:01Z"), T("2026-01-01T00:10Z"),
    ]
    warnings = df.attrs["source"]["warnings"]
    assert any("rows from line 4 on read as 2026" in w for w in warnings)
    assert any("not in time order" in w and "line 5" in w for w in warnings)


def test_an_epoch_in_another_unit_than_its_column_is_read_in_its_own_unit(tmp_path):
    """The unit came from the column's median: seconds among milliseconds landed in 1970."""
    p = tmp_path / "epochs.csv"
    p.write_text("timestamp,message\n1773151331,a\n1773151332004,b\n1773151333004,c\n")
    df = load_logs(p)
    assert list(df["timestamp"]) == [
        T("2026-03-10T14:02:11Z"), T("2026-03-10T14:02:12.004Z"), T("2026-03-10T14:02:13.004Z")
    ]
    assert any(
        "1 epoch values in seconds" in w and "milliseconds" in w and "line 2" in w
        for w in df.attrs["source"]["warnings"]
    )
    got = parse_times(pd.Series([1773151331004, 1773151332, 1773151333004]))
    assert got.values[1] == T("2026-03-10T14:02:12Z")
    assert any("row 2" in w for w in got.warnings)


def test_epoch_numbers_among_iso_strings_are_read_by_their_magnitude(tmp_path):
    p = tmp_path / "mixed.jsonl"
    p.write_text(
        '{"timestamp":1773151331004,"message":"a"}\n'
        '{"timestamp":"2026-03-10T14:02:12Z","message":"b"}\n'
        '{"timestamp":"1773151333","message":"c"}\n'
    )
    df = load_logs(p)
    assert list(df["timestamp"]) == [
        T("2026-03-10T14:02:11.004Z"), T("2026-03-10T14:02:12Z"), T("2026-03-10T14:02:13Z")
    ]
    assert any("epoch" in w and "lines 1, 3" in w for w in df.attrs["source"]["warnings"])


def test_a_zero_in_an_epoch_column_is_a_bad_row_in_csv_and_json_alike(tmp_path, monkeypatch):
    """A 0 among epoch ms sent a CSV column through the per-row date parser (50 s for 1M rows,
    every value "an epoch among date strings"); in JSON it became 1970-01-01."""
    from postmortem_nb.ingest import timestamps

    def no_date_strings(*a, **k):
        raise AssertionError("epoch numbers went through the date-string parser")

    monkeypatch.setattr(timestamps, "_loose", no_date_strings)
    monkeypatch.setenv("POSTMORTEM_MAX_BAD_ROWS", "50%")
    csv = tmp_path / "zero.csv"
    csv.write_text("ts,message\n1773151200000,a\n0,b\n1773151260000,c\n")
    jsonl = tmp_path / "zero.jsonl"
    jsonl.write_text(
        '{"ts": 1773151200000, "message": "a"}\n{"ts": 0, "message": "b"}\n'
        '{"ts": 1773151260000, "message": "c"}\n'
    )
    for p, line in ((csv, "lines 3)"), (jsonl, "lines 2)")):
        df = load_logs(p, mapping={"timestamp": "ts"})
        assert list(df["timestamp"]) == [T("2026-03-10T14:00Z"), T("2026-03-10T14:01Z")]
        warnings = " ".join(df.attrs["source"]["warnings"])
        assert "1 of 3 rows dropped" in warnings
        assert line in warnings
        assert "among" not in warnings


def test_an_epoch_in_another_unit_far_from_the_others_is_bad():
    got = parse_times(pd.Series([1773151331004, 1234567890, 0, -1773151260, 1773151333004]))
    assert list(got.bad) == [False, True, True, True, False]
    assert any("land over a year from the others" in w and "row 2" in w for w in got.warnings)


@pytest.mark.parametrize("number", ["1234567890", "-1773151260"])
def test_epoch_numbers_far_from_the_dates_beside_them_are_bad(number):
    """Any 9-19 digit number among date strings was read: 2009, or 1913 for a negative one."""
    got = parse(["2026-03-10 14:00:00", number, "1773151260", "2026-03-10 14:02:00"], tz="UTC")
    assert list(got.bad) == [False, True, False, False]
    assert got.values[2] == T("2026-03-10T14:01Z")
    assert any("over a year from the dates" in w and "row 2" in w for w in got.warnings)


def test_a_naive_window_is_read_in_the_default_zone_like_the_file(monkeypatch, tmp_path):
    """start/end without tz were refused while the file's naive times used the default zone."""
    monkeypatch.setenv("POSTMORTEM_DEFAULT_TZ", "Europe/Berlin")
    p = tmp_path / "naive.csv"
    p.write_text(
        "timestamp,message\n2026-03-10 01:30:00,a\n2026-03-10 02:30:00,b\n"
        "2026-03-10 03:30:00,c\n"
    )
    df = load_logs(p, start="2026-03-10 02:00", end="2026-03-10 03:00")
    assert list(df["message"]) == ["b"]
    assert any(
        w.startswith("start") and "Europe/Berlin from POSTMORTEM_DEFAULT_TZ" in w
        for w in df.attrs["source"]["warnings"]
    )
    monkeypatch.delenv("POSTMORTEM_DEFAULT_TZ")
    with pytest.raises(ParameterError, match="no time zone"):
        load_logs(p, start="2026-03-10 02:00", tz=None)
