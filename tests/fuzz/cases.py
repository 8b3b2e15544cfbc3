"""The hardening corpus: every malformed input the issues reproduced, as (argv, files).

Each case is a command line plus the files it reads, written into the test's project
directory. ``expect`` is the set of exit codes a correct answer may have (docs/cli.md);
``names`` is a text the message must contain so the user knows which input to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

USAGE = frozenset({2})
BAD_FILE = frozenset({2, 3})
BAD_INPUT = frozenset({1, 2, 3})


@dataclass(frozen=True)
class Case:
    """One malformed input and what a correct answer looks like."""

    id: str
    argv: tuple[str, ...]
    files: dict[str, str | bytes | Callable[[], str | bytes]] = field(default_factory=dict)
    expect: frozenset[int] = USAGE
    names: str = ""

    def write(self, root: Path) -> None:
        """Write this case's input files under ``root``."""
        for name, content in self.files.items():
            body = content() if callable(content) else content
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body, encoding="utf-8")


POLICY_HEAD = "version: 1\nname: fuzz\nrules:\n"
RULE = "  - id: q\n    severity: error\n    condition: quarantine_rate\n    with:\n"


def _deep_yaml(depth: int = 3000) -> str:
    return POLICY_HEAD + "  - " + "[" * depth + "]" * depth + "\n"


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join('*' + prev for _ in range(9))}]")
    return "\n".join(lines) + "\nrules: *i\n"


SCHEMA_HEAD = "schema_type: dataframe\napi: pandas\ncolumns:\n  id:\n    dtype: int64\n"
DATA_CSV = "id,name\n1,a\n2,b\n"


def _parquet_duplicate_columns() -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table([pa.array([1, 2]), pa.array([3, 4])], names=["a", "a"])
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _event(**run: object) -> str:
    import json

    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": "https://example.org/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0190aa5e-0000-7000-8000-000000000001", **run},
        "job": {"namespace": "ns", "name": "job"},
        "inputs": [],
        "outputs": [],
    }
    return json.dumps(event)


def _deep_json(depth: int = 5000) -> str:
    return '{"run": ' + "[" * depth + "]" * depth + "}"


def _long_field() -> str:
    return _event(
        facets={"spark_plan": {"_producer": "x", "_schemaURL": "x", "plan": "a=" * 150_000}}
    )


CONTRACT_HEAD = "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\n"


def _nested_loops() -> str:
    return "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"


def _big_line() -> str:
    return _event(facets={"x": {"_producer": "p", "_schemaURL": "s", "v": "y" * 5_000_000}})


