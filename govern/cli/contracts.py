"""``govern contract lint`` and ``govern contract export``: ODCS v3 contracts.

Exit codes: 0 clean / written; 2 a contract with problems (each printed as file:line),
a bad argument or an unreadable schema; 3 no such dataset in the record.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from govern.cli.app import EXIT_CANNOT_EVALUATE, EXIT_CONFIG, StoreOption, app, fail, reading_store

__all__ = ["contract_app"]

contract_app = typer.Typer(
    name="contract",
    help="Open Data Contract Standard (ODCS v3) contracts: lint one, or export one.",
    no_args_is_help=True,
)
app.add_typer(contract_app)


@contract_app.command("lint")
def lint_command(
    files: Annotated[list[Path], typer.Argument(help="Contract files (.odcs.yaml).")],
    allow_unsupported: Annotated[
        bool,
        typer.Option(
            "--allow-unsupported",
            help="Accept rules govern cannot evaluate (custom Soda/dbt rules); gates built "
            "with unsupported='not_run' record them as not run.",
        ),
    ] = False,
) -> None:
    """Check contracts against the ODCS JSON Schema and govern's translation (file:line)."""
    from govern.contracts import lint
    from govern.errors import GovernError

    problems = 0
    for file in files:
        try:
            found = lint(file, allow_unsupported=allow_unsupported)
        except GovernError as exc:
            typer.echo(f"govern: error: {exc}", err=True)
            problems += 1
            continue
        for problem in found:
            typer.echo(f"{problem}", err=True)
        problems += len(found)
        if not found:
            typer.echo(f"{file}: ok")
    if problems:
        raise fail(f"{problems} problem(s) in {len(files)} contract file(s)", EXIT_CONFIG)


def _load_schema(reference: str) -> Any:
    """A pandera schema from ``module:attribute`` or a pandera schema file (YAML/JSON)."""
    from govern.errors import GovernError

    path = Path(reference)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        from govern.validate.schema import load_schema

        try:
            loaded = load_schema(path)
        except GovernError as exc:
            raise fail(str(exc), EXIT_CONFIG) from None
        schema = getattr(loaded.check, "_declared", None)
        if schema is None:
            raise fail(
                f"{reference}: not a pandera schema (a GX suite has no ODCS form)", EXIT_CONFIG
            )
        return schema
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise fail(
            f"{reference!r}: give dataset:NAMESPACE:NAME, a pandera schema file, or "
            "module.path:SchemaName",
            EXIT_CONFIG,
        )
    sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise fail(f"{reference}: cannot import it ({exc})", EXIT_CONFIG) from None
    finally:
        sys.path.pop(0)


@contract_app.command("export")
def export_command(
    source: Annotated[
        str,
        typer.Argument(
            metavar="NODE|SCHEMA",
            help="dataset:NAMESPACE:NAME (from the record), a pandera schema file, or "
            "module.path:SchemaName.",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output).")
    ] = None,
    contract_id: Annotated[str | None, typer.Option("--id", help="The contract's id.")] = None,
    version: Annotated[str, typer.Option("--version", help="The contract's version.")] = "1.0.0",
    store: StoreOption = None,
) -> None:
    """Write an ODCS v3 contract describing a pandera schema or a recorded dataset."""
    import yaml

    from govern.contracts import export, lint
    from govern.errors import GovernError

    try:
        if source.startswith("dataset:"):
            contract = _from_record(source, store, contract_id, version)
        else:
            contract = export.contract_from_schema(
                _load_schema(source), contract_id=contract_id, version=version
            )
    except GovernError as exc:
        raise fail(str(exc), EXIT_CONFIG) from None
    problems = lint(contract)
    if problems:  # a bug of ours, never the user's: refuse to write an invalid contract
        raise fail("; ".join(str(p) for p in problems), EXIT_CONFIG)
    text = yaml.safe_dump(contract, sort_keys=False, allow_unicode=True)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")


def _from_record(
    node: str, store_url: str | None, contract_id: str | None, version: str
) -> dict[str, Any]:
    from govern.contracts.export import contract_from_dataset

    body = node[len("dataset:") :]
    namespace, sep, name = body.rpartition(":")
    with reading_store(store_url) as store:
        known = store.datasets()
        matches = [
            d
            for d in known
            if d.name == (name if sep else body) and (not sep or d.namespace == namespace)
        ]
        if not matches:
            names = ", ".join(sorted(f"{d.namespace}:{d.name}" for d in known)[:10])
            raise fail(
                f"no dataset {body!r} in the record; known: {names or 'none'}", EXIT_CANNOT_EVALUATE
            )
        ref = matches[0]
        versions = [
            (d.schema, d.metrics)
            for result in store.dataset_usages(ref.name, ref.namespace)
            for d in result.datasets
            if d.ref == ref and d.schema
        ]
    if not versions:
        raise fail(f"dataset {body!r} has no recorded schema to describe", EXIT_CANNOT_EVALUATE)
    return contract_from_dataset(
        ref.name, versions, namespace=ref.namespace, contract_id=contract_id, version=version
    )
