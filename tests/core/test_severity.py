from __future__ import annotations

import pytest

from postmortem_nb import ParameterError, normalize_severity
from postmortem_nb.severity import at_least, parse_severity, severity_rank


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("critical", "SEV1"),
        ("CRITICAL", "SEV1"),
        ("error", "SEV2"),
        ("high", "SEV2"),
        ("warning", "SEV3"),
        ("info", "SEV4"),
        ("low", "SEV4"),
        ("none", "SEV5"),
        ("debug", "SEV5"),
        ("P1", "SEV1"),
        ("p3", "SEV3"),
        ("P5", "SEV5"),
        ("SEV2", "SEV2"),
        ("sev-4", "SEV4"),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("P9", None),
        ("urgent-ish", None),
        ("SEV0", "SEV1"),
        ("P0", "SEV1"),
        ("P1 - Critical", "SEV1"),
        ("P2: High", "SEV2"),
        ("SEV3 (minor)", "SEV3"),
        ("information", "SEV4"),
        # Zabbix's names, as its problem list exports them
        ("Disaster", "SEV1"),
        ("Average", "SEV3"),
        ("Not classified", "SEV5"),
        ("not  classified", "SEV5"),
        ("1", None),  # a bare number only in a numeric severity column
        ("P1abc", None),
    ],
)
def test_normalize_severity(raw, expected):
    assert normalize_severity(raw) == expected


def test_parse_severity_lists_the_choices():
    with pytest.raises(ParameterError, match=r"SEV1\.\.SEV5, P1\.\.P5"):
        parse_severity("bad")


def test_ordering():
    assert severity_rank("SEV1") < severity_rank("SEV3") < severity_rank(None)
    assert at_least("SEV1", "P2")
    assert at_least("SEV2", "high")
    assert not at_least("SEV3", "SEV2")
    assert not at_least(None, "SEV5")


def test_numbers_in_a_severity_column():
    from postmortem_nb.severity import is_numeric_scale

    assert normalize_severity("1", numeric=True) == "SEV1"
    assert normalize_severity(4.0, numeric=True) == "SEV4"
    assert normalize_severity("0", numeric=True) == "SEV1"
    assert normalize_severity("7", numeric=True) is None
    assert is_numeric_scale([1, "2", 3.0, None])
    assert not is_numeric_scale(["1", "high"])
    assert not is_numeric_scale([])
