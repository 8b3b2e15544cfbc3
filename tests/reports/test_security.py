"""Hostile text in the record stays inert; user templates stay in the sandbox."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from govern import reports
from govern.cli import main
from govern.errors import ReportError
from tests.reports.pipelines import EVIL, PAYLOADS, hostile_run

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


class Tags(HTMLParser):
    """Every start tag and attribute of a document, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert_html(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "form", "base"}
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "xlink:href", "action"):
                assert value is not None
                assert value.startswith(("#", "http://", "https://", "url(#")), (tag, name, value)
    text = "".join(parser.text)
    # the payloads are still there, as text the reader can see
    assert "<script>alert('x')</script>" in text
    assert "{{ 7*7 }}" in text and "{% raw %}" in text
    assert "javascript:alert(document.domain)" in text


def table_rows_intact(markdown: str) -> None:
    lines = markdown.splitlines()
    in_fence = False
    columns: int | None = None
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not line.startswith("|"):
            columns = None
            continue
        cells = len(_UNESCAPED_PIPE.split(line)) - 2
        if columns is None:
            columns = cells
        assert cells == columns, f"line {number} has {cells} cells, not {columns}: {line[:120]}"


def assert_inert_markdown(markdown: str) -> None:
    body = markdown.split("\n---\n", 1)[-1] if markdown.startswith("---\n") else markdown
    assert "<script" not in body and "<img" not in body
    assert not re.search(r"(?<!\\)\]\(javascript:", body)  # no live link to a script
    assert body.count("```") % 2 == 0
    table_rows_intact(body)
    # no line of hostile text became a heading or a list
    for line in body.splitlines():
        assert not line.startswith("# heading"), line
        assert not line.startswith("- list"), line


@pytest.fixture
def hostile() -> str:
    run = hostile_run()
    assert run.stages[0].status == "quarantined"  # the cells failed a check with a message
    return run.id


def test_audit_report_is_inert(hostile: str) -> None:
    html = reports.audit(run=hostile, format="html")
    assert_inert_html(html.text)
    ctx = html.context
    failed = [c for s in ctx["checks"] for c in s["checks"] if not c["passed"]]
    assert any(EVIL in (c["check"] or "") + (c["message"] or "") for c in failed)
    assert any("cell " in case["value"] for c in failed for case in c["sample"])
    md = reports.audit(run=hostile, format="md").text
    assert_inert_markdown(md)
    assert "\\|" in md  # the pipes were escaped, not dropped


def test_model_card_is_inert(hostile: str) -> None:
    from huggingface_hub import ModelCard

    name = next(s.model.name for s in [*_stages(hostile)] if s.model is not None)
    html = reports.model_card(name, format="html").text
    assert_inert_html(html)
    assert 'href="https://example.org/ok?a=1&amp;b=(2)"' in html
    assert "javascript:alert(4)" in html and 'href="javascript' not in html
    md = reports.model_card(name, format="md").text
    assert_inert_markdown(md)
    assert "[https://example.org/ok?a=1&amp;b=(2)](https://example.org/ok?a=1&b=%282%29)" in md
    card = ModelCard(md)  # the front matter is still valid YAML with the payloads in it
    assert card.data.license == f"lic {' '.join(EVIL.split())}"
    assert card.data.model_name == f"model {' '.join(EVIL.split())}"


def _stages(run_id: str) -> list:  # type: ignore[type-arg]
    from govern.store import open_store

    store = open_store(create=False)
    try:
        return store.stage_runs(run_id)
    finally:
        store.close()


@pytest.mark.parametrize(
    "attack",
    [
        "{{ header.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ runs.__class__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ header.update({'report_id': 'forged'}) }}",
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_a_malicious_template_cannot_reach_python_internals(
    attack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_run()
    templates = tmp_path / "evil"
    templates.mkdir()
    (templates / "audit.html.j2").write_text(f"<p>{attack}</p>\n")
    with pytest.raises(ReportError, match=r"audit\.html\.j2"):
        reports.audit(format="html", templates=templates)
    assert main(["report", "audit", "--templates", str(templates)]) == 2
    out, err = capsys.readouterr()
    assert "<class" not in out + err and "Traceback" not in err
    assert "govern: error: template" in err


def test_every_payload_survives_as_text(hostile: str) -> None:
    ctx = reports.audit(run=hostile, format="json").context
    names = {d["name"] for d in ctx["lineage"]["datasets"]}
    assert f"dataset {EVIL}" in names
    assert ctx["runs"][0]["name"] == f"run {EVIL}"
    metrics = {m["name"] for m in ctx["models"][0]["metrics"]}
    assert f"metric {EVIL}" in metrics
    assert all(p in EVIL for p in PAYLOADS)


def test_shipped_templates_never_mark_data_safe() -> None:
    import re as _re

    from govern.reports.templating import TEMPLATE_NAMES

    folder = Path(reports.__file__).parent / "templates"
    assert sorted(p.name for p in folder.glob("*.j2")) == sorted(TEMPLATE_NAMES)
    for path in folder.glob("*.j2"):
        text = path.read_text()
        assert not _re.search(r"\|\s*safe\b", text), path.name
        assert "autoescape false" not in text, path.name
