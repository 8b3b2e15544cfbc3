"""``govern verify``, ``govern checkpoint`` and ``govern sweep``: is the record intact?

``verify`` recomputes the hash chain (and Ed25519 signatures), checks every index row,
checks the store against a checkpoint kept elsewhere (``--checkpoint``), checks that
the quarantine files the records name are still there unchanged, and lists leftovers
of crashes in the quarantine directory (a warning; ``govern sweep`` removes them).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govern.cli.app import EXIT_CONFIG, EXIT_FAILED, StoreOption, app, fail, reading_store
from govern.cli.records import FormatOption, OutputFormat, _format, _print_json

if TYPE_CHECKING:
    from govern.store import Store
    from govern.store.files import FileProblem, Leftover
    from govern.store.seal import CheckpointResult

__all__ = ["checkpoint", "sweep", "verify", "write_checkpoint"]

CheckpointOption = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint",
        help="A checkpoint file (`govern checkpoint -o`): the store must still hold every "
        "record it covers, unchanged.",
        show_default=False,
    ),
]
PublicKeyOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        help="PEM file of a trusted Ed25519 public key (repeatable): every signature must "
        "be by one of them.",
        show_default=False,
    ),
]


def _settings_paths() -> tuple[Path, Path]:
    from govern.config import settings
    from govern.errors import ConfigError

    try:
        current = settings()
    except ConfigError as err:
        raise fail(str(err), EXIT_CONFIG) from None
    return current.quarantine_dir, current.project_root


def _public_keys(paths: list[Path] | None) -> list[bytes] | None:
    if not paths:
        return None
    from govern.errors import ConfigError
    from govern.store.signing import load_public_key

    try:
        return [load_public_key(p) for p in paths]
    except ConfigError as err:
        raise fail(str(err), EXIT_CONFIG) from None


def _read_checkpoint(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise fail(f"--checkpoint {path}: cannot read it ({err})", EXIT_CONFIG) from None
    if not isinstance(doc, dict):
        raise fail(f"--checkpoint {path}: not a govern checkpoint", EXIT_CONFIG)
    return doc


@app.command("verify")
def verify(
    output: FormatOption = "table",
    store_url: StoreOption = None,
    checkpoint: CheckpointOption = None,
    public_key: PublicKeyOption = None,
) -> None:
    """Verify the record: hash chain, signatures, index, checkpoint and quarantine files.

    Exit 0 when intact, 1 naming what failed, 2 for a bad option or file, 3 without a
    store. Leftover files of crashes are listed as a warning (`govern sweep`).
    """
    fmt = _format(output)
    keys = _public_keys(public_key)
    doc = _read_checkpoint(checkpoint)
    quarantine_dir, root = _settings_paths()
    from govern.errors import ConfigError
    from govern.store.files import check_quarantine, find_leftovers
    from govern.store.seal import check_checkpoint

    with reading_store(store_url) as store:
        report = store.verify(public_keys=keys)
        try:
            sealed = None if doc is None else check_checkpoint(store, doc, keys)
        except ConfigError as err:
            raise fail(f"--checkpoint {checkpoint}: {err}", EXIT_CONFIG) from None
        files = check_quarantine(store, root)
        leftovers = find_leftovers(store, quarantine_dir, root)
        where = store.location
    failed = not report.ok or (sealed is not None and not sealed.ok) or bool(files)
    if fmt is OutputFormat.JSON:
        _print_json(
            {
                "store": where,
                **asdict(report),
                "ok": not failed,
                "chain_ok": report.ok,
                "checkpoint": None if sealed is None else asdict(sealed),
                "quarantine_problems": [asdict(p) for p in files],
                "leftovers": [{**asdict(x), "path": str(x.path)} for x in leftovers],
            }
        )
    else:
        _echo(where, report.message, report.head_hash if report.ok else None)
        if sealed is not None and checkpoint is not None:
            _echo_checkpoint(checkpoint, sealed)
        _echo_files(files, leftovers)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _echo(where: str, message: str, head: str | None) -> None:
    typer.echo(f"{where}: {message}" + (f"; chain head {head}" if head else ""))


def _echo_checkpoint(path: Path, sealed: CheckpointResult) -> None:
    if sealed.ok:
        typer.echo(
            f"checkpoint {path}: ok: the store holds the {sealed.size} record(s) it covers, "
            f"unchanged ({sealed.signed})"
        )
        return
    typer.echo(f"checkpoint {path}: FAILED ({sealed.signed})")
    for problem in sealed.problems:
        typer.echo(f"  {problem}")


def _echo_files(files: list[FileProblem], leftovers: list[Leftover]) -> None:
    if files:
        typer.echo(f"quarantine files: {len(files)} missing or changed")
        for problem in files:
            typer.echo(f"  {problem}")
    if leftovers:
        typer.echo(
            f"warning: {len(leftovers)} leftover file(s) in the quarantine directory that no "
            "record names (a crash between writing and recording); `govern sweep` removes them"
        )
        for item in leftovers:
            typer.echo(f"  {item.kind:<10} {item.path} ({item.size} bytes)")


@app.command("checkpoint")
def checkpoint(
    output_file: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Where to write the checkpoint (JSON); '-' for stdout."
        ),
    ],
    store_url: StoreOption = None,
) -> None:
    """Write a checkpoint of the record (size, head hash, Merkle root; signed with the key).

    Keep it where the store's writers cannot rewrite it (CI artefacts, git); later,
    `govern verify --checkpoint FILE` detects records removed or rewritten since.
    """
    with reading_store(store_url) as store:
        doc = write_checkpoint(store, output_file, option="--output")
    if output_file == "-":
        return
    payload = doc["checkpoint"]
    signed = (doc["signature"] or {}).get("algorithm", "unsigned")
    typer.echo(
        f"checkpoint of {payload['size']} record(s), head {payload['head']}, "
        f"{signed}: written to {output_file}"
    )


def write_checkpoint(store: Store, output_file: str, *, option: str) -> dict[str, Any]:
    """Write ``store``'s checkpoint to ``output_file`` (``-``: stdout), atomically.

    Shared by ``govern checkpoint`` and the ``--checkpoint FILE`` option of ``govern
    check`` and ``govern report``, so a CI job keeps the head it judged as an artefact.
    ``option`` names the option in the error message of an unwritable path (exit 2).
    """
    from govern.store.seal import make_checkpoint

    doc = make_checkpoint(store)
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if output_file == "-":
        typer.echo(text, nl=False)
        return doc
    target = Path(output_file)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise fail(
            f"{option} {target}: cannot write it ({err.strerror or err})", EXIT_CONFIG
        ) from None
    return doc


@app.command("sweep")
def sweep(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be removed; remove nothing.")
    ] = False,
    min_age: Annotated[
        float,
        typer.Option("--min-age", help="Leave files modified less than this many seconds ago."),
    ] = 600.0,
    store_url: StoreOption = None,
) -> None:
    """Remove leftovers of crashes from the quarantine directory.

    Parquet files that no record names and temporary `.tmp` files; files of runs still
    running, and files younger than --min-age, are left alone.
    """
    if not 0 <= min_age < 1e12:
        raise fail(f"--min-age must be 0 or more seconds, not {min_age}", EXIT_CONFIG)
    quarantine_dir, root = _settings_paths()
    from govern.store.files import find_leftovers, remove

    with reading_store(store_url) as store:
        leftovers = find_leftovers(store, quarantine_dir, root, min_age=min_age)
    verb = "would remove" if dry_run else "removed"
    for item in leftovers:
        if not dry_run:
            try:
                remove(item)
            except OSError as err:
                raise fail(f"cannot remove {item.path} ({err.strerror})", EXIT_FAILED) from None
        typer.echo(f"{verb} {item.kind} {item.path} ({item.size} bytes)")
    typer.echo(f"{verb} {len(leftovers)} leftover file(s) from {quarantine_dir}")
