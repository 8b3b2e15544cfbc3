from __future__ import annotations

import pytest
import sqlalchemy as sa

import govern.config
from govern.cli import main
from govern.errors import StoreError
from govern.store import open_store
from govern.store.chain import record_hash
from govern.store.sql import parse_target
from tests.store import factories as f

KEY = "s3cret-signing-key"


def _fill(url: str, key: str) -> str:
    with open_store(url, signing_key=key) as store:
        run = f.run_info()
        store.begin_run(run)
        for _ in range(3):
            store.record_stage(f.stage_result(run.id))
        assert store.keyed is bool(key)
        return run.id


def test_keyed_chain_verifies_only_with_its_key(store_url: str) -> None:
    _fill(store_url, KEY)
    with open_store(store_url, signing_key=KEY, create=False) as store:
        report = store.verify()
        assert report.ok and report.keyed and report.records == 4
    with open_store(store_url, signing_key="", create=False) as store:
        report = store.verify()
        assert not report.ok
        assert "GOVERN_SIGNING_KEY" in report.message
        assert store.runs()  # reading needs no key
    with open_store(store_url, signing_key="wrong", create=False) as store:
        report = store.verify()
        assert not report.ok and report.first_bad is not None
        assert report.first_bad.startswith("record seq 1 (run_started ")
        assert "not the key this store was signed with" in report.first_bad


def test_writers_need_the_right_key(store_url: str) -> None:
    _fill(store_url, KEY)
    with pytest.raises(StoreError, match="GOVERN_SIGNING_KEY is not set"):
        open_store(store_url, signing_key="")
    with pytest.raises(StoreError, match="different key"):
        open_store(store_url, signing_key="wrong")


def test_unkeyed_store_refuses_a_key(store_url: str) -> None:
    _fill(store_url, "")
    with pytest.raises(StoreError, match="unkeyed hash chain"):
        open_store(store_url, signing_key=KEY)
    with open_store(store_url, signing_key=KEY, create=False) as store:
        report = store.verify()  # a verifier holding a key insists on a keyed chain
        assert not report.ok and "not keyed" in report.message


def test_rehashing_without_the_key_is_caught(store_url: str) -> None:
    _fill(store_url, KEY)
    engine = sa.create_engine(parse_target(store_url).url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT seq, body FROM ledger ORDER BY seq")).all()
            prev = "0" * 64
            for seq, body in rows:
                body = body.replace('"failed_count":0', '"failed_count":1', 1)
                digest = record_hash(prev, body, None)  # the attacker has no key
                conn.execute(
                    sa.text(
                        "UPDATE ledger SET body = :b, prev_hash = :p, hash = :h WHERE seq = :s"
                    ),
                    {"b": body, "p": prev, "h": digest, "s": seq},
                )
                prev = digest
            conn.execute(sa.text("UPDATE meta SET value = 'sha256' WHERE key = 'chain'"))
    finally:
        engine.dispose()
    with open_store(store_url, signing_key=KEY, create=False) as store:
        assert not store.verify().ok


def test_key_from_settings_and_cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    govern.config.configure(signing_key=KEY, store=store_url)
    _fill(store_url, KEY)
    assert main(["verify"]) == 0
    assert "keyed chain" in capsys.readouterr().out
    govern.config.configure(signing_key="nope", store=store_url)
    assert main(["verify"]) == 1
    assert KEY not in capsys.readouterr().out


def test_empty_store_adopts_the_first_writers_key(store_url: str) -> None:
    open_store(store_url, signing_key="").close()
    with open_store(store_url, signing_key=KEY) as store:
        assert store.keyed
