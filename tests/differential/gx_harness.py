"""Bare Great Expectations vs a govern GX gate on the same (frame, suite).

``bare`` runs the suite with GX alone (its own ephemeral context, ``Batch.validate``,
``COMPLETE`` results); ``governed`` runs it as a quarantining govern stage. ``compare``
lists every mismatch: verdict and unexpected count per expectation, rows checked, the
rejected row set (by position: valid + quarantined == input, quarantined == the union of
the rows GX flags for blocking expectations), the stage status, and errors. An empty list
is agreement.
"""

from __future__ import annotations

import itertools
import re
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

import govern
from govern.checks.gx_results import check_name
from govern.errors import CheckEvaluationError, GateError

_names = itertools.count()
_context: Any = None


@dataclass
class Bare:
    """What GX alone says: per expectation (key -> (success, unexpected count or None,
    element count or None, flagged positions or None, blocking)), or the exception."""

    results: dict[str, tuple[bool, int | None, int | None, list[int] | None, bool]] = field(
        default_factory=dict
    )
    error: BaseException | None = None


def _gx() -> Any:
    import great_expectations as gx

    return gx


def _configuration(spec: dict[str, Any], mostly: float | None) -> Any:
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    expectation = ExpectationConfiguration(**spec).to_domain_obj()
    own = spec["kwargs"].get("mostly")
    if (
        mostly is not None
        and "mostly" in type(expectation).__fields__
        and (own is None or own >= 1)
    ):
        kwargs = {**spec["kwargs"], "mostly": mostly}
        expectation = ExpectationConfiguration(**{**spec, "kwargs": kwargs}).to_domain_obj()
    return expectation


def key_of(kind: str, kwargs: dict[str, Any]) -> str:
    """An expectation's key, without ``mostly`` (a verdict, compared on its own)."""
    plain = {k: v for k, v in kwargs.items() if k != "mostly"}
    return f"{kwargs.get('column')}|{check_name(kind, plain)}"


