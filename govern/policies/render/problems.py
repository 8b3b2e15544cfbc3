"""A policy (or schema) file that could not be used, in the formats CI reads.

``govern check`` exits 2 on a bad policy file. Plain stderr is lost on CI systems that
read annotations or SARIF, so ``--format github`` also prints an ``::error file=,line=::``
workflow command on the offending line, and ``--format sarif`` writes a SARIF log with no
results whose ``invocations[0]`` is unsuccessful and carries the error as a
``toolExecutionNotification`` (``upload-sarif`` still gets a valid file).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from govern.errors import PolicyError
from govern.policies.render import OutputFormat
from govern.policies.render.github import workflow_command
from govern.policies.render.sarif import INFORMATION_URI, location, sarif_log

__all__ = ["Problem", "problem_of", "render_problem"]

_PREFIX = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+): (?P<rest>.*)$", re.DOTALL)
ERROR_ID = "govern/policy-error"


@dataclass(frozen=True, slots=True)
class Problem:
    """An error with its location, when known."""

    text: str  # the whole message, as on stderr
    message: str  # without the ``FILE:LINE:`` (or ``FILE:``) prefix where one was split off
    file: str | None = None
    line: int | None = None


def problem_of(err: PolicyError) -> Problem:
    """The message and location of ``err`` (from its attributes, else its prefix)."""
    text = str(err)
    file, line = err.file, err.line
    if file is None:
        match = _PREFIX.match(text)
        if match is None:
            return Problem(text, text)
        file, line = match["file"], int(match["line"])
    prefix = f"{file}:{line}: " if line is not None else f"{file}: "
    return Problem(text, text.removeprefix(prefix), file, line)


def _github(problem: Problem, title: str) -> str:
    props: dict[str, str | int] = {}
    if problem.file is not None:
        props["file"] = problem.file
        if problem.line is not None:
            props["line"] = problem.line
    props["title"] = title
    return workflow_command("error", problem.message, **props) + "\n"


def _sarif(problem: Problem, title: str, exit_code: int) -> str:
    notification: dict[str, object] = {
        "level": "error",
        "message": {"text": problem.text},
        "descriptor": {"id": ERROR_ID},
    }
    if problem.file is not None:
        notification["locations"] = [location(problem.file, problem.line or None)]
    log = sarif_log(
        rules=[],
        results=[],
        notifications=[
            {
                "id": ERROR_ID,
                "shortDescription": {"text": "A policy or schema file cannot be used"},
                "defaultConfiguration": {"level": "error"},
                "helpUri": INFORMATION_URI,
            }
        ],
        invocation={
            "executionSuccessful": False,
            "exitCode": exit_code,
            "endTimeUtc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "toolExecutionNotifications": [notification],
        },
        properties={"title": title, "passed": False},
    )
    return json.dumps(log, indent=2) + "\n"


def render_problem(
    err: PolicyError, fmt: OutputFormat | str, *, title: str = "govern check", exit_code: int = 2
) -> str | None:
    """``err`` as GitHub annotations or a SARIF log; None for the other formats."""
    fmt = OutputFormat(fmt)
    problem = problem_of(err)
    if fmt is OutputFormat.GITHUB:
        return _github(problem, f"{title}: bad policy file")
    if fmt is OutputFormat.SARIF:
        return _sarif(problem, title, exit_code)
    return None
