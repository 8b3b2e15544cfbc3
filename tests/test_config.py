"""Settings precedence: explicit > GOVERN_* > [tool.govern] > defaults; never written back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import govern
from govern.config import configure, settings


def write_pyproject(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n' + body)


def test_defaults_live_under_the_project_root(isolated_project: Path) -> None:
    cfg = configure()
    assert cfg.project_root == isolated_project.resolve()
    assert cfg.namespace == "testproject"
    assert cfg.quarantine_dir == isolated_project.resolve() / ".govern" / "quarantine"
    assert cfg.store == str(isolated_project.resolve() / ".govern" / "govern.db")
    assert cfg.metrics == "cheap"


def test_project_root_is_found_from_a_subdirectory(
    isolated_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = isolated_project / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert configure().project_root == isolated_project.resolve()


def test_precedence(isolated_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pyproject(
        isolated_project, '[tool.govern]\nmetrics = "full"\nsample_size = 3\nnamespace = "toml"\n'
    )
    cfg = configure()
    assert (cfg.metrics, cfg.sample_size, cfg.namespace) == ("full", 3, "toml")
    monkeypatch.setenv("GOVERN_METRICS", "off")
    monkeypatch.setenv("GOVERN_NAMESPACE", "env")
    cfg = configure()
    assert (cfg.metrics, cfg.sample_size, cfg.namespace) == ("off", 3, "env")
    cfg = configure(namespace="explicit")
    assert (cfg.metrics, cfg.namespace) == ("off", "explicit")


def test_settings_are_read_once(isolated_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = settings()
    monkeypatch.setenv("GOVERN_METRICS", "full")
    assert settings() is first
    assert configure().metrics == "full"


def test_environment_is_never_written(isolated_project: Path) -> None:
    before = dict(os.environ)
    configure(metrics="full", namespace="x")
    assert dict(os.environ) == before


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("[tool.govern]\nmetrix = 'full'\n", "unknown key.*metrix"),
        ("[tool.govern]\nmetrics = 'most'\n", "metrics .*must be one of off, cheap, full"),
        ("[tool.govern]\nsample_size = 'x'\n", "sample_size .*whole number"),
        ("[tool.govern]\nsample_size = -1\n", "sample_size .*>= 0"),
        ("[tool.govern]\non_store_error = 'ignore'\n", "on_store_error"),
        ("[tool.govern\n", "not valid TOML"),
    ],
)
def test_bad_configuration_names_file_and_key(
    isolated_project: Path, body: str, pattern: str
) -> None:
    write_pyproject(isolated_project, body)
    with pytest.raises(govern.ConfigError, match=pattern):
        configure()


def test_unknown_explicit_setting() -> None:
    with pytest.raises(govern.ConfigError, match="unknown setting"):
        configure(colour="blue")


def test_paths_from_env_are_relative_to_cwd(
    isolated_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVERN_QUARANTINE_DIR", "q")
    monkeypatch.setenv("GOVERN_PII_COLUMNS", "email, phone")
    cfg = configure()
    assert cfg.quarantine_dir == Path.cwd() / "q"
    assert cfg.pii_columns == ("email", "phone")


def test_signing_key_is_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERN_SIGNING_KEY", "hunter2")
    cfg = configure()
    assert cfg.signing_key == "hunter2"
    assert "hunter2" not in repr(cfg)
