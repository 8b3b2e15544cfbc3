"""The tiny pipeline as Dagster assets (dagster.materialize, a real ephemeral instance)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

dg = pytest.importorskip("dagster")

import pandas as pd  # noqa: E402

import govern  # noqa: E402
from govern.integrations.dagster import (  # noqa: E402
    GovernResource,
    asset_check_specs,
    governed_asset,
)
from govern.store import open_store  # noqa: E402
from tests.conftest import REPO_ROOT  # noqa: E402
from tests.orchestrators import parity, tiny_pipeline  # noqa: E402


def tiny_assets(*, broken: bool = False) -> list[Any]:
    """The user's glue: the tiny pipeline's stages as assets (7 lines)."""

    def raw() -> pd.DataFrame:
        return tiny_pipeline.source_frame(broken=broken)

    return [
        governed_asset(raw),
        governed_asset(tiny_pipeline.load),
        governed_asset(tiny_pipeline.clean, ins={"orders": "load"}),
        governed_asset(tiny_pipeline.summarize, ins={"orders": "clean"}),
    ]


def materialize(tmp_path: Path, *, broken: bool = False) -> tuple[Any, str]:
    store = tmp_path / "dagster.db"
    with (
        parity.project_settings(store, tmp_path / "dagster-quarantine"),
        dg.DagsterInstance.ephemeral() as instance,
    ):
        result = dg.materialize(
            tiny_assets(broken=broken),
            resources={"govern": GovernResource(pipeline=tiny_pipeline.PIPELINE)},
            instance=instance,
            raise_on_error=False,
        )
    return result, str(store)


def evaluations(result: Any) -> dict[tuple[str, str], Any]:
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_same_record_as_the_plain_pipeline(tmp_path: Path) -> None:
    plain = parity.plain_store(tmp_path / "plain")
    result, store = materialize(tmp_path)
    assert result.success
    parity.assert_same_record(plain, store)
    # every gate became an asset check, all passed but clean's (rows were quarantined)
    checks = evaluations(result)
    assert set(checks) == {
        ("load", "input_raw"),
        ("clean", "output"),
        ("summarize", "input_orders"),
        ("summarize", "output"),
    }
    assert [k for k, e in checks.items() if not e.passed] == [("clean", "output")]


def test_the_govern_run_is_a_child_of_the_dagster_run(tmp_path: Path) -> None:
    result, store = materialize(tmp_path)
    with open_store(store, create=False) as opened:
        (run,) = opened.runs()
    parent = run.environment["openlineage_parent"]
    assert parent["parent"]["run_id"] == result.run_id
    assert parent["parent"]["name"] == result.dagster_run.job_name
    assert parent["root"] == parent["parent"]
    from govern.lineage.export import events

    with open_store(store, create=False) as opened:
        starts = [
            e for e in events(opened) if e["job"]["name"] == "tiny" and e["eventType"] == "START"
        ]
    (start,) = starts
    assert start["run"]["facets"]["parent"]["run"]["runId"] == result.run_id
    # the materialization links back: govern run id, dataset version as Dagster's data version
    load = result.asset_materializations_for_node("load")[0]
    assert load.metadata["govern/run_id"].value == run.id
    assert "govern/dataset_version" not in load.metadata  # load's output is not gated


def opened_stage(store: str, name: str) -> govern.StageResult:
    with open_store(store, create=False) as opened:
        (run,) = opened.runs()
        return next(s for s in opened.stage_runs(run.id) if s.stage == name)


def test_quarantine_inside_dagster(tmp_path: Path) -> None:
    result, store = materialize(tmp_path)
    assert result.success
    clean = result.asset_materializations_for_node("clean")[0]
    assert clean.metadata["govern/quarantined_rows"].value == tiny_pipeline.QUARANTINED_ROWS
    assert clean.metadata["govern/status"].value == "quarantined"
    check = evaluations(result)["clean", "output"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["quarantined_rows"].value == tiny_pipeline.QUARANTINED_ROWS
    # the valid rows went on: summarize saw only them
    summary = result.output_for_node("summarize")
    assert sorted(summary["country"]) == ["DE", "FR", "NL"]
    recorded = opened_stage(store, "clean")
    assert recorded.status is govern.Status.QUARANTINED
    assert clean.metadata["govern/dataset_version"].value == next(
        d.fingerprint for d in recorded.datasets if d.role == "output"
    )


def test_a_gate_failure_fails_the_step_with_the_govern_message(tmp_path: Path) -> None:
    plain = parity.plain_store(tmp_path / "plain", broken=True)
    result, store = materialize(tmp_path, broken=True)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_key == "load"
    message = failure.event_specific_data.error.message
    assert "stage 'load'" in message and "order_id" in message
    check = evaluations(result)["load", "input_raw"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["failed_checks"].value >= 1
    # nothing bad was materialized, nothing downstream ran
    assert result.asset_materializations_for_node("load") == []
    assert {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"} == {
        "raw"
    }
    parity.assert_same_record(plain, store)


def test_warn_severity_maps_to_a_warning_check(tmp_path: Path) -> None:
    @govern.stage(outputs=govern.Gate(tiny_pipeline.Clean, severity="warn"), on_fail="warn")
    def lenient(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    (spec,) = asset_check_specs(lenient, asset="lenient")
    assert spec.name == "output" and "Clean" in (spec.description or "")

    def raw() -> pd.DataFrame:
        return tiny_pipeline.source_frame()

    with (
        parity.project_settings(tmp_path / "s.db", tmp_path / "q"),
        dg.DagsterInstance.ephemeral() as instance,
        pytest.warns(govern.GateWarning),
    ):
        result = dg.materialize(
            [governed_asset(raw), governed_asset(lenient)],
            resources={"govern": GovernResource()},
            instance=instance,
        )
    check = evaluations(result)["lenient", "output"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN


def test_asset_check_specs_needs_a_governed_function() -> None:
    with pytest.raises(govern.GovernError, match=r"not a @govern\.stage"):
        asset_check_specs(tiny_pipeline.source_frame, asset="raw")
    with pytest.raises(govern.GovernError, match="ins names"):
        governed_asset(tiny_pipeline.clean, ins={"nope": "load"})


def test_a_later_run_knows_upstream_datasets_from_their_materialization(tmp_path: Path) -> None:
    """Downstream assets run alone load upstream values another run (process) produced."""
    assets = tiny_assets()
    with (
        parity.project_settings(tmp_path / "s.db", tmp_path / "q"),
        dg.DagsterInstance.ephemeral() as instance,
    ):
        resources = {"govern": GovernResource(pipeline=tiny_pipeline.PIPELINE)}
        first = dg.materialize(assets[:2], resources=resources, instance=instance)
        second = dg.materialize(assets, resources=resources, instance=instance, selection=["clean"])
        assert first.success and second.success
        with open_store(str(tmp_path / "s.db"), create=False) as opened:
            latest = opened.runs()[0]
            (clean,) = opened.stage_runs(latest.id)
    (orders,) = [d for d in clean.datasets if d.role == "input"]
    assert (orders.ref.name, str(orders.ref.kind)) == ("tiny.load.return", "stage_output")


def test_multiprocess_steps_record_runs_under_the_same_dagster_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step's process opens its own govern run; identity crosses via metadata."""
    from tests.orchestrators.dagster import multiprocess_job

    for key, value in parity.env_for(tmp_path / "s.db", tmp_path / "q").items():
        monkeypatch.setenv(key, value)
    # the steps' processes import the job module relative to the working directory
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster-home"))
    (tmp_path / "dagster-home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster-home")) as instance:
        result = dg.execute_job(dg.reconstructable(multiprocess_job.tiny_job), instance=instance)
        assert result.success
        run_id = result.run_id
    with open_store(str(tmp_path / "s.db"), create=False) as opened:
        runs = opened.runs()
        stages = {s.stage: s for run in runs for s in opened.stage_runs(run.id)}
    assert {r.name for r in runs} == {tiny_pipeline.PIPELINE}
    assert {r.environment["openlineage_parent"]["parent"]["run_id"] for r in runs} == {run_id}
    assert set(stages) == set(tiny_pipeline.STAGES)
    assert stages["clean"].status is govern.Status.QUARANTINED
    (orders,) = [d for d in stages["clean"].datasets if d.role == "input"]
    assert (orders.ref.name, str(orders.ref.kind)) == ("tiny.load.return", "stage_output")
