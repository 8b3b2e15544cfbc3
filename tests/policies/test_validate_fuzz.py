"""``govern validate`` on bad input: malformed data files and loose schema files.

Every case ends with a documented exit code (0 ok, 1 invalid data, 2 bad input file or
schema, 3 could not evaluate), a message naming the file (and the schema line), and no
traceback, within a generous hang guard (issues 14 and 19). The corpus of malformed data
files is kept in data/malformed/; hypothesis mutates valid files byte by byte.
"""

from __future__ import annotations

import io
import json
import shutil
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policies.conftest import Result

CORPUS = Path(__file__).parent / "data" / "malformed"
HANG_GUARD = 60.0  # seconds: a hang guard, not a benchmark
PANDERA = textwrap.dedent(
    """\
    schema_type: dataframe
    columns:
      id:
        dtype: int64
        unique: true
      amount:
        dtype: float64
        nullable: true
        greater_than_or_equal_to: 0
    """
)
SUITE = {
    "name": "s",
    "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount", "min_value": 0},
        },
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
    ],
}


def schemas() -> dict[str, Path]:
    Path("schema.yaml").write_text(PANDERA, encoding="utf-8")
    Path("suite.json").write_text(json.dumps(SUITE), encoding="utf-8")
    return {"pandera": Path("schema.yaml"), "gx": Path("suite.json")}


def check_outcome(result: Result, data: str, started: float) -> None:
    assert time.monotonic() - started < HANG_GUARD
    assert "Traceback" not in result.err + result.out
    assert result.code in (0, 1, 2, 3), result.err
    if result.code in (2, 3):
        assert result.err.startswith("govern: error: "), result.err
        assert data in result.err, result.err  # the message names the file


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
@pytest.mark.parametrize("kind", ["pandera", "gx"])
def test_malformed_corpus(cli: Callable[..., Result], name: str, kind: str) -> None:
    shutil.copy(CORPUS / name, name)
    schema = schemas()[kind]
    started = time.monotonic()
    result = cli("validate", name, "--schema", str(schema), "--no-record", "--chunk-rows", "7")
    check_outcome(result, name, started)


def test_corpus_exit_codes(cli: Callable[..., Result]) -> None:
    schema = schemas()["pandera"]
    expected = {
        "dup_columns.parquet": 2,
        "truncated.parquet": 2,
        "text.parquet": 2,
        "empty.csv": 2,
        "latin1.csv": 2,
        "not_json.jsonl": 2,
        "ragged.csv": 2,
    }
    for name, code in expected.items():
        shutil.copy(CORPUS / name, name)
        result = cli("validate", name, "--schema", str(schema), "--no-record")
        assert (name, result.code) == (name, code), result.err
    assert (
        "dup_columns.parquet: duplicate column names ('id')"
        in cli("validate", "dup_columns.parquet", "--schema", str(schema), "--no-record").err
    )


def valid_bytes(fmt: str) -> bytes:
    frame = pd.DataFrame({"id": range(20), "amount": [float(i) for i in range(20)]})
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(frame.to_csv(index=False).encode())
    elif fmt == "parquet":
        frame.to_parquet(buffer, index=False)
    else:
        buffer.write(frame.to_json(orient="records", lines=True).encode())
    return buffer.getvalue()


VALID = {fmt: valid_bytes(fmt) for fmt in ("csv", "parquet", "jsonl")}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[fmt])
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            del data[at : at + draw(st.integers(1, 32))]
    return fmt, bytes(data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated(), kind=st.sampled_from(["pandera", "gx"]))
def test_mutated_files(cli: Callable[..., Result], case: tuple[str, bytes], kind: str) -> None:
    fmt, content = case
    name = f"fuzzed.{fmt}"
    Path(name).write_bytes(content)
    schema = schemas()[kind]
    started = time.monotonic()
    result = cli("validate", name, "--schema", str(schema), "--no-record", "--chunk-rows", "6")
    check_outcome(result, name, started)


# -- schema files that must be errors ------------------------------------------------------


def column_schema(option: str, dtype: str = "int64") -> str:
    return f"schema_type: dataframe\ncolumns:\n  amount:\n    dtype: {dtype}\n    {option}\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (column_schema("nullable: sometimes"), 5, "nullable: expected true or false"),
        (column_schema("unique: 'yes please'"), 5, "unique: expected true or false"),
        (column_schema("coerce: 1"), 5, "coerce: expected true or false"),
        (column_schema("greater_than: abc"), 5, "greater_than: expected a number"),
        (column_schema("less_than: [1, 2]"), 5, "less_than: expected a single value"),
        (column_schema("greater_than: .nan", "float64"), 5, "not NaN"),
        (column_schema("greater_than: true"), 5, "greater_than: expected a number"),
        (column_schema("equal_to: 3", "str"), 5, "equal_to: expected a string"),
        (column_schema("in_range: 5"), 5, "in_range: expected a mapping"),
        (column_schema("in_range: {min_value: 0}"), 5, "with max_value"),
        (column_schema("in_range: {min_value: a, max_value: 2}"), 5, "min_value: expected a"),
        (column_schema("isin: DE"), 5, "isin: expected a list"),
        (column_schema("str_matches: '('", "str"), 5, "a valid regular expression"),
        (column_schema("str_length: {min_value: -1}", "str"), 5, "str_length"),
        (column_schema("report_duplicates: some"), 5, "report_duplicates"),
        (column_schema("dtype2: int64"), 5, "unknown key 'dtype2'"),
        (
            "schema_type: dataframe\ncolumns:\n  a:\n    dtype: int64\nunique:\n- missing_column\n",
            5,
            "unique names 'missing_column', not a column of the schema",
        ),
        ("schema_type: dataframe\nstrict: maybe\ncolumns:\n  a: {}\n", 2, "strict: expected"),
        ("schema_type: dataframe\ncolumns:\n  a: 5\n", 3, "column 'a': expected a mapping"),
        (
            "schema_type: dataframe\ncolumns:\n  '(':\n    regex: true\n",
            4,
            "not a valid regular expression",
        ),
    ],
)
def test_loose_schema_values_are_errors(
    cli: Callable[..., Result], text: str, line: int, words: str
) -> None:
    Path("bad.yaml").write_text(text, encoding="utf-8")
    pd.DataFrame({"amount": [1, 2], "a": [1, 2]}).to_csv("data.csv", index=False)
    result = cli("validate", "data.csv", "--schema", "bad.yaml", "--no-record")
    assert result.code == 2, result.err + result.out
    assert f"bad.yaml:{line}:" in result.err, result.err
    assert words in result.err, result.err
    assert "Traceback" not in result.err


