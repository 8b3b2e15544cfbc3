"""Where events go: OpenLineage transport configuration, read the OpenLineage way.

Sources, lowest precedence first (later ones override, merged key by key):

1. ``[tool.govern.lineage]`` in pyproject.toml (``Settings.lineage``): a ``transport``
   table shaped like openlineage.yml's, plus govern's delivery options;
2. ``OPENLINEAGE__...`` environment variables (``OPENLINEAGE__TRANSPORT__TYPE=http``,
   ``OPENLINEAGE__TRANSPORT__URL=...``: keys split on ``__`` and lower-cased, values
   parsed as JSON where they are JSON), as the OpenLineage client reads them;
3. openlineage.yml: ``$OPENLINEAGE_CONFIG``, else ``./openlineage.yml``, else
   ``~/.openlineage/openlineage.yml`` (the client's order, and its precedence over
   variables).

With no transport from those, ``OPENLINEAGE_URL`` (+ ``OPENLINEAGE_ENDPOINT``,
``OPENLINEAGE_API_KEY``) means an http transport; ``OPENLINEAGE_DISABLED=true`` turns
delivery off. Nothing configured: events stay in the store only. The environment is
read, never written (the OpenLineage client itself copies OPENLINEAGE_URL into
``os.environ``; govern builds transports with the client's factory instead).

A ``composite`` transport is split into its children, each delivered (and tracked in the
outbox) on its own, so a backend that is down never holds back, or duplicates, another.

A transport is tracked by what it delivers *to* (``TransportSpec.key``: its name and its
destination -- type + URL/endpoint, file path, or Kafka topic and brokers -- credentials
removed), not by its name alone: repointing ``http`` at a new URL makes a new outbox
entry owed from then on, while the old destination keeps its own backlog (shown by
``govern lineage status``; ``govern lineage replay --backfill`` sends the new one the
history).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.config import Settings
from govern.datasets import redact_uri
from govern.errors import LineageError

__all__ = [
    "DEFAULTS",
    "KEY_SEPARATOR",
    "LineageConfig",
    "TransportSpec",
    "destination",
    "resolve",
    "transport_key",
]

KEY_SEPARATOR = " -> "
"""Between a transport's name and its destination in its outbox key."""
_KEY_MAX = 480  # the outbox's name column holds 512 characters

DEFAULTS: Mapping[str, Any] = {
    "timeout": 5.0,
    "flush_timeout": 5.0,
    "max_attempts": 10,
}
"""govern's delivery options, settable under ``[tool.govern.lineage]``."""

_GOVERN_KEYS = {"transport", "repo_url", *DEFAULTS}
_ENV_PREFIX = "OPENLINEAGE__"


@dataclass(frozen=True)
class TransportSpec:
    """One transport the outbox delivers to: its name, type and client configuration."""

    name: str
    kind: str
    config: Mapping[str, Any] = field(repr=False)  # may hold credentials: never printed

    @property
    def target(self) -> str:
        """Where events go, credentials removed (``http://host:5000/api/v1/lineage``)."""
        return destination(self.kind, self.config)

    @property
    def key(self) -> str:
        """The outbox's name for this transport: its name and its destination."""
        return transport_key(self.name, self.target)


@dataclass(frozen=True)
class LineageConfig:
    """Resolved delivery configuration.

    Attributes:
        transports: where events go; empty means the store only.
        timeout: seconds one delivery attempt may take (the http transport's timeout).
        flush_timeout: seconds the interpreter waits at exit for pending deliveries.
        max_attempts: attempts before an event is marked failed (``replay`` retries it).
        repo_url: repository URL for the sourceCodeLocation job facet.
        source: where the transport configuration came from (for messages).
    """

    transports: tuple[TransportSpec, ...] = ()
    timeout: float = float(DEFAULTS["timeout"])
    flush_timeout: float = float(DEFAULTS["flush_timeout"])
    max_attempts: int = int(DEFAULTS["max_attempts"])
    repo_url: str | None = None
    source: str = "nothing configured"
    disabled: bool = False


