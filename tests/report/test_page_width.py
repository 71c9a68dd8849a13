"""Long tokens against the page width, in real headless Chromium: on a phone (390 px) and
on paper (A4 in print media, laid out at the page's content width, as Chromium prints).

A stack frame, a host name or a 4,000-character paste must wrap inside the page; ordinary
words must not break mid-word to make room for it.
"""

from __future__ import annotations

import html

import nbformat
import pandas as pd
import plotly.graph_objects as go
import pytest
from nbfactory import HEADER, build_notebook, plotly_output, write
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from postmortem_nb.analysis import Analysis
from postmortem_nb.analysis.render import render_sections_html
from postmortem_nb.report import export_html
from postmortem_nb.tables import events_table, templates_table

pytestmark = pytest.mark.browser

FRAME = (
    "at com.example.inventory.persistence.jdbc.StockReservationRepositoryImpl"
    "$RetryingStatementExecutor.lambda$executeWithTimeout$3(StockReservationRepositoryImpl"
    ".java:412)"
)
HOST_TITLE = (
    "Readiness probe failing on "
    "payments-7f9c409b-b11.payments.svc.cluster.local:8443/healthz/ready"
)
PASTE = "B" * 4000
DEMO_TITLE = "Checkout payments failed after a reporting job flooded the primary database"
MM = 96 / 25.4  # CSS px per millimetre

# Elements that stick out past the right edge (`limit`), or whose content is cut off by
# their own overflow (a scroll box, which paper clips), outside figures.
OVERFLOW_JS = """([limit, scrollOk]) => {
  const out = [];
  const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  for (const e of document.querySelectorAll('.pm-page *')) {
    if (e.closest('.pm-figure')) continue;
    const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    const cut = s.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1;
    const past = r.width > 0 && r.right > limit + 1 && !(scrollOk && scrolls(e));
    if ((past || (cut && !scrollOk))) {
      out.push(`${e.tagName}.${e.className} right=${Math.round(r.right)} ` +
               `scroll=${e.scrollWidth}/${e.clientWidth}: ${e.textContent.slice(0, 60)}`);
    }
  }
  return out;
}"""

