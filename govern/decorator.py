"""``@govern.stage``: gate the arguments and return value of a pipeline function."""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar, overload

from govern.checks.pandera import is_pandera_gate
from govern.errors import GateDefinitionError
from govern.gates import compile_gate
from govern.models import ModelSpec
from govern.names import name_problem
from govern.runtime import OutputSpec, StageSpec, execute
from govern.types import OnFail

__all__ = ["stage"]

P = ParamSpec("P")
R = TypeVar("R")


def _compile_outputs(outputs: Any, name: str) -> OutputSpec:
    where = f"stage {name!r}, outputs"
    if outputs is None:
        return OutputSpec()
    if isinstance(outputs, ModelSpec):
        return OutputSpec(model=outputs)
    if isinstance(outputs, Mapping):
        if not outputs:
            raise GateDefinitionError(f"{where}: empty dict of gates")
        return OutputSpec(
            by_key={
                str(key): compile_gate(gates, where=f"{where}[{key!r}]")
                for key, gates in outputs.items()
            }
        )
    if isinstance(outputs, tuple):
        if not outputs:
            raise GateDefinitionError(f"{where}: empty tuple of gates")
        return OutputSpec(
            by_position=tuple(
                () if gates is None else compile_gate(gates, where=f"{where}[{i}]")
                for i, gates in enumerate(outputs)
            )
        )
    return OutputSpec(single=compile_gate(outputs, where=where))


def _annotated_model(hint: Any) -> Any:
    """The DataFrameModel of a pandera annotation (``DataFrame[Model]``, optional or not)."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        models = [m for m in map(_annotated_model, typing.get_args(hint)) if m is not None]
        return models[0] if len(models) == 1 else None
    if origin is None or not getattr(origin, "__module__", "").startswith("pandera.typing"):
        return None
    args = typing.get_args(hint)
    return args[0] if args and is_pandera_gate(args[0]) else None


def _annotations(func: Callable[..., Any]) -> dict[str, Any]:
    """The function's resolved annotations (pandera's ``DataFrame[Model]`` ones matter)."""
    try:
        return typing.get_type_hints(func)
    except Exception:  # unresolvable names: use what is not a string
        return {
            k: v for k, v in getattr(func, "__annotations__", {}).items() if not isinstance(v, str)
        }


def _compile(
    func: Callable[..., Any],
    name: str | None,
    inputs: Mapping[str, Any] | None,
    outputs: Any,
    on_fail: str,
) -> StageSpec:
    stage_name = name or func.__name__
    problem = name_problem(stage_name, "stage name")
    if problem:
        raise GateDefinitionError(problem)
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise GateDefinitionError(
            f"stage {stage_name!r}: async functions are not supported; gate a synchronous "
            "function (e.g. the one your coroutine awaits via asyncio.to_thread)"
        )
    try:
        mode = OnFail(on_fail)
    except ValueError:
        raise GateDefinitionError(
            f"stage {stage_name!r}: on_fail must be 'raise', 'warn' or 'quarantine', "
            f"got {on_fail!r}"
        ) from None
    signature = inspect.signature(func)
    if inputs is not None and not isinstance(inputs, Mapping):
        raise GateDefinitionError(
            f"stage {stage_name!r}: inputs must map parameter names to gates, "
            f"got {type(inputs).__qualname__}"
        )
    compiled = {}
    for param, gates in (inputs or {}).items():
        if param not in signature.parameters:
            known = ", ".join(signature.parameters) or "none"
            raise GateDefinitionError(
                f"stage {stage_name!r}: inputs names {param!r}, which is not a parameter of "
                f"{func.__qualname__} (parameters: {known})"
            )
        kind = signature.parameters[param].kind
        if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise GateDefinitionError(
                f"stage {stage_name!r}: cannot gate *args/**kwargs parameter {param!r}"
            )
        compiled[param] = compile_gate(gates, where=f"stage {stage_name!r}, parameter {param!r}")
    # pandera annotations gate what inputs=/outputs= leave ungated, as pa.check_types would
    hints = _annotations(func)
    for param in signature.parameters:
        model = _annotated_model(hints.get(param))
        if param not in compiled and model is not None:
            compiled[param] = compile_gate(
                model, where=f"stage {stage_name!r}, parameter {param!r}"
            )
    returned = _annotated_model(hints.get("return")) if outputs is None else None
    return StageSpec(
        name=stage_name,
        func=func,
        signature=signature,
        inputs=compiled,
        outputs=_compile_outputs(outputs if returned is None else returned, stage_name),
        on_fail=mode,
        doc=inspect.getdoc(func),
    )


@overload
def stage(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def stage(
    func: None = None,
    /,
    *,
    name: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    outputs: Any = None,
    on_fail: str = "raise",
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def stage(
    func: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    outputs: Any = None,
    on_fail: str = "raise",
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Govern a pipeline function: gate its inputs and outputs, record every call.

    Usable bare (``@govern.stage``) or with options (``@govern.stage(outputs=Clean)``).

    Args:
        func: the function (when used bare).
        name: the stage's name; default the function's ``__name__``.
        inputs: parameter name -> gate(s) run on that argument before the call. A
            parameter annotated ``pandera.typing.DataFrame[Model]`` and not named here is
            gated with ``Model``.
        outputs: gate(s) run on the return value (default: the ``Model`` of a
            ``-> DataFrame[Model]`` return annotation, if any); a dict (gates per returned
            dict key), a tuple (gates per returned position, None to skip one), or
            ``govern.model(name)`` when the stage returns a model.
        on_fail: ``"raise"`` (GateError after recording), ``"warn"`` (record, warn, go
            on) or ``"quarantine"`` (pass on the valid rows, keep the rejected ones).

    Raises:
        GateDefinitionError: at decoration time, for anything wrong that can be known then.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        spec = _compile(fn, name, inputs, outputs, on_fail)

        @functools.wraps(fn)
        def governed(*args: P.args, **kwargs: P.kwargs) -> R:
            result: R = execute(spec, args, kwargs)
            return result

        governed.__govern_stage__ = spec  # type: ignore[attr-defined]
        return governed

    if func is not None:
        return decorate(func)
    return decorate
