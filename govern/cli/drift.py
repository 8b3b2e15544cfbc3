"""``govern drift NODE``: how a dataset's latest (or a chosen) version drifted, per column.

Reads only the record: each version's monitoring summary (``govern.monitoring``). The
reference is the version before ``--to`` (default), ``--from VERSION``, or the
``--window N`` versions before it pooled. Thresholds come from ``--threshold NAME=VALUE``
over ``[tool.govern.drift]`` over the defaults (``govern.monitoring.drift.Thresholds``).
Exit codes: 0 no threshold crossed; 1 one was; 2 a usage error, an unknown dataset (with
the closest names) or version; 3 no store, or too few versions with a summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from govern.cli.app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_CONFIG,
    EXIT_FAILED,
    StoreOption,
    app,
    fail,
    reading_store,
)
from govern.cli.lineage import _node
from govern.cli.records import FormatOption, OutputFormat, _format, _print_json

if TYPE_CHECKING:
    from govern.monitoring.drift import ColumnDrift, Drift, Thresholds

__all__: list[str] = []

DatasetArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="NODE", help="The dataset: dataset:NS:NAME (`govern lineage ls` lists them)."
    ),
]


def _thresholds(options: list[str]) -> Thresholds:
    from govern.config import settings
    from govern.errors import ConfigError
    from govern.monitoring.drift import Thresholds

    items: dict[str, str] = {}
    for option in options:
        for part in option.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise fail(
                    "--threshold takes NAME=VALUE (psi, ks, js, rows, nulls, schema), "
                    f"not {part!r}",
                    EXIT_CONFIG,
                )
            items[key.strip()] = value.strip()
    try:
        configured = Thresholds.parse(settings().drift, "pyproject.toml [tool.govern.drift]")
        return Thresholds.parse(items, "--threshold", configured)
    except ConfigError as err:
        raise fail(str(err), EXIT_CONFIG) from None


@app.command("drift")
def drift(
    node: DatasetArgument = None,
    version_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="VERSION",
            help="The reference version (default: the one before --to).",
        ),
    ] = None,
    version_to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="VERSION",
            help="The version judged: a version (prefix), latest, latest~N or #N.",
        ),
    ] = "latest",
    window_size: Annotated[
        int | None,
        typer.Option("--window", "-w", metavar="N", help="Pool the N versions before --to."),
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            "-t",
            metavar="NAME=VALUE",
            help="psi, ks, js, rows, nulls (a number or none), schema (true/false); "
            "repeat or separate with commas. Default: [tool.govern.drift], then psi=0.2 "
            "js=0.1 rows=0.3 nulls=0.05 schema=true.",
        ),
    ] = None,
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """Per-column drift of a dataset between two versions, or a version and its window."""
    from govern.errors import LineageError, VersionNotFoundError
    from govern.lineage.graph import lineage
    from govern.monitoring import drift as measures
    from govern.monitoring.recorded import pick, sightings

    fmt = _format(output)
    if version_from is not None and window_size is not None:
        raise fail("give --from or --window, not both", EXIT_CONFIG)
    if window_size is not None and window_size < 1:
        raise fail(f"--window must be 1 or more, not {window_size}", EXIT_CONFIG)
    limits = _thresholds(threshold or [])
    root = _node(None, node, None, None, None)
    if root.kind != "dataset":
        raise fail(f"drift is about a dataset (dataset:NS:NAME), not a {root.kind}", EXIT_CONFIG)
    with reading_store(store_url) as store:
        root = _node(store, node, None, None, None)
        try:  # the dataset as recorded (a symlink's target), or the closest names
            root = lineage(store, root, depth=0).root or root
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
        usages = store.dataset_usages(root.name, root.namespace)
        try:
            history = sightings(usages, root.namespace, root.name)
        except ValueError as err:  # a summary of a newer format than this govern reads
            raise fail(f"{root}: {err}", EXIT_CANNOT_EVALUATE) from None
    if not history:
        raise fail(
            f"no version of {root} has a monitoring summary in the record", EXIT_CANNOT_EVALUATE
        )
    try:
        current = pick(history, version_to)
        if version_from is not None:
            before = [pick(history, version_from)]
        else:
            before = list(history[max(0, current.index - (window_size or 1)) : current.index])
    except VersionNotFoundError as err:
        raise fail(f"{root}: {err}", EXIT_CONFIG) from None
    if not before:
        raise fail(
            f"{root}: version {current.label} is the first recorded; nothing to compare it with",
            EXIT_CANNOT_EVALUATE,
        )
    if window_size is None:
        reference = measures.of_summary(before[0].summary, before[0].label)
    else:
        reference = measures.window([s.summary for s in before], [s.label for s in before])
    found = measures.compare(reference, measures.of_summary(current.summary, current.label), limits)
    if fmt is OutputFormat.JSON:
        _print_json({"node": str(root), **found.to_dict()})
    else:
        _print_table(str(root), found)
    if found.crossed:
        raise typer.Exit(EXIT_FAILED)


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


def _nulls(column: ColumnDrift) -> str:
    before, after = column.null_fraction_before, column.null_fraction_after
    if before is None and after is None:
        return "-"
    shown = [("-" if v is None else f"{v:.1%}") for v in (before, after)]
    return f"{shown[0]} -> {shown[1]}"


def _type(column: ColumnDrift) -> str:
    if column.change == "retyped":
        return f"{column.type_before} -> {column.type_after}"
    return str(column.type_after or column.type_before)


def _print_table(node: str, found: Drift) -> None:
    from rich.table import Table

    from govern.cli.records import _console, _escape

    console = _console()
    rows = (
        f"rows {found.rows_before:,.0f} -> {found.rows_after:,.0f} ({_percent(found.row_change)})"
    )
    console.print(
        f"{_escape(node)}: {_escape(found.current)} against {_escape(found.reference)}; {rows}"
        + ("  [bold]CROSSED[/bold]" if "rows" in found.crossed else "")
    )
    table = Table(box=None, pad_edge=False)
    for heading in ("COLUMN", "TYPE", "CHANGE", "NULLS", "PSI", "KS", "JS", "CROSSED"):
        table.add_column(heading, overflow="fold")
    for column in found.columns:
        table.add_row(
            _escape(column.column),
            _escape(_type(column)),
            column.change,
            _nulls(column),
            _number(column.psi),
            _number(column.ks),
            _number(column.js),
            _escape(", ".join(column.crossed) or "-"),
        )
    console.print(table)
    t: Any = found.thresholds
    limits = ", ".join(
        f"{name}={'none' if getattr(t, name) is None else getattr(t, name)}"
        for name in ("psi", "ks", "js", "rows", "nulls", "schema")
    )
    if found.crossed:
        console.print(f"{len(found.crossed)} threshold(s) crossed ({_escape(limits)})")
    else:
        console.print(f"no threshold crossed ({_escape(limits)})")
