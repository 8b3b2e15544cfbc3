"""Keep secrets out of events: credentials in URIs and text, secret-looking parameters.

Everything an event says comes from the record, which already drops credentials from
dataset URIs and PII values from failure samples; this is the second line: applied to
every string that goes into an event, whatever the record holds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from govern.datasets import redact_uri

__all__ = ["REDACTED", "is_secret_name", "redact_text", "safe_name", "scrub"]

REDACTED = "***"

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s]+@")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(?P<key>[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?|signature|sig))(?P<sep>\s*[=:]\s*)(?P<value>[^\s,;&'\"]+)"
)
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "credential",
        "credentials",
        "apikey",
        "signature",
    }
)
_SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key")})


def redact_text(text: str) -> str:
    """``scheme://user:pass@host`` -> ``scheme://***@host``; ``password=x`` -> ``password=***``."""
    text = _URL_CREDENTIALS.sub(rf"\g<scheme>{REDACTED}@", text)
    return _SECRET_ASSIGNMENT.sub(rf"\g<key>\g<sep>{REDACTED}", text)


def is_secret_name(name: str) -> bool:
    """True for names like ``password``, ``db_token``, ``apiKey``, ``AWS_SECRET_ACCESS_KEY``."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if _SECRET_WORDS.intersection(words):
        return True
    return any((a, b) in _SECRET_PAIRS for a, b in itertools.pairwise(words))


def safe_name(text: str) -> str:
    """A namespace or dataset name without credentials (and a URI without its query)."""
    return redact_text(redact_uri(text) if "://" in text else text)


def scrub(value: Any) -> Any:
    """``value`` with every string redacted and every secret-looking key's value hidden."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): REDACTED if is_secret_name(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value
