"""``govern lineage``: query the lineage graph; status, replay, import and export events.

``govern lineage NODE`` (NODE is ``dataset:NS:NAME``, ``job:NS:NAME`` or
``model:NAME[@VERSION]``) prints its lineage; the subcommands deal with OpenLineage
events. Exit codes: 0 ok; 1 events left undelivered by ``replay``; 2 a malformed node,
option, event file or transport configuration; 3 no store, or a node it does not know.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from govern.cli.app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_CONFIG,
    EXIT_FAILED,
    StoreOption,
    app,
    fail,
    reading_store,
)
from govern.cli.records import _console, _escape, _print_json

if TYPE_CHECKING:
    from govern.lineage.config import LineageConfig
    from govern.lineage.nodes import Direction

__all__ = ["lineage_app"]


class _NodeGroup(TyperGroup):
    """``govern lineage NODE ...`` runs the hidden ``show`` command; names run subcommands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Typer's vendored click
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


lineage_app = typer.Typer(
    name="lineage",
    cls=_NodeGroup,
    help=(
        "Lineage of a node: `govern lineage NODE [--upstream|--downstream|--both] "
        "[--depth N] [--format tree|json|mermaid]`, NODE being dataset:NS:NAME, "
        "job:NS:NAME or model:NAME\\[@VERSION]. Subcommands handle OpenLineage events."
    ),
    no_args_is_help=True,
)
app.add_typer(lineage_app)


class GraphFormat(enum.StrEnum):
    """How ``govern lineage NODE`` prints."""

    TREE = "tree"
    JSON = "json"
    MERMAID = "mermaid"


def _config() -> LineageConfig:
    from govern.errors import LineageError
    from govern.lineage.hook import current_config

    try:
        return current_config()
    except LineageError as err:
        raise fail(str(err), EXIT_CONFIG) from None


# -- govern lineage NODE --------------------------------------------------------------


@lineage_app.command("show", hidden=True)
def show(
    node: Annotated[
        str,
        typer.Argument(metavar="NODE", help="dataset:NS:NAME, job:NS:NAME or model:NAME\\[@V]."),
    ],
    upstream: Annotated[
        bool, typer.Option("--upstream", help="What it came from (default).")
    ] = False,
    downstream: Annotated[bool, typer.Option("--downstream", help="What came from it.")] = False,
    both: Annotated[bool, typer.Option("--both", help="Upstream and downstream.")] = False,
    depth: Annotated[
        int | None, typer.Option("--depth", "-d", help="Job hops to follow (default: all).")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", "-f", metavar="[tree|json|mermaid]", help="tree (default).")
    ] = "tree",
    store_url: StoreOption = None,
) -> None:
    """Print the lineage of NODE."""
    from govern.errors import LineageError
    from govern.lineage.graph import lineage, parse_node
    from govern.lineage.render import tree

    try:
        fmt = GraphFormat(output.lower())
    except ValueError:
        raise fail(f"--format must be tree, json or mermaid, not {output!r}", EXIT_CONFIG) from None
    if upstream + downstream + both > 1:
        raise fail("give one of --upstream, --downstream, --both", EXIT_CONFIG)
    if depth is not None and depth < 0:
        raise fail(f"--depth must be 0 or more, not {depth}", EXIT_CONFIG)
    direction: Direction = "downstream" if downstream else "both" if both else "upstream"
    try:
        root = parse_node(node)
    except LineageError as err:
        raise fail(str(err), EXIT_CONFIG) from None
    with reading_store(store_url) as store:
        try:
            graph = lineage(store, root, direction=direction, depth=depth)
        except LineageError as err:
            raise fail(str(err), EXIT_CANNOT_EVALUATE) from None
    if fmt is GraphFormat.JSON:
        _print_json(graph.to_dict())
    elif fmt is GraphFormat.MERMAID:
        typer.echo(graph.to_mermaid(), nl=False)
    else:
        typer.echo(tree(graph, direction), nl=False)


# -- status and replay ----------------------------------------------------------------


