"""The lineage graph's values: nodes, edges, graphs, and the ``KIND:...`` node syntax.

No I/O and no third-party imports: reports and policies get these from
``govern.lineage.graph`` and render them as they like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from govern.errors import LineageError

__all__ = ["Direction", "Edge", "LineageGraph", "Node", "NodeKind", "parse_node"]

NodeKind = Literal["dataset", "job", "model"]
Direction = Literal["upstream", "downstream", "both"]

_URI_NAMESPACE = re.compile(r"^(?P<ns>[A-Za-z][A-Za-z0-9+.\-]*://[^/:]*(?::\d+)?):(?P<name>.+)$")
_SYNTAX = "dataset:NAMESPACE:NAME, job:NAMESPACE:NAME or model:NAME[@VERSION]"
_KIND_ORDER = {"dataset": 0, "job": 1, "model": 2}


class Node(NamedTuple):
    """A dataset, job or model in the lineage graph.

    A named tuple (immutable, hashed in C): a large graph holds tens of thousands.

    ``version`` is a dataset's version as it was read or written (govern's content
    fingerprint, or another producer's version facet) or a model's version number; None
    for jobs, and for a dataset meant in all its versions.
    """

    kind: NodeKind
    namespace: str
    name: str
    version: str | None = None

    def __str__(self) -> str:
        if self.kind == "model":
            return f"model:{self.name}" + (f"@{self.version}" if self.version else "")
        return f"{self.kind}:{self.namespace}:{self.name}"

    @property
    def id(self) -> str:
        """A unique key: ``str(node)``, plus ``@version`` for a dataset version."""
        if self.kind == "dataset" and self.version:
            return f"{self}@{self.version}"
        return str(self)

    def sort_key(self) -> tuple[int, str, str, str]:
        """Datasets, then jobs, then models; by namespace, name and version."""
        return (_KIND_ORDER[self.kind], self.namespace, self.name, self.version or "")


class Edge(NamedTuple):
    """Data flows from ``source`` to ``target``: a job reads its inputs, writes its outputs."""

    source: Node
    target: Node


@dataclass(frozen=True, slots=True)
class LineageGraph:
    """The answer to a lineage query: its root (None for a run's graph), nodes and edges.

    ``parents`` links jobs, not data: the job that launched another (an Airflow task and
    the Spark job it ran), from imported events' ``parent`` run facets.
    """

    root: Node | None
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    parents: tuple[Edge, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``{"root", "nodes": [{id, kind, namespace, name, version}], "edges"}``.

        Plus ``"parents"``: ``[{"parent", "child"}]`` job ids (see ``parents``).
        """
        return {
            "root": None if self.root is None else self.root.id,
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "namespace": n.namespace,
                    "name": n.name,
                    "version": n.version,
                }
                for n in self.nodes
            ],
            "edges": [{"source": e.source.id, "target": e.target.id} for e in self.edges],
            "parents": [{"parent": e.source.id, "child": e.target.id} for e in self.parents],
        }

    def to_mermaid(self) -> str:
        """A Mermaid ``flowchart LR`` (datasets as boxes, jobs as stadiums, models as hexagons)."""
        ids = {n: f"n{i}" for i, n in enumerate(self.nodes)}
        lines = ["flowchart LR"]
        for node, key in ids.items():
            label = _mermaid_text(_label(node))
            if node.kind == "job":
                lines.append(f'  {key}(["{label}"])')
            elif node.kind == "model":
                lines.append(f'  {key}{{{{"{label}"}}}}')
            else:
                lines.append(f'  {key}["{label}"]')
            if node == self.root:
                lines.append(f"  style {key} stroke-width:3px")
        lines.extend(f"  {ids[e.source]} --> {ids[e.target]}" for e in self.edges)
        lines.extend(f"  {ids[e.source]} -. launched .-> {ids[e.target]}" for e in self.parents)
        return "\n".join(lines) + "\n"


def _label(node: Node) -> str:
    if node.kind == "model":
        return str(node)
    text = f"{node.kind} {node.namespace}:{node.name}"
    if node.version:
        text += f" @ {short_version(node.version)}"
    return text


def short_version(version: str) -> str:
    """A fingerprint cut to 12 hex digits (``xxh3-128:6ac3e9bef4f5...``) for display."""
    prefix, sep, digest = version.rpartition(":")
    if sep and len(digest) > 12:
        return f"{prefix}:{digest[:12]}…"
    return version


def _mermaid_text(text: str) -> str:
    # inside a quoted Mermaid label only the quote and HTML-ish characters need entities
    return (
        text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def parse_node(text: str) -> Node:
    """``dataset:NS:NAME``, ``job:NS:NAME`` or ``model:NAME[@VERSION]`` as a Node.

    A URI namespace keeps its colons (``dataset:s3://bucket:key/part``,
    ``dataset:postgres://db:5432:shop.public.orders``); ``model:NAME`` and
    ``model:NAME@latest`` mean the latest version.

    Raises:
        LineageError: the text is none of those forms.
    """
    kind, sep, rest = text.strip().partition(":")
    if not sep or not rest:
        raise LineageError(f"{text!r} is not a lineage node: use {_SYNTAX}")
    if kind == "model":
        name, at, version = rest.rpartition("@")
        if not at:
            name, version = rest, ""
        if not name or (version and version != "latest" and not version.isdigit()):
            raise LineageError(
                f"{text!r} is not a model node: use model:NAME or model:NAME@VERSION "
                "(VERSION a whole number or latest)"
            )
        return Node("model", "", name, version if version.isdigit() else None)
    if kind not in ("dataset", "job"):
        raise LineageError(f"{text!r} is not a lineage node: use {_SYNTAX}")
    found = _URI_NAMESPACE.match(rest)
    if found:
        namespace, name = found["ns"], found["name"]
    else:
        namespace, _, name = rest.partition(":")
    if not namespace or not name:
        raise LineageError(
            f"{text!r} is not a {kind} node: use {kind}:NAMESPACE:NAME "
            "(e.g. dataset:file:/data/x.csv, job:my-project:pipeline.stage)"
        )
    return Node("dataset" if kind == "dataset" else "job", namespace, name)
