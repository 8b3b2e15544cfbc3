from __future__ import annotations

from tests.conftest import python_ok


def test_sqlalchemy_is_imported_only_when_a_store_is_opened() -> None:
    code = (
        "import sys, govern, govern.store, govern.cli, govern.environment\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported too early'\n"
        "from govern.store import Store\n"
        "assert 'sqlalchemy' in sys.modules\n"
    )
    python_ok(code)
