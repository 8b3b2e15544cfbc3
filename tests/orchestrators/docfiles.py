"""The code blocks of a docs/orchestrators.md section, and the files they say they are."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "orchestrators.md"


def blocks(heading: str) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block under ``## heading``, in order."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)


def write_files(heading: str, root: Path) -> list[Path]:
    """Write each block whose first line is ``# <relative path>`` there, as written.

    Only the first block naming a path is written (later ones show other forms).
    """
    written: list[Path] = []
    for _, code in blocks(heading):
        first = code.split("\n", 1)[0]
        match = re.fullmatch(r"# ([\w./-]+)", first)
        if match is None:
            continue
        path = root / match.group(1)
        if path in written:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
        written.append(path)
    return written
