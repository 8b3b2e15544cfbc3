"""Policy packs from YAML files, validated on load; every error names file and line.

The format (version 1) is documented in docs/policies.md::

    version: 1
    name: baseline
    description: ...
    plugins: [acme_governance.rules]      # modules of @rule conditions to import
    tags:
      datasets: {"*customers*": [pii]}     # name patterns -> tags
      models: {"churn-*": [customer-facing]}
    model_stages: {"churn@7": production} # model (or NAME@VERSION) patterns -> stage
    rules:
      - id: quarantine-rate
        description: At most 5% of a dataset's rows are quarantined
        severity: error                   # or warn
        condition: quarantine_rate        # from the rule library
        scope: {datasets: {names: ["*"]}}
        with: {max_rate: 0.05}
    waivers:
      - rule: quarantine-rate
        target: "dataset:file:/data/legacy.csv"
        reason: legacy feed, replaced in Q3
        approver: dana@example.org
        expires: 2026-09-30
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from govern.errors import PolicyError
from govern.policies.model import Pack, PolicyRule, Scope, TargetKind, Waiver
from govern.policies.params import check_params
from govern.policies.registry import get_rule, import_plugin, rule_names
from govern.policies.sources import PolicySource, display_path, policy_files, policy_sources
from govern.types import Severity
from govern.yamlfile import LineDict, LineList, load_yaml, show

__all__ = ["FORMAT_VERSION", "display_path", "load_packs", "policy_files"]

FORMAT_VERSION = 1
_PACK_KEYS = (
    "version",
    "name",
    "description",
    "plugins",
    "tags",
    "model_stages",
    "rules",
    "waivers",
)
_RULE_KEYS = ("id", "description", "severity", "condition", "scope", "with")
_WAIVER_KEYS = ("rule", "target", "reason", "approver", "expires")
_SCOPE_KEYS = ("pipelines", "stages", "datasets", "models")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SCOPE_FOR = {
    "stages": TargetKind.STAGE,
    "datasets": TargetKind.DATASET,
    "models": TargetKind.MODEL,
}


def load_packs(location: Path | str | Sequence[Path | str]) -> list[Pack]:
    """Load and validate every policy file of the locations given.

    A location is a directory (its ``*.yaml``/``*.yml`` files, recursively), one file, or
    ``builtin:NAME``, a pack shipped with govern (``builtin:baseline``,
    ``builtin:ml-model``). Rule ids must be unique across packs, and each waiver must
    name a rule of some pack.

    Raises:
        PolicyError: a location that holds no policy file, a file that is not valid YAML
            or not a valid pack (message names file and line), or a plug-in module that
            cannot be imported.
    """
    packs = [_load_pack(source) for source in policy_sources(location)]
    seen: dict[str, PolicyRule] = {}
    for pack in packs:
        for rule in pack.rules:
            first = seen.get(rule.id)
            if first is not None:
                raise PolicyError(
                    f"{rule.file}:{rule.line}: rule id {rule.id!r} is already used at "
                    f"{first.file}:{first.line}; rule ids must be unique",
                    file=rule.file,
                    line=rule.line,
                )
            seen[rule.id] = rule
    for pack in packs:
        for waiver in pack.waivers:
            if waiver.rule not in seen:
                known = ", ".join(sorted(seen)) or "none"
                raise PolicyError(
                    f"{waiver.file}:{waiver.line}: waiver names rule {waiver.rule!r}, which "
                    f"no policy file defines; rule ids are: {known}",
                    file=waiver.file,
                    line=waiver.line,
                )
    return packs


class _File:
    """Error helpers bound to one file."""

    def __init__(self, source: PolicySource) -> None:
        self.path = source.path
        self.name = source.name

    def error(self, line: int, message: str) -> PolicyError:
        return PolicyError(f"{self.name}:{line}: {message}", file=self.name, line=line)

    def mapping(self, value: Any, line: int, what: str) -> LineDict:
        if not isinstance(value, LineDict):
            raise self.error(line, f"{what} must be a mapping, got {_kind(value)}")
        return value

    def sequence(self, value: Any, line: int, what: str) -> LineList:
        if not isinstance(value, LineList):
            raise self.error(line, f"{what} must be a list, got {_kind(value)}")
        return value

    def keys(self, value: LineDict, allowed: Iterable[str], what: str) -> None:
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                raise self.error(
                    value.line_of(key),
                    f"unknown key {show(key)} in {what}; allowed keys: {', '.join(allowed)}",
                )

    def text(self, parent: LineDict, key: str, what: str, *, required: bool) -> str | None:
        if key not in parent:
            if required:
                raise self.error(parent.line, f"{what} needs {key!r}")
            return None
        value = parent[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(
                parent.line_of(key),
                f"{what}: {key!r} must be a non-empty string, got {show(value)}",
            )
        return value.strip()

    def strings(self, parent: LineDict, key: str, what: str) -> tuple[str, ...]:
        if key not in parent:
            return ()
        value = parent[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(
                parent.line_of(key), f"{what}: {key!r} must be a list of strings, got {show(value)}"
            )
        return tuple(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {show(value)}"


def _load_pack(source: PolicySource) -> Pack:
    f = _File(source)
    path = source.path
    data = load_yaml(path, f.name)
    if data is None:
        raise f.error(1, "the file is empty; a policy pack needs at least 'version' and 'rules'")
    doc = f.mapping(data, 1, "a policy file")
    f.keys(doc, _PACK_KEYS, "the policy file")
    if "version" not in doc:
        raise f.error(doc.line, f"missing 'version: {FORMAT_VERSION}' (the policy format version)")
    if doc["version"] != FORMAT_VERSION or isinstance(doc["version"], bool):
        raise f.error(
            doc.line_of("version"),
            f"unsupported policy format version {show(doc['version'])}; this govern reads "
            f"version {FORMAT_VERSION}",
        )
    name = f.text(doc, "name", "the policy file", required=False) or path.stem
    description = f.text(doc, "description", "the policy file", required=False) or ""
    plugins = f.strings(doc, "plugins", "the policy file")
    for module in plugins:
        import_plugin(module, where=f"{f.name}:{doc.line_of('plugins')}")
    dataset_tags, model_tags = _tags(f, doc)
    stages = _model_stages(f, doc)
    if "rules" not in doc:
        raise f.error(doc.line, "missing 'rules' (a list of rules)")
    rules_list = f.sequence(doc["rules"], doc.line_of("rules"), "'rules'")
    rules = tuple(_rule(f, item, rules_list.line_of(i)) for i, item in enumerate(rules_list))
    local: dict[str, int] = {}
    for rule in rules:
        if rule.id in local:
            raise f.error(
                rule.line, f"rule id {rule.id!r} is already used on line {local[rule.id]}"
            )
        local[rule.id] = rule.line
    waivers: tuple[Waiver, ...] = ()
    if "waivers" in doc and doc["waivers"] is not None:
        listed = f.sequence(doc["waivers"], doc.line_of("waivers"), "'waivers'")
        waivers = tuple(_waiver(f, item, listed.line_of(i)) for i, item in enumerate(listed))
    return Pack(
        name=name,
        file=f.name,
        description=description,
        rules=rules,
        waivers=waivers,
        dataset_tags=dataset_tags,
        model_tags=model_tags,
        model_stages=stages,
        plugins=plugins,
    )


def _tag_map(f: _File, value: Any, line: int, what: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    mapping = f.mapping(value, line, what)
    out: list[tuple[str, tuple[str, ...]]] = []
    for pattern in mapping:
        out.append((pattern, f.strings(mapping, pattern, what)))
    return tuple(out)


def _tags(
    f: _File, doc: LineDict
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    if "tags" not in doc or doc["tags"] is None:
        return (), ()
    tags = f.mapping(doc["tags"], doc.line_of("tags"), "'tags'")
    f.keys(tags, ("datasets", "models"), "'tags'")
    datasets = (
        _tag_map(f, tags["datasets"], tags.line_of("datasets"), "'tags: datasets'")
        if "datasets" in tags
        else ()
    )
    models = (
        _tag_map(f, tags["models"], tags.line_of("models"), "'tags: models'")
        if "models" in tags
        else ()
    )
    return datasets, models


def _model_stages(f: _File, doc: LineDict) -> tuple[tuple[str, str], ...]:
    if "model_stages" not in doc or doc["model_stages"] is None:
        return ()
    stages = f.mapping(doc["model_stages"], doc.line_of("model_stages"), "'model_stages'")
    out: list[tuple[str, str]] = []
    for pattern in stages:
        stage = f.text(stages, pattern, "'model_stages'", required=True)
        assert stage is not None
        out.append((pattern, stage))
    return tuple(out)


def _rule(f: _File, item: Any, line: int) -> PolicyRule:
    rule = f.mapping(item, line, "each rule")
    f.keys(rule, _RULE_KEYS, "a rule")
    rule_id = f.text(rule, "id", "a rule", required=True)
    assert rule_id is not None
    if not _ID.match(rule_id):
        raise f.error(
            rule.line_of("id"),
            f"rule id {rule_id!r} may hold only letters, digits, '_', '.' and '-'",
        )
    what = f"rule {rule_id!r}"

    def where(at: int) -> str:
        return f"{f.name}:{at}: {what}"

    description = f.text(rule, "description", what, required=True)
    assert description is not None
    severity_text = rule.get("severity", "error")
    try:
        severity = Severity(severity_text)
    except ValueError:
        raise f.error(
            rule.line_of("severity"),
            f"{what}: severity must be 'error' or 'warn', got {show(severity_text)}",
        ) from None
    condition = f.text(rule, "condition", what, required=True)
    assert condition is not None
    impl = get_rule(condition)
    if impl is None:
        raise f.error(
            rule.line_of("condition"),
            f"{what}: unknown condition {condition!r}; the rule library has: "
            f"{', '.join(rule_names())} (plug-ins: list their module under 'plugins:')",
        )
    params = check_params(
        impl.params_spec, rule.get("with"), where, rule.line_of("with") if "with" in rule else line
    )
    scope = _scope(f, rule, impl.target, what)
    return PolicyRule(
        id=rule_id,
        description=description,
        severity=severity,
        condition=condition,
        params=params,
        scope=scope,
        file=f.name,
        line=line,
    )


def _scope(f: _File, rule: LineDict, target: TargetKind, what: str) -> Scope:
    if "scope" not in rule or rule["scope"] is None:
        return Scope()
    scope = f.mapping(rule["scope"], rule.line_of("scope"), f"{what}: 'scope'")
    f.keys(scope, _SCOPE_KEYS, f"{what}: 'scope'")
    for key in scope:
        applies_to = _SCOPE_FOR.get(key)
        if applies_to is not None and applies_to is not target:
            raise f.error(
                scope.line_of(key),
                f"{what}: scope key {key!r} does not apply: condition {rule['condition']!r} "
                f"judges {target.value}s (use 'pipelines' or '{target.value}s')",
            )
    pipelines = f.strings(scope, "pipelines", f"{what}: scope")
    stages = f.strings(scope, "stages", f"{what}: scope")
    names, tags, _ = _names_tags(f, scope, "datasets", what, ("names", "tags"))
    m_names, m_tags, m_stages = _names_tags(f, scope, "models", what, ("names", "tags", "stages"))
    return Scope(
        pipelines=pipelines,
        stages=stages,
        dataset_names=names,
        dataset_tags=tags,
        model_names=m_names,
        model_tags=m_tags,
        model_stages=m_stages,
    )


def _names_tags(
    f: _File, scope: LineDict, key: str, what: str, allowed: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    if key not in scope:
        return (), (), ()
    value = scope[key]
    if isinstance(value, list | str):  # a plain list is a list of names
        return f.strings(scope, key, f"{what}: scope"), (), ()
    inner = f.mapping(value, scope.line_of(key), f"{what}: scope {key!r}")
    f.keys(inner, allowed, f"{what}: scope {key!r}")
    label = f"{what}: scope {key!r}"
    return (
        f.strings(inner, "names", label),
        f.strings(inner, "tags", label),
        f.strings(inner, "stages", label),
    )


def _waiver(f: _File, item: Any, line: int) -> Waiver:
    waiver = f.mapping(item, line, "each waiver")
    f.keys(waiver, _WAIVER_KEYS, "a waiver")
    what = "a waiver"
    fields: dict[str, str] = {}
    for key in ("rule", "target", "reason", "approver"):
        value = f.text(waiver, key, what, required=True)
        assert value is not None
        fields[key] = value
    if "expires" not in waiver:
        raise f.error(
            waiver.line,
            "a waiver needs 'expires' (a date, YYYY-MM-DD): waivers do not last forever",
        )
    expires = _date(waiver["expires"])
    if expires is None:
        raise f.error(
            waiver.line_of("expires"),
            f"a waiver: 'expires' must be a date (YYYY-MM-DD), got {show(waiver['expires'])}",
        )
    return Waiver(
        rule=fields["rule"],
        target=fields["target"],
        reason=fields["reason"],
        approver=fields["approver"],
        expires=expires,
        file=f.name,
        line=line,
    )


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
