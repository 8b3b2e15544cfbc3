"""``govern check``, ``govern approve`` and ``govern validate``: policies and data in CI.

Exit codes: 0 pass (warnings allowed); 1 violations at or above ``--fail-on``; 2 usage or
configuration error (a bad policy or schema file, named with its line); 3 could not
evaluate (no store, no run, unreadable data).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from govern.cli.app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    StoreOption,
    app,
    fail,
    reading_store,
)

if TYPE_CHECKING:
    from govern.policies.model import Evaluation
    from govern.policies.render import OutputFormat
    from govern.store import Store

__all__ = ["approve", "check", "validate"]

_FORMATS = "text|json|junit|github|sarif|markdown"

FormatOption = Annotated[
    str,
    typer.Option("--format", "-f", metavar=f"[{_FORMATS}]", help="Output format."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the output to FILE (a one-line verdict still goes to stdout)."
    ),
]
FailOnOption = Annotated[
    str,
    typer.Option(
        "--fail-on",
        metavar="[error|warn]",
        help="Fail (exit 1) on violations of this severity or worse (default error).",
    ),
]


def _output_format(value: str) -> OutputFormat:
    from govern.policies.render import OutputFormat

    try:
        return OutputFormat(value.lower())
    except ValueError:
        raise fail(
            f"--format must be one of {_FORMATS.replace('|', ', ')}, not {value!r}", EXIT_CONFIG
        ) from None


def _fail_on(value: str) -> str:
    if value.lower() not in ("error", "warn"):
        raise fail(f"--fail-on must be error or warn, not {value!r}", EXIT_CONFIG)
    return value.lower()


def _emit(evaluation: Evaluation, fmt: OutputFormat, output: Path | None) -> None:
    from govern.policies.render import render
    from govern.policies.render.summary import headline

    text = render(evaluation, fmt)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise fail(f"cannot write {output}: {err.strerror}", EXIT_CONFIG) from None
    typer.echo(f"{headline(evaluation)} (written to {output})")


def _record(store: Store, evaluation: Evaluation) -> None:
    """Append the verdicts to the chain; a store that cannot take them is exit 3."""
    from govern.config import settings
    from govern.errors import StoreError
    from govern.policies.record import record_evaluation

    try:
        record_evaluation(store, evaluation)
    except StoreError as err:
        message = f"could not record the verdicts in the store: {err}"
        if settings().on_store_error != "warn":
            raise fail(
                message + " (use --no-record to evaluate without recording)",
                EXIT_CANNOT_EVALUATE,
            ) from None
        typer.echo(f"govern: warning: {message}", err=True)


# -- govern check ---------------------------------------------------------------------


@app.command("check")
def check(
    policies: Annotated[
        Path,
        typer.Option("--policies", "-p", help="Directory of policy files (*.yaml), or one file."),
    ] = Path("policies"),
    run_id: Annotated[
        str | None,
        typer.Option("--run", help="Evaluate this run (id, unique prefix, or latest)."),
    ] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Evaluate the newest run of any pipeline.")
    ] = False,
    output_format: FormatOption = "text",
    output: OutputOption = None,
    fail_on: FailOnOption = "error",
    record: Annotated[
        bool,
        typer.Option(
            "--record/--no-record",
            help="Record the verdicts in the store (default) or only print them.",
        ),
    ] = True,
    store_url: StoreOption = None,
) -> None:
    """Evaluate policy packs against the recorded runs (the latest run of each pipeline).

    Reads only the store. Exit 0 pass (warnings allowed), 1 violations at or above
    --fail-on, 2 bad usage or policy file, 3 no store or no run.
    """
    fmt = _output_format(output_format)
    level = _fail_on(fail_on)
    if run_id is not None and latest:
        raise fail("give --run RUN_ID or --latest, not both", EXIT_CONFIG)
    from govern.policies.evaluate import evaluate
    from govern.policies.loader import load_packs

    packs = load_packs(policies)  # PolicyError -> exit 2 (in govern.cli.main)
    with reading_store(store_url) as store:
        evaluation = evaluate(store, packs, run_id=run_id, latest=latest, fail_on=level)
        if record:
            _record(store, evaluation)
    _emit(evaluation, fmt, output)
    raise typer.Exit(EXIT_OK if evaluation.passed else EXIT_FAILED)


# -- govern approve -------------------------------------------------------------------


def _model_version(text: str) -> tuple[str, int]:
    name, at, version = text.rpartition("@")
    if not at or not name or not version.isdigit() or int(version) < 1:
        raise fail(
            f"{text!r} is not MODEL@VERSION: a sign-off is for one exact version "
            "(e.g. penguin-species@3; `govern models` lists them)",
            EXIT_CONFIG,
        )
    return name, int(version)


@app.command("approve")
def approve(
    ref: Annotated[str, typer.Argument(metavar="MODEL@VERSION", help="The model version.")],
    by: Annotated[str, typer.Option("--by", help="Who signs off (a name or e-mail).")],
    note: Annotated[str | None, typer.Option("--note", help="Why, or what was reviewed.")] = None,
    store_url: StoreOption = None,
) -> None:
    """Record a sign-off of one model version in the store (hash-chained).

    Exit 0 recorded, 2 bad usage, 3 no store or no such model version.
    """
    name, version = _model_version(ref)
    from govern.policies.record import approve as record_approval

    with reading_store(store_url) as store:
        recorded = record_approval(store, name, version, by=by, note=note)
        where = store.location
    typer.echo(
        f"recorded sign-off of {name}@{version} by {recorded.data['by']} in {where} "
        f"(record {recorded.seq}, hash {recorded.hash[:12]})"
    )


# -- govern validate ------------------------------------------------------------------


@app.command("validate")
def validate(
    data: Annotated[
        list[Path],
        typer.Argument(help="CSV, Parquet or JSON lines file(s), each checked on its own."),
    ],
    schema: Annotated[
        Path,
        typer.Option(
            "--schema",
            "-s",
            help="A pandera schema (YAML or JSON) or a Great Expectations suite (JSON).",
        ),
    ],
    output_format: FormatOption = "text",
    output: OutputOption = None,
    fail_on: FailOnOption = "error",
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="Rows read at a time (0: the whole file at once).")
    ] = 100_000,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Show a progress bar (default: only on a terminal).",
            show_default=False,
        ),
    ] = None,
    record: Annotated[
        bool | None,
        typer.Option(
            "--record/--no-record",
            help="Record the result as a run (default: when the store already exists).",
            show_default=False,
        ),
    ] = None,
    pipeline: Annotated[
        str, typer.Option("--pipeline", help="Pipeline name of the recorded run.")
    ] = "validate",
    store_url: StoreOption = None,
) -> None:
    """Check data files against a schema or suite without writing any Python.

    Exit 0 valid (warnings allowed), 1 failed checks at or above --fail-on, 2 bad usage,
    schema file or data file (unreadable, malformed), 3 the schema could not be
    evaluated on the data or the run could not be recorded.
    """
    fmt = _output_format(output_format)
    level = _fail_on(fail_on)
    if chunk_rows < 0:
        raise fail(f"--chunk-rows must be 0 or more, not {chunk_rows}", EXIT_CONFIG)
    from govern.errors import CheckEvaluationError, DataReadError, StoreError
    from govern.validate import merge_evaluations, validate_file

    if store_url is not None:
        from govern.config import configure

        configure(store=store_url)  # this process records (if at all) into that store
    show = sys.stderr.isatty() if progress is None else progress
    missing = [str(path) for path in data if not path.is_file()]
    if missing:
        raise fail(f"no such data file: {', '.join(missing)}", EXIT_CONFIG)
    try:
        evaluation = merge_evaluations(
            [
                validate_file(
                    path,
                    schema,
                    fail_on=level,
                    chunk_rows=chunk_rows or None,
                    progress=show,
                    record=record,
                    pipeline=pipeline,
                )
                for path in data
            ]
        )
    except DataReadError as err:  # a bad input file: exit 2, naming it
        raise fail(str(err), EXIT_CONFIG) from None
    except CheckEvaluationError as err:  # the schema cannot be evaluated on this data
        raise fail(str(err), EXIT_CANNOT_EVALUATE) from None
    except StoreError as err:
        raise fail(
            f"could not record the validation: {err} (use --no-record to skip recording)",
            EXIT_CANNOT_EVALUATE,
        ) from None
    _emit(evaluation, fmt, output)
    raise typer.Exit(EXIT_OK if evaluation.passed else EXIT_FAILED)
