"""``govern runs``: read the audit record's runs.

Also the output helpers the other reading commands share (``govern models`` in
cli/models.py, ``govern verify`` in cli/integrity.py).

Reading never creates a store: where none exists these commands exit 3.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govern.cli.app import (
    EXIT_CONFIG,
    StoreOption,
    app,
    fail,
    reading_store,
)

if TYPE_CHECKING:
    from rich.console import Console

    from govern.types import RunInfo, StageResult

__all__ = ["FormatOption", "OutputFormat", "runs_app"]


class OutputFormat(enum.StrEnum):
    """How a command prints: a table for people, JSON for programs."""

    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[
    str, typer.Option("--format", "-f", metavar="[table|json]", help="table (default) or json.")
]

runs_app = typer.Typer(
    name="runs",
    help="List recorded pipeline runs; `runs show RUN_ID` for one run.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(runs_app)


# -- plumbing -------------------------------------------------------------------------


def _format(value: str) -> OutputFormat:
    # validated here (not by typer) so a bad value is a clean usage error, exit 2
    try:
        return OutputFormat(value.lower())
    except ValueError:
        raise fail(f"--format must be table or json, not {value!r}", EXIT_CONFIG) from None


def _console() -> Console:
    from rich.console import Console

    # piped output (CI logs, files) gets room instead of rich's 80-column default
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True, allow_nan=False))


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    local = value.astimezone() if value.tzinfo is not None else value
    return local.strftime("%Y-%m-%d %H:%M:%S")


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"


def _run_seconds(run: RunInfo) -> float | None:
    return None if run.ended_at is None else (run.ended_at - run.started_at).total_seconds()


_STATUS_STYLE = {
    "passed": "green",
    "completed": "green",
    "warned": "yellow",
    "quarantined": "yellow",
    "running": "cyan",
    "failed": "red",
    "aborted": "red",
}


def _checks_cell(stage: StageResult) -> str:
    """Failed / total checks, and those that could not run (never counted as ok)."""
    if not stage.gated:
        return "no gates"
    failed, not_run = len(stage.failed_checks), len(stage.not_run_checks)
    text = f"{failed} failed / {len(stage.checks)}" if failed else f"{len(stage.checks)} ok"
    return text + (f", {not_run} not run" if not_run else "")


def _stage_status(stage: StageResult) -> str:
    """A stage's status line; a call that checked nothing never reads as "passed"."""
    if stage.gated:
        return _status(stage.status)
    if stage.status == "passed":
        return "[yellow]no gates[/yellow] (nothing checked)"
    return _status(stage.status) + " (no gates)"


def _status(value: str) -> str:
    style = _STATUS_STYLE.get(str(value), "")
    return f"[{style}]{value}[/{style}]" if style else str(value)


def _brief(values: Mapping[str, Any], limit: int = 4) -> str:
    items = [f"{k}={_number(v)}" for k, v in list(values.items())[:limit]]
    if len(values) > limit:
        items.append("...")
    return ", ".join(items) or "-"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# -- govern runs ----------------------------------------------------------------------


