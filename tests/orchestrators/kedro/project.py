"""A tiny Kedro project written file by file (no ``kedro new``: its templates need network)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

from tests.orchestrators import parity, tiny_pipeline

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = "tiny_kedro"

# the user's glue: two lines in settings.py (the pipeline registry is Kedro's own)
SETTINGS = """\
from govern.integrations.kedro import GovernHooks
HOOKS = (GovernHooks(pipeline="tiny"),)
"""

REGISTRY = """\
from kedro.pipeline import Pipeline, node

from tests.orchestrators import tiny_pipeline


def raw(broken):
    return tiny_pipeline.source_frame(broken=broken)


def upper(orders):
    return orders.assign(country=orders["country"].str.upper())


def register_pipelines():
    return {
        "__default__": Pipeline(
            [
                node(raw, "params:broken", "raw", name="raw"),
                node(tiny_pipeline.load, "raw", "loaded", name="load"),
                node(tiny_pipeline.clean, "loaded", "cleaned", name="clean"),
                node(tiny_pipeline.summarize, "cleaned", "summary", name="summarize"),
            ]
        ),
        "catalog": Pipeline([node(upper, "orders", "upper", name="upper")]),
        "declared": Pipeline([node(upper, "orders_meta", "upper_params", name="upper")]),
    }
"""

CATALOG = """\
summary:
  type: pandas.CSVDataset
  filepath: data/summary.csv

orders:
  type: pandas.CSVDataset
  filepath: data/orders.csv
  validator:
    class: govern.integrations.kedro.GovernValidator
    on: [load]
    options:
      checks: tests.orchestrators.tiny_pipeline.Raw

upper:
  type: pandas.CSVDataset
  filepath: data/upper.csv
  validator:
    class: govern.integrations.kedro.GovernValidator
    on: [save]
    options:
      checks: tests.orchestrators.tiny_pipeline.Clean
      on_fail: quarantine

orders_meta:
  type: pandas.CSVDataset
  filepath: data/orders.csv
  metadata:
    govern:
      checks: tests.orchestrators.tiny_pipeline.Raw
      on: load

upper_params:
  type: pandas.CSVDataset
  filepath: data/upper_params.csv
"""

# gates declared in parameters (catalog metadata above: orders_meta)
PARAMETERS = """govern:
  upper_params:
    checks: [tests.orchestrators.tiny_pipeline.Clean]
    on: [save]
    on_fail: quarantine
"""


def create(directory: Path, *, broken: bool = False) -> Path:
    """The project's files under ``directory``; returns the project's root."""
    root = directory / "tiny-kedro"
    package = root / "src" / PACKAGE
    package.mkdir(parents=True)
    (root / "conf" / "base").mkdir(parents=True)
    (root / "conf" / "local").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [tool.kedro]
            package_name = "{PACKAGE}"
            project_name = "tiny-kedro"
            kedro_init_version = "1.0.0"
            source_dir = "src"
            """
        )
    )
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS)
    (package / "pipeline_registry.py").write_text(REGISTRY)
    (root / "conf" / "base" / "catalog.yml").write_text(CATALOG)
    (root / "conf" / "base" / "parameters.yml").write_text(
        f"broken: {str(broken).lower()}\n{PARAMETERS}"
    )
    frame = pd.DataFrame(tiny_pipeline.source_frame(broken=broken))
    frame.attrs.clear()
    frame.to_csv(root / "data" / "orders.csv", index=False)
    return root


def kedro_run(
    root: Path, store: Path, quarantine: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``kedro run ARGS`` in the project, govern configured by GOVERN_* variables."""
    env = {
        **os.environ,
        **parity.env_for(store, quarantine),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "kedro", "run", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
