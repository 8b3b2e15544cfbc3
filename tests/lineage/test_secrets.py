"""Secrets never reach events: URI credentials, secret env vars and parameters, PII values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

import govern
from govern.errors import GateWarning
from govern.lineage.export import events as exported
from govern.lineage.redact import is_secret_name, redact_text
from govern.store import open_store
from tests.lineage.conftest import flush, read_jsonl, validate_event

Emails = pa.DataFrameSchema(
    {
        "email": pa.Column(str, pa.Check.str_matches(r"^[^@]+@example\.org$")),
        "salary": pa.Column(float),
    }
)
SECRETS = ("s3cr3t-pw", "hunter2-env", "aws-secret-xyz", "tok-999", "pw-888", "sig-abc")


def _everything(events_file: Path) -> str:
    delivered = read_jsonl(events_file)
    with open_store() as store:
        rebuilt = list(exported(store))
    assert delivered and rebuilt
    for event in delivered:
        validate_event(event)
    return json.dumps(delivered) + json.dumps(rebuilt)


def test_credentials_env_and_secret_params_stay_out(
    events_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "hunter2-env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-xyz")
    # the OpenLineage client would copy these into an environmentVariables facet
    monkeypatch.setenv("OPENLINEAGE__FACETS__ENVIRONMENT_VARIABLES", '["DB_PASSWORD"]')
    govern.config.reset()

    @govern.stage()
    def load(orders: pd.DataFrame, files: pd.DataFrame) -> pd.DataFrame:
        govern.log_params(api_token="tok-999", password="pw-888", batch=7)
        return orders

    @govern.stage()
    def connect(df: pd.DataFrame) -> pd.DataFrame:
        raise ConnectionError("cannot reach postgres://admin:s3cr3t-pw@db.internal:5432/shop")

    orders = govern.source(
        pd.DataFrame({"id": [1]}),
        "shop.public.orders",
        namespace="postgres://admin:s3cr3t-pw@db.internal:5432",
    )
    files = govern.source(
        pd.DataFrame({"id": [1]}),
        "bucket/key.csv?X-Amz-Signature=sig-abc",
        namespace="s3://bucket",
    )
    with pytest.raises(ConnectionError), govern.run("secrets"):
        connect(load(orders, files))
    flush()
    text = _everything(events_file)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "postgres://db.internal:5432" in text  # the identity stays, without credentials
    assert "postgres://***@db.internal:5432/shop" in text  # the error says where, not how
    assert '"key":"batch","value":"7"' in text.replace(" ", "")


def test_pii_columns_give_no_values_even_if_configured_after_recording(
    events_file: Path,
) -> None:
    govern.configure(metrics="full")

    @govern.stage(inputs={"df": Emails}, on_fail="warn")
    def score(df: pd.DataFrame) -> pd.DataFrame:
        return df

    frame = pd.DataFrame(
        {"email": ["ann@example.org", "bob@evil.test"], "salary": [123456.0, 98765.0]}
    )
    with pytest.warns(GateWarning), govern.run("pii"):
        score(frame)
    flush()
    raw = json.dumps(read_jsonl(events_file))
    assert "bob@evil.test" in raw  # not PII yet: the failure sample is there

    govern.configure(pii_columns=["email", "salary"])  # now it is: rebuilt events hide it
    with open_store() as store:
        rebuilt = list(exported(store))
    text = json.dumps(rebuilt)
    assert "bob@evil.test" not in text and "ann@example.org" not in text
    assert "123456" not in text and "98765" not in text  # no min/max/sum of a PII column
    tags = [
        t
        for e in rebuilt
        for d in e.get("inputs", [])
        for t in d["facets"].get("tags", {}).get("tags", [])
    ]
    assert {(t["key"], t["field"]) for t in tags} == {("pii", "email"), ("pii", "salary")}


def test_pii_samples_are_withheld_at_record_time_too(events_file: Path) -> None:
    govern.configure(pii_columns=["email"])

    @govern.stage(inputs={"df": Emails}, on_fail="warn")
    def score(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with pytest.warns(GateWarning), govern.run("pii-first"):
        score(pd.DataFrame({"email": ["bob@evil.test"], "salary": [1.0]}))
    flush()
    assert "bob@evil.test" not in _everything(events_file)


def test_imported_events_lose_their_credentials(tmp_path: Path) -> None:
    from govern.lineage.importer import import_file

    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-05-01T10:00:00Z",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0190a000-0000-7000-8000-000000000001"},
        "job": {"namespace": "spark", "name": "etl"},
        "outputs": [
            {
                "namespace": "postgres://etl:s3cr3t-pw@warehouse:5432",
                "name": "db.public.t",
                "facets": {"connection": {"password": "pw-888", "url": "jdbc://x"}},
            }
        ],
    }
    path = tmp_path / "spark.jsonl"
    path.write_text(json.dumps(event) + "\n")
    with open_store() as store:
        assert import_file(store, path).added == 1
        text = json.dumps(list(exported(store)))
    assert "s3cr3t-pw" not in text and "pw-888" not in text
    assert "postgres://warehouse:5432" in text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("db_token", True),
        ("apiKey", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("private-key", True),
        ("max_tokens", False),
        ("tokenizer", False),
        ("passes", False),
        ("batch", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_redact_text() -> None:
    assert redact_text("postgres://u:p@h/db") == "postgres://***@h/db"
    assert redact_text("login failed: password=hunter2 user=x") == (
        "login failed: password=*** user=x"
    )
    assert redact_text("max_tokens=5") == "max_tokens=5"


def test_a_spark_plan_sized_event_imports_in_linear_time(tmp_path: Path) -> None:
    """Issue: a 300 KB string hung the import past 60 s (quadratic redaction)."""
    import time

    from govern.lineage.importer import import_file

    plan = "Project [" + "col_a#1L, " * 30_000 + "] jdbc password=pw-777 ]"
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-05-01T10:00:00Z",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {
            "runId": "0190a000-0000-7000-8000-000000000002",
            "facets": {
                "spark.logicalPlan": {
                    "_producer": "https://example.org/spark",
                    "_schemaURL": "https://example.org/plan.json",
                    "plan": plan + "k" * 200_000,
                }
            },
        },
        "job": {"namespace": "spark", "name": "etl"},
    }
    path = tmp_path / "plan.jsonl"
    path.write_text(json.dumps(event) + "\n")
    started = time.perf_counter()
    with open_store() as store:
        assert import_file(store, path).added == 1
        text = json.dumps(list(exported(store)))
    assert time.perf_counter() - started < 60  # a hang guard, not a benchmark
    assert "col_a#1L" in text and "pw-777" not in text
