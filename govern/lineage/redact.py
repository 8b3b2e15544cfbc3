"""Keep secrets out of events: credentials in URIs and text, secret-looking parameters.

Everything an event says comes from the record, which is redacted when captured
(govern.redaction, applied by govern.environment, govern.datasets and
govern.recording) and drops PII values from failure samples; this is the second line,
with the same policy: applied to every string that goes into an event, whatever the
record holds (older records, imported events).
"""

from __future__ import annotations

from typing import Any

from govern.datasets import redact_uri
from govern.redaction import REDACTED, is_secret_name, redact_text, redact_value

__all__ = ["REDACTED", "is_secret_name", "redact_text", "safe_name", "scrub"]


def safe_name(text: str) -> str:
    """A namespace or dataset name without credentials (and a URI without its query)."""
    return redact_text(redact_uri(text) if "://" in text else text)


def scrub(value: Any) -> Any:
    """``value`` with every string redacted and every secret-looking key's value hidden."""
    scrubbed = redact_value(value)
    if isinstance(scrubbed, dict):
        return {str(k): v for k, v in scrubbed.items()}
    return scrubbed
