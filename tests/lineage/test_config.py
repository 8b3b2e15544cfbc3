"""Transport configuration, read the OpenLineage way, and the recording hook that uses it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import govern
from govern import recording
from govern.errors import LineageError
from govern.lineage.config import resolve
from govern.lineage.hook import LineageHook


def settings_with(tmp_path: Path, table: str = "") -> govern.Settings:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n{table}')
    govern.config.reset()
    return govern.settings()


def test_nothing_configured_means_the_store_only(isolated_project: Path) -> None:
    config = resolve(govern.settings(), env={}, cwd=isolated_project)
    assert config.transports == () and config.source == "nothing configured"


def test_precedence_pyproject_then_variables_then_openlineage_yml(
    isolated_project: Path,
) -> None:
    cfg = settings_with(
        isolated_project,
        "[tool.govern.lineage]\ntimeout = 2\n[tool.govern.lineage.transport]\n"
        'type = "http"\nurl = "http://from-pyproject"\nendpoint = "api/v1/lineage"\n',
    )
    env = {
        "OPENLINEAGE__TRANSPORT__URL": "http://from-env",
        "OPENLINEAGE__TRANSPORT__COMPRESSION": "gzip",
    }
    (spec,) = resolve(cfg, env=env, cwd=isolated_project).transports
    assert spec.config["url"] == "http://from-env" and spec.config["compression"] == "gzip"
    assert spec.config["endpoint"] == "api/v1/lineage"
    assert spec.config["timeout"] == 2.0  # govern's per-attempt bound
    assert spec.config["retry"]["total"] == 0  # the outbox retries, not the client
    (isolated_project / "openlineage.yml").write_text(
        "transport:\n  url: http://from-yml\n  timeout: 9\n"
    )
    config = resolve(cfg, env=env, cwd=isolated_project)
    assert config.transports[0].config["url"] == "http://from-yml"
    assert config.transports[0].config["timeout"] == 9
    assert "openlineage.yml" in config.source and "OPENLINEAGE__" in config.source


def test_openlineage_url_disabled_and_composite(isolated_project: Path) -> None:
    cfg = govern.settings()
    (spec,) = resolve(
        cfg,
        env={"OPENLINEAGE_URL": "http://m:5000", "OPENLINEAGE_API_KEY": "k"},
        cwd=isolated_project,
    ).transports
    assert (spec.name, spec.kind, spec.config["auth"]["apiKey"]) == ("http", "http", "k")
    assert "apiKey" not in repr(spec)  # configurations may hold credentials: never printed
    off = resolve(
        cfg,
        env={"OPENLINEAGE_URL": "http://m", "OPENLINEAGE_DISABLED": "true"},
        cwd=isolated_project,
    )
    assert off.transports == ()
    composite = {
        "OPENLINEAGE__TRANSPORT__TYPE": "composite",
        "OPENLINEAGE__TRANSPORT__TRANSPORTS": json.dumps(
            [{"type": "console"}, {"type": "http", "url": "http://a", "name": "a"}]
        ),
    }
    specs = resolve(cfg, env=composite, cwd=isolated_project).transports
    assert [(s.name, s.kind) for s in specs] == [("console", "console"), ("a", "http")]


@pytest.mark.parametrize(
    ("table", "env", "message"),
    [
        ("[tool.govern.lineage]\nflush = 1\n", {}, "unknown key"),
        ("[tool.govern.lineage]\ntimeout = 0\n", {}, "timeout must be a number of seconds > 0"),
        ("[tool.govern.lineage]\nmax_attempts = 0\n", {}, "max_attempts"),
        ("", {"OPENLINEAGE__TRANSPORT__URL": "http://x"}, "has no type"),
        ("", {"OPENLINEAGE_CONFIG": "/nowhere/openlineage.yml"}, "no such file"),
        (
            "",
            {
                "OPENLINEAGE__TRANSPORT__TYPE": "composite",
                "OPENLINEAGE__TRANSPORT__TRANSPORTS": "[]",
            },
            "lists no transports",
        ),
    ],
)
def test_unusable_configuration(
    isolated_project: Path, table: str, env: dict[str, str], message: str
) -> None:
    cfg = settings_with(isolated_project, table)
    with pytest.raises(LineageError, match=message):
        resolve(cfg, env=env, cwd=isolated_project)


def test_lineage_is_an_installed_record_hook() -> None:
    assert any(isinstance(h, LineageHook) for h in recording.record_hooks())


def test_a_failing_hook_never_fails_the_stage(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def recorded(self, *_: Any) -> None:
            raise RuntimeError("hook bug")

    monkeypatch.setattr(recording, "_hooks", [Broken()])

    @govern.stage()
    def step(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with caplog.at_level(logging.ERROR, logger="govern"), govern.run("hooked") as run:
        step(pd.DataFrame({"a": [1]}))
    assert run.status == "completed"
    failures = [r for r in caplog.records if r.getMessage().startswith("record hook")]
    assert len(failures) == 3  # run start, stage, run end: each logged, none raised


def test_a_transport_is_known_by_its_destination_not_its_name_alone(
    isolated_project: Path,
) -> None:
    cfg = govern.settings()

    def spec(env: dict[str, str]) -> Any:
        (found,) = resolve(cfg, env=env, cwd=isolated_project).transports
        return found

    base = {"OPENLINEAGE__TRANSPORT__TYPE": "http", "OPENLINEAGE__TRANSPORT__URL": "http://a:5000"}
    first = spec(base)
    assert first.key == "http -> http://a:5000/api/v1/lineage"
    # tuning and credentials are not the destination
    assert spec({**base, "OPENLINEAGE__TRANSPORT__TIMEOUT": "9"}).key == first.key
    assert spec({**base, "OPENLINEAGE__TRANSPORT__URL": "http://u:secret@a:5000"}).key == first.key
    assert (
        "secret" not in spec({**base, "OPENLINEAGE__TRANSPORT__URL": "http://u:secret@a:5000"}).key
    )
    # where events go is
    assert spec({**base, "OPENLINEAGE__TRANSPORT__URL": "http://b:5000"}).key != first.key
    assert spec({**base, "OPENLINEAGE__TRANSPORT__ENDPOINT": "api/v2/x"}).key != first.key
    kafka = spec(
        {
            "OPENLINEAGE__TRANSPORT__TYPE": "kafka",
            "OPENLINEAGE__TRANSPORT__TOPIC": "t",
            "OPENLINEAGE__TRANSPORT__CONFIG": json.dumps({"bootstrap.servers": "k:9092"}),
        }
    )
    assert kafka.key == "kafka -> t@k:9092"
    assert kafka.config["config"]["message.timeout.ms"] == 5000  # one attempt's timeout


def test_openlineage_disabled_is_a_configuration_that_owes_nothing(
    isolated_project: Path,
) -> None:
    env = {"OPENLINEAGE_URL": "http://a:5000", "OPENLINEAGE_DISABLED": "TRUE "}
    config = resolve(govern.settings(), env=env, cwd=isolated_project)
    assert config.disabled and config.transports == ()


def test_the_orchestrators_parent_is_read_as_the_openlineage_integrations_set_it() -> None:
    from govern.environment import orchestrator_parent

    run = "01937a2b-9d3e-7c4f-8a1b-2c3d4e5f6a7b"
    joined = orchestrator_parent({"OPENLINEAGE_PARENT_ID": f"ns/dag.task/with/slash/{run}"})
    assert joined == {
        "parent": {"namespace": "ns", "name": "dag.task/with/slash", "run_id": run},
        "root": {"namespace": "ns", "name": "dag.task/with/slash", "run_id": run},
    }
    discrete = {
        "OPENLINEAGE_PARENT_JOB_NAMESPACE": "ns",
        "OPENLINEAGE_PARENT_JOB_NAME": "dag.task",
        "OPENLINEAGE_PARENT_RUN_ID": run.upper(),
    }
    assert orchestrator_parent(discrete)["parent"]["run_id"] == run  # type: ignore[index]
    assert orchestrator_parent({**discrete, "OPENLINEAGE_PARENT_RUN_ID": "not-a-uuid"}) is None
    assert orchestrator_parent({"OPENLINEAGE_PARENT_RUN_ID": run}) is None  # no job
    assert orchestrator_parent({}) is None
