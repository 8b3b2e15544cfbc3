"""Lineage for reports: the graph of a run or behind a model, merged, and laid out as SVG.

The graph comes from the lineage API (``govern.lineage.graph.run_graph`` / ``lineage``)
when it is installed; otherwise it is derived from the stage records themselves in the
same shape (a job reads its input datasets and writes its outputs; a model is written by
its training job and read by the jobs that use it). Nodes of the same dataset, job or
model seen in several runs are merged into one node that lists its versions, so a report
over a thousand runs still draws a readable graph.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govern.store import Store
    from govern.types import ModelVersion, RunInfo, StageResult

__all__ = ["LAYOUT", "Graph", "layout", "merge", "model_graph", "run_graph", "wrap_label"]

Graph = dict[str, Any]
"""``{"nodes": [...], "edges": [...], "source": ...}``; JSON-able."""

LAYOUT = {"node_w": 210, "node_h": 52, "col_gap": 56, "row_gap": 20, "pad": 12, "max_nodes": 120}
_LABEL_CHARS = 30
_LABEL_LINES = 2
_BREAK = re.compile(r"(?<=[._/\-\])@:,])")


def _lineage_api() -> Any | None:
    # the lineage package is optional at this layer's build time: use it when present
    if importlib.util.find_spec("govern.lineage") is None:
        return None
    if importlib.util.find_spec("govern.lineage.graph") is None:
        return None
    return importlib.import_module("govern.lineage.graph")


def _key(kind: str, namespace: str, name: str) -> str:
    return f"model:{name}" if kind == "model" else f"{kind}:{namespace}:{name}"


class _Builder:
    """Collects nodes (merged by identity, versions kept) and edges, in first-seen order."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], None] = {}

    def node(self, kind: str, namespace: str, name: str, version: str | None) -> str:
        key = _key(kind, namespace, name)
        found = self.nodes.get(key)
        if found is None:
            found = {"id": key, "kind": kind, "namespace": namespace, "name": name, "versions": []}
            self.nodes[key] = found
        if version is not None and version not in found["versions"]:
            found["versions"].append(version)
        return key

    def edge(self, source: str, target: str) -> None:
        if source != target:
            self.edges[(source, target)] = None

    def graph(self, source: str) -> Graph:
        return {
            "nodes": [{**n, "label": _label(n)} for n in self.nodes.values()],
            "edges": [{"source": s, "target": t} for s, t in self.edges],
            "source": source,
        }


def _label(node: Mapping[str, Any]) -> str:
    name = str(node["name"])
    if node["kind"] == "dataset" and node["namespace"] == "file":
        name = PurePosixPath(name).name or name
    if node["kind"] == "model":
        versions = node["versions"]
        name = (
            f"{name}@{versions[0]}" if len(versions) == 1 else f"{name} ({len(versions)} versions)"
        )
    return name


