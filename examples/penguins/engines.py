"""The example pipeline on Polars, Spark or DuckDB: same stages, same gates, same store.

    python examples/penguins/engines.py --engine polars    # a polars LazyFrame throughout
    python examples/penguins/engines.py --engine spark     # pyspark, local[2] (.venv-spark)
    python examples/penguins/engines.py --engine duckdb    # Ibis tables in a DuckDB file

Only the frame library changes: the file is a declared source, ``clean`` quarantines
the rows that fail the Clean schema, ``features`` derives two columns, ``split`` is a
stratified split, and ``train`` converts the two small final frames to pandas for
scikit-learn (it reuses the pandas pipeline's training code). The pandera models below
mirror examples/penguins/schemas.py for each engine. The features stage's Great
Expectations suite runs on Spark through GX's Spark data source; GX has no polars data
source, so on polars the pandera Features model is the only gate there. On DuckDB the
CSV is loaded into a table of a database file under .govern/ and every stage is an Ibis
expression over it: the gates run as SQL in DuckDB (pandera.ibis models), the rejected
rows are streamed to Parquet by DuckDB, and only the two small final tables reach pandas
for training. GX suites do not run on Ibis tables, so the pandera models gate there too.
"""

# no `from __future__ import annotations`: pandera resolves the models' annotations, which
# name types imported inside the functions below

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # runnable as a script from any directory
    sys.path.insert(0, str(HERE))

import pipeline  # noqa: E402  (the pandas pipeline: its training code, CSV, suite, card)
from schemas import ISLANDS, SPECIES  # noqa: E402

import govern  # noqa: E402
from govern.datasets import spark_source  # noqa: E402

SEED = pipeline.SEED
ENGINES = ("polars", "spark", "duckdb")
# scikit-learn training and evaluation, undecorated: the engine's own stage gates it
_fit_and_evaluate: Callable[[Any, Any], Any] = pipeline.train.__wrapped__  # type: ignore[attr-defined]


def train_stage(features_schema: Any, to_pandas: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """The train stage of an engine: its two small final frames as pandas, then scikit-learn."""

    @govern.stage(
        inputs={"train": features_schema, "test": features_schema},
        outputs=govern.model("penguin-species", card=pipeline.CARD),
    )
    def train(train: Any, test: Any) -> Any:
        """Fit and evaluate with scikit-learn on the small final frames, as pandas."""
        return _fit_and_evaluate(to_pandas(train), to_pandas(test))

    return train


# --- polars --------------------------------------------------------------------------


def model_schemas(pa: Any) -> tuple[Any, Any, Any]:
    """Raw, Clean, Features as models of one pandera backend (the rules of schemas.py).

    ``pa`` is the backend's module: ``pandera.polars`` or ``pandera.ibis``.
    """

    class Raw(pa.DataFrameModel):
        species: str = pa.Field(isin=SPECIES)
        island: str = pa.Field(isin=ISLANDS)
        bill_length_mm: float = pa.Field(nullable=True, gt=0)
        bill_depth_mm: float = pa.Field(nullable=True, gt=0)
        flipper_length_mm: float = pa.Field(nullable=True, gt=0)
        body_mass_g: float = pa.Field(nullable=True, gt=0)
        sex: str = pa.Field(nullable=True)
        year: int = pa.Field(in_range={"min_value": 2007, "max_value": 2009})

    class Clean(pa.DataFrameModel):
        species: str = pa.Field(isin=SPECIES)
        island: str = pa.Field(isin=ISLANDS)
        bill_length_mm: float = pa.Field(in_range={"min_value": 25, "max_value": 70})
        bill_depth_mm: float = pa.Field(in_range={"min_value": 10, "max_value": 25})
        flipper_length_mm: float = pa.Field(in_range={"min_value": 150, "max_value": 240})
        body_mass_g: float = pa.Field(in_range={"min_value": 2500, "max_value": 6500})
        sex: str = pa.Field(isin=["female", "male"])
        year: int = pa.Field(in_range={"min_value": 2007, "max_value": 2009})

        class Config:
            strict = True

    class Features(Clean):
        body_mass_kg: float = pa.Field(gt=0)
        bill_ratio: float = pa.Field(gt=0)

        class Config:
            strict = False

    return Raw, Clean, Features


def polars_schemas() -> tuple[Any, Any, Any]:
    """Raw, Clean, Features as pandera polars models."""
    import pandera.polars as pa

    return model_schemas(pa)


def polars_pipeline() -> Callable[[], None]:
    """The four stages over polars LazyFrames; returns the function running them."""
    import polars as pl

    raw_schema, clean_schema, features_schema = polars_schemas()
    measures = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]

    @govern.stage(inputs={"raw": raw_schema}, outputs=clean_schema, on_fail="quarantine")
    def clean(raw: pl.LazyFrame) -> pl.LazyFrame:
        """Normalise text columns; rows that still fail the Clean schema are quarantined."""
        return raw.with_columns(
            pl.col("species", "island").str.strip_chars(),
            pl.col("sex").str.strip_chars().str.to_lowercase(),
        )

    @govern.stage(inputs={"df": clean_schema}, outputs=features_schema)
    def features(df: pl.LazyFrame) -> pl.LazyFrame:
        """Derive model features: body mass in kg and the bill length/depth ratio."""
        return df.with_columns(
            body_mass_kg=pl.col("body_mass_g") / 1000.0,
            bill_ratio=pl.col("bill_length_mm") / pl.col("bill_depth_mm"),
        )

    @govern.stage(
        inputs={"df": features_schema},
        outputs={"train": features_schema, "test": features_schema},
    )
    def split(df: pl.LazyFrame, test_size: float = 0.25) -> dict[str, pl.LazyFrame]:
        """Stratified split: per species, rows ranked by a seeded hash of their content."""
        govern.log_params(test_size=test_size, seed=SEED)
        rank = pl.struct(pl.all()).hash(SEED).rank("ordinal").over("species")
        in_test = rank <= (pl.len().over("species") * test_size).ceil()
        return {"train": df.filter(~in_test), "test": df.filter(in_test)}

    train = train_stage(features_schema, lambda frame: frame.collect().to_pandas())

    def run() -> None:
        csv = pipeline.penguins_csv()
        raw = govern.source(
            pl.scan_csv(
                csv, null_values="NA", schema_overrides=dict.fromkeys(measures, pl.Float64)
            ),
            str(csv),
        )
        parts = split(features(clean(raw)))
        train(parts["train"], parts["test"])

    return run


