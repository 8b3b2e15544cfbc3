"""An ODCS schema object translated into engine-neutral rules.

What each part of a contract becomes (docs/contracts.md has the table):

- each property: a column that must be present; ``required: true`` -> no nulls;
  ``unique`` or a single ``primaryKey`` -> unique; ``logicalType`` -> the column's type
  family; ``logicalTypeOptions`` -> bounds, lengths, patterns, integer formats; ``enum``
  -> allowed values. A composite primary key -> unique together.
- each library quality rule (``nullValues``, ``missingValues``, ``invalidValues``,
  ``duplicateValues``, ``rowCount``): when it allows no failing row at all (``mustBe: 0``
  and the like, unit rows) a row-level check, so failing rows can be quarantined;
  otherwise a metric computed over the whole dataset and compared with its operators.
- ``sql`` rules: run with DuckDB over the frame (``{object}``/``{property}`` replaced).
- ``text`` rules are descriptions for people and become no check; ``custom`` rules (Soda,
  GX, dbt...) cannot be evaluated here and are an error, never a silent skip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from govern.contracts.document import SUPPORTED_VERSIONS, ContractDocument
from govern.contracts.quality import allows_no_failure, compile_pattern, number, quality_rules
from govern.contracts.rules import ColumnRule, MetricRule, ObjectRules, SqlRule, UnsupportedRule
from govern.errors import ContractError
from govern.types import Severity

__all__ = ["LOGICAL_TYPES", "Unsupported", "translate", "translate_all"]

Unsupported = Literal["error", "not_run"]

LOGICAL_TYPES: tuple[str, ...] = (
    "string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean",
    "map", "vector",
)  # fmt: skip
_NESTED = ("object", "array", "map", "vector")
_INT_FORMATS = {f"{sign}{bits}": bits for sign in "iu" for bits in (8, 16, 32, 64, 128)}
_STRING_FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
}
# documentation-only options: they describe a representation, not a constraint on values
_BOUND_FIELDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
}
# size options of nested values: (the logical type they apply to, the ColumnRule field)
_SIZES = {
    "minItems": ("array", "min_size"),
    "maxItems": ("array", "max_size"),
    "minProperties": ("object", "min_size"),
    "maxProperties": ("object", "max_size"),
}
_DOC_OPTIONS = {"format", "timezone", "defaultTimezone"}


def _column(
    doc: ContractDocument,
    prop: Mapping[str, Any],
    path: tuple[str | int, ...],
    names: Sequence[str],
    composite_key: bool,
) -> tuple[ColumnRule, list[MetricRule], list[SqlRule], list[UnsupportedRule]]:
    where = doc.where(path)
    name = prop.get("physicalName") or prop.get("name")
    if not isinstance(name, str) or not name:
        raise ContractError(f"{where}: a property needs a name")
    logical = prop.get("logicalType")
    if logical is not None and logical not in LOGICAL_TYPES:
        raise ContractError(
            f"{where}: property {name!r} has unknown logicalType {logical!r}; ODCS defines "
            f"{', '.join(LOGICAL_TYPES)}"
        )
    if logical in _NESTED or prop.get("properties") or prop.get("items"):
        _refuse_nested_constraints(doc, prop, path, name)
    options = dict(prop.get("logicalTypeOptions") or {})
    rule: dict[str, Any] = {"name": name, "logical_type": logical}
    if prop.get("required"):
        rule["not_null"] = Severity.ERROR
    if prop.get("unique") or (prop.get("primaryKey") and not composite_key):
        rule["unique"] = Severity.ERROR
    if prop.get("primaryKey"):
        rule["not_null"] = Severity.ERROR
    rule.update(_options(options, logical, doc.where((*path, "logicalTypeOptions")), name))
    enum = prop.get("enum")
    if enum:
        rule["valid_values"] = tuple(e.get("value") if isinstance(e, Mapping) else e for e in enum)
    metrics, sql, unsupported = quality_rules(
        doc, prop.get("quality"), (*path, "quality"), name, names
    )
    row = [
        m
        for m in metrics
        if m.unit == "rows" and m.metric != "rowCount" and allows_no_failure(m.bounds)
    ]
    rest = [m for m in metrics if m not in row]
    return ColumnRule(**rule, row_checks=tuple(row)), rest, sql, unsupported


def _options(
    options: Mapping[str, Any], logical: str | None, where: str, name: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if logical in ("integer", "number"):
                value = number(value, where, f"{name}.{key}")
            elif logical in ("date", "timestamp", "time"):
                value = _instant(value, logical, where, f"{name}.{key}")
            else:
                raise ContractError(
                    f"{where}: {key} applies to numbers, dates and timestamps, not "
                    f"{logical!r} ({name})"
                )
            out[_BOUND_FIELDS[key]] = value
        elif key in ("minLength", "maxLength"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ContractError(
                    f"{where}: {name}.{key} must be a whole number >= 0, got {value!r}"
                )
            out["min_length" if key == "minLength" else "max_length"] = value
        elif key == "pattern":
            compile_pattern(value, where)
            out["pattern"] = value
        elif key == "format" and logical == "integer":
            bits = _INT_FORMATS.get(str(value))
            if bits is None:
                raise ContractError(
                    f"{where}: integer format {value!r} is not one of {', '.join(_INT_FORMATS)}"
                )
            signed = str(value).startswith("i")
            out.setdefault("minimum", -(2 ** (bits - 1)) if signed else 0)
            out.setdefault("maximum", 2 ** (bits - 1) - 1 if signed else 2**bits - 1)
        elif key == "format" and logical == "string" and value in _STRING_FORMATS:
            out["pattern"] = _STRING_FORMATS[str(value)]
        elif key == "format" and logical == "string":
            raise ContractError(
                f"{where}: string format {value!r} of {name!r} cannot be checked; supported: "
                f"{', '.join(_STRING_FORMATS)} (or give a pattern)"
            )
        elif key in _DOC_OPTIONS:
            continue  # how temporal values are written: the column's type is what is checked
        elif key in _SIZES and logical == _SIZES[key][0]:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ContractError(f"{where}: {name}.{key} must be a whole number >= 0")
            out[_SIZES[key][1]] = value
        elif key == "uniqueItems" and logical == "array":
            out["unique_items"] = bool(value)
        elif key == "required" and logical == "object":
            if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
                raise ContractError(f"{where}: {name}.required must be a list of key names")
            out["required_keys"] = tuple(value)
        else:
            raise ContractError(f"{where}: unknown logicalTypeOptions key {key!r} for {name!r}")
    return out


def _instant(value: Any, logical: str, where: str, what: str) -> dt.date | dt.datetime | dt.time:
    """A date, timestamp or time bound from ISO 8601 text."""
    if isinstance(value, dt.date | dt.time):
        return value
    try:
        text = str(value)
        if logical == "time":
            return dt.time.fromisoformat(text)
        return dt.date.fromisoformat(text) if logical == "date" else dt.datetime.fromisoformat(text)
    except ValueError:
        raise ContractError(
            f"{where}: {what} must be an ISO 8601 {logical}, got {value!r}"
        ) from None


def _refuse_nested_constraints(
    doc: ContractDocument, prop: Mapping[str, Any], path: tuple[str | int, ...], name: str
) -> None:
    nested = list(prop.get("properties") or ())
    if isinstance(prop.get("items"), Mapping):
        nested.append(prop["items"])
    for i, child in enumerate(nested):
        if not isinstance(child, Mapping):
            continue
        if child.get("quality") or child.get("unique") or child.get("logicalTypeOptions"):
            raise ContractError(
                f"{doc.where((*path, 'properties', i))}: constraints inside the nested "
                f"{prop.get('logicalType', 'structure')} {name!r} cannot be checked on a data "
                "frame column; check the column's presence and nulls here, the nested values "
                "where they are flattened"
            )
        _refuse_nested_constraints(doc, child, (*path, "properties", i), str(child.get("name")))


def _require_unique_names(
    doc: ContractDocument,
    path: tuple[str | int, ...],
    metrics: Sequence[MetricRule],
    sql: Sequence[SqlRule],
    columns: Sequence[ColumnRule],
) -> None:
    """Rule names are how the record tells checks apart: two rules may not share one."""
    seen: set[str] = set()
    names = [m.name for m in metrics] + [q.name for q in sql]
    names += [r.name for c in columns for r in c.row_checks]
    for name in names:
        if name in seen:
            raise ContractError(
                f"{doc.where(path)}: two quality rules are both named {name!r}; give each an id"
            )
        seen.add(name)


def _check_version(doc: ContractDocument) -> None:
    version = doc.api_version
    if version not in SUPPORTED_VERSIONS:
        raise ContractError(
            f"{doc.where(('apiVersion',))}: ODCS apiVersion {version or '(none)'!r} is not "
            f"supported; govern reads {', '.join(SUPPORTED_VERSIONS)}"
        )
    if doc.data.get("kind", "DataContract") != "DataContract":
        raise ContractError(f"{doc.where(('kind',))}: kind must be DataContract")


def translate(
    doc: ContractDocument, schema: str | None = None, unsupported: Unsupported = "error"
) -> ObjectRules:
    """The rules of one schema object (``schema`` by name; the only one when omitted).

    ``unsupported="error"`` (the default) refuses a rule govern cannot evaluate (a custom
    Soda or dbt rule); ``"not_run"`` keeps it, to be recorded as a check that did not run.
    """
    _check_version(doc)
    objects = doc.data.get("schema") or []
    if not isinstance(objects, list) or not objects:
        raise ContractError(f"{doc.where(('schema',))}: the contract has no schema objects")
    names = [str(o.get("name")) for o in objects if isinstance(o, Mapping)]
    if schema is None:
        if len(objects) != 1:
            raise ContractError(
                f"{doc.source}: the contract has {len(objects)} schema objects "
                f"({', '.join(names)}); choose one with schema=..."
            )
        index = 0
    elif schema in names:
        index = names.index(schema)
    else:
        raise ContractError(
            f"{doc.source}: no schema object {schema!r}; the contract has {', '.join(names)}"
        )
    return _object(doc, objects[index], ("schema", index), unsupported)


def translate_all(doc: ContractDocument, unsupported: Unsupported = "error") -> list[ObjectRules]:
    """The rules of every schema object (what lint checks)."""
    _check_version(doc)
    objects = doc.data.get("schema") or []
    return [_object(doc, o, ("schema", i), unsupported) for i, o in enumerate(objects)]


def _object(
    doc: ContractDocument, obj: Any, path: tuple[str | int, ...], unsupported: Unsupported
) -> ObjectRules:
    where = doc.where(path)
    if not isinstance(obj, Mapping):
        raise ContractError(f"{where}: a schema object is a mapping")
    props = obj.get("properties") or []
    names = [str(p.get("physicalName") or p.get("name")) for p in props if isinstance(p, Mapping)]
    keys = sorted(
        (p for p in props if isinstance(p, Mapping) and p.get("primaryKey")),
        key=lambda p: p.get("primaryKeyPosition") or 0,
    )
    columns: list[ColumnRule] = []
    metrics: list[MetricRule] = []
    sql: list[SqlRule] = []
    cannot: list[UnsupportedRule] = []
    for i, prop in enumerate(props):
        column, rest, queries, skipped = _column(
            doc, prop, (*path, "properties", i), names, len(keys) > 1
        )
        columns.append(column)
        metrics.extend(rest)
        sql.extend(queries)
        cannot.extend(skipped)
    table_metrics, table_sql, table_cannot = quality_rules(
        doc, obj.get("quality"), (*path, "quality"), None, names
    )
    cannot.extend(table_cannot)
    if cannot and unsupported == "error":
        raise ContractError(cannot[0].reason)
    unique_together: list[tuple[tuple[str, ...], Severity]] = []
    if len(keys) > 1:
        key = tuple(str(p.get("physicalName") or p.get("name")) for p in keys)
        unique_together.append((key, Severity.ERROR))
    for rule in table_metrics:
        if (
            rule.metric == "duplicateValues"
            and rule.unit == "rows"
            and allows_no_failure(rule.bounds)
        ):
            unique_together.append((rule.columns, rule.severity))
        else:
            metrics.append(rule)
    _require_unique_names(doc, path, metrics, sql, columns)
    team = doc.data.get("team")
    members = team.get("members") if isinstance(team, Mapping) else team
    owners = tuple(
        str(m.get("username") or m.get("name"))
        for m in members or ()
        if isinstance(m, Mapping) and (m.get("username") or m.get("name"))
    )
    return ObjectRules(
        contract_id=str(doc.data.get("id")),
        contract_version=str(doc.data.get("version")),
        name=str(obj.get("name")),
        columns=tuple(columns),
        unique_together=tuple(unique_together),
        metrics=tuple(metrics),
        sql=tuple(sql + table_sql),
        unsupported=tuple(cannot),
        description=str(obj["description"]) if obj.get("description") else None,
        owners=owners,
        tags=tuple(str(t) for t in obj.get("tags") or ()),
    )
