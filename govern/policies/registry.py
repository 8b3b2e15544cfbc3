"""The rule library: built-in conditions, plug-ins registered with ``@rule``, and entry points.

A condition named in a policy file (``condition: quarantine_rate``) is looked up here.
Built-in rules live in ``govern.policies.builtin``; a team adds its own with the
:func:`rule` decorator (in a module a pack lists under ``plugins:``) or ships them in a
package that declares an entry point in the ``govern.policies`` group::

    [project.entry-points."govern.policies"]
    acme = "acme_governance.rules"        # a module whose @rule functions register
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from govern.errors import PolicyError
from govern.policies.context import RuleContext
from govern.policies.model import TargetKind
from govern.policies.params import Param

__all__ = [
    "ENTRY_POINT_GROUP",
    "FunctionRule",
    "Outcome",
    "Rule",
    "get_rule",
    "import_plugin",
    "register",
    "rule",
    "rule_names",
]

ENTRY_POINT_GROUP = "govern.policies"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Outcome:
    """A rule's judgement of one target: passed or not, and a message that says why.

    The message should name what was measured and what was expected
    (``11 of 344 rows quarantined (3.2%); at most 2.0% allowed``).
    """

    passed: bool
    message: str

    @classmethod
    def ok(cls, message: str) -> Outcome:
        """A pass."""
        return cls(True, message)

    @classmethod
    def fail(cls, message: str) -> Outcome:
        """A failure."""
        return cls(False, message)


@runtime_checkable
class Rule(Protocol):
    """A condition policies can name.

    Contract: ``evaluate`` judges one target of kind ``target`` and returns an Outcome,
    or None when the rule does not apply to that target (no verdict is recorded). It
    reads only ``ctx`` (the store's reading API, ``ctx.now``, tags) and never writes.
    ``params`` has been checked against ``params_spec`` (defaults filled in). An
    exception becomes an ``error`` verdict, which fails the evaluation.
    """

    @property
    def name(self) -> str:
        """What policy files write after ``condition:``."""
        ...

    @property
    def target(self) -> TargetKind:
        """The kind of target it judges."""
        ...

    @property
    def params_spec(self) -> Mapping[str, Param]:
        """The parameters it accepts under ``with:``."""
        ...

    @property
    def summary(self) -> str:
        """One line for docs."""
        ...

    def evaluate(self, target: Any, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome | None:
        """Judge one target."""
        ...


@dataclass(frozen=True)
class FunctionRule:
    """A Rule made from a plain function by :func:`rule`."""

    name: str
    target: TargetKind
    func: Callable[[Any, RuleContext, Mapping[str, Any]], Outcome | None]
    params_spec: Mapping[str, Param] = field(default_factory=dict)
    summary: str = ""

    def evaluate(self, target: Any, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome | None:
        """Call the function."""
        return self.func(target, ctx, params)


_lock = threading.RLock()
_rules: dict[str, Rule] = {}
_loaded = False
_entry_points: set[tuple[str, str]] = set()


def register(impl: Rule) -> Rule:
    """Add a rule to the library.

    Raises:
        PolicyError: another rule already has that name.
    """
    with _lock:
        existing = _rules.get(impl.name)
        if existing is not None and not _same(existing, impl):
            raise PolicyError(
                f"policy condition {impl.name!r} is defined twice "
                f"({_origin(existing)} and {_origin(impl)}); rename one"
            )
        _rules[impl.name] = impl
    return impl


def _same(a: Rule, b: Rule) -> bool:
    # a module imported twice (plugins: and an entry point) registers equal functions
    if isinstance(a, FunctionRule) and isinstance(b, FunctionRule):
        return (a.func.__module__, a.func.__qualname__) == (b.func.__module__, b.func.__qualname__)
    return a is b


def _origin(impl: Rule) -> str:
    func = getattr(impl, "func", impl)
    name = getattr(func, "__qualname__", type(func).__name__)
    return f"{getattr(func, '__module__', '?')}.{name}"


def rule(
    name: str,
    *,
    target: TargetKind | str,
    params: Mapping[str, Param] | None = None,
    summary: str | None = None,
) -> Callable[[F], F]:
    """Register a function as a policy condition.

    Args:
        name: what policy files write after ``condition:``.
        target: ``pipeline``, ``stage``, ``dataset`` or ``model``.
        params: the parameters it accepts under ``with:``.
        summary: one line for docs (default: the docstring's first line).

    Example::

        from govern.policies import Outcome, Param, rule

        @rule("max_features", target="model", params={"max": Param("integer", required=True)})
        def max_features(target, ctx, params):
            n = len(target.model.input_signature)
            if n <= params["max"]:
                return Outcome.ok(f"{n} features")
            return Outcome.fail(f"{n} features; at most {params['max']} allowed")
    """
    kind = TargetKind(target)

    def decorate(func: F) -> F:
        doc = (func.__doc__ or "").strip().splitlines()
        register(
            FunctionRule(
                name=name,
                target=kind,
                func=func,
                params_spec=dict(params or {}),
                summary=summary or (doc[0] if doc else name),
            )
        )
        return func

    return decorate


def import_plugin(module: str, *, where: str) -> None:
    """Import a module of plug-in rules named by a policy file's ``plugins:``.

    Raises:
        PolicyError: the module cannot be imported (``where`` says which file and line).
    """
    try:
        importlib.import_module(module)
    except PolicyError:
        raise
    except Exception as exc:
        raise PolicyError(
            f"{where}: plug-in module {module!r} cannot be imported ({type(exc).__name__}: {exc})"
        ) from None


def _load_builtins() -> None:
    global _loaded
    with _lock:
        if not _loaded:
            _loaded = True
            import govern.policies.builtin  # noqa: F401  (registers the built-in rules)


def _load_entry_points() -> None:
    """Load ``govern.policies`` entry points not loaded yet (packages installed since count)."""
    from importlib.metadata import entry_points

    with _lock:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if (ep.name, ep.value) in _entry_points:
                continue
            try:
                loaded = ep.load()
            except Exception as exc:
                raise PolicyError(
                    f"entry point {ep.name!r} ({ep.value}) in group {ENTRY_POINT_GROUP!r} "
                    f"cannot be loaded ({type(exc).__name__}: {exc}); fix or uninstall "
                    "the package that declares it"
                ) from None
            _entry_points.add((ep.name, ep.value))
            if isinstance(loaded, Rule) and not isinstance(loaded, type):
                register(loaded)
            # a module (or a decorated function) registered itself when imported


def get_rule(name: str) -> Rule | None:
    """The rule called ``name`` (built-in, registered, or from an entry point), or None.

    Raises:
        PolicyError: looking in entry points, one could not be loaded.
    """
    _load_builtins()
    with _lock:
        found = _rules.get(name)
    if found is None:
        _load_entry_points()
        with _lock:
            found = _rules.get(name)
    return found


def rule_names() -> list[str]:
    """Every registered condition (entry points included), sorted."""
    _load_builtins()
    _load_entry_points()
    with _lock:
        return sorted(_rules)
