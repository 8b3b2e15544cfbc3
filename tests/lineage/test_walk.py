"""The walk's answer is ordered as Node.sort_key says (its fast string keys agree)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from govern.lineage.nodes import Node
from govern.lineage.walk import Walk

text = st.text(alphabet="ab:/.\x01 é", max_size=4)
nodes = st.builds(
    Node,
    st.sampled_from(["dataset", "job", "model"]),
    text,
    text,
    st.one_of(st.none(), text),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(nodes, nodes), max_size=30), st.lists(nodes, max_size=5))
def test_nodes_and_edges_come_out_in_sort_key_order(
    edges: list[tuple[Node, Node]], alone: list[Node]
) -> None:
    walk = Walk(None)
    for node in alone:
        walk.add(node)
    for source, target in edges:
        walk.link(source, target)
    found, links = walk.result()
    assert set(found) == {*alone, *(n for e in edges for n in e)}
    keys = [n.sort_key() for n in found]
    assert keys == sorted(keys)
    place = {n: i for i, n in enumerate(found)}
    assert [(place[e.source], place[e.target]) for e in links] == sorted(
        {(place[s], place[t]) for s, t in edges}
    )
