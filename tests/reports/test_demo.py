"""The README's two commands in order: the demo leaves the tracked tree as it found it.

``scripts/demo.sh`` writes its reports under ``.govern/`` (ignored); only
``scripts/reports.sh`` regenerates the committed ``reports/``. And the currency test's
mask drops the package table, so it holds whichever extras the venv was built with.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from itertools import combinations
from pathlib import Path

from govern.environment import KEY_PACKAGES
from tests.conftest import REPO_ROOT
from tests.reports.conftest import script_env
from tests.reports.mask import mask


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


def _fresh_clone(into: Path) -> Path:
    """The working tree's tracked files (as they are now) committed into a new repository."""
    tracked = _git(REPO_ROOT, "ls-files", "-z").split("\0")
    for name in filter(None, tracked):
        source = REPO_ROOT / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(into, "init", "-q")
    _git(into, "add", "-A")
    _git(into, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "clone")
    return into


def test_demo_modifies_no_tracked_file(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path / "clone")
    committed = {p: (clone / "reports" / p).read_bytes() for p in ("audit.md", "audit.html")}
    done = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=clone,
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert _git(clone, "status", "--porcelain", "--untracked-files=all") == ""
    for name, data in committed.items():
        assert (clone / "reports" / name).read_bytes() == data
    written = clone / ".govern" / "reports"
    for name in ("audit.html", "audit.md", "penguin-species.html", "penguin-species.md"):
        assert (written / name).stat().st_size > 1000, name
    assert "penguin-species@1" in (written / "audit.md").read_text()
    # then the second command's report-currency tests, in the same clone, pass
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x",
         "tests/reports/test_current.py"],
        cwd=clone,
        env=script_env(PYTHONPATH=str(clone)),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:]


def _package_table(names: tuple[str, ...], html: bool) -> str:
    if html:
        rows = "".join(f'<tr><td>{n}</td><td class="mono">1.2.3</td></tr>\n' for n in names)
        return f"<table><tbody>\n{rows}</tbody></table>\n"
    rows = "".join(f"| {n} | 1.2.3 |\n" for n in names)
    return f"| package | version |\n| --- | --- |\n{rows}\n## next\n"


def test_mask_does_not_depend_on_the_installed_extras() -> None:
    core = ("govern", "pandas", "pyarrow", "pandera")
    extras = tuple(n for n in KEY_PACKAGES if n not in core)
    for html in (False, True):
        masked = {
            mask(_package_table(core + chosen, html))
            for k in range(len(extras) + 1)
            for chosen in combinations(extras, k)
        }
        assert len(masked) == 1, masked
    # only the package rows go: a table row of another kind stays
    assert mask("| runs | 1 |\n") == "| runs | 1 |\n"