def wrap_label(text: str, width: int = _LABEL_CHARS, lines: int = _LABEL_LINES) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` characters, broken after ``._/-])``.

    A name too long even so keeps its start and is cut at the end with an ellipsis (the
    figure's legend lists every full name: print and PDF have no hover).
    """
    pieces = [p for p in _BREAK.split(text) if p]
    out: list[str] = []
    current = ""
    for piece in pieces:
        while len(piece) > width:  # one piece wider than a line: split it hard
            room = width - len(current)
            current, piece = current + piece[:room], piece[room:]
            out.append(current)
            current = ""
        if len(current) + len(piece) > width:
            out.append(current)
            current = ""
        current += piece
    if current:
        out.append(current)
    if len(out) > lines:
        last = out[lines - 1]
        out = [*out[: lines - 1], last[: width - 1] + "\u2026"]
    return out or [""]


def _from_api(builder: _Builder, graph: Any) -> None:
    ids: dict[Any, str] = {}
    for node in graph.nodes:
        ids[node] = builder.node(str(node.kind), str(node.namespace), str(node.name), _v(node))
    for edge in graph.edges:
        source = ids.get(edge.source) or builder.node(
            str(edge.source.kind),
            str(edge.source.namespace),
            str(edge.source.name),
            _v(edge.source),
        )
        target = ids.get(edge.target) or builder.node(
            str(edge.target.kind),
            str(edge.target.namespace),
            str(edge.target.name),
            _v(edge.target),
        )
        builder.edge(source, target)


def _v(node: Any) -> str | None:
    version = getattr(node, "version", None)
    return None if version is None else str(version)


def _from_stages(builder: _Builder, run: RunInfo, stages: Iterable[StageResult]) -> None:
    for stage in stages:
        job = builder.node("job", run.namespace, f"{run.name}.{stage.stage}", None)
        for used in stage.models_used:
            builder.edge(builder.node("model", run.namespace, used.name, str(used.version)), job)
        for dv in stage.datasets:
            node = builder.node("dataset", dv.ref.namespace, dv.ref.name, dv.fingerprint)
            if dv.role == "input":
                builder.edge(node, job)
            else:
                builder.edge(job, node)
        if stage.model is not None:
            m = stage.model
            builder.edge(job, builder.node("model", run.namespace, m.name, str(m.version)))


def _shape(run: RunInfo, stages: Sequence[StageResult]) -> tuple[object, ...]:
    """What a run's graph looks like, versions aside: runs of one pipeline mostly share it."""
    return (
        run.namespace,
        run.name,
        tuple(
            (
                s.stage,
                tuple((d.role, d.ref.namespace, d.ref.name) for d in s.datasets),
                s.model.name if s.model else None,
                tuple(m.name for m in s.models_used),
            )
            for s in stages
        ),
    )


def run_graph(
    store: Store, runs: Sequence[RunInfo], stages: Mapping[str, list[StageResult]]
) -> Graph:
    """Every dataset, job and model the runs read or wrote, merged into one graph.

    With the lineage API, its ``run_graph`` is asked once per distinct graph shape (runs
    of one pipeline usually share one); the versions every run saw are then added from
    the runs' own records, so a report over a thousand runs asks a handful of queries.
    """
    builder = _Builder()
    api = _lineage_api()
    asked: set[tuple[object, ...]] = set()
    for run in reversed(runs):  # newest first: the latest run of each shape is asked
        recorded = stages.get(run.id, [])
        if api is not None:
            shape = _shape(run, recorded)
            if shape not in asked:
                asked.add(shape)
                _from_api(builder, api.run_graph(store, run.id))
        _from_stages(builder, run, recorded)
    graph = builder.graph("govern.lineage" if api is not None else "record")
    for node in graph["nodes"]:
        node["versions"].sort(key=lambda v: (len(str(v)), str(v)))
    return graph


def model_graph(
    store: Store, model: ModelVersion, run: RunInfo, stages: list[StageResult]
) -> Graph:
    """The lineage upstream of a model version, back to its sources."""
    builder = _Builder()
    api = _lineage_api()
    if api is not None:
        _from_api(builder, api.lineage(store, f"model:{model.name}@{model.version}"))
        return builder.graph("govern.lineage")
    _from_stages(builder, run, stages)
    full = builder.graph("record")
    return _upstream(full, _key("model", run.namespace, model.name))


def _upstream(graph: Graph, root: str) -> Graph:
    parents: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        parents.setdefault(edge["target"], []).append(edge["source"])
    keep = {root}
    todo = [root]
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in keep:
                keep.add(parent)
                todo.append(parent)
    return {
        "nodes": [n for n in graph["nodes"] if n["id"] in keep],
        "edges": [e for e in graph["edges"] if e["source"] in keep and e["target"] in keep],
        "source": graph["source"],
    }


def merge(graphs: Iterable[Graph]) -> Graph:
    """One graph from several (nodes merged by identity, versions kept)."""
    builder = _Builder()
    sources: list[str] = []
    for graph in graphs:
        for n in graph["nodes"]:
            for version in n["versions"] or [None]:
                builder.node(n["kind"], n["namespace"], n["name"], version)
        for e in graph["edges"]:
            builder.edge(e["source"], e["target"])
        if graph["source"] not in sources:
            sources.append(graph["source"])
    return builder.graph("+".join(sources) or "record")


def sources_of(graph: Graph) -> list[dict[str, Any]]:
    """Dataset nodes nothing in the graph writes: where the data came from."""
    written = {e["target"] for e in graph["edges"]}
    return [n for n in graph["nodes"] if n["kind"] == "dataset" and n["id"] not in written]


def _ranks(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering, left to right; bounded, so a cycle cannot loop forever."""
    rank = dict.fromkeys(ids, 0)
    for _ in range(len(ids)):
        changed = False
        for source, target in edges:
            if rank[target] < rank[source] + 1 <= len(ids):
                rank[target] = rank[source] + 1
                changed = True
        if not changed:
            break
    return rank


def layout(graph: Graph) -> dict[str, Any]:
    """Coordinates of the graph's boxes and curves for an inline SVG (top to bottom).

    Data flows downwards, one level per step; each level is centred. Positions depend
    only on the graph's structure and order, never on label lengths: labels wrap onto
    two lines (cut at the end beyond that), and each box is numbered; ``legend`` lists
    every node's full name and versions by number, for print where there is no hover.
    """
    w, h = LAYOUT["node_w"], LAYOUT["node_h"]
    h_gap, v_gap, pad = LAYOUT["row_gap"], LAYOUT["col_gap"] // 2, LAYOUT["pad"]
    nodes = graph["nodes"][: LAYOUT["max_nodes"]]
    ids = [n["id"] for n in nodes]
    order = {node_id: i for i, node_id in enumerate(ids)}
    known = set(ids)
    edges = [(e["source"], e["target"]) for e in graph["edges"]]
    edges = [(s, t) for s, t in edges if s in known and t in known]
    rank = _ranks(ids, edges)
    levels: dict[int, list[str]] = {}
    for node_id in ids:
        levels.setdefault(rank[node_id], []).append(node_id)
    parents: dict[str, list[str]] = {}
    for s, t in edges:
        parents.setdefault(t, []).append(s)
    slot: dict[str, float] = {}
    widest = max((len(m) for m in levels.values()), default=0)
    for level in sorted(levels):
        members = levels[level]

        def weight(node_id: str) -> tuple[float, int]:
            ups = [slot[p] for p in parents.get(node_id, []) if p in slot]
            return (sum(ups) / len(ups) if ups else float("inf"), order[node_id])

        members.sort(key=weight)
        offset = (widest - len(members)) / 2
        for index, node_id in enumerate(members):
            slot[node_id] = offset + index
    by_id = {n["id"]: n for n in nodes}
    boxes = []
    # numbered in reading order: top to bottom, left to right
    reading = sorted(ids, key=lambda i: (rank[i], slot[i]))
    for number, node_id in enumerate(reading, start=1):
        node = by_id[node_id]
        boxes.append(
            {
                "id": node_id,
                "number": number,
                "kind": node["kind"],
                "label": node["label"],
                "lines": wrap_label(node["label"]),
                "title": _title(node),
                "x": round(pad + slot[node_id] * (w + h_gap), 1),
                "y": pad + rank[node_id] * (h + v_gap),
                "w": w,
                "h": h,
            }
        )
    where = {b["id"]: b for b in boxes}
    curves = []
    for s, t in edges:
        a, b = where[s], where[t]
        x1, y1 = a["x"] + w / 2, a["y"] + h
        x2, y2 = b["x"] + w / 2, b["y"]
        if y2 <= y1:  # a back edge (a cycle across runs): loop around the right side
            side = max(a["x"], b["x"]) + w + h_gap / 2
            d = f"M {x1:g} {y1:g} C {side:g} {y1 + 30:g}, {side:g} {y2 - 30:g}, {x2:g} {y2:g}"
        else:
            mid = (y1 + y2) / 2
            d = f"M {x1:g} {y1:g} C {x1:g} {mid:g}, {x2:g} {mid:g}, {x2:g} {y2:g}"
        curves.append({"source": s, "target": t, "d": d})
    rows = (max(rank.values()) + 1) if rank else 0
    return {
        "width": pad * 2 + widest * w + max(widest - 1, 0) * h_gap,
        "height": pad * 2 + rows * h + max(rows - 1, 0) * v_gap,
        "nodes": boxes,
        "edges": curves,
        "omitted": max(len(graph["nodes"]) - len(nodes), 0),
        "legend": [
            {
                "number": b["number"],
                "kind": b["kind"],
                "name": f"{by_id[b['id']]['namespace']}:{by_id[b['id']]['name']}"
                if b["kind"] != "model"
                else by_id[b["id"]]["name"],
                "versions": _versions(by_id[b["id"]]["versions"]),
            }
            for b in boxes
        ],
    }


def _versions(versions: Sequence[Any]) -> str:
    shown = ", ".join(str(v) for v in versions[:3])
    return shown + (f" and {len(versions) - 3} more" if len(versions) > 3 else "")


def _title(node: Mapping[str, Any]) -> str:
    versions = node["versions"]
    shown = _versions(versions)
    base = f"{node['kind']} {node['namespace']}:{node['name']}"
    return f"{base} (version {shown})" if versions else base
