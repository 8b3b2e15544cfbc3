"""Gates of the example pipeline: pandera models for the raw and clean data."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
ISLANDS = ["Biscoe", "Dream", "Torgersen"]


class Raw(pa.DataFrameModel):
    """The penguins file as published: measurements and sex may be missing."""

    species: Series[str] = pa.Field(isin=SPECIES)
    island: Series[str] = pa.Field(isin=ISLANDS)
    bill_length_mm: Series[float] = pa.Field(nullable=True, gt=0)
    bill_depth_mm: Series[float] = pa.Field(nullable=True, gt=0)
    flipper_length_mm: Series[float] = pa.Field(nullable=True, gt=0)
    body_mass_g: Series[float] = pa.Field(nullable=True, gt=0)
    sex: Series[str] = pa.Field(nullable=True)
    year: Series[int] = pa.Field(in_range={"min_value": 2007, "max_value": 2009})


class Clean(pa.DataFrameModel):
    """What training may see: every measurement present and plausible, sex known."""

    species: Series[str] = pa.Field(isin=SPECIES)
    island: Series[str] = pa.Field(isin=ISLANDS)
    bill_length_mm: Series[float] = pa.Field(in_range={"min_value": 25, "max_value": 70})
    bill_depth_mm: Series[float] = pa.Field(in_range={"min_value": 10, "max_value": 25})
    flipper_length_mm: Series[float] = pa.Field(in_range={"min_value": 150, "max_value": 240})
    body_mass_g: Series[float] = pa.Field(in_range={"min_value": 2500, "max_value": 6500})
    sex: Series[str] = pa.Field(isin=["female", "male"])
    year: Series[int] = pa.Field(in_range={"min_value": 2007, "max_value": 2009})

    class Config:
        strict = True


class Features(Clean):
    """The feature table: Clean plus derived columns."""

    body_mass_kg: Series[float] = pa.Field(gt=0)
    bill_ratio: Series[float] = pa.Field(gt=0)

    class Config:
        strict = False
