"""The decorator: signature preservation, decoration-time and call-time errors."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

import govern

SCHEMA = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})


def test_bare_decorator_preserves_name_doc_and_signature() -> None:
    def original(df: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """Doc of original."""
        return df

    wrapped = govern.stage(original)
    assert wrapped.__name__ == "original"
    assert wrapped.__doc__ == "Doc of original."
    assert inspect.signature(wrapped) == inspect.signature(original)
    assert wrapped.__wrapped__ is original  # type: ignore[attr-defined]
    frame = pd.DataFrame({"x": [1]})
    assert wrapped(frame) is frame


def test_decorator_with_options_and_custom_name() -> None:
    @govern.stage(name="renamed", outputs=SCHEMA)
    def make() -> pd.DataFrame:
        return pd.DataFrame({"x": [1, 2]})

    make()
    result = govern.last_result()
    assert result is not None
    assert result.stage == "renamed"
    assert result.status == "passed"


def test_methods_are_governed_with_self_ungated() -> None:
    class Cleaner:
        factor = 2

        @govern.stage(inputs={"df": SCHEMA}, outputs=SCHEMA)
        def scale(self, df: pd.DataFrame) -> pd.DataFrame:
            return df * self.factor

    out = Cleaner().scale(pd.DataFrame({"x": [1, 2]}))
    assert out["x"].tolist() == [2, 4]
    result = govern.last_result()
    assert result is not None and result.status == "passed"
    assert {d.parameter for d in result.datasets} == {"df", "return"}


def test_async_functions_are_refused_at_decoration() -> None:
    with pytest.raises(govern.GateDefinitionError, match="async functions are not supported"):

        @govern.stage(outputs=SCHEMA)
        async def fetch() -> pd.DataFrame:  # pragma: no cover
            return pd.DataFrame()


def test_unknown_input_parameter_names_stage_and_parameter() -> None:
    with pytest.raises(govern.GateDefinitionError) as info:

        @govern.stage(inputs={"raw_df": SCHEMA})
        def clean(df: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover
            return df

    message = str(info.value)
    assert "'clean'" in message and "'raw_df'" in message and "parameters: df" in message


def test_unsupported_gate_type_is_refused_at_decoration() -> None:
    with pytest.raises(
        govern.GateDefinitionError, match=r"stage 'f', parameter 'df'.*unsupported gate"
    ):

        @govern.stage(inputs={"df": {"x": int}})
        def f(df: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover
            return df


def test_missing_suite_path_is_refused_at_decoration(tmp_path: Path) -> None:
    with pytest.raises(govern.GateDefinitionError, match="stage 'f', outputs"):

        @govern.stage(outputs=str(tmp_path / "nope.json"))
        def f() -> pd.DataFrame:  # pragma: no cover
            return pd.DataFrame()


def test_file_that_is_not_a_suite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not_suite.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(govern.GateDefinitionError, match="stage 'f'"):

        @govern.stage(outputs=str(path))
        def f() -> pd.DataFrame:  # pragma: no cover
            return pd.DataFrame()


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"on_fail": "explode"}, "on_fail must be"),
        ({"outputs": {}}, "empty dict"),
        ({"outputs": ()}, "empty tuple"),
        ({"inputs": ["df"]}, "inputs must map"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(govern.GateDefinitionError, match=pattern):

        @govern.stage(**kwargs)  # type: ignore[call-overload]
        def f(df: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover
            return df


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"severity": "fatal"}, "severity must be"),
        ({"mostly": 0}, "mostly must be in"),
        ({"mostly": 1.5}, "mostly must be in"),
        ({"mostly": "most"}, "mostly must be a number"),
    ],
)
def test_bad_gate_options(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(govern.GateDefinitionError, match=pattern):
        govern.Gate(SCHEMA, **kwargs)  # type: ignore[arg-type]


def test_non_frame_argument_names_stage_and_parameter() -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def f(df: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover
        return df

    with pytest.raises(
        govern.NotAFrameError, match=r"stage 'f', parameter 'df'.*got builtins.list"
    ):
        f([1, 2, 3])  # type: ignore[arg-type]
    result = govern.last_result()
    assert result is not None and result.status == "failed"
    assert result.error is not None and "NotAFrameError" in result.error


def test_non_frame_return_names_stage() -> None:
    @govern.stage(outputs=SCHEMA)
    def f() -> pd.DataFrame:
        return {"x": [1]}  # type: ignore[return-value]

    with pytest.raises(
        govern.NotAFrameError, match=r"stage 'f', return value 'return'.*got builtins.dict"
    ):
        f()


def test_dict_output_missing_key_and_wrong_container() -> None:
    @govern.stage(outputs={"train": SCHEMA, "test": SCHEMA})
    def f(flag: bool) -> object:
        return {"train": pd.DataFrame({"x": [1]})} if flag else pd.DataFrame({"x": [1]})

    with pytest.raises(govern.NotAFrameError, match="no key 'test'"):
        f(True)
    with pytest.raises(govern.NotAFrameError, match="must return a dict"):
        f(False)


def test_tuple_outputs_gate_positions_and_skip_none() -> None:
    @govern.stage(outputs=(SCHEMA, None, SCHEMA))
    def f() -> tuple[pd.DataFrame, str, pd.DataFrame]:
        return pd.DataFrame({"x": [1]}), "not a frame", pd.DataFrame({"x": [-1]})

    with pytest.raises(govern.GateError) as info:
        f()
    failed = info.value.result.failed_checks
    assert [c.dataset for c in failed] == ["f.f.return[2]"]


def test_optional_gated_parameter_left_as_none_is_not_gated() -> None:
    @govern.stage(inputs={"extra": SCHEMA})
    def f(df: pd.DataFrame, extra: pd.DataFrame | None = None) -> int:
        return len(df)

    assert f(pd.DataFrame({"x": [1, 2]})) == 2
    result = govern.last_result()
    assert result is not None and result.checks == ()


def test_function_exception_is_recorded_then_reraised_unchanged() -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def boom(df: pd.DataFrame) -> None:
        raise KeyError("missing thing")

    with pytest.raises(KeyError, match="missing thing"):
        boom(pd.DataFrame({"x": [1]}))
    result = govern.last_result()
    assert result is not None
    assert result.status == "failed"
    assert result.error == "KeyError: 'missing thing'"
    assert all(c.passed for c in result.checks)
