"""The Dagster definitions of docs/orchestrators.md materialize as written."""

from __future__ import annotations

import runpy
from pathlib import Path

import dagster as dg
import pandas as pd

import govern
from govern.store import open_store
from tests.orchestrators import docfiles


def test_the_documented_definitions_materialize(isolated_project: Path) -> None:
    ((_language, code),) = [b for b in docfiles.blocks("Dagster") if b[0] == "python"]
    script = isolated_project / "orders_assets.py"
    script.write_text(code)
    (isolated_project / "data").mkdir()
    pd.DataFrame({"order_id": [1, 2, 3], "amount": [10.0, -5.0, 7.5]}).to_parquet(
        isolated_project / "data" / "orders.parquet"
    )
    defs = runpy.run_path(str(script))["defs"]
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(list(defs.assets), resources=defs.resources, instance=instance)
    assert result.success
    assert result.output_for_node("total")["total"].tolist() == [17.5]
    with open_store() as store:
        (run,) = store.runs()
        stages = store.stage_runs(run.id)
    assert run.name == "orders"
    assert [(s.stage, s.status) for s in stages] == [
        ("clean", govern.Status.QUARANTINED),
        ("total", govern.Status.PASSED),
    ]
    checks = {
        (e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()
    }
    assert checks == {("clean", "output"): False, ("total", "input_orders"): True}
