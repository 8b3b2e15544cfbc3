"""govern inside orchestrators: each integration joins a govern run to the orchestrator's run.

- ``govern.integrations.airflow``: ``governed(pipeline)`` for Airflow 3 tasks (TaskFlow or
  ``PythonOperator``): the task's OpenLineage run is the govern run's parent, gate
  failures fail the task, quarantine counts and the run id go to XCom and the task log.
- ``govern.integrations.prefect``: ``governed(pipeline)`` for Prefect 3 flows and tasks:
  the flow (or task) run is the govern run's parent, gate failures fail it, a table
  artifact carries the stage summary.
- ``govern.integrations.dagster``: ``governed_asset(stage)`` and ``GovernResource``: gates
  as asset checks, one govern run per Dagster run (its OpenLineage parent), dataset
  version and quarantine counts in the materialization metadata.
- ``govern.integrations.kedro``: ``GovernHooks`` (one govern run per ``kedro run``, nodes
  as stages, catalog gates declared in metadata or parameters) and ``GovernValidator``
  (Kedro's catalog ``Validator`` protocol).

The Airflow and Prefect modules import their orchestrator only when a governed function
runs, so neither ``import govern`` nor decorating a function needs the orchestrator
installed; the Dagster and Kedro modules import theirs on import (only Dagster
definitions and Kedro projects import them). Install ``govern[airflow]``,
``govern[prefect]``, ``govern[dagster]`` or ``govern[kedro]``. See docs/orchestrators.md.
"""
