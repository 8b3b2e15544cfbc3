"""The mask applied before comparing committed reports/ with freshly generated ones.

Masked (replaced by a placeholder) because they legitimately change between runs or
machines:

- ids: UUIDs (run, stage run) and the report id;
- hashes: chain head, dataset fingerprints (xxh3-128), artifact digests (sha256), git
  commits -- any run of 16+ hex digits;
- timestamps and dates (ISO 8601 and the reports' ``YYYY-MM-DD HH:MM:SS UTC``);
- durations (``378 ms``, ``10.5 s``, ``1.2 min``);
- absolute paths (the store, quarantine files, the data file inside site-packages, also
  as a ``file:/...`` dataset name);
- the machine: the rows python, executable, platform, git / git commit, command, user,
  host and CI job;
- the package table: its rows are dropped, since which packages are installed depends on
  the extras of the venv (``example`` for the demo, ``dev`` for the tests), not on the
  pipeline.

Everything else -- sections, statuses, checks, row counts, schemas, metrics, the lineage
graph's layout -- must match exactly.
"""

from __future__ import annotations

import re

from govern.environment import KEY_PACKAGES

_MACHINE_ROWS = (
    "python",
    "executable",
    "platform",
    "git",
    "git commit",
    "command",
    "user",
    "host",
    "CI job",
)
_LABELS = "|".join(re.escape(label) for label in _MACHINE_ROWS)
_PACKAGES = "|".join(re.escape(name) for name in KEY_PACKAGES)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # machine rows, HTML (<tr><th>label</th><td ...>value</td></tr>) and Markdown
    (re.compile(rf"(<tr><th>(?:{_LABELS})</th><td[^>]*>).*?(</td></tr>)", re.S), r"\1<machine>\2"),
    (re.compile(rf"^(\| (?:{_LABELS}) \| ).*( \|)$", re.M), r"\1<machine>\2"),
    # the package table's rows (whichever are installed), HTML and Markdown
    (re.compile(rf'<tr><td>(?:{_PACKAGES})</td><td class="mono">[^<]*</td></tr>\n?'), ""),
    (re.compile(rf"^\| (?:{_PACKAGES}) \| [^|\n]* \|\n", re.M), ""),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b(?:sha256:|xxh3-128:)?[0-9a-f]{16,}\b"), "<hash>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}| UTC|Z)?"),
        "<time>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    (re.compile(r"\b\d+(?:\.\d+)? (?:ms|s|min)\b"), "<duration>"),
    # absolute paths, alone or in a file: URI (the data file's dataset name); not URLs
    (re.compile(r"(?<=file:)/(?:[\w.\-+@=~]|\\_)+(?:/(?:[\w.\-+@=~]|\\_)*)*"), "<path>"),
    (re.compile(r"(?<![\w.:/<])/(?:[\w.\-+@=~]|\\_)+(?:/(?:[\w.\-+@=~]|\\_)*)*"), "<path>"),
)


def mask(text: str) -> str:
    """``text`` with every volatile value replaced by its placeholder."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
