"""One rule for the names govern records (pipelines, stages), the same on every backend.

A name is 1 to 255 bytes of UTF-8 with no NUL: what a file name can hold (quarantine
files are named after stages) and what SQLite and PostgreSQL both store as given.
Checked when a stage is decorated or a run is opened, before anything is recorded.
"""

from __future__ import annotations

__all__ = ["MAX_NAME_BYTES", "name_problem"]

MAX_NAME_BYTES = 255


def name_problem(name: object, what: str) -> str | None:
    """Why ``name`` cannot be a pipeline or stage name (a sentence), or None when it can.

    ``what`` names it in the message: ``stage name``, ``pipeline name``.
    """
    problem = _problem(name)
    if problem is None:
        return None
    shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
    return f"{what} {shown} {problem} (one rule for every store backend)"


def _problem(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "must be a non-empty string"
    if "\x00" in name:
        return "must not contain a NUL character"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate)"
    if size > MAX_NAME_BYTES:
        return f"is {size} bytes of UTF-8; names are at most {MAX_NAME_BYTES} bytes"
    return None
