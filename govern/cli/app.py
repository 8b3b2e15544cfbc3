"""The Typer application and its shared options; command groups live in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from govern.store import Store

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_CANNOT_EVALUATE = 3

app = typer.Typer(
    name="govern",
    help="Gates, lineage, audit reports and CI policies for your pipeline functions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store path or postgresql:// URL (default: GOVERN_STORE, else pyproject.toml).",
        show_default=False,
    ),
]
"""The --store option every command that reads or writes the record takes."""

CheckpointOption = Annotated[
    str | None,
    typer.Option(
        "--checkpoint",
        metavar="FILE",
        help="Also write the record's checkpoint here (as `govern checkpoint -o`), to keep "
        "with the output as evidence; `govern verify --checkpoint FILE` checks it later.",
        show_default=False,
    ),
]
"""The --checkpoint option of the commands whose output is evidence (check, report)."""


def fail(message: str, code: int) -> typer.Exit:
    """Print ``govern: error: message`` on stderr; return the Exit to raise with ``code``."""
    typer.echo(f"govern: error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def reading_store(store_url: str | None, *, create: bool = False) -> Iterator[Store]:
    """The store a command reads (never created unless ``create``), errors as exit codes.

    A bad setting is a usage error (2); no store, an unreadable one, or no such run or
    model is "could not evaluate" (3). ``create`` is for the few commands that add
    records (``govern lineage import``).
    """
    from govern.errors import ConfigError, StoreError
    from govern.store import open_store

    try:
        store = open_store(store_url, create=create)
    except ConfigError as err:
        raise fail(str(err), EXIT_CONFIG) from None
    except StoreError as err:
        raise fail(str(err), EXIT_CANNOT_EVALUATE) from None
    try:
        yield store
    except StoreError as err:
        raise fail(str(err), EXIT_CANNOT_EVALUATE) from None
    finally:
        store.close()


def _version(value: bool) -> None:
    if value:
        from govern._version import __version__

        typer.echo(f"govern {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Gates, lineage, audit reports and CI policies for your pipeline functions."""
