"""User templates: extend a shipped one block by block, in the sandbox, bounded, no tracebacks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from govern.cli import main
from govern.reports import sandbox
from tests.reports.conftest import ExampleReports


def _report(
    example_reports: ExampleReports,
    templates: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str = "md",
) -> tuple[int, str, str]:
    store = str(example_reports.store)
    code = main(["report", "audit", "--store", store, "--templates", str(templates), "-f", fmt])
    out, err = capsys.readouterr()
    return code, out, err


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)
    return directory


@pytest.mark.parametrize(
    ("fmt", "name", "parent", "first", "section"),
    [
        ("md", "audit.md.j2", "audit.md.j2", "## 1. Executive summary", "## 8. Changes"),
        ("html", "audit.html.j2", "govern:audit.html.j2", 'id="summary"', 'id="changes"'),
    ],
)
def test_a_same_named_override_extends_the_shipped_template(
    example_reports: ExampleReports,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    name: str,
    parent: str,
    first: str,
    section: str,
) -> None:
    templates = _write(
        tmp_path / "t",
        name,
        f'{{% extends "{parent}" %}}\n{{% block policies %}}OUR POLICY SECTION '
        "{{ summary.runs }} {{ m.value(summary.checks) }}{% endblock %}\n",
    )
    code, out, err = _report(example_reports, templates, capsys, fmt)
    assert code == 0, err
    from govern import reports

    checks = reports.audit(store=str(example_reports.store), format="json").context["summary"]
    assert f"OUR POLICY SECTION 1 {checks['checks']}" in out
    assert first in out and section in out  # every other section as shipped
    assert "Integrity: verified" in out
    assert "Policy verdicts and waivers</h2>" not in out and "## 7. Policy" not in out


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {
                "audit.md.j2": '{% include "a.j2" %}',
                "a.j2": '{% include "b.j2" %}',
                "b.j2": '{% include "a.j2" %}',
            },
            "in a cycle",
        ),
        (
            {
                "audit.md.j2": '{% extends "audit.md.j2" %}{% block summary %}{{ "".__class__ }}'
                "{% endblock %}"
            },
            "sandbox",
        ),
        ({"audit.md.j2": "line one\n{% for x in %}\n"}, "audit.md.j2 line 2"),
        (
            {"audit.md.j2": '{% extends "audit.md.j2" %}{% block runs %}{{ 1 / 0 }}{% endblock %}'},
            "ZeroDivisionError",
        ),
        ({"audit.md.j2": '{% extends "nope.j2" %}'}, "nope.j2 not found"),
    ],
)
def test_template_errors_name_the_place_without_a_traceback(
    example_reports: ExampleReports,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    message: str,
) -> None:
    templates = tmp_path / "t"
    for name, text in files.items():
        _write(templates, name, text)
    code, out, err = _report(example_reports, templates, capsys)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_a_template_that_loops_for_ever_is_stopped(
    example_reports: ExampleReports,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sandbox.LIMITS, "seconds", 1.0)
    templates = _write(
        tmp_path / "t",
        "audit.md.j2",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    )
    began = time.monotonic()
    code, out, err = _report(example_reports, templates, capsys)
    assert code == 2 and out == ""
    assert "longer than 1 s" in err and "audit.md.j2 line 1" in err and "Traceback" not in err
    assert time.monotonic() - began < 60  # a hang guard, not a benchmark


def test_a_template_that_writes_too_much_is_stopped(
    example_reports: ExampleReports,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sandbox.LIMITS, "chars", 100_000)
    templates = _write(
        tmp_path / "t", "audit.md.j2", '{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}'
    )
    code, out, err = _report(example_reports, templates, capsys)
    assert code == 2 and out == ""
    assert "exceeds 100000 characters" in err and "Traceback" not in err
