"""The canonical JSON every ledger record is stored (and hashed) as, and free-form values.

Canonical JSON: sorted keys, no insignificant whitespace, UTF-8, and no NaN or Infinity
(non-finite floats are written as ``{"__govern_float__": "nan" | "inf" | "-inf"}`` and
read back as floats). Free-form values (params, metrics, hyperparameters, card fields,
environment) are made JSON-able best-effort: tuples and sets become lists, numpy scalars
their Python value, dates ISO strings, anything else its ``str()`` -- a value is never
dropped. (govern.store.codec builds on this for govern's types.)
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

__all__ = [
    "FLOAT_TAG",
    "canonical_json",
    "decode_value",
    "encode_value",
    "mapping",
    "plain_mapping",
]

FLOAT_TAG = "__govern_float__"
"""The key of the object a non-finite float is written as (see the module docstring)."""
_FLOAT_TAG = FLOAT_TAG
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# built once: json.dumps builds an encoder per call, a third of its time on a stage record
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> str:
    """The one text a JSON-able value is stored (and hashed) as."""
    return _CANONICAL.encode(value)


def _float(value: float) -> Any:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return {_FLOAT_TAG: "nan"}
    return {_FLOAT_TAG: "inf" if value > 0 else "-inf"}


def encode_value(value: Any) -> Any:
    """Make a free-form value JSON-able (see the module docstring); never drops data."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else _float(value)
    if kind is dict:
        return {
            k if type(k) is str else str(encode_value(k)): encode_value(v) for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [encode_value(v) for v in value]
    return _encode_other(value)


def _encode_other(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return encode_value(value.value)
    if isinstance(value, bool | str):
        return str(value) if isinstance(value, str) else bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, Mapping):
        return encode_value(dict(value))
    if isinstance(value, list | tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((encode_value(v) for v in value), key=canonical_json)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    item = getattr(value, "item", None)  # numpy / pandas scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return encode_value(item())
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return encode_value(tolist())
    return str(value)


def decode_value(value: Any) -> Any:
    """Undo :func:`encode_value`'s float tagging (lists stay lists)."""
    if isinstance(value, dict):
        if len(value) == 1 and _FLOAT_TAG in value:
            return _NONFINITE[value[_FLOAT_TAG]]
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


def mapping(value: Any) -> dict[str, Any]:
    """A free-form mapping as recorded, float tags undone (``{}`` for anything else)."""
    decoded = decode_value(value) if value is not None else {}
    return decoded if isinstance(decoded, dict) else {}


def plain_mapping(value: Any) -> dict[str, Any]:
    """:func:`mapping` of a value known to hold no float tag (nothing to undo)."""
    return value if isinstance(value, dict) else {}
