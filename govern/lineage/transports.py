"""The OpenLineage client's transports as delivery uses them: built, emitted to, judged.

Built by the client's own factory; emitted to one event at a time; an exception tells
whether retrying can help (an HTTP 4xx answer other than timeouts and rate limits
cannot). The kafka transport only logs a failed delivery: caught here, it fails the
attempt like any other transport's error.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from govern.errors import LineageError
from govern.lineage.config import TransportSpec
from govern.lineage.redact import redact_text

if TYPE_CHECKING:
    from openlineage.client.event_v2 import RunEvent
    from openlineage.client.transport import Transport

__all__ = ["build_transport", "describe", "emit", "permanent"]

_RETRYABLE_STATUS = {408, 425, 429}


def build_transport(spec: TransportSpec, source: str) -> Transport:
    """The client's transport for ``spec``, built by the client's factory.

    Raises:
        LineageError: the configuration is not one the client accepts.
    """
    import copy

    from openlineage.client.transport import get_default_factory

    config = copy.deepcopy(dict(spec.config))
    path = config.get("log_file_path")
    if spec.kind == "file" and isinstance(path, str) and "://" not in path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        transport: Transport = get_default_factory().create(config)
    except Exception as exc:
        raise LineageError(
            f"OpenLineage transport {spec.name!r} ({spec.kind}) from {source} cannot be used: "
            f"{type(exc).__name__}: {redact_text(str(exc))}"
        ) from None
    return transport


def permanent(exc: BaseException) -> bool:
    """True for an answer retrying cannot change: HTTP 4xx, save timeouts and rate limits."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in _RETRYABLE_STATUS


def describe(exc: BaseException) -> str:
    """``Type: message`` of a delivery error, credentials redacted, bounded."""
    return f"{type(exc).__name__}: {redact_text(str(exc))}"[:500]


class _KafkaErrors(logging.Handler):
    """Delivery errors the client's kafka transport only logs, caught for this thread.

    Its ``emit`` produces, flushes, and hands a failed delivery (broker down, message
    timed out) to a callback that logs it and returns: the event would count as
    delivered. Caught here, it is a failed attempt like any other.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.errors.append(redact_text(str(record.msg)))


def emit(spec: TransportSpec, transport: Transport, event: RunEvent) -> None:
    """Send one event; raises on a failed delivery (a kafka one included)."""
    if spec.kind != "kafka":
        transport.emit(event)
        return
    caught = _KafkaErrors()
    kafka_log = logging.getLogger("openlineage.client.transport.kafka")
    kafka_log.addHandler(caught)
    try:
        transport.emit(event)
    finally:
        kafka_log.removeHandler(caught)
    if caught.errors:
        raise LineageError(f"kafka did not take the event: {caught.errors[-1]}")
