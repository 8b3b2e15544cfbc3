"""Contract rules on pandas frames: the pandera checks pandera lacks, and the metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from govern.engines.contracts import build_schema, percent, size_ok, wanted_metrics

__all__ = ["PandasContractChecks", "contract_schema", "measure"]


class PandasContractChecks:
    """`govern.engines.contracts.ContractChecks` on pandas Series and frames."""

    def not_null(self, pa: Any, name: str) -> Any:
        return pa.Check(lambda s: s.notna(), name=name, ignore_na=False)

    def not_missing(self, pa: Any, rule: Any) -> Any:
        values = [v for v in rule.missing_values if v is not None]
        nulls_missing = any(v is None for v in rule.missing_values)
        return pa.Check(
            lambda s: ~s.isin(values) & (s.notna() if nulls_missing else True),
            name=rule.name,
            ignore_na=False,
        )

    def valid(self, pa: Any, rule: Any) -> Any:
        # a pattern is anchored at the start, as pandera's str_matches
        values = list(rule.valid_values) if rule.valid_values is not None else None
        pattern = rule.pattern or ""
        if values is not None:
            return pa.Check(lambda s: s.isin(values), name=rule.name)
        return pa.Check(lambda s: s.astype(str).str.match(pattern), name=rule.name)

    def not_duplicated(self, pa: Any, name: str) -> Any:
        return pa.Check(
            lambda s: ~(s.duplicated(keep=False) & s.notna()), name=name, ignore_na=False
        )

    def bound(self, value: Any) -> Any:
        # pandas compares datetimes with Timestamps, not date objects
        if isinstance(value, dt.date):
            import pandas as pd

            return pd.Timestamp(value)
        return value

    def nested_sizes(self, pa: Any, column: Any) -> Any:
        unique = ", unique" if column.unique_items else ""
        name = f"size({column.min_size}, {column.max_size}{unique})"

        def ok_value(value: Any) -> bool:
            if value is None or (isinstance(value, float) and value != value):
                return True
            items = list(value)
            distinct = not column.unique_items or len({repr(i) for i in items}) == len(items)
            return size_ok(column, len(items)) and distinct

        return pa.Check(lambda s: s.map(ok_value).astype(bool), name=name)

    def required_keys(self, pa: Any, column: Any) -> Any:
        keys = list(column.required_keys)
        name = f"required_keys({', '.join(keys)})"

        def ok_value(value: Any) -> bool:
            if value is None or (isinstance(value, float) and value != value):
                return True
            return isinstance(value, dict) and all(value.get(k) is not None for k in keys)

        return pa.Check(lambda s: s.map(ok_value).astype(bool), name=name)

    def unique_together(self, pa: Any, cols: Sequence[str]) -> Any:
        name = f"unique_together({', '.join(cols)})"
        return pa.Check(lambda df: ~df.duplicated(subset=list(cols), keep=False), name=name)


def contract_schema(rules: Any) -> Any:
    """A ``pandera.pandas`` schema enforcing the contract's row-level rules."""
    import pandera.pandas

    return build_schema(rules, pandera.pandas, PandasContractChecks())


_FAMILY: dict[str, Callable[[Any, Any], bool]] = {
    "string": lambda t, api: api.is_string_dtype(t) or api.is_object_dtype(t),
    "integer": lambda t, api: api.is_integer_dtype(t),
    "number": lambda t, api: api.is_numeric_dtype(t) and not api.is_bool_dtype(t),
    "boolean": lambda t, api: api.is_bool_dtype(t),
    "date": lambda t, api: api.is_datetime64_any_dtype(t) or api.is_object_dtype(t),
    "timestamp": lambda t, api: api.is_datetime64_any_dtype(t),
    "time": lambda t, api: api.is_object_dtype(t) or api.is_timedelta64_dtype(t),
}


def measure(frame: Any, rules: Any, present: set[str]) -> dict[str, float]:
    """Type families of present columns and every dataset-level metric."""
    import pandas as pd
    from pandas.api import types as api

    out: dict[str, float] = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in _FAMILY:
            out[f"type:{c.name}"] = float(_FAMILY[c.logical_type](frame[c.name].dtype, api))
    rows = float(len(frame))
    for rule in wanted_metrics(rules, present):
        if rule.metric == "rowCount":
            out[rule.name] = rows
            continue
        if rule.metric == "duplicateValues" and rule.column is None:
            count = float(frame.duplicated(subset=list(rule.columns), keep="first").sum())
            out[rule.name] = percent(count, rows, rule)
            continue
        s: pd.Series = frame[rule.column]
        if rule.metric == "nullValues":
            count = float(s.isna().sum())
        elif rule.metric == "missingValues":
            values = [v for v in rule.missing_values if v is not None]
            missing = s.isin(values)
            if any(v is None for v in rule.missing_values):
                missing = missing | s.isna()
            count = float(missing.sum())
        elif rule.metric == "invalidValues":
            known = s.dropna()
            if rule.valid_values is not None:
                count = float((~known.isin(list(rule.valid_values))).sum())
            else:
                count = float((~known.astype(str).str.match(rule.pattern or "")).sum())
        else:  # duplicateValues of one column: copies beyond the first of each value
            known = s.dropna()
            count = float(len(known) - known.nunique())
        out[rule.name] = percent(count, rows, rule)
    return out
