"""Lineage queries: which data, at which versions, through which jobs, made (or came from) what.

>>> from govern.store import open_store
>>> from govern.lineage.graph import lineage
>>> graph = lineage(open_store(), "model:penguin-species@3")        # doctest: +SKIP
>>> [str(n) for n in graph.nodes if n.kind == "dataset"]            # doctest: +SKIP

The graph is version-precise: walking up from a model version follows the one stage run
that trained it, the dataset versions that run read, the runs that wrote those, and so
on (see govern.lineage.walk for how a read is matched to its write). A dataset or job
given without a version means all its versions and runs; ``model:NAME`` means the latest
version, like ``govern models show NAME``. Imported OpenLineage events (``govern lineage
import``) join the same graph.

Built from the store's index tables only, never by decoding records.
"""

from __future__ import annotations

import difflib
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from govern.errors import LineageError
from govern.lineage.imported import Catalog, catalog
from govern.lineage.nodes import Direction, Edge, LineageGraph, Node, NodeKind, parse_node
from govern.lineage.walk import Walk

if TYPE_CHECKING:
    from govern.store import Store
    from govern.store.lineage import LineageIndex
    from govern.store.report import IORow

__all__ = [
    "Direction",
    "Edge",
    "LineageGraph",
    "Node",
    "NodeKind",
    "find_node",
    "lineage",
    "names",
    "parse_node",
    "run_graph",
]

_DIRECTIONS = ("upstream", "downstream", "both")


def lineage(
    store: Store,
    node: Node | str,
    *,
    direction: Direction = "upstream",
    depth: int | None = None,
) -> LineageGraph:
    """The lineage of one node.

    Args:
        store: the audit record.
        node: a Node, or its text: ``dataset:NS:NAME``, ``job:NS:NAME``,
            ``model:NAME[@VERSION]`` (read against the record: see ``find_node``).
        direction: ``upstream`` (what it came from), ``downstream`` (what came from it)
            or ``both``.
        depth: how many job hops to follow (None: all; 0: the node alone).

    Raises:
        LineageError: a malformed node, a node the record does not know, a bad
            direction or depth.
    """
    with _no_collection():
        return _lineage(store, node, direction, depth)


@contextmanager
def _no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a query builds its (acyclic) objects.

    A large answer allocates ~100,000 tuples and rows, which would otherwise trigger
    a dozen full collections -- half the time of a 16,000-node query -- to free nothing.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _lineage(
    store: Store, node: Node | str, direction: Direction, depth: int | None
) -> LineageGraph:
    root = find_node(store, node) if isinstance(node, str) else node
    if direction not in _DIRECTIONS:
        raise LineageError(f"direction must be upstream, downstream or both, not {direction!r}")
    if depth is not None and depth < 0:
        raise LineageError(f"depth must be 0 or more, not {depth}")
    index = store.lineage
    known = catalog(store)
    walk = Walk(depth, dropped=known.dropped)
    if root.kind == "job":
        runs = sorted({r.run_key for r in index.io(job=(root.namespace, root.name))})
        if not runs and (root.namespace, root.name) not in known.jobs:
            _unknown_job(store, root)
        walk.add(root)
        ups = downs = runs
    else:
        root = _resolve(store, root)
        if root.kind == "model":
            walk.model_ns[(root.name, root.version)] = root.namespace
        walk.add(root)
        ups = downs = []
        if direction in ("upstream", "both") and walk.within(1):
            writers = [r for r in _touching(index, root, "output") if not walk.is_drop(r)]
            for row in writers:
                walk.link(walk.job(row), root)
            ups = sorted({r.run_key for r in writers})
        if direction in ("downstream", "both") and walk.within(1):
            readers = _touching(index, root, "input")
            for row in readers:
                walk.link(root, walk.job(row))
            downs = sorted({r.run_key for r in readers})
    if direction in ("upstream", "both"):
        walk.load(
            index.closure(ups, direction="upstream", depth=depth),
            readers=direction == "both",
        )
        walk.upstream(ups)
    if direction in ("downstream", "both"):
        reached = index.closure(downs, direction="downstream", depth=depth)
        walk.load(reached)
        walk.load(_writers_of(index, [r for r in reached if r.role == "input"]), writers_only=True)
        walk.downstream(downs)
    return _graph(root, walk, known)


def run_graph(store: Store, run_id: str) -> LineageGraph:
    """Every dataset, job and model one pipeline run read or wrote (``root`` is None).

    ``run_id`` is a run id, a unique prefix of one, or ``latest``.

    Raises:
        StoreError: no such run (a RunNotFoundError).
    """
    run = store.run(run_id)
    walk = Walk(None)
    rows = store.lineage.io(group=run.id)
    walk.load(rows)
    for row in rows:
        if row.role == "input":
            walk.link(walk.node(row), walk.job(row))
        else:
            walk.link(walk.job(row), walk.node(row))
    return _graph(None, walk)


def _graph(root: Node | None, walk: Walk, known: Catalog | None = None) -> LineageGraph:
    """The walk's answer, plus the parent links of its jobs (which job launched which)."""
    nodes, edges = walk.result()
    if known is None or not known.parents:
        return LineageGraph(root=root, nodes=nodes, edges=edges)
    jobs = [(n.namespace, n.name) for n in nodes if n.kind == "job"]
    parents = tuple(
        Edge(Node("job", *above), Node("job", *below)) for above, below in known.related_jobs(jobs)
    )
    for edge in parents:
        walk.add(edge.source)
        walk.add(edge.target)
    nodes, edges = walk.result()
    return LineageGraph(root=root, nodes=nodes, edges=edges, parents=parents)


