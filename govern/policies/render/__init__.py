"""Renderers of an Evaluation for people and CI systems: one module per format.

``render(evaluation, fmt)`` returns the text; every format carries the same verdicts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from govern.policies.model import Evaluation

__all__ = ["OutputFormat", "render"]


class OutputFormat(enum.StrEnum):
    """The formats of ``govern check`` and ``govern validate``."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    GITHUB = "github"
    SARIF = "sarif"
    MARKDOWN = "markdown"


def _renderer(fmt: OutputFormat) -> Callable[[Evaluation], str]:
    if fmt is OutputFormat.TEXT:
        from govern.policies.render.text import render_text

        return render_text
    if fmt is OutputFormat.JSON:
        from govern.policies.render.jsonout import render_json

        return render_json
    if fmt is OutputFormat.JUNIT:
        from govern.policies.render.junit import render_junit

        return render_junit
    if fmt is OutputFormat.GITHUB:
        from govern.policies.render.github import render_github

        return render_github
    if fmt is OutputFormat.SARIF:
        from govern.policies.render.sarif import render_sarif

        return render_sarif
    from govern.policies.render.markdown import render_markdown

    return render_markdown


def render(evaluation: Evaluation, fmt: OutputFormat | str) -> str:
    """The evaluation in format ``fmt`` (text, json, junit, github, sarif, markdown)."""
    return _renderer(OutputFormat(fmt))(evaluation)
