"""Markdown reports and cards are inert: parsed as a renderer would, no live markup is left.

A corpus of payloads (raw HTML, javascript:/data: links, images, autolinks, bare URLs,
e-mail addresses, link reference definitions...) is written into every user-controlled
field of the record: pipeline, stage, dataset, column, check and model names, failure
values, check messages, metric, slice and hyperparameter names and values, card text and
waiver reasons. The Markdown documents are parsed with markdown-it-py's GFM-like preset
(tables, strikethrough and linkify, as GitHub auto-links), and the tokens must hold no
HTML but the reports' own ``<br>``, no link and no image.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.reports import audit, model_card
from govern.reports.templating import md_cell, md_text
from govern.store import open_store
from govern.types import FailureCase, RunStatus, Status
from tests.store.factories import check, dataset, model_version, run_info, stage_result

markdown_it = pytest.importorskip("markdown_it")

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![pixel](https://evil.example/t.png)",
    "[Approve](https://evil.example/login)",
    "[x](javascript:alert(1))",
    "[d](data:text/html;base64,PHNjcmlwdD4=)",
    "<javascript:alert(1)>",
    "<https://evil.example/auto>",
    "https://evil.example/bare",
    "www.evil.example/w",
    "evil@evil.example",
    "mailto:evil@evil.example",
    "//evil.example/proto",
    "[ref]: https://evil.example/ref",
    "![img][ref]",
    "<a href='javascript:alert(1)'>x</a>",
    "<!-- c -->",
    "<div>\n\nblock\n\n</div>",
    "&lt;script&gt; &#60;img&#62;",
    "\\<script>",
    "line\n# heading\n- list\n```\nfence",
    "`code` **bold** _em_ ~~s~~ | pipe",
)
EVIL = " ".join(PAYLOADS)


def _parser() -> Any:
    try:
        md = markdown_it.MarkdownIt("gfm-like")  # tables, strikethrough, linkify
        md.linkify.set({"fuzzy_link": False})  # GitHub links http(s)://, www. and e-mail
    except (ImportError, ModuleNotFoundError):  # linkify-it-py missing: still parse
        md = markdown_it.MarkdownIt("commonmark").enable("table")
    return md


def _tokens(tokens: list[Any]) -> Iterator[Any]:
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


def assert_inert(markdown: str, what: str) -> None:
    body = markdown
    if body.startswith("---\n"):  # YAML front matter: data, not Markdown
        body = body.split("\n---\n", 1)[1]
    live = []
    for token in _tokens(_parser().parse(body)):
        if token.type in ("html_inline", "html_block") and token.content.strip() != "<br>":
            live.append((token.type, token.content[:80]))
        elif token.type in ("link_open", "image"):
            live.append((token.type, token.attrs))
    assert not live, f"{what}: live markup {live[:5]}"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("inert") / "govern.db"
    store = open_store(str(path), signing_key="")
    began = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(2):
        run = run_info(name=f"pipe {EVIL}", started_at=began + timedelta(hours=i), environment={})
        store.begin_run(run)
        data = dataset(f"data {EVIL}", "input", schema=((f"col {EVIL}", f"type {EVIL}"),))
        failing = check(
            0,
            passed=False,
            dataset=f"data {EVIL}",
            column=f"col {EVIL}",
            check=f"check {EVIL}",
            message=f"message {EVIL}",
            sample=tuple(FailureCase(f"idx {p}", f"value {p}") for p in PAYLOADS[:8]),
        )
        stage = stage_result(run.id, f"stage {EVIL}", checks=(failing,), datasets=(data,))
        model = model_version(
            run.id,
            stage.stage_run_id,
            name=f"model-{i}",
            hyperparameters={f"hp {EVIL}": f"v {EVIL}", "nested": {"k": EVIL}},
            metrics={f"metric {EVIL}": 0.5},
            slices={f"slice {EVIL}": {f"m {EVIL}": 0.4}},
            training_datasets=(data,),
            card={
                "description": f"desc {EVIL}",
                "limitations": [f"lim {EVIL}"],
                "intended_use": f"use {EVIL}",
                "owners": [{"name": f"o {EVIL}", "contact": f"c {EVIL}"}],
                "ethical_considerations": f"eth {EVIL}",
                "caveats_and_recommendations": f"cav {EVIL}",
            },
        )
        store.record_stage(
            stage_result(
                run.id,
                f"stage {EVIL}",
                stage_run_id=stage.stage_run_id,
                status=Status.FAILED,
                checks=(failing,),
                datasets=(data,),
                error=f"ValueError: {EVIL}",
                params={f"param {EVIL}": f"pv {EVIL}"},
                model=model,
                doc=f"doc {EVIL}",
            )
        )
        store.end_run(run.id, RunStatus.FAILED, began + timedelta(hours=i, seconds=5))
        store.append(
            "policy_evaluation",
            f"eval-{i}",
            {
                "evaluated_at": began.isoformat(),
                "passed": False,
                "policies": [f"pol {EVIL}"],
                "fail_on": "error",
                "verdicts": [
                    {"rule": f"rule {EVIL}", "target": f"t {EVIL}", "status": "waived",
                     "message": f"msg {EVIL}", "severity": "error", "description": f"d {EVIL}",
                     "waiver": {"reason": f"reason {EVIL}", "approver": f"a {EVIL}",
                                "expires": "2027-01-01"}},
                    {"rule": f"rule2 {EVIL}", "target": f"t {EVIL}", "status": "fail",
                     "message": f"msg {EVIL}", "severity": "error"},
                ],
                "expired_waivers": [{"rule": f"r {EVIL}", "target": f"t {EVIL}",
                                     "reason": f"old {EVIL}", "approver": f"a {EVIL}",
                                     "expires": "2020-01-01", "file": f"f {EVIL}",
                                     "line": 3}],
            },
            run_id=run.id,
        )  # fmt: skip
    store.close()
    return str(path)


@pytest.mark.parametrize("scope", ["run", "pipeline"])
def test_audit_markdown_is_inert(hostile_store: str, scope: str) -> None:
    with open_store(hostile_store, create=False) as store:
        if scope == "run":
            text = audit(store, format="md").text
        else:
            text = audit(store, pipeline=f"pipe {EVIL}", format="md").text
    assert "reason " in text and "evil.example" in text  # the payloads are shown, as text
    assert_inert(text, f"audit ({scope})")


@pytest.mark.parametrize("name", ["model-0", "model-1"])
def test_model_card_markdown_is_inert(hostile_store: str, name: str) -> None:
    with open_store(hostile_store, create=False) as store:
        text = model_card(name, store, format="md").text
    assert "desc " in text and "evil.example" in text
    assert_inert(text, f"card {name}")


def test_bare_urls_render_as_code() -> None:
    text = str(md_cell("see https://evil.example/x and www.evil.example, mail a@evil.example"))
    assert "`https://evil.example/x`" in text and "`www.evil.example`" in text
    assert "`a@evil.example`" in text
    assert_inert(f"| a |\n| --- |\n| {text} |\n", "cell")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*PAYLOADS, " ", "x", "|", "\n", "`", "]", "(", ":"]), max_size=8))
def test_any_mix_of_payloads_is_inert_in_a_cell_and_a_paragraph(parts: list[str]) -> None:
    text = "".join(parts)
    assert_inert(f"| h |\n| --- |\n| {md_cell(text)} |\n", repr(text))
    assert_inert(f"{md_text(text)}\n", repr(text))
