"""Dataset identity: declared sources, stage-to-stage links, anonymous names, naming."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

import govern
from govern.datasets import SOURCES, dataset_ref_for_uri, redact_uri

ANY = pa.DataFrameSchema({"x": pa.Column(int)})


def test_read_csv_declares_a_file_source(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    pd.DataFrame({"x": [1, 2]}).to_csv(path, index=False)

    @govern.stage(inputs={"df": ANY})
    def f(df: pd.DataFrame) -> int:
        return len(df)

    f(govern.read_csv(path))
    result = govern.last_result()
    assert result is not None
    (dataset,) = result.datasets
    assert (dataset.ref.namespace, dataset.ref.name) == ("file", str(path.resolve()))
    assert dataset.ref.kind == "source"


def test_read_parquet_declares_a_file_source(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(path)
    df = govern.read_parquet(path)
    ref = SOURCES.get(df)
    assert ref is not None and ref.name == str(path.resolve())


def test_source_with_namespace_and_credentials_redacted() -> None:
    df = govern.source(pd.DataFrame({"x": [1]}), "db.public.t", namespace="postgres://u:pw@h:5432")
    ref = SOURCES.get(df)
    assert ref is not None
    assert (ref.namespace, ref.name) == ("postgres://h:5432", "db.public.t")


def test_source_refuses_non_frames() -> None:
    with pytest.raises(govern.NotAFrameError, match=r"govern\.source"):
        govern.source([1, 2], "x")


@pytest.mark.parametrize(
    ("uri", "namespace", "name"),
    [
        ("s3://bucket/path/to/key.parquet", "s3://bucket", "path/to/key.parquet"),
        (
            "postgres://user:secret@db:5432/shop.public.orders",
            "postgres://db:5432",
            "shop.public.orders",
        ),
        ("gs://b/k?token=abc", "gs://b", "k"),
    ],
)
def test_openlineage_naming_of_uris(uri: str, namespace: str, name: str) -> None:
    ref = dataset_ref_for_uri(uri)
    assert (ref.namespace, ref.name) == (namespace, name)
    assert "secret" not in redact_uri(uri) and "token" not in redact_uri(uri)


def test_outputs_link_to_the_next_stage_in_a_run() -> None:
    @govern.stage(outputs=ANY)
    def make() -> pd.DataFrame:
        return pd.DataFrame({"x": [1, 2, 3]})

    @govern.stage(inputs={"df": ANY})
    def use(df: pd.DataFrame) -> int:
        return len(df)

    with govern.run("pipe") as run:
        use(make())
    produced = run.stages[0].datasets[0]
    consumed = run.stages[1].datasets[0]
    assert produced.ref == consumed.ref
    assert produced.ref.name == "pipe.make.return"
    assert produced.ref.namespace == "testproject"
    assert produced.fingerprint == consumed.fingerprint


def test_ungated_frames_keep_lineage_connected() -> None:
    @govern.stage
    def make() -> pd.DataFrame:
        return pd.DataFrame({"x": [1]})

    @govern.stage(inputs={"df": ANY})
    def use(df: pd.DataFrame) -> int:
        return len(df)

    with govern.run("pipe") as run:
        use(make())
    made = run.stages[0].datasets[0]
    assert made.role == "output" and made.fingerprint is None and made.row_count == 1
    assert run.stages[1].datasets[0].ref == made.ref


def test_unknown_frames_are_anonymous_stage_parameter() -> None:
    @govern.stage(inputs={"df": ANY})
    def use(df: pd.DataFrame) -> int:
        return len(df)

    use(pd.DataFrame({"x": [1]}))
    result = govern.last_result()
    assert result is not None
    ref = result.datasets[0].ref
    assert (ref.name, ref.kind) == ("use.df", "anonymous")


def test_registry_does_not_keep_frames_alive() -> None:
    before = len(SOURCES)
    df = govern.source(pd.DataFrame({"x": [1]}), "/tmp/x.csv")
    assert len(SOURCES) == before + 1
    del df
    gc.collect()
    assert len(SOURCES) == before


def test_derived_frames_do_not_inherit_source_identity(tmp_path: Path) -> None:
    df = govern.source(pd.DataFrame({"x": [1, 2]}), str(tmp_path / "a.csv"))
    assert SOURCES.get(df.head(1)) is None


@pytest.mark.parametrize(
    ("level", "present", "absent"),
    [
        ("off", set(), {"rowCount"}),
        ("cheap", {"rowCount", "nullCount"}, {"distinctCount"}),
        ("full", {"rowCount", "distinctCount", "min"}, set()),
    ],
)
def test_metrics_level_is_configurable(level: str, present: set[str], absent: set[str]) -> None:
    govern.configure(metrics=level)

    @govern.stage(inputs={"df": ANY})
    def use(df: pd.DataFrame) -> int:
        return len(df)

    use(pd.DataFrame({"x": [1, 2, 2]}))
    result = govern.last_result()
    assert result is not None
    (dataset,) = result.datasets
    assert dataset.fingerprint is not None
    metrics = dataset.metrics or {}
    keys = set(metrics) | set(metrics.get("columnMetrics", {}).get("x", {}))
    assert present <= keys and not (absent & keys)


def test_derived_frames_name_every_source_they_come_from(tmp_path: Path) -> None:
    import json
    import pickle

    from govern.derivation import derived_from

    a = govern.source(pd.DataFrame({"k": [1, 2], "a": [1, 2]}), "/data/a.csv")
    b = govern.source(pd.DataFrame({"k": [1, 2], "b": [3, 4]}), "/data/b.csv")
    c = govern.source(pd.DataFrame({"k": [1, 2], "c": [5, 6]}), "/data/c.csv")
    names = {"a": "/data/a.csv", "b": "/data/b.csv", "c": "/data/c.csv"}

    def sources(frame: pd.DataFrame) -> set[str]:
        return {r.name for r in derived_from(frame)}

    assert sources(a[a.a > 1]) == {names["a"]}
    assert sources(pd.concat([a, b, c])) == set(names.values())
    assert sources(a.merge(b, on="k").merge(c, on="k")) == set(names.values())
    assert sources(a) == {names["a"]}  # uniting never touched the inputs
    assert sources(pd.DataFrame({"k": [1]})) == set()
    # the tag survives pickling, and serialises as text where attrs are written out
    assert sources(pickle.loads(pickle.dumps(a.head(1)))) == {names["a"]}
    assert json.loads(json.dumps(a.attrs)) == {"govern.lineage": "derived from /data/a.csv"}
    a.to_parquet(tmp_path / "a.parquet")
    assert sources(pd.read_parquet(tmp_path / "a.parquet")) == set()  # text links nothing
