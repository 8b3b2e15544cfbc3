"""The differential suite: case counts per category at the end of the session."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.differential.cases import CASES, OUTCOMES

    if CASES:
        terminalreporter.write_sep("-", "differential cases (bare library vs govern)")
        for category, count in sorted(CASES.items()):
            terminalreporter.write_line(f"{category}: {count}")
        terminalreporter.write_line(f"total: {sum(CASES.values())}")
        mix = ", ".join(f"{k} {v}" for k, v in sorted(OUTCOMES.items()))
        terminalreporter.write_line(f"verdicts reached: {mix}")
