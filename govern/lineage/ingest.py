"""One line of another producer's OpenLineage JSON: parsed, checked, credentials removed.

Pure functions, no I/O: ``govern.lineage.importer`` reads the file and writes the store.
Every failure is a reason for that line, never an exception: a number JSON cannot hold
(``1e999``), nesting too deep to walk, a facet that is not an object, a missing required
field. Names and namespaces are kept byte for byte as the producer sent them (host case,
ports, IPv6 brackets, an Azure container before ``@``); only credentials go -- a URI's
``user:password@`` and secret-looking values. Every step is linear in the line's size
(no backtracking pattern runs over an unbounded span), so a 300 KB Spark plan or a 50 MB
line costs what reading it costs.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from govern.lineage.redact import REDACTED, is_secret_name

__all__ = ["MAX_DEPTH", "MAX_NAME", "check", "clean", "clean_text", "keep_name"]

MAX_DEPTH = 200
"""Deepest nesting an event may have (real events stay under 20 levels)."""
MAX_NAME = 512
"""Longest namespace, name or run id the index holds (its columns are 512 characters)."""

_EVENT_TYPES = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_AUTHORITY_END = frozenset("/?#\\ \t\r\n\"'<>")
_CONTAINER_SCHEMES = frozenset({"wasb", "wasbs", "abfs", "abfss"})  # container@account
# a secret keyword, a separator and a value: every part bounded or consumed once
_SECRET_VALUE = re.compile(
    r"(?i)(?P<key>password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?|signature|(?<![a-z])sig)"
    r"(?P<sep>[ \t]{0,8}[=:][ \t]{0,8})(?P<value>[^\s,;&'\"]+)"
)


# -- credentials ------------------------------------------------------------------------


def _scheme_before(text: str, at: int) -> str:
    """The URI scheme ending at ``at`` (``""`` if none): at most 32 characters back."""
    start = at
    while start > 0 and at - start < 32 and text[start - 1] in _SCHEME_CHARS:
        start -= 1
    scheme = text[start:at]
    return scheme if scheme[:1].isalpha() else ""


def _without_userinfo(text: str) -> str:
    """``scheme://user:pw@host`` -> ``scheme://host`` (an Azure ``container@`` stays)."""
    if "@" not in text or "://" not in text:
        return text
    out: list[str] = []
    done = 0
    at = text.find("://")
    while at != -1:
        start = at + 3
        end = start
        while end < len(text) and text[end] not in _AUTHORITY_END:
            end += 1
        sign = text.rfind("@", start, end)
        scheme = _scheme_before(text, at).lower()
        if sign != -1 and scheme:
            userinfo = text[start:sign]
            if ":" in userinfo or scheme not in _CONTAINER_SCHEMES:
                out.append(text[done:start])
                done = sign + 1
        at = text.find("://", max(end, start))
    out.append(text[done:])
    return "".join(out)


def clean_text(text: str) -> str:
    """``text`` without URI credentials or ``password=...`` values, in linear time."""
    text = _without_userinfo(text)
    if any(c in text for c in "=:"):
        text = _SECRET_VALUE.sub(rf"\g<key>\g<sep>{REDACTED}", text)
    return text


