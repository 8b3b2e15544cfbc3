"""Settings, resolved once: explicit arguments > GOVERN_* variables > [tool.govern] > defaults.

The environment is read, never written. ``configure()`` sets explicit values for this
process (tests and notebooks use it); ``settings()`` returns the resolved, cached result.
"""

from __future__ import annotations

import os
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from govern.errors import ConfigError

__all__ = [
    "MetricsLevel",
    "Settings",
    "SummaryMode",
    "configure",
    "find_project_root",
    "reset",
    "settings",
]

MetricsLevel = Literal["off", "cheap", "full"]
SummaryMode = Literal["off", "sample", "full"]
StoreErrorMode = Literal["raise", "warn"]
SqlQuarantine = Literal["table", "parquet"]


@dataclass(frozen=True)
class Settings:
    """Everything configurable, in one place.

    Attributes:
        project_root: the nearest directory at or above the working directory holding
            pyproject.toml or .git (else the working directory).
        namespace: OpenLineage namespace of jobs and in-memory datasets (default: the
            project's name).
        quarantine_dir: where rejected rows are written as Parquet.
        sql_quarantine: where a SQL engine's (Ibis) rejected rows go: ``table`` (default: a
            table in the same database) or ``parquet`` (a file under quarantine_dir).
        metrics: ``off``, ``cheap`` (row count, bytes, per-column null and non-null
            counts: O(1) after the Arrow conversion) or ``full`` (adds min, max, sum,
            exact distinct counts and approximate quantiles).
        summaries: the mergeable summary recorded with each dataset version for
            monitoring (govern.monitoring): ``sample`` (default: sketches of a bounded
            sample, exact counts and moments), ``full`` (every value) or ``off``. Deferred
            frames (Polars lazy, Spark) are summarised only where a `govern.Stable` gate
            is on them (that runs the plan once more).
        sample_size: failure cases kept per check.
        pii_columns: columns whose values never appear in samples, messages or records.
        store: SQLite path or ``postgresql://`` URL of the audit record.
        on_store_error: ``raise`` (default; the record comes first) or ``warn``.
        signing_key: HMAC key of the record's hash chain (never printed).
        signing_key_file: PEM file of an Ed25519 private key that signs each record
            (public-key verification; exclusive with ``signing_key``).
        lineage: the ``[tool.govern.lineage]`` table, handed to lineage delivery.
        templates: a directory of report templates overriding the shipped ones.
        approvers: identities ``govern approve --by`` accepts besides e-mail addresses.
        drift: the ``[tool.govern.drift]`` table: ``govern drift``'s thresholds.
    """

    project_root: Path
    namespace: str
    quarantine_dir: Path
    metrics: MetricsLevel = "cheap"
    summaries: SummaryMode = "sample"
    sample_size: int = 5
    pii_columns: tuple[str, ...] = ()
    store: str = ""
    on_store_error: StoreErrorMode = "raise"
    signing_key: str | None = field(default=None, repr=False)
    signing_key_file: Path | None = None
    lineage: Mapping[str, Any] = field(default_factory=dict)
    templates: Path | None = None
    approvers: tuple[str, ...] = ()
    sql_quarantine: SqlQuarantine = "table"
    drift: Mapping[str, Any] = field(default_factory=dict)


_ENV_PREFIX = "GOVERN_"
_PATH_KEYS = {"quarantine_dir", "templates", "signing_key_file"}
_KEYS = {f.name for f in fields(Settings)} - {"project_root"}
_lock = threading.Lock()
_overrides: dict[str, Any] = {}
_cached: Settings | None = None


