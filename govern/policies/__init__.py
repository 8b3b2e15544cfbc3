"""Policies enforced in CI: packs of rules evaluated against the audit record.

Policies read only the store; they never re-run anything. The pieces:

- :func:`load_packs` reads and validates policy files (YAML, format version 1);
- :func:`evaluate` judges every rule on the targets of the runs chosen and returns an
  :class:`Evaluation` (verdicts, waivers applied, expired waivers reported);
- :func:`record_evaluation` appends it to the store as ``policy_evaluation`` records and
  :func:`approve` records a model sign-off (``approval``);
- :func:`render` turns an evaluation into text, JSON, JUnit XML, GitHub workflow
  commands, SARIF 2.1.0 or Markdown.

Add conditions with the :func:`rule` decorator or a ``govern.policies`` entry point.

Example::

    from govern.policies import evaluate, load_packs, render
    from govern.store import open_store

    with open_store(create=False) as store:
        result = evaluate(store, load_packs("policies/"))
    print(render(result, "text"))
"""

from govern.errors import PolicyError
from govern.policies.context import RuleContext
from govern.policies.evaluate import evaluate
from govern.policies.loader import load_packs
from govern.policies.model import (
    Evaluation,
    ExpiredWaiver,
    Pack,
    PolicyRule,
    Scope,
    TargetKind,
    Verdict,
    VerdictStatus,
    Waiver,
)
from govern.policies.params import Param
from govern.policies.record import approve, record_evaluation
from govern.policies.registry import ENTRY_POINT_GROUP, Outcome, Rule, register, rule, rule_names
from govern.policies.render import OutputFormat, render
from govern.policies.targets import DatasetTarget, ModelTarget, PipelineTarget, StageTarget, Target

__all__ = [
    "ENTRY_POINT_GROUP",
    "DatasetTarget",
    "Evaluation",
    "ExpiredWaiver",
    "ModelTarget",
    "Outcome",
    "OutputFormat",
    "Pack",
    "Param",
    "PipelineTarget",
    "PolicyError",
    "PolicyRule",
    "Rule",
    "RuleContext",
    "Scope",
    "StageTarget",
    "Target",
    "TargetKind",
    "Verdict",
    "VerdictStatus",
    "Waiver",
    "approve",
    "evaluate",
    "load_packs",
    "record_evaluation",
    "register",
    "render",
    "rule",
    "rule_names",
]
