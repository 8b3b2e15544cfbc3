"""PDF figures render as in the browser: rasterised with pdftoppm, checked by pixel.

The lineage graph's boxes and the metric bar charts were solid black in WeasyPrint
(their colours came only from the page's CSS, which WeasyPrint does not apply to inline
SVG). Here every page is rasterised and the figures' colours, their label text and the
absence of black boxes are checked.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from govern.cli import main
from tests.reports.conftest import ExampleReports
from tests.reports.pdf_pixels import RGB, Page, hex_rgb, near, pdftoppm, rasterise

pytest.importorskip("weasyprint")
if pdftoppm() is None:
    if os.environ.get("GOVERN_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail("pdftoppm is missing: apt-get install poppler-utils", pytrace=False)
    pytest.skip("pdftoppm (poppler-utils) is not installed", allow_module_level=True)

FILLS = {
    kind: hex_rgb(c)
    for kind, c in (("dataset", "#ddf4ff"), ("job", "#fff8c5"), ("model", "#dafbe1"))
}
BARS = (hex_rgb("#0969da"), hex_rgb("#54aeff"))


def _count(pages: list[Page], colour: RGB) -> int:
    return sum(int(near(page, colour).sum()) for page in pages)


def _text_on(pages: list[Page], fill: RGB) -> int:
    """Dark pixels with the box's fill colour 5 pixels to their left or right."""
    found = 0
    for page in pages:
        dark = page.sum(axis=2) < 400
        filled = near(page, fill, 12)
        beside = np.zeros_like(filled)
        beside[:, 5:] |= filled[:, :-5]
        beside[:, :-5] |= filled[:, 5:]
        found += int((dark & beside).sum())
    return found


def _longest_black_run(pages: list[Page]) -> int:
    longest = 0
    for page in pages:
        black = page.sum(axis=2) < 60
        run = np.zeros(black.shape[0], dtype=np.int64)
        for x in range(black.shape[1]):
            run = np.where(black[:, x], run + 1, 0)
            longest = max(longest, int(run.max()))
    return longest


@pytest.fixture(scope="module")
def pdfs(
    example_reports: ExampleReports, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[Page]]:
    base = tmp_path_factory.mktemp("pdf")
    store = str(example_reports.store)
    out: dict[str, list[Page]] = {}
    for name, args in (
        ("audit", ["report", "audit", "--store", store]),
        ("card", ["report", "model-card", "penguin-species", "--store", store]),
    ):
        pdf = base / f"{name}.pdf"
        assert main([*args, "-o", str(pdf)]) == 0
        out[name] = rasterise(pdf, base / name)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("document", ["audit", "card"])
def test_lineage_boxes_are_coloured_with_their_labels(
    pdfs: dict[str, list[Page]], document: str
) -> None:
    pages = pdfs[document]
    for kind, fill in FILLS.items():
        assert _count(pages, fill) > 500, f"no {kind} box fill in the {document} PDF"
        assert _text_on(pages, fill) > 20, f"no label text on the {document} PDF's {kind} boxes"
    # a black box would be a long run of black pixels; text never is (at 100 dpi, a
    # 210-px box is ~220 px wide)
    assert _longest_black_run(pages) < 60


@pytest.mark.slow
def test_metric_bar_charts_are_coloured(pdfs: dict[str, list[Page]]) -> None:
    pages = pdfs["card"]
    for colour in BARS:
        assert _count(pages, colour) > 200, f"no bar of colour {colour}"
