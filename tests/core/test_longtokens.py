"""Long tokens are marked for wrapping; nothing else in the HTML changes meaning."""

from __future__ import annotations

from postmortem_nb.longtokens import LONG_TOKEN, break_long_tokens, breakable

LONG = "x" * LONG_TOKEN


def test_breakable_escapes_data_and_marks_only_long_tokens():
    html = breakable(f"<b>{LONG}</b> reporting-scheduler \u202e{LONG}")
    assert html == (
        '<span class="pm-long">&lt;b&gt;' + LONG + "&lt;/b&gt;</span> reporting-scheduler "
        '<span class="pm-long">[U+202E]' + LONG + "</span>"
    )
    assert breakable(None) == ""
    assert breakable("x" * (LONG_TOKEN - 1)) == "x" * (LONG_TOKEN - 1)


def test_break_long_tokens_wraps_text_and_leaves_tags_attributes_and_scripts_alone():
    fragment = (
        f'<p title="a&gt;{LONG}"><a href="https://example.com/{LONG}">see {LONG}&amp;co</a>'
        f' &lt;script&gt;{LONG}</p><br><img alt="x"/>'
        f'<script type="application/json">{{"a": "{LONG} <&>"}}</script>'
        f'<span class="pm-long">{LONG}</span>'
    )
    assert break_long_tokens(fragment) == (
        f'<p title="a&gt;{LONG}"><a href="https://example.com/{LONG}">see '
        f'<span class="pm-long">{LONG}&amp;co</span></a> '
        f'<span class="pm-long">&lt;script&gt;{LONG}</span></p><br><img alt="x"/>'
        f'<script type="application/json">{{"a": "{LONG} <&>"}}</script>'
        f'<span class="pm-long">{LONG}</span>'
    )


def test_break_long_tokens_leaves_short_text_as_it_is():
    fragment = "<table><tr><td>reporting-scheduler &amp; postgres-primary</td></tr></table>"
    assert break_long_tokens(fragment) == fragment
    assert break_long_tokens("") == ""
