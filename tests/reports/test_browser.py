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
