"""``govern lineage ...``: output formats and exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa
import pytest

import govern
from govern.cli import main

Rows = pa.DataFrameSchema({"x": pa.Column(int)})


@govern.stage(inputs={"raw": Rows}, outputs=Rows)
def prepare(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


@govern.stage(inputs={"rows": Rows}, outputs=govern.model("tiny"))
def fit(rows: pd.DataFrame) -> dict[str, int]:
    govern.log_metrics(accuracy=1.0)
    return {"weights": 1}


def pipeline() -> None:
    raw = govern.source(pd.DataFrame({"x": [1, 2]}), "/data/raw.csv")
    with govern.run("cli"):
        fit(prepare(raw))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_formats(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline()
    code, out, _ = run(["lineage", "model:tiny"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "model:tiny@1"
    assert "job:testproject:cli.fit" in out and "dataset:file:/data/raw.csv @ xxh3-128:" in out
    code, out, _ = run(["lineage", "model:tiny@1", "--format", "json", "--depth", "1"], capsys)
    data = json.loads(out)
    assert code == 0 and data["root"] == "model:tiny@1"
    assert {n["kind"] for n in data["nodes"]} == {"dataset", "job", "model"}
    assert not any(n["name"] == "/data/raw.csv" for n in data["nodes"])  # past depth 1
    code, out, _ = run(
        ["lineage", "--downstream", "dataset:file:/data/raw.csv", "-f", "mermaid"], capsys
    )
    assert code == 0 and out.startswith("flowchart LR") and "model:tiny@1" in out
    code, out, _ = run(["lineage", "job:testproject:cli.prepare", "--both"], capsys)
    assert code == 0 and "upstream of job:testproject:cli.prepare" in out
    assert "downstream of job:testproject:cli.prepare" in out


def test_usage_errors_exit_2_unknown_nodes_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["lineage", "model:tiny"], capsys)
    assert code == 3 and "no govern store" in err  # nothing recorded yet
    pipeline()
    for args, message in (
        (["lineage", "tiny"], "is not a lineage node"),
        (["lineage", "model:tiny", "--format", "dot"], "--format must be tree, json or mermaid"),
        (["lineage", "model:tiny", "--upstream", "--downstream"], "give one of"),
        (["lineage", "model:tiny", "--depth", "-1"], "--depth must be 0 or more"),
    ):
        code, _, err = run(args, capsys)
        assert code == 2 and message in err, args
        assert "Traceback" not in err
    code, _, err = run(["lineage", "model:huge"], capsys)
    assert code == 3 and "no model 'huge'" in err and "model:tiny" in err


def test_status_and_replay_without_a_transport(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline()
    code, out, _ = run(["lineage", "status"], capsys)
    assert code == 0 and "events are kept in the store only" in out
    code, out, _ = run(["lineage", "status", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["configured"] == []
    code, _, err = run(["lineage", "replay"], capsys)
    assert code == 2 and "no OpenLineage transport is configured" in err


def test_a_bad_transport_configuration_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline()
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")  # no url
    govern.config.reset()
    code, _, err = run(["lineage", "replay"], capsys)
    assert code == 2 and "url" in err and "Traceback" not in err
    (tmp := govern.settings().project_root / "openlineage.yml").write_text("transport: [\n")
    code, _, err = run(["lineage", "status"], capsys)
    assert code == 2 and f"{tmp} line" in err and "not valid YAML" in err
