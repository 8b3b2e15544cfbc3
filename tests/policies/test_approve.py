"""``govern approve``: who may sign off (an e-mail address or a configured identity), and
one sign-off per person and version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import govern.config
from govern.errors import ConfigError
from govern.policies.record import approver_identity
from govern.store import open_store
from tests.policies import pipelines as p
from tests.policies.conftest import Result


def approvals() -> list[dict[str, object]]:
    with open_store(create=False) as store:
        return [r.data for r in store.records(kind="approval")]


def test_a_second_sign_off_by_the_same_person_is_refused(cli: Callable[..., Result]) -> None:
    p.run_orders(train=True)
    assert cli("approve", "churn@1", "--by", "ana@example.org").code == 0
    again = cli("approve", "churn@1", "--by", "Ana@Example.org", "--note", "again")
    assert again.code == 2
    assert "ana@example.org already signed off churn@1 (record " in again.err.casefold()
    assert "a sign-off is recorded once per person and version" in again.err
    # another person, or another version, is a sign-off of its own
    assert cli("approve", "churn@1", "--by", "bo@example.org").code == 0
    p.run_orders(train=True)
    assert cli("approve", "churn@2", "--by", "ana@example.org").code == 0
    assert [(a["version"], a["by"]) for a in approvals()] == [
        (1, "ana@example.org"),
        (1, "bo@example.org"),
        (2, "ana@example.org"),
    ]


@pytest.mark.parametrize(
    "by",
    [
        "ana",
        "ana@",
        "@example.org",
        "ana@localhost",
        "ana smith@example.org",
        "a@b.org\nx",
        "Ana <ana@example.org>",
        "x" * 250 + "@example.org",
        "ana@example.org.",
    ],
)
def test_by_must_be_an_email_or_a_configured_identity(by: str, cli: Callable[..., Result]) -> None:
    p.run_orders(train=True)
    result = cli("approve", "churn@1", "--by", by)
    assert result.code == 2, result.out
    assert "is neither an e-mail address (e.g. dana@example.org) nor an identity listed" in (
        result.err
    )
    assert "Traceback" not in result.err and approvals() == []


def test_configured_identities_are_accepted_as_listed(cli: Callable[..., Result]) -> None:
    Path("pyproject.toml").write_text(
        '[project]\nname = "testproject"\n[tool.govern]\napprovers = ["Risk Committee"]\n'
    )
    govern.config.reset()
    p.run_orders(train=True)
    result = cli("approve", "churn@1", "--by", "risk committee")
    assert result.code == 0, result.err
    assert "by Risk Committee" in result.out
    assert approvals()[0]["by"] == "Risk Committee"
    assert cli("approve", "churn@1", "--by", "RISK COMMITTEE").code == 2


def test_the_library_function_validates_too() -> None:
    assert approver_identity("  dana@example.org ") == "dana@example.org"
    with pytest.raises(ConfigError, match="neither an e-mail address"):
        approver_identity("dana")
