"""plotly.js travels compressed; the compressed copy is cached and checked before use."""

from __future__ import annotations

import base64
import gzip
import hashlib

from postmortem_nb.report import plotlyjs


def test_bundle_round_trips_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    plotlyjs.plotly_bundle.cache_clear()
    try:
        bundle = plotlyjs.plotly_bundle()
        raw = plotlyjs.plotly_js_path().read_bytes()
        assert gzip.decompress(base64.b64decode(bundle.payload)) == raw
        assert bundle.script_sha256 == base64.b64encode(hashlib.sha256(raw).digest()).decode()
        assert len(bundle.payload) < 0.45 * len(raw)  # about 2 MB for 4.8 MB
        cached = list((tmp_path / "postmortem-nb").iterdir())
        assert len(cached) == 1
        # a damaged cache file is noticed and replaced, never served
        cached[0].write_text(bundle.payload[:1000], encoding="ascii")
        plotlyjs.plotly_bundle.cache_clear()
        assert plotlyjs.plotly_bundle().payload == bundle.payload
        assert cached[0].read_text(encoding="ascii") == bundle.payload
    finally:
        plotlyjs.plotly_bundle.cache_clear()


def test_version_is_read_from_the_bundle():
    version = plotlyjs.plotly_js_version()
    assert version.count(".") == 2
    assert f"plotly.js v{version}".encode() in plotlyjs.plotly_js_path().read_bytes()[:400]
