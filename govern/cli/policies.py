"""``govern check`` and ``govern approve``: policies in CI (``govern validate``: cli/validate.py).

Exit codes: 0 pass (warnings allowed); 1 violations at or above ``--fail-on``; 2 usage or
configuration error (a bad policy or schema file, named with its line); 3 could not
evaluate (no store, no run, unreadable data).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from govern.cli.app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    CheckpointOption,
    StoreOption,
    app,
    fail,
    reading_store,
)

if TYPE_CHECKING:
    from govern.errors import PolicyError
    from govern.policies.model import Evaluation
    from govern.policies.render import OutputFormat
    from govern.store import Store

__all__ = [
    "FailOnOption",
    "FormatOption",
    "OutputOption",
    "approve",
    "check",
    "emit_evaluation",
    "parse_fail_on",
    "parse_format",
]

_FORMATS = "text|json|junit|github|sarif|markdown"
_VERSION = re.compile(r"[0-9]{1,18}")

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


def parse_format(value: str) -> OutputFormat:
    """The ``--format`` value as an output format, or a usage error (exit 2)."""
    from govern.policies.render import OutputFormat

    try:
        return OutputFormat(value.lower())
    except ValueError:
        raise fail(
            f"--format must be one of {_FORMATS.replace('|', ', ')}, not {value!r}", EXIT_CONFIG
        ) from None


def parse_fail_on(value: str) -> str:
    """The ``--fail-on`` value (error or warn), or a usage error (exit 2)."""
    if value.lower() not in ("error", "warn"):
        raise fail(f"--fail-on must be error or warn, not {value!r}", EXIT_CONFIG)
    return value.lower()


def emit_evaluation(evaluation: Evaluation, fmt: OutputFormat, output: Path | None) -> None:
    """Print (or write to ``output``) an evaluation in ``fmt``; the verdict line to stdout."""
    from govern.policies.render import render
    from govern.policies.render.summary import headline

    text = render(evaluation, fmt)
    _write(text, output)
    if output is not None:
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


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise fail(f"cannot write {output}: {err.strerror}", EXIT_CONFIG) from None


def _bad_policy(err: PolicyError, fmt: OutputFormat, output: Path | None, title: str) -> typer.Exit:
    """Exit 2 for a bad policy file: the message on stderr, plus annotations or SARIF."""
    from govern.policies.render.problems import render_problem

    text = render_problem(err, fmt, title=title, exit_code=EXIT_CONFIG)
    if text is not None:
        _write(text, output)
    return fail(str(err), EXIT_CONFIG)


@app.command("check")
def check(
    policies: Annotated[
        list[str] | None,
        typer.Option(
            "--policies",
            "-p",
            metavar="PATH|builtin:NAME",
            help="Directory of policy files (*.yaml), one file, or a pack shipped with "
            "govern (builtin:baseline, builtin:ml-model); repeat to combine. Default: "
            "policies/.",
            show_default=False,
        ),
    ] = None,
    lint: Annotated[
        bool,
        typer.Option(
            "--lint",
            help="Only validate the policy files (syntax, rule names, parameters, scopes, "
            "waivers); needs no store and records nothing.",
        ),
    ] = False,
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
    checkpoint: CheckpointOption = None,
    store_url: StoreOption = None,
) -> None:
    """Evaluate policy packs against the recorded runs (the latest run of each pipeline).

    Reads only the store (--lint: only the policy files). Exit 0 pass (warnings
    allowed), 1 violations at or above --fail-on, 2 bad usage or policy file, 3 no store
    or no run.
    """
    fmt = parse_format(output_format)
    level = parse_fail_on(fail_on)
    if run_id is not None and latest:
        raise fail("give --run RUN_ID or --latest, not both", EXIT_CONFIG)
    if lint and (run_id is not None or latest or checkpoint):
        raise fail(
            "--lint reads no run and no store: drop --run/--latest/--checkpoint", EXIT_CONFIG
        )
    from govern.errors import PolicyError

    locations = policies or ["policies"]
    if lint:
        from govern.policies.lint import lint_policies

        try:
            evaluation = lint_policies(locations, fail_on=level)
        except PolicyError as err:
            raise _bad_policy(err, fmt, output, "govern check --lint") from None
        emit_evaluation(evaluation, fmt, output)
        raise typer.Exit(EXIT_OK if evaluation.passed else EXIT_FAILED)
    from govern.policies.evaluate import evaluate
    from govern.policies.loader import load_packs

    try:
        packs = load_packs(locations)
    except PolicyError as err:
        raise _bad_policy(err, fmt, output, "govern check") from None
    with reading_store(store_url) as store:
        evaluation = evaluate(store, packs, run_id=run_id, latest=latest, fail_on=level)
        if record:
            _record(store, evaluation)
        if checkpoint:  # after the verdicts are recorded: the head covers them
            from govern.cli.integrity import write_checkpoint

            write_checkpoint(store, checkpoint, option="--checkpoint")
    emit_evaluation(evaluation, fmt, output)
    raise typer.Exit(EXIT_OK if evaluation.passed else EXIT_FAILED)


# -- govern approve -------------------------------------------------------------------


def _model_version(text: str) -> tuple[str, int]:
    name, at, version = text.rpartition("@")
    # ASCII digits only (str.isdigit takes "²"), and within a 64-bit store integer
    if not at or not name or not _VERSION.fullmatch(version) or int(version) < 1:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise fail(
            f"{shown!r} is not MODEL@VERSION: a sign-off is for one exact version "
            "(e.g. penguin-species@3; `govern models` lists them)",
            EXIT_CONFIG,
        )
    return name, int(version)


@app.command("approve")
def approve(
    ref: Annotated[str, typer.Argument(metavar="MODEL@VERSION", help="The model version.")],
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Who signs off: an e-mail address, or an identity listed in "
            "[tool.govern] approvers.",
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="Why, or what was reviewed.")] = None,
    store_url: StoreOption = None,
) -> None:
    """Record a sign-off of one model version in the store (hash-chained).

    Exit 0 recorded, 2 bad usage (an unknown --by, or this person already signed off
    this version), 3 no store or no such model version.
    """
    name, version = _model_version(ref)
    from govern.policies.record import approve as record_approval
    from govern.policies.record import approver_identity

    by = approver_identity(by)  # ConfigError -> exit 2, before any store is opened

    with reading_store(store_url) as store:
        recorded = record_approval(store, name, version, by=by, note=note)
        where = store.location
    typer.echo(
        f"recorded sign-off of {name}@{version} by {recorded.data['by']} in {where} "
        f"(record {recorded.seq}, hash {recorded.hash[:12]})"
    )
