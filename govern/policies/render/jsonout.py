"""JSON: the stored record's shape, plus the summary, runs and rules with no target."""

from __future__ import annotations

import json

from govern.policies.model import Evaluation
from govern.policies.render.summary import summary_counts

__all__ = ["render_json"]


def render_json(evaluation: Evaluation) -> str:
    """The ``policy_evaluation`` record data, with more for programs.

    Adds ``title``, ``summary``, ``runs``, ``not_applicable`` and anything extra
    (``govern validate``'s data file).
    """
    document = {
        "title": evaluation.title,
        **evaluation.to_record(),
        "summary": summary_counts(evaluation),
        "runs": list(evaluation.runs),
        "not_applicable": list(evaluation.not_applicable),
        **dict(evaluation.extra),
    }
    return json.dumps(document, indent=2, sort_keys=True, allow_nan=False, default=str) + "\n"
