"""Helpers of the policy tests: write a pack, evaluate it, run the CLI in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from govern.cli import main
from govern.policies import Evaluation, evaluate, load_packs
from govern.recording import close_stores
from govern.store import open_store


@pytest.fixture(autouse=True)
def _close_runtime_stores() -> Iterator[None]:
    yield
    close_stores()


def write_pack(text: str, name: str = "pack.yaml", directory: str = "policies") -> Path:
    """Write a policy file (dedented) under ./policies/ and return its path."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def pack(rule: str, *, waivers: str = "", extra: str = "") -> str:
    """A version-1 pack with one rule (indented YAML mapping text) and optional waivers."""
    body = textwrap.indent(textwrap.dedent(rule).strip("\n"), "  ")
    head = textwrap.dedent(extra).strip()
    text = "\n".join(["version: 1", *([head] if head else []), "rules:", body]) + "\n"
    if waivers:
        text += "waivers:\n" + textwrap.indent(textwrap.dedent(waivers).strip("\n"), "  ") + "\n"
    return text


def waiver(rule: str, target: str, expires: date) -> str:
    """One waiver entry (YAML list item)."""
    return (
        f"- rule: {rule}\n  target: {target!r}\n  reason: known issue, fix scheduled\n"
        f"  approver: dana@example.org\n  expires: {expires.isoformat()}\n"
    )


def today() -> date:
    return datetime.now(UTC).date()


def future() -> date:
    return today() + timedelta(days=30)


def past() -> date:
    return today() - timedelta(days=1)


def run_eval(text: str, **kwargs: object) -> Evaluation:
    """Write ``text`` as the only pack and evaluate it against the project's store."""
    for old in Path("policies").glob("*.yaml") if Path("policies").is_dir() else []:
        old.unlink()
    path = write_pack(text)
    with open_store(create=False) as store:
        return evaluate(store, load_packs(path.parent), **kwargs)  # type: ignore[arg-type]


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``govern ARGS`` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> Result:
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def statuses(evaluation: Evaluation) -> dict[str, str]:
    """target -> status of the verdicts."""
    return {v.target: str(v.status) for v in evaluation.verdicts}
