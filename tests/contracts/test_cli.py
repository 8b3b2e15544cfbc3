"""``govern contract lint``: exit codes, file:line messages, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.cli import main
from tests.contracts.conftest import CUSTOMERS, DATA, ORDERS


def test_clean_contracts_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "lint", str(ORDERS), str(CUSTOMERS)]) == 0
    assert capsys.readouterr().out.count(": ok") == 2


def test_problems_exit_2_with_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "lint", str(ORDERS), str(DATA / "custom-rule.odcs.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{DATA / 'custom-rule.odcs.yaml'}:11: " in err
    assert "1 problem(s) in 2 contract file(s)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content", [b"\xff\x00", b"a: [", b"- 1", b""])
def test_unreadable_files_exit_2(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.odcs.yaml"
    path.write_bytes(content)
    assert main(["contract", "lint", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "Traceback" not in err
