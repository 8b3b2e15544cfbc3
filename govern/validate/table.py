"""``govern validate URL::TABLE``: check a database table in place, through Ibis.

The target is a connection URL and a table, joined by ``::``::

    duckdb:///data/warehouse.duckdb::main.orders
    postgresql://user@db:5432/shop::public.orders

The schema file is the same pandera YAML as for files: its columns and built-in checks
are rebuilt as a ``pandera.ibis`` schema and run by the Ibis engine
(`govern.engines.ibis`), all checks in one aggregate query; samples come with
``LIMIT``. No row is read into Python. Great Expectations suites are refused with an
error naming the backend (GX runs SQL through its own data sources, not Ibis).
Connection credentials never reach the result or the record: the dataset is named per
OpenLineage (`govern.engines.ibis_naming`) and the target is shown redacted.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govern.checks.base import Finding
from govern.config import settings
from govern.errors import CheckEvaluationError, ConfigError, MissingDependencyError
from govern.policies.model import Evaluation
from govern.redaction import redact_uri
from govern.types import DatasetVersion, FailureCase, Severity

__all__ = ["is_table_target", "split_target", "to_ibis_schema", "validate_table"]

_TARGET = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://.*::[^:]+$", re.DOTALL)
_DTYPES = {"object": "string", "str": "string", "bool": "boolean"}


def is_table_target(text: str) -> bool:
    """True for ``scheme://...::table`` (a database table, not a file)."""
    return bool(_TARGET.match(text))


def split_target(text: str) -> tuple[str, str | None, str]:
    """(connection URL, schema or None, table) of ``URL::[schema.]table``."""
    url, _, name = text.rpartition("::")
    schema, _, table = name.rpartition(".")
    if not url or not table:
        raise ConfigError(f"{redact_uri(text)}: expected URL::[schema.]table")
    return url, schema or None, table


def connect(url: str) -> Any:
    """An Ibis connection for ``url`` (DuckDB files read-only)."""
    try:
        import ibis
    except ImportError as exc:
        raise MissingDependencyError(
            "validating a table needs Ibis: pip install 'govern[duckdb]' (DuckDB) or "
            "'govern[ibis-postgres]' (PostgreSQL)"
        ) from exc
    scheme = url.split("://", 1)[0].lower()
    try:
        if scheme == "duckdb":
            path = url.split("://", 1)[1]
            if path and path != ":memory:" and not Path(path).is_file():
                raise ConfigError(f"{redact_uri(url)}: no such DuckDB file")
            return ibis.duckdb.connect(path, read_only=True)
        if scheme.startswith("postgresql"):
            url = "postgres://" + url.split("://", 1)[1]
        return ibis.connect(url)
    except ConfigError:
        raise
    except Exception as exc:  # drivers raise many kinds; the URL is shown redacted
        raise ConfigError(
            f"{redact_uri(url)}: cannot connect: {type(exc).__name__}: "
            f"{redact_uri(' '.join(str(exc).split())[:200])}"
        ) from exc


def _dtype(dtype: Any, column: str) -> Any:
    """The Ibis type of a pandas dtype name (``int64``, ``str``, ``datetime64[ns]``...)."""
    import ibis

    if dtype is None:
        return None
    text = str(dtype)
    if text.startswith("datetime64"):
        text = "timestamp"
    elif text.startswith("string") or text in ("str", "object"):  # string[pyarrow], ...
        text = "string"
    text = _DTYPES.get(text, text)
    try:
        return ibis.dtype(text)
    except Exception as exc:  # ibis raises several kinds for names it does not know
        raise CheckEvaluationError(
            f"column {column!r}: dtype {dtype} has no database type here"
        ) from exc


