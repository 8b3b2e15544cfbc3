"""What a run ran on: git commit, Python, key package versions, host, user, command, CI job.

``capture()`` reads only what it needs: ``git`` (with a 2 s timeout), ``sys``,
``platform``, ``importlib.metadata`` and the few environment variables CI systems
document for job identity. No other environment variable is read, so secrets in the
environment never reach the record; what is read (the command line, CI job names and
URLs) is redacted by govern.redaction: ``user:pass@`` in URLs, values of
``--password``/``--token``/``--secret``-like options, ``KEY=value`` arguments with a
secret-looking key, secret query parameters, known token shapes.
"""

from __future__ import annotations

import getpass
import json
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

from govern.redaction import redact_argv, redact_mapping

__all__ = ["KEY_PACKAGES", "capture", "ci_job", "git", "git_state", "redact_argv"]

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
    return {
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
        "openlineage_parent": openlineage_parent(os.environ if env is None else env),
    }


def openlineage_parent(env: Mapping[str, str]) -> dict[str, str] | None:
    """The orchestrator run this process runs under, as OpenLineage integrations pass it.

    ``OPENLINEAGE_CONTEXT`` (JSON ``{"parent": {"run": {"runId"}, "job": {"namespace",
    "name"}, "root": {...}}}``), else ``OPENLINEAGE_PARENT_ID`` /
    ``OPENLINEAGE_ROOT_PARENT_ID`` (``namespace/name/runId``) -- what an Airflow task hands
    to dbt-ol. Returns ``{job_namespace, job_name, run_id, root_*}`` (root defaults to the
    parent), or None when unset or malformed. No other variable is read.
    """
    parent = _from_context(env.get("OPENLINEAGE_CONTEXT"))
    if parent is None:
        parts = env.get("OPENLINEAGE_PARENT_ID", "").split("/")
        if len(parts) != 3 or not all(parts):
            return None
        parent = {"job_namespace": parts[0], "job_name": parts[1], "run_id": parts[2]}
        root = env.get("OPENLINEAGE_ROOT_PARENT_ID", "").split("/")
        if len(root) == 3 and all(root):
            parent.update(root_job_namespace=root[0], root_job_name=root[1], root_run_id=root[2])
    parent.setdefault("root_job_namespace", parent["job_namespace"])
    parent.setdefault("root_job_name", parent["job_name"])
    parent.setdefault("root_run_id", parent["run_id"])
    return parent


def _from_context(raw: str | None) -> dict[str, str] | None:
    try:
        if not raw:
            return None
        parent = json.loads(raw)["parent"]
        found = {
            "job_namespace": parent["job"]["namespace"],
            "job_name": parent["job"]["name"],
            "run_id": parent["run"]["runId"],
        }
        root = parent.get("root") or {}
        if root:
            found.update(
                root_job_namespace=root["job"]["namespace"],
                root_job_name=root["job"]["name"],
                root_run_id=root["run"]["runId"],
            )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return found if all(isinstance(v, str) and v for v in found.values()) else None


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