# --- Spark ---------------------------------------------------------------------------


def spark_session() -> Any:
    """The active SparkSession, or a small local one (local[2], no UI, 127.0.0.1)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")  # pyspark.pandas warns otherwise
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers: this interpreter
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    session = (
        SparkSession.builder.master("local[2]")
        .appName("govern-penguins")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_schemas() -> tuple[Any, Any, Any]:
    """Raw, Clean, Features as pandera pyspark models (the rules of schemas.py)."""
    import pandera.pyspark as pa
    from pyspark.sql import types as T

    class Raw(pa.DataFrameModel):
        species: T.StringType = pa.Field(isin=SPECIES)
        island: T.StringType = pa.Field(isin=ISLANDS)
        bill_length_mm: T.DoubleType = pa.Field(nullable=True, gt=0)
        bill_depth_mm: T.DoubleType = pa.Field(nullable=True, gt=0)
        flipper_length_mm: T.DoubleType = pa.Field(nullable=True, gt=0)
        body_mass_g: T.DoubleType = pa.Field(nullable=True, gt=0)
        sex: T.StringType = pa.Field(nullable=True)
        year: T.IntegerType = pa.Field(in_range={"min_value": 2007, "max_value": 2009})

    class Clean(pa.DataFrameModel):
        species: T.StringType = pa.Field(isin=SPECIES)
        island: T.StringType = pa.Field(isin=ISLANDS)
        bill_length_mm: T.DoubleType = pa.Field(in_range={"min_value": 25, "max_value": 70})
        bill_depth_mm: T.DoubleType = pa.Field(in_range={"min_value": 10, "max_value": 25})
        flipper_length_mm: T.DoubleType = pa.Field(in_range={"min_value": 150, "max_value": 240})
        body_mass_g: T.DoubleType = pa.Field(in_range={"min_value": 2500, "max_value": 6500})
        sex: T.StringType = pa.Field(isin=["female", "male"])
        year: T.IntegerType = pa.Field(in_range={"min_value": 2007, "max_value": 2009})

        class Config:
            strict = True

    class Features(Clean):
        body_mass_kg: T.DoubleType = pa.Field(gt=0)
        bill_ratio: T.DoubleType = pa.Field(gt=0)

        class Config:
            strict = False

    return Raw, Clean, Features


def spark_pipeline() -> Callable[[], None]:
    """The four stages over Spark DataFrames; returns the function running them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = spark_session()
    raw_schema, clean_schema, features_schema = spark_schemas()

    @govern.stage(inputs={"raw": raw_schema}, outputs=clean_schema, on_fail="quarantine")
    def clean(raw: Any) -> Any:
        """Normalise text columns; rows that still fail the Clean schema are quarantined."""
        return raw.withColumns(
            {
                "species": F.trim("species"),
                "island": F.trim("island"),
                "sex": F.lower(F.trim("sex")),
            }
        )

    @govern.stage(inputs={"df": clean_schema}, outputs=[features_schema, pipeline.SUITE])
    def features(df: Any) -> Any:
        """Derive model features: body mass in kg and the bill length/depth ratio."""
        return df.withColumns(
            {
                "body_mass_kg": F.col("body_mass_g") / 1000.0,
                "bill_ratio": F.col("bill_length_mm") / F.col("bill_depth_mm"),
            }
        )

    @govern.stage(
        inputs={"df": features_schema},
        outputs={"train": features_schema, "test": features_schema},
    )
    def split(df: Any, test_size: float = 0.25) -> dict[str, Any]:
        """Stratified split: per species, rows ranked by a seeded hash of their content."""
        govern.log_params(test_size=test_size, seed=SEED)
        by_species = Window.partitionBy("species")
        ranked = df.withColumns(
            {
                "_rank": F.row_number().over(
                    by_species.orderBy(F.xxhash64(F.lit(SEED), *df.columns))
                ),
                "_n": F.count(F.lit(1)).over(by_species),
            }
        )
        in_test = F.col("_rank") <= F.ceil(F.col("_n") * test_size)
        return {
            "train": ranked.filter(~in_test).drop("_rank", "_n"),
            "test": ranked.filter(in_test).drop("_rank", "_n"),
        }

    train = train_stage(features_schema, lambda frame: frame.toPandas())

    def run() -> None:
        from pyspark.sql import types as T

        text, number = T.StringType(), T.DoubleType()
        columns = {"species": text, "island": text, "bill_length_mm": number}
        columns |= {"bill_depth_mm": number, "flipper_length_mm": number}
        columns |= {"body_mass_g": number, "sex": text, "year": T.IntegerType()}
        schema = T.StructType([T.StructField(n, t) for n, t in columns.items()])
        csv = pipeline.penguins_csv()
        raw = spark.read.csv(str(csv), header=True, nullValue="NA", schema=schema)
        raw = spark_source(raw)  # identity from inputFiles(): file + the CSV's path
        parts = split(features(clean(raw)))
        train(parts["train"], parts["test"])

    return run