def _touching(index: LineageIndex, root: Node, role: str) -> list[IORow]:
    """Rows that wrote (or read) the root, in the root's version when it has one."""
    if root.kind == "model":
        return index.io(models=[(root.name, root.version or "")], role=role)
    rows = index.io(datasets=[(root.namespace, root.name)], role=role)
    if root.version is not None:
        rows = [r for r in rows if r.version == root.version]
    return rows


def _writers_of(index: LineageIndex, inputs: list[IORow]) -> list[IORow]:
    """Every writer of what these rows read: a reader's producer may lie outside the walk."""
    datasets = {(r.namespace, r.name) for r in inputs if r.kind == "dataset"}
    models = {(r.name, r.version or "") for r in inputs if r.kind == "model"}
    rows = index.io(datasets=datasets, role="output") if datasets else []
    return rows + (index.io(models=models, role="output") if models else [])


def _resolve(store: Store, root: Node) -> Node:
    """The root as the record knows it (a model's latest version), or a helpful error."""
    index = store.lineage
    if root.kind == "model":
        versions = index.model_versions(root.name)
        imported = index.io(models=[(root.name, root.version or "")]) if root.version else []
        if not versions and not imported:
            raise LineageError(
                f"no model {root.name!r} in the record{_suggest(store, 'model', '', root.name)}"
            )
        version = root.version or str(versions[-1])
        if version.isdigit() and int(version) not in versions and not imported:
            known = ", ".join(map(str, versions))
            raise LineageError(f"model {root.name!r} has no version {version}; recorded: {known}")
        writers = index.io(models=[(root.name, version)], role="output")
        namespace = writers[0].namespace if writers else root.namespace
        return Node("model", namespace, root.name, version)
    if index.io(datasets=[(root.namespace, root.name)]):
        return root
    targets = catalog(store).dataset_for(root.namespace, root.name)
    if len(targets) == 1:  # a symlink (another name of a dataset)
        return Node("dataset", *targets[0], root.version)
    if targets:
        named = " or ".join(f"dataset:{ns}:{n}" for ns, n in targets)
        raise LineageError(f"{root} is a symlink of several datasets: give one of {named}")
    raise LineageError(
        f"no dataset {root.namespace}:{root.name} in the record"
        + _suggest(store, "dataset", root.namespace, root.name)
    )


def _unknown_job(store: Store, root: Node) -> None:
    stages = store.lineage.pipelines(root.namespace, root.name)
    if stages:
        listed = ", ".join(f"job:{root.namespace}:{s}" for s in stages)
        raise LineageError(f"{root} is a pipeline: its lineage is that of its stages ({listed})")
    raise LineageError(
        f"no job {root.namespace}:{root.name} in the record"
        + _suggest(store, "job", root.namespace, root.name)
    )


def find_node(store: Store, text: str) -> Node:
    """``KIND:NAMESPACE:NAME`` read against the record: the split that names a known node.

    A namespace may hold colons, slashes and brackets (``database://host:port``,
    ``arn:aws:glue:...``, ``mysql://[::1]:3306``), so every ``:`` is tried as the
    separator; the one naming a recorded node wins. Unknown text is read by
    ``parse_node`` (and ``lineage`` then suggests the closest nodes).

    Raises:
        LineageError: malformed text, or several recorded nodes read from it.
    """
    kind, sep, rest = text.strip().partition(":")
    if kind not in ("dataset", "job") or not sep:
        return parse_node(text)
    known = {(ns, n) for k, ns, n in names(store) if k == kind}
    splits = [(rest[:i], rest[i + 1 :]) for i, c in enumerate(rest) if c == ":"]
    found = [Node(kind, ns, n) for ns, n in splits if (ns, n) in known]  # type: ignore[arg-type]
    if len(found) > 1:
        listed = "; ".join(f"--namespace {ns!r} --name {n!r}" for _, ns, n, _ in found)
        raise LineageError(f"{text!r} names {len(found)} {kind}s: give one as {listed}")
    return found[0] if found else parse_node(text)


def names(store: Store) -> list[tuple[str, str, str]]:
    """Every (kind, namespace, name) the record knows: datasets, jobs and models.

    Jobs include those with no inputs or outputs and parents named only by their children.
    """
    found = set(store.lineage.names())
    known = catalog(store)
    found.update(("job", ns, n) for ns, n in known.jobs)
    found.update(("dataset", ns, n) for ns, n in known.aliases)
    return sorted(found)


def _suggest(store: Store, kind: NodeKind, namespace: str, name: str) -> str:
    known = [
        str(Node(k, ns, n)) for k, ns, n in names(store) if k == kind
    ]  # only on this error path: may read every name
    wanted = str(Node(kind, namespace, name))
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
    if close:
        return "; did you mean " + " or ".join(close) + "?"
    if known:
        return f" ({len(known)} {kind}s are; `govern lineage export` lists every event)"
    return f" (no {kind}s are recorded yet)"