def bare(frame: pd.DataFrame, specs: list[dict[str, Any]], mostly: float | None = None) -> Bare:
    """GX alone. Verdicts and counts come from a run on the frame as it is, in GX's
    ``BASIC`` format (GX's default); the flagged rows from a ``COMPLETE`` run on
    a positional copy (GX reports a named index's rows as dicts, cannot tell the rows of
    a non-unique label apart, and raises computing a MultiIndex's failing rows)."""
    global _context
    gx = _gx()
    if _context is None:
        _context = gx.get_context(mode="ephemeral")
        base = __import__("great_expectations.data_context.types.base", fromlist=["x"])
        _context.variables.progress_bars = base.ProgressBarsConfig(globally=False)
        _context.data_sources.add_pandas("bare")
    name = f"bare-{next(_names)}-{uuid.uuid4().hex[:6]}"
    source = _context.data_sources.get("bare")
    definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    out = Bare()
    try:
        suite = gx.ExpectationSuite(
            name=name, expectations=[_configuration(s, mostly) for s in specs]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            as_is = definition.get_batch(batch_parameters={"dataframe": frame}).validate(
                suite, result_format={"result_format": "BASIC"}
            )
            positional = definition.get_batch(
                batch_parameters={"dataframe": frame.reset_index(drop=True)}
            ).validate(suite, result_format={"result_format": "COMPLETE"})
    except Exception as exc:  # GX let an exception escape
        out.error = exc
        return out
    for mine, rows in zip(as_is.results, positional.results, strict=True):
        config = mine.expectation_config
        kwargs = dict(config.kwargs)
        result = mine.result or {}
        severity = str(getattr(config.severity, "value", config.severity)).lower()
        raised = _raised(mine.exception_info)
        flagged = (rows.result or {}).get("unexpected_index_list")
        out.results[key_of(config.type, kwargs)] = (
            bool(mine.success),
            None if raised or "unexpected_count" not in result else int(result["unexpected_count"]),
            None if raised else result.get("element_count"),
            None if raised or flagged is None else sorted(int(p) for p in flagged),
            severity == "critical",
        )
    return out


def _raised(info: Any) -> bool:
    if not isinstance(info, dict):
        return False
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(_raised(v) for v in info.values())


@dataclass
class Governed:
    checks: dict[str, Any]
    status: str
    valid: pd.DataFrame | None
    quarantined_rows: int
    quarantine_labels: list[str]
    error: BaseException | None


def governed(
    frame: pd.DataFrame, specs: list[dict[str, Any]], mostly: float | None = None
) -> Governed:
    gx = _gx()
    suite = gx.ExpectationSuite(
        name=f"gov-{next(_names)}", expectations=[_configuration(s, None) for s in specs]
    )
    gate = govern.Gate(suite, mostly=mostly if mostly is not None else 1.0)

    @govern.stage(inputs={"df": gate}, on_fail="quarantine")
    def differential(df: pd.DataFrame) -> pd.DataFrame:
        return df

    valid: pd.DataFrame | None = None
    error: BaseException | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", govern.GateWarning)
            valid = differential(frame)
    except (GateError, CheckEvaluationError) as exc:
        error = exc
    result = govern.last_result()
    assert result is not None
    rows, labels = 0, []
    for record in result.quarantine:
        table = pq.read_table(record.path)
        rows += record.rows
        labels += [str(v) for v in table.column("_govern_row").to_pylist()]
    checks = {_strip_mostly(f"{c.column}|{c.check}"): c for c in result.checks}
    return Governed(checks, result.status.value, valid, rows, labels, error)


def _strip_mostly(key: str) -> str:
    return re.sub(r"mostly=[^,)]*(, )?", "", key).replace(", )", ")")


def compare(
    frame: pd.DataFrame, specs: list[dict[str, Any]], mostly: float | None = None
) -> list[str]:
    """Every way govern's answer differs from bare GX's on (frame, suite); [] is agreement."""
    want = bare(frame, specs, mostly)
    got = governed(frame, specs, mostly)
    problems: list[str] = []
    if want.error is not None:
        if not isinstance(got.error, CheckEvaluationError):
            problems.append(f"GX raised {want.error!r}; govern gave {got.error!r}")
        elif got.error.__cause__ is None or type(got.error.__cause__) is not type(want.error):
            problems.append(f"cause {got.error.__cause__!r} is not GX's {want.error!r}")
        return problems
    if isinstance(got.error, CheckEvaluationError):
        return [f"govern raised {got.error!r}; GX did not"]
    if set(want.results) != set(got.checks):
        return [f"checks differ: GX {sorted(want.results)} govern {sorted(got.checks)}"]
    flagged: set[int] = set()
    unpinned = False
    for key, (success, unexpected, elements, rows, blocking) in want.results.items():
        check = got.checks[key]
        if check.passed != success:
            problems.append(f"{key}: GX success={success}, govern passed={check.passed}")
        expected = unexpected if unexpected is not None else (0 if success else 1)
        if check.failed_count != expected:
            problems.append(f"{key}: GX {expected} unexpected, govern {check.failed_count}")
        if unexpected is not None and check.checked_count != elements:
            problems.append(f"{key}: GX element_count {elements}, govern {check.checked_count}")
        if blocking and not success:
            if rows is None:
                unpinned = True
            else:
                flagged.update(rows)
    if unpinned:
        if not isinstance(got.error, GateError) or got.status != "failed":
            problems.append(f"an unpinnable blocking failure did not fail the stage ({got.status})")
        return problems
    if got.error is not None:
        return [*problems, f"govern raised {got.error!r} with every failure pinned"]
    keep = [p for p in range(len(frame)) if p not in flagged]
    assert got.valid is not None
    try:
        pd.testing.assert_frame_equal(got.valid, frame.iloc[keep])
    except AssertionError as exc:
        problems.append(f"valid rows differ from input minus GX's flagged rows: {exc}")
    if got.quarantined_rows != len(flagged):
        problems.append(f"quarantined {got.quarantined_rows} rows, GX flagged {len(flagged)}")
    labels = [str(label) for label in frame.index[sorted(flagged)].tolist()]
    if got.quarantine_labels != labels:
        problems.append(f"quarantined labels {got.quarantine_labels} != {labels}")
    status = (
        "quarantined"
        if flagged
        else ("warned" if any(not s for s, *_ in want.results.values()) else "passed")
    )
    if got.status != status:
        problems.append(f"status {got.status}, expected {status}")
    return problems
