"""``govern lineage ls``, ``versions`` and ``columns``: find nodes and what is known of them.

``ls`` lists and searches every dataset, job and model with its namespace (and the
exact ``NODE`` text to pass to ``govern lineage``), so a node can be named without
knowing its path; ``versions`` lists the versions of a dataset or model and who wrote
and read each; ``columns`` the column lineage other producers reported for a dataset.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from govern.cli.app import EXIT_CANNOT_EVALUATE, EXIT_CONFIG, StoreOption, fail, reading_store
from govern.cli.lineage import (
    KindOption,
    NameOption,
    NamespaceOption,
    NodeArgument,
    _node,
    lineage_app,
)
from govern.cli.records import _console, _escape, _print_json

__all__: list[str] = []

FormatOption = Annotated[
    str, typer.Option("--format", "-f", metavar="[table|json]", help="table (default) or json.")
]


def _format(output: str) -> str:
    if output.lower() not in ("table", "json"):
        raise fail(f"--format must be table or json, not {output!r}", EXIT_CONFIG)
    return output.lower()


@lineage_app.command("ls")
def ls(
    pattern: Annotated[
        str | None,
        typer.Argument(help="Only nodes whose NAMESPACE:NAME contains this (any case)."),
    ] = None,
    kind: KindOption = None,
    namespace: NamespaceOption = None,
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """List datasets, jobs and models (with namespaces), or those matching PATTERN."""
    from govern.lineage.graph import names
    from govern.lineage.nodes import Node

    fmt = _format(output)
    if kind is not None and kind not in ("dataset", "job", "model"):
        raise fail(f"--kind must be dataset, job or model, not {kind!r}", EXIT_CONFIG)
    with reading_store(store_url) as store:
        found = names(store)
    wanted = (pattern or "").lower()
    rows = [
        (k, ns, n, str(Node(k, ns, n)))  # type: ignore[arg-type]
        for k, ns, n in found
        if (kind is None or k == kind)
        and (namespace is None or ns == namespace)
        and wanted in f"{ns}:{n}".lower()
    ]
    if fmt == "json":
        _print_json([{"kind": k, "namespace": ns, "name": n, "node": t} for k, ns, n, t in rows])
        return
    if not rows:
        typer.echo("no matching datasets, jobs or models in the record")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("KIND", "NAMESPACE", "NAME", "NODE"):
        table.add_column(column, overflow="fold")
    for k, ns, n, text in rows:
        table.add_row(k, _escape(ns), _escape(n), _escape(text))
    _console().print(table)


@lineage_app.command("versions")
def versions(
    node: NodeArgument = None,
    kind: KindOption = None,
    namespace: NamespaceOption = None,
    name: NameOption = None,
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """List the versions of a dataset or model: when, and which jobs wrote and read each."""
    fmt = _format(output)
    _node(None, node, kind, namespace, name)
    with reading_store(store_url) as store:
        root = _node(store, node, kind, namespace, name)
        if root.kind == "job":
            raise fail("a job has runs, not versions: use `govern runs`", EXIT_CONFIG)
        rows = (
            store.lineage.io(models=[(root.name, v) for v in _model_versions(store, root.name)])
            if root.kind == "model"
            else store.lineage.io(datasets=[(root.namespace, root.name)])
        )
    if not rows:
        raise fail(f"no versions of {root} in the record", EXIT_CANNOT_EVALUATE)
    table: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r.ts, r.seq)):
        entry = table.setdefault(
            row.version or "(unversioned)",
            {"version": row.version, "first_seen": row.ts, "written_by": [], "read_by": []},
        )
        side = entry["written_by" if row.role == "output" else "read_by"]
        job = f"job:{row.job_namespace}:{row.job_name}"
        if job not in side:
            side.append(job)
    found = list(table.values())
    if fmt == "json":
        _print_json({"node": str(root), "versions": found})
        return
    from datetime import UTC, datetime

    typer.echo(f"{root}: {len(found)} version(s)")
    for entry in found:
        when = datetime.fromtimestamp(entry["first_seen"], UTC).isoformat(timespec="seconds")
        typer.echo(f"  {entry['version'] or '(unversioned)'}  first seen {when}")
        for label in ("written_by", "read_by"):
            if entry[label]:
                typer.echo(f"    {label.replace('_', ' ')}: {', '.join(entry[label])}")


def _model_versions(store: Any, name: str) -> list[str]:
    return [str(v) for v in store.lineage.model_versions(name)]


@lineage_app.command("columns")
def columns(
    node: NodeArgument = None,
    column: Annotated[str | None, typer.Option("--column", "-c", help="Only this column.")] = None,
    namespace: NamespaceOption = None,
    name: NameOption = None,
    output: FormatOption = "table",
    store_url: StoreOption = None,
) -> None:
    """Column lineage of a dataset (from imported columnLineage facets): each column's sources."""
    from dataclasses import asdict

    from govern.lineage.imported import column_lineage

    fmt = _format(output)
    kind = "dataset" if namespace is not None or name is not None else None
    _node(None, node, kind, namespace, name)
    with reading_store(store_url) as store:
        root = _node(store, node, kind, namespace, name)
        if root.kind != "dataset":
            raise fail("column lineage is about a dataset: dataset:NS:NAME", EXIT_CONFIG)
        links = column_lineage(store, root.namespace, root.name, column)
    if fmt == "json":
        _print_json({"node": str(root), "columns": [asdict(link) for link in links]})
        return
    if not links:
        raise fail(
            f"no column lineage recorded for {root}" + (f" column {column!r}" if column else ""),
            EXIT_CANNOT_EVALUATE,
        )
    for link in links:
        how = f" ({link.transformation})" if link.transformation else ""
        typer.echo(
            f"{link.field} <- dataset:{link.input_namespace}:{link.input_name} "
            f"column {link.input_field}{how}"
        )


def imported_runs(store_url: str | None, producer: str | None, limit: int, *, json: bool) -> None:
    """``govern runs --imported [--producer TEXT]``: runs of imported events, newest first."""
    with reading_store(store_url) as store:
        found = store.lineage.imported_runs(producer)[:limit]
        where = store.location
    if json:
        _print_json(found)
        return
    console = _console()
    if not found:
        which = f" from a producer matching {producer!r}" if producer else ""
        console.print(f"No imported runs{_escape(which)} in {_escape(where)}.")
        return
    from rich.table import Table

    table = Table(title=f"Imported runs in {_escape(where)}", title_justify="left")
    for column in ("RUN", "JOB", "STATE", "STARTED", "PRODUCER"):
        table.add_column(column, no_wrap=column == "RUN", overflow="fold")
    for run in found:
        table.add_row(
            run["run_id"][:12],
            _escape(f"{run['job_namespace']}:{run['job_name']}"),
            _escape(run.get("state") or "-"),
            _escape(run["started_at"]),
            _escape(run["producer"] or "-"),
        )
    console.print(table)
