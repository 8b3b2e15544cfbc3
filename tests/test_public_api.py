"""One public surface: govern.__all__ is sorted, complete and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import govern


def test_all_is_sorted_and_unique() -> None:
    assert list(govern.__all__) == sorted(set(govern.__all__))


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(govern).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("govern")
    }
    assert public | govern._LAZY_CLASSES == set(govern.__all__) - {"__version__"}
    for name in govern.__all__:
        assert hasattr(govern, name), name


def test_contract_names_exist() -> None:
    for name in (
        "stage",
        "run",
        "Gate",
        "StageResult",
        "CheckResult",
        "GovernError",
        "GateError",
        "last_result",
        "read_csv",
        "read_parquet",
        "source",
        "model",
        "log_metrics",
        "log_params",
        "Stable",
    ):
        assert name in govern.__all__


def test_import_govern_loads_no_heavy_backend() -> None:
    code = (
        "import sys, govern\n"
        "heavy = ['pandas', 'pyarrow', 'pandera', 'great_expectations', 'sqlalchemy', "
        "'openlineage', 'jinja2', 'polars', 'typer', 'govern.contracts', 'duckdb']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_version_matches_package_metadata() -> None:
    from importlib.metadata import version

    assert govern.__version__ == version("govern")
