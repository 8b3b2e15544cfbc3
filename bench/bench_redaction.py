"""Redaction cost: govern.redaction against the patterns it replaced and detect-secrets.

    python bench/bench_redaction.py [--sizes 40000,100000,1000000]

For each input shape and size, prints the best of 3 times of ``redact_text`` and the
ratio to the 100 KB time (linear: ~10 at 1 MB), then, at 40 KB only (they are
quadratic), the same text through the regexes govern used before (a copy below) and
through detect-secrets' ``scan_line`` with its default plugins (the bare library).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

from govern.redaction import redact_text

SHAPES = {
    "key=value runs": "password=x user=bob 'api_key': 'k' token: t --secret s sig=1& ",
    "url-like": "https://user:pw@host:5432/db?sv=1&sig=abc&x=",
    "near misses": 'pass passwordX token" a://b:c "secret": "',
    "one long token": "k",
    "log text": "INFO 2026-11-29 loaded 1200 rows from s3://bucket/key.parquet in 0.4 s\n",
}

# the patterns of govern/lineage/redact.py before govern.redaction (quadratic)
_OLD_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s]+@")
_OLD_ASSIGNMENT = re.compile(
    r"(?i)\b(?P<key>[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?|signature|sig))(?P<sep>\s*[=:]\s*)(?P<value>[^\s,;&'\"]+)"
)


def old_redact(text: str) -> str:
    text = _OLD_URL.sub(r"\g<scheme>***@", text)
    return _OLD_ASSIGNMENT.sub(r"\g<key>\g<sep>***", text)


def detect_secrets_scan(text: str) -> None:
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    with default_settings():
        list(scan_line(text))


def best(func: Callable[[str], object], text: str, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func(text)
        times.append(time.perf_counter() - started)
    return min(times)


def sized(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="40000,100000,1000000")
    parser.add_argument("--no-baselines", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for shape, unit in SHAPES.items():
        base = None
        for size in sizes:
            took = best(redact_text, sized(unit, size))
            if size == 100_000:
                base = took
            ratio = f"  x{took / base:5.1f} of 100 KB" if base and size > 100_000 else ""
            print(f"{shape:15s} {size:>9,} chars  govern {took * 1000:9.1f} ms{ratio}")
        if not args.no_baselines:
            text = sized(unit, 40_000)
            old = best(old_redact, text, repeats=1)
            print(f"{shape:15s}    40,000 chars  before {old * 1000:9.1f} ms")
            try:
                bare = best(detect_secrets_scan, text, repeats=1)
                print(f"{shape:15s}    40,000 chars  detect-secrets {bare * 1000:9.1f} ms")
            except ImportError:
                print("detect-secrets not installed: pip install detect-secrets")


if __name__ == "__main__":
    main()
