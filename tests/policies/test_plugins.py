"""Plug-in rules: the @rule decorator (a module named under ``plugins:``) and entry points."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from govern.policies import rule_names
from tests.policies import pipelines as p
from tests.policies.conftest import Result, write_pack


def test_decorated_rule_from_a_plugins_module(cli: Callable[..., Result]) -> None:
    p.run_orders(train=True)
    write_pack(
        """
        version: 1
        plugins: [tests.policies.plugin_rules]
        rules:
          - id: small-models
            description: at most one input feature
            condition: test_max_features
            with: {max: 1}
        """
    )
    result = cli("check")
    assert result.code == 1
    assert "FAIL   [error] small-models  model:churn@1" in result.out
    assert "2 input features; at most 1 allowed" in result.out
    # its parameters are checked on load like a built-in's
    write_pack(
        """
        version: 1
        plugins: [tests.policies.plugin_rules]
        rules:
          - {id: small-models, description: d, condition: test_max_features, with: {max: 0}}
        """
    )
    result = cli("check")
    assert result.code == 2 and "parameter 'max' must be at least 1, got 0" in result.err


def _distribution(root: Path, module: str, body: str, value: str) -> None:
    """An installed distribution (as pip leaves one) declaring a govern.policies entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    info = root / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[govern.policies]\n{module} = {value}\n")


def test_entry_point_rules(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _distribution(
        site,
        "acme_governance",
        '''
        from govern.policies import Outcome, rule

        @rule("acme_named_pipelines", target="pipeline")
        def named(target, ctx, params):
            """Pipelines are named team.job."""
            ok = "." in target.name
            return Outcome(ok, f"pipeline name {target.name!r}")
        ''',
        "acme_governance",
    )
    monkeypatch.syspath_prepend(str(site))
    p.run_orders()
    write_pack(
        "version: 1\nrules:\n"
        "  - {id: naming, description: team.job names, condition: acme_named_pipelines}\n"
    )
    result = cli("check")
    assert result.code == 1 and "pipeline name 'orders'" in result.out
    assert "acme_named_pipelines" in rule_names()


def test_broken_entry_point_is_a_config_error(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _distribution(site, "broken_rules", "raise RuntimeError('oops')\n", "broken_rules")
    monkeypatch.syspath_prepend(str(site))
    p.run_orders()
    write_pack("version: 1\nrules:\n  - {id: x, description: d, condition: not_registered}\n")
    result = cli("check")
    assert result.code == 2
    assert "entry point 'broken_rules' (broken_rules) in group 'govern.policies'" in result.err
    assert "RuntimeError: oops" in result.err and "Traceback" not in result.err
