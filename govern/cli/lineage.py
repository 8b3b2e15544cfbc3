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
    StoreOption,
    app,
    fail,
    reading_store,
)
from govern.cli.records import _print_json

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
        "job:NS:NAME or model:NAME[@VERSION] (or --kind/--namespace/--name for any "
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
        help="dataset:NS:NAME, job:NS:NAME or model:NAME[@V] (or --kind/--namespace/--name).",
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
