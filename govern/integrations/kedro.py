"""Kedro: each ``kedro run`` one govern pipeline run; catalog datasets gated on load and save.

Two pieces, both named in the project's own files:

* ``GovernHooks`` (``HOOKS = (GovernHooks(pipeline="name"),)`` in ``settings.py``) opens
  the govern run when the pipeline starts and closes it when it ends (failed on error),
  so nodes whose functions are ``@govern.stage`` functions are that run's stages, in
  lineage as in plain Python. It keeps datasets' identities across the catalog: a value
  a node saves and the next node loads (a copy, from memory or a file) is known as the
  dataset the first node produced, and a file a node loads first is a source dataset
  named by its path.
* ``GovernValidator``, Kedro's catalog ``Validator`` protocol (Kedro >= 1.7, the
  ``validator:`` key of a catalog entry): it gates the dataset on load and/or save with
  pandera schemas, Great Expectations suites or any govern ``Check`` named in its
  options, as a govern stage ``<dataset>@load`` / ``<dataset>@save`` of the run
  (``on_fail: quarantine`` passes on the valid rows and keeps the rejected ones)::

      orders:
        type: pandas.CSVDataset
        filepath: data/01_raw/orders.csv
        validator:
          class: govern.integrations.kedro.GovernValidator
          on: [load]
          options:
            checks: my_project.schemas.Orders     # or [a, b], or a GX suite .json path
            on_fail: quarantine                   # raise (default) | warn | quarantine

The nodes run in the thread that started the pipeline (Kedro's default
SequentialRunner); under ThreadRunner or ParallelRunner each stage call records a run
of its own.

This module imports Kedro; only Kedro projects import it (``govern[kedro]``).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from contextvars import ContextVar
from pathlib import PurePath
from typing import Any

from govern.integrations.common import require

require("kedro", "kedro")

from kedro.framework.hooks import hook_impl  # noqa: E402 -- after the check naming the extra

from govern.datasets import SOURCES, dataset_ref_for_uri  # noqa: E402
from govern.decorator import stage  # noqa: E402
from govern.engines import engine_for  # noqa: E402
from govern.errors import GateDefinitionError  # noqa: E402
from govern.gates import Gate  # noqa: E402
from govern.runs import Run, current_run, open_run  # noqa: E402
from govern.types import DatasetRef  # noqa: E402

__all__ = ["GovernHooks", "GovernValidator"]


class _Session:
    """What one ``kedro run`` shares between its hooks and its catalog validators."""

    def __init__(self, catalog: Any) -> None:
        self.catalog = catalog
        self.refs: dict[str, DatasetRef] = {}  # dataset name -> govern dataset it holds
        self.pending: tuple[str, str] | None = None  # (dataset, "load" | "save") under way
        self.stack = ExitStack()
        self.declared: dict[str, tuple[GovernValidator, tuple[str, ...]]] = {}


_session: ContextVar[_Session | None] = ContextVar("govern_kedro_session", default=None)


def _ref(value: Any, run: Run | None) -> DatasetRef | None:
    if engine_for(value) is None:
        return None
    return (run.outputs.get(value) if run is not None else None) or SOURCES.get(value)


def _file_ref(catalog: Any, name: str) -> DatasetRef | None:
    """The OpenLineage identity of a file-backed catalog dataset, by its path."""
    try:
        dataset = catalog.get(name) if hasattr(catalog, "get") else catalog[name]
    except Exception:  # not registered (a parameter), or a factory Kedro cannot resolve
        return None
    path = getattr(dataset, "_filepath", None)
    if path is None:
        return None
    protocol = getattr(dataset, "_protocol", None) or "file"
    text = str(PurePath(path)) if protocol == "file" else f"{protocol}://{path}"
    return dataset_ref_for_uri(text)


def _know(session: _Session, name: str, value: Any) -> None:
    """Let the run know ``value`` as the dataset catalog entry ``name`` holds."""
    run = current_run()
    if run is None or engine_for(value) is None or _ref(value, run) is not None:
        return
    ref = session.refs.get(name) or _file_ref(session.catalog, name)
    if ref is not None:
        run.outputs.set(value, ref)


class GovernHooks:
    """Kedro hooks: one govern pipeline run per ``kedro run``, dataset identity kept.

    Args:
        pipeline: the govern pipeline name (default: ``kedro.<pipeline names>``, the
            registered pipelines run, ``kedro.__default__`` when none was chosen).
        namespace: the govern namespace (default: the configured one).
    """

    def __init__(self, pipeline: str | None = None, namespace: str | None = None) -> None:
        self.pipeline = pipeline
        self.namespace = namespace
        self._token: Any = None
        self._declared: dict[str, tuple[GovernValidator, tuple[str, ...]]] = {}

    @hook_impl  # type: ignore[untyped-decorator]
    def after_catalog_created(
        self, conf_catalog: Mapping[str, Any], parameters: Mapping[str, Any]
    ) -> None:
        """Read the gates declared in catalog metadata (``metadata: govern:``) or parameters.

        Raises:
            GateDefinitionError: a declaration that cannot be used (names the dataset).
        """
        declared: dict[str, Any] = {}
        for name, entry in (conf_catalog or {}).items():
            meta = entry.get("metadata") if isinstance(entry, Mapping) else None
            if isinstance(meta, Mapping) and "govern" in meta:
                declared[name] = meta["govern"]
        params = (parameters or {}).get("parameters") or {}
        in_params = params.get("govern") if isinstance(params, Mapping) else None
        if in_params is not None and not isinstance(in_params, Mapping):
            raise GateDefinitionError(
                "parameter 'govern' must map dataset names to gate declarations, "
                f"got {type(in_params).__name__}"
            )
        for name, declaration in (in_params or {}).items():
            if name in declared:
                raise GateDefinitionError(
                    f"dataset {name!r}: govern gates declared both in its catalog metadata "
                    "and in parameters; keep one"
                )
            declared[name] = declaration
        self._declared = {name: _declaration(name, d) for name, d in declared.items()}

    @hook_impl  # type: ignore[untyped-decorator]
    def before_node_run(self, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """Gate the node's inputs that declare gates on load; the node gets what passed."""
        session = _session.get()
        if session is None:
            return None
        gated = {
            name: validator.gate(session, name, "load", inputs[name])
            for name, (validator, on) in session.declared.items()
            if "load" in on and name in inputs
        }
        return gated or None

    @hook_impl  # type: ignore[untyped-decorator]
    def after_node_run(self, outputs: dict[str, Any]) -> None:
        """Gate the node's outputs that declare gates on save.

        What passed replaces the output in the dict Kedro then saves from (the runner
        saves ``outputs`` after this hook: Kedro 1.x's Task).
        """
        session = _session.get()
        if session is None:
            return
        for name, (validator, on) in session.declared.items():
            if "save" in on and name in outputs:
                outputs[name] = validator.gate(session, name, "save", outputs[name])

    @hook_impl  # type: ignore[untyped-decorator]
    def before_pipeline_run(self, run_params: Mapping[str, Any], catalog: Any) -> None:
        """Open the govern run the pipeline's stages record into."""
        session = _Session(catalog)
        session.declared = dict(self._declared)
        chosen = run_params.get("pipeline_names") or [run_params.get("pipeline_name")]
        name = self.pipeline or "kedro." + ("+".join(n for n in chosen if n) or "__default__")
        session.stack.enter_context(open_run(name, namespace=self.namespace))
        self._token = _session.set(session)

    @hook_impl  # type: ignore[untyped-decorator]
    def after_pipeline_run(self) -> None:
        """Close the govern run (completed, or failed when a stage failed)."""
        self._close(None)

    @hook_impl  # type: ignore[untyped-decorator]
    def on_pipeline_error(self, error: Exception) -> None:
        """Close the govern run as failed."""
        self._close(error)

    def _close(self, error: Exception | None) -> None:
        session = _session.get()
        if session is None:
            return
        try:
            if error is None:
                session.stack.close()
            else:
                session.stack.__exit__(type(error), error, error.__traceback__)
        finally:
            _session.reset(self._token)

    @hook_impl  # type: ignore[untyped-decorator]
    def before_dataset_loaded(self, dataset_name: str) -> None:
        """Note which dataset a catalog validator is about to see."""
        session = _session.get()
        if session is not None:
            session.pending = (dataset_name, "load")

    @hook_impl  # type: ignore[untyped-decorator]
    def after_dataset_loaded(self, dataset_name: str, data: Any) -> None:
        """Know a loaded value as the dataset its catalog entry holds."""
        session = _session.get()
        if session is not None:
            session.pending = None
            _know(session, dataset_name, data)

    @hook_impl  # type: ignore[untyped-decorator]
    def before_dataset_saved(self, dataset_name: str, data: Any) -> None:
        """Remember which govern dataset a catalog entry now holds."""
        session = _session.get()
        if session is None:
            return
        ref = _ref(data, current_run())
        if ref is not None:
            session.refs[dataset_name] = ref
        session.pending = (dataset_name, "save")

    @hook_impl  # type: ignore[untyped-decorator]
    def after_dataset_saved(self) -> None:
        """The save is over."""
        session = _session.get()
        if session is not None:
            session.pending = None


def _load(path: str) -> Any:
    """The object a dotted path names (``package.module.Name``)."""
    module, _, attr = path.rpartition(".")
    if not module:
        raise GateDefinitionError(
            f"GovernValidator: {path!r} is not a dotted path (package.module.Name) or a "
            "Great Expectations suite .json path"
        )
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise GateDefinitionError(f"GovernValidator: cannot import {path!r}: {exc}") from exc


class GovernValidator:
    """Kedro's catalog ``Validator``: govern gates on a dataset's load and/or save.

    Args:
        checks: a dotted path to a pandera DataFrameModel or DataFrameSchema, a Great
            Expectations ExpectationSuite or a govern Check (``pkg.schemas.Orders``),
            the path of a GX suite ``.json`` file, or a list of them.
        on_fail: ``raise`` (default), ``warn`` or ``quarantine``, as ``@govern.stage``.
        severity: the gates' severity, ``error`` (default) or ``warn``.
        mostly: the fraction of rows that must pass each check (default 1.0).

    Raises:
        GateDefinitionError: a check cannot be imported or is not a gate.
    """

    def __init__(
        self,
        checks: str | list[str],
        on_fail: str = "raise",
        severity: str = "error",
        mostly: float = 1.0,
    ) -> None:
        names = [checks] if isinstance(checks, str) else list(checks)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise GateDefinitionError(
                f"GovernValidator: checks must be a dotted path or a list of them, got {checks!r}"
            )
        self.gates = [
            Gate(n if n.lower().endswith(".json") else _load(n), severity, mostly) for n in names
        ]
        self.on_fail = on_fail
        self._stages: dict[str, Callable[[Any], Any]] = {}
        self._lock = threading.Lock()
        self._stage("validate")  # a wrong gate or on_fail fails when the catalog is built

    def _stage(self, name: str) -> Callable[[Any], Any]:
        with self._lock:
            found = self._stages.get(name)
            if found is None:

                def passed_on(data: Any) -> Any:
                    return data

                found = stage(name=name, inputs={"data": self.gates}, on_fail=self.on_fail)(
                    passed_on
                )
                self._stages[name] = found
            return found

    def validate(self, data: Any) -> Any:
        """Gate ``data``; return what goes on (the valid rows under quarantine).

        Raises:
            GateError: an error-severity check failed under ``on_fail="raise"`` (Kedro
                reports it as a DataValidationError naming the dataset).
        """
        session = _session.get()
        if session is None or session.pending is None:
            return self._stage("validate")(data)
        return self.gate(session, *session.pending, data)

    def gate(self, session: _Session, name: str, mode: str, data: Any) -> Any:
        """Gate catalog dataset ``name`` on ``mode`` as stage ``<name>@<mode>``."""
        if mode == "load":
            _know(session, name, data)
        passed = self._stage(f"{name}@{mode}")(data)
        ref = _ref(passed, current_run())
        if mode == "save" and ref is not None:  # the entry now holds the gated rows
            session.refs[name] = ref
        return passed


_DECLARATION_KEYS = ("checks", "on", "on_fail", "severity", "mostly")


def _declaration(name: str, declared: Any) -> tuple[GovernValidator, tuple[str, ...]]:
    """A gate declaration (``checks``, ``on``, ``on_fail``, ``severity``, ``mostly``)."""
    if isinstance(declared, str | list):
        declared = {"checks": declared}
    if not isinstance(declared, Mapping):
        raise GateDefinitionError(
            f"dataset {name!r}: a govern gate declaration is a checks path, a list of them "
            f"or a mapping with {', '.join(_DECLARATION_KEYS)}; got {type(declared).__name__}"
        )
    # YAML 1.1 reads an unquoted ``on`` key as True
    options = {("on" if key is True else key): value for key, value in declared.items()}
    unknown = sorted(map(str, set(options) - set(_DECLARATION_KEYS)))
    if unknown or "checks" not in options:
        raise GateDefinitionError(
            f"dataset {name!r}: govern gate declaration needs 'checks' and takes only "
            f"{', '.join(_DECLARATION_KEYS)} (unknown: {', '.join(unknown) or 'none'})"
        )
    on = options.pop("on", ["load", "save"])
    modes = (on,) if isinstance(on, str) else tuple(on)
    if not modes or not set(modes) <= {"load", "save"}:
        raise GateDefinitionError(
            f"dataset {name!r}: govern gate 'on' must be load, save or both, got {on!r}"
        )
    try:
        return GovernValidator(**options), modes
    except GateDefinitionError as exc:
        raise GateDefinitionError(f"dataset {name!r}: {exc}") from exc
