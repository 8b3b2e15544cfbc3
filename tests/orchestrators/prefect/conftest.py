"""Prefect 3 under test: prefect_test_harness, a local ephemeral API server, once a session.

The harness runs Prefect's API server on 127.0.0.1 with a temporary SQLite database; no
network, no Prefect Cloud. Telemetry is off (it would also write to that database).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.orchestrators.conftest import require

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
require("prefect", "GOVERN_TEST_REQUIRE_PREFECT")


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
