"""``govern report``: scopes, formats, output files, templates, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.cli import main
from tests.reports.conftest import ExampleReports
from tests.reports.pipelines import two_runs


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_formats_from_flags_and_suffixes(
    example_reports: ExampleReports, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(example_reports.store)]
    code, out, _ = run_cli(["report", "audit", *store, "--format", "md"], capsys)
    assert code == 0 and out.startswith("# Audit report")
    code, out, _ = run_cli(["report", "model-card", "penguin-species@1", *store], capsys)
    assert code == 0 and out.startswith("---\n")
    target = tmp_path / "deep" / "card.html"
    code, _, err = run_cli(
        ["report", "model-card", "penguin-species", *store, "-o", str(target)], capsys
    )
    assert code == 0 and f"wrote {target}" in err
    assert target.read_text().startswith("<!DOCTYPE html>")
    code, out, _ = run_cli(["report", "audit", *store, "--run", "latest", "-f", "json"], capsys)
    assert code == 0 and out.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["report", "audit", "--run", "latest", "--pipeline", "p"], 2, "choose one scope"),
        (["report", "audit", "--since", "last tuesday"], 2, "is not a date"),
        (["report", "audit", "--format", "docx"], 2, "--format must be"),
        (["report", "model-card", "penguin-species", "--format", "xml"], 2, "--format must be"),
        (["report", "audit", "--format", "pdf"], 2, "give -o PATH"),
        (["report", "audit", "-o", "audit.txt"], 2, "suffix '.txt' names no report format"),
        (["report", "model-card", "penguin-species", "-o", "card"], 2, "use one of .htm, .html"),
        (["report", "model-card", "penguin-species@one"], 2, "NAME@VERSION"),
        (["report", "audit", "--templates", "/nonexistent/templates"], 2, "does not exist"),
        (["report", "audit", "--run", "0000dead"], 3, "no run"),
        (["report", "audit", "--pipeline", "nope"], 3, "no runs of pipeline nope"),
        (["report", "model-card", "nope"], 3, "no model named 'nope'"),
        (["report", "model-card", "penguin-species@9"], 3, "penguin-species"),
    ],
)
def test_user_errors_exit_with_a_message(
    example_reports: ExampleReports,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    got, out, err = run_cli([*args, "--store", str(example_reports.store)], capsys)
    assert got == code
    assert message in err
    assert "Traceback" not in err and out == ""


def test_no_store_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["report", "audit"], capsys)
    assert code == 3 and "no govern store" in err
    assert not Path(".govern/govern.db").exists()  # reading never creates a store


def test_user_templates_replace_shipped_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_project: Path
) -> None:
    two_runs()
    templates = tmp_path / "mine"
    templates.mkdir()
    (templates / "audit.md.j2").write_text(
        '{% import "_macros.md.j2" as m with context %}'
        "# Our audit of {{ header.scope.description | md }}\n"
        "{{ summary.stages }} stages; {{ m.metrics_table(models[0].metrics) }}"
    )
    code, out, _ = run_cli(
        ["report", "audit", "--format", "md", "--templates", str(templates)], capsys
    )
    assert code == 0
    assert out.startswith("# Our audit of run ") and "2 stages;" in out
    assert "| accuracy |" in out  # the shipped macros are still there to import
    # the same from [tool.govern] templates
    pyproject = isolated_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.govern]\ntemplates = "{templates}"\n')
    import govern.config

    govern.config.reset()
    code, out, _ = run_cli(["report", "audit", "--format", "md"], capsys)
    assert code == 0 and out.startswith("# Our audit of run ")
    code, out, _ = run_cli(["report", "audit", "--format", "html"], capsys)
    assert code == 0 and out.startswith("<!DOCTYPE html>")  # others stay shipped


def test_broken_user_templates_name_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_runs()
    templates = tmp_path / "mine"
    templates.mkdir()
    (templates / "audit.md.j2").write_text("line one\n{% if %}\n")
    code, _, err = run_cli(["report", "audit", "-f", "md", "--templates", str(templates)], capsys)
    assert code == 2 and "audit.md.j2 line 2" in err and "Traceback" not in err
    (templates / "audit.md.j2").write_text("ok\n\n{{ no_such_section.x }}\n")
    code, _, err = run_cli(["report", "audit", "-f", "md", "--templates", str(templates)], capsys)
    assert code == 2 and "audit.md.j2 line 3" in err and "no_such_section" in err
