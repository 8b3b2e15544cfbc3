"""Redaction takes time linear in its input (issue: 1.7 s on 40 KB with the old regexes).

A complexity test, not a benchmark: the time for 1 MB over the time for 100 KB must be
near 10 (linear), far from 100 (quadratic); the minimum of a few repeats damps the noise
of a shared machine. The 1 MB bound is a hang guard only.
"""

from __future__ import annotations

import time

import pytest

from govern.redaction import redact_argv, redact_text, redact_uri

SMALL, LARGE = 100_000, 1_000_000

SHAPES = {
    # long runs of key=value, secret and not, in the separators people use
    "key_value_runs": "password=x user=bob 'api_key': 'k' token: t --secret s sig=1& ",
    # long URL-like strings: schemes, user-info, query strings
    "url_like": "https://user:pw@host:5432/db?sv=1&sig=abc&x=",
    # near misses: secret names with no separator, schemes with no '@', open quotes
    "near_misses": 'pass passwordX token" a://b:c "secret": "',
    # what made the old patterns quadratic: one long token, a scheme with no '@' after it
    "long_token": "k",
    "scheme_no_at": "a://",
}


def _best_of(func: object, text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        func(text)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def _sized(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_redaction_time_is_linear(shape: str) -> None:
    small, large = _sized(SHAPES[shape], SMALL), _sized(SHAPES[shape], LARGE)
    redact_text(small)  # warm caches of compiled patterns
    t_small = _best_of(redact_text, small)
    t_large = _best_of(redact_text, large)
    ratio = t_large / max(t_small, 1e-4)
    assert t_large < 60, f"1 MB took {t_large:.1f} s"  # a hang guard
    assert ratio < 30, f"{shape}: 1 MB / 100 KB = {ratio:.1f} (quadratic would be ~100)"


def test_a_megabyte_argument_and_uri_finish() -> None:
    arg = _sized("--token=" + "a" * 50 + " ", LARGE)
    started = time.perf_counter()
    out = redact_argv(["run.py", arg, "--password", arg])
    uri = redact_uri("https://u:p@h/x?" + _sized("sig=abc&", LARGE))
    assert time.perf_counter() - started < 60  # a hang guard
    assert out[2] == "--password" and out[3] == "***"
    assert "p@h" not in uri and "sig=abc" not in uri
