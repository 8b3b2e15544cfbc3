"""The ``govern`` command.

Exit codes (documented in docs/cli.md): 0 ok; 1 the thing checked failed (verification,
policy violations, invalid data); 2 usage or configuration error; 3 could not evaluate
(no store, no run). A user error never prints a traceback.
"""

from __future__ import annotations

import sys

from govern.cli import contracts as _contracts  # noqa: F401  (registers commands)
from govern.cli import drift as _drift  # noqa: F401  (registers commands)
from govern.cli import integrity as _integrity  # noqa: F401  (registers commands)
from govern.cli import lineage as _lineage  # noqa: F401  (registers commands)
from govern.cli import lineage_delivery as _lineage_delivery  # noqa: F401  (registers commands)
from govern.cli import models as _models  # noqa: F401  (registers commands)
from govern.cli import policies as _policies  # noqa: F401  (registers commands)
from govern.cli import records as _records  # noqa: F401  (registers commands)
from govern.cli import reports as _reports  # noqa: F401  (registers commands)
from govern.cli import validate as _validate  # noqa: F401  (registers commands)
from govern.cli.app import EXIT_CONFIG, app

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a script, exit with) its exit code."""
    from govern.errors import GovernError

    try:
        # standalone mode lets Typer's own (vendored) click turn usage errors into exit
        # code 2 with a message; we only add GovernError -> message + exit 2
        app(args=argv, prog_name="govern", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    except GovernError as exc:
        print(f"govern: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0
