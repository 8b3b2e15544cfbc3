"""The tiny governed pipeline every orchestrator's parity test runs (no orchestrator imports).

Three ``@govern.stage`` functions behind pandera gates: ``load`` gates its input
(``on_fail="raise"``), ``clean`` quarantines the rows its output gate rejects, ``summarize``
gates its input and output. ``source_frame()`` is the declared source (lineage starts at a
file dataset); ``source_frame(broken=True)`` fails ``load``'s gate (a duplicated order id).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import govern

PIPELINE = "tiny"
SOURCE_URI = "/data/tiny/orders.csv"
QUARANTINED_ROWS = 2  # a negative amount and an unknown country
STAGES = ("load", "clean", "summarize")


class Raw(pa.DataFrameModel):
    order_id: Series[int] = pa.Field(unique=True)
    amount: Series[float]
    country: Series[str]


class Clean(pa.DataFrameModel):
    order_id: Series[int] = pa.Field(unique=True)
    amount: Series[float] = pa.Field(ge=0)
    country: Series[str] = pa.Field(isin=["DE", "FR", "NL"])


class Summary(pa.DataFrameModel):
    country: Series[str] = pa.Field(isin=["DE", "FR", "NL"])
    total: Series[float] = pa.Field(ge=0)


STABLE = govern.Stable(window=10, min_history=2, metrics=["row_count"])
"""A monitoring gate a Kedro catalog names by dotted path (``validator: checks: ...``)."""


def source_frame(*, broken: bool = False) -> pd.DataFrame:
    """The declared source; ``broken`` duplicates an order id (``load``'s gate fails)."""
    frame = pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4, 5, 6],
            "amount": [10.0, -5.0, 7.5, 3.0, 12.25, 1.0],
            "country": ["de", "fr", "xx", "nl", "de", "fr"],
        }
    )
    if broken:
        frame.loc[5, "order_id"] = 1
    return govern.source(frame, SOURCE_URI)


@govern.stage(inputs={"raw": Raw})
def load(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep the columns the pipeline uses."""
    return raw[["order_id", "amount", "country"]].copy()


@govern.stage(outputs=Clean, on_fail="quarantine")
def clean(orders: pd.DataFrame) -> pd.DataFrame:
    """Upper-case country codes; rows the Clean gate rejects are quarantined."""
    return orders.assign(country=orders["country"].str.upper())


@govern.stage(inputs={"orders": Clean}, outputs=Summary)
def summarize(orders: pd.DataFrame) -> pd.DataFrame:
    """Total amount per country."""
    totals = orders.groupby("country", as_index=False)["amount"].sum()
    return totals.rename(columns={"amount": "total"})


def stages(raw: pd.DataFrame) -> pd.DataFrame:
    """The three stages, in whatever govern run is current."""
    return summarize(clean(load(raw)))


def run_plain(*, broken: bool = False) -> pd.DataFrame:
    """The pipeline as a plain Python script runs it: one ``govern.run``."""
    with govern.run(PIPELINE):
        return stages(source_frame(broken=broken))
