"""User templates: Jinja2's immutable sandbox, extending the shipped ones, time and size bound.

A templates directory holds untrusted template code. It runs in the immutable sandbox;
a template may extend or import a shipped template of the same name (``{% extends
"audit.html.j2" %}`` inside ``audit.html.j2`` means the shipped one, as does the explicit
``govern:audit.html.j2``), so a user overrides one block instead of copying a file.
Rendering is bounded in time and output size: a template that loops for ever or writes
gigabytes stops with a ReportError naming the limit, not a hang.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from govern.errors import TemplateLimitError

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["LIMITS", "SHIPPED", "UserTemplateEnvironment", "render_bounded"]

SHIPPED = "govern:"
"""Prefix naming a shipped template explicitly (``govern:audit.html.j2``)."""

LIMITS = {"seconds": 20.0, "chars": 64 * 1024 * 1024}
"""Bounds of one user-template render: wall-clock seconds and output characters."""

_CHECK_EVERY = 4096  # template lines between two clock reads


class UserTemplateEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, where a template naming itself means the shipped template."""

    def join_path(self, template: str, parent: str) -> str:
        """The name ``parent`` means by ``template``: itself means the shipped one."""
        if template == parent or SHIPPED + template == parent:
            return SHIPPED + template
        return template


def render_bounded(template: Template, variables: Mapping[str, Any]) -> str:
    """Render ``template`` within ``LIMITS`` (time checked on every template line).

    Raises:
        TemplateLimitError: the render took longer than ``LIMITS["seconds"]`` or wrote
            more than ``LIMITS["chars"]`` characters.
    """
    seconds, chars = float(LIMITS["seconds"]), int(LIMITS["chars"])
    env = template.environment
    deadline = time.monotonic() + seconds
    lines = 0

    def over_time() -> TemplateLimitError:
        return TemplateLimitError(
            f"rendering took longer than {seconds:g} s (user templates are time bound)"
        )

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        lines += 1
        if lines % _CHECK_EVERY == 0 and time.monotonic() > deadline:
            raise over_time()
        return on_line

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        # only frames of compiled template code (their globals hold the environment)
        return on_line if frame.f_globals.get("environment") is env else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(dict(variables)):
            size += len(chunk)
            if size > chars:
                raise TemplateLimitError(
                    f"output exceeds {chars} characters (user templates are size bound)"
                )
            parts.append(chunk)
            if time.monotonic() > deadline:
                raise over_time()
        return "".join(parts)
    finally:
        sys.settrace(previous)
