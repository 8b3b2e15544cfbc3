"""The committed reports/ are what scripts/reports.sh generates today (after the mask)."""

from __future__ import annotations

import difflib

import pytest

from tests.conftest import REPO_ROOT
from tests.reports.conftest import ExampleReports
from tests.reports.mask import mask

DOCUMENTS = ("audit.html", "audit.md", "penguin-species.html", "penguin-species.md")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_committed_report_is_current(example_reports: ExampleReports, name: str) -> None:
    committed = (REPO_ROOT / "reports" / name).read_text()
    fresh = (example_reports.out / name).read_text()
    want, got = mask(committed), mask(fresh)
    if want != got:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True),
                got.splitlines(keepends=True),
                f"reports/{name} (committed, masked)",
                f"{name} (generated now, masked)",
                n=1,
            )
        )
        pytest.fail(
            f"reports/{name} is stale: regenerate with `bash scripts/reports.sh`.\n{diff[:6000]}"
        )


def test_mask_hides_only_what_changes() -> None:
    text = (
        "run 01a1fde2-cc59-7272-997e-d2dc4584fd92 at 2026-11-21 11:34:21 UTC took 13.8 s; "
        "head 8ff1626441fcbdb2b605c6161bffb408ab2260bf15ca87f949e640dc6a211e64 in "
        "/tmp/x/govern.db; accuracy 0.9881, 333 rows\n| host | vm |\n"
        "dataset file:/home/u/penguins.csv</title> https://example.org/a/b\n"
    )
    assert mask(text) == (
        "run <uuid> at <time> took <duration>; head <hash> in <path>; accuracy 0.9881, "
        "333 rows\n| host | <machine> |\n"
        "dataset file:<path></title> https://example.org/a/b\n"
    )
