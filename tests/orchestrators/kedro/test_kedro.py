"""The tiny pipeline under ``kedro run`` (a real Kedro project written in a tmp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("kedro")

import pandas as pd

import govern
from govern.store import open_store
from tests.orchestrators import parity, tiny_pipeline
from tests.orchestrators.kedro import project


def run(tmp_path: Path, *args: str, broken: bool = False) -> tuple[str, Path, str]:
    root = project.create(tmp_path, broken=broken)
    store = tmp_path / "kedro.db"
    done = project.kedro_run(root, store, tmp_path / "kedro-quarantine", *args)
    return str(store), root, done.stdout + done.stderr + f"\nexit {done.returncode}"


def stages(store: str) -> list[govern.StageResult]:
    with open_store(store, create=False) as opened:
        (recorded,) = opened.runs()
        return list(opened.stage_runs(recorded.id))


def test_same_record_as_the_plain_pipeline(tmp_path: Path) -> None:
    plain = parity.plain_store(tmp_path / "plain")
    store, _root, output = run(tmp_path)
    assert output.endswith("exit 0"), output
    parity.assert_same_record(plain, store)


def test_quarantine_inside_kedro(tmp_path: Path) -> None:
    store, root, output = run(tmp_path)
    assert output.endswith("exit 0"), output
    clean = next(s for s in stages(store) if s.stage == "clean")
    assert clean.status is govern.Status.QUARANTINED
    (kept,) = clean.quarantine
    assert kept.rows == tiny_pipeline.QUARANTINED_ROWS and Path(kept.path).is_file()
    assert len(pd.read_parquet(kept.path)) == tiny_pipeline.QUARANTINED_ROWS
    # only the valid rows reached the catalog's CSV file
    summary = pd.read_csv(root / "data" / "summary.csv")
    assert sorted(summary["country"]) == ["DE", "FR", "NL"]


def test_a_gate_failure_fails_kedro_run_with_the_govern_message(tmp_path: Path) -> None:
    plain = parity.plain_store(tmp_path / "plain", broken=True)
    store, root, output = run(tmp_path, broken=True)
    assert not output.endswith("exit 0")
    assert "stage 'load'" in output and "order_id" in output
    assert not (root / "data" / "summary.csv").exists()
    parity.assert_same_record(plain, store)


def test_catalog_validators_gate_on_load_and_quarantine_on_save(tmp_path: Path) -> None:
    store, root, output = run(tmp_path, "--pipelines", "catalog")
    assert output.endswith("exit 0"), output
    loaded, saved = stages(store)
    assert (loaded.stage, loaded.status) == ("orders@load", govern.Status.PASSED)
    (source,) = [d for d in loaded.datasets if d.role == "input"]
    assert source.ref.namespace == "file"
    assert source.ref.name == str((root / "data" / "orders.csv").resolve())
    assert str(source.ref.kind) == "source" and source.fingerprint
    assert (saved.stage, saved.status) == ("upper@save", govern.Status.QUARANTINED)
    assert sum(q.rows for q in saved.quarantine) == tiny_pipeline.QUARANTINED_ROWS
    # what was saved is what the gate let through
    upper = pd.read_csv(root / "data" / "upper.csv")
    assert len(upper) == 6 - tiny_pipeline.QUARANTINED_ROWS
    assert set(upper["country"]) <= {"DE", "FR", "NL"} and (upper["amount"] >= 0).all()


def test_a_catalog_gate_failure_names_the_dataset(tmp_path: Path) -> None:
    store, root, output = run(tmp_path, "--pipelines", "catalog", broken=True)
    assert not output.endswith("exit 0")
    assert "orders" in output and "stage 'orders@load'" in output and "order_id" in output
    (loaded,) = stages(store)
    assert loaded.status is govern.Status.FAILED and loaded.failed_checks
    with open_store(store, create=False) as opened:
        assert str(opened.runs()[0].status) == "failed"
    assert not (root / "data" / "upper.csv").exists()


def test_gates_declared_in_catalog_metadata_and_parameters(tmp_path: Path) -> None:
    store, root, output = run(tmp_path, "--pipelines", "declared")
    assert output.endswith("exit 0"), output
    loaded, saved = stages(store)
    assert (loaded.stage, loaded.status) == ("orders_meta@load", govern.Status.PASSED)
    assert any(c.column == "order_id" for c in loaded.checks) and not loaded.failed_checks
    (source,) = [d for d in loaded.datasets if d.role == "input"]
    assert source.ref.name == str((root / "data" / "orders.csv").resolve())
    assert (saved.stage, saved.status) == ("upper_params@save", govern.Status.QUARANTINED)
    assert sum(q.rows for q in saved.quarantine) == tiny_pipeline.QUARANTINED_ROWS
    # the hook replaced the node's output with what passed: only that was saved
    upper = pd.read_csv(root / "data" / "upper_params.csv")
    assert len(upper) == 6 - tiny_pipeline.QUARANTINED_ROWS


def test_a_declared_load_gate_failure_fails_the_node(tmp_path: Path) -> None:
    store, root, output = run(tmp_path, "--pipelines", "declared", broken=True)
    assert not output.endswith("exit 0")
    assert "stage 'orders_meta@load'" in output and "order_id" in output
    (loaded,) = stages(store)
    assert loaded.status is govern.Status.FAILED
    assert not (root / "data" / "upper_params.csv").exists()


def test_a_bad_declaration_names_the_dataset(tmp_path: Path) -> None:
    root = project.create(tmp_path)
    catalog = root / "conf" / "base" / "catalog.yml"
    catalog.write_text(
        catalog.read_text().replace("      on: load\n", "      on: load\n      when: always\n")
    )
    done = project.kedro_run(root, tmp_path / "s.db", tmp_path / "q", "--pipelines", "declared")
    assert done.returncode != 0
    assert "dataset 'orders_meta'" in done.stderr and "unknown: when" in done.stderr


SUITE = {
    "name": "tiny_orders",
    "expectations": [
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount", "min_value": 0.0},
            "severity": "critical",
        },
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "country", "value_set": ["DE", "FR", "NL"]},
            "severity": "critical",
        },
    ],
    "meta": {},
}


def test_the_validator_takes_a_gx_suite_file(tmp_path: Path) -> None:
    import json

    from govern.integrations.kedro import GovernValidator

    suite = tmp_path / "tiny_orders.json"
    suite.write_text(json.dumps(SUITE))
    validator = GovernValidator(checks=str(suite), on_fail="quarantine")
    frame = tiny_pipeline.source_frame()
    frame = frame.assign(country=frame["country"].str.upper())
    with parity.project_settings(tmp_path / "s.db", tmp_path / "q"):
        passed = validator.validate(frame)  # outside a kedro run: stage "validate"
        result = govern.last_result()
    assert len(passed) == 6 - tiny_pipeline.QUARANTINED_ROWS
    assert result is not None and result.stage == "validate"
    assert {c.backend for c in result.checks} == {"gx"}
    assert sum(q.rows for q in result.quarantine) == tiny_pipeline.QUARANTINED_ROWS


def test_the_validator_takes_a_stable_gate_from_the_record_history(tmp_path: Path) -> None:
    from govern.integrations.kedro import GovernValidator

    validator = GovernValidator(checks="tests.orchestrators.tiny_pipeline.STABLE", on_fail="warn")
    frame = tiny_pipeline.source_frame()
    outcomes = []
    with parity.project_settings(tmp_path / "s.db", tmp_path / "q"):
        # the same declared source every time: its history in the record grows
        bigger = govern.source(pd.concat([frame] * 20, ignore_index=True), tiny_pipeline.SOURCE_URI)
        for batch in (frame, frame, frame, bigger):
            if len(batch) > len(frame):  # the volume jumps twentyfold: an anomaly
                with pytest.warns(govern.GateWarning, match="stable:row_count"):
                    validator.validate(batch)
            else:
                validator.validate(batch)
            result = govern.last_result()
            assert result is not None
            (check,) = [c for c in result.checks if c.check == "stable:row_count"]
            outcomes.append(str(check.outcome))
    # too little history first (recorded as not run, never as passed), then judged
    assert outcomes == ["not_run", "not_run", "passed", "failed"]


def test_the_validator_names_what_to_fix() -> None:
    from govern.integrations.kedro import GovernValidator

    with pytest.raises(govern.GateDefinitionError, match=r"cannot import 'nowhere\.Schema'"):
        GovernValidator(checks="nowhere.Schema")
    with pytest.raises(govern.GateDefinitionError, match="on_fail"):
        GovernValidator(checks="tests.orchestrators.tiny_pipeline.Raw", on_fail="explode")
    with pytest.raises(govern.GateDefinitionError, match="dotted path"):
        GovernValidator(checks="Raw")
