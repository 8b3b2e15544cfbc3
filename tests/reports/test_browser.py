"""The HTML reports in a real browser: no console errors, no requests, the graph visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.browser import chromium, find_chromium, load, required
from tests.reports.conftest import ExampleReports

# the lineage SVG's box, how many boxes it drew, and whether its first box is what a
# reader would see at its centre (not hidden, not covered)
PROBE = """JSON.stringify((() => {
  const svg = document.querySelector('svg.lineage');
  if (!svg) return {found: false};
  svg.scrollIntoView();
  const box = svg.getBoundingClientRect();
  const node = svg.querySelector('g.node rect').getBoundingClientRect();
  const hit = document.elementFromPoint(node.x + node.width / 2, node.y + node.height / 2);
  const style = getComputedStyle(svg);
  return {found: true, width: box.width, height: box.height,
          nodes: svg.querySelectorAll('g.node').length,
          visible: style.display !== 'none' && style.visibility === 'visible',
          hit: hit !== null && svg.contains(hit),
          charts: document.querySelectorAll('svg.chart rect.bar').length,
          scripts: document.scripts.length};
})())"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> str:
    binary = find_chromium()
    if binary is None:
        if required():
            pytest.fail("chromium is not installed (scripts/test.sh installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    return binary


@pytest.mark.slow
@pytest.mark.parametrize("document", ["audit.html", "penguin-species.html"])
def test_reports_render_in_chromium_offline(
    browser: str, example_reports: ExampleReports, tmp_path: Path, document: str
) -> None:
    path = example_reports.out / document
    with chromium(browser, tmp_path / "profile") as port:
        page = load(port, path, PROBE)
    assert page.requests == [page.url], "the report asked for something besides itself"
    assert page.console_errors == []
    assert page.exceptions == []
    probe = page.evaluated
    assert probe["found"] and probe["visible"] and probe["hit"]
    assert probe["width"] > 200 and probe["height"] > 200
    assert probe["nodes"] >= 5
    assert probe["scripts"] == 0
    if document == "penguin-species.html":
        assert probe["charts"] >= 6


@pytest.mark.slow
def test_the_harness_sees_requests_and_errors(browser: str, tmp_path: Path) -> None:
    # a control: a page that does fetch and fail must be caught, or the test above proves nothing
    page_path = tmp_path / "leaky.html"
    page_path.write_text(
        '<!DOCTYPE html><html><body><svg class="lineage" width="300" height="300">'
        '<g class="node"><rect width="100" height="40"/></g></svg>'
        '<img src="http://example.invalid/pixel.png">'
        "<script>console.error('boom'); undefinedFunction();</script></body></html>"
    )
    with chromium(browser, tmp_path / "profile") as port:
        page = load(port, page_path, PROBE)
    assert "http://example.invalid/pixel.png" in page.requests
    assert page.console_errors and page.exceptions


# the monitoring section's history charts: how many, drawn with a size, their lines and
# anomaly markers painted (not hidden), and the red marker what a reader sees at its centre
HISTORY_PROBE = """JSON.stringify((() => {
  const charts = [...document.querySelectorAll('svg.history')];
  if (!charts.length) return {found: false};
  const marker = document.querySelector('svg.history circle.anomaly');
  marker.scrollIntoView({block: 'center'});
  const box = marker.getBoundingClientRect();
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  const sized = charts.filter(c => {
    const r = c.getBoundingClientRect();
    return r.width > 200 && r.height > 60;
  }).length;
  return {found: true, charts: charts.length, sized: sized,
          lines: document.querySelectorAll('svg.history polyline.series').length,
          anomalies: document.querySelectorAll('svg.history circle.anomaly').length,
          marker_fill: getComputedStyle(marker).fill,
          marker_hit: hit === marker || marker.contains(hit),
          scripts: document.scripts.length};
})())"""


@pytest.mark.slow
def test_monitoring_charts_render_in_chromium_offline(browser: str, tmp_path: Path) -> None:
    from govern.cli import main
    from govern.recording import close_stores
    from tests.monitoring.history import record_days, shifted

    record_days(8, shift_last=shifted)
    close_stores()
    path = tmp_path / "audit.html"
    assert main(["report", "audit", "-o", str(path)]) == 0
    with chromium(browser, tmp_path / "profile") as port:
        page = load(port, path, HISTORY_PROBE)
    assert page.requests == [page.url], "the report asked for something besides itself"
    assert page.console_errors == [] and page.exceptions == []
    probe = page.evaluated
    assert probe["found"] and probe["scripts"] == 0
    assert probe["charts"] >= 7 and probe["sized"] == probe["charts"]
    assert probe["lines"] >= 7
    assert probe["anomalies"] >= 3
    assert probe["marker_fill"] == "rgb(250, 69, 73)" and probe["marker_hit"]
