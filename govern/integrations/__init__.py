"""govern inside orchestrators: each integration joins a govern run to the orchestrator's run.

- ``govern.integrations.airflow``: ``governed(pipeline)`` for Airflow 3 tasks (TaskFlow or
  ``PythonOperator``): the task's OpenLineage run is the govern run's parent, gate
  failures fail the task, quarantine counts and the run id go to XCom and the task log.
- ``govern.integrations.prefect``: ``governed(pipeline)`` for Prefect 3 flows and tasks:
  the flow (or task) run is the govern run's parent, gate failures fail it, a table
  artifact carries the stage summary.

Each module imports its orchestrator only when a governed function runs, so neither
``import govern`` nor decorating a function needs the orchestrator installed. Install
``govern[airflow]`` or ``govern[prefect]``. See docs/orchestrators.md.
"""