def find_project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` holding pyproject.toml or .git.

    Found the way git finds its repository, so a command run from a subdirectory uses the
    project's one ``.govern/`` rather than creating another; ``start`` when neither exists.
    """
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        # .git is a directory in a clone, a file in a worktree or submodule
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return here


def _read_pyproject(root: Path) -> tuple[dict[str, Any], str | None]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    table = data.get("tool", {}).get("govern", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.govern] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) in [tool.govern]: {', '.join(unknown)}; "
            f"known keys are {', '.join(sorted(_KEYS))}"
        )
    project_name = data.get("project", {}).get("name")
    return table, project_name if isinstance(project_name, str) else None


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in _KEYS - {"lineage", "drift"}:
        raw = os.environ.get(_ENV_PREFIX + key.upper())
        if raw is not None and raw != "":
            values[key] = raw
    # the OpenLineage integrations' own variable, below govern's explicit one
    if "namespace" not in values and os.environ.get("OPENLINEAGE_NAMESPACE", "").strip():
        values["namespace"] = os.environ["OPENLINEAGE_NAMESPACE"].strip()
    return values


def _coerce(key: str, value: Any, source: str, base: Path) -> Any:
    where = f"{key} (from {source})"
    if key in _PATH_KEYS:
        if (value is None or value == "") and key != "quarantine_dir":
            return None  # explicitly none (an empty GOVERN_* variable is skipped earlier)
        path = Path(str(value)).expanduser()
        return path if path.is_absolute() else base / path
    if key == "metrics":
        if value not in get_args(MetricsLevel):
            raise ConfigError(f"{where} must be one of off, cheap, full; got {value!r}")
        return value
    if key == "sql_quarantine":
        if value not in get_args(SqlQuarantine):
            raise ConfigError(f"{where} must be 'table' or 'parquet'; got {value!r}")
        return value
    if key == "summaries":
        if value not in get_args(SummaryMode):
            raise ConfigError(f"{where} must be one of off, sample, full; got {value!r}")
        return value
    if key == "on_store_error":
        if value not in get_args(StoreErrorMode):
            raise ConfigError(f"{where} must be 'raise' or 'warn'; got {value!r}")
        return value
    if key == "sample_size":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a whole number; got {value!r}") from None
        if number < 0:
            raise ConfigError(f"{where} must be >= 0; got {number}")
        return number
    if key in ("pii_columns", "approvers"):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where} must be a list of names; got {value!r}")
        return tuple(i.strip() for i in items if i.strip())
    if key in ("lineage", "drift"):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table; got {value!r}")
        return dict(value)
    if key == "store":
        text = str(value)
        if "://" in text:
            return text
        path = Path(text).expanduser()
        return str(path if path.is_absolute() else base / path)
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string; got {value!r}")
    return value


def _resolve() -> Settings:
    root = find_project_root()
    table, project_name = _read_pyproject(root)
    resolved: dict[str, Any] = {}
    cwd = Path.cwd()
    for source, values, base in (
        ("pyproject.toml [tool.govern]", table, root),
        ("environment", _from_env(), cwd),
        ("govern.configure()", _overrides, cwd),
    ):
        for key, value in values.items():
            resolved[key] = _coerce(key, value, source, base)
    resolved.setdefault("namespace", project_name or root.name or "default")
    resolved.setdefault("quarantine_dir", root / ".govern" / "quarantine")
    resolved.setdefault("store", str(root / ".govern" / "govern.db"))
    return Settings(project_root=root, **resolved)


def settings() -> Settings:
    """The resolved settings of this process (read once, then cached)."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = _resolve()
        return _cached


def configure(**values: Any) -> Settings:
    """Set explicit values for this process (highest precedence) and re-resolve.

    ``configure()`` with no arguments forgets earlier explicit values and re-reads the
    environment and pyproject.toml.

    Raises:
        ConfigError: an unknown key or a value of the wrong kind.
    """
    global _cached
    unknown = sorted(set(values) - _KEYS)
    if unknown:
        raise ConfigError(
            f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}"
        )
    with _lock:
        if values:
            _overrides.update(values)
        else:
            _overrides.clear()
        _cached = None
    return settings()


def reset() -> None:
    """Forget explicit values and the cached settings; the next use re-reads everything."""
    global _cached
    with _lock:
        _overrides.clear()
        _cached = None
