"""The ``govern`` command.

Exit codes (documented in docs/cli.md): 0 ok; 1 the thing checked failed (verification,
policy violations, invalid data); 2 usage or configuration error; 3 could not evaluate
(no store, no run). A user error never prints a traceback.
"""

from __future__ import annotations

import sys

from govern.cli.app import EXIT_CONFIG, app

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a script, exit with) its exit code."""
    import click

    from govern.errors import GovernError

    try:
        app(args=argv, prog_name="govern", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        print("Aborted.", file=sys.stderr)
        return 130
    except GovernError as exc:
        print(f"govern: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0
