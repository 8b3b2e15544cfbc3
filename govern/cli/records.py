"""``govern runs``, ``govern models`` and ``govern verify``: read the audit record.

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
    EXIT_FAILED,
    StoreOption,
    app,
    fail,
    reading_store,
)

if TYPE_CHECKING:
    from rich.console import Console

    from govern.types import ModelVersion, RunInfo, StageResult

__all__ = ["models_app", "runs_app"]


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
models_app = typer.Typer(
    name="models",
    help="List recorded model versions; `models show NAME@VERSION` (or NAME) for one.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(runs_app)
app.add_typer(models_app)


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
    store_url: StoreOption = None,
) -> None:
    """List recorded pipeline runs, newest first."""
    fmt = _format(output)
    if limit < 1:
        raise fail(f"--limit must be 1 or more, not {limit}", EXIT_CONFIG)
    if ctx.invoked_subcommand is not None:
        return
    from govern.store.codec import encode_run

    with reading_store(store_url) as store:
        found = store.runs(limit=limit, pipeline=pipeline)
        stages = {run.id: store.stage_runs(run.id) for run in found}
        where = store.location
    if fmt is OutputFormat.JSON:
        _print_json(
            [
                {
                    **encode_run(run),
                    "stages": len(stages[run.id]),
                    "stages_failed": sum(1 for s in stages[run.id] if not s.passed),
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
    for run in found:
        failed = sum(1 for s in stages[run.id] if not s.passed)
        table.add_row(
            run.id[:12],
            _escape(run.name),
            _status(run.status),
            _when(run.started_at),
            _seconds(_run_seconds(run)),
            str(len(stages[run.id])),
            f"[red]{failed}[/red]" if failed else "0",
        )
    console.print(table)
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
            _status(stage.status) + ("" if stage.gated else " (no gates)"),
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


# -- govern models --------------------------------------------------------------------


@models_app.callback()
def models(
    ctx: typer.Context,
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """List recorded model versions."""
    fmt = _format(output)
    if ctx.invoked_subcommand is not None:
        return
    from govern.store.codec import encode_model

    with reading_store(store_url) as store:
        found = store.models()
        where = store.location
    if fmt is OutputFormat.JSON:
        _print_json([encode_model(m) for m in found])
        return
    console = _console()
    if not found:
        console.print(f"No models recorded yet in {_escape(where)}.")
        return
    from rich.table import Table

    table = Table(title=f"Models in {_escape(where)}", title_justify="left")
    for column in ("MODEL", "VERSION", "FRAMEWORK", "CLASS", "CREATED", "RUN", "METRICS"):
        table.add_column(column, no_wrap=column in ("RUN", "CREATED"))
    for m in found:
        table.add_row(
            _escape(m.name),
            str(m.version),
            _escape(m.framework or "-"),
            _escape((m.model_class or "-").rsplit(".", 1)[-1]),
            _when(m.created_at),
            m.run_id[:12],
            _escape(_brief(m.metrics)),
        )
    console.print(table)
    console.print(_escape("`govern models show NAME[@VERSION]` shows one version."))


def _parse_model_ref(text: str) -> tuple[str, int | None]:
    name, at, version = text.rpartition("@")
    if not at:
        return text, None
    if version == "latest":
        return name, None
    if version.isdigit() and name:
        return name, int(version)
    raise fail(
        f"{text!r} is not NAME or NAME@VERSION (VERSION a whole number or latest)", EXIT_CONFIG
    )


@models_app.command("show")
def models_show(
    ref: Annotated[
        str, typer.Argument(metavar="NAME[@VERSION]", help="NAME, NAME@VERSION or NAME@latest.")
    ],
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """Show one model version (the latest unless @VERSION is given)."""
    fmt = _format(output)
    from govern.store.codec import encode_model

    name, version = _parse_model_ref(ref)
    with reading_store(store_url) as store:
        model = store.model(name, version)
        used_by = store.model_usages(model.name, model.version)
    if fmt is OutputFormat.JSON:
        _print_json(
            {
                "model": encode_model(model),
                "used_by": [
                    {"run_id": s.run_id, "stage": s.stage, "stage_run_id": s.stage_run_id}
                    for s in used_by
                ],
            }
        )
        return
    _show_model(model, used_by)


def _show_model(m: ModelVersion, used_by: list[StageResult]) -> None:
    from rich.table import Table

    console = _console()
    console.print(f"[bold]Model {_escape(str(m.ref))}[/bold]")
    fields: list[tuple[str, str]] = [
        ("framework", m.framework or "-"),
        ("class", m.model_class or "-"),
        ("artifact", m.artifact_fingerprint or "-"),
        ("created", _when(m.created_at)),
        ("run", m.run_id),
        ("stage run", m.stage_run_id),
    ]
    for key, value in fields:
        console.print(f"  {key:<10} {_escape(value)}")
    sections: list[tuple[str, Mapping[str, Any]]] = [
        ("Hyperparameters", m.hyperparameters),
        ("Metrics", m.metrics),
        ("Card", m.card),
    ]
    for title, values in sections:
        if values:
            _key_values(console, title, values)
    if m.slices:
        slices = Table(title="Slices", title_justify="left")
        slices.add_column("SLICE")
        slices.add_column("METRICS")
        for name, values in m.slices.items():
            slices.add_row(_escape(name), _escape(_brief(values, limit=8)))
        console.print(slices)
    if m.input_signature:
        console.print(
            "[bold]Input signature[/bold]  "
            + _escape(", ".join(f"{c}: {t}" for c, t in m.input_signature))
        )
    if m.training_datasets:
        data = Table(title="Training datasets", title_justify="left")
        for column in ("DATASET", "PARAMETER", "ROWS", "FINGERPRINT"):
            data.add_column(column)
        for d in m.training_datasets:
            data.add_row(
                _escape(d.ref.qualified_name),
                _escape(d.parameter),
                "-" if d.row_count is None else str(d.row_count),
                _escape(d.fingerprint or "-"),
            )
        console.print(data)
    if used_by:
        console.print("[bold]Used by[/bold]")
        for s in used_by:
            console.print(f"  stage {_escape(s.stage)} of run {s.run_id} ({_status(s.status)})")


def _key_values(console: Console, title: str, values: Mapping[str, Any]) -> None:
    console.print(f"[bold]{title}[/bold]")
    for key, value in values.items():
        if isinstance(value, float):
            text = _number(value)
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, default=str)
        console.print(f"  {_escape(str(key))}: {_escape(text)}")


# -- govern verify --------------------------------------------------------------------


@app.command("verify")
def verify(
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """Recompute the record's hash chain and check every index row against it.

    Exit 0 when the record is intact, 1 naming the first bad record, 3 without a store.
    """
    fmt = _format(output)
    from dataclasses import asdict

    with reading_store(store_url) as store:
        report = store.verify()
        where = store.location
    if fmt is OutputFormat.JSON:
        _print_json({"store": where, **asdict(report)})
    elif report.ok:
        head = f"; chain head {report.head_hash}" if report.head_hash else ""
        typer.echo(f"{where}: {report.message}{head}")
    else:
        typer.echo(f"{where}: {report.message}")
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)
