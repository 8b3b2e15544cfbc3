"""The canonical JSON text records are stored and hashed as."""

from __future__ import annotations

import json
import math
import threading

import pytest

from govern.store.codec import canonical_json

VALUE = {
    "zeta": [1, 2.5, -0.0, 1e16, None, True, "é ü 中"],
    "alpha": {"b": {"d": 1, "c": 2}, "a": []},
    "quote": 'a "b" \\ \n',
}


def test_sorted_compact_and_unicode_kept() -> None:
    text = canonical_json(VALUE)
    assert text == json.dumps(
        VALUE, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    assert text.startswith('{"alpha":{"a":[],"b":{"c":2,"d":1}}')
    assert "é ü 中" in text and " :" not in text
    assert json.loads(text) == VALUE


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical_json({"x": [bad]})


def test_one_encoder_serves_threads() -> None:
    values = [{"i": i, "nested": {"k": list(range(i % 7))}} for i in range(200)]
    expected = [canonical_json(v) for v in values]
    results: list[list[str]] = []

    def work() -> None:
        results.append([canonical_json(v) for v in values])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4
