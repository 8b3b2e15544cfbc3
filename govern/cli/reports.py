"""``govern report audit`` and ``govern report model-card``: documents from the record.

Reading never creates a store. Every report states whether the record's chain verified.
Exit codes: 0 written; 1 ``--require-verified`` and the chain is tampered or could not be
verified (nothing written); 2 usage error (conflicting scopes,
a bad date, format, output suffix or template, the pdf extra missing); 3 nothing to report on (no
store, no such run, pipeline or model).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from govern.cli.app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_CONFIG,
    EXIT_FAILED,
    CheckpointOption,
    StoreOption,
    app,
    fail,
    reading_store,
)

if TYPE_CHECKING:
    from govern.reports import Rendered
    from govern.store import Store

__all__ = ["report_app"]

report_app = typer.Typer(
    name="report",
    help="Write an audit report or a model card from the record (HTML, Markdown, JSON, PDF).",
    no_args_is_help=True,
)
app.add_typer(report_app)

_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".json": "json", ".pdf": "pdf"}

FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="[html|md|json|pdf]",
        help="Output format (default: from -o's suffix, else html for audits, md for cards).",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write here instead of standard output.", show_default=False
    ),
]
TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="Directory of templates replacing the shipped ones of the same name "
        "(default: [tool.govern] templates).",
        show_default=False,
    ),
]
RequireVerifiedOption = Annotated[
    bool,
    typer.Option(
        "--require-verified",
        help="Fail (exit 1, nothing written) unless the record's hash chain verifies.",
    ),
]


def _format(value: str | None, output: Path | None, default: str) -> str:
    """--format, else -o's suffix, else the default; an unknown suffix is a usage error."""
    if value is not None:
        return value.lower()
    if output is None:
        return default
    suffix = output.suffix.lower()
    if suffix not in _SUFFIXES:
        known = ", ".join(sorted(_SUFFIXES))
        what = f"suffix {output.suffix!r}" if suffix else "no suffix"
        raise fail(
            f"-o {output}: {what} names no report format; use one of {known} "
            "or give --format html|md|json|pdf",
            EXIT_CONFIG,
        )
    return _SUFFIXES[suffix]


def _produce(
    store_url: str | None,
    make: Callable[[Store], Rendered],
    output: Path | None,
    checkpoint: str | None = None,
) -> None:
    """Open the store, render, write; map every user error to a message and exit code.

    With ``checkpoint``, the record's checkpoint is written too, from the same open
    store: the head the document was made from, kept beside it as evidence.
    """
    from govern.errors import ConfigError, IntegrityError, MissingDependencyError, ReportError

    with reading_store(store_url) as store:
        try:
            rendered = make(store)
        except IntegrityError as err:
            raise fail(str(err), EXIT_FAILED) from None
        except LookupError as err:  # no such run, pipeline or model (store or report errors)
            raise fail(str(err), EXIT_CANNOT_EVALUATE) from None
        except (ReportError, MissingDependencyError, ConfigError) as err:
            raise fail(str(err), EXIT_CONFIG) from None
        if checkpoint:
            from govern.cli.integrity import write_checkpoint

            write_checkpoint(store, checkpoint, option="--checkpoint")
    if output is None:
        if rendered.data is not None:
            raise fail("--format pdf writes a file: give -o PATH", EXIT_CONFIG)
        typer.echo(rendered.text, nl=False)
        return
    try:
        rendered.write(output)
    except OSError as err:
        raise fail(f"cannot write {output}: {err.strerror or err}", EXIT_CONFIG) from None
    typer.echo(f"wrote {output}", err=True)


@report_app.command("audit")
def audit(
    run: Annotated[
        str | None,
        typer.Option(
            "--run", help="A run id, unique prefix, or latest (the default).", show_default=False
        ),
    ] = None,
    pipeline: Annotated[
        str | None,
        typer.Option("--pipeline", help="Every run of this pipeline.", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only runs from this date (YYYY-MM-DD or ISO 8601) on.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="NAME@VERSION: the runs behind this model version.", show_default=False
        ),
    ] = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    templates: TemplatesOption = None,
    require_verified: RequireVerifiedOption = False,
    checkpoint: CheckpointOption = None,
    store_url: StoreOption = None,
) -> None:
    """Write the audit report of a run, a pipeline over a period, or a model version."""
    from govern.reports import audit as make_audit

    fmt = _format(output_format, output, "html")
    if fmt not in ("html", "md", "json", "pdf"):
        raise fail(f"--format must be html, md, json or pdf, not {fmt!r}", EXIT_CONFIG)
    if fmt == "pdf" and output is None:
        raise fail("--format pdf writes a file: give -o PATH", EXIT_CONFIG)
    _produce(
        store_url,
        lambda store: make_audit(
            store,
            run=run,
            pipeline=pipeline,
            since=since,
            model=model,
            format=fmt,
            templates=templates,
            require_verified=require_verified,
        ),
        output,
        checkpoint,
    )


@report_app.command("model-card")
def model_card(
    ref: Annotated[
        str, typer.Argument(metavar="NAME[@VERSION]", help="NAME (latest version) or NAME@VERSION.")
    ],
    output_format: FormatOption = None,
    output: OutputOption = None,
    templates: TemplatesOption = None,
    require_verified: RequireVerifiedOption = False,
    checkpoint: CheckpointOption = None,
    store_url: StoreOption = None,
) -> None:
    """Write the model card of a model version (Markdown by default)."""
    from govern.reports import model_card as make_card

    fmt = _format(output_format, output, "md")
    if fmt not in ("md", "html", "json", "pdf"):
        raise fail(f"--format must be md, html, json or pdf, not {fmt!r}", EXIT_CONFIG)
    if fmt == "pdf" and output is None:
        raise fail("--format pdf writes a file: give -o PATH", EXIT_CONFIG)
    _produce(
        store_url,
        lambda store: make_card(
            ref, store, format=fmt, templates=templates, require_verified=require_verified
        ),
        output,
        checkpoint,
    )