# Words of 2-20 letters or digits in table cells split across two lines, except inside a
# long token (24 or more characters without a space, which may break anywhere).
BROKEN_WORDS_JS = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('.pm-page td')) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const long = [...n.data.matchAll(/\\S{24,}/g)].map(m => [m.index, m.index + m[0].length]);
      for (const m of n.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        if (m[0].length < 2 || m[0].length > 20) continue;
        if (long.some(([a, b]) => m.index >= a && m.index < b)) continue;
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].filter(x => x.width > 0)
                             .map(x => Math.round(x.top)));
        if (tops.size > 1) out.push(`${m[0]} in ${n.parentElement.tagName}`);
      }
    }
  }
  return out;
}"""

# The print layout width: A4 minus the left and right margins of the page's @page rule.
PRINT_WIDTH_JS = """() => {
  const rule = [...document.styleSheets].flatMap(s => [...s.cssRules])
    .find(r => r instanceof CSSPageRule);
  return [rule.style.marginLeft, rule.style.marginRight];
}"""


def _analysis() -> Analysis:
    return Analysis.from_dict({
        "summary": {"title": "Analyst title " + "T" * 300,
                    "what_happened": f"The job failed with {PASTE} and then recovered."},
        "five_whys": [{"why": "Why did reservations time out?", "because": f"Because {FRAME}",
                       "evidence": PASTE}],
        "fishbone": {"effect": "Checkout failed", "factors": [
            {"category": "tooling", "text": f"Retries unbounded {PASTE}"}]},
        "impact": {"narrative": f"| column | other |\n|---|---|\n| {PASTE} | a few words |\n"},
        "action_items": [
            {"id": "A1", "description": f"Bound the retries {PASTE}", "owner": "O" * 3000,
             "due": "2026-04-01", "success_criterion": "no unbounded retries",
             "priority": "P1", "status": "open", "type": "prevent",
             "link": "https://example.com/" + "x" * 500},
            {"id": "A2", "description": "Alert on connection slots below 10% free",
             "owner": "database team", "due": "2026-04-15",
             "success_criterion": "the alert fires in a game day", "priority": "P2",
             "status": "open", "type": "detect", "link": ""},
        ],
        "lessons": {"went_well": f"`{'C' * 3000}`"},
    })


def _tables() -> str:
    """The timeline and the new error messages with a stack frame in the message."""
    at = pd.to_datetime(["2026-03-10T14:03:24Z", "2026-03-10T14:04:09Z"])
    new = pd.DataFrame({
        "first_seen": at, "count": [198, 1903], "baseline_count": [4, 3],
        "services": ["inventory", "payments"],
        "template": [f"{FRAME} canceling statement due to statement timeout (query_id=<*>)",
                     "payment authorization failed: upstream timeout after <*> ms"],
        "example": [f"{FRAME} canceling statement due to statement timeout (query_id=82162)",
                    "payment authorization failed: upstream timeout after 5000 ms"],
    })
    events = pd.DataFrame({
        "timestamp": at, "kind": ["alert", "log"], "service": ["inventory", "payments"],
        "description": [f"Alert fired: {HOST_TITLE}", FRAME],
        "source": ["alerts.csv line 2", "logs.csv.gz line 9"],
    })
    return events_table(events, "Europe/Berlin") + templates_table(new, "Europe/Berlin")


def _titled_figure(title: str) -> go.Figure:
    """Titled as figures.py does: escaped text, left-aligned (plotly_white), 60 px on top."""
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[2, 1, 3]))
    return fig.update_layout(title=html.escape(title, quote=False), template="plotly_white",
                             margin={"l": 10, "r": 10, "t": 60, "b": 40})


@pytest.fixture
def long_report(tmp_path):
    nb = build_notebook()
    nb.cells.insert(5, new_code_cell("pm.tables()", outputs=[
        new_output("display_data", data={"text/html": _tables()}),
        *(plotly_output(_titled_figure(t)) for t in (DEMO_TITLE, f"{HOST_TITLE} & <more>"))]))
    analysis = _analysis()
    html = export_html(nbformat.from_dict(nb), header={**HEADER, "title": HOST_TITLE},
                       sections=render_sections_html(analysis, tz="Europe/Berlin"))
    return write(tmp_path, html)


def _open(page, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-figures=drawn]", timeout=30_000)


def test_long_tokens_do_not_widen_the_page_on_a_phone(page, long_report):
    """At 390 px the header's host name made the page 884 px wide."""
    _open(page, long_report, 390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    h1 = page.locator("header.pm-header h1")
    assert h1.evaluate("e => e.getBoundingClientRect().right") <= 390
    # outside the sideways-scrolling table boxes nothing sticks out, and prose wraps
    assert page.evaluate(OVERFLOW_JS, [390, True]) == []
    wide_prose = page.evaluate("""() => [...document.querySelectorAll(
        '.pm-header, .pm-toc, .pm-main p, .pm-main li, .pm-main h2, .pm-main h3')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 60))""")
    assert wide_prose == []
    # figure titles wrap inside their figure, every character kept
    titles = page.evaluate("""() => [...document.querySelectorAll('.pm-figure .gtitle')]
      .map(t => { const a = t.getBoundingClientRect();
                  const b = t.closest('.pm-figure').getBoundingClientRect();
                  return [t.textContent, a.left >= b.left - 1 && a.right <= b.right + 1]; })""")
    shown = {text.replace(" ", ""): fits for text, fits in titles}
    for title in (DEMO_TITLE, f"{HOST_TITLE} & <more>"):
        assert shown[title.replace(" ", "")] is True
    assert page.page_errors == []


def test_long_tokens_fit_the_printed_page(page, long_report):
    """On A4 the new-error-messages table ran off the paper (its Example column was lost)
    and a 4,000-character token in the analyst's prose was cut at the page edge."""
    _open(page, long_report, 1366)
    left, right = (float(m.removesuffix("mm")) for m in page.evaluate(PRINT_WIDTH_JS))
    width = int((210 - left - right) * MM)
    page.set_viewport_size({"width": width, "height": 1100})
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.clientWidth") == width
    assert page.evaluate(OVERFLOW_JS, [width, False]) == []
    # every column of the messages table is on the paper, the stack frame wraps in it
    table = page.locator("table.pm-table").filter(has=page.locator("th", has_text="Example"))
    last = table.locator("tbody tr").first.locator("td").last
    assert "canceling statement" in last.inner_text()
    assert last.evaluate("e => e.getBoundingClientRect().right") <= width
    # ordinary words stay whole: only the long tokens break
    assert page.evaluate(BROKEN_WORDS_JS) == []
    assert page.pdf(format="A4")[:4] == b"%PDF"


def test_the_demo_timeline_fits_the_printed_page_with_its_words_whole(page, tmp_path):
    """The demo's timeline ran 10 px past the paper (two time columns beside Event and
    Evidence, each 10rem at least); the room must not be bought by breaking ordinary words
    (overflow-wrap: anywhere on every cell broke 'sched|uler' and 'acknow|ledged')."""
    at = pd.to_datetime(["2026-03-10T13:52:10Z", "2026-03-10T14:03:00Z",
                         "2026-03-10T14:03:24Z", "2026-03-10T14:13:19Z"])
    events = pd.DataFrame({
        "timestamp": at,
        "kind": ["change", "signal onset", "new log template", "alert acknowledged"],
        "service": ["reporting-scheduler", "", "inventory", "Database (postgres-primary)"],
        "description": [
            "config: reporting-scheduler: daily_sales_report schedule '0 3 * * *' -> "
            "'0 15 * * *', max_retries 3 -> -1 (unlimited), concurrency 1 -> 8",
            "Failure rate of transactions rose above 2.0% (baseline median 0.0%)",
            "New log message (ERROR, 198× in the incident, 4× in the baseline): "
            f"{FRAME} canceling statement due to statement timeout",
            "Acknowledged",
        ],
        "source": [
            "changes.csv line 6", "rule: failure-rate median+MAD",
            "rule: new log template T1d4edf2a inventory",
            "alert 48217 (alerts.csv line 8)",
        ],
    })
    nb = build_notebook()
    nb.cells.insert(5, new_code_cell("pm.timeline()", outputs=[
        new_output("display_data", data={"text/html": events_table(events, "Europe/Berlin")})]))
    path = write(tmp_path, export_html(nbformat.from_dict(nb), header=HEADER))
    _open(page, path, 688)
    page.emulate_media(media="print")
    assert page.evaluate(OVERFLOW_JS, [688, False]) == []
    assert page.evaluate(BROKEN_WORDS_JS) == []


def pdf_pages(pdf: bytes) -> dict[str, int]:
    """The page (from 1) of each named destination of a PDF that Chromium printed.

    Chromium writes each link target (an element id that an ``<a href="#id">`` points to)
    into the catalog's /Dests as ``/id [page 0 R /XYZ x y 0]``, uncompressed; the page
    tree gives the order of the pages. (The y it writes is not reliable; the page is.)
    """
    import re

    def obj(n: int) -> bytes:
        start = pdf.index(b"\n%d 0 obj\n" % n)
        return pdf[start : pdf.index(b"endobj", start)]

    catalog = re.search(rb"/Type /Catalog\s*/Pages (\d+) 0 R\s*/Dests (\d+) 0 R", pdf)
    assert catalog, "no named destinations in the PDF"

    def pages(n: int) -> list[int]:
        body = obj(n)
        if b"/Type /Pages" not in body:
            return [n]
        kids = re.search(rb"/Kids \[([^\]]*)\]", body).group(1)
        return [p for k in re.findall(rb"(\d+) 0 R", kids) for p in pages(int(k))]

    order = {n: i + 1 for i, n in enumerate(pages(int(catalog.group(1))))}
    dests = re.findall(rb"/([^\s/\[]+) \[(\d+) 0 R", obj(int(catalog.group(2))))
    return {name.decode(): order[int(page)] for name, page in dests}


# Each h2-h4 and explorer summary line, and the first block after it (the next cell's
# first figure, table or paragraph; inside an output, its next sibling), get an id and a
# link, so that the PDF names their pages.
MARK_HEADINGS_JS = """() => {
  const pairs = [];
  const heads = '.pm-main h2, .pm-main h3, .pm-main h4, .pm-explore-summary';
  document.querySelectorAll(heads).forEach((h, i) => {
    let next = h.nextElementSibling;
    if (!next) {
      const cell = h.closest('.jp-Cell');
      const after = cell && cell.nextElementSibling;
      next = after && after.querySelector('.pm-figure, table, p, dl, ul, ol');
    }
    if (!next) return;
    h.id = h.id || `pm-test-h${i}`;
    next.id = next.id || `pm-test-b${i}`;
    for (const id of [h.id, next.id]) {
      const a = document.createElement('a');
      a.href = '#' + id;
      a.textContent = '.';
      document.querySelector('.pm-footer').appendChild(a);
    }
    pairs.push([h.textContent, h.id, next.id]);
  });
  return pairs;
}"""


def test_printed_headings_stay_with_what_they_introduce(page, tmp_path):
    """In the demo PDF '2. Timeline of events' and '4. Impact assessment' were left at the
    bottom of a page, their figure on the next: the empty collapser div before each output
    was a break point that break-after: avoid could not reach."""
    explore = new_code_cell("pm.log_explorer()", outputs=[new_output("display_data", data={
        "text/html": '<div class="pm-explore"><p class="pm-explore-summary"><b>Log explorer'
                     "</b>: 34,795 of 151,200 rows match.</p><h4>Top error templates</h4>"
                     + _tables() + "</div>"})])
    # notes above move each heading to the foot of a page: with the old CSS these left
    # "Top error templates", "4. Impact assessment", "2. Timeline of events" and
    # "3. Root cause analysis" behind
    for lines in (4, 16, 44, 52):
        text = "  \n".join(["The analyst's notes go on."] * (lines + 1))
        nb = build_notebook()
        nb.cells[8:8] = [new_markdown_cell(text), explore]  # after the log explorer
        nb.cells.insert(5, new_markdown_cell(text))  # before "2. Timeline of events"
        html = export_html(nbformat.from_dict(nb), header=HEADER)
        path = write(tmp_path, html, f"report-{lines}.html")
        _open(page, path, 1366)
        pairs = page.evaluate(MARK_HEADINGS_JS)
        assert len(pairs) >= 7
        where = pdf_pages(page.pdf(format="A4"))
        stranded = [h for h, head, block in pairs if where[head] != where[block]]
        assert stranded == [], f"{lines} lines of notes above"
