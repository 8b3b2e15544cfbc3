"""govern.integrations in the main venv: lazy imports, clear errors, the shared summary."""

from __future__ import annotations

import importlib.util

import pytest

import govern
from govern.integrations.common import lineage_parent, summarize
from tests.conftest import python_ok
from tests.orchestrators import tiny_pipeline

RUN = "01a2b3c4-0000-7000-8000-000000000001"
ROOT = "01a2b3c4-0000-7000-8000-000000000002"


def test_import_govern_loads_no_integration_and_decorating_needs_no_orchestrator() -> None:
    code = (
        "import sys, govern\n"
        "assert not [m for m in sys.modules if m.startswith('govern.integrations')]\n"
        "from govern.integrations.airflow import governed as a\n"
        "from govern.integrations.prefect import governed as p\n"
        "a('tiny')(lambda: 1); p()(lambda: 1); p('tiny')(lambda: 1)\n"
        "heavy = [m for m in ('airflow', 'prefect', 'pandas', 'sqlalchemy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    python_ok(code)


@pytest.mark.parametrize("name", ["airflow", "prefect"])
def test_a_governed_call_without_the_orchestrator_names_the_extra(name: str) -> None:
    if importlib.util.find_spec(name) is not None:
        pytest.skip(f"{name} is installed here")
    module = importlib.import_module(f"govern.integrations.{name}")
    wrapped = module.governed("tiny")(lambda: 1)
    with pytest.raises(govern.MissingDependencyError, match=rf"pip install 'govern\[{name}\]'"):
        wrapped()


@pytest.mark.parametrize("name", ["airflow", "prefect"])
def test_a_bad_pipeline_name_fails_at_decoration(name: str) -> None:
    module = importlib.import_module(f"govern.integrations.{name}")
    with pytest.raises(govern.GovernError, match="pipeline name"):
        module.governed("bad\x00name")


def test_the_parent_is_validated_like_the_environment_variables() -> None:
    found = lineage_parent(("ns", "dag.task", RUN), ("ns", "dag", ROOT))
    assert found == {
        "parent": {"namespace": "ns", "name": "dag.task", "run_id": RUN},
        "root": {"namespace": "ns", "name": "dag", "run_id": ROOT},
    }
    assert lineage_parent(("ns", "flow", RUN))["root"]["run_id"] == RUN
    for parent, root in (
        (("ns", "dag.task", "not-a-uuid"), None),
        (("", "dag.task", RUN), None),
        (("ns", "dag.task", RUN), ("ns", "dag", "42")),
    ):
        with pytest.raises(govern.GovernError, match="not an OpenLineage parent run"):
            lineage_parent(parent, root)


def test_the_summary_counts_what_the_run_recorded() -> None:
    with govern.run(tiny_pipeline.PIPELINE) as run:
        tiny_pipeline.stages(tiny_pipeline.source_frame())
    summary = summarize(run)
    assert (summary.run_id, summary.pipeline, summary.status) == (run.id, "tiny", "completed")
    assert summary.quarantined == {"tiny.clean.return": tiny_pipeline.QUARANTINED_ROWS}
    rows = [s.row() for s in summary.stages]
    assert [r["stage"] for r in rows] == list(tiny_pipeline.STAGES)
    for row, result in zip(rows, run.stages, strict=True):
        assert row["checks_passed"] == len(result.checks) - len(result.failed_checks)
        assert row["checks_failed"] == len(result.failed_checks)
        assert row["rows_quarantined"] == sum(q.rows for q in result.quarantine)
    assert summary.lines()[0].endswith("completed, 3 stage call(s), 2 row(s) quarantined")
    assert "`tiny.clean.return`: 2 row(s) quarantined" in summary.markdown()


def test_a_run_given_a_parent_records_it_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from govern.integrations.common import governed_run
    from govern.store import open_store

    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", f"env/other.task/{ROOT}")
    given = lineage_parent(("ns", "dag.task", RUN), ("ns", "dag", ROOT))
    with governed_run("tiny", given) as run:
        tiny_pipeline.stages(tiny_pipeline.source_frame())
    with open_store() as store:
        assert store.run(run.id).environment["openlineage_parent"] == given


def test_a_report_the_orchestrator_refuses_is_a_warning_not_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from govern.integrations.common import report

    def refused() -> None:
        raise ConnectionError("API unreachable")

    with caplog.at_level("WARNING", logger="govern.integrations"):
        report(refused)
    assert "could not report the run to the orchestrator: API unreachable" in caplog.text
    sent: list[int] = []
    report(lambda: sent.append(1))
    assert sent == [1]


@pytest.mark.parametrize("name", ["airflow", "prefect"])
def test_an_async_function_is_refused_at_decoration(name: str) -> None:
    module = importlib.import_module(f"govern.integrations.{name}")

    async def flow() -> None:
        return None

    with pytest.raises(govern.GovernError, match="is a coroutine function"):
        module.governed("tiny")(flow)
