"""A plug-in rule module, as a team would keep one next to its policies (``plugins:``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govern.policies import ModelTarget, Outcome, Param, RuleContext, rule


@rule(
    "test_max_features",
    target="model",
    params={"max": Param("integer", required=True, minimum=1, doc="most input features")},
)
def max_features(target: ModelTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """A model uses at most ``max`` input features."""
    count = len(target.model.input_signature)
    if count <= params["max"]:
        return Outcome.ok(f"{count} input feature(s)")
    return Outcome.fail(f"{count} input features; at most {params['max']} allowed")
