"""Hostile and careless input to the policy entry points (policy files, waivers, ``approve``
arguments): no traceback, a documented exit code, a message naming the input, and each
case done within a generous bound (a hang guard, not a benchmark).

The corpus (tests/policies/corpus/, plus three cases too big to commit, generated here)
holds the cases from the hardening issue -- an impossible date, an overflowing duration,
3,000-deep nesting, a "billion laughs" alias bomb, ``max_rate: .nan`` -- and their
relatives; hypothesis adds generated packs, waivers and arguments.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import bounded
from tests.policies import pipelines as p
from tests.policies.conftest import Result

CORPUS = Path(__file__).parent / "corpus"
TIMEOUT = 60  # seconds per case: generous; each takes about a second on the CI machines

NOT_VALID = "not valid YAML"
EXPECTED: dict[str, tuple[int, str]] = {
    "alias_bomb.yaml": (2, ":7: not valid YAML, column 7: aliases expand this value to 597,871"),
    "alias_bomb_in_error.yaml": (2, ":7: not valid YAML, column 7: aliases expand this value"),
    "merge_key_bomb.yaml": (2, ":7: not valid YAML, column 5: aliases expand this value"),
    "recursive_alias.yaml": (2, ":2: not valid YAML, column 12: recursive alias *r"),
    "deep_nesting_flow.yaml": (2, ":2: not valid YAML, column 107: nested deeper than 100 levels"),
    "impossible_date.yaml": (
        2,
        ":9: not valid YAML, column 14: '2026-02-30' is not a valid timestamp (day is out "
        "of range for month)",
    ),
    "year_zero_date.yaml": (2, ":9: not valid YAML, column 14: '0000-01-01' is not a valid"),
    "bad_timestamp_hour.yaml": (2, "'2026-01-01T25:61:00' is not a valid timestamp"),
    "waiver_expires_number.yaml": (2, ":9: a waiver: 'expires' must be a date (YYYY-MM-DD)"),
    "duration_overflow.yaml": (
        2,
        ":7: rule 'r': parameter 'max_age' must be a duration such as 30m, 24h, 7d or 2w (at "
        "most 999,999,999 days), got '99999999999999999999d'",
    ),
    "duration_numeric_overflow.yaml": (2, ":7: rule 'r': parameter 'max_age' must be a dur"),
    "duration_nan.yaml": (2, ":7: rule 'r': parameter 'max_age' must be a duration"),
    "nan_rate.yaml": (2, ":7: rule 'r': parameter 'max_rate' must be a finite number, got nan"),
    "inf_rate.yaml": (2, ":7: rule 'r': parameter 'max_rate' must be a finite number, got -inf"),
    "huge_float_rate.yaml": (2, ":7: rule 'r': parameter 'max_rate' must be a finite number"),
    "huge_int_rate.yaml": (2, ":7: rule 'r': parameter 'max_rate' must be a finite number"),
    "int_too_long_for_python.yaml": (2, ":1: not valid YAML, column 10: '999"),
    "nan_metric_bound.yaml": (2, ":7: rule 'r': parameter 'min' must be a mapping of metric"),
    "nullable_sometimes_bool_param.yaml": (
        2,
        ":7: rule 'r': parameter 'slices' must be true or false, got 'sometimes'",
    ),
    "huge_int_param.yaml": (0, ""),  # a large whole number is a whole number
    "two_documents.yaml": (2, ":3: not valid YAML, column 1: but found another document"),
    "top_level_list.yaml": (2, ":1: a policy file must be a mapping, got a list"),
    "top_level_scalar.yaml": (2, ":1: a policy file must be a mapping, got str"),
    "only_comments.yaml": (2, ":1: the file is empty"),
    "python_tag.yaml": (2, ":2: not valid YAML, column 8: could not determine a constructor"),
    "unknown_tag.yaml": (2, ":1: not valid YAML, column 10: could not determine a constructor"),
    "list_key.yaml": (2, ":2: unknown key \"['a', 'b']\" in the policy file"),
    "nul_byte.yaml": (2, ":3: not valid YAML: character U+0000 is not allowed"),
    "tab_indent.yaml": (2, ":3: not valid YAML, column 1: found character '\\t'"),
    "bool_version.yaml": (2, ":1: unsupported policy format version True"),
    "rules_string.yaml": (2, ":2: 'rules' must be a list, got str 'stage_gates'"),
    "scope_int.yaml": (2, ":6: rule 'r': scope: 'pipelines' must be a list of strings, got 5"),
    "not_utf8.yaml": (2, ": not UTF-8 text"),
    "binary.yaml": (2, ": not UTF-8 text"),
}
RULE = "  - id: r\n    description: d\n    condition: freshness\n    with: {max_age: 7d}\n"
GENERATED: dict[str, tuple[str, int, str]] = {
    "deep_nesting_block.yaml": (
        "version: 1\nrules:\n  " + "- " * 3000 + "x\n",
        2,
        ":3: not valid YAML, column 201: nested deeper than 100 levels",
    ),
    "long_key.yaml": (
        "version: 1\n" + "k" * 200_000 + ": 1\nrules: []\n",
        2,
        ":2: not valid YAML, column 200001: could not find expected ':'",  # keys <= 1024
    ),
    "long_value.yaml": (
        "version: 1\nrules:\n"
        + RULE.replace("    condition", "    severity: " + "x" * 300_000 + "\n    condition"),
        2,
        ":5: rule 'r': severity must be 'error' or 'warn', got 'xxxxxxxxxxx",
    ),
}


def case_file(name: str, tmp_path: Path) -> Path:
    if name in GENERATED:
        path = tmp_path / name
        path.write_text(GENERATED[name][0], encoding="utf-8")
        return path
    return CORPUS / name


def expected(name: str) -> tuple[int, str]:
    if name in GENERATED:
        return GENERATED[name][1], GENERATED[name][2]
    return EXPECTED[name]


ALL_CASES = sorted([*EXPECTED, *GENERATED])


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", ALL_CASES)
def test_corpus_case_in_a_real_process(name: str, tmp_path: Path) -> None:
    path = case_file(name, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "govern", "check", "--lint", "--policies", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    code, fragment = expected(name)
    assert done.returncode == code, done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    if code == 2:
        assert done.stderr.startswith(f"govern: error: {path}"), done.stderr[:300]
        assert fragment in done.stderr, done.stderr[:500]
        assert len(done.stderr) < 2_000  # a huge or deep value is cut, not printed whole


@pytest.mark.parametrize("name", ALL_CASES)
def test_corpus_case_as_github_annotations_against_a_store(
    name: str, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    p.run_orders(train=True)  # a store with a run: only the policy file is wrong
    policies = Path("policies")
    policies.mkdir()
    (policies / "pack.yaml").write_bytes(case_file(name, tmp_path).read_bytes())
    with bounded(TIMEOUT):
        result = cli("check", "--format", "github", "--no-record")
    code, fragment = expected(name)
    if code == 0:
        assert result.code in (0, 1), result.err  # valid: judged on the run
        return
    assert result.code == 2, result.err[-2000:]
    assert result.err.startswith("govern: error: policies/pack.yaml"), result.err[:300]
    assert fragment in result.err
    (annotation,) = result.out.splitlines()
    assert annotation.startswith("::error file=policies/pack.yaml,")


# -- generated input --------------------------------------------------------------------

HOSTILE_TEXT = [
    "2026-02-30",
    "99999999999999999999d",
    ".nan",
    ".inf",
    "-.inf",
    "1e999",
    "*a",
    "&a",
    "[[[[",
    "]]",
    "{",
    "<<: *a",
    "!!python/name:os.system",
    "\t",
    ": :",
    "\x00",
    "\ud7ff",
    "'",
    '"',
    "#",
    "---",
    "...",
    "? ",
    "- ",
    "%YAML 1.1",
    "@",
    "`",
    "|",
    ">",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1, 1, 1)),
    st.sampled_from(
        [
            "7d",
            "24h",
            "0.05",
            "error",
            "warn",
            "fresh",
            "quarantine_rate",
            "freshness",
            "stage_gates",
            "signoff",
            "model_metrics",
            "*",
            "x@y.org",
        ]
    ),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["names", "tags", "stages", "max_rate", "max_age", "min", "accuracy", "x"]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
RULE_KEYS = ["id", "description", "severity", "condition", "scope", "with", "bogus"]
WAIVER_KEYS = ["rule", "target", "reason", "approver", "expires", "bogus"]
rules = st.dictionaries(st.sampled_from(RULE_KEYS), values, max_size=7)
waivers = st.dictionaries(st.sampled_from(WAIVER_KEYS), values, max_size=6)
packs = st.fixed_dictionaries(
    {"version": st.one_of(st.just(1), scalars), "rules": st.lists(rules, max_size=3)},
    optional={
        "name": scalars,
        "waivers": st.lists(waivers, max_size=3),
        "tags": values,
        "model_stages": values,
        "description": scalars,
    },
)


def _dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def mutate(text: str, data: st.DataObject) -> str:
    """Splice a few hostile fragments into the YAML text."""
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + data.draw(st.sampled_from(HOSTILE_TEXT)) + text[at:]
    return text


def check_lint(text: str, cli: Callable[..., Result]) -> Result:
    Path("policies").mkdir(exist_ok=True)
    Path("policies/pack.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    with bounded(TIMEOUT):
        result = cli("check", "--lint")
    assert result.code in (0, 1, 2), result
    assert "Traceback" not in result.out + result.err
    if result.code == 2:
        assert result.err.startswith("govern: error: policies/pack.yaml"), result.err[:300]
        assert len(result.err) < 5_000
    return result


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=packs, data=st.data())
def test_generated_packs(
    document: dict[str, Any], data: st.DataObject, cli: Callable[..., Result]
) -> None:
    text = _dump(document)
    if data.draw(st.booleans()):
        text = mutate(text, data)
    check_lint(text, cli)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(waivers, min_size=1, max_size=3), data=st.data())
def test_generated_waivers(
    entries: list[dict[str, Any]], data: st.DataObject, cli: Callable[..., Result]
) -> None:
    rule = {"id": "fresh", "description": "d", "condition": "freshness", "with": {"max_age": "7d"}}
    for entry in entries:
        if data.draw(st.booleans()):
            entry.setdefault("rule", "fresh")
    text = _dump({"version": 1, "rules": [rule], "waivers": entries})
    result = check_lint(mutate(text, data) if data.draw(st.booleans()) else text, cli)
    complete = all(set(e) >= {"rule", "target", "reason", "approver", "expires"} for e in entries)
    if not complete:
        assert result.code == 2  # a waiver missing a field never passes


REFS = st.one_of(
    st.sampled_from(
        [
            "churn@1",
            "churn@2",
            "churn",
            "@1",
            "churn@0",
            "churn@-1",
            "churn@1.0",
            "churn@²",
            "churn@٣",
            "churn@" + "9" * 30,
            "a@b@1",
            "--by",
            "-x",
        ]
    ),
    st.text(max_size=30),
)
BYS = st.one_of(
    st.sampled_from(
        [
            "ana@example.org",
            "ANA@example.org",
            "ana",
            "",
            " ",
            "a@b",
            "x@y.org\n",
            "ana@example.org" * 30,
            "--note",
        ]
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ref=REFS, by=BYS)
def test_generated_approve_arguments(ref: str, by: str, cli: Callable[..., Result]) -> None:
    if not Path(".govern").exists():
        p.run_orders(train=True)  # churn@1 exists
    with bounded(TIMEOUT):
        result = cli("approve", ref, "--by", by)
    assert result.code in (0, 2, 3), result
    assert "Traceback" not in result.out + result.err
    if result.code == 0:
        assert result.out.startswith("recorded sign-off of churn@1 by ")
    else:
        assert result.err.strip(), result  # says why
        message = result.err
        assert any(
            part in message
            for part in (
                "MODEL@VERSION",
                "--by",
                "already signed off",
                "has no version",
                "no model",
                "Usage:",
                "Error",
            )
        ), message
