"""The audit report's monitoring section: history charts with anomalies, drift, in HTML,
Markdown, JSON and PDF (rasterised: the charts keep their colours in WeasyPrint)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.cli import main
from govern.recording import close_stores
from govern.reports.history import history_chart
from tests.monitoring.history import DATASET, record_days, shifted
from tests.reports.pdf_pixels import hex_rgb, near, pdftoppm, rasterise

# colours used by the history charts only (not the page styles)
RED, PURPLE = hex_rgb("#fa4549"), hex_rgb("#8250df")


@pytest.fixture(autouse=True)
def _close_runtime_stores() -> Iterator[None]:
    yield
    close_stores()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)), st.booleans()),
        min_size=1,
        max_size=80,
    ),
    st.booleans(),
)
def test_chart_geometry_stays_in_the_plot(
    series: list[tuple[float | None, bool]], fraction: bool
) -> None:
    values = [v if not fraction or v is None else abs(v) / 1e9 for v, _ in series]
    flags = [f for _, f in series]
    chart = history_chart(
        "m", values, [f"v{i}" for i in range(len(values))], flags, fraction=fraction
    )
    plot = chart["plot"]
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    assert len(chart["points"]) == len(present)
    for point, (i, _) in zip(chart["points"], present, strict=True):
        assert plot["x"] - 1e-6 <= point["x"] <= plot["x"] + plot["w"] + 1e-6
        assert plot["y"] - 1e-6 <= point["y"] <= plot["y"] + plot["h"] + 1e-6
        assert point["anomaly"] == flags[i] and point["label"] == f"v{i}"
    assert chart["anomalies"] == sum(flags[i] for i, _ in present)
    drawn = sum(len(line.split()) for line in chart["lines"])
    assert drawn <= len(present)  # a gap (None) breaks the line; lone points are dots only
    if fraction:
        assert chart["low"] == 0.0


def test_gaps_split_the_line_and_higher_values_sit_higher() -> None:
    chart = history_chart("rows", [1, 2, None, 4, 5], list("abcde"), [False] * 4 + [True])
    assert len(chart["lines"]) == 2
    ys = [p["y"] for p in chart["points"]]
    assert ys == sorted(ys, reverse=True)  # SVG y grows downwards
    assert chart["points"][-1]["anomaly"] and chart["anomalies"] == 1


@pytest.fixture
def monitored() -> Path:
    record_days(8, shift_last=shifted)
    return Path(".govern/govern.db")


def test_audit_context_marks_the_anomalies_on_their_charts(monitored: Path) -> None:
    from govern import reports

    ctx = reports.audit(run="latest", store=str(monitored), format="json").context
    (entry,) = ctx["monitoring"]
    assert entry["dataset"] == DATASET.removeprefix("dataset:")
    assert entry["versions"] == 8 and entry["shown"] == 8
    charts = {c["metric"]: c for c in entry["charts"]}
    assert set(charts) >= {
        "row count",
        "amount: null fraction",
        "amount: median",
        "region: share of 'a'",
        "score: null fraction",
    }
    flagged = {name for name, c in charts.items() if c["anomalies"]}
    assert {"row count", "amount: median", "score: null fraction"} <= flagged
    for name in flagged:  # only the newest (shifted) version is an anomaly
        assert [p["anomaly"] for p in charts[name]["points"]] == [False] * 7 + [True]
    checks = {(a["check"], a["column"]) for a in entry["anomalies"]}
    assert {("stable:row_count", None), ("stable:null_fraction", "score")} <= checks
    assert set(entry["drift"]["crossed"]) >= {"rows", "amount:psi", "score:nulls"}
    assert entry["drift"]["reference"].startswith("7 version(s) ")


def test_html_and_markdown_show_the_section(monitored: Path, tmp_path: Path) -> None:
    html, md = tmp_path / "a.html", tmp_path / "a.md"
    assert main(["report", "audit", "--store", str(monitored), "-o", str(html)]) == 0
    assert main(["report", "audit", "--store", str(monitored), "-o", str(md)]) == 0
    text = html.read_text()
    assert 'data-section="monitoring"' in text
    assert text.count('<svg class="history"') >= 7
    assert text.count('<circle class="anomaly"') >= 3
    assert "<script" not in text
    body = md.read_text()
    assert "## 10. Monitoring" in body and "| row count | 8 |" in body
    assert "stable:row_count" in body and "threshold(s) crossed" in body


def test_a_cold_start_says_so(tmp_path: Path) -> None:
    record_days(2)
    html = tmp_path / "a.html"
    assert main(["report", "audit", "-o", str(html)]) == 0
    text = html.read_text()
    assert "not evaluated: too little history" in text
    assert "No anomaly flagged" in text


@pytest.mark.slow
def test_pdf_charts_keep_their_colours(monitored: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    if pdftoppm() is None:
        if os.environ.get("GOVERN_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail("pdftoppm is missing: apt-get install poppler-utils")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "audit.pdf"
    assert main(["report", "audit", "--store", str(monitored), "-o", str(pdf)]) == 0
    pages = rasterise(pdf, tmp_path / "pages")
    red = sum(int(near(page, RED, 12).sum()) for page in pages)
    purple = sum(int(near(page, PURPLE, 12).sum()) for page in pages)
    assert red > 40, "the anomaly markers are not drawn red"
    assert purple > 300, "the history lines are not drawn"


def test_model_card_shows_input_drift_since_training(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa
    from scipy.stats import ks_2samp
    from sklearn.linear_model import LogisticRegression

    import govern
    from govern import reports

    schema = pa.DataFrameSchema({"x": pa.Column(float), "kind": pa.Column(str)})

    @govern.stage(inputs={"df": schema}, outputs=govern.model("clf"))
    def train(df: pd.DataFrame) -> LogisticRegression:
        return LogisticRegression().fit(df[["x"]], df["kind"])

    @govern.stage(inputs={"df": schema})
    def predict(model: LogisticRegression, df: pd.DataFrame) -> list[str]:
        return list(model.predict(df[["x"]]))

    rng = np.random.default_rng(5)
    trained = pd.DataFrame({"x": rng.normal(0, 1, 150), "kind": rng.choice(["a", "b"], 150)})
    scored = pd.DataFrame({"x": rng.normal(1.5, 1, 120), "kind": rng.choice(["a", "b"], 120)})
    with govern.run("scoring"):
        predict(train(trained), scored)
    close_stores()
    ctx = reports.model_card("clf@1", format="json").context
    drift = ctx["input_drift"]
    assert drift["scored_by"] == "predict" and drift["training_dataset"].endswith("train.df")
    x = next(c for c in drift["columns"] if c["column"] == "x")
    # both samples under KLL's k=200: the sketches hold every value, the distance is exact
    assert x["ks"] == pytest.approx(ks_2samp(trained["x"], scored["x"]).statistic, abs=1e-12)
    assert "x:psi" in drift["crossed"] and drift["rows_before"] == 150
    html, md = tmp_path / "card.html", tmp_path / "card.md"
    assert main(["report", "model-card", "clf@1", "-o", str(html)]) == 0
    assert main(["report", "model-card", "clf@1", "-o", str(md)]) == 0
    assert 'data-section="input_drift"' in html.read_text()
    text = md.read_text()
    assert "## Input drift since training" in text and "| x | same | float64 |" in text
    assert "1 threshold(s) crossed" in text
    import sqlite3

    with sqlite3.connect(".govern/govern.db") as db:  # as a later govern would write them
        db.execute(
            "UPDATE ledger SET body = replace(body, '\"format\":1,', '\"format\":99,') "
            "WHERE body LIKE '%\"format\":1,%'"
        )
    assert main(["report", "model-card", "clf@1", "-o", str(md)]) == 0
    assert "cannot be read: summary format 99 is newer" in md.read_text()


def test_summaries_of_a_newer_format_are_named_not_fatal(tmp_path: Path) -> None:
    import sqlite3

    record_days(3)
    close_stores()
    with sqlite3.connect(".govern/govern.db") as db:
        db.execute(
            "UPDATE ledger SET body = replace(body, '\"format\":1,', '\"format\":99,') "
            "WHERE body LIKE '%\"format\":1,%'"
        )
    html, md = tmp_path / "a.html", tmp_path / "a.md"
    assert main(["report", "audit", "-o", str(html)]) == 0
    assert main(["report", "audit", "-o", str(md)]) == 0
    assert "summary format 99 is newer than this govern reads" in html.read_text()
    assert "summary format 99 is newer than this govern reads" in md.read_text()