def resolve(
    cfg: Settings, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> LineageConfig:
    """The delivery configuration of this process.

    Raises:
        LineageError: a configuration that cannot be used (the message names its source).
    """
    env = os.environ if env is None else env
    table = dict(cfg.lineage)
    where = f"[tool.govern.lineage] in {cfg.project_root / 'pyproject.toml'}"
    unknown = sorted(set(table) - _GOVERN_KEYS)
    if unknown:
        raise LineageError(
            f"{where}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_GOVERN_KEYS))}"
        )
    options = {k: _option(k, table.get(k, v), where) for k, v in DEFAULTS.items()}
    merged: dict[str, Any] = {}
    sources: list[str] = []
    if isinstance(table.get("transport"), Mapping):
        merged["transport"] = copy.deepcopy(dict(table["transport"]))
        sources.append(where)
    elif "transport" in table:
        raise LineageError(
            f"{where}: transport must be a table, e.g. [tool.govern.lineage.transport]"
        )
    from_env = _from_env(env)
    if from_env:
        merged = _merge(merged, from_env)
        sources.append("OPENLINEAGE__ environment variables")
    yml = _yaml_path(env, cwd or Path.cwd())
    if yml is not None:
        merged = _merge(merged, _read_yaml(yml))
        sources.append(str(yml))
    repo = table.get("repo_url") or _repo_from(merged)
    if env.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
        return LineageConfig(
            source="OPENLINEAGE_DISABLED=true", repo_url=repo, disabled=True, **options
        )
    transport = merged.get("transport")
    if not (isinstance(transport, Mapping) and transport.get("type")):
        if isinstance(transport, Mapping) and transport:
            raise LineageError(
                f"{' + '.join(sources)}: the OpenLineage transport has no type; set one of "
                "http, kafka, file, console, composite (OPENLINEAGE__TRANSPORT__TYPE)"
            )
        url = env.get("OPENLINEAGE_URL", "").strip()
        if not url:
            return LineageConfig(repo_url=repo, **options)
        transport = {"type": "http", "url": url}
        if env.get("OPENLINEAGE_ENDPOINT"):
            transport["endpoint"] = env["OPENLINEAGE_ENDPOINT"]
        if env.get("OPENLINEAGE_API_KEY"):
            transport["auth"] = {"type": "api_key", "apiKey": env["OPENLINEAGE_API_KEY"]}
        sources = ["OPENLINEAGE_URL"]
    source = " + ".join(sources)
    specs = _split(dict(transport), source, timeout=options["timeout"])
    return LineageConfig(transports=specs, source=source, repo_url=repo, **options)


def _option(key: str, value: Any, where: str) -> Any:
    if key == "max_attempts":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LineageError(f"{where}: max_attempts must be a whole number >= 1, not {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise LineageError(f"{where}: {key} must be a number of seconds > 0, not {value!r}")
    return float(value)


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """``OPENLINEAGE__A__B=v`` -> ``{"a": {"b": v}}``, the client's rules, env untouched."""
    config: dict[str, Any] = {}
    # reverse-sorted like the client: a top-level key is set last and wins
    for key, raw in sorted((k, v) for k, v in env.items() if k.startswith(_ENV_PREFIX))[::-1]:
        path = [p.lower() for p in key[len(_ENV_PREFIX) :].split("__")]
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = config
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return config


def _yaml_path(env: Mapping[str, str], cwd: Path) -> Path | None:
    explicit = env.get("OPENLINEAGE_CONFIG")
    candidates = [Path(explicit)] if explicit else []
    candidates += [cwd / "openlineage.yml", Path.home() / ".openlineage" / "openlineage.yml"]
    for path in candidates:
        if path.is_file():
            return path
    if explicit:
        raise LineageError(f"OPENLINEAGE_CONFIG={explicit}: no such file")
    return None


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LineageError(f"{path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise LineageError(
            f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LineageError(f"{path}: must be a mapping with a 'transport' key")
    return data


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _repo_from(config: Mapping[str, Any]) -> str | None:
    facets = config.get("facets")
    scl = facets.get("source_code_location") if isinstance(facets, Mapping) else None
    url = scl.get("repo_url") if isinstance(scl, Mapping) else None
    return str(url) if url else None


def _split(transport: dict[str, Any], source: str, *, timeout: float) -> tuple[TransportSpec, ...]:
    if str(transport["type"]).lower() != "composite":
        return (_spec(transport, None, source, timeout),)
    children = transport.get("transports")
    items: list[tuple[dict[str, Any], str | None]]
    if isinstance(children, Mapping):
        items = [({**c, "name": n}, str(n)) for n, c in children.items() if c]
    elif isinstance(children, list):
        items = [(dict(c), None) for c in children if isinstance(c, Mapping)]
    else:
        raise LineageError(f"{source}: a composite transport needs 'transports' (a list or table)")
    if not items:
        raise LineageError(f"{source}: the composite transport lists no transports")
    specs = [_spec(c, n, source, timeout) for c, n in items]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LineageError(
            f"{source}: transports named {', '.join(dupes)} more than once; give each a 'name'"
        )
    return tuple(specs)


def _spec(config: dict[str, Any], name: str | None, source: str, timeout: float) -> TransportSpec:
    kind = config.get("type")
    if not isinstance(kind, str) or not kind:
        raise LineageError(
            f"{source}: every transport needs a type (http, kafka, file, console...)"
        )
    name = str(name or config.get("name") or kind)
    config = {k: v for k, v in config.items() if k not in ("name", "priority")}
    if kind == "http":
        # one bounded attempt per delivery: the outbox retries with backoff, where the
        # client's default (5 retries, backoff 0.3 s) blocks ~9 s per event on a dead host
        config.setdefault("timeout", timeout)
        config.setdefault("retry", {"total": 0, "connect": 0, "read": 0, "status": 0})
    if kind == "kafka" and isinstance(config.get("config"), Mapping):
        # a delivery the broker does not confirm fails within one attempt's timeout,
        # where librdkafka's default keeps trying for 5 minutes inside emit()
        config["config"] = {"message.timeout.ms": int(timeout * 1000), **config["config"]}
    return TransportSpec(name=name, kind=kind, config=config)


def destination(kind: str, config: Mapping[str, Any]) -> str:
    """What a transport delivers to, without credentials: its identity beyond its name.

    Tuning (timeouts, retries, compression, auth) is not part of it: changing those keeps
    the backlog; changing where events go does not.
    """
    kind = kind.lower()
    if kind == "http":
        url = str(config.get("url") or "").rstrip("/")
        endpoint = str(config.get("endpoint") or "api/v1/lineage").strip("/")
        return _clean(f"{url}/{endpoint}")
    if kind == "file":
        return str(config.get("log_file_path") or "")
    if kind == "kafka":
        inner = config.get("config")
        brokers = inner.get("bootstrap.servers") if isinstance(inner, Mapping) else None
        return f"{config.get('topic') or ''}@{_clean(str(brokers or ''))}"
    if kind == "console":
        return "console"
    kept = {
        k: v
        for k, v in sorted(config.items())
        if k not in ("auth", "timeout", "retry", "compression", "headers", "custom_headers")
    }
    text = json.dumps(kept, sort_keys=True, default=str)
    import hashlib

    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _clean(uri: str) -> str:
    try:
        return redact_uri(uri)
    except ValueError:  # an unparsable port: keep the text, minus any credentials
        return uri.split("@")[-1] if "@" in uri else uri


def transport_key(name: str, target: str) -> str:
    """``name -> target`` (a long target shortened, with a hash of the whole)."""
    key = f"{name}{KEY_SEPARATOR}{target}"
    if len(key) <= _KEY_MAX:
        return key
    import hashlib

    digest = hashlib.sha256(target.encode()).hexdigest()[:16]
    return f"{key[: _KEY_MAX - 20]}...{digest}"
