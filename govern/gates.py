"""Gate declarations: what users pass to ``inputs=`` / ``outputs=``, normalised once.

Everything that can be known when a function is decorated is checked here, so a typo in
a gate fails at import time naming the stage and parameter, not in the middle of a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from govern.checks.base import Check
from govern.errors import GateDefinitionError
from govern.types import ContractRef, Severity

__all__ = ["BoundGate", "Gate", "compile_gate", "contract_of"]


@dataclass(frozen=True, slots=True)
class Gate:
    """A check with a severity and a tolerance.

    Args:
        check: a pandera DataFrameSchema or DataFrameModel class, a Great Expectations
            ExpectationSuite, or the path of a suite's JSON file.
        severity: ``"error"`` blocks the stage (per ``on_fail``); ``"warn"`` only records.
        mostly: the fraction of rows that must pass each check (1.0 = all of them), in
            the backend's own meaning: for a GX suite, GX's ``mostly`` (failing values
            over the non-null values its expectations consider; see docs/gates.md).
    """

    check: Any
    severity: Severity | str = Severity.ERROR
    mostly: float = 1.0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "severity", Severity(self.severity))
        except ValueError:
            raise GateDefinitionError(
                f"Gate severity must be 'error' or 'warn', got {self.severity!r}"
            ) from None
        if isinstance(self.mostly, bool) or not isinstance(self.mostly, int | float):
            raise GateDefinitionError(f"Gate mostly must be a number, got {self.mostly!r}")
        if not 0.0 < float(self.mostly) <= 1.0:
            raise GateDefinitionError(f"Gate mostly must be in (0, 1], got {self.mostly!r}")


@dataclass(frozen=True, slots=True)
class BoundGate:
    """A gate ready to run: a Check backend plus the gate's severity and tolerance."""

    check: Check
    severity: Severity
    mostly: float


def _backend_for(obj: Any) -> Check | None:
    from govern.checks.pandera import PanderaCheck, is_pandera_gate

    if is_pandera_gate(obj):
        return PanderaCheck(obj)
    if isinstance(obj, str | PathLike):
        path = Path(obj)
        if path.suffix.lower() != ".json":
            raise GateDefinitionError(
                f"gate path {str(path)!r} is not a Great Expectations suite file (.json)"
            )
        from govern.checks.gx import GXCheck

        return GXCheck.from_path(path)
    cls = type(obj)
    if cls.__module__.startswith("great_expectations") and cls.__name__ == "ExpectationSuite":
        from govern.checks.gx import GXCheck

        return GXCheck.from_suite(obj)
    if isinstance(obj, Check) and not isinstance(obj, type):
        return obj
    return None


def compile_gate(spec: Any, *, where: str) -> tuple[BoundGate, ...]:
    """Normalise one gate declaration (a gate, a Gate, or a list of them).

    Args:
        spec: the declaration.
        where: ``stage 'x', parameter 'y'`` -- prefixed to every error message.

    Raises:
        GateDefinitionError: an unsupported gate type, a bad Gate, or a suite file that
            does not exist or is not a suite.
    """
    specs = spec if isinstance(spec, list) else [spec]
    if not specs:
        raise GateDefinitionError(f"{where}: empty list of gates")
    bound: list[BoundGate] = []
    for item in specs:
        gate = item if isinstance(item, Gate) else Gate(item)
        if isinstance(gate.check, list | Gate):
            raise GateDefinitionError(
                f"{where}: Gate(check=...) takes one schema or suite; put several in a list "
                "of Gates instead"
            )
        try:
            backend = _backend_for(gate.check)
        except GateDefinitionError as exc:
            raise GateDefinitionError(f"{where}: {exc}") from exc
        if backend is None:
            raise GateDefinitionError(
                f"{where}: unsupported gate {type(gate.check).__module__}."
                f"{type(gate.check).__qualname__}; use a pandera DataFrameSchema or "
                "DataFrameModel, a Great Expectations ExpectationSuite or a suite .json path, "
                "or govern.Gate(...) around one of them"
            )
        mostly = float(gate.mostly)
        with_mostly = getattr(backend, "with_mostly", None)
        if mostly < 1.0 and with_mostly is not None:
            # the backend applies the tolerance in its own meaning (GX: non-null rows)
            backend, mostly = with_mostly(mostly), 1.0
        bound.append(BoundGate(backend, Severity(gate.severity), mostly))
    return tuple(bound)


def contract_of(gates: Iterable[BoundGate]) -> ContractRef | None:
    """The data contract among a frame's gates (the first, when several are)."""
    for gate in gates:
        found = getattr(gate.check, "contract_ref", None)  # govern.Contract has one
        if isinstance(found, ContractRef):
            return found
    return None
