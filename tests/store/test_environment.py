from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from govern import environment
from govern.environment import capture, ci_job, git_state, redact_argv


def test_capture_has_the_parts_and_is_json() -> None:
    env = capture(argv=["pipeline.py", "--rows", "10"], env={})
    assert set(env) == {
        "git",
        "python",
        "platform",
        "packages",
        "host",
        "user",
        "command",
        "ci",
    }  # "openlineage_parent" only inside an orchestrator's task (tests/lineage)
    assert env["python"]["version"].count(".") == 2
    assert env["python"]["implementation"]
    assert env["packages"]["govern"]
    assert "pyspark-not-a-package" not in env["packages"]
    assert env["command"] == ["pipeline.py", "--rows", "10"]
    assert env["ci"] is None
    json.dumps(env)


def test_only_installed_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environment, "KEY_PACKAGES", ("govern", "surely-not-installed-pkg"))
    assert list(capture(argv=[], env={})["packages"]) == ["govern"]


def test_git_state(tmp_path: Path) -> None:
    assert git_state(str(tmp_path)) is None  # not a repository
    if subprocess.run(["git", "--version"], capture_output=True, check=False).returncode:
        pytest.skip("git not installed")

    def run(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    run("init", "-q")
    run("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x")
    state = git_state(str(tmp_path))
    assert state is not None and len(state["commit"]) == 40 and state["dirty"] is False
    (tmp_path / "f.txt").write_text("x")
    run("add", "f.txt")
    assert git_state(str(tmp_path)) == {"commit": state["commit"], "dirty": True}


def test_git_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert git_state() is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run.py", "postgresql://bob:pw@db:5432/x"], ["run.py", "postgresql://***@db:5432/x"]),
        (["--url=https://tok@github.com/o/r"], ["--url=https://***@github.com/o/r"]),
        (["--password", "hunter2", "--rows", "3"], ["--password", "***", "--rows", "3"]),
        (
            ["--db-token=abc", "--api-key", "k", "--secret=s"],
            ["--db-token=***", "--api-key", "***", "--secret=***"],
        ),
        (["--passes", "3", "--author", "me"], ["--passes", "3", "--author", "me"]),
        (["-", "--", "plain"], ["-", "--", "plain"]),
        # forms that passed before govern.redaction
        (["DB_PASSWORD=hunter2"], ["DB_PASSWORD=***"]),
        (["--conn", "host=h password=pw dbname=d"], ["--conn", "host=h password=*** dbname=d"]),
        (["-H", "Authorization: Bearer abc"], ["-H", "Authorization: Bearer ***"]),
        (
            ["https://a.blob.core.windows.net/c?sv=1&sig=abc"],
            ["https://a.blob.core.windows.net/c?sv=1&sig=***"],
        ),
        (["mysql://root:p@ss@h/x"], ["mysql://***@h/x"]),
        (["ghp_" + "a" * 36], ["***"]),
        (["--client-secret", "s"], ["--client-secret", "***"]),
    ],
)
def test_command_line_redaction(argv: list[str], expected: list[str]) -> None:
    assert redact_argv(argv) == expected


def test_ci_systems() -> None:
    assert ci_job({}) is None
    assert ci_job({"HOME": "/root", "AWS_SECRET_ACCESS_KEY": "x"}) is None
    gh = ci_job(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_RUN_ID": "42",
            "GITHUB_JOB": "test",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_TOKEN": "ghp_secret",
        }
    )
    assert gh == {
        "system": "github-actions",
        "job_id": "42",
        "job": "test",
        "url": "https://github.com/o/r/actions/runs/42",
    }
    assert "ghp_secret" not in json.dumps(gh)
    gl = ci_job({"GITLAB_CI": "true", "CI_JOB_ID": "7", "CI_JOB_URL": "https://gl/j/7"})
    assert gl == {"system": "gitlab-ci", "job_id": "7", "url": "https://gl/j/7"}
    assert ci_job({"CIRCLECI": "true", "CIRCLE_BUILD_NUM": "9"})["system"] == "circleci"  # type: ignore[index]
    assert ci_job({"BUILDKITE": "true", "BUILDKITE_JOB_ID": "b"})["job_id"] == "b"  # type: ignore[index]
    jenkins = ci_job({"JENKINS_URL": "https://j", "BUILD_TAG": "jenkins-x-1"})
    assert jenkins is not None and jenkins["job_id"] == "jenkins-x-1"
    assert ci_job({"CI": "true"}) == {"system": "ci", "job_id": None, "url": None}


def test_capture_reads_ci_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "BUILDKITE", "JENKINS_URL", "CI"):
        monkeypatch.delenv(key, raising=False)
    assert capture(argv=[])["ci"] is None
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_JOB_ID", "123")
    monkeypatch.setenv("SOME_PASSWORD", "never-recorded")
    env = capture(argv=[])
    assert env["ci"]["job_id"] == "123"
    assert "never-recorded" not in json.dumps(env)


def test_ci_urls_and_names_are_redacted() -> None:
    gh = ci_job(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_RUN_ID": "42",
            "GITHUB_JOB": "deploy password=pw-1",
            "GITHUB_SERVER_URL": "https://x-access-token:tok-2@github.example.com",
            "GITHUB_REPOSITORY": "o/r",
        }
    )
    assert gh is not None
    assert gh["url"] == "https://***@github.example.com/o/r/actions/runs/42"
    assert gh["job"] == "deploy password=***"
    jenkins = ci_job({"JENKINS_URL": "https://j", "BUILD_URL": "https://u:pw-3@j/job/1?token=t-4"})
    assert jenkins is not None
    assert "pw-3" not in json.dumps(jenkins) and "t-4" not in json.dumps(jenkins)


def test_capture_redacts_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["train.py", "--password", "pw-5", "DB_TOKEN=tok-6", "postgres://u:pw-7@h/db"]
    env = capture(argv=argv)
    assert env["command"] == [
        "train.py",
        "--password",
        "***",
        "DB_TOKEN=***",
        "postgres://***@h/db",
    ]
