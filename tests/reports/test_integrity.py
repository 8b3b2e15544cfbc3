"""Every report states whether the record's chain verified; ``--require-verified`` fails."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from govern.cli import main
from govern.errors import IntegrityError
from govern.reports import audit, model_card
from govern.store import open_store
from tests.reports.conftest import ExampleReports


def _tampered_copy(example_reports: ExampleReports, into: Path) -> Path:
    store = example_reports.copy_store(into)
    with sqlite3.connect(store) as conn:
        changed = conn.execute(
            "UPDATE ledger SET body = replace(body, 'penguins', 'penguinz') "
            "WHERE seq = (SELECT max(seq) FROM ledger WHERE body LIKE '%penguins%')"
        ).rowcount
    assert changed == 1
    return store


def test_a_verified_store_says_so_with_its_head(example_reports: ExampleReports) -> None:
    with open_store(str(example_reports.store), create=False) as store:
        head = store.verify().head_hash
        for rendered in (
            audit(store, format="md"),
            model_card("penguin-species", store, format="md"),
            audit(store, format="html"),
        ):
            found = rendered.context["header"]["integrity"]
            assert found["status"] == "verified" and found["head_hash"] == head
            assert "Integrity: verified" in rendered.text and head in rendered.text
            assert "Tampered" not in rendered.text
        as_json = json.loads(audit(store, format="json").text)
        assert as_json["header"]["integrity"]["status"] == "verified"
        card = json.loads(model_card("penguin-species", store, format="json").text)
        assert f"Integrity: verified; chain head {head}" in card["model_details"]["documentation"]


def test_a_tampered_store_is_flagged_at_the_top(
    example_reports: ExampleReports, tmp_path: Path
) -> None:
    store = _tampered_copy(example_reports, tmp_path)
    for fmt, first_section in (("md", "## 1. Executive summary"), ("html", 'id="summary"')):
        text = audit(store, format=fmt).text
        assert "Integrity: tampered" in text
        assert text.index("Tampered record.") < text.index(first_section)
        assert "record seq" in text  # which record failed
    card = model_card("penguin-species", store, format="md").text
    assert "Integrity: tampered" in card
    assert card.index("Tampered record.") < card.index("## Model details")


@pytest.mark.parametrize("command", [["audit"], ["model-card", "penguin-species"]])
def test_require_verified_fails_on_a_tampered_store(
    example_reports: ExampleReports,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    store = str(_tampered_copy(example_reports, tmp_path))
    target = tmp_path / "out.md"
    code = main(["report", *command, "--store", store, "--require-verified", "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and "tampered" in err and "Traceback" not in err
    assert not target.exists()
    # without the flag the report is written, flagged
    assert main(["report", *command, "--store", store, "-o", str(target)]) == 0
    assert "Integrity: tampered" in target.read_text()


def test_require_verified_passes_on_a_verified_store(
    example_reports: ExampleReports, tmp_path: Path
) -> None:
    target = tmp_path / "a.md"
    store = str(example_reports.store)
    assert main(["report", "audit", "--store", store, "--require-verified", "-o", str(target)]) == 0
    assert "Integrity: verified" in target.read_text()


def test_a_keyed_chain_without_its_key_is_not_verified(
    isolated_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import govern
    from tests.reports.pipelines import two_runs

    monkeypatch.setenv("GOVERN_SIGNING_KEY", "k" * 32)
    govern.config.reset()
    two_runs()
    monkeypatch.delenv("GOVERN_SIGNING_KEY")
    govern.config.reset()
    rendered = audit(format="md")
    found = rendered.context["header"]["integrity"]
    assert found["status"] == "not verified" and found["keyed"]
    assert "Integrity: not verified" in rendered.text
    with pytest.raises(IntegrityError, match="not verified"):
        audit(format="md", require_verified=True)
