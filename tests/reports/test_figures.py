"""Lineage figure labels: wrapped (never cut in the middle), numbered, full names listed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from govern.reports.graph import layout, wrap_label
from govern.reports.templating import environment
from tests.reports.conftest import ExampleReports


def test_a_long_name_wraps_and_keeps_both_ends_readable() -> None:
    lines = wrap_label("penguins.split_into_parts.return['test']")
    assert len(lines) == 2
    assert "".join(lines) == "penguins.split_into_parts.return['test']"
    assert "\u2026" not in "".join(lines)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=120))
def test_wrapped_lines_are_bounded_and_a_prefix_of_the_name(text: str) -> None:
    lines = wrap_label(text)
    assert 1 <= len(lines) <= 2
    assert all(len(line) <= 30 for line in lines)
    joined = "".join(lines)
    if joined.endswith("\u2026") and len(joined) - 1 < len(text):
        assert text.startswith(joined[:-1])  # cut only at the end, never the middle
    else:
        assert joined == text


def test_legend_lists_full_names_and_the_html_shows_them() -> None:
    long = "warehouse.sales.daily_orders_deduplicated_with_returns_2026"
    graph = {
        "nodes": [
            {
                "id": "d",
                "kind": "dataset",
                "namespace": "s3://b",
                "name": long,
                "label": long,
                "versions": ["v1", "v2", "v3", "v4", "v5"],
            },
            {
                "id": "j",
                "kind": "job",
                "namespace": "ns",
                "name": "p.clean",
                "label": "p.clean",
                "versions": [],
            },
        ],
        "edges": [{"source": "d", "target": "j"}],
        "source": "record",
    }
    svg = layout(graph)
    assert [n["number"] for n in svg["nodes"]] == [1, 2]
    legend = {entry["number"]: entry for entry in svg["legend"]}
    assert legend[1]["name"] == f"s3://b:{long}"
    assert legend[1]["versions"] == "v1, v2, v3 and 2 more"
    macros = environment("html", None).get_template("_macros.html.j2").make_module({})
    figure = str(macros.lineage_svg(svg, "caption"))
    assert f"s3://b:{long}" in figure  # the full name, in the legend table
    assert "daily_orders_deduplicated_" in figure  # wrapped in the box, not cut
    assert 'fill="#ddf4ff"' in figure and 'stroke="#0969da"' in figure  # no CSS needed


def test_regulatory_frameworks_are_shown_by_name(example_reports: ExampleReports) -> None:
    from govern.reports import audit

    for fmt in ("md", "html"):
        text = audit(example_reports.store, format=fmt).text
        appendix = text[text.index("Appendix: regulatory mapping") :]
        for raw in ("eu_ai_act", "nist_ai_rmf", "iso_42001", "eu\\_ai\\_act"):
            assert raw not in appendix, (fmt, raw)
        for name in ("EU AI Act", "NIST AI RMF", "ISO/IEC 42001"):
            assert name in appendix
