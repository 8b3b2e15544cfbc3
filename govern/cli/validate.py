"""``govern validate``: data files and database tables checked against a schema or suite.

Exit codes: 0 valid (warnings allowed); 1 failed checks at or above ``--fail-on``; 2 bad
usage, schema file or data file; 3 the schema could not be evaluated or the run recorded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from govern.cli.app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    StoreOption,
    app,
    fail,
)
from govern.cli.policies import (
    FailOnOption,
    FormatOption,
    OutputOption,
    emit_evaluation,
    parse_fail_on,
    parse_format,
)

__all__ = ["validate"]


def _progress_lines_to_stderr() -> None:
    """Route ``govern.progress`` log lines to stderr.

    The library never configures logging; the command does, for this one logger, with a
    handler that writes to whatever ``sys.stderr`` is when a line is emitted.
    """
    import logging

    from govern.validate.reader import progress_log

    class _Stderr(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            print(self.format(record), file=sys.stderr)

    if not any(type(h).__name__ == "_Stderr" for h in progress_log.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("govern: %(message)s"))
        progress_log.addHandler(handler)
    progress_log.setLevel(logging.INFO)
    progress_log.propagate = False  # the application's own handlers print it only once


@app.command("validate")
def validate(
    data: Annotated[
        list[str],
        typer.Argument(
            help="CSV, Parquet or JSON lines file(s), each checked on its own, or a "
            "database table as URL::[schema.]table (duckdb:///file.duckdb::main.t, "
            "postgresql://host/db::public.t; needs govern[duckdb] or govern[ibis-postgres])."
        ),
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
            help="Show progress: a bar on a terminal, else a line every few seconds (CI "
            "logs). Default: a bar on a terminal, nothing otherwise.",
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
    fmt = parse_format(output_format)
    level = parse_fail_on(fail_on)
    if chunk_rows < 0:
        raise fail(f"--chunk-rows must be 0 or more, not {chunk_rows}", EXIT_CONFIG)
    from govern.errors import (
        CheckEvaluationError,
        ConfigError,
        DataReadError,
        MissingDependencyError,
        PolicyError,
        StoreError,
    )
    from govern.validate import merge_evaluations, validate_file
    from govern.validate.reader import ProgressMode

    if store_url is not None:
        from govern.config import configure

        configure(store=store_url)  # this process records (if at all) into that store
    tty = sys.stderr.isatty()
    show: ProgressMode = "off"
    if progress or (progress is None and tty):
        show = "bar" if tty else "lines"  # off a terminal, lines a CI log can show
    if show == "lines":
        _progress_lines_to_stderr()
    from govern.validate.table import is_table_target, validate_table

    missing = [p for p in data if not is_table_target(p) and not Path(p).is_file()]
    if missing:
        raise fail(f"no such data file: {', '.join(missing)}", EXIT_CONFIG)
    try:
        evaluation = merge_evaluations(
            [
                validate_table(target, schema, fail_on=level, record=record, pipeline=pipeline)
                if is_table_target(target)
                else validate_file(
                    Path(target),
                    schema,
                    fail_on=level,
                    chunk_rows=chunk_rows or None,
                    progress=show,
                    record=record,
                    pipeline=pipeline,
                )
                for target in data
            ]
        )
    except PolicyError:  # a bad schema file: reported as before
        raise
    except (ConfigError, MissingDependencyError) as err:  # bad target, no driver: exit 2
        raise fail(str(err), EXIT_CONFIG) from None
    except DataReadError as err:  # a bad input file: exit 2, naming it
        raise fail(str(err), EXIT_CONFIG) from None
    except CheckEvaluationError as err:  # the schema cannot be evaluated on this data
        raise fail(str(err), EXIT_CANNOT_EVALUATE) from None
    except StoreError as err:
        raise fail(
            f"could not record the validation: {err} (use --no-record to skip recording)",
            EXIT_CANNOT_EVALUATE,
        ) from None
    emit_evaluation(evaluation, fmt, output)
    raise typer.Exit(EXIT_OK if evaluation.passed else EXIT_FAILED)
