"""Rules for datasets tagged ``pii``: masking checks pass, and the data does not leak.

Tags come from the policy packs (``tags: datasets: {"*customers*": [pii]}``). Data
flow is read through the lineage graph API (``govern.lineage.graph.lineage``): every
dataset and model downstream of a PII dataset must carry an allowed tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import DatasetTarget
from govern.types import DatasetRef

__all__ = ["pii_checks", "pii_flow"]

_LISTED = 5


@rule(
    "pii_checks",
    target="dataset",
    params={
        "checks": Param(
            "strings",
            required=True,
            doc="check names (or COLUMN:CHECK) that must run on the dataset and pass; "
            "shell-style patterns",
        )
    },
)
def pii_checks(target: DatasetTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """Datasets tagged pii pass named checks."""
    name = target.ref.name
    ran = [c for call, _ in target.versions for c in call.checks if c.dataset == name]
    problems: list[str] = []
    for pattern in params["checks"]:
        hits = [
            c
            for c in ran
            if fnmatchcase(c.check, pattern) or fnmatchcase(f"{c.column}:{c.check}", pattern)
        ]
        if not hits:
            problems.append(f"check {pattern!r} never ran on it")
        failed = [c for c in hits if not c.passed]
        if failed:
            where = f" on column {failed[0].column!r}" if failed[0].column else ""
            problems.append(
                f"check {failed[0].check!r}{where} failed ({failed[0].failed_count} failing row(s))"
            )
    if problems:
        return Outcome.fail(f"PII dataset {name!r}: " + "; ".join(problems))
    return Outcome.ok(f"PII dataset {name!r} passed {', '.join(params['checks'])}")


@rule(
    "pii_flow",
    target="dataset",
    params={
        "allowed_tags": Param(
            "strings",
            default=("pii",),
            doc="tags a downstream dataset or model may carry to receive the data",
        )
    },
)
def pii_flow(target: DatasetTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """Data from datasets tagged pii does not flow into outputs not tagged pii.

    Follows the lineage graph downstream from every version of the dataset (through
    every run that read it, not only the run judged).
    """
    from govern.lineage.graph import Node, lineage

    allowed = set(params["allowed_tags"])
    root = Node("dataset", target.ref.namespace, target.ref.name)
    graph = lineage(ctx.store, root, direction="downstream")
    leaks: dict[str, None] = {}
    reached: set[str] = set()
    for node in graph.nodes:
        if node.kind == "job" or (node.kind, node.namespace, node.name) == (
            "dataset",
            root.namespace,
            root.name,
        ):
            continue
        reached.add(str(node))
        if node.kind == "dataset":
            tags = ctx.dataset_tags(DatasetRef(node.namespace, node.name))
        else:
            tags = _model_node_tags(ctx, node.name, node.version)
        if not tags & allowed:
            leaks[str(node)] = None  # a dataset's versions are one output
    wanted = " or ".join(sorted(allowed))
    if leaks:
        names = list(leaks)
        listed = ", ".join(names[:_LISTED]) + (
            f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
        )
        return Outcome.fail(
            f"PII from {target.ref.name!r} flows into output(s) not tagged {wanted}: {listed}; "
            "tag them (tags: datasets/models in a policy pack) or stop the flow"
        )
    return Outcome.ok(
        f"PII from {target.ref.name!r} reaches {len(reached)} downstream output(s), all "
        f"tagged {wanted}"
    )


def _model_node_tags(ctx: RuleContext, name: str, version: str | None) -> frozenset[str]:
    if version is not None and version.isdigit():
        found = ctx.model(name, int(version))
        if found is not None:
            return ctx.model_tags(found)
    # an unversioned (or unknown) model node: the packs' tags for its name only
    return frozenset(
        tag
        for pack in ctx.packs
        for pattern, tags in pack.model_tags
        if fnmatchcase(name, pattern)
        for tag in tags
    )