def keep_name(text: str) -> str:
    """A namespace or name as sent, minus credentials (nothing else changes)."""
    return _without_userinfo(text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if len(k) < 256 and is_secret_name(k) else _clean(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _identities(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Every ``{namespace, name}`` object whose text must survive as sent."""
    found = [event.get("job"), event.get("dataset")]
    facets = (event.get("run") or {}).get("facets") or {}
    for key in ("parent",):
        parent = facets.get(key)
        if isinstance(parent, dict):
            found.append(parent.get("job"))
            root = parent.get("root")
            if isinstance(root, dict):
                found.append(root.get("job"))
    for dataset in [*(event.get("inputs") or ()), *(event.get("outputs") or ())]:
        found.append(dataset)
        symlinks = ((dataset.get("facets") or {}).get("symlinks") or {}).get("identifiers")
        if isinstance(symlinks, list):
            found.extend(symlinks)
    return [f for f in found if isinstance(f, dict)]


def clean(event: dict[str, Any]) -> dict[str, Any]:
    """The event without credentials; names and namespaces otherwise untouched."""
    originals = [(f.get("namespace"), f.get("name")) for f in _identities(event)]
    cleaned: dict[str, Any] = _clean(event)
    for target, (namespace, name) in zip(_identities(cleaned), originals, strict=True):
        if isinstance(namespace, str):
            target["namespace"] = keep_name(namespace)
        if isinstance(name, str):
            target["name"] = keep_name(name)
    return cleaned


# -- checks -----------------------------------------------------------------------------


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is too large for a 64-bit float")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def check(line: str) -> tuple[str, dict[str, Any] | None]:
    """``("", event)`` for an event to import, else ``(reason, None)``."""
    try:
        event = json.loads(line, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        return f"nested deeper than {MAX_DEPTH} levels", None
    except ValueError as exc:  # JSONDecodeError, huge numbers, NaN/Infinity
        return f"not valid JSON ({str(exc)[:200]})", None
    if not isinstance(event, dict):
        return f"an event is a JSON object, not {type(event).__name__}", None
    if _too_deep(event):
        return f"nested deeper than {MAX_DEPTH} levels", None
    problem = _problem(event)
    return (problem, None) if problem else ("", event)


def _problem(event: Mapping[str, Any]) -> str | None:
    for key in ("eventTime", "producer", "schemaURL"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f"{key} is missing (every OpenLineage event has eventTime, producer, schemaURL)"
    if "\x00" in event["producer"]:
        return "producer holds a NUL character (no SQL text column can store it)"
    try:
        moment = datetime.fromisoformat(event["eventTime"])
    except ValueError:
        return f"eventTime {event['eventTime'][:60]!r} is not an ISO 8601 date-time"
    if moment.tzinfo is None:
        return f"eventTime {event['eventTime'][:60]!r} has no time zone"
    if "dataset" in event and "job" not in event:
        return _named(event["dataset"], "dataset")
    problem = _named(event.get("job"), "job")
    if problem:
        return problem
    if "run" in event:
        problem = _run_problem(event)
        if problem:
            return problem
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        datasets = event.get(side, [])
        if datasets is None:
            continue
        if not isinstance(datasets, list):
            return f"{side} must be a list"
        for i, dataset in enumerate(datasets):
            problem = _named(dataset, f"{side}[{i}]") or _facets(
                dataset.get(extra), f"{side}[{i}].{extra}"
            )
            if problem:
                return problem
            version = ((dataset.get("facets") or {}).get("version") or {}).get("datasetVersion")
            if version is not None and not isinstance(version, str):
                return f"{side}[{i}].facets.version.datasetVersion must be a string"
    return None


def _run_problem(event: Mapping[str, Any]) -> str | None:
    run = event["run"]
    if not isinstance(run, Mapping) or not isinstance(run.get("runId"), str):
        return "run.runId is missing"
    if not _is_uuid(run["runId"]):
        return f"run.runId {run['runId'][:60]!r} is not a UUID"
    kind = event.get("eventType")
    if kind is not None and (not isinstance(kind, str) or kind not in _EVENT_TYPES):
        return f"eventType {str(kind)[:40]!r} is not one of {', '.join(sorted(_EVENT_TYPES))}"
    problem = _facets(run.get("facets"), "run.facets")
    if problem:
        return problem
    # the index reads parent.run.runId and parent.root.run.runId: each part an object
    # when present (a parent without its run is kept, and links nothing)
    parent = (run.get("facets") or {}).get("parent")
    parts = [("parent", parent)] if parent is not None else []
    if isinstance(parent, Mapping) and parent.get("root") is not None:
        parts.append(("parent.root", parent["root"]))
    for where, part in parts:
        if not isinstance(part, Mapping):
            return f"run.facets.{where} must be an object"
        ran = part.get("run")
        if ran is not None and not isinstance(ran, Mapping):
            return f"run.facets.{where}.run must be an object"
        if ran is not None and ran.get("runId") is not None and not _is_uuid(ran["runId"]):
            return f"run.facets.{where}.run.runId is not a UUID"
    return None


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 64:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _facets(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return f"{where} must be an object"
    for name, facet in value.items():
        if not isinstance(facet, Mapping):
            return f"{where}.{str(name)[:60]} must be an object"
    return None


def _named(value: Any, what: str, *, facets: bool = True) -> str | None:
    if not isinstance(value, Mapping):
        return f"{what} is missing or not an object"
    for key in ("namespace", "name"):
        text = value.get(key)
        if not isinstance(text, str) or not text:
            return f"{what}.{key} is missing"
        if len(text) > MAX_NAME:
            return f"{what}.{key} is {len(text)} characters; the record holds up to {MAX_NAME}"
        if "\x00" in text:
            return f"{what}.{key} holds a NUL character (no SQL text column can store it)"
    return _facets(value.get("facets"), f"{what}.facets") if facets else None
