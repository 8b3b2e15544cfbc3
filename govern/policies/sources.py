"""Where policy files come from: a directory, one file, or a pack shipped with govern.

``builtin:NAME`` names a pack in ``govern/policies/packs/`` (package data, so it works
from a wheel); this repository's ``policies/`` holds identical copies, checked by a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from govern.errors import PolicyError

__all__ = [
    "BUILTIN_PREFIX",
    "PolicySource",
    "builtin_packs",
    "display_path",
    "policy_files",
    "policy_sources",
]

BUILTIN_PREFIX = "builtin:"


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy file to load: where it is and how messages name it."""

    path: Path
    name: str


def display_path(path: Path) -> str:
    """The path relative to the working directory when inside it (CI annotations need it)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(resolved)


def builtin_packs() -> dict[str, Path]:
    """The packs shipped with govern: ``{name: file}`` (``builtin:NAME``)."""
    folder = resources.files("govern.policies") / "packs"
    found: dict[str, Path] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            found[entry.name.removesuffix(".yaml")] = Path(str(entry))
    return dict(sorted(found.items()))


def policy_files(location: Path) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files of a directory (recursively, sorted), or one file.

    Raises:
        PolicyError: the location does not exist or holds no policy file.
    """
    if location.is_file():
        return [location]
    if not location.is_dir():
        raise PolicyError(
            f"{location}: no such policy directory or file; pass --policies DIR (default: "
            f"policies/) or a pack shipped with govern ({_builtin_list()})"
        )
    files = sorted(p for p in location.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise PolicyError(f"{location}: no policy files (*.yaml, *.yml) in this directory")
    return files


def _builtin_list() -> str:
    return ", ".join(BUILTIN_PREFIX + name for name in builtin_packs())


def policy_sources(locations: str | Path | Sequence[str | Path]) -> list[PolicySource]:
    """Every policy file of ``locations`` (directories, files or ``builtin:NAME``), once each.

    Raises:
        PolicyError: a location that does not exist, holds no policy file, or names no
            built-in pack.
    """
    if isinstance(locations, str | Path):
        locations = [locations]
    sources: list[PolicySource] = []
    seen: set[Path] = set()
    for location in locations:
        text = str(location)
        if isinstance(location, str) and text.startswith(BUILTIN_PREFIX):
            name = text.removeprefix(BUILTIN_PREFIX)
            path = builtin_packs().get(name)
            if path is None:
                raise PolicyError(f"{text}: no such built-in pack; govern ships: {_builtin_list()}")
            found = [PolicySource(path, text)]
        else:
            found = [PolicySource(p, display_path(p)) for p in policy_files(Path(location))]
        for source in found:
            key = source.path.resolve()
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources
