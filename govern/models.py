"""Models as first-class outputs: the ``govern.model(...)`` marker and model introspection.

A stage whose ``outputs`` is ``govern.model("name")`` returns a model (any Python object,
or the path of a saved artifact). govern records its framework and public class path,
hyperparameters (``get_params(deep=True)`` where present, only those changed from the
defaults), an artifact fingerprint, the input signature and the training datasets, plus
what the stage logged with ``govern.log_metrics`` and ``govern.log_params`` (the latter
added by govern.recording, redacted). The store assigns the version.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import math
import pickle
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from os import PathLike, fspath
from pathlib import Path
from typing import Any

from govern.datasets import IdentityRegistry
from govern.errors import GateDefinitionError
from govern.jsonable import jsonable
from govern.redaction import redact_mapping
from govern.types import DatasetVersion, ModelRef, ModelVersion

__all__ = ["MODELS", "ModelSpec", "describe_model", "model", "public_path"]

# The card fields a model card asks a person to write (Mitchell et al.; Model Card Toolkit).
CARD_FIELDS = (
    "description",
    "owners",
    "license",
    "intended_use",
    "out_of_scope_uses",
    "users",
    "limitations",
    "tradeoffs",
    "ethical_considerations",
    "caveats_and_recommendations",
    "references",
    "citation",
    "tags",
    "datasets",
    "factors",
)

# parameter names (split into words) that mean a held-out split, not training data
_EVALUATION_WORDS = frozenset(
    {"test", "testing", "eval", "evaluation", "val", "valid", "validation", "holdout"}
)

# Model objects this process produced, so a later stage that receives one links to it.
MODELS: IdentityRegistry[ModelRef] = IdentityRegistry()


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The output marker returned by ``govern.model``."""

    name: str
    version: int | None = None
    card: Mapping[str, Any] = field(default_factory=dict)
    evaluation: tuple[str, ...] | None = None  # None: parameters named like a test split

    def evaluates_on(self, parameter: str) -> bool:
        """Whether the frame passed as ``parameter`` is evaluation (not training) data."""
        if self.evaluation is not None:
            return parameter in self.evaluation
        words = {w for w in re.split(r"[^a-z0-9]+", parameter.lower()) if w}
        return bool(words & _EVALUATION_WORDS)


def _load_card(card: str | PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    if card is None:
        return {}
    if isinstance(card, Mapping):
        data: Any = dict(card)
        origin = "card"
    else:
        import yaml

        path = Path(fspath(card))
        origin = str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise GateDefinitionError(f"model card file {origin} does not exist") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark is not None else ""
            raise GateDefinitionError(
                f"model card {origin}{line}: not valid YAML ({getattr(exc, 'problem', exc)})"
            ) from None
    if not isinstance(data, Mapping):
        raise GateDefinitionError(f"model card {origin} must be a mapping of fields")
    unknown = sorted(set(map(str, data)) - set(CARD_FIELDS))
    if unknown:
        raise GateDefinitionError(
            f"model card {origin}: unknown field(s) {', '.join(unknown)}; "
            f"known fields are {', '.join(CARD_FIELDS)}"
        )
    return {str(k): jsonable(v) for k, v in data.items()}


def model(
    name: str,
    *,
    version: int | None = None,
    card: str | PathLike[str] | Mapping[str, Any] | None = None,
    evaluation: Sequence[str] | None = None,
) -> ModelSpec:
    """Mark a stage's return value as a model version.

    Args:
        name: the model's name (``penguin-species``), or ``NAME@VERSION`` for a fixed
            version (``penguin-species@3``, as ``version=3``).
        version: a fixed version; by default the store assigns the next one for ``name``.
        card: a YAML file path or a dict with the human fields of the model card
            (owners, license, intended_use, out_of_scope_uses, limitations,
            ethical_considerations...).
        evaluation: the parameters holding evaluation data (recorded apart from the
            training data); by default those whose name holds test, eval, val, valid,
            validation or holdout as a word (``test``, ``X_test``, ``df_eval``).

    Raises:
        GateDefinitionError: an empty name, a version below 1, or a card that is missing,
            not YAML, or has unknown fields.
    """
    if isinstance(name, str) and version is None and re.fullmatch(r"[^@]+@[0-9]+", name.strip()):
        name, _, number = name.strip().rpartition("@")  # NAME@VERSION
        version = int(number)
    if not isinstance(name, str) or not name.strip() or "@" in name:
        raise GateDefinitionError(f"govern.model() needs a name, or NAME@VERSION, got {name!r}")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        raise GateDefinitionError(f"govern.model({name!r}) version must be an int >= 1")
    if isinstance(evaluation, str):
        evaluation = (evaluation,)
    return ModelSpec(
        name=name,
        version=version,
        card=_load_card(card),
        evaluation=None if evaluation is None else tuple(map(str, evaluation)),
    )


def _artifact_fingerprint(obj: Any) -> str | None:
    if isinstance(obj, str | PathLike):
        path = Path(fspath(obj))
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return f"sha256:{digest.hexdigest()}"
    try:
        payload = pickle.dumps(obj, protocol=5)
    except Exception:
        return None
    return f"sha256:{hashlib.sha256(payload).hexdigest()}"


def _hyperparameters(obj: Any) -> dict[str, Any]:
    """``get_params(deep=True)``'s keys, only those that differ from the defaults.

    A nested estimator (a Pipeline step, a ColumnTransformer's transformer) is shown by its
    public class path under its name, its own changed parameters under ``name__param``;
    a parameter is left out when its value's repr equals the default in the owner's
    ``__init__`` signature (what scikit-learn's ``print_changed_only`` repr does). Values
    under secret-looking names are masked (govern.redaction).
    """
    get_params = getattr(obj, "get_params", None)
    if not callable(get_params):
        return {}
    try:
        try:
            params = get_params(deep=True)
        except TypeError:
            params = get_params()
    except Exception:  # a model's own get_params failing must not fail the stage
        return {}
    if not isinstance(params, Mapping):
        return {}
    changed: dict[str, Any] = {}
    for key, value in params.items():
        owner_key, _, name = str(key).rpartition("__")
        owner = params.get(owner_key, obj) if owner_key else obj
        if _is_default(owner, name, value):
            continue
        changed[str(key)] = _param_value(value)
    return redact_mapping(jsonable(changed))


def _is_default(owner: Any, name: str, value: Any) -> bool:
    try:
        default = inspect.signature(type(owner).__init__).parameters[name].default
    except (KeyError, TypeError, ValueError):
        return False
    if default is inspect.Parameter.empty:
        return False
    if _is_estimator(value) and type(value) is not type(default):
        return False
    if _is_nan(value) and _is_nan(default):
        return True
    try:
        return repr(value) == repr(default)
    except Exception:
        return False


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _is_estimator(value: Any) -> bool:
    return not isinstance(value, type) and callable(getattr(value, "get_params", None))


def _param_value(value: Any, depth: int = 0) -> Any:
    """Estimators, classes and functions by public path; lists of steps walked."""
    if _is_estimator(value) or isinstance(value, type):
        return public_path(value if isinstance(value, type) else type(value))
    if callable(value) and hasattr(value, "__name__"):  # functions, ufuncs, methods
        return public_path(value)
    if depth < 4 and isinstance(value, list | tuple):
        return [_param_value(v, depth + 1) for v in value]
    return value


def public_path(obj: Any) -> str:
    """``module.qualname`` of a class or function, by its shortest public module.

    ``sklearn.linear_model._logistic.LogisticRegression`` ->
    ``sklearn.linear_model.LogisticRegression``: the shortest prefix of the defining
    module, with no ``_private`` part, that is already imported and exposes the same
    object under the same name (nothing is imported to find it).
    """
    module = str(getattr(obj, "__module__", None) or "")
    qualname = str(getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj)))
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        if parts[i - 1].startswith("_"):
            break
        candidate = sys.modules.get(".".join(parts[:i]))
        found: Any = candidate
        for name in qualname.split("."):
            found = getattr(found, name, None)
        if candidate is not None and found is obj:
            return f"{'.'.join(parts[:i])}.{qualname}"
    return f"{module}.{qualname}" if module else qualname


def _signature(obj: Any, training: tuple[DatasetVersion, ...]) -> tuple[tuple[str, str], ...]:
    schema = training[0].schema if training else ()
    features = getattr(obj, "feature_names_in_", None)
    if features is None:
        return schema
    types = dict(schema)
    return tuple((str(f), types.get(str(f), "unknown")) for f in features)


def describe_model(
    obj: Any,
    spec: ModelSpec,
    *,
    training: tuple[DatasetVersion, ...],
    evaluation: tuple[DatasetVersion, ...] = (),
    metrics: Mapping[str, Any],
    slices: Mapping[str, Mapping[str, Any]],
    run_id: str,
    stage_run_id: str,
    created_at: datetime,
) -> ModelVersion:
    """The ModelVersion (version 0 = to be assigned by the store) of a returned model."""
    is_path = isinstance(obj, str | PathLike)
    cls = type(obj)
    return ModelVersion(
        name=spec.name,
        version=spec.version or 0,
        framework=None if is_path else cls.__module__.split(".")[0],
        model_class=None if is_path else public_path(cls),
        hyperparameters=_hyperparameters(obj),
        artifact_fingerprint=_artifact_fingerprint(obj),
        input_signature=_signature(obj, training),
        training_datasets=training,
        evaluation_datasets=evaluation,
        metrics=dict(metrics),
        slices={k: dict(v) for k, v in slices.items()},
        card=dict(spec.card),
        run_id=run_id,
        stage_run_id=stage_run_id,
        created_at=created_at,
    )


def remember(obj: Any, ref: ModelRef) -> None:
    """Remember that ``obj`` is model version ``ref`` (for later stages that use it)."""
    with contextlib.suppress(TypeError):  # no weakrefs to str paths: nothing to link
        MODELS.set(obj, ref)
