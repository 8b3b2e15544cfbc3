"""A contract gate's identity goes into the record and into the dataset's lineage facets.

The dataset version carries the contract (id, version, schema object) and what lineage
emits from it: ownership (the contract's team), tags (the TagsDatasetFacet of the spec),
documentation (the description) and ``govern_contract``; every event validates against
the vendored OpenLineage schemas and govern's shipped facet schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openlineage.client.facet_v2 import tags_dataset

import govern
from govern.contracts import Contract
from govern.lineage import delivery
from govern.lineage.facets import GovernContractDatasetFacet, dataset_facets
from govern.store import open_store
from govern.store.codec import decode_dataset_version, encode_dataset_version
from govern.types import ContractRef, DatasetKind, DatasetRef, DatasetVersion
from tests.contracts.conftest import ORDERS
from tests.lineage.conftest import SHIPPED, read_jsonl, validate_event

ORDERS_REF = ContractRef(
    id="6f2c1b7e-4b7a-4a8e-9f0e-0d1c2b3a4f5e",
    version="1.2.0",
    schema="orders",
    owners=(("dana@example.org", "owner"),),
    tags=("sales",),
    description="One row per order.",
)


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tenant_id": [1, 1, 2],
            "order_id": [1, 2, 1],
            "amount": [10.0, 20.0, 5.0],
            "currency": ["EUR", "USD", "GBP"],
            "email": ["a@b.co", "c@d.co", None],
            "status": ["open", "closed", "open"],
        }
    )


@pytest.fixture
def events_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "lineage" / "events.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    govern.config.reset()
    yield path
    delivery.shutdown(timeout=5.0)


def test_the_gate_knows_its_contract() -> None:
    assert Contract(ORDERS).contract_ref == ORDERS_REF
    assert ORDERS_REF.label == Contract(ORDERS).name


def test_a_contract_without_team_tags_or_description_records_its_identity() -> None:
    bare = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "bare",
        "version": "0.1.0",
        "status": "draft",
        "schema": [{"name": "t", "properties": [{"name": "a", "logicalType": "integer"}]}],
    }
    assert Contract(bare).contract_ref == ContractRef("bare", "0.1.0", "t")


def test_the_dataset_version_records_the_contract_and_lineage_emits_it(
    events_file: Path,
) -> None:
    gate = Contract(ORDERS)

    @govern.stage(outputs=gate)
    def load() -> pd.DataFrame:
        return _orders()

    @govern.stage(inputs={"df": gate})
    def use(df: pd.DataFrame) -> int:
        return len(df)

    with govern.run("orders"):
        use(load())
    last = govern.last_result()
    assert last is not None
    run_id = last.run_id
    with open_store(None) as store:
        stages = store.stage_runs(run_id)
    recorded = [(s.stage, d.role, d.contract) for s in stages for d in s.datasets]
    assert recorded == [("load", "output", ORDERS_REF), ("use", "input", ORDERS_REF)]

    delivery.shutdown(timeout=20.0)
    events = read_jsonl(events_file)
    assert events
    used: set[str] = set()
    for event in events:
        used.update(validate_event(event))
    assert any("GovernContractDatasetFacet.json" in url for url in used)
    gated = [
        d["facets"]
        for e in events
        for d in (*e.get("inputs", ()), *e.get("outputs", ()))
        if "govern_contract" in d.get("facets", {})
    ]
    assert gated  # the output of load and the input of use
    for facets in gated:
        assert {
            k: facets["govern_contract"][k] for k in ("standard", "id", "version", "schema")
        } == {
            "standard": "ODCS",
            "id": ORDERS_REF.id,
            "version": "1.2.0",
            "schema": "orders",
        }
        assert facets["ownership"]["owners"] == [{"name": "dana@example.org", "type": "owner"}]
        assert facets["documentation"]["description"] == "One row per order."
        tags = [(t["key"], t["value"], t["source"]) for t in facets["tags"]["tags"]]
        assert ("sales", "true", "ODCS") in tags


def test_records_without_a_contract_keep_their_text_and_with_one_round_trip() -> None:
    plain = DatasetVersion(DatasetRef("ns", "t", DatasetKind.SOURCE), "input", "df", "x", 3)
    assert "contract" not in encode_dataset_version(plain)  # earlier records' hashes hold
    assert decode_dataset_version(encode_dataset_version(plain)) == plain
    gated = DatasetVersion(
        DatasetRef("ns", "t", DatasetKind.SOURCE), "input", "df", "x", 3, contract=ORDERS_REF
    )
    assert decode_dataset_version(encode_dataset_version(gated)) == gated
    assert decode_dataset_version(encode_dataset_version(gated), tagged=False) == gated


def test_pii_tags_and_contract_tags_share_the_tags_facet() -> None:
    dv = DatasetVersion(
        DatasetRef("ns", "t", DatasetKind.SOURCE),
        "input",
        "df",
        "x",
        3,
        schema=(("email", "object"),),
        contract=ORDERS_REF,
    )
    facets = dataset_facets(dv, pii=["email"])
    tags = facets["tags"]
    assert isinstance(tags, tags_dataset.TagsDatasetFacet)
    keys = [(t.key, t.field) for t in tags.tags or ()]
    assert keys == [("pii", "email"), ("sales", None)]
    assert isinstance(facets["govern_contract"], GovernContractDatasetFacet)


def test_the_contract_facet_schema_is_shipped() -> None:
    url = GovernContractDatasetFacet(id="a", version="1", schema="t")._get_schema()
    assert (SHIPPED / url.partition("#")[0].rpartition("/")[2]).is_file()
