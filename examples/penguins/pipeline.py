"""The example pipeline: Palmer penguins, from the published CSV to a governed model.

    python examples/penguins/pipeline.py

Load the file as a declared source, check it against its own recorded history
(govern.Stable), clean it behind gates (rows that fail the Clean schema are quarantined,
not dropped), build features behind a Great Expectations suite,
split, then train and evaluate a scikit-learn classifier recorded as a model version.
"""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # runnable as a script from any directory
    sys.path.insert(0, str(HERE))

from schemas import Clean, Features, Raw  # noqa: E402

import govern  # noqa: E402
from govern.monitoring.rules import METRICS as STABLE_METRICS  # noqa: E402

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_kg", "bill_ratio"]
CATEGORICAL = ["island", "sex"]
SUITE = HERE / "suites" / "features.json"
CARD = HERE / "model_card.yaml"
SEED = 7


def penguins_csv() -> Path:
    """The CSV shipped by the palmerpenguins package (real data, with missing values)."""
    return Path(str(importlib.resources.files("palmerpenguins") / "data" / "penguins.csv"))


# the raw file against its own recorded history: row count, null rates, distributions,
# categories and schema, bounds learned from the last 30 reads (warn: the demo goes on).
# The first 7 runs have too little history: those checks are "not run", never passed.
# Freshness is left out: this file is read on demand, not delivered on a schedule.
RAW_STABLE = govern.Gate(
    govern.Stable(
        window=30, min_history=7, metrics=[m for m in STABLE_METRICS if m != "freshness"]
    ),
    severity="warn",
)


@govern.stage(inputs={"raw": [Raw, RAW_STABLE]}, outputs=Clean, on_fail="quarantine")
def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Normalise text columns; rows that still fail the Clean schema are quarantined."""
    out = raw.copy()
    for column in ("species", "island", "sex"):
        out[column] = out[column].str.strip()
    out["sex"] = out["sex"].str.lower()
    return out


@govern.stage(inputs={"df": Clean}, outputs=govern.Gate(SUITE))
def features(df: pd.DataFrame) -> pd.DataFrame:
    """Derive model features: body mass in kg and the bill length/depth ratio."""
    return df.assign(
        body_mass_kg=df["body_mass_g"] / 1000.0,
        bill_ratio=df["bill_length_mm"] / df["bill_depth_mm"],
    )


@govern.stage(inputs={"df": Features}, outputs={"train": Features, "test": Features})
def split(df: pd.DataFrame, test_size: float = 0.25) -> dict[str, pd.DataFrame]:
    """Stratified train/test split."""
    from sklearn.model_selection import train_test_split

    govern.log_params(test_size=test_size, seed=SEED)
    train, test = train_test_split(
        df, test_size=test_size, random_state=SEED, stratify=df["species"]
    )
    return {"train": train, "test": test}


@govern.stage(
    inputs={"train": Features, "test": Features},
    outputs=govern.model("penguin-species", card=CARD),
)
def train(train: pd.DataFrame, test: pd.DataFrame) -> Any:
    """Fit a scaled logistic regression; evaluate on the held-out split, per sex and island."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = NUMERIC + CATEGORICAL
    model = make_pipeline(
        ColumnTransformer(
            [
                ("num", StandardScaler(), NUMERIC),
                ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ]
        ),
        LogisticRegression(max_iter=500, random_state=SEED),
    )
    model.fit(train[columns], train["species"])
    predicted = pd.Series(model.predict(test[columns]), index=test.index)
    slices: dict[str, dict[str, float]] = {}
    for column in CATEGORICAL:
        for value, rows in test.groupby(column).groups.items():
            slices[f"{column}={value}"] = {
                "accuracy": float(accuracy_score(test.loc[rows, "species"], predicted[rows])),
                "support": len(rows),
            }
    govern.log_metrics(
        accuracy=float(accuracy_score(test["species"], predicted)),
        f1_macro=float(f1_score(test["species"], predicted, average="macro")),
        slices=slices,
    )
    return model


def main() -> int:
    """Run the pipeline once; print what each gate did and where the model came from."""
    from govern.lineage.graph import lineage
    from govern.lineage.render import tree
    from govern.store import open_store

    with govern.run("penguins") as run:
        raw = govern.read_csv(penguins_csv())
        parts = split(features(clean(raw)))
        train(parts["train"], parts["test"])
    print(summary(run))
    model = next(s.model for s in run.stages if s.model is not None)
    with open_store() as store:  # the lineage is read back from the record
        graph = lineage(store, f"model:{model.name}@{model.version}")
    print(f"\nlineage of {model.ref} (govern lineage model:{model.ref}):")
    print(tree(graph), end="")
    return 0


def summary(run: govern.Run) -> str:
    """A short, human summary of every stage of ``run``."""
    lines = [f"pipeline {run.name!r}: {run.status}"]
    for result in run.stages:
        failed = [c for c in result.checks if c.outcome == "failed"]
        not_run = [c for c in result.checks if c.outcome == "not_run"]
        line = f"  {result.stage:<9} {result.status:<12} {len(result.checks):>3} checks"
        line += f", {len(failed)} failed" if failed else ""
        line += f", {len(not_run)} not run" if not_run else ""
        lines.append(line)
        for check in failed:
            column = f"{check.column}: " if check.column else ""
            lines.append(
                f"      [{check.severity}] {column}{check.check} ({check.failed_count} rows)"
            )
        for q in result.quarantine:
            lines.append(f"      quarantined {q.rows} row(s) of {q.dataset} -> {q.path}")
        if result.model is not None:
            m = result.model
            accuracy = m.metrics.get("accuracy")
            lines.append(f"      model {m.name}@{m.version} accuracy={accuracy:.3f}")
    lines.append(f"run id: {run.id}")
    lines.append(f"see it: govern runs show {run.id}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
