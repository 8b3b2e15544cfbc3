"""Every CLI entry point that reads a file or an argument, fed malformed input.

Asserted for each case: no traceback, a documented exit code (docs/cli.md), a message
naming the input, and completion within a generous bound (a hang guard, not a benchmark).
The corpus (tests/fuzz/cases.py) holds the cases the hardening issue reproduced; the
property tests feed generated text to the same entry points in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govern.cli import main
from tests.conftest import bounded
from tests.fuzz.cases import CASES, Case

BOUND_SECONDS = 60
DOCUMENTED = {0, 1, 2, 3}


def _run(argv: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "OPENLINEAGE"))}
    env["GOVERN_STORE"] = str(cwd / ".govern" / "govern.db")
    return subprocess.run(
        [sys.executable, "-m", "govern", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        check=False,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one recorded run, so commands reach their argument handling."""
    root = tmp_path_factory.mktemp("fuzz-project")
    (root / "pyproject.toml").write_text('[project]\nname = "fuzz"\n')
    script = (
        "import pandas as pd, govern\n"
        "@govern.stage()\n"
        "def s(df: pd.DataFrame) -> pd.DataFrame:\n    return df\n"
        "with govern.run('p'):\n    s(pd.DataFrame({'a': [1, 2]}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "OPENLINEAGE"))}
    subprocess.run([sys.executable, "-c", script], cwd=root, env=env, check=True, timeout=300)
    return root


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case_gets_a_clear_answer(case: Case, recorded: Path, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "fuzz"\n')
    (project / ".govern").symlink_to(recorded / ".govern", target_is_directory=True)
    case.write(project)
    result = _run(case.argv, project)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    assert result.returncode in case.expect, (result.returncode, output[-2000:])
    if case.names:
        assert case.names in output, output[-2000:]


def _answer(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with bounded(BOUND_SECONDS):
        code = main(argv)  # any exception but SystemExit escapes here and fails the test
    captured = capsys.readouterr()
    return code, captured.out + captured.err


TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
ARGV_SHAPES = [
    lambda t: ["runs", "--limit", t],
    lambda t: ["runs", "show", t],
    lambda t: ["models", "show", t],
    lambda t: ["lineage", t],
    lambda t: ["report", "audit", "--run", t],
    lambda t: ["report", "audit", "--pipeline", "p", "--since", t],
    lambda t: ["report", "model-card", t],
    lambda t: ["approve", t, "--by", "dana@example.org"],
    lambda t: ["check", "--run", t],
    lambda t: ["runs", "--store", t],
]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(shape=st.sampled_from(range(len(ARGV_SHAPES))), text=TEXT)
def test_generated_arguments_never_traceback(
    shape: int,
    text: str,
    recorded: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(recorded)
    monkeypatch.setenv("GOVERN_STORE", str(recorded / ".govern" / "govern.db"))
    argv = ARGV_SHAPES[shape](text)
    code, output = _answer(argv, capsys)
    assert code in DOCUMENTED, (argv, code, output)
    assert "Traceback" not in output


YAMLISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=YAMLISH, raw=st.binary(max_size=200), use_raw=st.booleans())
def test_generated_policy_files_never_traceback(
    body: object,
    raw: bytes,
    use_raw: bool,
    tmp_path_factory: pytest.TempPathFactory,
    recorded: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    folder = tmp_path_factory.mktemp("policies")
    path = folder / "gen.yaml"
    if use_raw:
        path.write_bytes(raw)
    else:
        path.write_text(yaml.safe_dump({"version": 1, "name": "g", "rules": body}))
    monkeypatch.chdir(recorded)
    monkeypatch.setenv("GOVERN_STORE", str(recorded / ".govern" / "govern.db"))
    code, output = _answer(["check", "--policies", str(folder), "--no-record"], capsys)
    assert code in DOCUMENTED, (code, output)
    assert "Traceback" not in output
    if code == 2:
        assert "gen.yaml" in output, output


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    lines=st.lists(
        st.one_of(TEXT, st.binary(max_size=80).map(lambda b: b.decode("latin-1"))), max_size=5
    )
)
def test_generated_lineage_imports_never_traceback(
    lines: list[str],
    tmp_path_factory: pytest.TempPathFactory,
    recorded: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path_factory.mktemp("events")
    path = folder / "events.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    store = folder / "govern.db"
    monkeypatch.chdir(recorded)
    code, output = _answer(["lineage", "import", str(path), "--store", str(store)], capsys)
    assert code in DOCUMENTED, (code, output)
    assert "Traceback" not in output
