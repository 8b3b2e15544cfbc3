"""``govern lineage status`` and ``govern lineage replay``: delivery of recorded events.

Exit codes: 0 ok; 1 events left undelivered by ``replay``; 2 a bad option or transport
configuration; 3 no store.
"""

from __future__ import annotations

from typing import Annotated

import typer

from govern.cli.app import EXIT_CONFIG, EXIT_FAILED, StoreOption, fail, reading_store
from govern.cli.lineage import _config, lineage_app
from govern.cli.records import _console, _escape, _print_json

__all__ = ["replay", "status"]


@lineage_app.command("status")
def status(
    output: Annotated[
        str, typer.Option("--format", "-f", metavar="[table|json]", help="table (default) or json.")
    ] = "table",
    store_url: StoreOption = None,
) -> None:
    """Show pending and failed deliveries per transport."""
    from dataclasses import asdict

    if output.lower() not in ("table", "json"):
        raise fail(f"--format must be table or json, not {output!r}", EXIT_CONFIG)
    from govern.lineage.config import KEY_SEPARATOR

    config = _config()
    with reading_store(store_url) as store:
        found = store.outbox.status()
        where = store.location
    configured = {s.key: s for s in config.transports}
    if output.lower() == "json":
        _print_json(
            {
                "store": where,
                "configured": [
                    {"name": s.name, "kind": s.kind, "destination": s.target, "key": s.key}
                    for s in configured.values()
                ],
                "source": config.source,
                "disabled": config.disabled,
                "transports": [
                    {
                        **asdict(t),
                        "destination": t.name.partition(KEY_SEPARATOR)[2],
                        "configured": t.name in configured,
                    }
                    for t in found
                ],
            }
        )
        return
    console = _console()
    if config.disabled:
        console.print("OPENLINEAGE_DISABLED=true: runs recorded now are owed to no transport.")
    elif not configured:
        console.print(
            "No OpenLineage transport is configured: events are kept in the store only "
            "(`govern lineage export` writes them as JSON lines)."
        )
    else:
        shown = ", ".join(f"{s.name} ({s.target})" for s in configured.values())
        console.print(f"Transports from {_escape(config.source)}: {_escape(shown)}")
    if not found:
        console.print(f"No deliveries recorded in {_escape(where)}.")
        return
    from rich.table import Table

    table = Table(title=f"Lineage delivery in {_escape(where)}", title_justify="left")
    for column in (
        "TRANSPORT",
        "TYPE",
        "DESTINATION",
        "CONFIGURED",
        "PENDING",
        "FAILED",
        "DELIVERED",
        "LAST ERROR",
    ):
        table.add_column(column)
    for t in found:
        name, _, target = t.name.partition(KEY_SEPARATOR)
        table.add_row(
            _escape(name),
            _escape(t.kind),
            _escape(target or "-"),
            "yes" if t.name in configured else "no (earlier configuration)",
            f"[yellow]{t.pending + t.inflight}[/yellow]" if t.pending + t.inflight else "0",
            f"[red]{t.failed}[/red]" if t.failed else "0",
            str(t.delivered),
            _escape((t.last_error or "-")[:120]),
        )
    console.print(table)
    if any(t.pending or t.failed or t.inflight for t in found):
        console.print("`govern lineage replay` delivers them now.")


@lineage_app.command("replay")
def replay(
    transport: Annotated[
        list[str] | None,
        typer.Option("--transport", "-t", help="Only this transport (repeatable)."),
    ] = None,
    backfill: Annotated[
        bool,
        typer.Option("--backfill", help="Also send records from before the transport was set up."),
    ] = False,
    attempts: Annotated[
        int,
        typer.Option(
            "--attempts",
            min=1,
            help="Give a transport up after this many failed attempts in a row (with backoff).",
        ),
    ] = 5,
    max_time: Annotated[
        float,
        typer.Option("--max-time", min=0.1, help="Give up after this many seconds."),
    ] = 600.0,
    store_url: StoreOption = None,
) -> None:
    """Deliver undelivered (and failed) events now; exit 1 if some stay undelivered.

    A failing backend is retried with backoff; events another process holds are taken
    over once its lease runs out (a killed replay's, within seconds).
    """
    from govern.errors import LineageError
    from govern.lineage.replay import replay as deliver_all

    config = _config()
    if not config.transports:
        why = "OPENLINEAGE_DISABLED=true" if config.disabled else "no OpenLineage transport"
        raise fail(
            f"{why} is configured, so there is nowhere to replay to: set "
            "OPENLINEAGE__TRANSPORT__TYPE (and its options), OPENLINEAGE_URL, an "
            "openlineage.yml, or [tool.govern.lineage.transport]",
            EXIT_CONFIG,
        )
    with reading_store(store_url) as store:
        try:
            results = deliver_all(
                store,
                config,
                names=transport or None,
                backfill=backfill,
                attempts=attempts,
                max_time=max_time,
            )
        except LineageError as err:
            raise fail(str(err), EXIT_CONFIG) from None
    left = False
    for r in results:
        for notice in r.notices:
            typer.echo(notice, err=True)
        line = f"{r.transport} ({r.target}): delivered {r.delivered}, {r.remaining} left"
        if r.error and r.remaining:
            line += f" (last error: {r.error})"
        typer.echo(line)
        left = left or r.remaining > 0
    if left:
        raise typer.Exit(EXIT_FAILED)


# -- import and export ----------------------------------------------------------------
