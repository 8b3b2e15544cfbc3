"""A lineage graph as an indented text tree, for terminals (``--format tree``)."""

from __future__ import annotations

from collections import defaultdict

from govern.lineage.nodes import Direction, LineageGraph, Node, short_version

__all__ = ["label", "tree"]


def label(node: Node) -> str:
    """``dataset:NS:NAME @ version``, ``job:NS:NAME``, ``model:NAME@V``."""
    if node.kind == "dataset" and node.version:
        return f"{node} @ {short_version(node.version)}"
    return str(node)


def tree(graph: LineageGraph, direction: Direction = "upstream") -> str:
    """The graph drawn from its root.

    Upstream lists what each node came from, downstream what came from it; a node met
    again is shown once, then marked ``(see above)``.
    """
    launched = "".join(f"{e.target} launched by {e.source}\n" for e in graph.parents)
    if graph.root is None:
        flows = "".join(f"{label(e.source)} -> {label(e.target)}\n" for e in graph.edges)
        return flows + launched
    parts: list[str] = []
    if direction in ("upstream", "both"):
        parts.append(_tree(graph, graph.root, upstream=True, title=direction == "both"))
    if direction in ("downstream", "both"):
        parts.append(_tree(graph, graph.root, upstream=False, title=direction == "both"))
    if launched:
        parts.append(launched)
    return "\n".join(parts)


def _tree(graph: LineageGraph, root: Node, *, upstream: bool, title: bool) -> str:
    children: dict[Node, list[Node]] = defaultdict(list)
    for edge in graph.edges:
        if upstream:
            children[edge.target].append(edge.source)
        else:
            children[edge.source].append(edge.target)
    head = label(root)
    lines = [("upstream of " if upstream else "downstream of ") + head if title else head]
    shown: set[Node] = {root}

    def walk(node: Node, prefix: str, path: frozenset[Node]) -> None:
        below = children.get(node, [])
        for i, child in enumerate(below):
            last = i == len(below) - 1
            branch, indent = ("└── ", "    ") if last else ("├── ", "│   ")
            again = child in shown
            lines.append(prefix + branch + label(child) + (" (see above)" if again else ""))
            if again or child in path:
                continue
            shown.add(child)
            walk(child, prefix + indent, path | {child})

    walk(root, "", frozenset({root}))
    if len(lines) == 1:
        lines.append("(nothing " + ("upstream" if upstream else "downstream") + " recorded)")
    return "\n".join(lines) + "\n"
