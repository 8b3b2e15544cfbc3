"""Writing ODCS v3 contracts: from a pandera schema, or from what the record knows.

A pandera schema's constraints become the standard's own constructs (``required``,
``unique``, ``logicalTypeOptions``, library quality metrics); a check ODCS has no word for
becomes a ``text`` rule naming it, so nothing is silently dropped. A dataset in the record
gives its columns and types; the ranges it was observed in are suggestions
(``customProperties``), never constraints: nobody decided them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from govern.errors import ContractError

__all__ = ["API_VERSION", "contract_from_dataset", "contract_from_schema", "logical_type"]

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
