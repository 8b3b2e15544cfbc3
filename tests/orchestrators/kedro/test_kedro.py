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