CASES: list[Case] = [
    # policy files
    Case(
        "policy-impossible-date",
        ("check", "--policies", "p"),
        {
            "p/w.yaml": POLICY_HEAD
            + RULE
            + "      max_rate: 0.05\nwaivers:\n  - rule: q\n    target: x\n"
            + "    reason: r\n    approver: a@b.org\n    expires: 2026-02-30\n"
        },
        expect=BAD_FILE,
        names="w.yaml",
    ),
    Case(
        "policy-overflow-age",
        ("check", "--policies", "p"),
        {
            "p/a.yaml": POLICY_HEAD
            + "  - id: f\n    severity: error\n    condition: freshness\n    with:\n"
            + "      max_age: 99999999999999999999d\n"
        },
        expect=BAD_FILE,
        names="a.yaml",
    ),
    Case(
        "policy-deep-nesting",
        ("check", "--policies", "p"),
        {"p/d.yaml": _deep_yaml},
        expect=BAD_FILE,
        names="d.yaml",
    ),
    Case(
        "policy-alias-bomb",
        ("check", "--policies", "p"),
        {"p/b.yaml": _alias_bomb},
        expect=BAD_FILE,
        names="b.yaml",
    ),
    Case(
        "policy-nan-rate",
        ("check", "--policies", "p"),
        {"p/n.yaml": POLICY_HEAD + RULE + "      max_rate: .nan\n"},
        expect=BAD_FILE,
        names="n.yaml",
    ),
    Case(
        "policy-binary",
        ("check", "--policies", "p"),
        {"p/x.yaml": b"\xff\xfe\x00garbage\x00"},
        expect=BAD_FILE,
        names="x.yaml",
    ),
    Case(
        "policy-not-a-mapping",
        ("check", "--policies", "p"),
        {"p/l.yaml": "- 1\n- 2\n"},
        expect=BAD_FILE,
        names="l.yaml",
    ),
    # schema files and data files for validate
    Case(
        "schema-nullable-sometimes",
        ("validate", "d.csv", "--schema", "s.yaml"),
        {"d.csv": DATA_CSV, "s.yaml": SCHEMA_HEAD + "    nullable: sometimes\n"},
        expect=BAD_FILE,
        names="s.yaml",
    ),
    Case(
        "schema-greater-than-text",
        ("validate", "d.csv", "--schema", "s.yaml"),
        {"d.csv": DATA_CSV, "s.yaml": SCHEMA_HEAD + "    greater_than: abc\n"},
        expect=BAD_FILE,
        names="s.yaml",
    ),
    Case(
        "schema-unique-missing-column",
        ("validate", "d.csv", "--schema", "s.yaml"),
        {"d.csv": DATA_CSV, "s.yaml": SCHEMA_HEAD + "unique: [missing_column]\n"},
        expect=BAD_FILE,
        names="missing_column",
    ),
    Case(
        "schema-alias-bomb",
        ("validate", "d.csv", "--schema", "s.yaml"),
        {"d.csv": DATA_CSV, "s.yaml": _alias_bomb},
        expect=BAD_FILE,
        names="s.yaml",
    ),
    Case(
        "schema-regex-paren",
        ("validate", "d.csv", "--schema", "s.yaml"),
        {
            "d.csv": DATA_CSV,
            "s.yaml": "schema_type: dataframe\napi: pandas\ncolumns:\n"
            + "  '(':\n    dtype: int64\n    regex: true\n",
        },
        expect=BAD_INPUT,
        names="(",
    ),
    Case(
        "data-parquet-duplicate-columns",
        ("validate", "d.parquet", "--schema", "s.yaml"),
        {"d.parquet": _parquet_duplicate_columns, "s.yaml": SCHEMA_HEAD},
        expect=BAD_FILE,
        names="d.parquet",
    ),
    Case(
        "data-truncated-parquet",
        ("validate", "d.parquet", "--schema", "s.yaml"),
        {"d.parquet": lambda: _parquet_duplicate_columns()[:40], "s.yaml": SCHEMA_HEAD},
        expect=BAD_FILE,
        names="d.parquet",
    ),
    Case(
        "data-binary-csv",
        ("validate", "d.csv", "--schema", "s.yaml"),
        {"d.csv": b"\x00\x01\x02\xff" * 100, "s.yaml": SCHEMA_HEAD},
        expect=BAD_INPUT,
        names="d.csv",
    ),
    Case(
        "data-bad-jsonl",
        ("validate", "d.jsonl", "--schema", "s.yaml"),
        {"d.jsonl": '{"id": 1}\n{"id": \n', "s.yaml": SCHEMA_HEAD},
        expect=BAD_INPUT,
        names="d.jsonl",
    ),
    # lineage imports
    Case(
        "import-huge-number",
        ("lineage", "import", "e.jsonl"),
        {"e.jsonl": _event().replace('"runId"', '"x": 1e999, "runId"')},
        expect=frozenset({0, 1, 2}),
        names="e.jsonl",
    ),
    Case(
        "import-deep-nesting",
        ("lineage", "import", "e.jsonl"),
        {"e.jsonl": _deep_json},
        expect=frozenset({1, 2}),
        names="e.jsonl",
    ),
    Case(
        "import-facets-not-object",
        ("lineage", "import", "e.jsonl"),
        {"e.jsonl": _event(facets="x")},
        expect=frozenset({1, 2}),
        names="e.jsonl",
    ),
    Case(
        "import-spanner-namespace",
        ("lineage", "import", "e.jsonl"),
        {
            "e.jsonl": _event().replace(
                '"inputs": []',
                '"inputs": [{"namespace": "spanner://project:instance", "name": "db.table"}]',
            )
        },
        expect=frozenset({0}),
    ),
    Case(
        "import-placeholder-port",
        ("lineage", "import", "e.jsonl"),
        {
            "e.jsonl": _event().replace(
                '"inputs": []',
                '"inputs": [{"namespace": "postgres://host:port", "name": "db.s.t"}]',
            )
        },
        expect=frozenset({0}),
    ),
    Case(
        "import-long-field",
        ("lineage", "import", "e.jsonl"),
        {"e.jsonl": _long_field},
        expect=frozenset({0}),
    ),
    # contracts
    Case(
        "contract-alias-bomb",
        ("contract", "lint", "c.odcs.yaml"),
        {"c.odcs.yaml": lambda: CONTRACT_HEAD + _alias_bomb()},
        expect=BAD_FILE,
        names="c.odcs.yaml",
    ),
    Case(
        "contract-deep-nesting",
        ("contract", "lint", "c.odcs.yaml"),
        {"c.odcs.yaml": lambda: CONTRACT_HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n"},
        expect=BAD_FILE,
        names="c.odcs.yaml",
    ),
    Case(
        "contract-not-odcs",
        ("contract", "lint", "c.odcs.yaml"),
        {"c.odcs.yaml": "apiVersion: v2.2.2\nkind: DataContract\nid: x\nversion: 1.0.0\n"},
        expect=BAD_FILE,
        names="c.odcs.yaml",
    ),
    Case("contract-export-garbage", ("contract", "export", "::"), names="::"),
    # templates, checkpoints and keys
    Case(
        "template-nested-loops",
        ("report", "audit", "-o", "a.md", "--templates", "t"),
        {"t/audit.md.j2": _nested_loops},
        expect=BAD_FILE,
        names="audit.md.j2",
    ),
    Case(
        "template-syntax-error",
        ("report", "audit", "-o", "a.md", "--templates", "t"),
        {"t/audit.md.j2": "{% for x in %}"},
        expect=BAD_FILE,
        names="audit.md.j2",
    ),
    Case(
        "checkpoint-garbage",
        ("verify", "--checkpoint", "cp.json"),
        {"cp.json": b"\x00{not json"},
        expect=BAD_FILE,
        names="cp.json",
    ),
    Case(
        "public-key-garbage",
        ("verify", "--public-key", "k.pem"),
        {"k.pem": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"},
        expect=BAD_FILE,
        names="k.pem",
    ),
    Case(
        "import-5mb-line",
        ("lineage", "import", "e.jsonl"),
        {"e.jsonl": _big_line},
        expect=frozenset({0}),
    ),
    # arguments
    Case("runs-limit-float", ("runs", "--limit", "1e23"), names="--limit"),
    Case(
        "runs-limit-huge",
        ("runs", "--limit", "99999999999999999999999"),
        expect=frozenset({0, 2, 3}),
    ),
    Case(
        "models-huge-version",
        ("models", "show", "m@99999999999999999999999"),
        expect=frozenset({2, 3}),
        names="m@",
    ),
    Case("store-bad-url", ("runs", "--store", "postgresql://u:p@[::1"), names="store"),
    Case("store-bad-port", ("runs", "--store", "postgresql://u@host:99999999/db"), names="port"),
    Case("store-unknown-scheme", ("runs", "--store", "mysql://u@host/db"), names="mysql"),
    Case("report-unknown-extension", ("report", "audit", "-o", "audit.txt"), names="audit.txt"),
    Case(
        "report-bad-since",
        ("report", "audit", "--pipeline", "p", "--since", "2026-13-45"),
        names="2026-13-45",
    ),
]
