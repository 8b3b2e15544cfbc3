"""Writing ODCS v3 contracts: from a pandera schema, or from what the record knows.

A pandera schema's constraints become the standard's own constructs (``required``,
``unique``, ``logicalTypeOptions``, library quality metrics); a check ODCS has no word for
becomes a ``text`` rule naming it, so nothing is silently dropped. A dataset in the record
gives its columns and types; the ranges it was observed in are suggestions
(``customProperties``), never constraints: nobody decided them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from govern.contracts.rules import Bound, MetricRule, ObjectRules, SqlRule
from govern.errors import ContractError
from govern.types import Severity

__all__ = [
    "API_VERSION",
    "contract_from_dataset",
    "contract_from_rules",
    "contract_from_schema",
    "logical_type",
]

API_VERSION = "v3.1.0"
_LOGICAL = (
    (re.compile(r"^(u?int|Int|UInt)\d*$|^int$", re.I), "integer"),
    (re.compile(r"^(float|double|decimal|Float|Decimal)\d*|^number$", re.I), "number"),
    (re.compile(r"^bool(ean)?$", re.I), "boolean"),
    (re.compile(r"^(datetime|timestamp)", re.I), "timestamp"),
    (re.compile(r"^date(32|64)?(\[.*\])?$", re.I), "date"),
    (re.compile(r"^time(64)?", re.I), "time"),
    (
        re.compile(
            r"^(str|string|object|category|utf8|large_string|String|Categorical|Enum)", re.I
        ),
        "string",
    ),
    (re.compile(r"^(list|array|large_list)", re.I), "array"),
    (re.compile(r"^(struct|map|dict)", re.I), "object"),
)


def logical_type(dtype: str) -> str | None:
    """The ODCS logical type of a dtype as pandas, Polars, Arrow or pandera spell it."""
    text = str(dtype).strip()
    for pattern, logical in _LOGICAL:
        if pattern.search(text):
            return logical
    return None


def _base(name: str, contract_id: str | None, version: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": contract_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"govern:{name}")),
        "version": version,
        "status": "draft",
        "name": name,
    }


def _check_to_odcs(check: Any, prop: dict[str, Any], options: dict[str, Any]) -> None:
    """Fold one pandera check into an ODCS property (an option, a rule, or text)."""
    name = getattr(check, "name", None) or str(check)
    stats = dict(getattr(check, "statistics", None) or {})
    if name == "greater_than_or_equal_to":
        options["minimum"] = stats["min_value"]
    elif name == "less_than_or_equal_to":
        options["maximum"] = stats["max_value"]
    elif name == "greater_than":
        options["exclusiveMinimum"] = stats["min_value"]
    elif name == "less_than":
        options["exclusiveMaximum"] = stats["max_value"]
    elif name == "in_range":
        key_min = "minimum" if stats.get("include_min", True) else "exclusiveMinimum"
        key_max = "maximum" if stats.get("include_max", True) else "exclusiveMaximum"
        options[key_min], options[key_max] = stats["min_value"], stats["max_value"]
    elif name == "str_length":
        if stats.get("min_value") is not None:
            options["minLength"] = stats["min_value"]
        if stats.get("max_value") is not None:
            options["maxLength"] = stats["max_value"]
    elif name == "str_matches":
        options["pattern"] = str(getattr(stats.get("pattern"), "pattern", stats.get("pattern")))
    elif name == "isin":
        prop.setdefault("quality", []).append(
            {
                "metric": "invalidValues",
                "arguments": {"validValues": list(stats["allowed_values"])},
                "mustBe": 0,
            }
        )
    else:
        prop.setdefault("quality", []).append(
            {"type": "text", "description": f"pandera check {name} (no ODCS equivalent)"}
        )


def contract_from_schema(
    schema: Any, *, contract_id: str | None = None, version: str = "1.0.0", name: str | None = None
) -> dict[str, Any]:
    """An ODCS contract (a mapping, ready for YAML) describing a pandera schema.

    Args:
        schema: a pandera DataFrameSchema or DataFrameModel class (pandas or Polars API).
        contract_id: the contract's id (default: a UUID derived from the schema's name).
        version: the contract's version.
        name: the schema object's name (default: the schema's name).
    """
    if isinstance(schema, type) and hasattr(schema, "to_schema"):
        schema = schema.to_schema()
    columns = getattr(schema, "columns", None)
    if not isinstance(columns, Mapping):
        raise ContractError(f"not a pandera DataFrameSchema or DataFrameModel: {schema!r}")
    object_name = name or getattr(schema, "name", None) or "dataset"
    properties = []
    for col_name, column in columns.items():
        prop: dict[str, Any] = {"name": str(col_name)}
        dtype = getattr(column, "dtype", None)
        if dtype is not None:
            prop["physicalType"] = str(dtype)
            logical = logical_type(str(dtype))
            if logical:
                prop["logicalType"] = logical
        prop["required"] = not getattr(column, "nullable", True)
        if getattr(column, "unique", False):
            prop["unique"] = True
        options: dict[str, Any] = {}
        for check in getattr(column, "checks", ()) or ():
            _check_to_odcs(check, prop, options)
        if options:
            prop["logicalTypeOptions"] = options
        properties.append(prop)
    obj: dict[str, Any] = {
        "name": str(object_name),
        "physicalType": "table",
        "properties": properties,
    }
    unique = getattr(schema, "unique", None)
    if unique:
        cols = [unique] if isinstance(unique, str) else list(unique)
        obj["quality"] = [
            {"metric": "duplicateValues", "arguments": {"properties": cols}, "mustBe": 0}
        ]
    for check in getattr(schema, "checks", ()) or ():
        obj.setdefault("quality", []).append(
            {
                "type": "text",
                "description": f"pandera check {getattr(check, 'name', check)} "
                "(no ODCS equivalent)",
            }
        )
    contract = _base(str(object_name), contract_id, version)
    contract["schema"] = [obj]
    return contract


def contract_from_dataset(
    name: str,
    versions: Sequence[tuple[Sequence[tuple[str, str]], Mapping[str, Any] | None]],
    *,
    namespace: str | None = None,
    contract_id: str | None = None,
    version: str = "1.0.0",
) -> dict[str, Any]:
    """An ODCS contract from a dataset's recorded versions (oldest first).

    Columns and types come from the newest version; a column never seen with a null gets
    ``required: true`` only as a suggestion (``customProperties``), as do the observed
    row counts and value ranges: the record says what was, not what must be.
    """
    if not versions:
        raise ContractError(f"dataset {name!r} has no recorded versions to describe")
    schema, _ = versions[-1]
    properties = []
    for col, dtype in schema:
        prop: dict[str, Any] = {"name": col, "physicalType": dtype}
        logical = logical_type(dtype)
        if logical:
            prop["logicalType"] = logical
        observed = _observed(col, [m for _, m in versions])
        if observed:
            prop["customProperties"] = [
                {"property": f"govern.observed.{key}", "value": value}
                for key, value in observed.items()
            ]
        properties.append(prop)
    rows = [int(m["rowCount"]) for _, m in versions if m and m.get("rowCount") is not None]
    obj: dict[str, Any] = {
        "name": name.rsplit("/", 1)[-1],
        "physicalName": name,
        "properties": properties,
    }
    custom = [{"property": "govern.versions", "value": len(versions)}]
    if rows:
        custom += [
            {"property": "govern.observed.minRowCount", "value": min(rows)},
            {"property": "govern.observed.maxRowCount", "value": max(rows)},
        ]
    if namespace:
        custom.append({"property": "govern.namespace", "value": namespace})
    obj["customProperties"] = custom
    contract = _base(name, contract_id, version)
    contract["schema"] = [obj]
    return contract


def _observed(column: str, metrics: Sequence[Mapping[str, Any] | None]) -> dict[str, Any]:
    seen = [
        m["columnMetrics"][column]
        for m in metrics
        if m and column in (m.get("columnMetrics") or {})
    ]
    if not seen:
        return {}
    out: dict[str, Any] = {"nullCount": sum(int(s.get("nullCount") or 0) for s in seen)}
    mins = [s["min"] for s in seen if s.get("min") is not None]
    maxs = [s["max"] for s in seen if s.get("max") is not None]
    if mins:
        out["minimum"] = min(mins)
    if maxs:
        out["maximum"] = max(maxs)
    out["neverNull"] = out["nullCount"] == 0
    return out


_OPERATOR_KEYS = {
    "==": "mustBe",
    "!=": "mustNotBe",
    ">": "mustBeGreaterThan",
    ">=": "mustBeGreaterOrEqualTo",
    "<": "mustBeLessThan",
    "<=": "mustBeLessOrEqualTo",
    "between": "mustBeBetween",
    "not_between": "mustNotBeBetween",
}


def _number_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _operators(bounds: Sequence[Bound]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for b in bounds:
        value = b.value
        out[_OPERATOR_KEYS[b.op]] = (
            [_number_text(v) for v in value] if isinstance(value, tuple) else _number_text(value)
        )
    return out


def _metric_entry(rule: MetricRule) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": rule.name, "metric": rule.metric}
    args: dict[str, Any] = {}
    if rule.metric == "duplicateValues" and rule.columns:
        args["properties"] = list(rule.columns)
    if rule.valid_values is not None:
        args["validValues"] = list(rule.valid_values)
    if rule.pattern is not None:
        args["pattern"] = rule.pattern
    if rule.metric == "missingValues":
        args["missingValues"] = list(rule.missing_values)
    if args:
        entry["arguments"] = args
    entry.update(_operators(rule.bounds))
    entry["unit"] = rule.unit
    entry["severity"] = rule.severity.value if rule.severity is Severity.ERROR else "warning"
    return entry


def _sql_entry(rule: SqlRule) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": rule.name, "type": "sql", "query": rule.query}
    entry.update(_operators(rule.bounds))
    entry["severity"] = rule.severity.value if rule.severity is Severity.ERROR else "warning"
    return entry


def _bound_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.time) else _number_text(value)


def contract_from_rules(rules: ObjectRules, *, api_version: str = API_VERSION) -> dict[str, Any]:
    """An ODCS contract stating exactly ``rules`` (what govern enforces of a contract).

    Translating the result gives ``rules`` back (less the rules govern cannot run, whose
    implementation it does not keep): the round trip the tests check on the standard's
    own examples.
    """
    properties = []
    for column in rules.columns:
        prop: dict[str, Any] = {"name": column.name}
        if column.logical_type:
            prop["logicalType"] = column.logical_type
        prop["required"] = column.not_null is not None
        if column.unique is not None:
            prop["unique"] = True
        options = {
            key: _bound_text(value)
            for key, value in (
                ("minimum", column.minimum),
                ("maximum", column.maximum),
                ("exclusiveMinimum", column.exclusive_minimum),
                ("exclusiveMaximum", column.exclusive_maximum),
                ("minLength", column.min_length),
                ("maxLength", column.max_length),
                ("pattern", column.pattern),
            )
            if value is not None
        }
        if column.valid_values is not None:
            prop["enum"] = [{"value": v} for v in column.valid_values]
        sizes = (
            ("minItems", "maxItems")
            if column.logical_type == "array"
            else (
                "minProperties",
                "maxProperties",
            )
        )
        for key, value in zip(sizes, (column.min_size, column.max_size), strict=True):
            if value is not None:
                options[key] = value
        if column.unique_items:
            options["uniqueItems"] = True
        if column.required_keys:
            options["required"] = list(column.required_keys)
        if options:
            prop["logicalTypeOptions"] = options
        quality = [_metric_entry(r) for r in column.row_checks]
        quality += [_metric_entry(m) for m in rules.metrics if m.column == column.name]
        quality += [_sql_entry(q) for q in rules.sql if q.column == column.name]
        if quality:
            prop["quality"] = quality
        properties.append(prop)
    obj: dict[str, Any] = {"name": rules.name, "properties": properties}
    if rules.description:
        obj["description"] = rules.description
    if rules.tags:
        obj["tags"] = list(rules.tags)
    table: list[dict[str, Any]] = [
        {
            "name": f"unique_together({', '.join(cols)})",
            "metric": "duplicateValues",
            "arguments": {"properties": list(cols)},
            "mustBe": 0,
            "severity": severity.value if severity is Severity.ERROR else "warning",
        }
        for cols, severity in rules.unique_together
    ]
    table += [_metric_entry(m) for m in rules.metrics if m.column is None]
    table += [_sql_entry(q) for q in rules.sql if q.column is None]
    if table:
        obj["quality"] = table
    contract = _base(rules.name, rules.contract_id, rules.contract_version)
    contract["apiVersion"] = api_version
    if rules.owners:
        contract["team"] = {"members": [{"username": o} for o in rules.owners]}
    contract["schema"] = [obj]
    return contract
