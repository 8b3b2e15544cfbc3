"""A local Spark session for the Spark tests (they run in .venv-spark: scripts/test-spark.sh).

In the main environment pyspark is absent and every module here skips itself. With
GOVERN_TEST_REQUIRE_SPARK=1 (set by scripts/test-spark.sh) a missing pyspark is an error,
so the Spark run can never pass by skipping everything.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# pyspark.pandas (imported by pandera's pyspark backend) warns without this
os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
# Python workers run this interpreter (the venv's), not whatever python3 is on PATH
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

if os.environ.get("GOVERN_TEST_REQUIRE_SPARK") == "1" and (
    importlib.util.find_spec("pyspark") is None
):
    raise RuntimeError("GOVERN_TEST_REQUIRE_SPARK=1 but pyspark is not installed")


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """local[2], 2 shuffle partitions, no UI, bound to 127.0.0.1."""
    from pyspark.sql import SparkSession

    scratch: Path = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("govern-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.local.dir", str(scratch / "local"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