def test_regex_column_name_paren_on_data(cli: Callable[..., Result]) -> None:
    """A data column literally named '(' with a plain (non-regex) schema column works."""
    shutil.copy(CORPUS / "paren_column.parquet", "paren.parquet")
    Path("s.yaml").write_text(
        "schema_type: dataframe\ncolumns:\n  '(':\n    dtype: int64\n", encoding="utf-8"
    )
    result = cli("validate", "paren.parquet", "--schema", "s.yaml", "--no-record")
    assert result.code == 0, result.err


# -- schema files that would crash or hang a loader ---------------------------------------


def alias_bomb(under_columns: bool) -> str:
    lines = [
        "columns:" if under_columns else "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
    ]
    if under_columns:
        lines.append("  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
    indent = "  " if under_columns else ""
    for level in range(1, 9):
        lines.append(f"{indent}a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    if not under_columns:
        lines.append("columns:\n  x: *a8")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "deep.json": '{"expectations": ' + "[" * 5000 + "]" * 5000 + "}",
    "deep.yaml": "columns: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep_kwargs.json": '{"expectations": [{"type": "expect_column_values_to_be_between", '
    '"kwargs": {"column": "amount", "min_value": ' + "[" * 3000 + "]" * 3000 + "}}]}",
    "bomb.yaml": alias_bomb(False),
    "bomb_columns.yaml": alias_bomb(True),
    "impossible_date.yaml": "columns:\n  amount:\n    dtype: int64\n    less_than: 2026-02-30\n",
    "not_utf8.yaml": "columns:\n  caf\xe9: {}\n",
    "scalar.yaml": "42\n",
    "binary.json": "\x00\x01\x02",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_schema_files(cli: Callable[..., Result], name: str) -> None:
    encoding = "latin-1" if name == "not_utf8.yaml" else "utf-8"
    Path(name).write_text(HOSTILE[name], encoding=encoding)
    pd.DataFrame({"amount": [1, 2]}).to_csv("data.csv", index=False)
    started = time.monotonic()
    result = cli("validate", "data.csv", "--schema", name, "--no-record")
    assert time.monotonic() - started < HANG_GUARD
    assert result.code == 2, result.err + result.out
    assert result.err.startswith(f"govern: error: {name}"), result.err
    assert "Traceback" not in result.err


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["pandera", "gx"]),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.text(max_size=8)), min_size=1, max_size=4),
)
def test_mutated_schema_files(
    cli: Callable[..., Result], kind: str, cuts: list[tuple[int, str]]
) -> None:
    path = schemas()[kind]
    text = path.read_text(encoding="utf-8")
    for at, insert in cuts:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + len(insert) // 2 :]
    path.write_text(text, encoding="utf-8")
    Path("data.csv").write_text("id,amount\n1,2.0\n2,\n", encoding="utf-8")
    started = time.monotonic()
    result = cli("validate", "data.csv", "--schema", str(path), "--no-record")
    assert time.monotonic() - started < HANG_GUARD
    assert "Traceback" not in result.err + result.out
    assert result.code in (0, 1, 2, 3), result.err
    if result.code in (2, 3):
        assert result.err.startswith("govern: error: "), result.err
        assert path.name in result.err or "data.csv" in result.err, result.err


@pytest.mark.parametrize(
    ("expectation", "words"),
    [
        (
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "mostly": 2}},
            "mostly",
        ),
        ({"type": "expect_column_values_to_be_betwen", "kwargs": {"column": "a"}}, "not found"),
        ({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "a"}}, "value_set"),
    ],
)
def test_loose_gx_suites_are_errors_naming_the_line(
    cli: Callable[..., Result], expectation: dict[str, object], words: str
) -> None:
    good = {"type": "expect_column_to_exist", "kwargs": {"column": "a"}}
    text = '{"name": "s", "expectations": [\n' + json.dumps(good) + ",\n"
    Path("suite.json").write_text(text + json.dumps(expectation) + "\n]}\n", encoding="utf-8")
    pd.DataFrame({"a": [1, 2]}).to_csv("data.csv", index=False)
    result = cli("validate", "data.csv", "--schema", "suite.json", "--no-record")
    assert result.code == 2, result.err + result.out
    assert result.err.startswith("govern: error: suite.json:3: "), result.err
    assert words in result.err
