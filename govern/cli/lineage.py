"""``govern lineage``: query the lineage graph; status, replay, import and export events.

``govern lineage NODE`` (NODE is ``dataset:NS:NAME``, ``job:NS:NAME`` or
``model:NAME[@VERSION]``, or ``--kind/--namespace/--name``) prints its lineage; ``ls``,
``versions`` and ``columns`` (govern.cli.lineage_nodes) find nodes; the other
subcommands deal with OpenLineage events. Exit codes: 0 ok; 1 events left undelivered
by ``replay``; 2 a malformed node, option, event file (or a rejected line) or transport
configuration; 3 no store, or a node it does not know.
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

_SHOWN = 20  # rejected lines listed one by one


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
        "job:NS:NAME or model:NAME\\[@VERSION] (or --kind/--namespace/--name for any "
        "namespace). `ls` finds nodes; other subcommands handle OpenLineage events."
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


NodeArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="NODE",
        help="dataset:NS:NAME, job:NS:NAME or model:NAME\\[@V] (or --kind/--namespace/--name).",
    ),
]
KindOption = Annotated[
    str | None,
    typer.Option("--kind", "-k", metavar="[dataset|job|model]", help="The node's kind."),
]
NamespaceOption = Annotated[
    str | None, typer.Option("--namespace", "-n", help="The node's namespace, exactly as recorded.")
]
NameOption = Annotated[
    str | None, typer.Option("--name", help="The node's name, exactly as recorded.")
]


def _node(
    store: Any, node: str | None, kind: str | None, namespace: str | None, name: str | None
) -> Any:
    """The node a command means: NODE text, or --kind/--namespace/--name (any characters)."""
    from govern.errors import LineageError
    from govern.lineage.graph import find_node
    from govern.lineage.nodes import Node, parse_node

    explicit = kind is not None or namespace is not None or name is not None
    if node is not None and explicit:
        raise fail("give NODE or --kind/--namespace/--name, not both", EXIT_CONFIG)
    if not explicit:
        if node is None:
            raise fail(
                "give a NODE (dataset:NS:NAME, job:NS:NAME, model:NAME[@V]) or "
                "--kind/--namespace/--name; `govern lineage ls` lists them",
                EXIT_CONFIG,
            )
        try:
            return find_node(store, node) if store is not None else parse_node(node)
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
    if kind not in ("dataset", "job", "model"):
        raise fail(f"--kind must be dataset, job or model, not {kind!r}", EXIT_CONFIG)
    if not name or (kind != "model" and not namespace):
        raise fail(
            f"a {kind} needs --name" + ("" if kind == "model" else " and --namespace"), EXIT_CONFIG
        )
    if kind == "model":
        try:
            return parse_node(f"model:{name}")
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
    return Node(kind, namespace or "", name)  # type: ignore[arg-type]


@lineage_app.command("show", hidden=True)
def show(
    node: NodeArgument = None,
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
    kind: KindOption = None,
    namespace: NamespaceOption = None,
    name: NameOption = None,
    store_url: StoreOption = None,
) -> None:
    """Print the lineage of NODE."""
    from govern.errors import LineageError
    from govern.lineage.graph import lineage
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
    _node(None, node, kind, namespace, name)  # usage errors before the store is opened
    with reading_store(store_url) as store:
        root = _node(store, node, kind, namespace, name)
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
        bool,
        typer.Option(
            "--skip-invalid", help="Rejected lines are not an error (exit 0 once the rest is in)."
        ),
    ] = False,
    store_url: StoreOption = None,
) -> None:
    """Import OpenLineage events other producers wrote (Airflow, Spark, dbt...).

    Every valid line is imported; each other line is reported with the reason, and the
    exit code is 2 unless --skip-invalid.
    """
    from govern.errors import LineageError
    from govern.lineage.importer import import_file

    with reading_store(store_url, create=True) as store:
        try:
            result = import_file(store, file)
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
    shown = result.invalid[:_SHOWN]
    for bad in shown:
        typer.echo(f"govern: rejected {file}:{bad.line}: {bad.reason}", err=True)
    if len(result.invalid) > len(shown):
        typer.echo(f"govern: ... and {len(result.invalid) - len(shown)} more", err=True)
    typer.echo(
        f"imported {result.added} event(s) from {file}"
        + (f"; {result.duplicates} already imported" if result.duplicates else "")
        + (f"; {result.own} of govern's own runs left out" if result.own else "")
        + (f"; {len(result.invalid)} invalid line(s) rejected" if result.invalid else "")
    )
    if result.invalid and not skip_invalid:
        raise typer.Exit(EXIT_CONFIG)


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


from govern.cli import lineage_nodes as _nodes  # noqa: E402, F401  (registers ls, versions, columns)