def to_ibis_schema(schema: Any) -> Any:
    """A pandera.ibis schema with the columns and built-in checks of a pandas one.

    Raises:
        CheckEvaluationError: a check that is not a pandera built-in (its Python code
            cannot run as SQL), naming it.
    """
    import pandera.ibis as pa

    def rebuilt(check: Any, where: str) -> Any:
        factory = getattr(pa.Check, str(check.name), None)
        if factory is None:
            raise CheckEvaluationError(
                f"{where}: check {check.name!r} is not a pandera built-in; only built-in "
                "checks run on a database table"
            )
        return factory(**(check.statistics or {}), raise_warning=check.raise_warning)

    columns = {
        name: pa.Column(
            _dtype(column.dtype, name),
            [rebuilt(c, f"column {name!r}") for c in column.checks],
            nullable=column.nullable,
            unique=column.unique,
            required=column.required,
            regex=column.regex,
            name=name,
        )
        for name, column in schema.columns.items()
    }
    return pa.DataFrameSchema(
        columns,
        checks=[rebuilt(c, "schema") for c in schema.checks],
        strict=schema.strict,
        ordered=schema.ordered,
        unique=schema.unique,
        report_duplicates=schema.report_duplicates,
        name=schema.name,
    )


def validate_table(
    target: str,
    schema_file: Path | str,
    *,
    fail_on: Severity | str = Severity.ERROR,
    record: bool | None = None,
    pipeline: str = "validate",
) -> Evaluation:
    """Validate ``URL::[schema.]table`` against a pandera schema file, in the database."""
    from govern.checks.pandera_cases import listed
    from govern.checks.pandera_schema import prepare
    from govern.engines.ibis import ENGINE
    from govern.validate import _evaluation, _record, _store_exists, _Tally
    from govern.validate.schema import load_schema

    level = Severity(fail_on)
    loaded = load_schema(Path(schema_file))
    if loaded.kind != "pandera":
        raise CheckEvaluationError(
            f"{loaded.file}: Great Expectations suites do not run on database tables "
            f"here ({redact_uri(target.rpartition('::')[0]).split('://')[0]}): use a "
            "pandera schema file"
        )
    url, namespace, name = split_target(target)
    con = connect(url)
    cfg = settings()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    try:
        try:
            table = con.table(name, database=namespace)
        except Exception as exc:  # the table does not exist (each backend says so its way)
            raise ConfigError(f"{redact_uri(target)}: no such table ({exc})") from exc
        prepared = prepare(to_ibis_schema(loaded.check.schema))  # type: ignore[attr-defined]
        run = ENGINE.run_pandera(
            prepared.schema, table, want_index=False, sample_size=cfg.sample_size
        )
        rows = run.layout.rows
        failing = [
            Finding(
                check=f.check,
                column=f.column,
                failed_count=f.failed_count,
                checked_count=f.rows,
                sample=tuple(FailureCase(None, s) for s in f.sample),
                passed=False,
                severity=Severity.WARN if (f.column, f.check) in prepared.warn else None,
                message=f.message,
                row_level=f.row_level,
            )
            for f in run.failures or []
        ]
        findings = listed(prepared.schema, failing, rows, prepared.warn)
        ref = ENGINE.location_ref(table, None)
        tallies: dict[tuple[str | None, str], _Tally] = {}
        for finding in findings:
            key = (finding.column, finding.check)
            tallies.setdefault(key, _Tally(finding.check, finding.column)).add(
                finding, cfg.sample_size
            )
        ordered = sorted(
            tallies.values(),
            key=lambda t: (loaded.line_of(t.column, t.check), t.column or "", t.check),
        )
        results = [t.result(ref.name, "pandera", cfg.pii_columns) for t in ordered]
        run_id: str | None = None
        if record or (record is None and _store_exists()):
            prof = ENGINE.profile(table, "off", True)
            version = DatasetVersion(
                ref=ref,
                role="input",
                parameter="data",
                fingerprint=prof.fingerprint,
                row_count=prof.row_count,
                schema=prof.schema,
            )
            run_id = _record(
                pipeline, loaded, results, version, started, time.perf_counter() - clock
            )
    finally:
        con.disconnect()
    shown = redact_uri(target)
    dataset = f"{ref.namespace}:{ref.name}"
    return _evaluation(loaded, level, results, shown, rows, run_id, dataset=dataset)