# --- DuckDB through Ibis ---------------------------------------------------------------


def ibis_schemas() -> tuple[Any, Any, Any]:
    """Raw, Clean, Features as pandera.ibis models."""
    import pandera.ibis as pa

    return model_schemas(pa)


def ibis_pipeline() -> Callable[[], None]:
    """The four stages over Ibis tables in a DuckDB file; returns the function running them."""
    import ibis

    raw_schema, clean_schema, features_schema = ibis_schemas()

    @govern.stage(inputs={"raw": raw_schema}, outputs=clean_schema, on_fail="quarantine")
    def clean(raw: Any) -> Any:
        """Normalise text columns; rows that still fail the Clean schema are quarantined."""
        return raw.mutate(
            species=raw.species.strip(), island=raw.island.strip(), sex=raw.sex.strip().lower()
        )

    @govern.stage(inputs={"df": clean_schema}, outputs=features_schema)
    def features(df: Any) -> Any:
        """Derive model features: body mass in kg and the bill length/depth ratio."""
        return df.mutate(
            body_mass_kg=df.body_mass_g / 1000.0, bill_ratio=df.bill_length_mm / df.bill_depth_mm
        )

    @govern.stage(
        inputs={"df": features_schema},
        outputs={"train": features_schema, "test": features_schema},
    )
    def split(df: Any, test_size: float = 0.25) -> dict[str, Any]:
        """Stratified split: per species, rows ranked by a seeded hash of their content."""
        govern.log_params(test_size=test_size, seed=SEED)
        key = ibis.literal(str(SEED))
        for name in df.columns:
            key = key.concat("|", df[name].cast("string").fill_null("~"))
        by_species = ibis.window(group_by="species", order_by=key.hash())
        ranked = df.mutate(
            _rank=ibis.row_number().over(by_species) + 1,
            _n=df.count().over(ibis.window(group_by="species")),
        )
        in_test = ranked._rank <= (ranked._n * test_size).ceil()
        return {
            "train": ranked.filter(~in_test).drop("_rank", "_n"),
            "test": ranked.filter(in_test).drop("_rank", "_n"),
        }

    train = train_stage(features_schema, lambda table: table.to_pandas())

    def run() -> None:
        import pandas as pd

        folder = Path(".govern")
        folder.mkdir(exist_ok=True)
        con = ibis.duckdb.connect(str(folder / "penguins.duckdb"))
        frame = pd.read_csv(pipeline.penguins_csv(), na_values="NA")
        raw = con.create_table("penguins_raw", frame, overwrite=True)  # names itself
        parts = split(features(clean(raw)))
        train(parts["train"], parts["test"])

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline once on the chosen engine and print what each gate did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, required=True)
    args = parser.parse_args(argv)
    pipelines = {"polars": polars_pipeline, "spark": spark_pipeline, "duckdb": ibis_pipeline}
    run_stages = pipelines[args.engine]()
    with govern.run(f"penguins-{args.engine}") as run:
        run_stages()
    print(pipeline.summary(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
