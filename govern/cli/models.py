"""``govern models``: list recorded model versions and show one.

Reading never creates a store: where none exists these commands exit 3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govern.cli.app import EXIT_CONFIG, StoreOption, app, fail, reading_store
from govern.cli.records import (
    FormatOption,
    OutputFormat,
    _brief,
    _console,
    _escape,
    _format,
    _number,
    _print_json,
    _status,
    _when,
)

if TYPE_CHECKING:
    from rich.console import Console

    from govern.types import ModelVersion, StageResult

__all__ = ["models_app"]

models_app = typer.Typer(
    name="models",
    help="List recorded model versions; `models show NAME@VERSION` (or NAME) for one.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(models_app)


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
    if version.isascii() and version.isdigit() and name:
        if len(version) > 9:  # versions are 32-bit on PostgreSQL; none is this large
            raise fail(f"{text!r}: VERSION {version[:20]}... is too large", EXIT_CONFIG)
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
        ("Params (govern.log_params)", m.params),
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
    for title, versions in (
        ("Training datasets", m.training_datasets),
        ("Evaluation datasets", m.evaluation_datasets),
    ):
        if not versions:
            continue
        data = Table(title=title, title_justify="left")
        for column in ("DATASET", "PARAMETER", "ROWS", "FINGERPRINT"):
            data.add_column(column)
        for d in versions:
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
