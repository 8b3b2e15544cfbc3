"""Redaction at capture time, in process: what a stage call records has no secret in it.

The caller still gets its own exception, unchanged: only the record is redacted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

import govern
from govern.datasets import dataset_ref_for_uri, redact_uri, spark_dataset_ref
from govern.recording import redacted
from govern.store import open_store
from govern.store.codec import encode_stage
from govern.types import CheckResult, OnFail, Severity, StageResult, Status


def _recorded_text() -> str:
    with open_store(create=False) as store:
        return json.dumps([encode_stage(s) for r in store.runs() for s in store.stage_runs(r.id)])


def test_exception_text_is_redacted_in_the_record_not_for_the_caller() -> None:
    @govern.stage()
    def connect() -> None:
        raise ConnectionError(
            "postgresql://admin:pw-1@db/x refused; password=pw-2; {'api_key': 'key-3'}"
        )

    with pytest.raises(ConnectionError, match="pw-1"):  # the caller's exception is its own
        connect()
    result = govern.last_result()
    assert result is not None and result.error is not None
    assert result.error == (
        "ConnectionError: postgresql://***@db/x refused; password=***; {'api_key': '***'}"
    )
    text = _recorded_text()
    assert "ConnectionError" in text
    for secret in ("pw-1", "pw-2", "key-3"):
        assert secret not in text


def test_log_params_under_secret_names_are_masked() -> None:
    @govern.stage()
    def load() -> int:
        govern.log_params(
            password="pw-4",
            db_url="postgres://u:pw-5@h/db",
            connection_string="Server=s;Password=pw-6",
            batch=7,
        )
        return 1

    load()
    result = govern.last_result()
    assert result is not None
    assert result.params == {
        "password": "***",
        "db_url": "postgres://***@h/db",
        "connection_string": "***",  # a secret name: the whole value
        "batch": 7,
    }
    text = _recorded_text()
    assert '"batch": 7' in text
    assert not any(s in text for s in ("pw-4", "pw-5", "pw-6"))


def test_redacted_masks_check_messages_and_keeps_everything_else() -> None:
    check = CheckResult(
        dataset="d",
        check="custom",
        column="c",
        severity=Severity.ERROR,
        passed=False,
        failed_count=1,
        message="lookup failed: token=tok-7",
    )
    now = datetime.now(UTC)
    result = StageResult(
        stage="s",
        run_id="r",
        stage_run_id="sr",
        status=Status.FAILED,
        on_fail=OnFail.RAISE,
        started_at=now,
        ended_at=now,
        checks=(check,),
        error="ValueError: secret: sec-8",
        params={"token": "tok-9", "n": 1},
    )
    clean = redacted(result)
    assert clean.checks[0].message == "lookup failed: token=***"
    assert clean.error == "ValueError: secret: ***"
    assert clean.params == {"token": "***", "n": 1}
    assert (clean.stage, clean.status, clean.checks[0].failed_count) == ("s", Status.FAILED, 1)


@pytest.mark.parametrize(
    ("uri", "secret"),
    [
        ("https://acct.blob.core.windows.net/c/x.csv?sv=1&sig=sig-10", "sig-10"),
        ("https://u:pw-11@api.example.com/data.csv?token=tok-12", "pw-11"),
        ("postgres://u:p@ss-13@db:5432/shop.public.t", "ss-13"),
        ("postgresql://u:pw-14@[::1", "pw-14"),  # does not parse: redacted as text
    ],
)
def test_dataset_uris_lose_their_credentials(uri: str, secret: str) -> None:
    assert secret not in redact_uri(uri)
    if "[" not in uri:
        ref = dataset_ref_for_uri(uri)
        assert secret not in ref.namespace + ref.name


def test_source_names_and_spark_authorities_are_redacted() -> None:
    frame = govern.source(
        pd.DataFrame({"a": [1]}),
        "c/x.csv?sv=1&sig=sig-15",
        namespace="https://u:pw-16@acct.blob.core.windows.net",
    )
    from govern.datasets import SOURCES

    ref = SOURCES.get(frame)
    assert ref is not None
    assert ref.name == "c/x.csv?sv=1&sig=***"
    assert ref.namespace == "https://acct.blob.core.windows.net"
    wasbs = spark_dataset_ref("wasbs://user:pw-17@acct.blob.core.windows.net/data/")
    assert "pw-17" not in wasbs.namespace
    container = spark_dataset_ref("abfss://container@acct.dfs.core.windows.net/data/")
    assert container.namespace == "abfss://container@acct.dfs.core.windows.net"


def test_failure_samples_of_a_secret_column_and_token_shapes_are_masked() -> None:
    import pandera.pandas as pa

    schema = pa.DataFrameSchema(
        {
            "api_token": pa.Column(str, pa.Check.str_length(max_value=5)),
            "note": pa.Column(str, pa.Check.str_length(max_value=5)),
        }
    )

    @govern.stage(inputs={"df": schema}, on_fail="warn")
    def load(df: pd.DataFrame) -> pd.DataFrame:
        return df

    token = "ghp_" + "b" * 36
    with pytest.warns(govern.GateWarning):
        load(pd.DataFrame({"api_token": ["tok-secret-18"], "note": [f"see {token}"]}))
    result = govern.last_result()
    assert result is not None
    values = {c.column: [s.value for s in c.sample] for c in result.checks if c.sample}
    assert values["api_token"] == ["***"]
    assert values["note"] and all(token not in v for v in values["note"])
    text = _recorded_text()
    assert "tok-secret-18" not in text and token not in text
