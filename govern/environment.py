"""What a run ran on: git commit, Python, key package versions, host, user, command, CI job.

``capture()`` reads only what it needs: ``git`` (with a 2 s timeout), ``sys``,
``platform``, ``importlib.metadata`` and the few environment variables CI systems
document for job identity, and the OpenLineage integrations' parent-run variables
(``OPENLINEAGE_PARENT_ID`` / ``OPENLINEAGE_PARENT_JOB_NAMESPACE``, ``_JOB_NAME``,
``_RUN_ID`` and their ``OPENLINEAGE_ROOT_PARENT_*`` forms, which Airflow's OpenLineage
provider macros and dbt-ol set for a task's subprocesses, or ``OPENLINEAGE_CONTEXT``). No
other environment variable is read, so secrets in the environment never reach the record;
what is read (the command line, CI job names and URLs) is redacted by govern.redaction:
``user:pass@`` in URLs, values of ``--password``/``--token``/``--secret``-like options,
``KEY=value`` arguments with a secret-looking key, secret query parameters, known token
shapes.
"""

from __future__ import annotations

import getpass
import json
import os
import platform
import re
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

from govern.redaction import redact_argv, redact_mapping

__all__ = [
    "KEY_PACKAGES",
    "capture",
    "ci_job",
    "git",
    "git_state",
    "orchestrator_parent",
    "redact_argv",
]

KEY_PACKAGES = (
    "govern",
    "pandas",
    "pyarrow",
    "pandera",
    "great-expectations",
    "openlineage-python",
    "polars",
    "scikit-learn",
    "pyspark",
)
"""Packages whose installed versions are recorded (those not installed are left out)."""

_GIT_TIMEOUT = 2.0


def capture(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The environment of this process, as a JSON-able dict.

    Args:
        argv: the command line to record (default ``sys.argv``).
        env: the variables to look for CI identity in (default ``os.environ``).
    """
    found = {
        "git": git_state(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": platform.platform(),
        "packages": _packages(),
        "host": socket.gethostname(),
        "user": _user(),
        "command": redact_argv(sys.argv if argv is None else argv),
        "ci": ci_job(os.environ if env is None else env),
    }
    variables = os.environ if env is None else env
    parent = _from_context(variables.get("OPENLINEAGE_CONTEXT")) or orchestrator_parent(variables)
    if parent is not None:
        found["openlineage_parent"] = parent
    return found


_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def _parent_run(env: Mapping[str, str], prefix: str) -> dict[str, str] | None:
    """``{namespace, name, run_id}`` from ``{prefix}_ID`` or the three discrete variables."""
    joined = env.get(f"{prefix}_ID", "").strip()
    if joined.count("/") >= 2:
        # "{namespace}/{job name}/{run id}": a job name may hold "/", a namespace not
        namespace, rest = joined.split("/", 1)
        name, _, run_id = rest.rpartition("/")
    else:
        namespace = env.get(f"{prefix}_JOB_NAMESPACE", "").strip()
        name = env.get(f"{prefix}_JOB_NAME", "").strip()
        run_id = env.get(f"{prefix}_RUN_ID", "").strip()
    if not (namespace and name and _UUID.match(run_id)):
        return None  # incomplete, or not a run id the OpenLineage spec accepts
    return {"namespace": namespace, "name": name, "run_id": run_id.lower()}


def orchestrator_parent(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The orchestrator task this process runs in, as the OpenLineage integrations pass it.

    Returns ``{"parent": {...}, "root": {...}}`` (the root is the parent when no root is
    given), or None when no complete parent is set.
    """
    parent = _parent_run(env, "OPENLINEAGE_PARENT")
    if parent is None:
        return None
    return {"parent": parent, "root": _parent_run(env, "OPENLINEAGE_ROOT_PARENT") or parent}


def _from_context(raw: str | None) -> dict[str, Any] | None:
    """``OPENLINEAGE_CONTEXT`` (``{"parent": {"run": {"runId"}, "job": {...}, "root": ...}}``)."""
    try:
        if not raw:
            return None
        parent = json.loads(raw)["parent"]
        env = {
            "OPENLINEAGE_PARENT_JOB_NAMESPACE": parent["job"]["namespace"],
            "OPENLINEAGE_PARENT_JOB_NAME": parent["job"]["name"],
            "OPENLINEAGE_PARENT_RUN_ID": parent["run"]["runId"],
        }
        root = parent.get("root") or {}
        if root:
            env.update(
                OPENLINEAGE_ROOT_PARENT_JOB_NAMESPACE=root["job"]["namespace"],
                OPENLINEAGE_ROOT_PARENT_JOB_NAME=root["job"]["name"],
                OPENLINEAGE_ROOT_PARENT_RUN_ID=root["run"]["runId"],
            )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all(isinstance(v, str) for v in env.values()):
        return None
    return orchestrator_parent(env)


def git_state(cwd: str | None = None) -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` of the repository at ``cwd``; None outside one."""
    commit = git(["rev-parse", "HEAD"], cwd)
    if commit is None:
        return None
    status = git(["status", "--porcelain", "--untracked-files=no"], cwd)
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def git(args: list[str], cwd: str | None = None) -> str | None:
    """``git ARGS`` output (stripped), or None without git, outside a repo, or on timeout."""
    try:
        done = subprocess.run(  # noqa: S603 -- fixed arguments, no shell
            ["git", *args],  # noqa: S607 -- git from PATH, as a user would run it
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()


def _packages() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def ci_job(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The CI system and job identity from its documented variables, or None outside CI."""
    if env.get("GITHUB_ACTIONS") == "true":
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        repo = env.get("GITHUB_REPOSITORY")
        run_id = env.get("GITHUB_RUN_ID")
        url = f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None
        return _ci("github-actions", run_id, url, job=env.get("GITHUB_JOB"))
    if env.get("GITLAB_CI"):
        return _ci("gitlab-ci", env.get("CI_JOB_ID"), env.get("CI_JOB_URL"))
    if env.get("CIRCLECI"):
        return _ci(
            "circleci",
            env.get("CIRCLE_WORKFLOW_JOB_ID") or env.get("CIRCLE_BUILD_NUM"),
            env.get("CIRCLE_BUILD_URL"),
            job=env.get("CIRCLE_JOB"),
        )
    if env.get("BUILDKITE"):
        return _ci(
            "buildkite",
            env.get("BUILDKITE_JOB_ID"),
            env.get("BUILDKITE_BUILD_URL"),
            job=env.get("BUILDKITE_LABEL"),
        )
    if env.get("JENKINS_URL"):
        return _ci("jenkins", env.get("BUILD_TAG") or env.get("BUILD_ID"), env.get("BUILD_URL"))
    if env.get("CI", "").lower() in ("true", "1", "yes"):
        return _ci("ci", None, None)
    return None


def _ci(
    system: str, job_id: str | None, url: str | None, *, job: str | None = None
) -> dict[str, Any]:
    found: dict[str, Any] = {"system": system, "job_id": job_id, "url": url}
    if job is not None:
        found["job"] = job
    return redact_mapping(found)