@lineage_app.command("status")
def status(
    output: Annotated[
        str, typer.Option("--format", "-f", metavar="[table|json]", help="table (default) or json.")
    ] = "table",
    store_url: StoreOption = None,
) -> None:
    """Show pending and failed deliveries per transport."""
    from dataclasses import asdict

    if output.lower() not in ("table", "json"):
        raise fail(f"--format must be table or json, not {output!r}", EXIT_CONFIG)
    from govern.lineage.config import KEY_SEPARATOR

    config = _config()
    with reading_store(store_url) as store:
        found = store.outbox.status()
        where = store.location
    configured = {s.key: s for s in config.transports}
    if output.lower() == "json":
        _print_json(
            {
                "store": where,
                "configured": [
                    {"name": s.name, "kind": s.kind, "destination": s.target, "key": s.key}
                    for s in configured.values()
                ],
                "source": config.source,
                "disabled": config.disabled,
                "transports": [
                    {
                        **asdict(t),
                        "destination": t.name.partition(KEY_SEPARATOR)[2],
                        "configured": t.name in configured,
                    }
                    for t in found
                ],
            }
        )
        return
    console = _console()
    if config.disabled:
        console.print("OPENLINEAGE_DISABLED=true: runs recorded now are owed to no transport.")
    elif not configured:
        console.print(
            "No OpenLineage transport is configured: events are kept in the store only "
            "(`govern lineage export` writes them as JSON lines)."
        )
    else:
        shown = ", ".join(f"{s.name} ({s.target})" for s in configured.values())
        console.print(f"Transports from {_escape(config.source)}: {_escape(shown)}")
    if not found:
        console.print(f"No deliveries recorded in {_escape(where)}.")
        return
    from rich.table import Table

    table = Table(title=f"Lineage delivery in {_escape(where)}", title_justify="left")
    for column in (
        "TRANSPORT",
        "TYPE",
        "DESTINATION",
        "CONFIGURED",
        "PENDING",
        "FAILED",
        "DELIVERED",
        "LAST ERROR",
    ):
        table.add_column(column)
    for t in found:
        name, _, target = t.name.partition(KEY_SEPARATOR)
        table.add_row(
            _escape(name),
            _escape(t.kind),
            _escape(target or "-"),
            "yes" if t.name in configured else "no (earlier configuration)",
            f"[yellow]{t.pending + t.inflight}[/yellow]" if t.pending + t.inflight else "0",
            f"[red]{t.failed}[/red]" if t.failed else "0",
            str(t.delivered),
            _escape((t.last_error or "-")[:120]),
        )
    console.print(table)
    if any(t.pending or t.failed or t.inflight for t in found):
        console.print("`govern lineage replay` delivers them now.")


@lineage_app.command("replay")
def replay(
    transport: Annotated[
        list[str] | None,
        typer.Option("--transport", "-t", help="Only this transport (repeatable)."),
    ] = None,
    backfill: Annotated[
        bool,
        typer.Option("--backfill", help="Also send records from before the transport was set up."),
    ] = False,
    attempts: Annotated[
        int,
        typer.Option(
            "--attempts",
            min=1,
            help="Give a transport up after this many failed attempts in a row (with backoff).",
        ),
    ] = 5,
    max_time: Annotated[
        float,
        typer.Option("--max-time", min=0.1, help="Give up after this many seconds."),
    ] = 600.0,
    store_url: StoreOption = None,
) -> None:
    """Deliver undelivered (and failed) events now; exit 1 if some stay undelivered.

    A failing backend is retried with backoff; events another process holds are taken
    over once its lease runs out (a killed replay's, within seconds).
    """
    from govern.errors import LineageError
    from govern.lineage.replay import replay as deliver_all

    config = _config()
    if not config.transports:
        why = "OPENLINEAGE_DISABLED=true" if config.disabled else "no OpenLineage transport"
        raise fail(
            f"{why} is configured, so there is nowhere to replay to: set "
            "OPENLINEAGE__TRANSPORT__TYPE (and its options), OPENLINEAGE_URL, an "
            "openlineage.yml, or [tool.govern.lineage.transport]",
            EXIT_CONFIG,
        )
    with reading_store(store_url) as store:
        try:
            results = deliver_all(
                store,
                config,
                names=transport or None,
                backfill=backfill,
                attempts=attempts,
                max_time=max_time,
            )
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
    left = False
    for r in results:
        for notice in r.notices:
            typer.echo(notice, err=True)
        line = f"{r.transport} ({r.target}): delivered {r.delivered}, {r.remaining} left"
        if r.error and r.remaining:
            line += f" (last error: {r.error})"
        typer.echo(line)
        left = left or r.remaining > 0
    if left:
        raise typer.Exit(EXIT_FAILED)


# -- import and export ----------------------------------------------------------------


@lineage_app.command("import")
def import_events(
    file: Annotated[
        Path, typer.Argument(metavar="FILE.jsonl", help="OpenLineage events, one per line.")
    ],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid lines, report the others.")
    ] = False,
    store_url: StoreOption = None,
) -> None:
    """Import OpenLineage events other producers wrote (Airflow, Spark, dbt...)."""
    from govern.errors import LineageError
    from govern.lineage.importer import import_file

    with reading_store(store_url, create=True) as store:
        try:
            result = import_file(store, file, skip_invalid=skip_invalid)
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
    for bad in result.invalid:
        typer.echo(f"govern: skipped {file}:{bad.line}: {bad.reason}", err=True)
    typer.echo(
        f"imported {result.added} event(s) from {file}"
        + (f"; {result.duplicates} already imported" if result.duplicates else "")
        + (f"; {result.own} of govern's own runs left out" if result.own else "")
        + (f"; {len(result.invalid)} invalid line(s) skipped" if result.invalid else "")
    )


@lineage_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
    store_url: StoreOption = None,
) -> None:
    """Write every event (rebuilt from the record, plus imported ones) as JSON lines."""
    from govern.lineage.export import write_events

    config = _config()
    with reading_store(store_url) as store:
        if out is None:
            write_events(store, sys.stdout, repo_url=config.repo_url)
            return
        try:
            with out.open("w", encoding="utf-8") as handle:
                count = write_events(store, handle, repo_url=config.repo_url)
        except OSError as err:
            raise fail(f"cannot write {out} ({err.strerror})", EXIT_CONFIG) from None
    typer.echo(f"wrote {count} event(s) to {out}", err=True)
