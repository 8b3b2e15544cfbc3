"""The shared YAML loader (policy packs, ``govern validate`` schemas) answers as
``yaml.safe_load`` does on ordinary documents, and refuses only past its bounds."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.errors import PolicyError
from govern.yamlfile import MAX_DEPTH, MAX_VALUES, LineDict, LineList, parse_yaml

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.dates(),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(document=documents, shared=st.booleans())
def test_same_answer_as_safe_load(document: Any, shared: bool) -> None:
    # the same object twice makes safe_dump write an anchor and an alias
    text = yaml.safe_dump({"a": document, "b": document} if shared else document)
    assert parse_yaml(text, "doc.yaml") == yaml.safe_load(text)


def test_lines_are_kept() -> None:
    data = parse_yaml("a: 1\nb:\n  - x\n  - y\n", "doc.yaml")
    assert isinstance(data, LineDict) and data.line_of("b") == 2
    assert isinstance(data["b"], LineList) and data["b"].line_of(1) == 4


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_depth_bound_is_exact() -> None:
    assert parse_yaml(_nested(MAX_DEPTH), "doc.yaml") == yaml.safe_load(_nested(MAX_DEPTH))
    with pytest.raises(PolicyError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_yaml(_nested(MAX_DEPTH + 1), "doc.yaml")


def _laughs(levels: int, width: int) -> str:
    text = "l0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n"
    return text


def test_aliases_may_expand_to_the_bound_and_no_further() -> None:
    within = _laughs(5, 9)  # 9^5 = 59,049 leaves (about 66,000 values) < MAX_VALUES
    assert parse_yaml(within, "doc.yaml") == yaml.safe_load(within)
    with pytest.raises(PolicyError) as caught:
        parse_yaml(_laughs(6, 9), "doc.yaml")  # 9^6 = 531,441 leaves
    assert f"more than the {MAX_VALUES:,} allowed (an alias bomb?)" in str(caught.value)
    assert caught.value.file == "doc.yaml" and caught.value.line == 6
