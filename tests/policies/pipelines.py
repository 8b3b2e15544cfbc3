"""Small governed pipelines that fill the store the way real ones do (through the decorator).

Each builder runs real ``@govern.stage`` functions inside ``govern.run`` so the records
policies read are the runtime's own, not hand-typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import govern

FULL_CARD: dict[str, Any] = {
    "description": "Predicts churn.",
    "owners": [{"name": "data team"}],
    "intended_use": "Ranking accounts for outreach.",
    "limitations": "Trained on one region.",
}


class Orders(pa.DataFrameModel):
    order_id: Series[int] = pa.Field(unique=True)
    amount: Series[float] = pa.Field(ge=0)


class Customers(pa.DataFrameModel):
    customer_id: Series[int]
    email: Series[str] = pa.Field(str_matches=r"^\*+@")  # masked local part


class Model:
    """A stand-in estimator: picklable, with get_params like scikit-learn's."""

    def __init__(self, depth: int = 3) -> None:
        self.depth = depth

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"depth": self.depth}


def orders(rows: int = 20, bad: int = 0) -> pd.DataFrame:
    """``rows`` orders, the first ``bad`` of them with a negative amount."""
    amounts = [10.0 + i for i in range(rows)]
    for i in range(bad):
        amounts[i] = -1.0
    return pd.DataFrame({"order_id": list(range(rows)), "amount": amounts})


@govern.stage(inputs={"raw": Orders}, outputs=Orders, on_fail="quarantine")
def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Pass orders through; bad ones are quarantined by the gates."""
    return raw.copy()


@govern.stage(outputs=Orders)
def clean_ungated_input(raw: pd.DataFrame) -> pd.DataFrame:
    """Only the output is gated."""
    return raw.copy()


@govern.stage(inputs={"raw": Orders}, on_fail="warn")
def clean_warn(raw: pd.DataFrame) -> pd.DataFrame:
    """Gated input under on_fail=warn: an error-severity failure does not stop it."""
    return raw.copy()


def _trainer(card: Mapping[str, Any], name: str, input_gate: Any) -> Any:
    @govern.stage(inputs={"df": input_gate}, outputs=govern.model(name, card=dict(card)))
    def train(
        df: pd.DataFrame, accuracy: float = 0.95, slices: Mapping[str, Any] | None = None
    ) -> Model:
        """Fit the stand-in model and log its metrics."""
        govern.log_metrics(
            accuracy=accuracy,
            slices=dict(slices or {"region=a": {"accuracy": 0.94}, "region=b": {"accuracy": 0.96}}),
        )
        return Model()

    return train


def run_orders(
    *,
    bad: int = 0,
    rows: int = 20,
    pipeline: str = "orders",
    declared: bool = True,
    train: bool = False,
    card: Mapping[str, Any] = FULL_CARD,
    model: str = "churn",
    accuracy: float = 0.95,
    slices: Mapping[str, Any] | None = None,
    warn_gate_train: bool = False,
) -> govern.Run:
    """One run: clean (quarantining ``bad`` rows), then optionally train a model."""
    import warnings

    raw = orders(rows, bad)
    if declared:
        raw = govern.source(raw, f"/data/{pipeline}.csv")
    gate: Any = govern.Gate(Orders, severity="warn") if warn_gate_train else Orders
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        with govern.run(pipeline) as run:
            # with a warn-severity gate on training, train on the raw data directly
            source = raw if warn_gate_train else clean(raw)
            if train:
                _trainer(card, model, gate)(source, accuracy=accuracy, slices=slices)
    return run


def run_ungated(pipeline: str = "ungated") -> govern.Run:
    """A run whose stage gates only its output."""
    with govern.run(pipeline) as run:
        clean_ungated_input(govern.source(orders(), f"/data/{pipeline}.csv"))
    return run


def run_warn(bad: int, pipeline: str = "warned") -> govern.Run:
    """A run whose error-severity check fails under on_fail=warn (recorded, not raised)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        with govern.run(pipeline) as run:
            clean_warn(govern.source(orders(bad=bad), f"/data/{pipeline}.csv"))
    return run


@govern.stage(inputs={"df": Customers}, outputs=Customers, on_fail="warn")
def load_customers(df: pd.DataFrame) -> pd.DataFrame:
    """Customers with masked e-mails (failures recorded, not raised)."""
    return df.copy()


@govern.stage(inputs={"df": Customers})
def customer_report(df: pd.DataFrame) -> pd.DataFrame:
    """An aggregate built from PII (its output is ungated but recorded for lineage)."""
    return pd.DataFrame({"customers": [len(df)]})


def run_customers(*, masked: bool = True, report: bool = False) -> govern.Run:
    """A run reading a PII dataset (customers.csv)."""
    import warnings

    emails = ["***@a.org", "***@b.org"] if masked else ["ana@a.org", "bo@b.org"]
    frame = govern.source(
        pd.DataFrame({"customer_id": [1, 2], "email": emails}), "/data/customers.csv"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        with govern.run("customers") as run:
            loaded = load_customers(frame)
            if report:
                customer_report(loaded)
    return run
