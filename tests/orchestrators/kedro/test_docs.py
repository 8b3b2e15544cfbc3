"""The Kedro project of docs/orchestrators.md runs as written, under ``kedro run``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import govern
from govern.store import open_store
from tests.orchestrators import docfiles
from tests.orchestrators.kedro import project


def test_the_documented_project_runs(tmp_path: Path) -> None:
    root = tmp_path / "orders"
    written = docfiles.write_files("Kedro", root)
    assert {p.relative_to(root).as_posix() for p in written} == {
        "pyproject.toml",
        "src/orders_project/settings.py",
        "src/orders_project/pipeline_registry.py",
        "conf/base/catalog.yml",
    }
    (root / "src" / "orders_project" / "__init__.py").write_text("")
    (root / "conf" / "local").mkdir()
    (root / "data").mkdir()
    pd.DataFrame({"order_id": [1, 2, 3], "amount": [10.0, -5.0, 7.5]}).to_parquet(
        root / "data" / "orders.parquet"
    )
    done = project.kedro_run(root, tmp_path / "s.db", tmp_path / "q")
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(root / "data" / "total.csv")["total"].tolist() == [17.5]
    with open_store(str(tmp_path / "s.db"), create=False) as store:
        (run,) = store.runs()
        stages = store.stage_runs(run.id)
    assert run.name == "orders"
    assert [(s.stage, s.status) for s in stages] == [
        ("orders@load", govern.Status.PASSED),
        ("clean", govern.Status.QUARANTINED),
        ("total", govern.Status.PASSED),
    ]
    (source,) = [d for d in stages[0].datasets if d.role == "input"]
    assert source.ref.name == str((root / "data" / "orders.parquet").resolve())