@runs_app.callback()
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest N runs.")] = 20,
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", help="Only runs of this pipeline.")
    ] = None,
    output: FormatOption = "table",
    imported: Annotated[
        bool, typer.Option("--imported", help="Runs of imported OpenLineage events instead.")
    ] = False,
    producer: Annotated[
        str | None,
        typer.Option("--producer", help="Imported runs whose producer URL contains this."),
    ] = None,
    store_url: StoreOption = None,
) -> None:
    """List recorded pipeline runs, newest first."""
    fmt = _format(output)
    if not 1 <= limit <= 1_000_000_000:
        raise fail(f"--limit must be between 1 and 1000000000, not {limit}", EXIT_CONFIG)
    if ctx.invoked_subcommand is not None:
        return
    if imported or producer is not None:  # other producers' runs (govern lineage import)
        from govern.cli.lineage_nodes import imported_runs

        imported_runs(store_url, producer, limit, json=fmt is OutputFormat.JSON)
        return
    from govern.store.codec import encode_run

    with reading_store(store_url) as store:
        found = store.runs(limit=limit, pipeline=pipeline)
        stages = store.stage_runs_by_run([run.id for run in found])  # one batched read
        clocks = store.clock_anomalies([run.id for run in found])
        where = store.location
    if fmt is OutputFormat.JSON:
        _print_json(
            [
                {
                    **encode_run(run),
                    "stages": len(stages[run.id]),
                    "stages_failed": sum(1 for s in stages[run.id] if not s.passed),
                    "clock_anomaly": clocks.get(run.id),
                }
                for run in found
            ]
        )
        return
    console = _console()
    if not found:
        console.print(f"No runs recorded yet in {_escape(where)}.")
        return
    from rich.table import Table

    table = Table(title=f"Runs in {_escape(where)}", title_justify="left")
    for column in ("RUN", "PIPELINE", "STATUS", "STARTED", "DURATION", "STAGES", "FAILED"):
        table.add_column(column, no_wrap=column in ("RUN", "STARTED"))
    for run in found:  # newest first, by the record's order
        failed = sum(1 for s in stages[run.id] if not s.passed)
        table.add_row(
            run.id[:12],
            _escape(run.name),
            _status(run.status),
            _when(run.started_at) + (" [yellow]clock?[/yellow]" if run.id in clocks else ""),
            _seconds(_run_seconds(run)),
            str(len(stages[run.id])),
            f"[red]{failed}[/red]" if failed else "0",
        )
    console.print(table)
    for run_id, why in clocks.items():
        console.print(f"[yellow]clock anomaly[/yellow]: run {run_id[:12]} {_escape(why)}")
    if clocks:
        console.print("Runs are ordered by the record (the chain), not by these times.")
    console.print("`govern runs show RUN_ID` (or `latest`) shows one run.")


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="A run id, a unique prefix of one, or latest.")],
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """Show one run: its stages, statuses, failing checks, quarantine and timings."""
    fmt = _format(output)
    from govern.store.codec import encode_run, encode_stage

    with reading_store(store_url) as store:
        run = store.run(run_id)
        stages = store.stage_runs(run.id)
    if fmt is OutputFormat.JSON:
        _print_json({"run": encode_run(run), "stages": [encode_stage(s) for s in stages]})
        return
    _show_run(run, stages)


def _show_run(run: RunInfo, stages: list[StageResult]) -> None:
    from rich.table import Table

    from govern.errors import describe_check

    console = _console()
    env = run.environment
    git = env.get("git") if isinstance(env.get("git"), Mapping) else None
    ci = env.get("ci") if isinstance(env.get("ci"), Mapping) else None
    console.print(f"[bold]Run {run.id}[/bold]  {_escape(run.name)}  {_status(run.status)}")
    console.print(
        f"started {_when(run.started_at)}  ended {_when(run.ended_at)}  "
        f"duration {_seconds(_run_seconds(run))}  host {_escape(str(run.host or '-'))}  "
        f"pid {run.pid or '-'}"
    )
    if git:
        dirty = " (dirty)" if git.get("dirty") else ""
        console.print(f"git {git.get('commit', '-')}{dirty}")
    if ci:
        console.print(f"ci {ci.get('system')} job {ci.get('job_id')} {ci.get('url') or ''}")
    if not stages:
        console.print("No stages recorded.")
        return
    table = Table(title="Stages", title_justify="left")
    for column in ("#", "STAGE", "STATUS", "DURATION", "CHECKS", "QUARANTINED", "MODEL", "ERROR"):
        table.add_column(column)
    for number, stage in enumerate(stages, 1):
        quarantined = sum(q.rows for q in stage.quarantine)
        table.add_row(
            str(number),
            _escape(stage.stage),
            _stage_status(stage),
            _seconds(stage.duration_s),
            _checks_cell(stage),
            f"{quarantined} rows" if stage.quarantine else "-",
            str(stage.model.ref) if stage.model else "-",
            _escape((stage.error or "-").splitlines()[0][:60]),
        )
    console.print(table)
    phases = sorted({p for s in stages for p in s.timings})
    if phases:
        timings = Table(title="Timings", title_justify="left")
        timings.add_column("STAGE")
        for phase in phases:
            timings.add_column(phase.upper(), justify="right")
        for stage in stages:
            timings.add_row(
                _escape(stage.stage),
                *(_seconds(stage.timings.get(p)) for p in phases),
            )
        console.print(timings)
    failing = [(s, c) for s in stages for c in s.failed_checks]
    if failing:
        console.print("[bold]Failing checks[/bold]")
        for stage, check in failing:
            console.print(f"  {_escape(stage.stage)}: {_escape(describe_check(check))}")
    quarantine = [(s, q) for s in stages for q in s.quarantine]
    if quarantine:
        console.print("[bold]Quarantine[/bold]")
        for stage, q in quarantine:
            console.print(
                f"  {_escape(stage.stage)}: {q.rows} row(s) of {_escape(q.dataset)} "
                f"in {_escape(q.path)}"
            )
