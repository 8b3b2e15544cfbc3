"""The shipped pre-commit hook, run by the real ``pre-commit`` on a fresh clone, no store.

``pre-commit try-repo`` installs the hook from a git clone of this repository's committed
state into its own virtualenv (``language: python``), as a user's ``pre-commit install``
would, and runs it in a separate project that has policy files and no ``.govern/`` store.
Offline: the hook's virtualenv finds govern's dependencies through PYTHONPATH (this
environment's site-packages) and pip may not reach an index; govern itself is built from
the clone (no build isolation, with this environment's setuptools).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

VALID = (REPO_ROOT / "policies" / "baseline.yaml").read_text(encoding="utf-8")


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pre_commit", reason="pre-commit is in the dev extra")
    if shutil.which("git") is None:
        pytest.skip("needs git")
    try:
        head = _git("rev-parse", "HEAD", cwd=REPO_ROOT).strip()
    except subprocess.CalledProcessError:
        pytest.skip("not a git checkout")
    clone = tmp_path_factory.mktemp("hook") / "govern"
    _git("clone", "--quiet", "--no-checkout", str(REPO_ROOT), str(clone), cwd=clone.parent)
    _git("checkout", "--quiet", head, cwd=clone)
    return clone


def _project(root: Path, policy: str) -> Path:
    project = root / "proj"
    (project / "policies").mkdir(parents=True)
    (project / "policies" / "baseline.yaml").write_text(policy, encoding="utf-8")
    _git("init", "--quiet", cwd=project)
    _git("add", ".", cwd=project)
    return project


def _try_repo(project: Path, hook_repo: Path) -> subprocess.CompletedProcess[str]:
    home = project.parent / "pre-commit-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env.update(
        PRE_COMMIT_HOME=str(home),
        PIP_NO_INDEX="1",  # offline: never reach for an index
        PIP_NO_BUILD_ISOLATION="0",  # pip's spelling of "build with what is installed"
        PYTHONPATH=sysconfig.get_paths()["purelib"],
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            "govern-check",
            "--all-files",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_hook_passes_on_valid_policies_without_a_store(hook_repo: Path, tmp_path: Path) -> None:
    project = _project(tmp_path, VALID)
    done = _try_repo(project, hook_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "govern check --lint (policy files)" in done.stdout and "Passed" in done.stdout
    assert not (project / ".govern").exists()  # linting made no store


def test_hook_fails_on_a_bad_policy_naming_file_and_line(hook_repo: Path, tmp_path: Path) -> None:
    bad = VALID.replace("max_rate: 0.05", "max_rate: .nan")
    assert bad != VALID
    line = bad.splitlines().index("      max_rate: .nan") + 1
    project = _project(tmp_path, bad)
    done = _try_repo(project, hook_repo)
    assert done.returncode == 1, done.stdout + done.stderr  # pre-commit's "a hook failed"
    assert "- exit code: 2" in done.stdout
    assert (
        f"govern: error: policies/baseline.yaml:{line}: rule 'quarantine-rate': parameter "
        "'max_rate' must be a finite number, got nan"
    ) in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not (project / ".govern").exists()


def test_the_wheel_ships_the_builtin_packs(hook_repo: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(hook_repo),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("govern-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for name in ("baseline", "ml-model"):
            shipped = archive.read(f"govern/policies/packs/{name}.yaml")
            assert shipped == (REPO_ROOT / "policies" / f"{name}.yaml").read_bytes()
